#include "runtime/core_thread.hpp"

#include <memory>

#include <spdlog/spdlog.h>

namespace notify::runtime {

CoreThread::CoreThread() : work_guard_(io_.get_executor()), timer_(io_) {}

CoreThread::~CoreThread() { stop(std::chrono::seconds(5)); }

void CoreThread::start(std::chrono::milliseconds interval, std::function<void()> tick) {
    interval_ = interval;
    tick_ = std::move(tick);
    if (tick_ && interval_.count() > 0) schedule_tick();
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
