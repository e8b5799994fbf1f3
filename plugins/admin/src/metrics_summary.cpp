#include "metrics_summary.hpp"

namespace notify::admin {

MetricsSummary::MetricsSummary(std::string_view stats_json)
    : document_(nlohmann::json::parse(stats_json, nullptr, false)) {
    valid_ =
        document_.is_object() && document_.contains("metrics") && document_["metrics"].is_array();
    if (!valid_) {
        document_ = nlohmann::json::object();
        return;
    }
    if (const auto time = document_.find("time_ms"); time != document_.end() && time->is_number()) {
        time_ms_ = time->get<std::int64_t>();
    }
}

const nlohmann::json* MetricsSummary::family(std::string_view name) const {
    if (!valid_) return nullptr;
    for (const nlohmann::json& entry : document_["metrics"]) {
        if (!entry.is_object()) continue;
        const auto found = entry.find("name");
        if (found == entry.end() || !found->is_string() ||
            found->get_ref<const std::string&>() != name) {
            continue;
        }
        const auto series = entry.find("series");
        return series != entry.end() && series->is_array() ? &*series : nullptr;
    }
    return nullptr;
}

std::optional<double> MetricsSummary::total(std::string_view name) const {
    const nlohmann::json* series = family(name);
    if (series == nullptr) return std::nullopt;
    double sum = 0;
    for (const nlohmann::json& one : *series) {
        if (!one.is_object()) continue;
        const auto value = one.find("value");
        if (value != one.end() && value->is_number()) sum += value->get<double>();
    }
    return sum;
}

std::map<std::string, double> MetricsSummary::by_label(std::string_view name,
                                                       std::string_view label) const {
    std::map<std::string, double> sums;
    const nlohmann::json* series = family(name);
    if (series == nullptr) return sums;
    const std::string label_name{label};
    for (const nlohmann::json& one : *series) {
        if (!one.is_object()) continue;
        const auto value = one.find("value");
        if (value == one.end() || !value->is_number()) continue;
        std::string key;
        if (const auto labels = one.find("labels"); labels != one.end() && labels->is_object()) {
            const auto found = labels->find(label_name);
            if (found != labels->end() && found->is_string()) key = found->get<std::string>();
        }
        sums[key] += value->get<double>();
    }
    return sums;
}

}  // namespace notify::admin
