#include "metrics.hpp"

namespace notify::proxy {
namespace {

constexpr Step steps[] = {Step::connect, Step::refresh, Step::subscribe, Step::publish};
constexpr const char* outcome_names[] = {"allow", "deny", "defer", "unavailable", "rejected"};

}  // namespace

Metrics::Metrics(const notify_host_api* host, notify_host_ctx* ctx) {
    const sdk::Host sdk_host{host, ctx, nullptr};
    for (std::size_t s = 0; s < step_count; ++s) {
        const char* step = step_name(steps[s]);
        for (std::size_t o = 0; o < outcome_count; ++o) {
            const sdk::MetricLabel labels[] = {{"step", step}, {"outcome", outcome_names[o]}};
            (void)sdk_host.metric(
                requests_[s][o], NOTIFY_METRIC_COUNTER, "notify_proxy_requests_total",
                "Auth requests of the proxy plugin by step and how they ended (unavailable: "
                "no usable answer; rejected: queue full or stopping)",
                labels);
        }
        const sdk::MetricLabel step_label[] = {{"step", step}};
        (void)sdk_host.metric(seconds_[s], NOTIFY_METRIC_HISTOGRAM, "notify_proxy_request_seconds",
                              "Time from a proxy request's submission (queue included) to the "
                              "backend's answer or failure",
                              step_label);
    }
    (void)sdk_host.metric(pending_, NOTIFY_METRIC_GAUGE, "notify_proxy_pending_requests",
                          "Proxy requests queued or in flight to the backend");
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
