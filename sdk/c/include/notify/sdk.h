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
