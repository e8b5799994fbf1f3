#include "method_counters.hpp"

namespace notify::http_api {

void MethodCounters::count(std::string_view method, bool failed) {
    std::size_t index = names.size() - 1;
    for (std::size_t i = 0; i + 1 < names.size(); ++i) {
        if (names[i] == method) {
            index = i;
            break;
        }
    }
    counters_[index].requests.fetch_add(1, std::memory_order_relaxed);
    if (failed) counters_[index].errors.fetch_add(1, std::memory_order_relaxed);
}

std::string MethodCounters::summary() const {
    std::string text;
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::uint64_t requests = counters_[i].requests.load(std::memory_order_relaxed);
        if (requests == 0) continue;
        const std::uint64_t errors = counters_[i].errors.load(std::memory_order_relaxed);
        if (!text.empty()) text += ", ";
        text += std::string{names[i]} + " " + std::to_string(requests);
        if (errors > 0) {
            text += " (" + std::to_string(errors) + (errors == 1 ? " error)" : " errors)");
        }
    }
    return text;
}

}  // namespace notify::http_api
