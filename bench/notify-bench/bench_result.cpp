#include "bench_result.hpp"

#include <cstdio>
#include <fstream>

namespace notify::bench {
namespace {

double to_us(std::uint64_t ns) {
    return static_cast<double>(ns) / 1000.0;
}

std::string mode_of(const BenchOptions& options) {
    if (options.idle) {
        return "idle";
    }
    return options.rate > 0 ? "rate" : "closed";
}

// {"count": N, "p50": ..., "p99": ..., "p999": ..., "max": ..., "mean": ...} in µs.
void write_latency_object(std::ofstream& out, const LatencyHistogram& histogram) {
    if (histogram.count() == 0) {
        out << "{\"count\": 0, \"p50\": null, \"p99\": null, \"p999\": null, \"max\": null, \"mean\": null}";
        return;
    }
    out << "{\"count\": " << histogram.count()
        << ", \"p50\": " << to_us(histogram.percentile(0.50))
        << ", \"p99\": " << to_us(histogram.percentile(0.99))
        << ", \"p999\": " << to_us(histogram.percentile(0.999))
        << ", \"max\": " << to_us(histogram.max())
        << ", \"mean\": " << histogram.mean() / 1000.0 << "}";
}

void write_latency(std::ofstream& out, const char* name, const LatencyHistogram& histogram) {
    out << "  \"" << name << "\": ";
    write_latency_object(out, histogram);
    out << ",\n";
}

// Sample `i` of a per-process list, or null when missing or unreadable.
const ProcessSample* sample_at(const std::vector<std::optional<ProcessSample>>& samples, std::size_t i) {
    return i < samples.size() && samples[i] ? &*samples[i] : nullptr;
}

// "servers": one object per --server-pid; "cpu_seconds" is inside the measured window.
void write_servers(std::ofstream& out, const BenchOptions& options, const BenchResult& result) {
    out << "  \"server_pids\": [";
    for (std::size_t i = 0; i < options.server_pids.size(); ++i) {
        out << (i ? ", " : "") << options.server_pids[i];
    }
    out << "],\n  \"servers\": [";
    for (std::size_t i = 0; i < options.server_pids.size(); ++i) {
        const ProcessSample* start = sample_at(result.servers_window_start, i);
        const ProcessSample* window_end = sample_at(result.servers_window_end, i);
        const ProcessSample* end = sample_at(result.servers_end, i);
        out << (i ? ",\n    " : "\n    ") << "{\"pid\": " << options.server_pids[i] << ", \"cpu_seconds\": ";
        if (start && window_end) {
            out << window_end->cpu_seconds - start->cpu_seconds;
        } else {
            out << "null";
        }
        if (end) {
            out << ", \"rss_kib\": " << end->rss_kib << ", \"peak_rss_kib\": " << end->peak_rss_kib << "}";
        } else {
            out << ", \"rss_kib\": null, \"peak_rss_kib\": null}";
        }
    }
    out << (options.server_pids.empty() ? "" : "\n  ") << "],\n";
}

// "subscriber_endpoints": one object per --subscriber-url (empty without).
void write_endpoints(std::ofstream& out, const BenchOptions& options, const BenchResult& result) {
    out << "  \"subscriber_endpoints\": [";
    for (std::size_t i = 0; i < options.subscriber_endpoints.size(); ++i) {
        out << (i ? ",\n    " : "\n    ") << "{\"endpoint\": \"" << options.subscriber_endpoints[i].to_string()
            << "\", \"subscribers\": "
            << (i < result.subscribers_by_endpoint.size() ? result.subscribers_by_endpoint[i] : 0)
            << ", \"latency_us\": ";
        write_latency_object(out, i < result.latency_by_endpoint_ns.size() ? result.latency_by_endpoint_ns[i]
                                                                          : LatencyHistogram{});
        out << "}";
    }
    out << (options.subscriber_endpoints.empty() ? "" : "\n  ") << "],\n";
}

void write_optional(std::ofstream& out, const char* name, std::optional<double> value) {
    out << "  \"" << name << "\": ";
    if (value) {
        out << *value;
    } else {
        out << "null";
    }
    out << ",\n";
}

std::string json_string(const std::string& text) {
    std::string quoted = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            quoted.push_back('\\');
            quoted.push_back(c);
        } else if (static_cast<unsigned char>(c) < 0x20) {
            quoted.push_back(' ');
        } else {
            quoted.push_back(c);
        }
    }
    return quoted + "\"";
}

// "at-least-once (sync batch)", "at-most-once", or "" when the run was not told.
std::string delivery_of(const BenchOptions& options) {
    std::string text = options.delivery;
    if (!options.sync_policy.empty()) {
        text += " (sync " + options.sync_policy + ")";
    }
    return text;
}

// Subscribers that ack: at-least-once on a notify target.
bool acks_subscribers(const BenchOptions& options) {
    return options.delivery == "at-least-once" && is_notify(options.target) && options.subscribers > 0;
}

std::optional<double> per_cpu_second(std::uint64_t count, std::optional<double> cpu_seconds) {
    if (!cpu_seconds || *cpu_seconds <= 0) {
        return std::nullopt;
    }
    return static_cast<double>(count) / *cpu_seconds;
}

void print_latency(const char* name, const LatencyHistogram& histogram) {
    std::printf("  %-14s p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n", name, to_us(histogram.percentile(0.5)),
                to_us(histogram.percentile(0.99)), to_us(histogram.percentile(0.999)), to_us(histogram.max()));
}

std::optional<double> per_connection_bytes(const BenchResult& result, long ProcessSample::*field) {
    if (!result.server_before || !result.server_connected || result.subscribers_ready == 0) {
        return std::nullopt;
    }
    return static_cast<double>((*result.server_connected).*field - (*result.server_before).*field) *
           1024.0 / static_cast<double>(result.subscribers_ready);
}

std::optional<double> rss_per_connection_bytes(const BenchResult& result) {
    return per_connection_bytes(result, &ProcessSample::rss_kib);
}

std::optional<double> anon_rss_per_connection_bytes(const BenchResult& result) {
    return per_connection_bytes(result, &ProcessSample::anon_rss_kib);
}

}  // namespace

double BenchResult::deliveries_per_second() const {
    return measured_seconds > 0 ? static_cast<double>(deliveries_measured) / measured_seconds : 0;
}

double BenchResult::acknowledged_per_second() const {
    return measured_seconds > 0 ? static_cast<double>(acknowledged_measured) / measured_seconds : 0;
}

std::optional<double> BenchResult::server_cpu_seconds() const {
    const auto& end = server_window_end ? server_window_end : server_end;  // idle runs have no window
    if (!server_window_start || !end) {
        return std::nullopt;
    }
    return end->cpu_seconds - server_window_start->cpu_seconds;
}

void print_table(const BenchOptions& options, const BenchResult& result) {
    std::printf("target %-12s subscribers %zu  payload %zu B  mode %s", std::string(to_string(options.target)).c_str(),
                result.subscribers_ready, options.payload_size, mode_of(options).c_str());
    if (options.rate > 0) {
        std::printf(" %.0f/s", options.rate);
    } else if (!options.idle) {
        std::printf(" window %zu", options.window);
    }
    if (options.topics > 1) {
        std::printf("  topics %zu", options.topics);
    }
    if (options.publishers > 1) {
        std::printf("  publishers %zu", options.publishers);
    }
    if (!options.publish_via.empty()) {
        std::printf("  publish via %s", options.publish_via.c_str());
    }
    if (!options.delivery.empty()) {
        std::printf("  delivery %s", delivery_of(options).c_str());
    }
    if (options.redis_command == RedisCommand::xadd) {
        std::printf("  command XADD");
    }
    if (result.stalled > 0) {
        std::printf("  stalled subscribers %zu (%zu closed by the server)", result.stalled, result.stalled_disconnected);
    }
    std::printf("\n");
    const bool has_subscribers = options.subscribers > 0;
    if (has_subscribers) {
        std::printf("  connect        %.3f s (%.0f subscriptions/s)\n", result.connect_seconds,
                    result.connect_seconds > 0 ? static_cast<double>(result.subscribers_ready) / result.connect_seconds
                                               : 0);
    }
    if (!options.idle) {
        std::printf("  published      %llu\n", static_cast<unsigned long long>(result.published));
    }
    if (!options.idle && has_subscribers) {
        std::printf("  deliveries/s   %.0f (%llu in %.1f s)\n", result.deliveries_per_second(),
                    static_cast<unsigned long long>(result.deliveries_measured), result.measured_seconds);
        std::printf("  lost %llu  duplicated %llu  malformed %llu (of %llu expected)\n",
                    static_cast<unsigned long long>(result.lost()),
                    static_cast<unsigned long long>(result.duplicates),
                    static_cast<unsigned long long>(result.malformed),
                    static_cast<unsigned long long>(result.expected));
        print_latency("latency us", result.latency_ns);
        print_latency("last sub. us", result.last_delivery_ns);
    }
    if (!options.idle && has_subscribers && acks_subscribers(options)) {
        std::printf("  acks           %llu sent (%s) covering %llu deliveries, %llu answered, %llu unanswered at the end\n",
                    static_cast<unsigned long long>(result.acks_sent),
                    options.ack_mode == AckMode::each ? "one per message" : "cumulative, one per read",
                    static_cast<unsigned long long>(result.acked_messages),
                    static_cast<unsigned long long>(result.acks_answered),
                    static_cast<unsigned long long>(result.acks_unanswered));
    }
    if (!options.idle && result.answers_publishes) {
        std::printf("  acknowledged/s %.0f (%llu in %.1f s), unanswered at the end %llu\n",
                    result.acknowledged_per_second(), static_cast<unsigned long long>(result.acknowledged_measured),
                    result.measured_seconds, static_cast<unsigned long long>(result.unanswered));
        print_latency("ack latency us", result.ack_latency_ns);
    }
    if (const auto cpu = result.server_cpu_seconds(); cpu && !options.idle) {
        std::printf("  server cpu     %.2f s%s (per cpu-second:", *cpu,
                    options.server_pids.size() > 1 ? " in total" : "");
        if (has_subscribers) {
            std::printf(" %.0f deliveries", per_cpu_second(result.deliveries_measured, cpu).value_or(0));
        }
        if (result.answers_publishes) {
            std::printf("%s %.0f acknowledged publishes", has_subscribers ? "," : "",
                        per_cpu_second(result.acknowledged_measured, cpu).value_or(0));
        }
        std::printf(")\n");
    }
    if (!options.idle && has_subscribers) {
        for (std::size_t i = 0; i < result.latency_by_endpoint_ns.size(); ++i) {
            const std::string name = options.subscriber_endpoints[i].to_string();
            std::printf("  via %s (%zu subscribers)\n", name.c_str(), result.subscribers_by_endpoint[i]);
            print_latency("  latency us", result.latency_by_endpoint_ns[i]);
        }
    }
    if (options.server_pids.size() > 1) {
        for (std::size_t i = 0; i < options.server_pids.size(); ++i) {
            const ProcessSample* start = sample_at(result.servers_window_start, i);
            const ProcessSample* window_end = sample_at(result.servers_window_end, i);
            const ProcessSample* end = sample_at(result.servers_end, i);
            std::printf("  server pid %-8d", static_cast<int>(options.server_pids[i]));
            if (start && window_end && !options.idle) {
                std::printf(" cpu %.2f s", window_end->cpu_seconds - start->cpu_seconds);
            }
            if (end) {
                std::printf("  rss %ld KiB (peak %ld KiB)", end->rss_kib, end->peak_rss_kib);
            }
            std::printf("\n");
        }
    }
    if (result.server_end) {
        std::printf("  server rss     %ld KiB (peak %ld KiB)", result.server_end->rss_kib,
                    result.server_end->peak_rss_kib);
        if (const auto per = rss_per_connection_bytes(result)) {
            std::printf(", %.0f B per subscriber connection", *per);
        }
        if (const auto per = anon_rss_per_connection_bytes(result)) {
            std::printf(" (%.0f B anonymous)", *per);
        }
        std::printf("\n");
    }
    for (const auto& error : result.errors) {
        std::printf("  error: %s\n", error.c_str());
    }
}

bool write_json(const BenchOptions& options, const BenchResult& result, const std::string& path) {
    std::ofstream out(path);
    if (!out) {
        std::fprintf(stderr, "notify-bench: cannot write %s\n", path.c_str());
        return false;
    }
    out << "{\n  \"target\": \"" << to_string(options.target) << "\",\n";
    out << "  \"label\": " << json_string(options.label) << ",\n";
    out << "  \"mode\": \"" << mode_of(options) << "\",\n";
    out << "  \"rate\": " << options.rate << ",\n  \"window\": " << options.window << ",\n";
    out << "  \"payload_size\": " << options.payload_size << ",\n";
    out << "  \"subscribers\": " << result.subscribers_ready << ",\n";
    out << "  \"publishers\": " << options.publishers << ",\n";
    out << "  \"publish_via\": " << (options.publish_via.empty() ? "null" : json_string(options.publish_via)) << ",\n";
    out << "  \"delivery\": " << (options.delivery.empty() ? "null" : json_string(options.delivery)) << ",\n";
    out << "  \"sync\": " << (options.sync_policy.empty() ? "null" : json_string(options.sync_policy)) << ",\n";
    out << "  \"redis_command\": "
        << (options.target != Target::redis ? "null"
                                            : options.redis_command == RedisCommand::xadd ? "\"xadd\"" : "\"publish\"")
        << ",\n";
    if (acks_subscribers(options)) {
        out << "  \"ack_mode\": \"" << (options.ack_mode == AckMode::each ? "each" : "cumulative") << "\",\n";
    } else {
        out << "  \"ack_mode\": null,\n";
    }
    out << "  \"acks_sent\": " << result.acks_sent << ",\n";
    out << "  \"acked_messages\": " << result.acked_messages << ",\n";
    out << "  \"acks_answered\": " << result.acks_answered << ",\n";
    out << "  \"acks_unanswered\": " << result.acks_unanswered << ",\n";
    out << "  \"topics\": " << options.topics << ",\n";
    out << "  \"stalled\": " << result.stalled << ",\n";
    out << "  \"stalled_disconnected\": " << result.stalled_disconnected << ",\n";
    out << "  \"connect_seconds\": " << result.connect_seconds << ",\n";
    out << "  \"published\": " << result.published << ",\n";
    out << "  \"deliveries\": " << result.deliveries_measured << ",\n";
    out << "  \"measured_seconds\": " << result.measured_seconds << ",\n";
    out << "  \"deliveries_per_second\": " << result.deliveries_per_second() << ",\n";
    out << "  \"expected\": " << result.expected << ",\n";
    out << "  \"lost\": " << result.lost() << ",\n";
    out << "  \"duplicates\": " << result.duplicates << ",\n";
    out << "  \"malformed\": " << result.malformed << ",\n";
    write_latency(out, "latency_us", result.latency_ns);
    write_latency(out, "last_delivery_us", result.last_delivery_ns);
    out << "  \"answers_publishes\": " << (result.answers_publishes ? "true" : "false") << ",\n";
    out << "  \"acknowledged\": " << result.acknowledged_measured << ",\n";
    out << "  \"acknowledged_per_second\": " << result.acknowledged_per_second() << ",\n";
    out << "  \"unanswered\": " << result.unanswered << ",\n";
    write_latency(out, "ack_latency_us", result.ack_latency_ns);
    const auto cpu = result.server_cpu_seconds();
    write_optional(out, "server_cpu_seconds", cpu);
    write_optional(out, "deliveries_per_cpu_second", per_cpu_second(result.deliveries_measured, cpu));
    write_optional(out, "acknowledged_per_cpu_second",
                   result.answers_publishes ? per_cpu_second(result.acknowledged_measured, cpu) : std::nullopt);
    write_optional(out, "server_rss_kib",
                   result.server_end ? std::optional<double>(static_cast<double>(result.server_end->rss_kib)) : std::nullopt);
    write_optional(out, "server_peak_rss_kib",
                   result.server_end ? std::optional<double>(static_cast<double>(result.server_end->peak_rss_kib)) : std::nullopt);
    write_optional(out, "rss_per_connection_bytes", rss_per_connection_bytes(result));
    write_optional(out, "anon_rss_per_connection_bytes", anon_rss_per_connection_bytes(result));
    write_servers(out, options, result);
    write_endpoints(out, options, result);
    out << "  \"errors\": [";
    for (std::size_t i = 0; i < result.errors.size(); ++i) {
        out << (i ? ", " : "") << json_string(result.errors[i]);
    }
    out << "]\n}\n";
    return static_cast<bool>(out);
}

}  // namespace notify::bench
