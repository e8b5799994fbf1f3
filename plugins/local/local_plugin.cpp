// The ABI glue of the `local` broker: config, the broker vtable, and translation between the C
// views of notify.h and StreamStore. No exception leaves this file: each entry point catches
// (memory exhaustion is the only thing StreamStore can throw) and answers with a status.
#include <notify/notify.h>
#include <notify/sdk.h>

#include <cstdint>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <string_view>

#include "stream_store.hpp"

namespace {

constexpr std::int64_t kDefaultMaxTopicsKept = 1000000;
constexpr std::size_t kEpochHexChars = 16;

struct LocalBroker {
    const notify_host_api* host;
    notify_host_ctx* ctx;
    notify::local::StreamStore store;
};

std::string_view view_of(notify_str text) noexcept {
    return text.len == 0 ? std::string_view{} : std::string_view{text.data, text.len};
}

// nullopt when the host passed no (or too old) options.
std::optional<notify::local::HistoryLimits> limits_of(
    const notify_history_options* options) noexcept {
    if (!NOTIFY_HAS_FIELD(options, notify_history_options, history_ttl_ms)) {
        return std::nullopt;
    }
    return notify::local::HistoryLimits{options->history_size, options->history_ttl_ms};
}

std::string make_epoch() {
    char hex[kEpochHexChars + 1];
    notify_error ignored;
    if (notify_random_hex(hex, kEpochHexChars, &ignored) != NOTIFY_OK) {
        return {};
    }
    return std::string{hex, kEpochHexChars};
}

void fill_position(notify_stream_position* out, const notify::local::Position& position) noexcept {
    out->size = sizeof *out;
    out->offset = position.offset;
    out->epoch = notify_str{position.epoch.data(), position.epoch.size()};
}

notify_status local_create(const notify_host_api* host, notify_host_ctx* ctx,
                           const notify_config* config, void** instance,
                           notify_error* err) noexcept {
    std::int64_t max_topics_kept = 0;
    const notify_status status = notify_config_int_or(host, config, "max_topics_kept",
                                                      kDefaultMaxTopicsKept, err, &max_topics_kept);
    if (status != NOTIFY_OK) {
        return status;
    }
    if (max_topics_kept < 1) {
        notify_error_setf(err, "config key 'max_topics_kept': must be at least 1, got %lld",
                          static_cast<long long>(max_topics_kept));
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    try {
        *instance = new LocalBroker{
            host, ctx,
            notify::local::StreamStore{static_cast<std::size_t>(max_topics_kept), make_epoch}};
    } catch (const std::bad_alloc&) {
        notify_error_setf(err, "out of memory");
        return NOTIFY_ERR_INTERNAL;
    }
    return NOTIFY_OK;
}

void local_destroy(void* instance) noexcept {
    delete static_cast<LocalBroker*>(instance);
}

notify_status local_publish(void* instance, const notify_broker_publish* publish,
                            notify_stream_position* position, notify_error* err) noexcept {
    auto* broker = static_cast<LocalBroker*>(instance);
    if (publish->topic.len == 0) {
        notify_error_setf(err, "local broker: publish without a topic");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    const std::string_view payload{reinterpret_cast<const char*>(publish->payload.data),
                                   publish->payload.len};
    try {
        // Without history options there is nothing to keep: the stream only counts offsets.
        const auto appended = broker->store.append(
            view_of(publish->topic), payload, publish->time_ms,
            limits_of(publish->history).value_or(notify::local::HistoryLimits{}));
        if (!appended) {
            notify_error_setf(err,
                              "local broker: cannot make an epoch for topic '%.*s' "
                              "(getrandom failed)",
                              static_cast<int>(publish->topic.len), publish->topic.data);
            return NOTIFY_ERR_IO;
        }
        fill_position(position, *appended);
    } catch (const std::exception& failure) {
        notify_error_setf(err, "local broker: publish failed: %s", failure.what());
        return NOTIFY_ERR_INTERNAL;
    }
    return NOTIFY_OK;
}

notify_status local_history_read(void* instance, const notify_history_request* request,
                                 notify_history_sink sink, void* sink_ctx,
                                 notify_stream_position* current, notify_error* err) noexcept {
    auto* broker = static_cast<LocalBroker*>(instance);
    // Age limits are measured on the host's clock, the same clock that stamped each publish.
    std::optional<std::int64_t> now_ms;
    if (NOTIFY_HOST_HAS(broker->host, now_ms)) {
        now_ms = broker->host->now_ms(broker->ctx);
    }
    const auto limits = limits_of(request->history);
    try {
        const auto position = broker->store.read(
            view_of(request->topic), request->since_offset, request->limit,
            limits ? &*limits : nullptr, now_ms, [&](const notify::local::StoredMessage& message) {
                const notify_bytes payload{
                    reinterpret_cast<const std::uint8_t*>(message.payload.data()),
                    message.payload.size()};
                return sink(sink_ctx, message.offset, message.time_ms, payload);
            });
        fill_position(current, position);
    } catch (const std::exception& failure) {
        notify_error_setf(err, "local broker: history read failed: %s", failure.what());
        return NOTIFY_ERR_INTERNAL;
    }
    return NOTIFY_OK;
}

const notify_config_key kConfigKeys[] = {
    {"max_topics_kept", NOTIFY_CONFIG_INT,
     "Topic streams kept in memory (default 1000000, at least 1). Past it, the stream published "
     "to least recently is forgotten; its next publish starts over at offset 1 with a new "
     "epoch."},
};

const notify_broker_vtable kBrokerVtable = {
    sizeof(notify_broker_vtable),
    NOTIFY_BROKER_CAP_HISTORY,
    local_publish,
    local_history_read,
};

const notify_plugin_descriptor kDescriptor = {
    sizeof(notify_plugin_descriptor),
    NOTIFY_ABI_MAJOR,
    NOTIFY_ABI_MINOR,
    "local",
    "0.1.0",
    "Single-node broker: per-topic offsets, epochs and history kept in memory",
    NOTIFY_KIND_BROKER,
    kConfigKeys,
    sizeof kConfigKeys / sizeof kConfigKeys[0],
    local_create,
    nullptr,
    nullptr,
    local_destroy,
    nullptr,
    nullptr,
    &kBrokerVtable,
    nullptr,
};

}  // namespace

extern "C" NOTIFY_EXPORT const notify_plugin_descriptor* NOTIFY_PLUGIN_ENTRY(void) {
    return &kDescriptor;
}
