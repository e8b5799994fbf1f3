// The fake host's ABI 1.5 parts: host->api_call answered through a scripted handler (queued and
// delivered by notify_fakehost_api_deliver, or by the delivery thread), its records, the
// shutdown rules, and events carrying close_code and reason.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace notify::fakehost_test {
namespace {

// ---- what a plugin's callback saw ---------------------------------------------------------------

struct Seen {
    notify_status status = 0;
    std::uint32_t error_code = 0;
    std::string error_message;
    std::string result;
    std::uint32_t size = 0;
    std::thread::id thread;
};

struct Replies {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<Seen> seen;

    bool wait_for(std::size_t count, int timeout_ms) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                                [&] { return seen.size() >= count; });
    }
    std::size_t count() {
        const std::lock_guard lock(mutex);
        return seen.size();
    }
};

void on_reply(void* user_data, const notify_api_reply* reply) {
    auto* replies = static_cast<Replies*>(user_data);
    Seen seen;
    seen.status = reply->status;
    seen.error_code = reply->error_code;
    seen.error_message = text(reply->error_message);
    seen.result = text(reply->result);
    seen.size = reply->size;
    seen.thread = std::this_thread::get_id();
    {
        const std::lock_guard lock(replies->mutex);
        replies->seen.push_back(std::move(seen));
    }
    replies->changed.notify_all();
}

notify_api_request request(std::string_view method, std::string_view params,
                           std::string_view request_id) {
    notify_api_request out{};
    out.size = sizeof out;
    out.method = view(method);
    out.params = bytes(params);
    out.request_id = view(request_id);
    return out;
}

notify_status call(notify_fakehost* host, const notify_api_request& req, Replies& replies) {
    const notify_host_api* api = notify_fakehost_api(host);
    return api->api_call(notify_fakehost_ctx(host), &req, on_reply, &replies);
}

// A handler answering a publish with a position, anything else with 103, and counting calls.
struct Script {
    int calls = 0;
    std::string last_method;
    std::string last_params;
    std::string last_request_id;
    std::thread::id thread;
};

void scripted(void* ctx, const char* method, const char* params, const char* request_id,
              notify_fakehost_api_reply* reply) {
    auto* script = static_cast<Script*>(ctx);
    ++script->calls;
    script->last_method = method;
    script->last_params = params;
    script->last_request_id = request_id;
    script->thread = std::this_thread::get_id();
    if (std::string(method) == "publish") {
        reply->result = R"({"positions":[{"topic":"chat","offset":41,"epoch":"mz3k"}]})";
    } else {
        reply->status = NOTIFY_ERR_NOT_FOUND;
        reply->error_code = 103;
        reply->error_message = "unknown method";
    }
}

TEST(FakeHostApi, TheTableHasApiCall) {
    Host host = new_host();
    const notify_host_api* api = notify_fakehost_api(host.get());
    EXPECT_GE(api->abi_minor, 5);
    EXPECT_TRUE(NOTIFY_HAS_FIELD(api, notify_host_api, api_call));
    EXPECT_NE(api->api_call, nullptr);
}

TEST(FakeHostApi, WithoutAHandlerEveryCallIsAnswered103) {
    Host host = new_host();
    Replies replies;
    ASSERT_EQ(call(host.get(), request("publish", R"({"topic":"chat","data":"hi"})", "r1"),
                   replies),
              NOTIFY_OK);
    EXPECT_EQ(notify_fakehost_api_deliver(host.get()), 1u);
    ASSERT_EQ(replies.count(), 1u);
    EXPECT_EQ(replies.seen[0].status, NOTIFY_ERR_UNSUPPORTED);
    EXPECT_EQ(replies.seen[0].error_code, 103u);
    EXPECT_EQ(replies.seen[0].error_message, "no API handler in the fake host");
    EXPECT_EQ(replies.seen[0].result, "");
    EXPECT_EQ(replies.seen[0].size, sizeof(notify_api_reply));
}

TEST(FakeHostApi, AnswersComeOnlyFromDeliverInOrderAndAreRecorded) {
    Host host = new_host();
    Script script;
    notify_fakehost_set_api_handler(host.get(), scripted, &script);
    Replies replies;
    ASSERT_EQ(call(host.get(), request("publish", R"({"topic":"chat","data":"hi"})", "req-1"),
                   replies),
              NOTIFY_OK);
    ASSERT_EQ(call(host.get(), request("nope", "", ""), replies), NOTIFY_OK);
    // Never inside api_call: nothing answered yet.
    EXPECT_EQ(replies.count(), 0u);
    EXPECT_EQ(script.calls, 0);
    EXPECT_EQ(notify_fakehost_api_pending(host.get()), 2u);

    EXPECT_EQ(notify_fakehost_api_deliver(host.get()), 2u);
    EXPECT_EQ(notify_fakehost_api_pending(host.get()), 0u);
    EXPECT_EQ(notify_fakehost_api_deliver(host.get()), 0u);
    ASSERT_EQ(replies.count(), 2u);
    EXPECT_EQ(replies.seen[0].status, NOTIFY_OK);
    EXPECT_EQ(replies.seen[0].error_code, 0u);
    EXPECT_EQ(replies.seen[0].result, R"({"positions":[{"topic":"chat","offset":41,"epoch":"mz3k"}]})");
    EXPECT_EQ(replies.seen[1].status, NOTIFY_ERR_NOT_FOUND);
    EXPECT_EQ(replies.seen[1].error_code, 103u);
    EXPECT_EQ(replies.seen[1].error_message, "unknown method");
    EXPECT_EQ(replies.seen[1].result, "");
    // The handler ran on the thread that delivered (this one).
    EXPECT_EQ(script.thread, std::this_thread::get_id());
    EXPECT_EQ(replies.seen[0].thread, std::this_thread::get_id());
    EXPECT_EQ(script.last_method, "nope");
    EXPECT_EQ(script.last_params, "");

    const auto made = calls_of(host.get(), NOTIFY_FAKEHOST_API_CALL);
    ASSERT_EQ(made.size(), 2u);
    EXPECT_EQ(text(made[0]->text), "publish");
    EXPECT_EQ(text(made[0]->payload), R"({"topic":"chat","data":"hi"})");
    EXPECT_EQ(text(made[0]->id), "req-1");
    EXPECT_EQ(made[0]->request_id, 1u);
    EXPECT_EQ(made[1]->request_id, 2u);
    const auto answered = calls_of(host.get(), NOTIFY_FAKEHOST_API_REPLY);
    ASSERT_EQ(answered.size(), 2u);
    EXPECT_EQ(answered[0]->request_id, 1u);
    EXPECT_EQ(answered[0]->status, NOTIFY_OK);
    EXPECT_EQ(text(answered[0]->payload), replies.seen[0].result);
    EXPECT_EQ(text(answered[0]->id), "req-1");
    EXPECT_EQ(answered[1]->request_id, 2u);
    EXPECT_EQ(answered[1]->number, 103u);
    EXPECT_EQ(text(answered[1]->text), "unknown method");
}

void sloppy(void*, const char*, const char*, const char*, notify_fakehost_api_reply* reply) {
    reply->status = NOTIFY_PENDING;  // not an error status, and no code or message
    reply->error_message = nullptr;
    reply->result = R"({"ignored":true})";
}

TEST(FakeHostApi, RepliesAreNormalizedAsNotifydAnswers) {
    Host host = new_host();
    notify_fakehost_set_api_handler(host.get(), sloppy, nullptr);
    Replies replies;
    ASSERT_EQ(call(host.get(), request("info", "{}", ""), replies), NOTIFY_OK);
    notify_fakehost_api_deliver(host.get());
    ASSERT_EQ(replies.count(), 1u);
    EXPECT_EQ(replies.seen[0].status, NOTIFY_ERR_INTERNAL);
    EXPECT_EQ(replies.seen[0].error_code, 100u);
    EXPECT_EQ(replies.seen[0].result, "");
}

TEST(FakeHostApi, ParamsThatAreNotAnObjectAre102WithoutTheHandler) {
    Host host = new_host();
    Script script;
    notify_fakehost_set_api_handler(host.get(), scripted, &script);
    Replies replies;
    ASSERT_EQ(call(host.get(), request("publish", "[1,2]", ""), replies), NOTIFY_OK);
    notify_fakehost_api_deliver(host.get());
    ASSERT_EQ(replies.count(), 1u);
    EXPECT_EQ(replies.seen[0].error_code, 102u);
    EXPECT_EQ(replies.seen[0].error_message, "publish: params is not a JSON object");
    EXPECT_EQ(script.calls, 0);
}

TEST(FakeHostApi, MalformedCallsAreRefusedAndNotRecorded) {
    Host host = new_host();
    const notify_host_api* api = notify_fakehost_api(host.get());
    notify_host_ctx* ctx = notify_fakehost_ctx(host.get());
    Replies replies;
    notify_api_request good = request("info", "{}", "");
    EXPECT_EQ(api->api_call(ctx, nullptr, on_reply, &replies), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(api->api_call(ctx, &good, nullptr, &replies), NOTIFY_ERR_INVALID_ARGUMENT);
    notify_api_request small = good;
    small.size = offsetof(notify_api_request, request_id);
    EXPECT_EQ(api->api_call(ctx, &small, on_reply, &replies), NOTIFY_ERR_INVALID_ARGUMENT);
    notify_api_request dangling = good;
    dangling.method = notify_str{nullptr, 4};
    EXPECT_EQ(api->api_call(ctx, &dangling, on_reply, &replies), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(notify_fakehost_count_of(host.get(), NOTIFY_FAKEHOST_API_CALL), 0u);
    EXPECT_EQ(notify_fakehost_api_deliver(host.get()), 0u);
    EXPECT_EQ(replies.count(), 0u);
}

TEST(FakeHostApi, AutoDeliveryAnswersFromTheFakeHostsThread) {
    Host host = new_host();
    Script script;
    notify_fakehost_set_api_handler(host.get(), scripted, &script);
    notify_fakehost_set_api_auto_deliver(host.get(), true);
    Replies replies;
    for (int i = 0; i < 20; ++i) {
        ASSERT_EQ(call(host.get(), request("publish", "{}", std::to_string(i)), replies),
                  NOTIFY_OK);
    }
    ASSERT_TRUE(notify_fakehost_wait_for(host.get(), NOTIFY_FAKEHOST_API_REPLY, 20, 5000));
    ASSERT_TRUE(replies.wait_for(20, 5000));
    for (const Seen& seen : replies.seen) {
        EXPECT_EQ(seen.status, NOTIFY_OK);
        EXPECT_NE(seen.thread, std::this_thread::get_id());
    }
    // In call order.
    const auto answered = calls_of(host.get(), NOTIFY_FAKEHOST_API_REPLY);
    for (std::size_t i = 0; i < answered.size(); ++i) {
        EXPECT_EQ(answered[i]->request_id, i + 1);
        EXPECT_EQ(text(answered[i]->id), std::to_string(i));
    }
    notify_fakehost_set_api_auto_deliver(host.get(), false);
    ASSERT_EQ(call(host.get(), request("publish", "{}", "late"), replies), NOTIFY_OK);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(notify_fakehost_api_pending(host.get()), 1u);
    EXPECT_EQ(notify_fakehost_api_deliver(host.get()), 1u);
    EXPECT_EQ(replies.count(), 21u);
}

// ---- a handler plugin linked into the test ------------------------------------------------------

struct LinkedHandler {
    const notify_host_api* host = nullptr;
    notify_host_ctx* ctx = nullptr;
    std::vector<std::uint16_t> close_codes;
    std::vector<std::string> reasons;
    std::vector<std::uint32_t> sizes;
    bool call_in_stop = false;         // stop() makes one api_call and waits for answers:
    std::size_t stop_waits_for = 0;    // until this many replies came
    Replies replies;
    notify_status late_status = NOTIFY_OK;
};
LinkedHandler* handler_state = nullptr;

notify_status handler_create(const notify_host_api* host, notify_host_ctx* ctx,
                             const notify_config*, void** instance, notify_error*) {
    handler_state->host = host;
    handler_state->ctx = ctx;
    *instance = handler_state;
    return NOTIFY_OK;
}

void handler_stop(void* instance) {
    auto* state = static_cast<LinkedHandler*>(instance);
    if (!state->call_in_stop) return;
    const notify_api_request req = request("publish", "{}", "in-stop");
    if (state->host->api_call(state->ctx, &req, on_reply, &state->replies) == NOTIFY_OK) {
        state->replies.wait_for(state->stop_waits_for, 5000);
    }
}

void handler_destroy(void* instance) {
    auto* state = static_cast<LinkedHandler*>(instance);
    // No call after stop() returned is accepted.
    const notify_api_request req = request("info", "{}", "after-stop");
    state->late_status = state->host->api_call(state->ctx, &req, on_reply, &state->replies);
}

void handler_on_event(void* instance, const notify_event* event) {
    auto* state = static_cast<LinkedHandler*>(instance);
    state->sizes.push_back(event->size);
    if (NOTIFY_HAS_FIELD(event, notify_event, reason)) {
        state->close_codes.push_back(event->close_code);
        state->reasons.push_back(text(event->reason));
    } else {
        state->close_codes.push_back(0);
        state->reasons.push_back("<older host>");
    }
}

const notify_plugin_descriptor* handler_entry() {
    static const notify_handler_vtable vtable = {
        sizeof(notify_handler_vtable),
        NOTIFY_EVENT_BIT(NOTIFY_EVENT_INACTIVATE) | NOTIFY_EVENT_BIT(NOTIFY_EVENT_DISCONNECT),
        handler_on_event};
    static notify_plugin_descriptor descriptor = [] {
        notify_plugin_descriptor d{};
        d.size = sizeof d;
        d.abi_major = NOTIFY_ABI_MAJOR;
        d.abi_minor = NOTIFY_ABI_MINOR;
        d.name = "linked_api_handler";
        d.version = "1";
        d.description = "test";
        d.kinds = NOTIFY_KIND_HANDLER;
        d.create = handler_create;
        d.stop = handler_stop;
        d.destroy = handler_destroy;
        d.handler = &vtable;
        return d;
    }();
    return &descriptor;
}

Host handler_host(LinkedHandler& state) {
    handler_state = &state;
    Host host = new_host();
    EXPECT_EQ(notify_fakehost_use(host.get(), handler_entry), NOTIFY_OK);
    EXPECT_EQ(notify_fakehost_create(host.get()), NOTIFY_OK);
    return host;
}

TEST(FakeHostEvents, InactivateAndDisconnectCarryCloseCodeAndReason) {
    LinkedHandler state;
    Host host = handler_host(state);
    notify_event inactivate{};
    inactivate.type = NOTIFY_EVENT_INACTIVATE;
    inactivate.client_id = view("c1");
    inactivate.close_code = NOTIFY_CLOSE_NORMAL;
    inactivate.reason = view(NOTIFY_REASON_CLOSED);
    ASSERT_TRUE(notify_fakehost_event(host.get(), &inactivate));
    notify_event disconnect{};
    disconnect.type = NOTIFY_EVENT_DISCONNECT;
    disconnect.client_id = view("c1");
    disconnect.reason = view(NOTIFY_REASON_KICKED);
    ASSERT_TRUE(notify_fakehost_event(host.get(), &disconnect));
    // An event of a 1.4 host: the plugin sees the smaller size and must not read further.
    notify_event older = inactivate;
    older.size = offsetof(notify_event, close_code);
    ASSERT_TRUE(notify_fakehost_event(host.get(), &older));

    ASSERT_EQ(state.reasons.size(), 3u);
    EXPECT_EQ(state.sizes[0], sizeof(notify_event));
    EXPECT_EQ(state.close_codes[0], NOTIFY_CLOSE_NORMAL);
    EXPECT_EQ(state.reasons[0], "closed");
    EXPECT_EQ(state.close_codes[1], 0);
    EXPECT_EQ(state.reasons[1], "kicked");
    EXPECT_EQ(state.sizes[2], offsetof(notify_event, close_code));
    EXPECT_EQ(state.reasons[2], "<older host>");
}

TEST(FakeHostApi, StopMayWaitForAnswersThenCallsAreClosedAndQueuedOnesDropped) {
    LinkedHandler state;
    state.call_in_stop = true;
    state.stop_waits_for = 2;
    Host host = handler_host(state);
    Script script;
    notify_fakehost_set_api_handler(host.get(), scripted, &script);
    // One call left queued (queued mode) before stop: the delivery thread answers it during
    // stop(), then the one made inside stop().
    const notify_api_request before = request("publish", "{}", "before-stop");
    ASSERT_EQ(state.host->api_call(state.ctx, &before, on_reply, &state.replies), NOTIFY_OK);
    notify_fakehost_stop(host.get());
    ASSERT_EQ(state.replies.count(), 2u);
    EXPECT_EQ(state.replies.seen[0].status, NOTIFY_OK);
    EXPECT_EQ(state.replies.seen[1].status, NOTIFY_OK);
    // After stop() returned: refused, not recorded, never answered.
    const notify_api_request after = request("publish", "{}", "after");
    EXPECT_EQ(state.host->api_call(state.ctx, &after, on_reply, &state.replies),
              NOTIFY_ERR_CLOSED);
    notify_fakehost_destroy(host.get());
    EXPECT_EQ(state.late_status, NOTIFY_ERR_CLOSED);
    EXPECT_EQ(notify_fakehost_count_of(host.get(), NOTIFY_FAKEHOST_API_CALL), 2u);
    EXPECT_EQ(notify_fakehost_count_of(host.get(), NOTIFY_FAKEHOST_API_REPLY), 2u);
    EXPECT_EQ(state.replies.count(), 2u);
}

// A handler that blocks its first answer until the test lets it go: one call is being
// delivered when stop() returns, a second stays queued and is never answered.
struct Gate {
    std::mutex mutex;
    std::condition_variable changed;
    bool entered = false;
    bool open = false;
};

void gated(void* ctx, const char*, const char*, const char*, notify_fakehost_api_reply*) {
    auto* gate = static_cast<Gate*>(ctx);
    std::unique_lock lock(gate->mutex);
    gate->entered = true;
    gate->changed.notify_all();
    gate->changed.wait(lock, [&] { return gate->open; });
}

TEST(FakeHostApi, CallsStillQueuedWhenStopReturnsAreNeverAnswered) {
    LinkedHandler state;
    Host host = handler_host(state);
    Gate gate;
    notify_fakehost_set_api_handler(host.get(), gated, &gate);
    notify_fakehost_set_api_auto_deliver(host.get(), true);
    const notify_api_request first = request("info", "{}", "1");
    const notify_api_request second = request("info", "{}", "2");
    ASSERT_EQ(state.host->api_call(state.ctx, &first, on_reply, &state.replies), NOTIFY_OK);
    {
        std::unique_lock lock(gate.mutex);
        ASSERT_TRUE(gate.changed.wait_for(lock, std::chrono::seconds(5),
                                          [&] { return gate.entered; }));
    }
    ASSERT_EQ(state.host->api_call(state.ctx, &second, on_reply, &state.replies), NOTIFY_OK);
    std::thread opener([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const std::lock_guard lock(gate.mutex);
        gate.open = true;
        gate.changed.notify_all();
    });
    notify_fakehost_stop(host.get());  // joins the delivery thread after the first answer
    opener.join();
    EXPECT_EQ(state.replies.count(), 1u);
    EXPECT_EQ(notify_fakehost_api_pending(host.get()), 0u);
    EXPECT_EQ(notify_fakehost_count_of(host.get(), NOTIFY_FAKEHOST_API_REPLY), 1u);
}

}  // namespace
}  // namespace notify::fakehost_test
