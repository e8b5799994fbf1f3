#include "delivery.hpp"

#include <notify/sdk.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <future>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "event_json.hpp"
#include "poster.hpp"
#include "signature.hpp"

namespace notify::webhook {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

struct Queued {
    std::string event;
    Clock::time_point at;
};

// One batch from its cut until it is delivered or given up; its body and id never change.
struct Batch {
    std::string id;
    std::string body;
    Poster::Headers headers;
    std::size_t events = 0;
    unsigned attempts = 0;
    Clock::time_point sent_at;  // of the current attempt
};

std::string new_delivery_id() {
    char hex[33];
    notify_error err{};
    if (notify_random_hex(hex, 32, &err) != NOTIFY_OK) {
        throw std::runtime_error{std::string{"webhook: delivery id: "} + err.message};
    }
    return std::string{hex, 32};
}

}  // namespace

class Delivery::Loop {
  public:
    Loop(const Settings& settings, const Log& log, const Metrics& metrics)
        : settings_(settings),
          metrics_(metrics),
          overflow_warning_(log, milliseconds{settings.log_interval_ms}),
          failure_warning_(log, milliseconds{settings.log_interval_ms}),
          work_(asio::make_work_guard(io_)),
          poster_(io_, settings),
          batch_timer_(io_),
          retry_timer_(io_),
          random_(std::random_device{}()) {}

    ~Loop() {
        try {
            stop();
        } catch (...) {
            // Only a failing mutex or join throws here; nothing is left to do about it.
        }
    }

    void start(std::string node) {
        node_ = std::move(node);
        std::promise<void> thread_done;
        thread_done_ = thread_done.get_future();
        thread_ = std::thread{[this, done = std::move(thread_done)]() mutable {
            io_.run();
            done.set_value();
        }};
    }

    bool enqueue(std::string event) {
        std::uint64_t dropped_total = 0;
        {
            const std::lock_guard lock{mutex_};
            if (stopping_) return false;
            const bool was_empty = queue_.empty();
            queue_.push_back(Queued{std::move(event), Clock::now()});
            if (queue_.size() > settings_.queue_size) {
                queue_.pop_front();
                dropped_total = ++counters_.dropped;
                metrics_.dropped();
            } else {
                metrics_.queued(1);
            }
            // The loop learns of the first waiting event (to time the batch) and of a full
            // batch; anything else it finds when the batch in flight ends.
            if ((was_empty || queue_.size() == settings_.batch_size) && !wake_posted_) {
                wake_posted_ = true;
                asio::post(io_, [this] { wake(); });
            }
        }
        if (dropped_total > 0) {
            overflow_warning_.warn([&] {
                return "webhook: queue full (queue_size " + std::to_string(settings_.queue_size) +
                       "): dropping the oldest waiting events, " + std::to_string(dropped_total) +
                       " dropped so far";
            });
        }
        return true;
    }

    Counters stop() {
        {
            std::unique_lock lock{mutex_};
            if (stopped_) return counters_;
            stopping_ = true;
            if (thread_.joinable()) {
                asio::post(io_, [this] { begin_flush(); });
                const auto deadline = Clock::now() + milliseconds{settings_.stop_flush_timeout_ms};
                drained_.wait_until(lock, deadline,
                                    [this] { return queue_.empty() && in_flight_events_ == 0; });
            }
        }
        if (thread_.joinable()) {
            asio::post(io_, [this] {
                closing_ = true;
                poster_.cancel();
                batch_timer_.cancel();
                retry_timer_.cancel();
            });
            // Once the cancelled operations have ended, run() runs out of work and returns;
            // io_.stop() bounds the wait in case something does not end.
            work_.reset();
            if (thread_done_.wait_for(milliseconds{1000}) != std::future_status::ready) {
                io_.stop();
            }
            thread_.join();
        }
        const std::lock_guard lock{mutex_};
        stopped_ = true;
        counters_.undelivered = queue_.size() + in_flight_events_;
        metrics_.queued(-static_cast<double>(queue_.size()));
        return counters_;
    }

  private:
    // ---- the loop's thread --------------------------------------------------------------------

    void wake() {
        {
            const std::lock_guard lock{mutex_};
            wake_posted_ = false;
        }
        pump();
    }

    void begin_flush() {
        flushing_ = true;
        batch_timer_.cancel();
        if (batch_ && waiting_retry_) {
            retry_timer_.cancel();  // its handler sees flushing_ and sends again at once
            return;
        }
        pump();
    }

    // Cuts and sends the next batch when none is in flight and one is due.
    void pump() {
        if (batch_ || closing_) return;
        std::vector<std::string> events;
        {
            const std::lock_guard lock{mutex_};
            if (queue_.empty()) {
                drained_.notify_all();
                return;
            }
            const Clock::time_point due =
                queue_.front().at + milliseconds{settings_.batch_delay_ms};
            if (!flushing_ && queue_.size() < settings_.batch_size && Clock::now() < due) {
                batch_timer_.expires_at(due);
                batch_timer_.async_wait([this](const boost::system::error_code& ec) {
                    if (!ec) pump();
                });
                return;
            }
            const std::size_t take = std::min(queue_.size(), settings_.batch_size);
            events.reserve(take);
            for (std::size_t i = 0; i < take; ++i) {
                events.push_back(std::move(queue_.front().event));
                queue_.pop_front();
            }
            metrics_.queued(-static_cast<double>(take));
            in_flight_events_ = take;
        }
        batch_timer_.cancel();
        Batch batch;
        batch.id = new_delivery_id();
        batch.body = batch_body(batch.id, node_, events);
        batch.events = events.size();
        batch.headers.emplace_back("X-Notify-Delivery", batch.id);
        if (!settings_.secret.empty()) {
            batch.headers.emplace_back("X-Notify-Signature", sign(settings_.secret, batch.body));
        }
        batch_ = std::move(batch);
        attempt();
    }

    void attempt() {
        waiting_retry_ = false;
        ++batch_->attempts;
        batch_->sent_at = Clock::now();
        poster_.post(batch_->body, batch_->headers,
                     [this](PostResult result) { answered(std::move(result)); });
    }

    void answered(PostResult result) {
        if (result.delivered()) {
            metrics_.delivered(
                batch_->events,
                std::chrono::duration<double>(Clock::now() - batch_->sent_at).count());
            {
                const std::lock_guard lock{mutex_};
                ++counters_.delivered_batches;
                counters_.delivered_events += batch_->events;
                in_flight_events_ = 0;
            }
            batch_.reset();
            pump();
            return;
        }
        metrics_.failed();
        if (closing_) return;  // stop() gave up on it: it counts as undelivered
        const milliseconds wait = backoff(batch_->attempts);
        failure_warning_.warn([&] {
            return "webhook: batch " + batch_->id + " (" + std::to_string(batch_->events) +
                   " events) not delivered: " + result.error + "; attempt " +
                   std::to_string(batch_->attempts) + ", next in " + std::to_string(wait.count()) +
                   " ms";
        });
        {
            const std::lock_guard lock{mutex_};
            ++counters_.retries;
        }
        waiting_retry_ = true;
        retry_timer_.expires_after(wait);
        retry_timer_.async_wait([this](const boost::system::error_code& ec) {
            // Cancelled by begin_flush() (send now) or by stop() giving up (closing_).
            if (!batch_ || !waiting_retry_ || closing_) return;
            if (ec && !flushing_) return;
            attempt();
        });
    }

    // Doubles from retry_initial up to retry_max; each wait is drawn from [w/2, w] so that many
    // servers that lost the same backend do not all come back at the same instant.
    milliseconds backoff(unsigned attempts) {
        std::int64_t wait = settings_.retry_initial_ms;
        for (unsigned i = 1; i < attempts && wait < settings_.retry_max_ms; ++i) wait *= 2;
        wait = std::min(wait, settings_.retry_max_ms);
        std::uniform_int_distribution<std::int64_t> spread{wait / 2, wait};
        return milliseconds{spread(random_)};
    }

    const Settings& settings_;
    const Metrics& metrics_;
    RateLimitedWarning overflow_warning_;
    RateLimitedWarning failure_warning_;
    std::string node_;

    asio::io_context io_{1};
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    std::thread thread_;
    std::future<void> thread_done_;

    std::mutex mutex_;  // guards the members up to the next comment
    std::condition_variable drained_;
    std::deque<Queued> queue_;
    std::size_t in_flight_events_ = 0;
    bool wake_posted_ = false;
    bool stopping_ = false;
    bool stopped_ = false;
    Counters counters_;

    // the loop's thread only
    Poster poster_;
    asio::steady_timer batch_timer_;
    asio::steady_timer retry_timer_;
    std::optional<Batch> batch_;
    bool waiting_retry_ = false;
    bool flushing_ = false;  // stop() began: send without waiting for batch_delay
    bool closing_ = false;   // stop() gave up: start nothing new
    std::mt19937_64 random_;
};

Delivery::Delivery(const Settings& settings, const Log& log, const Metrics& metrics)
    : loop_(std::make_unique<Loop>(settings, log, metrics)) {}

Delivery::~Delivery() = default;

void Delivery::start(std::string node) {
    loop_->start(std::move(node));
}

bool Delivery::enqueue(std::string event) {
    return loop_->enqueue(std::move(event));
}

Counters Delivery::stop() {
    return loop_->stop();
}

}  // namespace notify::webhook
