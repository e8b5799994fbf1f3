/*
 * Test auth plugin: a connect whose token is "as:ID" is allowed as client ID (the plugin vouches
 * for the id, as a JWT auth plugin would), with the user id the client asked for. Every other
 * connect is deferred to the next auth plugin (anonymous in the cluster tests). This is how two
 * connections on two nodes get the same client id without a resume token.
 */
#include <stddef.h>
#include <string.h>

#include "notify/notify.h"

#define TOKEN_PREFIX "as:"

static notify_status create(const notify_host_api *host, notify_host_ctx *ctx,
                            const notify_config *config, void **instance, notify_error *err) {
    (void)host;
    (void)ctx;
    (void)config;
    (void)err;
    *instance = NULL;
    return NOTIFY_OK;
}

static void destroy(void *instance) {
    (void)instance;
}

static notify_status authenticate(void *instance, const notify_auth_request *request,
                                  notify_auth_result *result, notify_error *err) {
    (void)instance;
    (void)err;
    const size_t prefix = sizeof TOKEN_PREFIX - 1;
    result->size = sizeof *result;
    result->reason.data = NULL;
    result->reason.len = 0;
    if (request->token.len <= prefix || memcmp(request->token.data, TOKEN_PREFIX, prefix) != 0) {
        result->decision = NOTIFY_AUTH_DEFER;
        result->client_id.data = NULL;
        result->client_id.len = 0;
        result->user_id.data = NULL;
        result->user_id.len = 0;
        return NOTIFY_OK;
    }
    result->decision = NOTIFY_AUTH_ALLOW;
    result->client_id.data = request->token.data + prefix;
    result->client_id.len = request->token.len - prefix;
    result->user_id = request->user_id;
    return NOTIFY_OK;
}

static const notify_auth_vtable auth_vtable = {
    .size = sizeof(notify_auth_vtable),
    .authenticate = authenticate,
};

static const notify_plugin_descriptor descriptor = {
    .size = sizeof(notify_plugin_descriptor),
    .abi_major = NOTIFY_ABI_MAJOR,
    .abi_minor = NOTIFY_ABI_MINOR,
    .name = "cluster_test_auth",
    .version = "1.0",
    .description = "cluster tests: token \"as:ID\" connects as client ID",
    .kinds = NOTIFY_KIND_AUTH,
    .create = create,
    .destroy = destroy,
    .auth = &auth_vtable,
};

NOTIFY_EXPORT const notify_plugin_descriptor *NOTIFY_PLUGIN_ENTRY(void) {
    return &descriptor;
}
