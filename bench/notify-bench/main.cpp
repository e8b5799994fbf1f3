// notify-bench: see bench/README.md. Exit status: 0 when the run completed, 1 when it could not
// (connection or protocol errors), 2 for a bad command line.
#include "api_load.hpp"
#include "bench_options.hpp"
#include "bench_result.hpp"
#include "load_generator.hpp"

#include <csignal>

int main(int argc, char** argv) {
    int exit_code = 0;
    const auto options = notify::bench::parse_options(argc, argv, exit_code);
    if (!options) {
        return exit_code;
    }
    std::signal(SIGPIPE, SIG_IGN);
    const auto result = options->publish_via.empty() ? notify::bench::run_benchmark(*options)
                                                     : notify::bench::run_api_benchmark(*options);
    if (!options->quiet) {
        notify::bench::print_table(*options, result);
    }
    if (!options->json_path.empty() && !notify::bench::write_json(*options, result, options->json_path)) {
        return 1;
    }
    return result.errors.empty() ? 0 : 1;
}
