// The proxy's Prometheus series (ABI 1.6), registered at create(): what the backend answered
// per step, how long it took, and how many requests wait. No instance label (a plugin does not
// learn its instance's name): several proxy instances of one process add into the same series.
// On a host older than 1.6 every update does nothing.
#pragma once

#include <notify/notify.h>
#include <notify/plugin.hpp>

#include <array>

#include "answer.hpp"

namespace notify::proxy {

// How a request to the backend ended, for notify_proxy_requests_total{outcome}.
enum class RequestOutcome { allow, deny, defer, unavailable, rejected };

class Metrics {
  public:
    Metrics() = default;  // registers nothing: every update does nothing

    // THREAD: main (create). A series the host refuses stays silent (the host logs why).
    Metrics(const notify_host_api* host, notify_host_ctx* ctx);

    // THREAD: any (the host's updates are lock-free).
    void ended(Step step, RequestOutcome outcome) const {
        requests_[static_cast<std::size_t>(step)][static_cast<std::size_t>(outcome)].add(1);
    }
    // The backend answered (any way) `seconds` after the request was submitted.
    void answered_after(Step step, double seconds) const {
        seconds_[static_cast<std::size_t>(step)].observe(seconds);
    }
    void pending(double change) const { pending_.add(change); }  // queued or in flight

  private:
    static constexpr std::size_t step_count = 4;
    static constexpr std::size_t outcome_count = 5;
    std::array<std::array<sdk::Metric, outcome_count>, step_count> requests_{};
    std::array<sdk::Metric, step_count> seconds_{};
    sdk::Metric pending_;
};

// The outcome of an answer given to the host.
RequestOutcome outcome_of(const Answer& answer) noexcept;

}  // namespace notify::proxy
