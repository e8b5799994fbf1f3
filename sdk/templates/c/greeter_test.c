/*
 * The greeter's unit test: the fake host loads the built plugin, gives it a manifest table and
 * one connect event, and the test checks the publish the plugin asked for.
 * Usage: greeter_test PATH/notify_greeter.so
 */
#include <notify/fakehost.h>
#include <notify/sdk.h>

#include <stdio.h>
#include <string.h>

static int failures = 0;

#define CHECK(condition)                                                                         \
    do {                                                                                         \
        if (!(condition)) {                                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #condition);      \
            ++failures;                                                                          \
        }                                                                                        \
    } while (0)

static void greets_each_connecting_client(const char *plugin_path) {
    notify_fakehost *host = notify_fakehost_new();
    notify_event event;
    const notify_fakehost_call *call;
    CHECK(notify_fakehost_load(host, plugin_path) == NOTIFY_OK);
    notify_fakehost_config_string(host, "topic", "lobby");
    CHECK(notify_fakehost_create(host) == NOTIFY_OK);
    CHECK(notify_fakehost_start(host) == NOTIFY_OK);

    memset(&event, 0, sizeof event);
    event.type = NOTIFY_EVENT_CONNECT;
    event.client_id = notify_str_from_cstr("c1");
    CHECK(notify_fakehost_event(host, &event));

    CHECK(notify_fakehost_count_of(host, NOTIFY_FAKEHOST_PUBLISH) == 1);
    call = notify_fakehost_call_at(host, notify_fakehost_call_count(host) - 1);
    CHECK(call != NULL && call->kind == NOTIFY_FAKEHOST_PUBLISH);
    if (call != NULL && call->kind == NOTIFY_FAKEHOST_PUBLISH) {
        CHECK(call->topic_count == 1 && notify_str_eq_cstr(call->topics[0], "lobby"));
        CHECK(call->payload.len == strlen("hello c1") &&
              memcmp(call->payload.data, "hello c1", call->payload.len) == 0);
    }

    /* The handler asked only for connects: a subscribe event is not delivered. */
    event.type = NOTIFY_EVENT_SUBSCRIBE;
    CHECK(!notify_fakehost_event(host, &event));
    notify_fakehost_free(host);
}

static void refuses_an_unknown_key(const char *plugin_path) {
    notify_fakehost *host = notify_fakehost_new();
    CHECK(notify_fakehost_load(host, plugin_path) == NOTIFY_OK);
    notify_fakehost_config_string(host, "topik", "lobby");
    CHECK(notify_fakehost_create(host) != NOTIFY_OK);
    CHECK(strstr(notify_fakehost_last_error(host), "topik") != NULL);
    notify_fakehost_free(host);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH/notify_greeter.so\n", argv[0]);
        return 2;
    }
    greets_each_connecting_client(argv[1]);
    refuses_an_unknown_key(argv[1]);
    if (failures != 0) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("greeter_test: all checks passed\n");
    return 0;
}
