// The webhook's Prometheus series (ABI 1.6), registered at create(). They carry no instance
// label (a plugin does not learn its instance's name): several webhook instances of one
// process add into the same series. On a host older than 1.6 every update does nothing.
#pragma once

#include <notify/notify.h>
#include <notify/plugin.hpp>

#include <cstddef>

namespace notify::webhook {

class Metrics {
  public:
    Metrics() = default;  // registers nothing: every update does nothing

    // Registers the series; one that the host refuses stays silent (the host logs why).
    // THREAD: main (create).
    Metrics(const notify_host_api* host, notify_host_ctx* ctx);

    // THREAD: any (the host's updates are lock-free).
    void delivered(std::size_t events, double seconds) const;  // one batch answered 2xx
    void failed() const { failed_attempts_.add(1); }            // one attempt that was not
    void dropped() const { dropped_events_.add(1); }            // one event, the queue full
    void queued(double change) const { queued_events_.add(change); }  // events waiting, + or -

  private:
    sdk::Metric delivered_events_;
    sdk::Metric delivered_batches_;
    sdk::Metric failed_attempts_;
    sdk::Metric dropped_events_;
    sdk::Metric queued_events_;
    sdk::Metric post_seconds_;
};

}  // namespace notify::webhook
