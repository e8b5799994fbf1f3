#include "commands.hpp"

namespace notify::cli {

Deadline deadline_from(const std::optional<double>& timeout_seconds) {
    if (!timeout_seconds) return std::nullopt;
    return Clock::now() + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(*timeout_seconds));
}

}  // namespace notify::cli
