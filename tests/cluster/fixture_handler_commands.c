/*
 * Test handler plugin: what a client sends (the protocol's `send` command) is a command for the
 * host, acted on through host->subscribe / unsubscribe / disconnect, so the cluster tests can
 * make a handler on one node name a client or user held by another node:
 *
 *   subscribe CLIENT_ID TOPIC         unsubscribe CLIENT_ID TOPIC         disconnect CLIENT_ID
 *   subscribe-user USER_ID TOPIC      unsubscribe-user USER_ID TOPIC      disconnect-user USER_ID
 *
 * Words are separated by single spaces. Anything else is logged and ignored.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "notify/notify.h"

typedef struct handler_instance {
    const notify_host_api *host;
    notify_host_ctx *ctx;
} handler_instance;

static handler_instance the_instance;

static notify_status create(const notify_host_api *host, notify_host_ctx *ctx,
                            const notify_config *config, void **instance, notify_error *err) {
    (void)config;
    (void)err;
    /* One [[handler]] table per manifest in the tests: one static instance is enough. */
    the_instance.host = host;
    the_instance.ctx = ctx;
    *instance = &the_instance;
    return NOTIFY_OK;
}

static void destroy(void *instance) {
    (void)instance;
}

static void log_line(const handler_instance *self, notify_log_level level, const char *text) {
    const notify_str message = {text, strlen(text)};
    self->host->log(self->ctx, level, message);
}

/* Splits `data` at single spaces into at most `max` words; returns the word count, or max + 1
 * when there are more. */
static size_t split(notify_bytes data, notify_str *words, size_t max) {
    size_t count = 0;
    size_t start = 0;
    for (size_t i = 0; i <= data.len; ++i) {
        if (i < data.len && data.data[i] != ' ') continue;
        if (count == max) return max + 1;
        words[count].data = (const char *)data.data + start;
        words[count].len = i - start;
        ++count;
        start = i + 1;
    }
    return count;
}

static int is(notify_str word, const char *text) {
    const size_t len = strlen(text);
    return word.len == len && memcmp(word.data, text, len) == 0;
}

static void on_data(const handler_instance *self, notify_bytes data) {
    notify_str words[3];
    const size_t count = split(data, words, 3);
    static const char reason_text[] = "disconnected by the test handler";
    const notify_str reason = {reason_text, sizeof reason_text - 1};
    notify_status status = NOTIFY_ERR_INVALID_ARGUMENT;
    const char *what = "unknown command";
    char line[160];
    if (count == 3 && is(words[0], "subscribe")) {
        what = "subscribe";
        status = self->host->subscribe(self->ctx, NOTIFY_TARGET_CLIENT, words[1], words[2]);
    } else if (count == 3 && is(words[0], "unsubscribe")) {
        what = "unsubscribe";
        status = self->host->unsubscribe(self->ctx, NOTIFY_TARGET_CLIENT, words[1], words[2]);
    } else if (count == 2 && is(words[0], "disconnect")) {
        what = "disconnect";
        status = self->host->disconnect(self->ctx, NOTIFY_TARGET_CLIENT, words[1],
                                        NOTIFY_CLOSE_DISCONNECTED, reason);
    } else if (count == 3 && is(words[0], "subscribe-user")) {
        what = "subscribe-user";
        status = self->host->subscribe(self->ctx, NOTIFY_TARGET_USER, words[1], words[2]);
    } else if (count == 3 && is(words[0], "unsubscribe-user")) {
        what = "unsubscribe-user";
        status = self->host->unsubscribe(self->ctx, NOTIFY_TARGET_USER, words[1], words[2]);
    } else if (count == 2 && is(words[0], "disconnect-user")) {
        what = "disconnect-user";
        status = self->host->disconnect(self->ctx, NOTIFY_TARGET_USER, words[1],
                                        NOTIFY_CLOSE_DISCONNECTED, reason);
    }
    snprintf(line, sizeof line, "test handler: %s -> status %d", what, (int)status);
    log_line(self, status == NOTIFY_OK ? NOTIFY_LOG_INFO : NOTIFY_LOG_WARN, line);
}

static void on_event(void *instance, const notify_event *event) {
    const handler_instance *self = instance;
    if (event->type == NOTIFY_EVENT_DATA) on_data(self, event->data);
}

static const notify_handler_vtable handler_vtable = {
    .size = sizeof(notify_handler_vtable),
    .event_mask = NOTIFY_EVENT_BIT(NOTIFY_EVENT_DATA),
    .on_event = on_event,
};

static const notify_plugin_descriptor descriptor = {
    .size = sizeof(notify_plugin_descriptor),
    .abi_major = NOTIFY_ABI_MAJOR,
    .abi_minor = NOTIFY_ABI_MINOR,
    .name = "cluster_test_handler",
    .version = "1.0",
    .description = "cluster tests: `send` payloads become host subscribe/unsubscribe/disconnect",
    .kinds = NOTIFY_KIND_HANDLER,
    .create = create,
    .destroy = destroy,
    .handler = &handler_vtable,
};

NOTIFY_EXPORT const notify_plugin_descriptor *NOTIFY_PLUGIN_ENTRY(void) {
    return &descriptor;
}
