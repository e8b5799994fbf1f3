/*
 * jwt -- an auth plugin that verifies JSON Web Tokens: connection tokens at connect and refresh,
 * subscription tokens at subscribe. HMAC signatures are checked with libjwt, the others with
 * OpenSSL; keys come from the manifest and a JSON Web Key Set file; the algorithm a token
 * names must belong to a configured key's kind (see settings.hpp), so `alg: none` and the
 * HS256-with-a-public-key trick are refused before any verification.
 */
#include <notify/notify.h>
#include <notify/sdk.h>

#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <notify_plugin_common/current.hpp>

#include "reload_summary.hpp"
#include "settings.hpp"
#include "verifier.hpp"

// NOTIFY_HAS_FIELD for a struct held by reference (so never NULL).
#define JWT_HAS_FIELD(object, type, field) ((object).size >= NOTIFY_FIELD_END_(type, field))

namespace notify::jwt {
namespace {

using Json = nlohmann::json;

std::string_view view_of(notify_str text) noexcept {
    return text.len == 0 ? std::string_view{} : std::string_view{text.data, text.len};
}

notify_str str_of(const std::string& text) noexcept {
    return notify_str{text.data(), text.size()};
}

// One manifest instance. Every vtable call comes from the core thread, one at a time, so the
// answer buffers below are never read by the host while another call rewrites them. The
// settings are immutable and replaced whole by reconfigure() on the main thread: a call takes
// its own reference first, so a verification under way finishes with the keys it started with.
class Instance {
  public:
    Instance(const notify_host_api* host, notify_host_ctx* ctx) : host_(host), ctx_(ctx) {}

    notify_status create(const notify_config* config, notify_error* err) {
        auto settings = std::make_shared<Settings>();
        const notify_status status = load_settings(host_, config, *settings, err);
        if (status != NOTIFY_OK) return status;
        warn_about(*settings);
        settings_.store(std::move(settings));
        return status;
    }

    // Reads the whole new table (re-reading the secrets and key files it names) before
    // anything changes; on any error the old settings stay. THREAD: main.
    notify_status reconfigure(const notify_config* config, notify_error* err);

    void authenticate(const notify_auth_request& request, notify_auth_result& result);
    void authorize_subscribe(const notify_authz_request& request, notify_auth_result& result);

  private:
    std::shared_ptr<const Settings> current_settings() const { return settings_.load(); }

    void warn_about(const Settings& settings) const {
        for (const std::string& warning : settings.warnings) {
            const std::string line = "jwt: " + warning;
            host_->log(ctx_, NOTIFY_LOG_WARN, str_of(line));
        }
    }

    std::int64_t now_ms() const {
        if (NOTIFY_HOST_HAS(host_, now_ms)) return host_->now_ms(ctx_);
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }

    void allow(notify_auth_result& result, std::string user) {
        user_ = std::move(user);
        result.decision = NOTIFY_AUTH_ALLOW;
        result.client_id = notify_str{nullptr, 0};
        result.user_id = str_of(user_);
        result.reason = notify_str{nullptr, 0};
    }

    void deny(notify_auth_result& result, std::string reason, std::uint32_t error_code) {
        reason_ = std::move(reason);
        result.decision = NOTIFY_AUTH_DENY;
        result.client_id = notify_str{nullptr, 0};
        result.user_id = notify_str{nullptr, 0};
        result.reason = str_of(reason_);
        if (JWT_HAS_FIELD(result, notify_auth_result, error_code)) {
            result.error_code = error_code;
        }
    }

    static void defer(notify_auth_result& result) {
        result.decision = NOTIFY_AUTH_DEFER;
        result.client_id = notify_str{nullptr, 0};
        result.user_id = notify_str{nullptr, 0};
        result.reason = notify_str{nullptr, 0};
    }

    // Copies info and topics into the instance for a connect's ALLOW; a reason when refused.
    std::string take_connect_extras(const Settings& settings, const Json& claims,
                                    notify_auth_result& result);

    const notify_host_api* host_;
    notify_host_ctx* ctx_;
    plugin_common::Current<Settings> settings_{nullptr};
    std::string user_;
    std::string reason_;
    std::string info_;
    std::vector<std::string> topics_;
    std::vector<notify_str> topic_views_;
};

// The sub claim: absent means the anonymous user "". False when present but not a string.
bool subject_of(const Json& claims, std::string& out) {
    const auto sub = claims.find("sub");
    if (sub == claims.end()) {
        out.clear();
        return true;
    }
    if (!sub->is_string()) return false;
    out = sub->get<std::string>();
    return true;
}

notify_status Instance::reconfigure(const notify_config* config, notify_error* err) {
    auto loaded = std::make_shared<Settings>();
    const notify_status status = load_settings(host_, config, *loaded, err);
    if (status != NOTIFY_OK) return status;
    const std::string line = "jwt: reconfigured: " + describe_changes(*current_settings(), *loaded);
    warn_about(*loaded);
    settings_.store(std::move(loaded));
    host_->log(ctx_, NOTIFY_LOG_INFO, str_of(line));
    return NOTIFY_OK;
}

std::string Instance::take_connect_extras(const Settings& settings, const Json& claims,
                                          notify_auth_result& result) {
    info_.clear();
    topics_.clear();
    topic_views_.clear();
    if (const auto info = claims.find("info"); info != claims.end()) {
        if (!info->is_object()) return "jwt: info claim must be a JSON object";
        info_ = info->dump(-1, ' ', false, Json::error_handler_t::replace);
        if (info_.size() > settings.max_info_size) {
            return "jwt: info claim is " + std::to_string(info_.size()) +
                   " bytes, more than max_info_size (" + std::to_string(settings.max_info_size) +
                   ")";
        }
    }
    if (const auto topics = claims.find("topics"); topics != claims.end()) {
        if (!topics->is_array()) return "jwt: topics claim must be an array of strings";
        for (const Json& topic : *topics) {
            if (!topic.is_string() || topic.get_ref<const std::string&>().empty()) {
                return "jwt: topics claim must be an array of non-empty strings";
            }
            topics_.push_back(topic.get<std::string>());
        }
        for (const std::string& topic : topics_) topic_views_.push_back(str_of(topic));
    }
    if (JWT_HAS_FIELD(result, notify_auth_result, info)) result.info = str_of(info_);
    if (JWT_HAS_FIELD(result, notify_auth_result, topic_count)) {
        result.topics = topic_views_.empty() ? nullptr : topic_views_.data();
        result.topic_count = topic_views_.size();
    }
    return {};
}

void Instance::authenticate(const notify_auth_request& request, notify_auth_result& result) {
    const bool refresh = JWT_HAS_FIELD(request, notify_auth_request, purpose) &&
                         request.purpose == NOTIFY_AUTH_PURPOSE_REFRESH;
    const std::string_view token = view_of(request.token);
    const std::shared_ptr<const Settings> settings = current_settings();
    if (token.empty()) {
        // No credential to check. A connect may be anonymous when configured; otherwise the next
        // auth plugin decides (an `anonymous` plugin after this one, or the host's deny).
        if (!refresh && settings->allow_anonymous) {
            allow(result, "");
        } else {
            defer(result);
        }
        return;
    }

    Verification verified = Verifier{*settings}.verify(token, now_ms());
    if (!verified.valid) {
        deny(result, std::move(verified.reason),
             verified.expired ? NOTIFY_AUTH_ERROR_TOKEN_EXPIRED : NOTIFY_AUTH_ERROR_UNAUTHORIZED);
        return;
    }
    const Json& claims = verified.claims;
    if (claims.contains("topic")) {
        deny(result, "jwt: a subscription token cannot be used to connect",
             NOTIFY_AUTH_ERROR_UNAUTHORIZED);
        return;
    }
    std::string user;
    if (!subject_of(claims, user)) {
        deny(result, "jwt: sub claim must be a string", NOTIFY_AUTH_ERROR_UNAUTHORIZED);
        return;
    }
    if (user.empty() && !settings->allow_anonymous) {
        deny(result, "jwt: token has no sub (an anonymous user) and allow_anonymous is false",
             NOTIFY_AUTH_ERROR_UNAUTHORIZED);
        return;
    }
    if (refresh && user != view_of(request.user_id)) {
        deny(result, "jwt: refresh token is for another user", NOTIFY_AUTH_ERROR_UNAUTHORIZED);
        return;
    }
    if (!refresh) {
        std::string refused = take_connect_extras(*settings, claims, result);
        if (!refused.empty()) {
            deny(result, std::move(refused), NOTIFY_AUTH_ERROR_UNAUTHORIZED);
            return;
        }
    }
    allow(result, std::move(user));
    if (JWT_HAS_FIELD(result, notify_auth_result, expires_at_ms)) {
        result.expires_at_ms = verified.expires_at_ms;
    }
}

void Instance::authorize_subscribe(const notify_authz_request& request,
                                   notify_auth_result& result) {
    const std::string_view token = JWT_HAS_FIELD(request, notify_authz_request, token)
                                       ? view_of(request.token)
                                       : std::string_view{};
    if (token.empty()) {
        // No subscription token: no opinion. A namespace that requires one (the flag
        // NOTIFY_AUTHZ_TOKEN_REQUIRED) is denied by the host when every plugin defers.
        defer(result);
        return;
    }
    const std::shared_ptr<const Settings> settings = current_settings();
    Verification verified = Verifier{*settings}.verify(token, now_ms());
    if (!verified.valid) {
        deny(result, std::move(verified.reason),
             verified.expired ? NOTIFY_AUTH_ERROR_TOKEN_EXPIRED
                              : NOTIFY_AUTH_ERROR_PERMISSION_DENIED);
        return;
    }
    const Json& claims = verified.claims;
    const auto topic = claims.find("topic");
    if (topic == claims.end()) {
        deny(result, "jwt: a connection token cannot be used as a subscription token",
             NOTIFY_AUTH_ERROR_PERMISSION_DENIED);
        return;
    }
    if (!topic->is_string() || topic->get_ref<const std::string&>() != view_of(request.topic)) {
        deny(result, "jwt: subscription token is for another topic",
             NOTIFY_AUTH_ERROR_PERMISSION_DENIED);
        return;
    }
    std::string user;
    if (!subject_of(claims, user)) {
        deny(result, "jwt: sub claim must be a string", NOTIFY_AUTH_ERROR_PERMISSION_DENIED);
        return;
    }
    if (user != view_of(request.user_id)) {
        deny(result, "jwt: subscription token is for another user",
             NOTIFY_AUTH_ERROR_PERMISSION_DENIED);
        return;
    }
    if (const auto client = claims.find("client"); client != claims.end()) {
        if (!client->is_string() ||
            client->get_ref<const std::string&>() != view_of(request.client_id)) {
            deny(result, "jwt: subscription token is bound to another client",
                 NOTIFY_AUTH_ERROR_PERMISSION_DENIED);
            return;
        }
    }
    allow(result, "");
}

// ---- the C ABI: nothing thrown inside may cross it -------------------------------------------

notify_status jwt_create(const notify_host_api* host, notify_host_ctx* ctx,
                         const notify_config* config, void** instance, notify_error* err) {
    try {
        auto created = std::make_unique<Instance>(host, ctx);
        const notify_status status = created->create(config, err);
        if (status != NOTIFY_OK) return status;
        *instance = created.release();
        return NOTIFY_OK;
    } catch (const std::exception& error) {
        notify_error_setf(err, "jwt: %s", error.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

void jwt_destroy(void* instance) {
    delete static_cast<Instance*>(instance);
}

notify_status jwt_reconfigure(void* instance, const notify_config* config, notify_error* err) {
    try {
        return static_cast<Instance*>(instance)->reconfigure(config, err);
    } catch (const std::exception& error) {
        notify_error_setf(err, "jwt: %s", error.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

notify_status jwt_authenticate(void* instance, const notify_auth_request* request,
                               notify_auth_result* result, notify_error* err) {
    try {
        static_cast<Instance*>(instance)->authenticate(*request, *result);
        return NOTIFY_OK;
    } catch (const std::exception& error) {
        notify_error_setf(err, "jwt: %s", error.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

notify_status jwt_authorize_subscribe(void* instance, const notify_authz_request* request,
                                      notify_auth_result* result, notify_error* err) {
    try {
        static_cast<Instance*>(instance)->authorize_subscribe(*request, *result);
        return NOTIFY_OK;
    } catch (const std::exception& error) {
        notify_error_setf(err, "jwt: %s", error.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

const notify_auth_vtable jwt_auth_vtable = {
    sizeof(notify_auth_vtable), jwt_authenticate, jwt_authorize_subscribe,
    nullptr,  // publish: no opinion
};

const notify_plugin_descriptor jwt_descriptor = {
    sizeof(notify_plugin_descriptor),
    NOTIFY_ABI_MAJOR,
    NOTIFY_ABI_MINOR,
    "jwt",
    "0.1.0",
    "Auth that verifies connection and subscription JSON Web Tokens",
    NOTIFY_KIND_AUTH,
    config_keys,
    config_key_count,
    jwt_create,
    nullptr,
    nullptr,
    jwt_destroy,
    nullptr,
    &jwt_auth_vtable,
    nullptr,
    nullptr,
    jwt_reconfigure,
};

}  // namespace
}  // namespace notify::jwt

extern "C" NOTIFY_EXPORT const notify_plugin_descriptor* NOTIFY_PLUGIN_ENTRY(void) {
    return &notify::jwt::jwt_descriptor;
}
