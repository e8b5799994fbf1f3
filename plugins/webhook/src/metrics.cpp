#include "metrics.hpp"

#include <notify/sdk.h>

namespace notify::webhook {
namespace {

notify_metric* registered(const notify_host_api* host, notify_host_ctx* ctx,
                          notify_metric_kind kind, const char* name, const char* help) {
    notify_metric* metric = nullptr;
    notify_error err{};
    (void)notify_metric_register_simple(host, ctx, kind, name, help, nullptr, nullptr, 0, nullptr,
                                        0, &err, &metric);
    return metric;
}

}  // namespace

Metrics::Metrics(const notify_host_api* host, notify_host_ctx* ctx)
    : host_(host),
      delivered_events_(registered(host, ctx, NOTIFY_METRIC_COUNTER,
                                   "notify_webhook_events_delivered_total",
                                   "Events the webhook backend acknowledged (2xx)")),
      delivered_batches_(registered(host, ctx, NOTIFY_METRIC_COUNTER,
                                    "notify_webhook_batches_delivered_total",
                                    "Batches the webhook backend acknowledged (2xx)")),
      failed_attempts_(registered(host, ctx, NOTIFY_METRIC_COUNTER,
                                  "notify_webhook_failed_attempts_total",
                                  "Webhook POSTs that got no 2xx answer (each is retried)")),
      dropped_events_(registered(host, ctx, NOTIFY_METRIC_COUNTER,
                                 "notify_webhook_events_dropped_total",
                                 "Waiting webhook events dropped because queue_size was reached")),
      queued_events_(registered(host, ctx, NOTIFY_METRIC_GAUGE, "notify_webhook_queued_events",
                                "Webhook events waiting to be sent (the batch in flight not "
                                "counted)")),
      post_seconds_(registered(host, ctx, NOTIFY_METRIC_HISTOGRAM,
                               "notify_webhook_post_seconds",
                               "Time of a webhook POST that the backend acknowledged")) {}

void Metrics::delivered(std::size_t events, double seconds) const {
    notify_metric_add(host_, delivered_events_, static_cast<double>(events));
    notify_metric_add(host_, delivered_batches_, 1);
    notify_metric_observe(host_, post_seconds_, seconds);
}

void Metrics::failed() const {
    notify_metric_add(host_, failed_attempts_, 1);
}

void Metrics::dropped() const {
    notify_metric_add(host_, dropped_events_, 1);
}

void Metrics::queued(double change) const {
    notify_metric_add(host_, queued_events_, change);
}

}  // namespace notify::webhook
