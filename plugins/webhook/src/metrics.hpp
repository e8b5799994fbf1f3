// The webhook's Prometheus series (ABI 1.6), registered at create(). They carry no instance
// label (a plugin does not learn its instance's name): several webhook instances of one
// process add into the same series. On a host older than 1.6 every update does nothing.
#pragma once

#include <notify/notify.h>

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
    void failed() const;                                       // one attempt that was not
    void dropped() const;                                      // one event, the queue full
    void queued(double change) const;                          // events waiting, + or -

  private:
    const notify_host_api* host_ = nullptr;
    notify_metric* delivered_events_ = nullptr;
    notify_metric* delivered_batches_ = nullptr;
    notify_metric* failed_attempts_ = nullptr;
    notify_metric* dropped_events_ = nullptr;
    notify_metric* queued_events_ = nullptr;
    notify_metric* post_seconds_ = nullptr;
};

}  // namespace notify::webhook
