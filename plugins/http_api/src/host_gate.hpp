// The one way requests reach host->api_call, and answers come back. Shared (shared_ptr) by the
// server and by every call in flight: after shut(), an answer that still arrives (late, or after
// the instance was destroyed) finds the gate shut and runs nothing but its own release, so no
// host call is made and no freed socket or io_context is touched.
#pragma once

#include <notify/notify.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace notify::http_api {

// A host answer, copied out of the borrowed notify_api_reply.
struct ApiAnswer {
    bool ok = false;
    std::uint32_t error_code = 0;  // when !ok
    std::string error_message;     // when !ok
    std::string result;            // when ok: one JSON object
};

class HostGate : public std::enable_shared_from_this<HostGate> {
public:
    // Runs with the answer under the gate's lock, on a host thread: it must only hand the answer
    // to an I/O thread (post). It may hold only what is safe to destroy once the I/O threads and
    // their io_context are gone (weak pointers, plain values).
    using AnswerHandler = std::function<void(ApiAnswer&&)>;

    HostGate(const notify_host_api& host, notify_host_ctx* ctx);

    // True when the host table has api_call (ABI 1.5).
    static bool host_supports(const notify_host_api* host);

    // Carries one request to the host. NOTIFY_OK when accepted (on_answer then runs at most
    // once: never when the gate shuts first); NOTIFY_ERR_CLOSED once admission is closed; or
    // the host's refusal. THREAD: any.
    notify_status call(std::string_view method, std::string_view params,
                       std::string_view request_id, AnswerHandler on_answer);

    // No new call is admitted after this. THREAD: any.
    void close_admission();
    // Waits until every admitted call was answered, or `bound` passed; returns how many are
    // still in flight. THREAD: main (stop).
    std::size_t drain(std::chrono::milliseconds bound);
    // Answers arriving from now on run no handler. Returns once no handler runs. THREAD: any.
    void shut();

private:
    struct PendingCall;
    static void on_reply(void* user_data, const notify_api_reply* reply);
    void finish(PendingCall& call, const notify_api_reply* reply);

    const notify_host_api& host_;
    notify_host_ctx* const ctx_;
    std::mutex mutex_;
    std::condition_variable drained_;
    bool admitting_ = true;
    bool shut_ = false;
    std::size_t in_flight_ = 0;
};

}  // namespace notify::http_api
