/*
 * sdk.h -- small C11 helpers for writing Notify plugins against notify.h.
 *
 * Header-only: every function is static inline, so nothing here becomes part of the ABI and a
 * plugin built with an older copy keeps working. Only C standard headers are used, plus
 * <sys/random.h> (Linux getrandom) for notify_random_hex().
 */
#ifndef NOTIFY_SDK_H
#define NOTIFY_SDK_H

#include <notify/notify.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

/* Casts that C++ plugins built with -Wold-style-cast accept, spelled the C way in C. */
#ifdef __cplusplus
#define NOTIFY_SDK_REINTERPRET(type, value) reinterpret_cast<type>(value)
#define NOTIFY_SDK_CONVERT(type, value) static_cast<type>(value)
#else
#define NOTIFY_SDK_REINTERPRET(type, value) ((type)(value))
#define NOTIFY_SDK_CONVERT(type, value) ((type)(value))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* =============================================================================================
 * Views
 * ============================================================================================= */

/* A view of a NUL-terminated string (NULL gives the empty view). OWNERSHIP: BORROWED from s. */
static inline notify_str notify_str_from_cstr(const char *s) {
    notify_str view;
    view.data = s;
    view.len = s != NULL ? strlen(s) : 0;
    return view;
}

/* True when the view holds exactly the characters of the NUL-terminated `s`. */
static inline bool notify_str_eq_cstr(notify_str view, const char *s) {
    size_t len = s != NULL ? strlen(s) : 0;
    return view.len == len && (len == 0 || memcmp(view.data, s, len) == 0);
}

/* The same characters seen as bytes (a text payload). OWNERSHIP: BORROWED from view. */
static inline notify_bytes notify_bytes_from_str(notify_str view) {
    notify_bytes bytes;
    bytes.data = NOTIFY_SDK_REINTERPRET(const uint8_t *, view.data);
    bytes.len = view.len;
    return bytes;
}

/* =============================================================================================
 * Errors
 * ============================================================================================= */

/* printf into err->message, truncated to fit. err may be NULL (then nothing is written). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static inline void notify_error_setf(notify_error *err, const char *fmt, ...) {
    va_list args;
    if (err == NULL) {
        return;
    }
    va_start(args, fmt);
    if (vsnprintf(err->message, sizeof err->message, fmt, args) < 0) {
        err->message[0] = '\0';
    }
    va_end(args);
}

/* =============================================================================================
 * Host table
 * ============================================================================================= */

/* True when the host table has `member` (its size covers it) and the member is set. */
#define NOTIFY_HOST_HAS(host, member)                                                             \
    (NOTIFY_HAS_FIELD((host), notify_host_api, member) && (host)->member != NULL)

/* =============================================================================================
 * Configuration with defaults
 *
 * Each helper stores `fallback` in *out, then the key's value when the manifest sets it.
 * NOTIFY_OK when the key is absent or read; otherwise the accessor's status (WRONG_TYPE, ...)
 * with err naming the key and the expected type. Call them from create().
 * ============================================================================================= */

static inline notify_status notify_config_result_(notify_status status, const char *key,
                                                  const char *expected, notify_error *err) {
    if (status == NOTIFY_OK || status == NOTIFY_ERR_NOT_FOUND) {
        return NOTIFY_OK;
    }
    if (status == NOTIFY_ERR_WRONG_TYPE) {
        notify_error_setf(err, "config key '%s': expected %s", key, expected);
    } else {
        notify_error_setf(err, "config key '%s': cannot be read (status %d)", key, NOTIFY_SDK_CONVERT(int, status));
    }
    return status;
}

static inline notify_status notify_config_int_or(const notify_host_api *host,
                                                 const notify_config *cfg, const char *key,
                                                 int64_t fallback, notify_error *err,
                                                 int64_t *out) {
    int64_t value = fallback;
    notify_status status = host->config_get_int(cfg, key, &value);
    *out = status == NOTIFY_OK ? value : fallback;
    return notify_config_result_(status, key, "an integer", err);
}

static inline notify_status notify_config_bool_or(const notify_host_api *host,
                                                  const notify_config *cfg, const char *key,
                                                  bool fallback, notify_error *err, bool *out) {
    bool value = fallback;
    notify_status status = host->config_get_bool(cfg, key, &value);
    *out = status == NOTIFY_OK ? value : fallback;
    return notify_config_result_(status, key, "a boolean", err);
}

static inline notify_status notify_config_double_or(const notify_host_api *host,
                                                    const notify_config *cfg, const char *key,
                                                    double fallback, notify_error *err,
                                                    double *out) {
    double value = fallback;
    notify_status status = host->config_get_double(cfg, key, &value);
    *out = status == NOTIFY_OK ? value : fallback;
    return notify_config_result_(status, key, "a number", err);
}

/* OWNERSHIP: a string read from the manifest is HOST-owned, valid until the instance is
 * destroyed; `fallback` must live as long (a string literal does). */
static inline notify_status notify_config_string_or(const notify_host_api *host,
                                                    const notify_config *cfg, const char *key,
                                                    const char *fallback, notify_error *err,
                                                    notify_str *out) {
    notify_str value = notify_str_from_cstr(fallback);
    notify_status status = host->config_get_string(cfg, key, &value);
    *out = status == NOTIFY_OK ? value : notify_str_from_cstr(fallback);
    return notify_config_result_(status, key, "a string", err);
}

static inline notify_status notify_config_duration_ms_or(const notify_host_api *host,
                                                         const notify_config *cfg,
                                                         const char *key, int64_t fallback,
                                                         notify_error *err, int64_t *out) {
    int64_t value = fallback;
    notify_status status = host->config_get_duration_ms(cfg, key, &value);
    *out = status == NOTIFY_OK ? value : fallback;
    return notify_config_result_(status, key, "a duration", err);
}

/* =============================================================================================
 * Operations (ABI 1.6): metrics, readiness, log levels
 *
 * Each helper checks that the host table has the member (NOTIFY_HOST_HAS), so a plugin runs
 * unchanged on a host older than 1.6: registration answers NOTIFY_ERR_UNSUPPORTED and leaves
 * *out NULL, and the updates below do nothing for a NULL metric.
 * ============================================================================================= */

/*
 * Register one series of `name` (see notify_metric_desc for the rules) with label_count (at
 * most 4) NUL-terminated label names and values, and, for a histogram, bucket_count upper
 * bounds (NULL and 0: the host's default latency buckets). NOTIFY_OK with *out set, the host's
 * NOTIFY_ERR_INVALID_ARGUMENT or NOTIFY_ERR_LIMIT (its log says why), or
 * NOTIFY_ERR_UNSUPPORTED on an older host; err names the metric on failure.
 * OWNERSHIP: every argument BORROWED; *out HOST, valid until the process exits.
 * THREAD: any, but intended for create() or start().
 */
static inline notify_status notify_metric_register_simple(
    const notify_host_api *host, notify_host_ctx *ctx, notify_metric_kind kind, const char *name,
    const char *help, const char *const *label_names, const char *const *label_values,
    size_t label_count, const double *buckets, size_t bucket_count, notify_error *err,
    notify_metric **out) {
    notify_str names[4];
    notify_str values[4];
    notify_metric_desc desc;
    notify_status status;
    size_t i;
    *out = NULL;
    if (!NOTIFY_HOST_HAS(host, metric_register)) {
        notify_error_setf(err, "metric %s: the host has no metrics (ABI older than 1.6)", name);
        return NOTIFY_ERR_UNSUPPORTED;
    }
    if (label_count > 4 || (label_count > 0 && (label_names == NULL || label_values == NULL))) {
        notify_error_setf(err, "metric %s: at most 4 labels, with names and values", name);
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    for (i = 0; i < label_count; ++i) {
        names[i] = notify_str_from_cstr(label_names[i]);
        values[i] = notify_str_from_cstr(label_values[i]);
    }
    memset(&desc, 0, sizeof desc);
    desc.size = sizeof desc;
    desc.kind = NOTIFY_SDK_CONVERT(uint32_t, kind);
    desc.name = notify_str_from_cstr(name);
    desc.help = notify_str_from_cstr(help);
    desc.label_names = label_count > 0 ? names : NULL;
    desc.label_values = label_count > 0 ? values : NULL;
    desc.label_count = label_count;
    desc.buckets = buckets;
    desc.bucket_count = bucket_count;
    status = host->metric_register(ctx, &desc, out);
    if (status != NOTIFY_OK) {
        *out = NULL;
        notify_error_setf(err, "metric %s: refused by the host (status %d; its log says why)",
                          name, NOTIFY_SDK_CONVERT(int, status));
    }
    return status;
}

/* Updates of a series: nothing happens for a NULL metric (not registered, or an older host).
 * THREAD: any; cheap enough for every message. */
static inline void notify_metric_add(const notify_host_api *host, notify_metric *metric,
                                     double value) {
    if (metric != NULL && NOTIFY_HOST_HAS(host, metric_add)) {
        host->metric_add(metric, value);
    }
}

static inline void notify_metric_set(const notify_host_api *host, notify_metric *metric,
                                     double value) {
    if (metric != NULL && NOTIFY_HOST_HAS(host, metric_set)) {
        host->metric_set(metric, value);
    }
}

static inline void notify_metric_observe(const notify_host_api *host, notify_metric *metric,
                                         double value) {
    if (metric != NULL && NOTIFY_HOST_HAS(host, metric_observe)) {
        host->metric_observe(metric, value);
    }
}

/* Report readiness (reason: NUL-terminated, "" or NULL when ready). No-op on an older host.
 * THREAD: any. */
static inline void notify_set_ready(const notify_host_api *host, notify_host_ctx *ctx,
                                    bool ready, const char *reason) {
    if (NOTIFY_HOST_HAS(host, set_ready)) {
        host->set_ready(ctx, ready, notify_str_from_cstr(reason));
    }
}

/* Whether a line at `level` would be logged; true on an older host (its log() filters).
 * THREAD: any. */
static inline bool notify_log_enabled(const notify_host_api *host, notify_host_ctx *ctx,
                                      notify_log_level level) {
    return NOTIFY_HOST_HAS(host, log_enabled) ? host->log_enabled(ctx, level) : true;
}

/* =============================================================================================
 * Random ids
 * ============================================================================================= */

/*
 * Fill out[0..hex_len) with random lowercase hex digits from the kernel's CSPRNG and write a NUL
 * at out[hex_len] (so `out` holds hex_len + 1 chars). NOTIFY_ERR_IO with err filled on failure.
 * THREAD: any.
 */
static inline notify_status notify_random_hex(char *out, size_t hex_len, notify_error *err) {
    static const char digits[] = "0123456789abcdef";
    uint8_t random[32];
    size_t written = 0;
    while (written < hex_len) {
        size_t want = (hex_len - written + 1) / 2;
        size_t got = 0;
        size_t i;
        if (want > sizeof random) {
            want = sizeof random;
        }
        while (got < want) {
            ssize_t n = getrandom(random + got, want - got, 0);
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                notify_error_setf(err, "getrandom failed: %s", strerror(errno));
                out[written] = '\0';
                return NOTIFY_ERR_IO;
            }
            got += NOTIFY_SDK_CONVERT(size_t, n);
        }
        for (i = 0; i < want && written < hex_len; ++i) {
            out[written++] = digits[random[i] >> 4];
            if (written < hex_len) {
                out[written++] = digits[random[i] & 0x0f];
            }
        }
    }
    out[hex_len] = '\0';
    return NOTIFY_OK;
}

#ifdef __cplusplus
}
#endif

#endif /* NOTIFY_SDK_H */
