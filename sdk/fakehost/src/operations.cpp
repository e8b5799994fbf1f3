// The fake host's operations members (ABI 1.6): metric_register, stats_view, set_ready and
// log_enabled, and the C accessors through which a test reads what the plugin reported.
#include <string>
#include <vector>

#include "internal.hpp"

namespace fh = notify::fakehost;

namespace notify::fakehost {
namespace {

constexpr std::size_t recent_log_limit = 100;  // notify.h, NOTIFY_STATS_RECENT_LOGS

std::string plugin_name(const notify_fakehost& host) {
    return host.normalized ? host.normalized->descriptor.name : "";
}

// {"live":true,"ready":..,"started":..,"problems":[..]}: this one instance is the process.
std::string health_json(const notify_fakehost& host) {
    bool reported_ready = true;
    std::string reason;
    {
        const std::lock_guard lock(host.mutex);
        reported_ready = host.reported_ready;
        reason = host.not_ready_reason;
    }
    const bool started = host.started && !host.stopped;
    std::string problem;
    if (!started) {
        problem = "not started";
    } else if (!reported_ready) {
        problem = reason.empty() ? "reported not ready" : reason;
    }
    std::string json = std::string("{\"live\":true,\"ready\":") +
                       (problem.empty() ? "true" : "false") +
                       ",\"started\":" + (started ? "true" : "false") + ",\"problems\":[";
    if (!problem.empty()) {
        json += "{\"instance\":" + json_quote(host.instance_name) +
                ",\"plugin\":" + json_quote(plugin_name(host)) + ",\"reason\":" +
                json_quote(problem) + '}';
    }
    return json + "]}";
}

// The plugin's last warnings and errors (the fake host has no logs of its own).
std::string recent_logs_json(const notify_fakehost& host) {
    std::vector<std::string> entries;
    {
        const std::lock_guard lock(host.mutex);
        for (const auto& recorded : host.calls) {
            const notify_fakehost_call& call = recorded->call;
            if (call.kind != NOTIFY_FAKEHOST_LOG || call.level < NOTIFY_LOG_WARN) continue;
            entries.push_back("{\"time_ms\":" + std::to_string(call.time_ms) + ",\"level\":\"" +
                              level_name(call.level) + "\",\"instance\":" +
                              json_quote(host.instance_name) + ",\"message\":" +
                              json_quote(std::string_view(call.text.data, call.text.len)) + '}');
        }
    }
    const std::size_t first = entries.size() > recent_log_limit ? entries.size() - recent_log_limit : 0;
    std::string json = "{\"entries\":[";
    for (std::size_t i = first; i < entries.size(); ++i) {
        if (i > first) json += ',';
        json += entries[i];
    }
    return json + "]}";
}

std::vector<std::string> values_of(const char* const* label_values, size_t label_count) {
    std::vector<std::string> values;
    for (size_t i = 0; label_values != nullptr && i < label_count; ++i) {
        values.emplace_back(label_values[i] == nullptr ? "" : label_values[i]);
    }
    return values;
}

}  // namespace

notify_status host_metric_register(notify_host_ctx* ctx, const notify_metric_desc* desc,
                                   notify_metric** out) {
    notify_fakehost* host = host_of(ctx);
    if (host == nullptr) return NOTIFY_ERR_INVALID_ARGUMENT;
    std::string why;
    const notify_status status = host->metrics->register_series(desc, out, why);
    auto recorded = host->new_record(NOTIFY_FAKEHOST_METRIC_REGISTER);
    if (NOTIFY_HAS_FIELD(desc, notify_metric_desc, bucket_count) && desc->name.data != nullptr) {
        recorded->call.id = recorded->keep(text_of(desc->name));
    }
    recorded->call.text = recorded->keep(why);
    recorded->call.status = status;
    host->record(std::move(recorded));
    if (status != NOTIFY_OK) host->warn("metric_register", why);
    return status;
}

notify_status host_stats_view(notify_host_ctx* ctx, uint32_t kind, notify_owned_bytes* out) {
    const notify_fakehost* host = host_of(ctx);
    if (host == nullptr || out == nullptr) return NOTIFY_ERR_INVALID_ARGUMENT;
    std::string document;
    switch (kind) {
        case NOTIFY_STATS_PROMETHEUS:
            document = host->metrics->prometheus_text();
            break;
        case NOTIFY_STATS_JSON:
            document = host->metrics->json(host->now_ms());
            break;
        case NOTIFY_STATS_HEALTH:
            document = health_json(*host);
            break;
        case NOTIFY_STATS_RECENT_LOGS:
            document = recent_logs_json(*host);
            break;
        default:
            return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    *out = owned_copy(document);
    return NOTIFY_OK;
}

void host_set_ready(notify_host_ctx* ctx, bool ready, notify_str reason) {
    notify_fakehost* host = host_of(ctx);
    if (host == nullptr) return;
    if ((reason.data == nullptr && reason.len != 0) || !is_valid_utf8(text_of(reason))) {
        host->warn("set_ready", "reason has a length but no data, or is not UTF-8");
        return;
    }
    auto recorded = host->new_record(NOTIFY_FAKEHOST_SET_READY);
    recorded->call.number = ready ? 1 : 0;
    recorded->call.text = recorded->keep(text_of(reason));
    {
        const std::lock_guard lock(host->mutex);
        host->reported_ready = ready;
        host->not_ready_reason = ready ? std::string() : text_of(reason);
    }
    host->record(std::move(recorded));
}

bool host_log_enabled(notify_host_ctx* ctx, notify_log_level level) {
    const notify_fakehost* host = host_of(ctx);
    return host != nullptr && level >= host->log_min_level.load();
}

notify_status host_keep_headers(notify_host_ctx* ctx, const notify_str* names, size_t count) {
    notify_fakehost* host = host_of(ctx);
    if (host == nullptr) return NOTIFY_ERR_INVALID_ARGUMENT;
    if (names == nullptr && count > 0) {
        host->warn("keep_headers", "names is NULL");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    for (size_t i = 0; i < count; ++i) {
        if (names[i].data == nullptr || names[i].len == 0) {
            host->warn("keep_headers", "a header name is empty");
            return NOTIFY_ERR_INVALID_ARGUMENT;
        }
    }
    // The fake host has no connections to keep headers of: it records what was asked for.
    for (size_t i = 0; i < count; ++i) {
        auto recorded = host->new_record(NOTIFY_FAKEHOST_KEEP_HEADERS);
        recorded->call.text = recorded->keep(text_of(names[i]));
        host->record(std::move(recorded));
    }
    return NOTIFY_OK;
}

}  // namespace notify::fakehost

extern "C" {

void notify_fakehost_set_log_level(notify_fakehost* host, notify_log_level level) {
    if (host != nullptr) host->log_min_level = level;
}

bool notify_fakehost_ready(const notify_fakehost* host) {
    if (host == nullptr || !host->started || host->stopped) return false;
    const std::lock_guard lock(host->mutex);
    return host->reported_ready;
}

bool notify_fakehost_metric_value(const notify_fakehost* host, const char* name,
                                  const char* const* label_values, size_t label_count,
                                  double* out) {
    if (host == nullptr || name == nullptr || out == nullptr) return false;
    const fh::MetricSeries* series =
        host->metrics->find(name, fh::values_of(label_values, label_count));
    if (series == nullptr || series->kind == NOTIFY_METRIC_HISTOGRAM) return false;
    const std::lock_guard lock(series->mutex);
    *out = series->value;
    return true;
}

bool notify_fakehost_metric_histogram(const notify_fakehost* host, const char* name,
                                      const char* const* label_values, size_t label_count,
                                      uint64_t* count, double* sum) {
    if (host == nullptr || name == nullptr || count == nullptr || sum == nullptr) return false;
    const fh::MetricSeries* series =
        host->metrics->find(name, fh::values_of(label_values, label_count));
    if (series == nullptr || series->kind != NOTIFY_METRIC_HISTOGRAM) return false;
    const std::lock_guard lock(series->mutex);
    *count = series->count;
    *sum = series->sum;
    return true;
}

}  // extern "C"
