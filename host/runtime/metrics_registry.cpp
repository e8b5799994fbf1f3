#include "runtime/metrics_registry.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace notify::runtime {
namespace {

constexpr std::array<double, 14> kLatencyBuckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                 0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                                 1,      10};
constexpr std::size_t kMaxLabelValueBytes = 256;

bool is_name_char(char c, bool first) {
    if (c == '_' || (c >= 'a' && c <= 'z')) return true;
    return !first && c >= '0' && c <= '9';
}

bool is_snake_name(std::string_view name) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (!is_name_char(name[i], i == 0)) return false;
    }
    return true;
}

void refuse(const std::string& name, const std::string& why) {
    throw std::invalid_argument("metric '" + name + "': " + why);
}

void check_description(const MetricDescription& description) {
    const std::string& name = description.name;
    if (!is_snake_name(name) || !name.starts_with("notify_")) {
        refuse(name, "a name is [a-z_][a-z0-9_]* and starts with notify_");
    }
    const bool total = name.ends_with("_total");
    if (description.kind == NOTIFY_METRIC_COUNTER && !total) {
        refuse(name, "a counter's name ends with _total");
    }
    if (description.kind != NOTIFY_METRIC_COUNTER && total) {
        refuse(name, "only a counter's name ends with _total");
    }
    if (description.kind < NOTIFY_METRIC_COUNTER || description.kind > NOTIFY_METRIC_HISTOGRAM) {
        refuse(name, "unknown kind " + std::to_string(description.kind));
    }
    if (description.help.empty() || description.help.find('\n') != std::string::npos) {
        refuse(name, "help is one non-empty line");
    }
    if (description.label_names.size() > MetricsRegistry::max_labels) {
        refuse(name, "at most " + std::to_string(MetricsRegistry::max_labels) + " labels");
    }
    for (std::size_t i = 0; i < description.label_names.size(); ++i) {
        const std::string& label = description.label_names[i];
        if (!is_snake_name(label) || label.starts_with("__")) {
            refuse(name, "label '" + label + "': a label is [a-z_][a-z0-9_]*, not starting __");
        }
        if (description.kind == NOTIFY_METRIC_HISTOGRAM && label == "le") {
            refuse(name, "a histogram cannot have a label named le");
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (description.label_names[j] == label) refuse(name, "label '" + label + "' twice");
        }
    }
    for (std::size_t i = 0; i < description.buckets.size(); ++i) {
        if (!std::isfinite(description.buckets[i]) ||
            (i > 0 && description.buckets[i] <= description.buckets[i - 1])) {
            refuse(name, "buckets are finite and strictly ascending");
        }
    }
    if (description.kind != NOTIFY_METRIC_HISTOGRAM && !description.buckets.empty()) {
        refuse(name, "only a histogram has buckets");
    }
}

bool same_shape(const MetricDescription& a, const MetricDescription& b) {
    return a.kind == b.kind && a.help == b.help && a.label_names == b.label_names &&
           a.buckets == b.buckets;
}

void atomic_add(std::atomic<double>& target, double amount) {
    target.fetch_add(amount, std::memory_order_relaxed);
}

// Shortest text that reads back as the same double; Prometheus's spelling of the specials.
void append_number(std::string& out, double value) {
    if (std::isnan(value)) {
        out += "NaN";
        return;
    }
    if (std::isinf(value)) {
        out += value > 0 ? "+Inf" : "-Inf";
        return;
    }
    std::array<char, 32> buffer{};
    const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    out.append(buffer.data(), result.ptr);
}

void append_escaped(std::string& out, std::string_view text, bool quote_too) {
    for (const char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (quote_too && c == '"') {
            out += "\\\"";
        } else {
            out += c;
        }
    }
}

// {a="x",b="y"} with an optional extra (le) label; nothing when there are no labels at all.
void append_labels(std::string& out, const std::vector<std::string>& names,
                   const std::vector<std::string>& values, std::string_view le = {}) {
    if (names.empty() && le.empty()) return;
    out += '{';
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += ',';
        out += names[i];
        out += "=\"";
        append_escaped(out, values[i], true);
        out += '"';
    }
    if (!le.empty()) {
        if (!names.empty()) out += ',';
        out += "le=\"";
        out += le;
        out += '"';
    }
    out += '}';
}

const char* kind_word(notify_metric_kind kind) {
    switch (kind) {
        case NOTIFY_METRIC_COUNTER: return "counter";
        case NOTIFY_METRIC_GAUGE: return "gauge";
        case NOTIFY_METRIC_HISTOGRAM: return "histogram";
    }
    return "untyped";
}

}  // namespace

std::span<const double> default_latency_buckets() { return kLatencyBuckets; }

}  // namespace notify::runtime

void notify_metric::add(double amount) {
    if (!std::isfinite(amount)) return;
    if (kind == NOTIFY_METRIC_COUNTER && amount >= 0) {
        notify::runtime::atomic_add(value, amount);
    } else if (kind == NOTIFY_METRIC_GAUGE) {
        notify::runtime::atomic_add(value, amount);
    }
}

void notify_metric::set(double amount) {
    if (kind == NOTIFY_METRIC_GAUGE && std::isfinite(amount)) {
        value.store(amount, std::memory_order_relaxed);
    }
}

void notify_metric::observe(double amount) {
    if (kind != NOTIFY_METRIC_HISTOGRAM || !std::isfinite(amount)) return;
    const auto bucket = std::lower_bound(bounds.begin(), bounds.end(), amount) - bounds.begin();
    bucket_counts[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
    notify::runtime::atomic_add(sum, amount);
    count.fetch_add(1, std::memory_order_relaxed);
}

namespace notify::runtime {

notify_metric& MetricsRegistry::series(const MetricDescription& description,
                                       std::span<const std::string> label_values) {
    check_description(description);
    if (label_values.size() != description.label_names.size()) {
        refuse(description.name, std::to_string(label_values.size()) + " label values for " +
                                     std::to_string(description.label_names.size()) + " labels");
    }
    for (const std::string& value : label_values) {
        if (value.size() > kMaxLabelValueBytes) {
            refuse(description.name, "a label value is at most " +
                                         std::to_string(kMaxLabelValueBytes) + " bytes");
        }
    }
    const std::lock_guard lock(mutex_);
    auto family = std::find_if(families_.begin(), families_.end(), [&](const Family& f) {
        return f.description.name == description.name;
    });
    if (family == families_.end()) {
        Family made;
        made.description = description;
        if (made.description.kind == NOTIFY_METRIC_HISTOGRAM && made.description.buckets.empty()) {
            const auto defaults = default_latency_buckets();
            made.description.buckets.assign(defaults.begin(), defaults.end());
        }
        families_.push_back(std::move(made));
        family = std::prev(families_.end());
    } else {
        MetricDescription wanted = description;
        if (wanted.kind == NOTIFY_METRIC_HISTOGRAM && wanted.buckets.empty()) {
            const auto defaults = default_latency_buckets();
            wanted.buckets.assign(defaults.begin(), defaults.end());
        }
        if (!same_shape(family->description, wanted)) {
            refuse(description.name,
                   "registered before with another kind, help, labels or buckets");
        }
    }
    for (notify_metric& existing : family->series) {
        if (std::equal(existing.label_values.begin(), existing.label_values.end(),
                       label_values.begin(), label_values.end())) {
            return existing;
        }
    }
    if (family->series.size() >= max_series_per_family) {
        throw std::length_error("metric '" + description.name + "': more than " +
                                std::to_string(max_series_per_family) +
                                " series (labels must have few values)");
    }
    notify_metric& made = family->series.emplace_back();
    made.kind = family->description.kind;
    made.label_values.assign(label_values.begin(), label_values.end());
    if (made.kind == NOTIFY_METRIC_HISTOGRAM) {
        made.bounds = family->description.buckets;
        made.bucket_counts =
            std::make_unique<std::atomic<std::uint64_t>[]>(made.bounds.size() + 1);
    }
    return made;
}

std::string MetricsRegistry::prometheus_text() const {
    const std::lock_guard lock(mutex_);
    std::vector<const Family*> sorted;
    for (const Family& family : families_) {
        if (!family.series.empty()) sorted.push_back(&family);
    }
    std::sort(sorted.begin(), sorted.end(), [](const Family* a, const Family* b) {
        return a->description.name < b->description.name;
    });
    std::string out;
    for (const Family* family : sorted) {
        const MetricDescription& d = family->description;
        out += "# HELP " + d.name + ' ';
        append_escaped(out, d.help, false);
        out += "\n# TYPE " + d.name + ' ' + kind_word(d.kind) + '\n';
        for (const notify_metric& series : family->series) {
            if (d.kind != NOTIFY_METRIC_HISTOGRAM) {
                out += d.name;
                append_labels(out, d.label_names, series.label_values);
                out += ' ';
                append_number(out, series.value.load(std::memory_order_relaxed));
                out += '\n';
                continue;
            }
            std::uint64_t cumulative = 0;
            for (std::size_t i = 0; i <= series.bounds.size(); ++i) {
                cumulative += series.bucket_counts[i].load(std::memory_order_relaxed);
                std::string le;
                if (i < series.bounds.size()) {
                    append_number(le, series.bounds[i]);
                } else {
                    le = "+Inf";
                }
                out += d.name + "_bucket";
                append_labels(out, d.label_names, series.label_values, le);
                out += ' ' + std::to_string(cumulative) + '\n';
            }
            out += d.name + "_sum";
            append_labels(out, d.label_names, series.label_values);
            out += ' ';
            append_number(out, series.sum.load(std::memory_order_relaxed));
            out += '\n' + d.name + "_count";
            append_labels(out, d.label_names, series.label_values);
            out += ' ' + std::to_string(series.count.load(std::memory_order_relaxed)) + '\n';
        }
    }
    return out;
}

std::string MetricsRegistry::json(std::int64_t time_ms) const {
    using Json = nlohmann::ordered_json;
    const std::lock_guard lock(mutex_);
    Json metrics = Json::array();
    for (const Family& family : families_) {
        const MetricDescription& d = family.description;
        Json list = Json::array();
        for (const notify_metric& series : family.series) {
            Json entry = Json::object();
            Json labels = Json::object();
            for (std::size_t i = 0; i < d.label_names.size(); ++i) {
                labels[d.label_names[i]] = series.label_values[i];
            }
            entry["labels"] = std::move(labels);
            if (d.kind != NOTIFY_METRIC_HISTOGRAM) {
                entry["value"] = series.value.load(std::memory_order_relaxed);
            } else {
                entry["count"] = series.count.load(std::memory_order_relaxed);
                entry["sum"] = series.sum.load(std::memory_order_relaxed);
                Json buckets = Json::array();
                std::uint64_t cumulative = 0;
                for (std::size_t i = 0; i < series.bounds.size(); ++i) {
                    cumulative += series.bucket_counts[i].load(std::memory_order_relaxed);
                    buckets.push_back(Json::array({series.bounds[i], cumulative}));
                }
                entry["buckets"] = std::move(buckets);
            }
            list.push_back(std::move(entry));
        }
        Json item = Json::object();
        item["name"] = d.name;
        item["kind"] = kind_word(d.kind);
        item["help"] = d.help;
        item["series"] = std::move(list);
        metrics.push_back(std::move(item));
    }
    Json document = Json::object();
    document["time_ms"] = time_ms;
    document["metrics"] = std::move(metrics);
    return document.dump(-1, ' ', false, Json::error_handler_t::replace);
}

MetricsRegistry& metrics() {
    static MetricsRegistry* const registry = new MetricsRegistry();  // never destroyed: see header
    return *registry;
}

}  // namespace notify::runtime
