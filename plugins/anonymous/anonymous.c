/*
 * anonymous -- an auth plugin that lets every client connect.
 *
 * New clients get a random id (client_id_prefix + 16 hex digits). Users are anonymous unless
 * allow_user_id trusts the user id the client asks for. Subscribe and publish are left to the
 * next auth plugin in the chain (authorize_* are NULL, which means DEFER).
 */
#include <notify/notify.h>
#include <notify/sdk.h>

#include <stdlib.h>
#include <string.h>

#define ANONYMOUS_ID_HEX_CHARS 16

typedef struct anonymous_instance {
    bool allow_user_id;
    /* prefix + hex digits + NUL, reused by every authenticate(): the host copies the result's
     * views as soon as authenticate() returns, and authenticate() runs on the core thread only,
     * so one buffer per instance is never read and rewritten at the same time. */
    char *client_id;
    size_t prefix_len;
} anonymous_instance;

static notify_status anonymous_create(const notify_host_api *host, notify_host_ctx *ctx,
                                      const notify_config *config, void **instance,
                                      notify_error *err) {
    anonymous_instance *self;
    bool allow_user_id = false;
    notify_str prefix;
    notify_status status;
    (void)ctx;

    status = notify_config_bool_or(host, config, "allow_user_id", false, err, &allow_user_id);
    if (status != NOTIFY_OK) {
        return status;
    }
    status = notify_config_string_or(host, config, "client_id_prefix", "", err, &prefix);
    if (status != NOTIFY_OK) {
        return status;
    }

    self = calloc(1, sizeof *self);
    if (self == NULL) {
        notify_error_setf(err, "out of memory");
        return NOTIFY_ERR_INTERNAL;
    }
    self->client_id = malloc(prefix.len + ANONYMOUS_ID_HEX_CHARS + 1);
    if (self->client_id == NULL) {
        free(self);
        notify_error_setf(err, "out of memory");
        return NOTIFY_ERR_INTERNAL;
    }
    if (prefix.len > 0) {
        memcpy(self->client_id, prefix.data, prefix.len);
    }
    self->prefix_len = prefix.len;
    self->allow_user_id = allow_user_id;
    *instance = self;
    return NOTIFY_OK;
}

static void anonymous_destroy(void *instance) {
    anonymous_instance *self = instance;
    free(self->client_id);
    free(self);
}

static notify_status anonymous_authenticate(void *instance, const notify_auth_request *request,
                                            notify_auth_result *result, notify_error *err) {
    anonymous_instance *self = instance;
    notify_status status;

    result->size = sizeof *result;
    result->decision = NOTIFY_AUTH_ALLOW;
    result->client_id = notify_str_from_cstr(NULL);
    result->user_id = self->allow_user_id ? request->user_id : notify_str_from_cstr(NULL);
    result->reason = notify_str_from_cstr(NULL);

    /* A reconnect names its client id. Anyone can send any id, and this plugin has no
     * credential to tie a client to an id, so it cannot vouch for it: it answers with an empty
     * id, and the host accepts the requested id only with that client's resume token. */
    if (request->client_id.len > 0) {
        return NOTIFY_OK;
    }

    status = notify_random_hex(self->client_id + self->prefix_len, ANONYMOUS_ID_HEX_CHARS, err);
    if (status != NOTIFY_OK) {
        return status;
    }
    result->client_id.data = self->client_id;
    result->client_id.len = self->prefix_len + ANONYMOUS_ID_HEX_CHARS;
    return NOTIFY_OK;
}

static const notify_config_key anonymous_config_keys[] = {
    {"allow_user_id", NOTIFY_CONFIG_BOOL,
     "Grant the user id the client asks for in its connect command (default false: every "
     "client is the anonymous user \"\")."},
    {"client_id_prefix", NOTIFY_CONFIG_STRING,
     "Prepended to the 16 random hex digits of each new client id (default \"\")."},
};

static const notify_auth_vtable anonymous_auth_vtable = {
    .size = sizeof(notify_auth_vtable),
    .authenticate = anonymous_authenticate,
    .authorize_subscribe = NULL,
    .authorize_publish = NULL,
};

static const notify_plugin_descriptor anonymous_descriptor = {
    .size = sizeof(notify_plugin_descriptor),
    .abi_major = NOTIFY_ABI_MAJOR,
    .abi_minor = NOTIFY_ABI_MINOR,
    .name = "anonymous",
    .version = "0.1.0",
    .description = "Auth that accepts every connect and makes random client ids",
    .kinds = NOTIFY_KIND_AUTH,
    .config_keys = anonymous_config_keys,
    .config_key_count = sizeof anonymous_config_keys / sizeof anonymous_config_keys[0],
    .create = anonymous_create,
    .destroy = anonymous_destroy,
    .auth = &anonymous_auth_vtable,
};

NOTIFY_EXPORT const notify_plugin_descriptor *NOTIFY_PLUGIN_ENTRY(void) {
    return &anonymous_descriptor;
}
