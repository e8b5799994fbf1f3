// The webhook's queue and its delivery loop. Events come in from the core thread (enqueue:
// a copy under a lock, never I/O); the plugin's own Asio thread cuts them into batches, POSTs
// one batch at a time in order, and retries a failed batch (same body, same delivery id) with
// exponential backoff until it is delivered. Waiting events are bounded by queue_size: past it
// the oldest waiting events are dropped (never the batch in flight) and counted.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "log.hpp"
#include "metrics.hpp"
#include "settings.hpp"

namespace notify::webhook {

struct Counters {
    std::uint64_t delivered_batches = 0;
    std::uint64_t delivered_events = 0;
    std::uint64_t retries = 0;      // attempts after the first, all batches together
    std::uint64_t dropped = 0;      // oldest events dropped because the queue was full
    std::uint64_t undelivered = 0;  // left queued or in flight when stop() gave up
};

class Delivery {
  public:
    // Throws boost::system::system_error when tls_ca_file cannot be loaded.
    // `metrics` must outlive the Delivery.
    Delivery(const Settings& settings, const Log& log, const Metrics& metrics);
    ~Delivery();  // stop()
    Delivery(const Delivery&) = delete;
    Delivery& operator=(const Delivery&) = delete;

    // Starts the delivery thread. `node` names this server in every batch ("" = left out).
    // THREAD: main.
    void start(std::string node);

    // Queues one event (JSON text). Returns false once stop() began (the event is not kept).
    // THREAD: any (the core thread). Never blocks on I/O.
    bool enqueue(std::string event);

    // Sends what is queued without waiting for batch_delay, for at most stop_flush_timeout,
    // then stops the thread. Returns the final counters. Idempotent. THREAD: main.
    Counters stop();

  private:
    class Loop;
    std::unique_ptr<Loop> loop_;
};

}  // namespace notify::webhook
