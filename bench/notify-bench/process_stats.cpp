#include "process_stats.hpp"

#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace notify::bench {

std::optional<ProcessSample> sample_process(pid_t pid) {
    const std::string base = "/proc/" + std::to_string(pid);
    std::ifstream stat_file(base + "/stat");
    std::string stat_line;
    if (!std::getline(stat_file, stat_line)) {
        return std::nullopt;
    }
    // The command name (field 2) may hold spaces; fields are counted after its closing ')'.
    const auto name_end = stat_line.rfind(')');
    if (name_end == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream fields(stat_line.substr(name_end + 2));
    std::string field;
    unsigned long long user_ticks = 0;
    unsigned long long system_ticks = 0;
    // After ')' the fields start at number 3 (state); utime is 14 and stime 15.
    for (int number = 3; number <= 15 && fields >> field; ++number) {
        if (number == 14) {
            user_ticks = std::stoull(field);
        } else if (number == 15) {
            system_ticks = std::stoull(field);
        }
    }
    ProcessSample sample;
    sample.cpu_seconds =
        static_cast<double>(user_ticks + system_ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));

    std::ifstream status_file(base + "/status");
    std::string line;
    while (std::getline(status_file, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            sample.rss_kib = std::stol(line.substr(6));
        } else if (line.rfind("RssAnon:", 0) == 0) {
            sample.anon_rss_kib = std::stol(line.substr(8));
        } else if (line.rfind("VmHWM:", 0) == 0) {
            sample.peak_rss_kib = std::stol(line.substr(6));
        }
    }
    return sample;
}

}  // namespace notify::bench
