#include "runtime/instance_health.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace notify::runtime {

InstanceHealth::InstanceHealth(std::vector<Instance> instances) {
    for (Instance& instance : instances) {
        State state;
        state.instance = std::move(instance);
        states_.push_back(std::move(state));
    }
}

void InstanceHealth::started(std::uint32_t instance) {
    const std::lock_guard lock(mutex_);
    if (instance < states_.size()) states_[instance].started = true;
}

void InstanceHealth::all_started() {
    const std::lock_guard lock(mutex_);
    all_started_ = true;
}

void InstanceHealth::stopping() {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
}

void InstanceHealth::set_ready(std::uint32_t instance, bool ready, std::string reason) {
    const std::lock_guard lock(mutex_);
    if (instance >= states_.size()) return;
    State& state = states_[instance];
    if (state.ready == ready && state.reason == reason) return;
    if (ready) {
        spdlog::info("[{}] ready again", state.instance.name);
        reason.clear();
    } else {
        spdlog::warn("[{}] not ready: {}", state.instance.name,
                     reason.empty() ? "no reason given" : reason);
    }
    state.ready = ready;
    state.reason = std::move(reason);
}

bool InstanceHealth::ready_locked() const {
    if (!all_started_ || stopping_) return false;
    for (const State& state : states_) {
        if (!state.ready) return false;
    }
    return true;
}

bool InstanceHealth::ready() const {
    const std::lock_guard lock(mutex_);
    return ready_locked();
}

std::string InstanceHealth::json() const {
    using Json = nlohmann::ordered_json;
    const std::lock_guard lock(mutex_);
    Json problems = Json::array();
    const auto problem = [&problems](const Instance& instance, std::string reason) {
        Json entry = Json::object();
        entry["instance"] = instance.name;
        entry["plugin"] = instance.plugin;
        entry["reason"] = std::move(reason);
        problems.push_back(std::move(entry));
    };
    for (const State& state : states_) {
        if (!state.started && !stopping_) {
            problem(state.instance, "not started");
        } else if (!state.ready) {
            problem(state.instance, state.reason.empty() ? "not ready" : state.reason);
        }
    }
    if (stopping_) problem(Instance{"notifyd", "host"}, "shutting down");
    Json document = Json::object();
    document["live"] = true;
    document["ready"] = ready_locked();
    document["started"] = all_started_;
    document["problems"] = std::move(problems);
    return document.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace notify::runtime
