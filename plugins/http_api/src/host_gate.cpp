#include "host_gate.hpp"

#include <notify/sdk.h>

#include <utility>

namespace notify::http_api {

// The user_data of one api_call: released exactly once, by on_reply (or by call() when the host
// refuses the request, in which case on_reply never runs).
struct HostGate::PendingCall {
    std::shared_ptr<HostGate> gate;
    AnswerHandler on_answer;
};

HostGate::HostGate(const notify_host_api& host, notify_host_ctx* ctx) : host_(host), ctx_(ctx) {}

bool HostGate::host_supports(const notify_host_api* host) {
    return NOTIFY_HOST_HAS(host, api_call);
}

notify_status HostGate::call(std::string_view method, std::string_view params,
                             std::string_view request_id, AnswerHandler on_answer) {
    {
        const std::lock_guard lock{mutex_};
        if (!admitting_) return NOTIFY_ERR_CLOSED;
        ++in_flight_;
    }
    auto pending = std::make_unique<PendingCall>(PendingCall{shared_from_this(), std::move(on_answer)});
    notify_api_request request{};
    request.size = sizeof request;
    request.method = notify_str{method.data(), method.size()};
    request.params = notify_bytes{reinterpret_cast<const std::uint8_t*>(params.data()),
                                  params.size()};
    request.request_id = notify_str{request_id.data(), request_id.size()};
    // The lock is not held here: the host may answer from another thread before api_call
    // returns to us, and on_reply takes the lock.
    const notify_status status = host_.api_call(ctx_, &request, &HostGate::on_reply, pending.get());
    if (status == NOTIFY_OK) {
        static_cast<void>(pending.release());  // the host owns it until on_reply
        return NOTIFY_OK;
    }
    const std::lock_guard lock{mutex_};
    --in_flight_;
    if (in_flight_ == 0) drained_.notify_all();
    return status;
}

void HostGate::on_reply(void* user_data, const notify_api_reply* reply) {
    const std::unique_ptr<PendingCall> pending{static_cast<PendingCall*>(user_data)};
    pending->gate->finish(*pending, reply);
}

void HostGate::finish(PendingCall& call, const notify_api_reply* reply) {
    ApiAnswer answer;
    if (reply == nullptr) {
        answer.error_code = 100;
        answer.error_message = "the host answered without a reply";
    } else if (reply->status == NOTIFY_OK) {
        answer.ok = true;
        if (NOTIFY_HAS_FIELD(reply, notify_api_reply, result) && reply->result.len > 0) {
            answer.result.assign(reinterpret_cast<const char*>(reply->result.data),
                                 reply->result.len);
        } else {
            answer.result = "{}";
        }
    } else {
        answer.error_code = NOTIFY_HAS_FIELD(reply, notify_api_reply, error_code) &&
                                    reply->error_code != 0
                                ? reply->error_code
                                : 100;
        if (NOTIFY_HAS_FIELD(reply, notify_api_reply, error_message) &&
            reply->error_message.len > 0) {
            answer.error_message.assign(reply->error_message.data, reply->error_message.len);
        } else {
            answer.error_message = "the host refused the request (status " +
                                   std::to_string(reply->status) + ")";
        }
    }
    const std::lock_guard lock{mutex_};
    if (!shut_ && call.on_answer) call.on_answer(std::move(answer));
    --in_flight_;
    if (in_flight_ == 0) drained_.notify_all();
}

void HostGate::close_admission() {
    const std::lock_guard lock{mutex_};
    admitting_ = false;
}

std::size_t HostGate::drain(std::chrono::milliseconds bound) {
    std::unique_lock lock{mutex_};
    drained_.wait_for(lock, bound, [this] { return in_flight_ == 0; });
    return in_flight_;
}

void HostGate::shut() {
    const std::lock_guard lock{mutex_};
    admitting_ = false;
    shut_ = true;
}

}  // namespace notify::http_api
