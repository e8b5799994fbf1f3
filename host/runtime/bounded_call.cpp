#include "runtime/bounded_call.hpp"

#include <future>
#include <memory>
#include <thread>

namespace notify::runtime {

bool call_with_timeout(std::function<void()> call, std::chrono::milliseconds timeout) {
    auto task = std::make_shared<std::packaged_task<void()>>(std::move(call));
    std::future<void> done = task->get_future();
    std::thread worker([task] { (*task)(); });
    if (done.wait_for(timeout) == std::future_status::ready) {
        worker.join();
        return true;
    }
    worker.detach();
    return false;
}

}  // namespace notify::runtime
