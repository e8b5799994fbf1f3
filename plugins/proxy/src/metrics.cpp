#include "metrics.hpp"

#include <notify/sdk.h>

namespace notify::proxy {
namespace {

constexpr Step steps[] = {Step::connect, Step::refresh, Step::subscribe, Step::publish};
constexpr const char* outcome_names[] = {"allow", "deny", "defer", "unavailable", "rejected"};

notify_metric* registered(const notify_host_api* host, notify_host_ctx* ctx,
                          notify_metric_kind kind, const char* name, const char* help,
                          const char* const* label_names, const char* const* label_values,
                          std::size_t label_count) {
    notify_metric* metric = nullptr;
    notify_error err{};
    (void)notify_metric_register_simple(host, ctx, kind, name, help, label_names, label_values,
                                        label_count, nullptr, 0, &err, &metric);
    return metric;
}

}  // namespace

Metrics::Metrics(const notify_host_api* host, notify_host_ctx* ctx) : host_(host) {
    const char* const request_labels[] = {"step", "outcome"};
    const char* const step_label[] = {"step"};
    for (std::size_t s = 0; s < step_count; ++s) {
        const char* step = step_name(steps[s]);
        for (std::size_t o = 0; o < outcome_count; ++o) {
            const char* const values[] = {step, outcome_names[o]};
            requests_[s][o] = registered(
                host, ctx, NOTIFY_METRIC_COUNTER, "notify_proxy_requests_total",
                "Auth requests of the proxy plugin by step and how they ended (unavailable: "
                "no usable answer; rejected: queue full or stopping)",
                request_labels, values, 2);
        }
        const char* const values[] = {step};
        seconds_[s] = registered(host, ctx, NOTIFY_METRIC_HISTOGRAM,
                                 "notify_proxy_request_seconds",
                                 "Time from a proxy request's submission (queue included) to the "
                                 "backend's answer or failure",
                                 step_label, values, 1);
    }
    pending_ = registered(host, ctx, NOTIFY_METRIC_GAUGE, "notify_proxy_pending_requests",
                          "Proxy requests queued or in flight to the backend", nullptr, nullptr,
                          0);
}

void Metrics::ended(Step step, RequestOutcome outcome) const {
    notify_metric_add(host_,
                      requests_[static_cast<std::size_t>(step)][static_cast<std::size_t>(outcome)],
                      1);
}

void Metrics::answered_after(Step step, double seconds) const {
    notify_metric_observe(host_, seconds_[static_cast<std::size_t>(step)], seconds);
}

void Metrics::pending(double change) const {
    notify_metric_add(host_, pending_, change);
}

RequestOutcome outcome_of(const Answer& answer) noexcept {
    if (answer.temporary) return RequestOutcome::unavailable;
    switch (answer.decision) {
        case NOTIFY_AUTH_ALLOW: return RequestOutcome::allow;
        case NOTIFY_AUTH_DEFER: return RequestOutcome::defer;
        default: return RequestOutcome::deny;
    }
}

}  // namespace notify::proxy
