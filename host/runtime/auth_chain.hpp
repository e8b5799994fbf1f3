// The auth plugin chain: each auth instance in manifest order until one allows or denies.
// DEFER asks the next one; PENDING suspends the chain until that instance's auth_complete.
// All defer: a connect is denied ("no auth plugin accepted the connection"), while a
// subscribe/publish authorization is allowed (the namespace options already gate those; an
// auth plugin without authorize_* hooks has no opinion on them).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/core.hpp"
#include "notify/notify.h"
#include "runtime/host_metrics.hpp"
#include "runtime/plugin_instance.hpp"

namespace notify::runtime {

// A copied auth answer, as a plugin returns it or passes it to host->auth_complete.
struct AuthAnswer {
    notify_auth_decision decision = NOTIFY_AUTH_DENY;
    std::string client_id;
    std::string user_id;
    std::string reason;
    std::uint32_t error_code = 0;
    std::int64_t expires_at_ms = 0;
    std::string info;
    std::vector<std::string> topics;
    std::optional<std::string> replacement_data;  // 1.7: ALLOW of a publish with replace_data
    std::uint16_t close_code = 0;                 // 1.7: DENY that closes the connection

    // Reads the ABI 1.4 and 1.7 members only when result.size covers them (an older plugin's
    // struct).
    static AuthAnswer copy(const notify_auth_result& result);
};

class AuthChain {
public:
    enum class Step { authenticate, authorize_subscribe, authorize_publish };

    explicit AuthChain(std::vector<const PluginInstance*> auths);

    // Counts each instance's answers from now on (notify_auth_decisions_total).
    void set_metrics(const HostMetrics* metrics) { metrics_ = metrics; }

    core::AuthOutcome authenticate(std::uint64_t request_id, const core::AuthRequest& request,
                                   std::string_view transport_name);
    // context.transport is given by name in `transport_name`.
    core::AuthOutcome authorize(Step step, std::uint64_t request_id, std::string_view client_id,
                                std::string_view user_id, std::string_view topic,
                                std::string_view token = {}, bool token_required = false,
                                const core::AuthorizeContext& context = {},
                                std::string_view transport_name = {});

    // An auth_complete from auth instance `instance` (creation index). Returns the chain's final
    // outcome, or nullopt while it waits again or when no such request waits on that instance.
    std::optional<core::AuthOutcome> resume(std::uint32_t instance, std::uint64_t request_id,
                                            const AuthAnswer& answer);

    std::size_t pending_count() const { return pending_.size(); }

private:
    struct Request {
        Step step = Step::authenticate;
        std::size_t position = 0;  // the chain member asked last
        std::string token;
        std::string client_id;
        std::string user_id;
        std::string remote_address;
        std::string transport;
        std::string topic;
        std::uint32_t purpose = NOTIFY_AUTH_PURPOSE_CONNECT;
        bool token_required = false;
        std::vector<core::RequestHeader> headers;
        std::string data;  // a publish's payload
    };

    core::AuthOutcome run(std::uint64_t request_id, Request request);
    notify_status ask(const PluginInstance& auth, std::uint64_t request_id, const Request& request,
                      notify_auth_result& result, notify_error& err) const;
    // The outcome of a decided answer, or nullopt for DEFER.
    std::optional<core::AuthOutcome> decided(Step step, const AuthAnswer& answer) const;

    std::vector<const PluginInstance*> auths_;
    bool publish_hooks_ = false;  // some instance has authorize_publish
    const HostMetrics* metrics_ = nullptr;

    void count(const Request& request, HostMetrics::AuthOutcome outcome) const;
    std::unordered_map<std::uint64_t, Request> pending_;
};

}  // namespace notify::runtime
