// The JSON the proxy plugin sends to the backend, and the reading of the backend's answers.
// Pure functions: no I/O, no threads (unit-testable, and the HTTP client stays in client.cpp).
#pragma once

#include <notify/notify.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "settings.hpp"

namespace notify::proxy {

enum class Step { connect, refresh, subscribe, publish };

const char* step_name(Step step) noexcept;

// Request bodies, built on the core thread from the borrowed request (everything is copied).
// `forward_headers`: the lowercased header names the backend may see (Settings).
std::string connect_body(const notify_auth_request& request, bool refresh,
                         const std::vector<std::string>& forward_headers);
std::string authz_body(const notify_authz_request& request, Step step,
                       const std::vector<std::string>& forward_headers);

// A decision with owned strings, handed to host->auth_complete through fill().
struct Answer {
    notify_auth_decision decision = NOTIFY_AUTH_DENY;
    std::string user_id;
    std::string reason;
    std::uint32_t error_code = NOTIFY_AUTH_ERROR_DEFAULT;
    std::int64_t expires_at_ms = 0;
    std::string info;
    std::vector<std::string> topics;
    std::optional<std::string> data;  // ALLOW of a publish: the payload to publish instead
    std::uint16_t close_code = 0;     // DENY from a "disconnect" answer: close with it
    bool temporary = false;  // the backend could not be asked or gave no usable answer

    // Points `result` (size = sizeof(notify_auth_result)) at this answer's strings; they stay
    // valid while the answer and `topic_views` live.
    void fill(notify_auth_result& result, std::vector<notify_str>& topic_views) const;
};

// The error code a DENY of `step` carries unless the backend says "expired".
std::uint32_t deny_code(Step step) noexcept;

// DENY with reason "proxy: backend unavailable: <detail>".
Answer unavailable(Step step, std::string_view detail);

// DEFER: no opinion.
Answer deferred();

// NOTIFY_HAS_FIELD for a struct held by reference (so never NULL).
#define PROXY_HAS_FIELD(object, type, field) ((object).size >= NOTIFY_FIELD_END_(type, field))

// DENY with a reason and no backend involved (queue full, stopping).
Answer refused(Step step, std::string reason);

// Reads a 200 response body. `request_user` is the connection's user (refresh keeps it when the
// backend names none). An answer that is not valid per the README is unavailable(...).
Answer parse_answer(Step step, std::string_view body, std::string_view request_user,
                    std::int64_t now_ms, const Settings& settings);

}  // namespace notify::proxy
