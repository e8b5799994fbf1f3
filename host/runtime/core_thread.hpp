// The core thread: one boost::asio::io_context run by one thread, the only thread that touches
// the Core. Every other thread reaches the Core by posting work here, which keeps the order in
// which one thread posted.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <thread>
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace notify::runtime {

class CoreThread {
public:
    CoreThread();
    ~CoreThread();
    CoreThread(const CoreThread&) = delete;
    CoreThread& operator=(const CoreThread&) = delete;

    // Starts the thread; `tick` then runs on it every `interval` until stop().
    void start(std::chrono::milliseconds interval, std::function<void()> tick);

    // Queues `work` for the core thread (callable before start: it runs once started). Work
    // still queued when the thread is gone is destroyed without running.
    template <typename Work>
    void post(Work&& work) {
        boost::asio::post(io_, std::forward<Work>(work));
    }

    // Runs `work` on the core thread and waits for it; false when it did not finish within
    // `timeout` (or the thread is not running).
    bool run_and_wait(std::function<void()> work, std::chrono::milliseconds timeout);

    // Stops the timer, lets queued work finish for up to `timeout`, then ends the thread.
    void stop(std::chrono::milliseconds timeout);

    // The doorbell: ring_doorbell() from any thread makes the core thread run `on_ring` soon
    // (once per ring or fewer: rings before it ran merge). It is one eventfd write with no lock
    // held. boost::asio::post signals the sleeping thread while holding the queue's mutex, and on
    // a shared CPU the woken core thread then preempts the poster and blocks on that mutex: two
    // context switches and two futex calls per wake-up (issue 14's profile). Set it before
    // start(); rings before start() are answered once the thread runs.
    void set_doorbell(std::function<void()> on_ring);
    void ring_doorbell();

    bool running() const { return thread_.joinable(); }
    bool on_core_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

private:
    void schedule_tick();
    void wait_for_doorbell();

    boost::asio::io_context io_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_guard_;
    boost::asio::steady_timer timer_;
    std::chrono::milliseconds interval_{0};
    std::function<void()> tick_;
    int doorbell_fd_ = -1;  // eventfd, owned by doorbell_ once set
    boost::asio::posix::stream_descriptor doorbell_{io_};
    std::function<void()> on_doorbell_;
    bool doorbell_closed_ = false;  // core thread only
    std::promise<void> finished_;
    std::thread thread_;
};

}  // namespace notify::runtime
