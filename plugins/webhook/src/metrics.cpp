#include "metrics.hpp"

namespace notify::webhook {

Metrics::Metrics(const notify_host_api* host, notify_host_ctx* ctx) {
    const sdk::Host sdk_host{host, ctx, nullptr};
    (void)sdk_host.metric(delivered_events_, NOTIFY_METRIC_COUNTER,
                          "notify_webhook_events_delivered_total",
                          "Events the webhook backend acknowledged (2xx)");
    (void)sdk_host.metric(delivered_batches_, NOTIFY_METRIC_COUNTER,
                          "notify_webhook_batches_delivered_total",
                          "Batches the webhook backend acknowledged (2xx)");
    (void)sdk_host.metric(failed_attempts_, NOTIFY_METRIC_COUNTER,
                          "notify_webhook_failed_attempts_total",
                          "Webhook POSTs that got no 2xx answer (each is retried)");
    (void)sdk_host.metric(dropped_events_, NOTIFY_METRIC_COUNTER,
                          "notify_webhook_events_dropped_total",
                          "Waiting webhook events dropped because queue_size was reached");
    (void)sdk_host.metric(queued_events_, NOTIFY_METRIC_GAUGE, "notify_webhook_queued_events",
                          "Webhook events waiting to be sent (the batch in flight not counted)");
    (void)sdk_host.metric(post_seconds_, NOTIFY_METRIC_HISTOGRAM, "notify_webhook_post_seconds",
                          "Time of a webhook POST that the backend acknowledged");
}

void Metrics::delivered(std::size_t events, double seconds) const {
    delivered_events_.add(static_cast<double>(events));
    delivered_batches_.add(1);
    post_seconds_.observe(seconds);
}

}  // namespace notify::webhook
