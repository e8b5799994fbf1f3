/*
 * greeter -- a minimal handler plugin: every client that connects is greeted on a topic.
 * Copy this folder to start a plugin of your own (see README.md).
 */
#include <notify/notify.h>
#include <notify/sdk.h>

#include <stdio.h>
#include <stdlib.h>

typedef struct greeter {
    /* HOST: valid until destroy(). */
    const notify_host_api *host;
    notify_host_ctx *ctx;
    notify_str topic;  /* HOST-owned manifest string (or the static default) */
} greeter;

static notify_status greeter_create(const notify_host_api *host, notify_host_ctx *ctx,
                                    const notify_config *config, void **instance,
                                    notify_error *err) {
    greeter *self;
    notify_str topic;
    notify_status status = notify_config_string_or(host, config, "topic", "greetings", err, &topic);
    if (status != NOTIFY_OK) {
        return status;
    }
    if (topic.len == 0) {
        notify_error_setf(err, "config key 'topic': must not be empty");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    self = calloc(1, sizeof *self);
    if (self == NULL) {
        notify_error_setf(err, "out of memory");
        return NOTIFY_ERR_INTERNAL;
    }
    self->host = host;
    self->ctx = ctx;
    self->topic = topic;
    *instance = self;
    return NOTIFY_OK;
}

static void greeter_destroy(void *instance) { free(instance); }

/* THREAD: the core thread, one event at a time: no lock needed. */
static void greeter_on_event(void *instance, const notify_event *event) {
    const greeter *self = instance;
    char line[256];
    int len = snprintf(line, sizeof line, "hello %.*s", (int)event->client_id.len,
                       event->client_id.data != NULL ? event->client_id.data : "");
    notify_publish_request request = {0};
    notify_status status;
    if (len < 0) {
        return;
    }
    request.size = sizeof request;
    request.topics = &self->topic;
    request.topic_count = 1;
    request.payload.data = (const uint8_t *)line;
    /* snprintf says how long the line would have been: never read past the buffer. */
    request.payload.len = (size_t)len < sizeof line ? (size_t)len : sizeof line - 1;
    status = self->host->publish(self->ctx, &request);
    if (status != NOTIFY_OK) {
        self->host->log(self->ctx, NOTIFY_LOG_WARN, notify_str_from_cstr("greeter: publish failed"));
    }
}

static const notify_config_key greeter_keys[] = {
    {"topic", NOTIFY_CONFIG_STRING, "topic the greetings are published to (default greetings)"},
};

static const notify_handler_vtable greeter_handler = {
    sizeof(notify_handler_vtable),
    NOTIFY_EVENT_BIT(NOTIFY_EVENT_CONNECT),
    greeter_on_event,
};

static const notify_plugin_descriptor greeter_descriptor = {
    .size = sizeof(notify_plugin_descriptor),
    .abi_major = NOTIFY_ABI_MAJOR,
    .abi_minor = NOTIFY_ABI_MINOR,
    .name = "greeter",
    .version = "0.1.0",
    .description = "greets every client that connects on a topic",
    .kinds = NOTIFY_KIND_HANDLER,
    .config_keys = greeter_keys,
    .config_key_count = sizeof greeter_keys / sizeof greeter_keys[0],
    .create = greeter_create,
    .destroy = greeter_destroy,
    .handler = &greeter_handler,
};

NOTIFY_EXPORT const notify_plugin_descriptor *NOTIFY_PLUGIN_ENTRY(void) {
    return &greeter_descriptor;
}
