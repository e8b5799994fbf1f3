/*
 * chat -- the chat server of the original Notify README, as a handler plugin.
 *
 * Every client that connects is subscribed to one topic and announced there; whatever a client
 * sends (the protocol's `send` command) is published to that topic unchanged, so every client
 * receives every line, the sender included.
 *
 * It is also the worked example of docs/plugins.md, so the comments say who owns what and which
 * thread runs what.
 */
#include <notify/notify.h>
#include <notify/sdk.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char chat_joined_suffix[] = " joined the chat!!!";

/*
 * One instance per [[handler]] table in the manifest. The host calls on_event for it on the
 * core thread only, one event at a time, so the instance needs no lock.
 */
typedef struct chat_instance {
    /* HOST: valid until destroy(). Kept to act on the model from on_event. */
    const notify_host_api *host;
    notify_host_ctx *ctx;
    /* HOST: the manifest string (or our static default), valid until destroy(); no copy. */
    notify_str topic;
} chat_instance;

/* Runs on the host's main thread, before the core thread delivers any event. */
static notify_status chat_create(const notify_host_api *host, notify_host_ctx *ctx,
                                 const notify_config *config, void **instance,
                                 notify_error *err) {
    chat_instance *self;
    notify_str topic;
    notify_status status = notify_config_string_or(host, config, "topic", "chat", err, &topic);
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

/* Runs on the main thread after every instance stopped; no event arrives after this. */
static void chat_destroy(void *instance) { free(instance); }

static void chat_log_failure(const chat_instance *self, const char *what, notify_status status) {
    char line[128];
    snprintf(line, sizeof line, "chat: %s failed with status %d", what, (int)status);
    self->host->log(self->ctx, NOTIFY_LOG_WARN, notify_str_from_cstr(line));
}

/*
 * Publish `payload` to the chat topic. The request and everything it points to are BORROWED by
 * the host, which copies them before publish() returns: stack storage is enough.
 */
static void chat_publish(const chat_instance *self, notify_bytes payload) {
    notify_publish_request request;
    notify_status status;
    memset(&request, 0, sizeof request);
    request.size = sizeof request;
    request.topics = &self->topic;
    request.topic_count = 1;
    request.payload = payload;
    status = self->host->publish(self->ctx, &request);
    if (status != NOTIFY_OK) {
        chat_log_failure(self, "publish", status);
    }
}

/* A new client: subscribe it, then tell the room. */
static void chat_on_connect(const chat_instance *self, notify_str client_id) {
    /* The host queues these calls and applies them after this event, in call order: the
     * client is subscribed before the announcement is published, so it sees its own line. */
    notify_status status =
        self->host->subscribe(self->ctx, NOTIFY_TARGET_CLIENT, client_id, self->topic);
    size_t len;
    char *line;
    if (status != NOTIFY_OK) {
        chat_log_failure(self, "subscribe", status);
        return;
    }

    /* event->client_id is BORROWED and not NUL-terminated: build the line from its length.
     * The line only has to live until publish() returns, because the host copies it. */
    len = client_id.len + sizeof chat_joined_suffix - 1;
    line = malloc(len);
    if (line == NULL) {
        chat_log_failure(self, "allocating the join line", NOTIFY_ERR_INTERNAL);
        return;
    }
    if (client_id.len > 0) {
        memcpy(line, client_id.data, client_id.len);
    }
    memcpy(line + client_id.len, chat_joined_suffix, sizeof chat_joined_suffix - 1);
    chat_publish(self, (notify_bytes){(const uint8_t *)line, len});
    free(line);
}

/*
 * THREAD: core thread. Must not block: no I/O here, only queued host calls.
 * OWNERSHIP: event and every view inside it are BORROWED until this returns.
 */
static void chat_on_event(void *instance, const notify_event *event) {
    const chat_instance *self = instance;
    switch (event->type) {
    case NOTIFY_EVENT_CONNECT:
        chat_on_connect(self, event->client_id);
        break;
    case NOTIFY_EVENT_DATA:
        /* Payloads are opaque bytes: forwarded as they came, UTF-8 or not. */
        chat_publish(self, event->data);
        break;
    default:
        /* The event_mask asks for nothing else; a newer host may still send more types. */
        break;
    }
}

/* OWNERSHIP: PLUGIN, static: everything the descriptor points to lives as long as the process. */
static const notify_config_key chat_config_keys[] = {
    {"topic", NOTIFY_CONFIG_STRING,
     "The chat room: clients are subscribed to it on connect (default \"chat\")."},
};

static const notify_handler_vtable chat_handler_vtable = {
    .size = sizeof(notify_handler_vtable),
    .event_mask = NOTIFY_EVENT_BIT(NOTIFY_EVENT_CONNECT) | NOTIFY_EVENT_BIT(NOTIFY_EVENT_DATA),
    .on_event = chat_on_event,
};

static const notify_plugin_descriptor chat_descriptor = {
    .size = sizeof(notify_plugin_descriptor),
    .abi_major = NOTIFY_ABI_MAJOR,
    .abi_minor = NOTIFY_ABI_MINOR,
    .name = "chat",
    .version = "0.1.0",
    .description = "Chat room: subscribes every client to one topic and relays what it sends",
    .kinds = NOTIFY_KIND_HANDLER,
    .config_keys = chat_config_keys,
    .config_key_count = sizeof chat_config_keys / sizeof chat_config_keys[0],
    .create = chat_create,
    .destroy = chat_destroy,
    .handler = &chat_handler_vtable,
};

/* The only exported symbol (the build hides everything else). */
NOTIFY_EXPORT const notify_plugin_descriptor *NOTIFY_PLUGIN_ENTRY(void) {
    return &chat_descriptor;
}
