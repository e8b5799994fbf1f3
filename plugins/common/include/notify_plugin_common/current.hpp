// A value that a reload replaces whole while other threads read it: readers take a reference
// (load) and keep using what they got, so a request under way finishes with the settings it
// started with; the old value is freed when its last reader lets go.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

namespace notify::plugin_common {

template <typename T>
class Current {
  public:
    explicit Current(std::shared_ptr<const T> value) : value_(std::move(value)) {}

    // THREAD: any.
    std::shared_ptr<const T> load() const {
        const std::lock_guard lock{mutex_};
        return value_;
    }

    // THREAD: any (the plugins call it on the main thread, in reconfigure).
    void store(std::shared_ptr<const T> value) {
        const std::lock_guard lock{mutex_};
        value_.swap(value);
        // The old value, in `value`, is released after the lock, by its last holder.
    }

  private:
    mutable std::mutex mutex_;  // held only to copy or swap the pointer
    std::shared_ptr<const T> value_;
};

}  // namespace notify::plugin_common
