#include "bench_options.hpp"

#include "api_load.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace notify::bench {
namespace {

constexpr const char* usage = R"(notify-bench: pub/sub load generator (publishers and N subscribers on one topic)

  --target NAME        notify | notify-binary | notify-tcp | redis | nats | mqtt | ws-broadcast |
                       limit (required). notify: JSON over WebSocket (notify.json.v1);
                       notify-binary: the binary encoding over WebSocket (notify.binary.v1);
                       notify-tcp: the binary encoding over notifyd's TCP transport
  --port N             server port (required); --host ADDR (default 127.0.0.1)
  --path P             WebSocket path (default /)
  --topic T            topic / subject / channel (default bench)
  --subscribers N      subscriber connections (default 100); 0 measures acknowledged publishes
                       only (needs --rate or a target that answers publishes: notify*, redis)
  --publishers N       publisher connections (1-64), publishing round-robin (default 1)
  --topics T           spread subscribers over T topics <topic>.<i>, publish round-robin (default 1)
  --stalled-percent P  P% of subscribers stop reading once subscribed (slow consumers; default 0)
  --payload BYTES      payload size, at least 33 (default 64)
  --rate R             open loop: R publishes per second (default: closed loop)
  --window W           closed loop: messages in flight over all publishers, not yet at every
                       subscriber and, for targets that answer publishes, not yet answered
                       (default 16)
  --idle               connect and subscribe only, then sample the server (memory per connection)
  --warmup S           seconds published but not measured (default 1)
  --duration S         measured seconds (default 5)
  --drain S            seconds to wait for the last deliveries (default 5)
  --settle S           seconds between subscribing and sampling the server (default 0.5)
  --connect-timeout S  (default 60); --connect-concurrency N handshakes at once (default 256)
  --per-source N       connections per 127.0.0.x source address (default 20000)
  --subscriber-url U   subscribers connect round-robin to these servers instead of --host/--port
                       (repeatable, or a comma-separated list); U = [ws://]HOST:PORT[/PATH],
                       the path defaulting to --path. Publishers stay on --host/--port.
  --server-pid PID     sample this process's CPU time and memory from /proc; repeatable: CPU
                       time and memory are then summed over the processes (and listed per process)
  --token JWT          notify targets: every connection sends this token in its connect
                       (base64url and dots), e.g. to measure connects through the jwt plugin
  --label TEXT         copied to the report
  --delivery MODE      at-most-once | at-least-once: the server's setting for the topic,
                       copied to the report. With at-least-once, subscribers of the notify
                       targets ack what they receive (the protocol's ack command), see --ack
  --ack MODE           each | cumulative (default): at-least-once subscribers send one ack per
                       delivered message, or one per read (the newest offset of everything one
                       recv() brought; acks are cumulative)
  --sync POLICY        always | batch | os: the server's sync policy (with at-least-once),
                       copied to the report
  --redis-command C    publish (default) | xadd: Redis publishers send PUBLISH, or XADD <topic> *
                       d <payload> (answered once appended; with --subscribers 0 only)
  --publish-via VIA    ws | http | grpc: the server API's cost per publish. One WebSocket
                       subscriber (--subscribers must be 1) on --topic; --publishers N slots each
                       keep one publish in flight: ws = N client connections on --port/--path,
                       http = N keep-alive connections POSTing /api/publish, grpc = N unary
                       Publish calls on one channel. Target notify, closed loop only.
  --api-port N         the http_api / grpc_api listener (with --publish-via http|grpc)
  --api-key-env NAME   environment variable holding the API key (with --publish-via http|grpc)
  --json FILE          also write the report as JSON
  --quiet              no human table
)";

// [ws://]HOST:PORT[/PATH]; an empty path means --path (filled in after parsing).
bool parse_endpoint(std::string_view text, Endpoint& endpoint) {
    if (text.starts_with("ws://")) {
        text.remove_prefix(5);
    }
    const auto slash = text.find('/');
    if (slash != std::string_view::npos) {
        endpoint.path = text.substr(slash);
        text = text.substr(0, slash);
    }
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
        return false;
    }
    endpoint.host = text.substr(0, colon);
    const std::string_view port = text.substr(colon + 1);
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), endpoint.port);
    return error == std::errc{} && end == port.data() + port.size() && endpoint.port != 0;
}

template <typename Number>
bool parse_number(std::string_view text, Number& value) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc{} && end == text.data() + text.size();
}

}  // namespace

std::optional<BenchOptions> parse_options(int argc, char** argv, int& exit_code) {
    BenchOptions options;
    bool have_target = false;
    exit_code = 2;
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            std::fputs(usage, stdout);
            exit_code = 0;
            return std::nullopt;
        }
        if (flag == "--idle") {
            options.idle = true;
            continue;
        }
        if (flag == "--quiet") {
            options.quiet = true;
            continue;
        }
        if (i + 1 >= argc) {
            std::fprintf(stderr, "notify-bench: %s needs a value (see --help)\n", argv[i]);
            return std::nullopt;
        }
        const std::string_view value = argv[++i];
        bool ok = true;
        if (flag == "--target") {
            ok = have_target = parse_target(value, options.target);
        } else if (flag == "--host") {
            options.host = value;
        } else if (flag == "--port") {
            ok = parse_number(value, options.port) && options.port != 0;
        } else if (flag == "--path") {
            options.path = value;
        } else if (flag == "--topic") {
            options.topic = value;
            ok = !value.empty() && value.find_first_of(" \"\\\r\n") == std::string_view::npos;
        } else if (flag == "--token") {
            options.token = value;
            // Sent inside a JSON string unescaped: a JWT's base64url and dots only.
            ok = !value.empty() &&
                 value.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                         "0123456789-_.") == std::string_view::npos;
        } else if (flag == "--label") {
            options.label = value;
            ok = value.find_first_of("\"\\\r\n") == std::string_view::npos;
        } else if (flag == "--subscribers") {
            ok = parse_number(value, options.subscribers);
        } else if (flag == "--publishers") {
            ok = parse_number(value, options.publishers) && options.publishers > 0 &&
                 options.publishers <= 64;
        } else if (flag == "--delivery") {
            options.delivery = value;
            ok = value == "at-most-once" || value == "at-least-once";
        } else if (flag == "--ack") {
            ok = value == "each" || value == "cumulative";
            options.ack_mode = value == "each" ? AckMode::each : AckMode::cumulative;
            options.ack_mode_given = true;
        } else if (flag == "--redis-command") {
            ok = value == "publish" || value == "xadd";
            options.redis_command = value == "xadd" ? RedisCommand::xadd : RedisCommand::publish;
        } else if (flag == "--sync") {
            options.sync_policy = value;
            ok = value == "always" || value == "batch" || value == "os";
        } else if (flag == "--topics") {
            ok = parse_number(value, options.topics) && options.topics > 0;
        } else if (flag == "--stalled-percent") {
            ok = parse_number(value, options.stalled_percent) && options.stalled_percent < 100;
        } else if (flag == "--payload") {
            ok = parse_number(value, options.payload_size) && options.payload_size >= 33 &&
                 options.payload_size <= 1'000'000;
        } else if (flag == "--rate") {
            ok = parse_number(value, options.rate) && options.rate > 0;
        } else if (flag == "--window") {
            ok = parse_number(value, options.window) && options.window > 0;
        } else if (flag == "--warmup") {
            ok = parse_number(value, options.warmup_seconds) && options.warmup_seconds >= 0;
        } else if (flag == "--duration") {
            ok = parse_number(value, options.duration_seconds) && options.duration_seconds > 0;
        } else if (flag == "--drain") {
            ok = parse_number(value, options.drain_seconds) && options.drain_seconds >= 0;
        } else if (flag == "--settle") {
            ok = parse_number(value, options.settle_seconds) && options.settle_seconds >= 0;
        } else if (flag == "--connect-timeout") {
            ok = parse_number(value, options.connect_timeout_seconds) && options.connect_timeout_seconds > 0;
        } else if (flag == "--connect-concurrency") {
            ok = parse_number(value, options.connect_concurrency) && options.connect_concurrency > 0;
        } else if (flag == "--per-source") {
            ok = parse_number(value, options.connections_per_source_address) &&
                 options.connections_per_source_address > 0;
        } else if (flag == "--server-pid") {
            pid_t pid = 0;
            ok = parse_number(value, pid) && pid > 0;
            options.server_pids.push_back(pid);
        } else if (flag == "--subscriber-url") {
            for (std::string_view rest = value; ok;) {
                const auto comma = rest.find(',');
                Endpoint endpoint;
                ok = parse_endpoint(rest.substr(0, comma), endpoint);
                options.subscriber_endpoints.push_back(std::move(endpoint));
                if (comma == std::string_view::npos) {
                    break;
                }
                rest.remove_prefix(comma + 1);
            }
        } else if (flag == "--publish-via") {
            options.publish_via = value;
            ok = value == "ws" || value == "http" || value == "grpc";
            if (ok && value == "grpc" && !api_grpc_available()) {
                std::fprintf(stderr, "notify-bench: built without gRPC (sdk/proto was not configured): no --publish-via grpc\n");
                return std::nullopt;
            }
        } else if (flag == "--api-port") {
            ok = parse_number(value, options.api_port) && options.api_port != 0;
        } else if (flag == "--api-key-env") {
            const char* key = std::getenv(std::string(value).c_str());
            ok = key != nullptr && *key != '\0' && std::string_view(key).find_first_of("\r\n") == std::string_view::npos;
            if (ok) {
                options.api_key = key;
            }
        } else if (flag == "--json") {
            options.json_path = value;
        } else {
            std::fprintf(stderr, "notify-bench: unknown option %s (see --help)\n", argv[i - 1]);
            return std::nullopt;
        }
        if (!ok) {
            std::fprintf(stderr, "notify-bench: bad value '%s' for %s\n", argv[i], argv[i - 1]);
            return std::nullopt;
        }
    }
    if (!have_target || options.port == 0) {
        std::fprintf(stderr, "notify-bench: --target and --port are required (see --help)\n");
        return std::nullopt;
    }
    for (auto& endpoint : options.subscriber_endpoints) {
        if (endpoint.path.empty()) {
            endpoint.path = options.path;
        }
    }
    if (!options.publish_via.empty()) {
        if (options.target != Target::notify || options.subscribers != 1 || options.rate > 0 || options.idle ||
            options.topics != 1 || !options.subscriber_endpoints.empty()) {
            std::fprintf(stderr, "notify-bench: --publish-via runs --target notify --subscribers 1, closed loop, one topic\n");
            return std::nullopt;
        }
        if (options.publish_via != "ws" && (options.api_port == 0 || options.api_key.empty())) {
            std::fprintf(stderr, "notify-bench: --publish-via %s needs --api-port and --api-key-env\n",
                         options.publish_via.c_str());
            return std::nullopt;
        }
    }
    if (options.redis_command == RedisCommand::xadd && (options.target != Target::redis || options.subscribers != 0)) {
        std::fprintf(stderr, "notify-bench: --redis-command xadd runs --target redis --subscribers 0\n");
        return std::nullopt;
    }
    if (options.ack_mode_given && options.delivery != "at-least-once") {
        std::fprintf(stderr, "notify-bench: --ack is for at-least-once subscribers; add --delivery at-least-once\n");
        return std::nullopt;
    }
    if (!options.token.empty() && !is_notify(options.target)) {
        std::fprintf(stderr, "notify-bench: --token is sent in Notify's connect: use a notify target\n");
        return std::nullopt;
    }
    if (options.delivery == "at-least-once" && options.subscribers > 0 && !is_notify(options.target)) {
        std::fprintf(stderr, "notify-bench: at-least-once subscribers ack with Notify's protocol: use a notify target or --subscribers 0\n");
        return std::nullopt;
    }
    if (!options.sync_policy.empty() && options.delivery != "at-least-once") {
        std::fprintf(stderr, "notify-bench: --sync describes at-least-once delivery; add --delivery at-least-once\n");
        return std::nullopt;
    }
    // Without subscribers only the server's answers bound a closed loop.
    SessionSpec publisher_spec;
    publisher_spec.target = options.target;
    publisher_spec.role = SessionRole::publisher;
    const bool answers_publishes = make_session(publisher_spec)->acknowledges_publishes();
    if (options.subscribers == 0 && options.rate == 0 && !options.idle && !answers_publishes) {
        std::fprintf(stderr, "notify-bench: --subscribers 0 needs --rate with target %s (it does not answer publishes)\n",
                     std::string(to_string(options.target)).c_str());
        return std::nullopt;
    }
    return options;
}

std::string Endpoint::to_string() const {
    return host + ":" + std::to_string(port) + (path == "/" ? "" : path);
}

Endpoint subscriber_endpoint(const BenchOptions& options, std::size_t index) {
    if (options.subscriber_endpoints.empty()) {
        return publisher_endpoint(options);
    }
    return options.subscriber_endpoints[index % options.subscriber_endpoints.size()];
}

Endpoint publisher_endpoint(const BenchOptions& options) {
    return Endpoint{options.host, options.port, options.path};
}

}  // namespace notify::bench
