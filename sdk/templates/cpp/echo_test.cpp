// The echo plugin's unit test: the fake host loads the built plugin, sends one data event, and
// the test checks the publish back to the sender.  Usage: echo_test PATH/notify_echo.so
#include <notify/fakehost.h>
#include <notify/plugin.hpp>

#include <cstdio>
#include <memory>
#include <string_view>

namespace {

int failures = 0;

void check(bool condition, const char* what, int line) {
    if (!condition) {
        std::fprintf(stderr, "echo_test.cpp:%d: CHECK failed: %s\n", line, what);
        ++failures;
    }
}
#define CHECK(condition) check((condition), #condition, __LINE__)

using FakeHost = std::unique_ptr<notify_fakehost, decltype(&notify_fakehost_free)>;

FakeHost started_echo(const char* plugin_path) {
    FakeHost host(notify_fakehost_new(), &notify_fakehost_free);
    CHECK(notify_fakehost_load(host.get(), plugin_path) == NOTIFY_OK);
    notify_fakehost_config_string(host.get(), "prefix", "> ");
    CHECK(notify_fakehost_create(host.get()) == NOTIFY_OK);
    CHECK(notify_fakehost_start(host.get()) == NOTIFY_OK);
    return host;
}

void echoes_data_to_its_sender(const char* plugin_path) {
    const FakeHost host = started_echo(plugin_path);
    notify_event event{};
    event.type = NOTIFY_EVENT_DATA;
    event.client_id = notify::sdk::to_str("c7");
    event.data = notify::sdk::to_bytes(std::string_view("ping"));
    CHECK(notify_fakehost_event(host.get(), &event));

    CHECK(notify_fakehost_count_of(host.get(), NOTIFY_FAKEHOST_PUBLISH) == 1);
    const auto* call = notify_fakehost_call_at(host.get(), notify_fakehost_call_count(host.get()) - 1);
    CHECK(call != nullptr && call->kind == NOTIFY_FAKEHOST_PUBLISH);
    if (call != nullptr && call->kind == NOTIFY_FAKEHOST_PUBLISH) {
        CHECK(call->topic_count == 0 && call->client_count == 1);
        CHECK(call->client_count == 1 && notify::sdk::to_string_view(call->clients[0]) == "c7");
        const auto payload = notify::sdk::to_span(call->payload);
        CHECK(std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()) == "> ping");
    }
}

void ignores_connects(const char* plugin_path) {
    const FakeHost host = started_echo(plugin_path);
    notify_event event{};
    event.type = NOTIFY_EVENT_CONNECT;
    event.client_id = notify::sdk::to_str("c7");
    CHECK(!notify_fakehost_event(host.get(), &event));
    CHECK(notify_fakehost_count_of(host.get(), NOTIFY_FAKEHOST_PUBLISH) == 0);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s PATH/notify_echo.so\n", argv[0]);
        return 2;
    }
    echoes_data_to_its_sender(argv[1]);
    ignores_connects(argv[1]);
    if (failures != 0) {
        std::fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    std::puts("echo_test: all checks passed");
    return 0;
}
