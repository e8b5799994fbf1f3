#include "runtime/core_thread.hpp"

#include <memory>
#include <system_error>

#include <sys/eventfd.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

namespace notify::runtime {

CoreThread::CoreThread() : work_guard_(io_.get_executor()), timer_(io_) {}

CoreThread::~CoreThread() { stop(std::chrono::seconds(5)); }

void CoreThread::set_doorbell(std::function<void()> on_ring) {
    doorbell_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (doorbell_fd_ < 0) {
        throw std::system_error(errno, std::generic_category(), "core thread doorbell: eventfd");
    }
    doorbell_.assign(doorbell_fd_);
    on_doorbell_ = std::move(on_ring);
}

void CoreThread::ring_doorbell() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t written = ::write(doorbell_fd_, &one, sizeof one);
}

void CoreThread::wait_for_doorbell() {
    doorbell_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                         [this](const boost::system::error_code& error) {
                             if (error || doorbell_closed_) return;  // stop() ran
                             std::uint64_t rings = 0;
                             [[maybe_unused]] const ssize_t got =
                                 ::read(doorbell_fd_, &rings, sizeof rings);
                             on_doorbell_();
                             wait_for_doorbell();
                         });
}

void CoreThread::start(std::chrono::milliseconds interval, std::function<void()> tick) {
    interval_ = interval;
    tick_ = std::move(tick);
    if (tick_ && interval_.count() > 0) schedule_tick();
    if (on_doorbell_) wait_for_doorbell();
    thread_ = std::thread([this] {
        io_.run();
        finished_.set_value();
    });
}

void CoreThread::schedule_tick() {
    timer_.expires_after(interval_);
    timer_.async_wait([this](const boost::system::error_code& error) {
        if (error) return;
        tick_();
        schedule_tick();
    });
}

bool CoreThread::run_and_wait(std::function<void()> work, std::chrono::milliseconds timeout) {
    if (!running()) return false;
    if (on_core_thread()) {
        work();
        return true;
    }
    auto task = std::make_shared<std::packaged_task<void()>>(std::move(work));
    std::future<void> done = task->get_future();
    post([task] { (*task)(); });
    if (done.wait_for(timeout) != std::future_status::ready) return false;
    done.get();
    return true;
}

void CoreThread::stop(std::chrono::milliseconds timeout) {
    if (!running()) return;
    post([this] {
        timer_.cancel();
        if (on_doorbell_) {
            // What was rung but not yet answered is answered now: nothing a transport reported
            // before the stop is dropped.
            on_doorbell_();
            doorbell_closed_ = true;
            // Cancelled, not closed: a late ring() must not write into a reused descriptor.
            boost::system::error_code ignored;
            doorbell_.cancel(ignored);
        }
        work_guard_.reset();
    });
    if (finished_.get_future().wait_for(timeout) != std::future_status::ready) {
        spdlog::error("the core thread did not drain its queue within {} ms; stopping it",
                      timeout.count());
        io_.stop();
    }
    thread_.join();
}

}  // namespace notify::runtime
