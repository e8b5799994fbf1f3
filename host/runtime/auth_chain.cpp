#include "runtime/auth_chain.hpp"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "notify/protocol/json.hpp"

namespace notify::runtime {
namespace {

notify_str view(const std::string& text) { return notify_str{text.data(), text.size()}; }

notify_bytes bytes_view(const std::string& bytes) {
    return notify_bytes{reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
}

std::vector<notify_header> header_views(const std::vector<core::RequestHeader>& headers) {
    std::vector<notify_header> views;
    views.reserve(headers.size());
    for (const core::RequestHeader& header : headers) {
        views.push_back(notify_header{view(header.name), view(header.value)});
    }
    return views;
}

std::string copy_text(notify_str text) {
    if (text.data == nullptr) return {};
    return std::string(text.data, text.len);
}

core::AuthOutcome deny(std::string reason, std::uint32_t error_code = 0) {
    core::AuthOutcome outcome;
    outcome.kind = core::AuthOutcome::Kind::deny;
    outcome.reason = std::move(reason);
    outcome.error_code = error_code;
    return outcome;
}

// Info travels inside presence replies and join/leave pushes, whose decoders bound nesting.
constexpr int kMaxInfoDepth = 8;
constexpr std::size_t kMaxInfoSize = 64 * 1024;

int json_depth(const nlohmann::json& value) {
    if (!value.is_structured()) return 0;
    int deepest = 0;
    for (const nlohmann::json& child : value) deepest = std::max(deepest, json_depth(child));
    return deepest + 1;
}

// What is wrong with an ALLOW's info and topics, which reach clients, handlers and presence.
std::string answer_error(const AuthAnswer& answer) {
    if (answer.info.size() > kMaxInfoSize) {
        return "the auth plugin's info is larger than " + std::to_string(kMaxInfoSize) + " bytes";
    }
    if (!answer.info.empty()) {
        const nlohmann::json info = nlohmann::json::parse(answer.info, nullptr, false);
        if (!info.is_object()) {
            return "the auth plugin's info is not a JSON object";
        }
        if (json_depth(info) > kMaxInfoDepth) {
            return "the auth plugin's info nests deeper than " + std::to_string(kMaxInfoDepth) +
                   " levels";
        }
    }
    for (const std::string& topic : answer.topics) {
        if (!protocol::is_valid_topic(topic)) {
            return "the auth plugin named an invalid topic to subscribe to";
        }
    }
    return {};
}

}  // namespace

AuthAnswer AuthAnswer::copy(const notify_auth_result& result) {
    AuthAnswer answer;
    answer.decision = result.decision;
    answer.client_id = copy_text(result.client_id);
    answer.user_id = copy_text(result.user_id);
    answer.reason = copy_text(result.reason);
    if (result.size >= NOTIFY_FIELD_END_(notify_auth_result, error_code)) {
        answer.error_code = result.error_code;
    }
    if (result.size >= NOTIFY_FIELD_END_(notify_auth_result, expires_at_ms)) {
        answer.expires_at_ms = result.expires_at_ms;
    }
    if (result.size >= NOTIFY_FIELD_END_(notify_auth_result, info)) {
        answer.info = copy_text(result.info);
    }
    if (result.size >= NOTIFY_FIELD_END_(notify_auth_result, topic_count) &&
        result.topics != nullptr) {
        answer.topics.reserve(result.topic_count);
        for (std::size_t i = 0; i < result.topic_count; ++i) {
            answer.topics.push_back(copy_text(result.topics[i]));
        }
    }
    if (result.size >= NOTIFY_FIELD_END_(notify_auth_result, replace_data) &&
        result.replace_data) {
        answer.replacement_data =
            result.data.data == nullptr
                ? std::string()
                : std::string(reinterpret_cast<const char*>(result.data.data), result.data.len);
    }
    if (result.size >= NOTIFY_FIELD_END_(notify_auth_result, close_code)) {
        answer.close_code = result.close_code;
    }
    return answer;
}

AuthChain::AuthChain(std::vector<const PluginInstance*> auths) : auths_(std::move(auths)) {
    for (const PluginInstance* auth : auths_) {
        if (auth->descriptor().auth->authorize_publish != nullptr) publish_hooks_ = true;
    }
}

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
    chained.purpose = request.purpose;
    chained.headers = request.headers;
    return run(request_id, std::move(chained));
}

core::AuthOutcome AuthChain::authorize(Step step, std::uint64_t request_id,
                                       std::string_view client_id, std::string_view user_id,
                                       std::string_view topic, std::string_view token,
                                       bool token_required, const core::AuthorizeContext& context,
                                       std::string_view transport_name) {
    // Every instance would defer: the answer is known without copying the request (this is
    // every publish of a deployment without publish rules, so it is worth the shortcut).
    if (step == Step::authorize_publish && !publish_hooks_ && !token_required) {
        core::AuthOutcome allowed;
        allowed.kind = core::AuthOutcome::Kind::allow;
        return allowed;
    }
    Request chained;
    chained.step = step;
    chained.client_id = std::string(client_id);
    chained.user_id = std::string(user_id);
    chained.topic = std::string(topic);
    chained.token = std::string(token);
    chained.token_required = token_required;
    chained.transport = std::string(transport_name);
    chained.remote_address = std::string(context.remote_address);
    chained.headers.assign(context.headers.begin(), context.headers.end());
    if (step == Step::authorize_publish) chained.data = std::string(context.data);
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
    count(request, answer.decision == NOTIFY_AUTH_ALLOW  ? HostMetrics::AuthOutcome::allow
                   : answer.decision == NOTIFY_AUTH_DENY ? HostMetrics::AuthOutcome::deny
                                                         : HostMetrics::AuthOutcome::defer);
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
            count(request, HostMetrics::AuthOutcome::error);
            err.message[NOTIFY_ERROR_MESSAGE_MAX - 1] = '\0';
            std::string reason = err.message;
            if (reason.empty()) reason = "auth instance '" + auth.spec.name + "' failed";
            return deny(std::move(reason));
        }
        count(request, result.decision == NOTIFY_AUTH_ALLOW  ? HostMetrics::AuthOutcome::allow
                       : result.decision == NOTIFY_AUTH_DENY ? HostMetrics::AuthOutcome::deny
                                                             : HostMetrics::AuthOutcome::defer);
        if (auto outcome = decided(request.step, AuthAnswer::copy(result))) return *outcome;
    }
    if (request.step == Step::authenticate) {
        return deny(request.purpose == NOTIFY_AUTH_PURPOSE_REFRESH
                        ? "no auth plugin accepted the refresh token"
                        : "no auth plugin accepted the connection");
    }
    // A namespace that admits only verified subscription tokens needs a plugin's yes.
    if (request.token_required) {
        return deny(request.token.empty()
                        ? "topic '" + request.topic + "' needs a subscription token"
                        : "no auth plugin verified the subscription token for '" +
                              request.topic + "'");
    }
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
        plugin_request.purpose = request.purpose;
        const std::vector<notify_header> headers = header_views(request.headers);
        plugin_request.headers = headers.empty() ? nullptr : headers.data();
        plugin_request.header_count = headers.size();
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
    plugin_request.token = view(request.token);
    plugin_request.flags = request.token_required ? std::uint32_t{NOTIFY_AUTHZ_TOKEN_REQUIRED} : 0u;
    plugin_request.transport = view(request.transport);
    plugin_request.remote_address = view(request.remote_address);
    const std::vector<notify_header> headers = header_views(request.headers);
    plugin_request.headers = headers.empty() ? nullptr : headers.data();
    plugin_request.header_count = headers.size();
    plugin_request.data = bytes_view(request.data);
    return hook(auth.handle, &plugin_request, &result, &err);
}

std::optional<core::AuthOutcome> AuthChain::decided(Step step, const AuthAnswer& answer) const {
    switch (answer.decision) {
        case NOTIFY_AUTH_DEFER:
            return std::nullopt;
        case NOTIFY_AUTH_ALLOW: {
            if (step == Step::authenticate) {
                if (std::string error = answer_error(answer); !error.empty()) {
                    return deny(std::move(error), NOTIFY_AUTH_ERROR_DEFAULT);
                }
            }
            core::AuthOutcome outcome;
            outcome.kind = core::AuthOutcome::Kind::allow;
            if (step == Step::authenticate) {
                outcome.client_id = answer.client_id;
                outcome.user_id = answer.user_id;
                outcome.expires_at_ms = answer.expires_at_ms;
                outcome.info = answer.info;
                outcome.topics = answer.topics;
            }
            if (step == Step::authorize_publish) outcome.replacement_data = answer.replacement_data;
            return outcome;
        }
        case NOTIFY_AUTH_DENY: {
            core::AuthOutcome outcome =
                deny(answer.reason.empty() ? "denied" : answer.reason, answer.error_code);
            if (answer.close_code >= 4000 && answer.close_code <= 4999) {
                outcome.close_code = answer.close_code;
            } else if (answer.close_code != 0) {
                spdlog::warn("an auth plugin asked to close a connection with code {}, outside "
                             "4000-4999; the connection stays open",
                             answer.close_code);
            }
            return outcome;
        }
    }
    return deny("an auth plugin answered with an unknown decision");
}

void AuthChain::count(const Request& request, HostMetrics::AuthOutcome outcome) const {
    if (metrics_ == nullptr) return;
    const HostMetrics::AuthCall call =
        request.step == Step::authenticate        ? HostMetrics::AuthCall::authenticate
        : request.step == Step::authorize_subscribe ? HostMetrics::AuthCall::subscribe
                                                    : HostMetrics::AuthCall::publish;
    metrics_->auth_decision(request.position, call, outcome);
}

}  // namespace notify::runtime
