#include "runtime/auth_chain.hpp"

#include <utility>

#include <spdlog/spdlog.h>

namespace notify::runtime {
namespace {

notify_str view(const std::string& text) { return notify_str{text.data(), text.size()}; }

std::string copy_text(notify_str text) {
    if (text.data == nullptr) return {};
    return std::string(text.data, text.len);
}

core::AuthOutcome deny(std::string reason) {
    core::AuthOutcome outcome;
    outcome.kind = core::AuthOutcome::Kind::deny;
    outcome.reason = std::move(reason);
    return outcome;
}

}  // namespace

AuthAnswer AuthAnswer::copy(const notify_auth_result& result) {
    AuthAnswer answer;
    answer.decision = result.decision;
    answer.client_id = copy_text(result.client_id);
    answer.user_id = copy_text(result.user_id);
    answer.reason = copy_text(result.reason);
    return answer;
}

AuthChain::AuthChain(std::vector<const PluginInstance*> auths) : auths_(std::move(auths)) {}

core::AuthOutcome AuthChain::authenticate(std::uint64_t request_id,
                                          const core::AuthRequest& request,
                                          std::string_view transport_name) {
    Request chained;
    chained.step = Step::authenticate;
    chained.token = request.token;
    chained.client_id = request.client_id;
    chained.user_id = request.user_id;
    chained.remote_address = request.remote_address;
    chained.transport = std::string(transport_name);
    return run(request_id, std::move(chained));
}

core::AuthOutcome AuthChain::authorize(Step step, std::uint64_t request_id,
                                       std::string_view client_id, std::string_view user_id,
                                       std::string_view topic) {
    Request chained;
    chained.step = step;
    chained.client_id = std::string(client_id);
    chained.user_id = std::string(user_id);
    chained.topic = std::string(topic);
    return run(request_id, std::move(chained));
}

std::optional<core::AuthOutcome> AuthChain::resume(std::uint32_t instance,
                                                   std::uint64_t request_id,
                                                   const AuthAnswer& answer) {
    const auto found = pending_.find(request_id);
    if (found == pending_.end() || auths_[found->second.position]->ctx->instance != instance) {
        spdlog::warn("auth_complete for request {} that no auth instance #{} was asked; ignored",
                     request_id, instance);
        return std::nullopt;
    }
    Request request = std::move(found->second);
    pending_.erase(found);
    if (auto outcome = decided(request.step, answer)) return outcome;
    ++request.position;
    core::AuthOutcome outcome = run(request_id, std::move(request));
    if (outcome.kind == core::AuthOutcome::Kind::pending) return std::nullopt;
    return outcome;
}

core::AuthOutcome AuthChain::run(std::uint64_t request_id, Request request) {
    for (; request.position < auths_.size(); ++request.position) {
        const PluginInstance& auth = *auths_[request.position];
        notify_auth_result result{};
        result.size = sizeof result;
        result.decision = NOTIFY_AUTH_DEFER;
        notify_error err{};
        const notify_status status = ask(auth, request_id, request, result, err);
        if (status == NOTIFY_PENDING) {
            pending_.emplace(request_id, std::move(request));
            core::AuthOutcome outcome;
            outcome.kind = core::AuthOutcome::Kind::pending;
            return outcome;
        }
        if (status != NOTIFY_OK) {
            err.message[NOTIFY_ERROR_MESSAGE_MAX - 1] = '\0';
            std::string reason = err.message;
            if (reason.empty()) reason = "auth instance '" + auth.spec.name + "' failed";
            return deny(std::move(reason));
        }
        if (auto outcome = decided(request.step, AuthAnswer::copy(result))) return *outcome;
    }
    if (request.step == Step::authenticate) return deny("no auth plugin accepted the connection");
    core::AuthOutcome allowed;
    allowed.kind = core::AuthOutcome::Kind::allow;
    return allowed;
}

notify_status AuthChain::ask(const PluginInstance& auth, std::uint64_t request_id,
                             const Request& request, notify_auth_result& result,
                             notify_error& err) const {
    const notify_auth_vtable& vtable = *auth.descriptor().auth;
    if (request.step == Step::authenticate) {
        notify_auth_request plugin_request{};
        plugin_request.size = sizeof plugin_request;
        plugin_request.request_id = request_id;
        plugin_request.token = view(request.token);
        plugin_request.client_id = view(request.client_id);
        plugin_request.user_id = view(request.user_id);
        plugin_request.remote_address = view(request.remote_address);
        plugin_request.transport = view(request.transport);
        return vtable.authenticate(auth.handle, &plugin_request, &result, &err);
    }
    const auto hook = request.step == Step::authorize_subscribe ? vtable.authorize_subscribe
                                                                : vtable.authorize_publish;
    if (hook == nullptr) return NOTIFY_OK;  // result stays DEFER
    notify_authz_request plugin_request{};
    plugin_request.size = sizeof plugin_request;
    plugin_request.request_id = request_id;
    plugin_request.client_id = view(request.client_id);
    plugin_request.user_id = view(request.user_id);
    plugin_request.topic = view(request.topic);
    return hook(auth.handle, &plugin_request, &result, &err);
}

std::optional<core::AuthOutcome> AuthChain::decided(Step step, const AuthAnswer& answer) const {
    switch (answer.decision) {
        case NOTIFY_AUTH_DEFER:
            return std::nullopt;
        case NOTIFY_AUTH_ALLOW: {
            core::AuthOutcome outcome;
            outcome.kind = core::AuthOutcome::Kind::allow;
            if (step == Step::authenticate) {
                outcome.client_id = answer.client_id;
                outcome.user_id = answer.user_id;
            }
            return outcome;
        }
        case NOTIFY_AUTH_DENY:
            return deny(answer.reason.empty() ? "denied" : answer.reason);
    }
    return deny("an auth plugin answered with an unknown decision");
}

}  // namespace notify::runtime
