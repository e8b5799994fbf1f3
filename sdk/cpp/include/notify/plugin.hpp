// plugin.hpp -- a thin, header-only C++20 view of the Notify host table for C++ plugins.
//
// Nothing here throws: every call that can fail returns a notify_status or an empty optional,
// because no exception may cross the C ABI. The wrapper owns nothing; it is two pointers the host
// handed to create() (plus the config view), cheap to copy and valid until destroy().
#ifndef NOTIFY_PLUGIN_HPP
#define NOTIFY_PLUGIN_HPP

#include <notify/notify.h>
#include <notify/sdk.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace notify::sdk {

// OWNERSHIP: the result borrows from `text`.
inline notify_str to_str(std::string_view text) noexcept {
    return {text.data(), text.size()};
}

// OWNERSHIP: the result borrows from `view`.
inline std::string_view to_string_view(notify_str view) noexcept {
    return view.len == 0 ? std::string_view{} : std::string_view{view.data, view.len};
}

// OWNERSHIP: the result borrows from `data`.
inline notify_bytes to_bytes(std::span<const std::uint8_t> data) noexcept {
    return {data.data(), data.size()};
}

// OWNERSHIP: the result borrows from `text`.
inline notify_bytes to_bytes(std::string_view text) noexcept {
    return notify_bytes_from_str(to_str(text));
}

// OWNERSHIP: the result borrows from `bytes`.
inline std::span<const std::uint8_t> to_span(notify_bytes bytes) noexcept {
    return bytes.len == 0 ? std::span<const std::uint8_t>{}
                          : std::span<const std::uint8_t>{bytes.data, bytes.len};
}

// One label of a metric series. OWNERSHIP: borrows its strings for the registration call.
struct MetricLabel {
    std::string_view name;
    std::string_view value;
};

// A registered series (ABI 1.6), from Host::metric(): cheap to copy, valid until the process
// exits (also after destroy()), updated from any thread. A default-constructed Metric (a failed
// or skipped registration, an older host) ignores its updates, so callers never branch.
class Metric {
  public:
    Metric() noexcept = default;
    Metric(const notify_host_api* api, notify_metric* raw) noexcept : api_(api), raw_(raw) {}

    void add(double value) const noexcept { notify_metric_add(api_, raw_, value); }
    void set(double value) const noexcept { notify_metric_set(api_, raw_, value); }
    void observe(double value) const noexcept { notify_metric_observe(api_, raw_, value); }
    [[nodiscard]] bool registered() const noexcept { return raw_ != nullptr; }

  private:
    const notify_host_api* api_ = nullptr;
    notify_metric* raw_ = nullptr;
};

// The host table and this instance's handles, as create() received them.
// THREAD: like the host table itself, every member is callable from any thread.
class Host {
  public:
    Host(const notify_host_api* api, notify_host_ctx* ctx, const notify_config* config) noexcept
        : api_(api), ctx_(ctx), config_(config) {}

    [[nodiscard]] const notify_host_api* api() const noexcept { return api_; }
    [[nodiscard]] notify_host_ctx* ctx() const noexcept { return ctx_; }

    void log(notify_log_level level, std::string_view message) const noexcept {
        api_->log(ctx_, level, to_str(message));
    }

    // Publish `payload` to one topic. The host copies both before returning.
    notify_status publish(std::string_view topic,
                          std::span<const std::uint8_t> payload) const noexcept {
        const notify_str topic_view = to_str(topic);
        notify_publish_request request{};
        request.size = sizeof request;
        request.topics = &topic_view;
        request.topic_count = 1;
        request.payload = to_bytes(payload);
        return api_->publish(ctx_, &request);
    }

    notify_status publish(std::string_view topic, std::string_view payload) const noexcept {
        return publish(topic, to_span(to_bytes(payload)));
    }

    notify_status subscribe(notify_target_kind kind, std::string_view id,
                            std::string_view topic) const noexcept {
        return api_->subscribe(ctx_, kind, to_str(id), to_str(topic));
    }

    notify_status unsubscribe(notify_target_kind kind, std::string_view id,
                              std::string_view topic) const noexcept {
        return api_->unsubscribe(ctx_, kind, to_str(id), to_str(topic));
    }

    // ---- ABI 1.6: operations. On an older host metric() answers NOTIFY_ERR_UNSUPPORTED (and
    // `out` stays a Metric that ignores updates), set_ready() does nothing and log_enabled()
    // answers true.

    // Registers one series (notify_metric_desc's rules: at most 4 labels; `buckets` only for a
    // histogram, empty = the default latency buckets). Intended for create() or start().
    notify_status metric(Metric& out, notify_metric_kind kind, std::string_view name,
                         std::string_view help, std::span<const MetricLabel> labels = {},
                         std::span<const double> buckets = {}) const noexcept {
        out = Metric{};
        if (!NOTIFY_HOST_HAS(api_, metric_register)) {
            return NOTIFY_ERR_UNSUPPORTED;
        }
        constexpr std::size_t max_labels = 4;
        if (labels.size() > max_labels) {
            return NOTIFY_ERR_INVALID_ARGUMENT;
        }
        notify_str names[max_labels]{};
        notify_str values[max_labels]{};
        for (std::size_t i = 0; i < labels.size(); ++i) {
            names[i] = to_str(labels[i].name);
            values[i] = to_str(labels[i].value);
        }
        notify_metric_desc desc{};
        desc.size = sizeof desc;
        desc.kind = static_cast<std::uint32_t>(kind);
        desc.name = to_str(name);
        desc.help = to_str(help);
        desc.label_names = labels.empty() ? nullptr : names;
        desc.label_values = labels.empty() ? nullptr : values;
        desc.label_count = labels.size();
        desc.buckets = buckets.empty() ? nullptr : buckets.data();
        desc.bucket_count = buckets.size();
        notify_metric* raw = nullptr;
        const notify_status status = api_->metric_register(ctx_, &desc, &raw);
        if (status == NOTIFY_OK && raw != nullptr) {
            out = Metric(api_, raw);
        }
        return status;
    }

    // Says whether this instance can serve (a broker that lost its bus: false with a reason).
    void set_ready(bool ready, std::string_view reason = {}) const noexcept {
        if (NOTIFY_HOST_HAS(api_, set_ready)) {
            api_->set_ready(ctx_, ready, to_str(reason));
        }
    }

    // Whether a line at `level` would be logged: skip formatting what nobody reads.
    [[nodiscard]] bool log_enabled(notify_log_level level) const noexcept {
        return notify_log_enabled(api_, ctx_, level);
    }

    // ---- configuration: the key's value, `fallback` when the key is absent, or nullopt when the
    // key cannot be read (wrong type), with err naming the key. OWNERSHIP: strings are HOST-owned
    // and valid until destroy(); a fallback string must live as long (a literal does).

    [[nodiscard]] std::optional<std::int64_t> config_int(const char* key, std::int64_t fallback,
                                                         notify_error& err) const noexcept {
        std::int64_t value = 0;
        const notify_status status =
            notify_config_int_or(api_, config_, key, fallback, &err, &value);
        return read(status, value);
    }

    [[nodiscard]] std::optional<bool> config_bool(const char* key, bool fallback,
                                                  notify_error& err) const noexcept {
        bool value = false;
        const notify_status status =
            notify_config_bool_or(api_, config_, key, fallback, &err, &value);
        return read(status, value);
    }

    [[nodiscard]] std::optional<double> config_double(const char* key, double fallback,
                                                      notify_error& err) const noexcept {
        double value = 0;
        const notify_status status =
            notify_config_double_or(api_, config_, key, fallback, &err, &value);
        return read(status, value);
    }

    [[nodiscard]] std::optional<std::string_view> config_string(const char* key,
                                                                const char* fallback,
                                                                notify_error& err) const noexcept {
        notify_str value{};
        const notify_status status =
            notify_config_string_or(api_, config_, key, fallback, &err, &value);
        return read(status, to_string_view(value));
    }

    [[nodiscard]] std::optional<std::int64_t> config_duration_ms(const char* key,
                                                                 std::int64_t fallback,
                                                                 notify_error& err) const noexcept {
        std::int64_t value = 0;
        const notify_status status =
            notify_config_duration_ms_or(api_, config_, key, fallback, &err, &value);
        return read(status, value);
    }

  private:
    // Takes the value only after the accessor has run (the caller sequences the two).
    template <typename T>
    static std::optional<T> read(notify_status status, T value) noexcept {
        if (status != NOTIFY_OK) {
            return std::nullopt;
        }
        return value;
    }

    const notify_host_api* api_;
    notify_host_ctx* ctx_;
    const notify_config* config_;
};

}  // namespace notify::sdk

#endif  // NOTIFY_PLUGIN_HPP
