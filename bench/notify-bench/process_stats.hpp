// CPU time and memory of the server under test, read from /proc/PID/{stat,status}.
#pragma once

#include <optional>
#include <sys/types.h>

namespace notify::bench {

struct ProcessSample {
    double cpu_seconds = 0;   // user + system, all threads, since the process started
    long rss_kib = 0;         // VmRSS
    long peak_rss_kib = 0;    // VmHWM
};

// nullopt when the process does not exist or /proc cannot be read.
std::optional<ProcessSample> sample_process(pid_t pid);

}  // namespace notify::bench
