// The server API of the fake host (ABI 1.5 host->api_call): requests are checked, recorded and
// queued; answers come from the test's handler, delivered on the test's thread
// (notify_fakehost_api_deliver) or by a delivery thread, never inside api_call; never after the
// plugin's stop() returned (as notifyd, whose core stops then).
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>

#include "internal.hpp"

namespace notify::fakehost {
namespace {

constexpr const char* no_handler_message = "no API handler in the fake host";

bool readable(const void* data, std::size_t len) {
    return data != nullptr || len == 0;
}

std::string copy_of(const void* data, std::size_t len) {
    return data == nullptr ? std::string() : std::string(static_cast<const char*>(data), len);
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The shape check the ABI asks of params ("one JSON object; empty means {}"): the fake host has
// no JSON parser, so it checks the outer braces and the encoding and leaves the rest to the
// handler.
bool looks_like_json_object(std::string_view text) {
    std::size_t begin = 0;
    std::size_t end = text.size();
    while (begin < end && is_space(text[begin])) ++begin;
    while (end > begin && is_space(text[end - 1])) --end;
    if (begin == end) return true;  // empty means {}
    return end - begin >= 2 && text[begin] == '{' && text[end - 1] == '}' && is_valid_utf8(text);
}

struct Answer {
    notify_status status = NOTIFY_OK;
    std::uint32_t error_code = 0;
    std::string error_message;
    std::string result;
};

Answer fail_with(notify_status status, std::uint32_t code, std::string message) {
    Answer answer;
    answer.status = status;
    answer.error_code = code;
    answer.error_message = std::move(message);
    return answer;
}

// The handler's answer, normalized as notifyd answers (see fakehost.h).
Answer answer_of(notify_fakehost& host, const PendingApiCall& call) {
    if (!looks_like_json_object(call.params)) {
        return fail_with(NOTIFY_ERR_INVALID_ARGUMENT, 102,
                         call.method + ": params is not a JSON object");
    }
    notify_fakehost_api_handler handler = nullptr;
    void* handler_ctx = nullptr;
    {
        const std::lock_guard lock(host.mutex);
        handler = host.api_handler;
        handler_ctx = host.api_handler_ctx;
    }
    if (handler == nullptr) return fail_with(NOTIFY_ERR_UNSUPPORTED, 103, no_handler_message);
    notify_fakehost_api_reply reply{NOTIFY_OK, 0, "", "{}"};
    handler(handler_ctx, call.method.c_str(), call.params.c_str(), call.request_id.c_str(),
            &reply);
    Answer answer;
    answer.status = reply.status;
    if (answer.status == NOTIFY_OK) {
        answer.result = reply.result == nullptr ? "{}" : reply.result;
        return answer;
    }
    if (answer.status > 0) answer.status = NOTIFY_ERR_INTERNAL;
    answer.error_code = reply.error_code == 0 ? 100 : reply.error_code;
    answer.error_message = reply.error_message == nullptr ? "" : reply.error_message;
    return answer;
}

void deliver(notify_fakehost& host, const PendingApiCall& call) {
    const Answer answer = answer_of(host, call);
    notify_api_reply reply{};
    reply.size = sizeof reply;
    reply.status = answer.status;
    reply.error_code = answer.error_code;
    reply.error_message = notify_str{answer.error_message.c_str(), answer.error_message.size()};
    reply.result = notify_bytes{reinterpret_cast<const std::uint8_t*>(answer.result.data()),
                                answer.result.size()};
    call.done(call.user_data, &reply);

    auto recorded = host.new_record(NOTIFY_FAKEHOST_API_REPLY);
    recorded->call.request_id = call.sequence;
    recorded->call.id = recorded->keep(call.request_id);
    recorded->call.text = recorded->keep(answer.error_message);
    recorded->call.payload = recorded->keep_bytes(
        reinterpret_cast<const std::uint8_t*>(answer.result.data()), answer.result.size());
    recorded->call.status = answer.status;
    recorded->call.number = answer.error_code;
    host.record(std::move(recorded));
}

void worker_loop(notify_fakehost* host) {
    std::unique_lock lock(host->mutex);
    for (;;) {
        host->api_changed.wait(lock, [&] {
            return host->api_worker_quit || (host->api_auto && !host->api_queue.empty());
        });
        if (host->api_worker_quit) return;
        PendingApiCall call = std::move(host->api_queue.front());
        host->api_queue.pop_front();
        lock.unlock();
        deliver(*host, call);
        lock.lock();
    }
}

}  // namespace

notify_status host_api_call(notify_host_ctx* ctx, const notify_api_request* request,
                            notify_api_callback done, void* user_data) {
    notify_fakehost* host = host_of(ctx);
    if (host == nullptr) return NOTIFY_ERR_INVALID_ARGUMENT;
    if (done == nullptr || !NOTIFY_HAS_FIELD(request, notify_api_request, request_id)) {
        host->warn("api_call", "no callback, or request NULL or smaller than notify_api_request");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    if (!readable(request->method.data, request->method.len) ||
        !readable(request->params.data, request->params.len) ||
        !readable(request->request_id.data, request->request_id.len)) {
        host->warn("api_call", "a view of the request has a length but no data");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    PendingApiCall call;
    call.method = copy_of(request->method.data, request->method.len);
    call.params = copy_of(request->params.data, request->params.len);
    call.request_id = copy_of(request->request_id.data, request->request_id.len);
    call.done = done;
    call.user_data = user_data;

    auto recorded = host->new_record(NOTIFY_FAKEHOST_API_CALL);
    recorded->call.text = recorded->keep(call.method);
    recorded->call.id = recorded->keep(call.request_id);
    recorded->call.payload = recorded->keep_bytes(
        reinterpret_cast<const std::uint8_t*>(call.params.data()), call.params.size());
    {
        const std::lock_guard lock(host->mutex);
        if (host->api_closed) return NOTIFY_ERR_CLOSED;
        call.sequence = host->next_api_sequence++;
        recorded->call.request_id = call.sequence;
        // Recorded before it is queued, under the same lock: an API_CALL always precedes its
        // API_REPLY in the records, whichever thread delivers.
        host->calls.push_back(std::move(recorded));
        host->api_queue.push_back(std::move(call));
    }
    host->changed.notify_all();
    host->api_changed.notify_all();
    return NOTIFY_OK;
}

bool deliver_one_api_call(notify_fakehost& host) {
    PendingApiCall call;
    {
        const std::lock_guard lock(host.mutex);
        if (host.api_queue.empty()) return false;
        call = std::move(host.api_queue.front());
        host.api_queue.pop_front();
    }
    deliver(host, call);
    return true;
}

void set_api_auto(notify_fakehost& host, bool on) {
    {
        const std::lock_guard lock(host.mutex);
        host.api_auto = on;
    }
    if (on && !host.api_worker.joinable()) host.api_worker = std::thread(worker_loop, &host);
    host.api_changed.notify_all();
}

void close_api(notify_fakehost& host) {
    {
        const std::lock_guard lock(host.mutex);
        host.api_closed = true;
        host.api_worker_quit = true;
    }
    host.api_changed.notify_all();
    // The worker finishes the answer it is delivering, if any, and takes no other.
    if (host.api_worker.joinable()) host.api_worker.join();
    // As notifyd once its core stopped: what is still queued is never answered (the plugin may
    // have freed its user_data when its stop() returned).
    const std::lock_guard lock(host.mutex);
    if (!host.api_queue.empty()) {
        std::fprintf(stderr,
                     "fakehost: [%s] %zu api_call(s) never answered: the instance stopped\n",
                     host.instance_name.c_str(), host.api_queue.size());
        host.api_queue.clear();
    }
    host.api_worker_quit = false;
    host.api_auto = false;
}

}  // namespace notify::fakehost

// ---- the C interface ---------------------------------------------------------------------------

extern "C" {

void notify_fakehost_set_api_handler(notify_fakehost* host, notify_fakehost_api_handler handler,
                                     void* handler_ctx) {
    if (host == nullptr) return;
    const std::lock_guard lock(host->mutex);
    host->api_handler = handler;
    host->api_handler_ctx = handler_ctx;
}

size_t notify_fakehost_api_deliver(notify_fakehost* host) {
    if (host == nullptr) return 0;
    size_t delivered = 0;
    while (notify::fakehost::deliver_one_api_call(*host)) ++delivered;
    return delivered;
}

size_t notify_fakehost_api_pending(const notify_fakehost* host) {
    if (host == nullptr) return 0;
    const std::lock_guard lock(host->mutex);
    return host->api_queue.size();
}

void notify_fakehost_set_api_auto_deliver(notify_fakehost* host, bool on) {
    if (host != nullptr) notify::fakehost::set_api_auto(*host, on);
}

}  // extern "C"
