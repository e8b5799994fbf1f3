// The fake host's metrics (ABI 1.6 metric_register/add/set/observe): every series a plugin
// registers is checked by the rules notify.h states for notify_metric_desc, kept with its values
// so that a test can read them, and rendered for stats_view as Prometheus text or JSON.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string>
#include <utility>

#include "internal.hpp"

namespace notify::fakehost {
namespace {

// notify.h: "NULL = the default latency buckets (0.0001 s ... 10 s)".
constexpr std::array<double, 16> default_buckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0,  10.0};

bool is_name_start(char c) {
    return (c >= 'a' && c <= 'z') || c == '_';
}

// [a-z_][a-z0-9_]*
bool is_metric_word(std::string_view text) {
    if (text.empty() || !is_name_start(text.front())) return false;
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return is_name_start(c) || (c >= '0' && c <= '9'); });
}

const char* kind_name(notify_metric_kind kind) {
    switch (kind) {
        case NOTIFY_METRIC_COUNTER:
            return "counter";
        case NOTIFY_METRIC_GAUGE:
            return "gauge";
        case NOTIFY_METRIC_HISTOGRAM:
            return "histogram";
    }
    return "?";
}

std::string view_text(notify_str text) {
    return text_of(text);
}

bool readable(notify_str text) {
    return text.data != nullptr || text.len == 0;
}

// The family as the descriptor describes it, or a reason it breaks a rule.
std::string describe(const notify_metric_desc& desc, MetricFamily& family,
                     std::vector<std::string>& label_values) {
    if (desc.kind < NOTIFY_METRIC_COUNTER || desc.kind > NOTIFY_METRIC_HISTOGRAM) {
        return "unknown kind " + std::to_string(desc.kind);
    }
    family.kind = static_cast<notify_metric_kind>(desc.kind);
    if (!readable(desc.name) || !readable(desc.help)) return "name or help has a length but no data";
    family.name = view_text(desc.name);
    family.help = view_text(desc.help);
    if (!is_metric_word(family.name) || !family.name.starts_with("notify_")) {
        return "name '" + family.name + "' must match [a-z_][a-z0-9_]* and start with notify_";
    }
    if (family.kind == NOTIFY_METRIC_COUNTER && !family.name.ends_with("_total")) {
        return "counter '" + family.name + "' must end in _total";
    }
    if (family.help.find('\n') != std::string::npos || !is_valid_utf8(family.help)) {
        return "help of '" + family.name + "' must be one line of UTF-8";
    }
    if (desc.label_count > MetricRegistry::max_labels) {
        return "'" + family.name + "' has " + std::to_string(desc.label_count) +
               " labels; at most " + std::to_string(MetricRegistry::max_labels);
    }
    if (desc.label_count > 0 && (desc.label_names == nullptr || desc.label_values == nullptr)) {
        return "'" + family.name + "' has label_count " + std::to_string(desc.label_count) +
               " but NULL label names or values";
    }
    for (std::size_t i = 0; i < desc.label_count; ++i) {
        if (!readable(desc.label_names[i]) || !readable(desc.label_values[i])) {
            return "a label of '" + family.name + "' has a length but no data";
        }
        std::string name = view_text(desc.label_names[i]);
        std::string value = view_text(desc.label_values[i]);
        if (!is_metric_word(name) || name.starts_with("__") ||
            (family.kind == NOTIFY_METRIC_HISTOGRAM && name == "le")) {
            return "label name '" + name + "' of '" + family.name +
                   "' must match [a-z_][a-z0-9_]*, not start with __ (nor be le in a histogram)";
        }
        if (std::find(family.label_names.begin(), family.label_names.end(), name) !=
            family.label_names.end()) {
            return "label '" + name + "' of '" + family.name + "' is given twice";
        }
        if (!is_valid_utf8(value)) {
            return "value of label '" + name + "' of '" + family.name + "' is not UTF-8";
        }
        family.label_names.push_back(std::move(name));
        label_values.push_back(std::move(value));
    }
    if (family.kind != NOTIFY_METRIC_HISTOGRAM) {
        if (desc.buckets != nullptr || desc.bucket_count != 0) {
            return "'" + family.name + "' is a " + kind_name(family.kind) + ": buckets are for histograms";
        }
        return {};
    }
    if (desc.buckets == nullptr) {
        if (desc.bucket_count != 0) return "'" + family.name + "' has bucket_count but NULL buckets";
        family.bounds.assign(default_buckets.begin(), default_buckets.end());
        return {};
    }
    if (desc.bucket_count == 0) return "'" + family.name + "' has buckets but bucket_count 0";
    for (std::size_t i = 0; i < desc.bucket_count; ++i) {
        const double bound = desc.buckets[i];
        if (!std::isfinite(bound) || (i > 0 && bound <= desc.buckets[i - 1])) {
            return "buckets of '" + family.name + "' must be finite and strictly ascending";
        }
        family.bounds.push_back(bound);
    }
    return {};
}

std::string differences(const MetricFamily& known, const MetricFamily& asked) {
    if (known.kind != asked.kind || known.help != asked.help ||
        known.label_names != asked.label_names || known.bounds != asked.bounds) {
        return "'" + asked.name +
               "' was registered with another kind, help, label names or buckets";
    }
    return {};
}

MetricSeries* series_of(notify_metric* metric) {
    return reinterpret_cast<MetricSeries*>(metric);
}

// ---- rendering -------------------------------------------------------------------------------

std::string number(double value) {
    std::array<char, 64> text{};
    // Shortest round trip, in fixed notation for the usual magnitudes (0.0001, not 1e-04).
    const auto result =
        std::to_chars(text.data(), text.data() + text.size(), value, std::chars_format::general);
    return std::string(text.data(), result.ptr);
}

std::string prometheus_escape(std::string_view text, bool quote) {
    std::string escaped;
    for (const char c : text) {
        if (c == '\\') {
            escaped += "\\\\";
        } else if (c == '\n') {
            escaped += "\\n";
        } else if (c == '"' && quote) {
            escaped += "\\\"";
        } else {
            escaped += c;
        }
    }
    return escaped;
}

// {a="x",b="y"} plus `extra` (le="..."), or "" without any label.
std::string prometheus_labels(const MetricFamily& family, const MetricSeries& series,
                              const std::string& extra = {}) {
    std::string labels;
    for (std::size_t i = 0; i < family.label_names.size(); ++i) {
        if (!labels.empty()) labels += ',';
        labels += family.label_names[i] + "=\"" + prometheus_escape(series.label_values[i], true) + '"';
    }
    if (!extra.empty()) labels += (labels.empty() ? "" : ",") + extra;
    return labels.empty() ? labels : '{' + labels + '}';
}

struct Snapshot {
    double value = 0;
    std::uint64_t count = 0;
    double sum = 0;
    std::vector<std::uint64_t> cumulative;  // per bound, then +Inf
};

Snapshot snapshot(const MetricSeries& series) {
    const std::lock_guard lock(series.mutex);
    Snapshot copy{series.value, series.count, series.sum, {}};
    std::uint64_t running = 0;
    for (const std::uint64_t in_bucket : series.buckets) {
        running += in_bucket;
        copy.cumulative.push_back(running);
    }
    return copy;
}

void render_prometheus(const MetricFamily& family, std::string& out) {
    out += "# HELP " + family.name + ' ' + prometheus_escape(family.help, false) + '\n';
    out += "# TYPE " + family.name + ' ' + kind_name(family.kind) + '\n';
    for (const MetricSeries& series : family.series) {
        const Snapshot values = snapshot(series);
        if (family.kind != NOTIFY_METRIC_HISTOGRAM) {
            out += family.name + prometheus_labels(family, series) + ' ' + number(values.value) + '\n';
            continue;
        }
        for (std::size_t i = 0; i < values.cumulative.size(); ++i) {
            const std::string le = i < family.bounds.size() ? number(family.bounds[i]) : "+Inf";
            out += family.name + "_bucket" + prometheus_labels(family, series, "le=\"" + le + '"') +
                   ' ' + std::to_string(values.cumulative[i]) + '\n';
        }
        out += family.name + "_sum" + prometheus_labels(family, series) + ' ' +
               number(values.sum) + '\n';
        out += family.name + "_count" + prometheus_labels(family, series) + ' ' +
               std::to_string(values.count) + '\n';
    }
}

void render_json(const MetricFamily& family, std::string& out) {
    out += "{\"name\":" + json_quote(family.name) + ",\"kind\":\"" + kind_name(family.kind) +
           "\",\"help\":" + json_quote(family.help) + ",\"series\":[";
    bool first_series = true;
    for (const MetricSeries& series : family.series) {
        if (!first_series) out += ',';
        first_series = false;
        out += "{\"labels\":{";
        for (std::size_t i = 0; i < family.label_names.size(); ++i) {
            if (i > 0) out += ',';
            out += json_quote(family.label_names[i]) + ':' + json_quote(series.label_values[i]);
        }
        out += '}';
        const Snapshot values = snapshot(series);
        if (family.kind != NOTIFY_METRIC_HISTOGRAM) {
            out += ",\"value\":" + number(values.value) + '}';
            continue;
        }
        // Finite bounds only (JSON has no +Inf): the +Inf bucket is `count`.
        out += ",\"count\":" + std::to_string(values.count) + ",\"sum\":" + number(values.sum) +
               ",\"buckets\":[";
        for (std::size_t i = 0; i < family.bounds.size(); ++i) {
            if (i > 0) out += ',';
            out += '[' + number(family.bounds[i]) + ',' + std::to_string(values.cumulative[i]) + ']';
        }
        out += "]}";
    }
    out += "]}";
}

}  // namespace

notify_status MetricRegistry::register_series(const notify_metric_desc* desc, notify_metric** out,
                                              std::string& why) {
    if (out == nullptr) {
        why = "out is NULL";
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    *out = nullptr;
    if (!NOTIFY_HAS_FIELD(desc, notify_metric_desc, bucket_count)) {
        why = "desc is NULL or smaller than notify_metric_desc 1.6";
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    MetricFamily asked;
    std::vector<std::string> label_values;
    why = describe(*desc, asked, label_values);
    if (!why.empty()) return NOTIFY_ERR_INVALID_ARGUMENT;

    const std::lock_guard lock(mutex_);
    auto family = std::find_if(families_.begin(), families_.end(),
                               [&](const MetricFamily& known) { return known.name == asked.name; });
    if (family == families_.end()) {
        families_.push_back(std::move(asked));
        family = std::prev(families_.end());
    } else if (why = differences(*family, asked); !why.empty()) {
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    for (MetricSeries& series : family->series) {
        if (series.label_values == label_values) {
            *out = reinterpret_cast<notify_metric*>(&series);
            return NOTIFY_OK;
        }
    }
    if (family->series.size() >= max_series_per_family) {
        why = "'" + family->name + "' has " + std::to_string(max_series_per_family) +
              " series already";
        return NOTIFY_ERR_LIMIT;
    }
    MetricSeries& series = family->series.emplace_back();
    series.kind = family->kind;
    series.label_values = std::move(label_values);
    series.bounds = &family->bounds;
    if (family->kind == NOTIFY_METRIC_HISTOGRAM) series.buckets.assign(family->bounds.size() + 1, 0);
    *out = reinterpret_cast<notify_metric*>(&series);
    return NOTIFY_OK;
}

const MetricSeries* MetricRegistry::find(std::string_view name,
                                         const std::vector<std::string>& label_values) const {
    const std::lock_guard lock(mutex_);
    for (const MetricFamily& family : families_) {
        if (family.name != name) continue;
        for (const MetricSeries& series : family.series) {
            if (series.label_values == label_values) return &series;
        }
    }
    return nullptr;
}

std::string MetricRegistry::prometheus_text() const {
    const std::lock_guard lock(mutex_);
    std::vector<const MetricFamily*> sorted;
    for (const MetricFamily& family : families_) sorted.push_back(&family);
    std::sort(sorted.begin(), sorted.end(),
              [](const MetricFamily* a, const MetricFamily* b) { return a->name < b->name; });
    std::string out;
    for (const MetricFamily* family : sorted) render_prometheus(*family, out);
    return out;
}

std::string MetricRegistry::json(std::int64_t time_ms) const {
    const std::lock_guard lock(mutex_);
    std::string out = "{\"time_ms\":" + std::to_string(time_ms) + ",\"metrics\":[";
    bool first = true;
    for (const MetricFamily& family : families_) {
        if (!first) out += ',';
        first = false;
        render_json(family, out);
    }
    out += "]}";
    return out;
}

// ---- updates (any thread; a call that does not fit the kind is ignored, as notifyd does) -----

void metric_add(notify_metric* metric, double value) {
    MetricSeries* series = series_of(metric);
    if (series == nullptr || !std::isfinite(value)) return;
    if (series->kind == NOTIFY_METRIC_HISTOGRAM) return;
    if (series->kind == NOTIFY_METRIC_COUNTER && value < 0) return;
    const std::lock_guard lock(series->mutex);
    series->value += value;
}

void metric_set(notify_metric* metric, double value) {
    MetricSeries* series = series_of(metric);
    if (series == nullptr || !std::isfinite(value) || series->kind != NOTIFY_METRIC_GAUGE) return;
    const std::lock_guard lock(series->mutex);
    series->value = value;
}

void metric_observe(notify_metric* metric, double value) {
    MetricSeries* series = series_of(metric);
    if (series == nullptr || !std::isfinite(value) || series->kind != NOTIFY_METRIC_HISTOGRAM) {
        return;
    }
    const std::vector<double>& bounds = *series->bounds;
    // The first bucket whose upper bound holds the value ("le"), else +Inf.
    const auto bucket = static_cast<std::size_t>(
        std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin());
    const std::lock_guard lock(series->mutex);
    ++series->buckets[bucket];
    ++series->count;
    series->sum += value;
}

void retire_metrics(std::shared_ptr<MetricRegistry> registry) {
    static std::mutex mutex;
    static std::vector<std::shared_ptr<MetricRegistry>> retired;
    const std::lock_guard lock(mutex);
    retired.push_back(std::move(registry));
}

std::string json_quote(std::string_view text) {
    std::string quoted = "\"";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            quoted += '\\';
            quoted += c;
        } else if (byte < 0x20) {
            constexpr char digits[] = "0123456789abcdef";
            quoted += "\\u00";
            quoted += digits[byte >> 4];
            quoted += digits[byte & 0x0f];
        } else {
            quoted += c;
        }
    }
    return quoted + '"';
}

}  // namespace notify::fakehost
