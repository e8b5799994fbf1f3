// CPU time and memory of the server under test, read from /proc/PID/{stat,status}.
#pragma once

#include <optional>
#include <sys/types.h>

namespace notify::bench {

struct ProcessSample {
    double cpu_seconds = 0;   // user + system, all threads, since the process started
    long rss_kib = 0;         // VmRSS
    // RssAnon: heap, stacks and other private memory, without the code and data pages of the
    // executable and its libraries, which grow by megabytes as a server first runs its
    // connect path and are not memory per connection.
    long anon_rss_kib = 0;
    long peak_rss_kib = 0;    // VmHWM
};

// nullopt when the process does not exist or /proc cannot be read.
std::optional<ProcessSample> sample_process(pid_t pid);

}  // namespace notify::bench
