// Drives notify_tcp.so through its C ABI with plain loopback sockets and a TLS client.
#include "fake_host.hpp"
#include "net_probe.hpp"
#include "plugin_instance.hpp"
#include "tcp_client.hpp"
#include "tls_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <set>
#include <thread>

namespace notify_test {
namespace {

using namespace std::chrono_literals;

constexpr uint16_t close_abnormal = 1006;

Config listen_on(uint16_t port, Config extra = {}) {
    extra["listen"] = "127.0.0.1:" + std::to_string(port);
    return extra;
}

bool wait_for(const std::function<bool()> &ready, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!ready()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

bool logged(const FakeHost &host, const std::string &fragment) {
    const auto logs = host.logs();
    return std::any_of(logs.begin(), logs.end(), [&](const std::string &line) {
        return line.find(fragment) != std::string::npos;
    });
}

// Stops the instance and checks the invariant every test shares: conn_closed exactly once per
// accepted connection, and no frame reference left behind.
void stop_and_check(PluginInstance &plugin) {
    plugin.stop();
    std::string problem;
    EXPECT_TRUE(plugin.host.each_accepted_closed_once(problem)) << problem;
    EXPECT_TRUE(wait_for([] { return live_frames() == 0; }, 2s))
        << live_frames() << " frame(s) still referenced";
}

// Starts on an ephemeral port and returns it, read from the "listening on" log line; 0 on failure.
uint16_t start_on_any_port(PluginInstance &plugin) {
    if (plugin.start() != NOTIFY_OK) {
        ADD_FAILURE() << plugin.error();
        return 0;
    }
    const std::string marker = "listening on 127.0.0.1:";
    for (const std::string &line : plugin.host.logs()) {
        if (const size_t at = line.find(marker); at != std::string::npos) {
            return static_cast<uint16_t>(std::stoi(line.substr(at + marker.size())));
        }
    }
    ADD_FAILURE() << "no \"" << marker << "\" in the log";
    return 0;
}

struct Connected {
    std::unique_ptr<TcpClient> client;
    uint64_t id;
};

Connected connect_client(PluginInstance &plugin, uint16_t port, int receive_buffer = 0) {
    auto client = std::make_unique<TcpClient>(port, receive_buffer);
    EXPECT_TRUE(client->connected());
    const auto id = plugin.host.wait_open(client->local_port());
    EXPECT_TRUE(id.has_value());
    return Connected{std::move(client), id.value_or(0)};
}

std::string body_of(int n) { return "frame-" + std::to_string(n) + std::string(n % 7, '#'); }

TEST(TcpTransport, ReportsBinaryConnectionWithRemoteAddress) {
    PluginInstance plugin(listen_on(0));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    EXPECT_TRUE(logged(plugin.host, "listening on 127.0.0.1:" + std::to_string(port)));
    Connected conn = connect_client(plugin, port);
    const auto events = plugin.host.events();
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.front().encoding, NOTIFY_ENCODING_BINARY);
    EXPECT_EQ(events.front().remote, "127.0.0.1:" + std::to_string(conn.client->local_port()));
    conn.client->close();
    EXPECT_EQ(plugin.host.wait_closed(conn.id), uint16_t{NOTIFY_CLOSE_NORMAL});
    stop_and_check(plugin);
}

TEST(TcpTransport, FramesSplitAtEveryByteBoundaryArriveIntactAndInOrder) {
    PluginInstance plugin(listen_on(0));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected conn = connect_client(plugin, port);
    const std::string pair = length_prefixed("first") + length_prefixed("second!");
    std::vector<std::string> expected;
    for (size_t split = 1; split < pair.size(); ++split) {
        ASSERT_TRUE(conn.client->send(pair.substr(0, split)));
        std::this_thread::sleep_for(2ms);
        ASSERT_TRUE(conn.client->send(pair.substr(split)));
        expected.emplace_back("first");
        expected.emplace_back("second!");
    }
    ASSERT_TRUE(plugin.host.wait_received(conn.id, expected.size()));
    EXPECT_EQ(plugin.host.received(conn.id), expected);
    stop_and_check(plugin);
}

TEST(TcpTransport, ManyFramesInOneSegmentReachTheHostInOrder) {
    PluginInstance plugin(listen_on(0));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected conn = connect_client(plugin, port);
    std::string stream;
    std::vector<std::string> expected;
    for (int i = 0; i < 2000; ++i) {
        expected.push_back(body_of(i));
        stream += length_prefixed(expected.back());
    }
    stream += length_prefixed("");
    expected.emplace_back();
    ASSERT_TRUE(conn.client->send(stream));
    ASSERT_TRUE(plugin.host.wait_received(conn.id, expected.size()));
    EXPECT_EQ(plugin.host.received(conn.id), expected);
    stop_and_check(plugin);
}

TEST(TcpTransport, AFrameAsLargeAsTheLimitIsAccepted) {
    PluginInstance plugin(listen_on(0, {{"max_frame_size", int64_t{100000}}}));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected conn = connect_client(plugin, port);
    const std::string big(100000, 'b');
    ASSERT_TRUE(conn.client->send(length_prefixed(big) + length_prefixed("after")));
    ASSERT_TRUE(plugin.host.wait_received(conn.id, 2));
    EXPECT_EQ(plugin.host.received(conn.id), (std::vector<std::string>{big, "after"}));
    stop_and_check(plugin);
}

TEST(TcpTransport, DeliverToABatchReachesEveryConnectionWithItsLengthPrefix) {
    PluginInstance plugin(listen_on(0));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    std::vector<Connected> conns;
    std::vector<uint64_t> ids;
    for (int i = 0; i < 3; ++i) {
        conns.push_back(connect_client(plugin, port));
        ids.push_back(conns.back().id);
    }
    const std::string body(300, 'x');
    plugin.deliver(body, ids);
    for (auto &conn : conns) {
        const auto bytes = conn.client->read_exact(4 + body.size());
        ASSERT_TRUE(bytes.has_value());
        EXPECT_EQ(bytes->substr(0, 4), std::string("\x2c\x01\x00\x00", 4));
        EXPECT_EQ(bytes->substr(4), body);
    }
    stop_and_check(plugin);
}

TEST(TcpTransport, QueuedFramesArriveTogetherInOrder) {
    PluginInstance plugin(listen_on(0));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected conn = connect_client(plugin, port);
    std::string expected;
    for (int i = 0; i < 200; ++i) {
        plugin.deliver(body_of(i), {conn.id});
        expected += length_prefixed(body_of(i));
    }
    // The client reads only once everything was sent: one read then sees many frames.
    std::this_thread::sleep_for(200ms);
    const std::string first = conn.client->read_some();
    EXPECT_GT(first.size(), length_prefixed(body_of(0)).size())
        << "the first read holds more than one frame";
    const auto rest = conn.client->read_exact(expected.size() - first.size());
    ASSERT_TRUE(rest.has_value());
    EXPECT_EQ(first + *rest, expected);
    stop_and_check(plugin);
}

TEST(TcpTransport, DeclaredLengthOverTheLimitClosesWith1009WhileOthersKeepWorking) {
    PluginInstance plugin(listen_on(0, {{"max_frame_size", int64_t{1024}}}));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected bad = connect_client(plugin, port);
    Connected good = connect_client(plugin, port);
    ASSERT_TRUE(bad.client->send(length_prefixed("ok") + length_prefix(1025) + "partial"));
    EXPECT_TRUE(bad.client->wait_eof());
    EXPECT_EQ(plugin.host.wait_closed(bad.id), uint16_t{NOTIFY_CLOSE_TOO_BIG});
    EXPECT_EQ(plugin.host.received(bad.id), std::vector<std::string>{"ok"});

    ASSERT_TRUE(good.client->send(length_prefixed("still here")));
    ASSERT_TRUE(plugin.host.wait_received(good.id, 1));
    plugin.deliver("reply", {good.id});
    EXPECT_EQ(good.client->read_frames(1), std::vector<std::string>{"reply"});
    stop_and_check(plugin);
}

TEST(TcpTransport, TruncatedLengthPrefixThenCloseIsReportedOnce) {
    PluginInstance plugin(listen_on(0));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected conn = connect_client(plugin, port);
    ASSERT_TRUE(conn.client->send(std::string("\x05\x00", 2)));
    std::this_thread::sleep_for(20ms);
    conn.client->close();
    EXPECT_EQ(plugin.host.wait_closed(conn.id), close_abnormal);
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(plugin.host.count(ConnEvent::Kind::closed, conn.id), 1u);
    EXPECT_TRUE(plugin.host.received(conn.id).empty());
    stop_and_check(plugin);
}

TEST(TcpTransport, GarbageBytesAndResetsNeverBreakTheServer) {
    PluginInstance plugin(listen_on(0, {{"max_frame_size", int64_t{512}}}));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    std::mt19937 random(42);
    for (int round = 0; round < 40; ++round) {
        TcpClient client(port);
        ASSERT_TRUE(client.connected());
        std::string garbage(static_cast<size_t>(random() % 3000), '\0');
        for (char &byte : garbage) {
            byte = static_cast<char>(random());
        }
        client.send(garbage);
        client.close(round % 2 == 0);
    }
    Connected conn = connect_client(plugin, port);
    ASSERT_TRUE(conn.client->send(length_prefixed("sane")));
    ASSERT_TRUE(plugin.host.wait_received(conn.id, 1));
    // A client gone before its socket was adopted is never reported; every other one is
    // reported closed, all but the sane client still open.
    auto count_kind = [](const std::vector<ConnEvent> &events, ConnEvent::Kind kind) {
        return std::count_if(events.begin(), events.end(),
                             [kind](const ConnEvent &event) { return event.kind == kind; });
    };
    EXPECT_TRUE(plugin.host.wait_until([&](const std::vector<ConnEvent> &events) {
        return count_kind(events, ConnEvent::Kind::closed) ==
               count_kind(events, ConnEvent::Kind::open) - 1;
    })) << "a garbage connection was never reported closed";
    stop_and_check(plugin);
}

TEST(TcpTransport, SlowConsumerIsDisconnectedWith4001AndItsFramesReleased) {
    PluginInstance plugin(listen_on(0, {{"max_queue", int64_t{16}}}));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected slow = connect_client(plugin, port, 4096);
    Connected fast = connect_client(plugin, port);
    const std::string body(64 * 1024, 's');
    bool closed = false;
    for (int i = 0; i < 2000 && !closed; ++i) {
        plugin.deliver(body, {slow.id});
        // A queue of 16 references plus one write batch bounds what the connection holds.
        EXPECT_LE(live_frames(), 16 + 64 + 2);
        closed = plugin.host.count(ConnEvent::Kind::closed, slow.id) > 0;
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(plugin.host.wait_closed(slow.id), uint16_t{NOTIFY_CLOSE_SLOW_CONSUMER});
    EXPECT_TRUE(wait_for([] { return live_frames() == 0; }, 2s)) << live_frames();
    plugin.deliver("fast", {fast.id});
    EXPECT_EQ(fast.client->read_frames(1), std::vector<std::string>{"fast"});
    EXPECT_TRUE(logged(plugin.host, "send queue full"));
    stop_and_check(plugin);
}

TEST(TcpTransport, DropPolicyKeepsTheSlowConnectionAndCountsDrops) {
    PluginInstance plugin(
        listen_on(0, {{"max_queue", int64_t{4}}, {"slow_consumer", "drop"}}));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected slow = connect_client(plugin, port, 4096);
    const std::string body(64 * 1024, 'd');
    for (int i = 0; i < 300; ++i) {
        plugin.deliver(body, {slow.id});
    }
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(plugin.host.count(ConnEvent::Kind::closed, slow.id), 0u);
    stop_and_check(plugin);
    EXPECT_TRUE(logged(plugin.host, "frame(s) dropped"));
    EXPECT_FALSE(logged(plugin.host, "slow consumers: 0 frame(s) dropped"));
}

TEST(TcpTransport, CloseSendsQueuedFramesFirstAndReportsItsCode) {
    PluginInstance plugin(listen_on(0));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected conn = connect_client(plugin, port);
    for (int i = 0; i < 5; ++i) {
        plugin.deliver(body_of(i), {conn.id});
    }
    plugin.close(conn.id, NOTIFY_CLOSE_DISCONNECTED, "bye");
    plugin.deliver("after close", {conn.id});
    const auto frames = conn.client->read_frames(6, 2s);
    EXPECT_EQ(frames, (std::vector<std::string>{body_of(0), body_of(1), body_of(2), body_of(3),
                                                body_of(4)}));
    EXPECT_TRUE(conn.client->wait_eof());
    EXPECT_EQ(plugin.host.wait_closed(conn.id), uint16_t{NOTIFY_CLOSE_DISCONNECTED});
    stop_and_check(plugin);
}

TEST(TcpTransport, BindsOnlyTheConfiguredLoopbackAddress) {
    PluginInstance plugin(listen_on(0));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    EXPECT_EQ(listening_addresses(port), std::vector<std::string>{"127.0.0.1"});
    PluginInstance second(listen_on(port));
    EXPECT_EQ(second.start(), NOTIFY_ERR_IO);
    EXPECT_NE(second.error().find("cannot listen on 127.0.0.1:" + std::to_string(port)),
              std::string::npos)
        << second.error();
    stop_and_check(plugin);
}

TEST(TcpTransport, TlsRoundTripWithASelfSignedCertificate) {
    const auto folder = std::filesystem::temp_directory_path() /
                        ("notify-tcp-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(folder);
    const auto files = make_self_signed(folder);
    ASSERT_TRUE(files.has_value()) << "openssl req failed";
    {
        PluginInstance plugin(
            listen_on(0, {{"tls_certificate", PathValue{files->certificate}},
                                       {"tls_private_key", PathValue{files->private_key}}}));
        ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
        const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
        TlsClient client;
        const auto failure = client.connect(port);
        ASSERT_FALSE(failure.has_value()) << *failure;
        const auto id = plugin.host.wait_open(client.local_port());
        ASSERT_TRUE(id.has_value());
        ASSERT_TRUE(client.send(length_prefixed("over tls") + length_prefixed("twice")));
        ASSERT_TRUE(plugin.host.wait_received(*id, 2));
        EXPECT_EQ(plugin.host.received(*id), (std::vector<std::string>{"over tls", "twice"}));
        plugin.deliver("secret reply", {*id});
        EXPECT_EQ(client.read_exact(4 + 12), length_prefixed("secret reply"));

        TcpClient plain(port);
        plain.send(length_prefixed("not tls"));
        EXPECT_TRUE(plain.wait_eof());
        stop_and_check(plugin);
    }
    std::filesystem::remove_all(folder);
}

TEST(TcpTransport, IdleTimeoutClosesOnlyTheSilentConnection) {
    PluginInstance plugin(listen_on(0, {{"idle_timeout", DurationValue{1000}}}));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected silent = connect_client(plugin, port);
    Connected talker = connect_client(plugin, port);
    // The talker sends every 100 ms for twice the idle timeout; the silent one times out.
    for (int i = 0; i < 20; ++i) {
        std::this_thread::sleep_for(100ms);
        ASSERT_TRUE(talker.client->send(length_prefixed("ping")));
    }
    EXPECT_EQ(plugin.host.wait_closed(silent.id, 3s), close_abnormal);
    EXPECT_TRUE(silent.client->wait_eof());
    EXPECT_EQ(plugin.host.count(ConnEvent::Kind::closed, talker.id), 0u);
    stop_and_check(plugin);
}

TEST(TcpTransport, StopClosesEveryConnectionWithGoingAway) {
    PluginInstance plugin(listen_on(0, {{"threads", int64_t{3}}}));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    std::vector<Connected> conns;
    std::set<uint64_t> ids;
    for (int i = 0; i < 6; ++i) {
        conns.push_back(connect_client(plugin, port));
        ids.insert(conns.back().id);
    }
    EXPECT_EQ(ids.size(), 6u);
    std::set<uint64_t> loops;
    for (uint64_t id : ids) {
        loops.insert(id >> 56);
    }
    EXPECT_EQ(loops.size(), 3u) << "connections are spread round-robin over the threads";
    std::vector<uint64_t> all(ids.begin(), ids.end());
    plugin.deliver("last words", all);
    for (auto &conn : conns) {
        EXPECT_EQ(conn.client->read_frames(1), std::vector<std::string>{"last words"});
    }
    const auto before = std::chrono::steady_clock::now();
    stop_and_check(plugin);
    EXPECT_LT(std::chrono::steady_clock::now() - before, 4s);
    for (auto &conn : conns) {
        EXPECT_TRUE(conn.client->wait_eof(1s));
        EXPECT_EQ(plugin.host.wait_closed(conn.id, 0ms), uint16_t{NOTIFY_CLOSE_GOING_AWAY});
    }
    EXPECT_FALSE(TcpClient(port).connected());
}

TEST(TcpTransport, RefusedConnectionIsClosedWithoutAReport) {
    PluginInstance plugin(listen_on(0));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    plugin.host.set_open_status(NOTIFY_ERR_LIMIT);
    TcpClient client(port);
    ASSERT_TRUE(client.connected());
    EXPECT_TRUE(client.wait_eof());
    stop_and_check(plugin);
}

TEST(TcpTransport, CreateRejectsBadValuesNamingTheKey) {
    const std::vector<std::pair<Config, std::string>> cases = {
        {{{"listen", "0.0.0.0"}}, "listen '0.0.0.0': expected HOST:PORT"},
        {{{"listen", "example.com:7000"}}, "host must be an IPv4 address"},
        {{{"listen", "127.0.0.1:70000"}}, "port out of range"},
        {{{"max_frame_size", int64_t{0}}}, "max_frame_size 0"},
        {{{"max_queue", int64_t{-1}}}, "max_queue -1"},
        {{{"threads", int64_t{65}}}, "threads 65"},
        {{{"slow_consumer", "ignore"}}, "slow_consumer 'ignore'"},
        {{{"idle_timeout", DurationValue{-5}}}, "idle_timeout"},
        {{{"tls_certificate", PathValue{"/nonexistent/cert.pem"}}},
         "set both or neither"},
        {{{"tls_certificate", PathValue{"/nonexistent/cert.pem"}},
          {"tls_private_key", PathValue{"/nonexistent/key.pem"}}},
         "tls_certificate '/nonexistent/cert.pem': not a file"},
        {{{"max_queue", "many"}}, "max_queue: cannot be read"},
    };
    for (const auto &[config, expected] : cases) {
        PluginInstance plugin(config);
        EXPECT_NE(plugin.create_status(), NOTIFY_OK) << expected;
        EXPECT_NE(plugin.error().find(expected), std::string::npos)
            << "got: " << plugin.error() << "\nexpected to contain: " << expected;
    }
}

TEST(TcpTransport, DeliverToUnknownOrClosedIdsReleasesTheFrame) {
    PluginInstance plugin(listen_on(0));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected conn = connect_client(plugin, port);
    conn.client->close();
    ASSERT_TRUE(plugin.host.wait_closed(conn.id).has_value());
    plugin.deliver("nobody", {conn.id, 12345, uint64_t{7} << 56});
    plugin.close(99, NOTIFY_CLOSE_NORMAL, "unknown");
    EXPECT_TRUE(wait_for([] { return live_frames() == 0; }, 2s));
    stop_and_check(plugin);
}

}  // namespace
}  // namespace notify_test
