// Running a plugin call that might hang without letting it hang notifyd.
#pragma once

#include <chrono>
#include <functional>

namespace notify::runtime {

// Runs `call` on a helper thread and waits up to `timeout`. Returns false when it is still
// running then; the helper thread is detached and the caller must never touch what it uses
// again (a hung plugin instance is leaked rather than destroyed under it).
bool call_with_timeout(std::function<void()> call, std::chrono::milliseconds timeout);

}  // namespace notify::runtime
