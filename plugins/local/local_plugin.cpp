// The ABI glue of the `local` broker: config, the broker vtable, and translation between the C
// views of notify.h and the two stores: StreamStore (at-most-once, in memory) and DurableBroker
// (at-least-once messages and durable subscriptions, SQLite). No exception leaves this file: each
// entry point catches and answers with a status.
#include <notify/notify.h>
#include <notify/sdk.h>

#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>

#include "durable_broker.hpp"
#include "presence_store.hpp"
#include "stream_store.hpp"

namespace {

constexpr std::int64_t kDefaultMaxTopicsKept = 1000000;
constexpr std::size_t kEpochHexChars = 16;
constexpr std::int64_t kDefaultSyncIntervalMs = 2;
constexpr std::int64_t kDefaultRetentionMessages = 1000000;
constexpr std::int64_t kDefaultRetentionAgeMs = 7LL * 24 * 3600 * 1000;

struct LocalBroker {
    const notify_host_api* host;
    notify_host_ctx* ctx;
    notify::local::StreamStore store;
    // Null without `data_dir`: at-least-once publishes are then refused.
    std::unique_ptr<notify::local::DurableBroker> durable;
    notify::local::PresenceStore presence;
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
    const std::uint64_t meta_ttl_ms =
        NOTIFY_HAS_FIELD(options, notify_history_options, history_meta_ttl_ms)
            ? options->history_meta_ttl_ms
            : 0;
    return notify::local::HistoryLimits{options->history_size, options->history_ttl_ms,
                                        meta_ttl_ms};
}

bool wants_durability(const notify_history_options* options) noexcept {
    // A 1.0 host passes the options without `delivery`: at-most-once.
    return NOTIFY_HAS_FIELD(options, notify_history_options, delivery) &&
           options->delivery == NOTIFY_DELIVERY_AT_LEAST_ONCE;
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

notify_status read_sync_policy(const notify_host_api* host, const notify_config* config,
                               notify_error* err, notify::local::SyncPolicy* policy) {
    notify_str text{};
    const notify_status status = notify_config_string_or(host, config, "sync", "always", err, &text);
    if (status != NOTIFY_OK) {
        return status;
    }
    const std::string_view name = view_of(text);
    if (name == "always") {
        *policy = notify::local::SyncPolicy::always;
    } else if (name == "batch") {
        *policy = notify::local::SyncPolicy::batch;
    } else if (name == "os") {
        *policy = notify::local::SyncPolicy::os;
    } else {
        notify_error_setf(err, "config key 'sync': must be one of always, batch, os; got '%.*s'",
                          static_cast<int>(text.len), text.data);
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    return NOTIFY_OK;
}

notify_status read_positive(const notify_host_api* host, const notify_config* config,
                            const char* key, std::int64_t fallback, bool is_duration,
                            notify_error* err, std::int64_t* out) {
    const notify_status status =
        is_duration ? notify_config_duration_ms_or(host, config, key, fallback, err, out)
                    : notify_config_int_or(host, config, key, fallback, err, out);
    if (status != NOTIFY_OK) {
        return status;
    }
    if (*out < 1) {
        notify_error_setf(err, "config key '%s': must be positive, got %lld", key,
                          static_cast<long long>(*out));
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    return NOTIFY_OK;
}

// nullopt options (status OK) when `data_dir` is not set.
notify_status read_durable_options(const notify_host_api* host, const notify_config* config,
                                   notify_error* err,
                                   std::optional<notify::local::WriterOptions>* out) {
    notify::local::WriterOptions options;
    notify_status status = read_sync_policy(host, config, err, &options.policy);
    std::int64_t retention_messages = 0;
    if (status == NOTIFY_OK) {
        status = read_positive(host, config, "sync_interval", kDefaultSyncIntervalMs, true, err,
                               &options.sync_interval_ms);
    }
    if (status == NOTIFY_OK) {
        status = read_positive(host, config, "retention_messages", kDefaultRetentionMessages,
                               false, err, &retention_messages);
        options.retention_messages = static_cast<std::uint64_t>(retention_messages);
    }
    if (status == NOTIFY_OK) {
        status = read_positive(host, config, "retention_age", kDefaultRetentionAgeMs, true, err,
                               &options.retention_age_ms);
    }
    if (status != NOTIFY_OK) {
        return status;
    }
    notify_str directory{};
    const notify_status found = NOTIFY_HOST_HAS(host, config_get_path)
                                    ? host->config_get_path(config, "data_dir", &directory)
                                    : NOTIFY_ERR_NOT_FOUND;
    if (found == NOTIFY_ERR_NOT_FOUND || directory.len == 0) {
        return NOTIFY_OK;
    }
    if (found != NOTIFY_OK) {
        notify_error_setf(err, "config key 'data_dir': expected a path (status %d)",
                          static_cast<int>(found));
        return found;
    }
    options.directory.assign(directory.data, directory.len);
    *out = std::move(options);
    return NOTIFY_OK;
}

// notify_durable_commit_seconds (ABI 1.6), or NULL on an older host.
notify_metric* commit_latency_metric(const notify_host_api* host, notify_host_ctx* ctx) {
    if (!NOTIFY_HOST_HAS(host, metric_register)) return nullptr;
    constexpr std::string_view name = "notify_durable_commit_seconds";
    constexpr std::string_view help =
        "Time of one group commit of the local broker's durable store (write and fsync)";
    notify_metric_desc desc{};
    desc.size = sizeof desc;
    desc.kind = NOTIFY_METRIC_HISTOGRAM;
    desc.name = notify_str{name.data(), name.size()};
    desc.help = notify_str{help.data(), help.size()};
    notify_metric* metric = nullptr;
    return host->metric_register(ctx, &desc, &metric) == NOTIFY_OK ? metric : nullptr;
}

std::unique_ptr<notify::local::DurableBroker> open_durable(
    const notify::local::WriterOptions& options, const notify_host_api* host,
    notify_host_ctx* ctx) {
    // Runs on the writer thread: the host table is callable from any thread.
    auto complete = [host, ctx](std::uint64_t request_id,
                                const notify::local::DurableMessage& message,
                                const std::string& error) {
        if (error.empty()) {
            const notify_stream_position position{sizeof(notify_stream_position), message.offset,
                                                  notify_str{message.epoch.data(),
                                                             message.epoch.size()}};
            host->broker_publish_complete(ctx, request_id, NOTIFY_OK, &position, notify_str{});
        } else {
            host->broker_publish_complete(ctx, request_id, NOTIFY_ERR_IO, nullptr,
                                          notify_str{error.data(), error.size()});
        }
    };
    auto log = [host, ctx](notify_log_level level, const std::string& line) {
        host->log(ctx, level, notify_str{line.data(), line.size()});
    };
    auto now_ms = [host, ctx]() -> std::int64_t {
        return NOTIFY_HOST_HAS(host, now_ms) ? host->now_ms(ctx) : 0;
    };
    notify::local::WriterOptions observed = options;
    if (notify_metric* commits = commit_latency_metric(host, ctx)) {
        observed.commit_observer = [host, commits](double seconds) {
            host->metric_observe(commits, seconds);
        };
    }
    return std::make_unique<notify::local::DurableBroker>(observed, make_epoch, complete, log,
                                                          now_ms);
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
    std::optional<notify::local::WriterOptions> durable_options;
    const notify_status durable_status = read_durable_options(host, config, err, &durable_options);
    if (durable_status != NOTIFY_OK) {
        return durable_status;
    }
    try {
        auto broker = std::make_unique<LocalBroker>(LocalBroker{
            host, ctx,
            notify::local::StreamStore{static_cast<std::size_t>(max_topics_kept), make_epoch},
            nullptr, notify::local::PresenceStore{}});
        if (durable_options) {
            broker->durable = open_durable(*durable_options, host, ctx);
        }
        *instance = broker.release();
    } catch (const notify::local::StoreError& failure) {
        notify_error_setf(err, "config key 'data_dir': %s", failure.what());
        return NOTIFY_ERR_IO;
    } catch (const std::exception& failure) {
        notify_error_setf(err, "local broker: %s", failure.what());
        return NOTIFY_ERR_INTERNAL;
    }
    return NOTIFY_OK;
}

void local_destroy(void* instance) noexcept {
    delete static_cast<LocalBroker*>(instance);
}

notify_status refuse_without_data_dir(std::string_view topic, notify_error* err) {
    notify_error_setf(err,
                      "local broker: topic '%.*s' is in an at-least-once namespace, but config "
                      "key 'data_dir' is not set: durable messages need a folder for their store",
                      static_cast<int>(topic.size()), topic.data());
    return NOTIFY_ERR_UNSUPPORTED;
}

// Answers NOTIFY_PENDING: the writer thread completes the publish once it is durable.
notify_status publish_durably(LocalBroker& broker, const notify_broker_publish& publish,
                              std::string_view payload, notify_stream_position* position,
                              notify_error* err) noexcept {
    const std::string_view topic = view_of(publish.topic);
    if (!broker.durable) {
        return refuse_without_data_dir(topic, err);
    }
    try {
        const notify::local::DurablePosition assigned =
            broker.durable->publish(publish.request_id, topic, payload, publish.time_ms);
        position->size = sizeof *position;
        position->offset = assigned.offset;
        position->epoch = notify_str{assigned.epoch.data(), assigned.epoch.size()};
    } catch (const notify::local::StoreError& failure) {
        notify_error_setf(err, "local broker: topic '%.*s': %s", static_cast<int>(topic.size()),
                          topic.data(), failure.what());
        return NOTIFY_ERR_IO;
    } catch (const std::exception& failure) {
        notify_error_setf(err, "local broker: publish failed: %s", failure.what());
        return NOTIFY_ERR_INTERNAL;
    }
    return NOTIFY_PENDING;
}

notify_status read_durably(LocalBroker& broker, const notify_history_request& request,
                           notify_history_sink sink, void* sink_ctx,
                           notify_stream_position* current, notify_error* err) noexcept {
    const std::string_view topic = view_of(request.topic);
    if (!broker.durable) {
        return refuse_without_data_dir(topic, err);
    }
    const std::int64_t now_ms =
        NOTIFY_HOST_HAS(broker.host, now_ms) ? broker.host->now_ms(broker.ctx) : 0;
    try {
        const notify::local::DurablePosition position = broker.durable->read(
            topic, request.since_offset, request.limit, now_ms,
            [&](std::uint64_t offset, std::int64_t time_ms, std::string_view payload) {
                return sink(sink_ctx, offset, time_ms,
                            notify_bytes{reinterpret_cast<const std::uint8_t*>(payload.data()),
                                         payload.size()});
            });
        current->size = sizeof *current;
        current->offset = position.offset;
        current->epoch = notify_str{position.epoch.data(), position.epoch.size()};
    } catch (const std::exception& failure) {
        notify_error_setf(err, "local broker: history of topic '%.*s': %s",
                          static_cast<int>(topic.size()), topic.data(), failure.what());
        return NOTIFY_ERR_IO;
    }
    return NOTIFY_OK;
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
    if (wants_durability(publish->history)) {
        return publish_durably(*broker, *publish, payload, position, err);
    }
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
    if (wants_durability(request->history)) {
        return read_durably(*broker, *request, sink, sink_ctx, current, err);
    }
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

// At-least-once messages are the delivery log of durable subscriptions, not a cache: only the
// in-memory history is removed (README.md says so).
notify_status local_history_remove(void* instance, notify_str topic, notify_error* err) noexcept {
    auto* broker = static_cast<LocalBroker*>(instance);
    try {
        broker->store.remove_kept(view_of(topic));
    } catch (const std::exception& failure) {
        notify_error_setf(err, "local broker: history remove failed: %s", failure.what());
        return NOTIFY_ERR_INTERNAL;
    }
    return NOTIFY_OK;
}

// The descriptor is static, so CAP_DURABLE_SUBSCRIPTIONS is declared for every instance; one
// without `data_dir` refuses to save (a durable subscription belongs to an at-least-once
// namespace, whose publishes it refuses too).
notify_status refuse_subscriptions_without_data_dir(std::string_view client_id,
                                                    std::string_view topic, notify_error* err) {
    notify_error_setf(err,
                      "local broker: cannot store the durable subscription of client '%.*s' to "
                      "'%.*s': config key 'data_dir' is not set, so there is no durable store",
                      static_cast<int>(client_id.size()), client_id.data(),
                      static_cast<int>(topic.size()), topic.data());
    return NOTIFY_ERR_UNSUPPORTED;
}

notify_status refuse_incomplete_key(std::string_view client_id, std::string_view topic,
                                    notify_error* err) {
    notify_error_setf(err,
                      "local broker: a durable subscription needs a client id and a topic "
                      "(got client '%.*s', topic '%.*s')",
                      static_cast<int>(client_id.size()), client_id.data(),
                      static_cast<int>(topic.size()), topic.data());
    return NOTIFY_ERR_INVALID_ARGUMENT;
}

notify_status local_subscription_save(void* instance,
                                      const notify_durable_subscription* subscription,
                                      notify_error* err) noexcept {
    auto* broker = static_cast<LocalBroker*>(instance);
    if (!NOTIFY_HAS_FIELD(subscription, notify_durable_subscription, acked_offset)) {
        notify_error_setf(err, "local broker: subscription_save without a complete record");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    const std::string_view client_id = view_of(subscription->client_id);
    const std::string_view topic = view_of(subscription->topic);
    if (client_id.empty() || topic.empty()) {
        return refuse_incomplete_key(client_id, topic, err);
    }
    if (!broker->durable) {
        return refuse_subscriptions_without_data_dir(client_id, topic, err);
    }
    try {
        broker->durable->save_subscription(
            notify::local::SubscriptionKey{std::string{client_id}, std::string{topic}},
            notify::local::SubscriptionRecord{std::string{view_of(subscription->user_id)},
                                              std::string{view_of(subscription->resume_token)},
                                              subscription->acked_offset});
    } catch (const std::exception& failure) {
        notify_error_setf(err, "local broker: durable subscription not queued: %s",
                          failure.what());
        return NOTIFY_ERR_INTERNAL;
    }
    return NOTIFY_OK;
}

notify_status local_subscription_remove(void* instance, notify_str client_id_text,
                                        notify_str topic_text, notify_error* err) noexcept {
    auto* broker = static_cast<LocalBroker*>(instance);
    const std::string_view client_id = view_of(client_id_text);
    const std::string_view topic = view_of(topic_text);
    if (client_id.empty() || topic.empty()) {
        return refuse_incomplete_key(client_id, topic, err);
    }
    if (!broker->durable) {
        return refuse_subscriptions_without_data_dir(client_id, topic, err);
    }
    try {
        broker->durable->remove_subscription(
            notify::local::SubscriptionKey{std::string{client_id}, std::string{topic}});
    } catch (const std::exception& failure) {
        notify_error_setf(err, "local broker: durable subscription removal not queued: %s",
                          failure.what());
        return NOTIFY_ERR_INTERNAL;
    }
    return NOTIFY_OK;
}

// Without `data_dir` nothing can have been stored: an empty load, not an error, since the host
// loads at every start and a broker without a store must still start.
notify_status local_subscriptions_load(void* instance, notify_subscription_sink sink,
                                       void* sink_ctx, notify_error* err) noexcept {
    auto* broker = static_cast<LocalBroker*>(instance);
    if (!broker->durable) {
        return NOTIFY_OK;
    }
    try {
        broker->durable->load_subscriptions([&](const notify::local::SubscriptionKey& key,
                                                const notify::local::SubscriptionRecord& record) {
            const notify_durable_subscription subscription{
                sizeof(notify_durable_subscription),
                notify_str{key.client_id.data(), key.client_id.size()},
                notify_str{record.user_id.data(), record.user_id.size()},
                notify_str{record.resume_token.data(), record.resume_token.size()},
                notify_str{key.topic.data(), key.topic.size()},
                record.acked_offset};
            return sink(sink_ctx, &subscription);
        });
    } catch (const notify::local::StoreError& failure) {
        notify_error_setf(err, "local broker: cannot load the durable subscriptions: %s",
                          failure.what());
        return NOTIFY_ERR_IO;
    } catch (const std::exception& failure) {
        notify_error_setf(err, "local broker: cannot load the durable subscriptions: %s",
                          failure.what());
        return NOTIFY_ERR_INTERNAL;
    }
    return NOTIFY_OK;
}

notify_status local_presence_add(void* instance, notify_str topic,
                                 const notify_presence_entry* entry, notify_error* err) noexcept {
    if (!NOTIFY_HAS_FIELD(entry, notify_presence_entry, info) || entry->client_id.len == 0) {
        notify_error_setf(err, "local broker: presence_add without a client id");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    try {
        static_cast<LocalBroker*>(instance)->presence.add(
            view_of(topic), view_of(entry->client_id), view_of(entry->user_id),
            view_of(entry->info));
    } catch (const std::exception& failure) {
        notify_error_setf(err, "local broker: presence_add failed: %s", failure.what());
        return NOTIFY_ERR_INTERNAL;
    }
    return NOTIFY_OK;
}

notify_status local_presence_remove(void* instance, notify_str topic, notify_str client_id,
                                    notify_error* err) noexcept {
    try {
        static_cast<LocalBroker*>(instance)->presence.remove(view_of(topic), view_of(client_id));
    } catch (const std::exception& failure) {
        notify_error_setf(err, "local broker: presence_remove failed: %s", failure.what());
        return NOTIFY_ERR_INTERNAL;
    }
    return NOTIFY_OK;
}

notify_status local_presence_read(void* instance, notify_str topic, notify_presence_sink sink,
                                  void* sink_ctx, notify_error* err) noexcept {
    try {
        static_cast<LocalBroker*>(instance)->presence.for_each(
            view_of(topic),
            [&](const std::string& client_id, const notify::local::PresenceEntry& entry) {
                const notify_presence_entry seen{
                    sizeof(notify_presence_entry),
                    notify_str{client_id.data(), client_id.size()},
                    notify_str{entry.user_id.data(), entry.user_id.size()},
                    notify_str{entry.info.data(), entry.info.size()}};
                return sink(sink_ctx, &seen);
            });
    } catch (const std::exception& failure) {
        notify_error_setf(err, "local broker: presence_read failed: %s", failure.what());
        return NOTIFY_ERR_INTERNAL;
    }
    return NOTIFY_OK;
}

notify_status local_presence_stats(void* instance, notify_str topic, notify_presence_stats* stats,
                                   notify_error* err) noexcept {
    if (!NOTIFY_HAS_FIELD(stats, notify_presence_stats, users)) {
        notify_error_setf(err, "local broker: presence_stats without room for the counts");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    const notify::local::PresenceCounts counts =
        static_cast<LocalBroker*>(instance)->presence.counts(view_of(topic));
    stats->clients = counts.clients;
    stats->users = counts.users;
    return NOTIFY_OK;
}

const notify_config_key kConfigKeys[] = {
    {"max_topics_kept", NOTIFY_CONFIG_INT,
     "Topic streams kept in memory (default 1000000, at least 1). Past it, the stream published "
     "to least recently is forgotten; its next publish starts over at offset 1 with a new "
     "epoch."},
    {"data_dir", NOTIFY_CONFIG_PATH,
     "Folder of the store of at-least-once namespaces and durable subscriptions (created when "
     "missing; the file is local-broker.db). Without it, publishes to at-least-once namespaces "
     "and subscription saves are refused."},
    {"sync", NOTIFY_CONFIG_STRING,
     "When a durable publish is acknowledged: \"always\" (default) after an fsync of its group "
     "commit; \"batch\" the same, the group commit starting once the queue has not grown "
     "for 100 us (at the latest sync_interval after its oldest message); \"os\" after "
     "write() without fsync (survives a process kill, not a power loss)."},
    {"sync_interval", NOTIFY_CONFIG_DURATION,
     "With sync = \"batch\": the longest a group commit waits for more messages, counted "
     "from its oldest one (default 2ms)."},
    {"retention_messages", NOTIFY_CONFIG_INT,
     "Durable messages kept per topic (default 1000000); older ones are deleted."},
    {"retention_age", NOTIFY_CONFIG_DURATION,
     "Durable messages older than this are deleted (default 7d)."},
};

const notify_broker_vtable kBrokerVtable = {
    sizeof(notify_broker_vtable),
    NOTIFY_BROKER_CAP_HISTORY | NOTIFY_BROKER_CAP_DURABLE |
        NOTIFY_BROKER_CAP_DURABLE_SUBSCRIPTIONS | NOTIFY_BROKER_CAP_PRESENCE,
    local_publish,
    local_history_read,
    local_subscription_save,
    local_subscription_remove,
    local_subscriptions_load,
    nullptr,  // interest, publish_direct, send_command: one node, no bus (no CAP_CLUSTER)
    nullptr,
    nullptr,
    local_presence_add,
    local_presence_remove,
    local_presence_read,
    local_presence_stats,
    local_history_remove,
};

const notify_plugin_descriptor kDescriptor = {
    sizeof(notify_plugin_descriptor),
    NOTIFY_ABI_MAJOR,
    NOTIFY_ABI_MINOR,
    "local",
    "0.1.0",
    "Single-node broker: per-topic offsets, epochs and history in memory, or in a SQLite "
    "file for at-least-once namespaces and their durable subscriptions",
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
    nullptr,  // reconfigure (ABI 1.6): a changed [broker] table needs a restart
};

}  // namespace

extern "C" NOTIFY_EXPORT const notify_plugin_descriptor* NOTIFY_PLUGIN_ENTRY(void) {
    return &kDescriptor;
}
