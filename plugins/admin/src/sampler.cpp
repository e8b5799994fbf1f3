#include "sampler.hpp"

#include "metrics_summary.hpp"

namespace notify::admin {

Sample sample_of(std::string_view stats_json) {
    const MetricsSummary summary(stats_json);
    Sample sample;
    sample.time_ms = summary.time_ms();
    sample.publishes_total = summary.total(metric::publishes);
    sample.deliveries_total = summary.total(metric::deliveries);
    sample.drops_total = summary.total(metric::drops);
    sample.connections = summary.total(metric::connections);
    return sample;
}

Sampler::Sampler(const HostViews& views, TopicBoard& topics, std::chrono::milliseconds interval,
                 std::size_t history)
    : views_(views), topics_(topics), interval_(interval), history_(history) {}

Sampler::~Sampler() {
    stop();
}

void Sampler::start() {
    sample_once();
    thread_ = std::thread([this] { run(); });
}

void Sampler::stop() {
    {
        const std::lock_guard lock{mutex_};
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

nlohmann::json Sampler::history() const {
    const std::lock_guard lock{mutex_};
    return history_.to_json();
}

void Sampler::run() {
    auto next = std::chrono::steady_clock::now() + interval_;
    std::unique_lock lock{mutex_};
    while (!wake_.wait_until(lock, next, [this] { return stopping_; })) {
        lock.unlock();
        sample_once();
        lock.lock();
        next += interval_;
        // After a stall (a suspended process), sample now and go on from here.
        if (next < std::chrono::steady_clock::now()) next = std::chrono::steady_clock::now();
    }
}

void Sampler::sample_once() {
    const HostDocument stats = views_.stats(NOTIFY_STATS_JSON);
    if (stats.ok) {
        const Sample sample = sample_of(stats.text);
        const std::lock_guard lock{mutex_};
        history_.add(sample);
    }
    topics_.refresh();
}

}  // namespace notify::admin
