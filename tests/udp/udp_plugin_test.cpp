// Drives notify_udp.so through its C ABI with the session-layer client of sdk/udp_client and
// raw datagrams.
#include "fake_host.hpp"
#include "plugin_instance.hpp"

#include <notify/udp/client.hpp>
#include <notify/udp/wire.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>

namespace notify_test {
namespace {

using namespace std::chrono_literals;
namespace wire = notify::udp::wire;
using notify::udp::Client;
using notify::udp::ClientOptions;

Config listen_on_any_port(Config extra = {}) {
    extra["listen"] = std::string("127.0.0.1:0");
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

void stop_and_check(PluginInstance &plugin) {
    plugin.stop();
    std::string problem;
    EXPECT_TRUE(plugin.host.each_accepted_closed_once(problem)) << problem;
    EXPECT_TRUE(wait_for([] { return live_frames() == 0; }, 2s))
        << live_frames() << " frame(s) still referenced";
}

uint16_t start_on_any_port(PluginInstance &plugin) {
    if (plugin.create_status() != NOTIFY_OK) {
        ADD_FAILURE() << plugin.error();
        return 0;
    }
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

std::unique_ptr<Client> make_client(uint16_t port) {
    ClientOptions options;
    options.port = port;
    auto client = std::make_unique<Client>(options);
    EXPECT_TRUE(client->usable()) << client->error();
    return client;
}

struct Connected {
    std::unique_ptr<Client> client;
    uint64_t conn;
};

Connected connect_client(PluginInstance &plugin, uint16_t port) {
    auto client = make_client(port);
    EXPECT_TRUE(client->connect(2s)) << client->error();
    const auto conn = plugin.host.wait_open(client->local_port());
    EXPECT_TRUE(conn.has_value());
    return Connected{std::move(client), conn.value_or(0)};
}

wire::View view_of(const std::string &text) {
    return wire::View(reinterpret_cast<const uint8_t *>(text.data()), text.size());
}

std::string text_of(const wire::Bytes &bytes) { return std::string(bytes.begin(), bytes.end()); }

size_t opened(const FakeHost &host) {
    const auto events = host.events();
    return static_cast<size_t>(std::count_if(events.begin(), events.end(), [](const auto &e) {
        return e.kind == ConnEvent::Kind::open;
    }));
}

// Every datagram that comes back within a short wait, in total bytes, must be no larger than
// what was sent: the server never amplifies traffic from an unverified address.
void expect_no_amplification(Client &raw, const wire::Bytes &request, const char *what,
                             std::chrono::milliseconds wait = 150ms) {
    ASSERT_TRUE(raw.send_raw(request));
    size_t answered = 0;
    while (const auto reply = raw.receive_raw(wait)) {
        answered += reply->size();
    }
    EXPECT_LE(answered, request.size()) << what;
}

TEST(UdpTransport, HandshakeOpensABinaryConnectionAndCommandsReachTheHost) {
    PluginInstance plugin(listen_on_any_port());
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected connected = connect_client(plugin, port);
    EXPECT_NE(connected.client->session_id(), 0u);
    const auto events = plugin.host.events();
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.front().encoding, NOTIFY_ENCODING_BINARY);
    EXPECT_EQ(events.front().remote,
              "127.0.0.1:" + std::to_string(connected.client->local_port()));

    ASSERT_TRUE(connected.client->send_frame(view_of("command-1")));
    ASSERT_TRUE(connected.client->send_frame(view_of("command-2")));
    ASSERT_TRUE(plugin.host.wait_received(connected.conn, 2));
    EXPECT_EQ(plugin.host.received(connected.conn),
              (std::vector<std::string>{"command-1", "command-2"}));
    stop_and_check(plugin);
}

TEST(UdpTransport, DeliveredFramesReachTheClientInOrder) {
    PluginInstance plugin(listen_on_any_port());
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected connected = connect_client(plugin, port);
    plugin.deliver("push-1", {connected.conn});
    plugin.deliver("push-2", {connected.conn});
    const auto first = connected.client->receive_frame(2s);
    const auto second = connected.client->receive_frame(2s);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(text_of(*first), "push-1");
    EXPECT_EQ(text_of(*second), "push-2");
    stop_and_check(plugin);
}

TEST(UdpTransport, RepeatedConnectWithTheSameCookieKeepsOneSession) {
    PluginInstance plugin(listen_on_any_port());
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    auto client = make_client(port);
    const auto cookie = client->request_cookie(2s);
    ASSERT_TRUE(cookie);
    ASSERT_TRUE(client->connect_with_cookie(*cookie, 2s));
    const uint64_t first_session = client->session_id();
    ASSERT_TRUE(client->connect_with_cookie(*cookie, 2s));
    EXPECT_EQ(client->session_id(), first_session);
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(opened(plugin.host), 1u);
    stop_and_check(plugin);
}

TEST(UdpTransport, AnswersToUnverifiedAddressesAreNeverLargerThanTheRequest) {
    PluginInstance plugin(listen_on_any_port());
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    auto raw = make_client(port);

    ASSERT_TRUE(raw->send_raw(wire::hello()));
    const auto cookie_reply = raw->receive_raw(1s);
    ASSERT_TRUE(cookie_reply);
    EXPECT_EQ(wire::type_of(*cookie_reply), wire::Type::cookie);
    EXPECT_LE(cookie_reply->size(), wire::min_hello_size);

    expect_no_amplification(*raw, wire::hello(), "HELLO");
    wire::Bytes short_hello = wire::hello();
    short_hello.resize(wire::min_hello_size - 1);
    expect_no_amplification(*raw, short_hello, "HELLO below 64 bytes");

    std::mt19937 random(7);
    for (int round = 0; round < 30; ++round) {
        wire::Bytes garbage(1 + random() % 100);
        for (uint8_t &byte : garbage) {
            byte = static_cast<uint8_t>(random());
        }
        expect_no_amplification(*raw, garbage, "garbage", 20ms);
        // The same garbage behind every type byte.
        garbage[0] = static_cast<uint8_t>(1 + round % 10);
        expect_no_amplification(*raw, garbage, "garbage with a valid type byte", 20ms);
    }

    wire::Bytes bogus_data = wire::data_header(0x1122334455667788, 1);
    wire::append_frame(bogus_data, view_of("hi"));
    expect_no_amplification(*raw, bogus_data, "DATA with a bogus session id");
    expect_no_amplification(*raw, wire::range(wire::Type::nack, 42, 1, 1000),
                            "NACK with a bogus session id");
    expect_no_amplification(*raw, wire::ping(wire::Type::ping, 42, 0),
                            "PING with a bogus session id");
    expect_no_amplification(*raw, wire::Bytes(wire::connect_datagram_size, 0x03),
                            "CONNECT with a made-up cookie");
    EXPECT_EQ(opened(plugin.host), 0u);
    stop_and_check(plugin);
}

TEST(UdpTransport, SessionDatagramsFromAnotherAddressAreRefused) {
    PluginInstance plugin(listen_on_any_port());
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected connected = connect_client(plugin, port);
    auto intruder = make_client(port);
    wire::Bytes stolen = wire::data_header(connected.client->session_id(), 1);
    wire::append_frame(stolen, view_of("not-yours"));
    expect_no_amplification(*intruder, stolen, "DATA with a session id of another address");
    ASSERT_TRUE(connected.client->send_frame(view_of("mine")));
    ASSERT_TRUE(plugin.host.wait_received(connected.conn, 1));
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(plugin.host.received(connected.conn), std::vector<std::string>{"mine"});
    stop_and_check(plugin);
}

TEST(UdpTransport, CookieReplayedFromAnotherPortIsRefused) {
    PluginInstance plugin(listen_on_any_port());
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    auto owner = make_client(port);
    const auto cookie = owner->request_cookie(2s);
    ASSERT_TRUE(cookie);
    auto thief = make_client(port);
    EXPECT_FALSE(thief->connect_with_cookie(*cookie, 1s));
    EXPECT_EQ(thief->close_code(), uint16_t{NOTIFY_CLOSE_UNAUTHORIZED});
    EXPECT_EQ(opened(plugin.host), 0u);
    EXPECT_TRUE(owner->connect_with_cookie(*cookie, 2s)) << owner->error();
    stop_and_check(plugin);
}

TEST(UdpTransport, ForgedCookieIsRefused) {
    PluginInstance plugin(listen_on_any_port());
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    auto client = make_client(port);
    const auto cookie = client->request_cookie(2s);
    ASSERT_TRUE(cookie);
    wire::Bytes bad_mac = *cookie;
    bad_mac.back() ^= 0x01;
    EXPECT_FALSE(client->connect_with_cookie(bad_mac, 1s));
    EXPECT_EQ(client->close_code(), uint16_t{NOTIFY_CLOSE_UNAUTHORIZED});
    wire::Bytes moved_time = *cookie;
    moved_time[0] ^= 0x01;
    EXPECT_FALSE(client->connect_with_cookie(moved_time, 1s));
    EXPECT_EQ(client->close_code(), uint16_t{NOTIFY_CLOSE_UNAUTHORIZED});
    EXPECT_EQ(opened(plugin.host), 0u);
    stop_and_check(plugin);
}

TEST(UdpTransport, ExpiredCookieIsRefused) {
    PluginInstance plugin(listen_on_any_port({{"cookie_lifetime", DurationValue{50}}}));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    auto client = make_client(port);
    const auto cookie = client->request_cookie(2s);
    ASSERT_TRUE(cookie);
    std::this_thread::sleep_for(200ms);
    EXPECT_FALSE(client->connect_with_cookie(*cookie, 1s));
    EXPECT_EQ(client->close_code(), uint16_t{NOTIFY_CLOSE_EXPIRED});
    EXPECT_EQ(opened(plugin.host), 0u);
    EXPECT_TRUE(client->connect(2s)) << client->error();
    stop_and_check(plugin);
}

TEST(UdpTransport, SmallFramesShareDatagrams) {
    PluginInstance plugin(listen_on_any_port());
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected connected = connect_client(plugin, port);
    constexpr int count = 200;
    for (int i = 0; i < count; ++i) {
        plugin.deliver("m" + std::to_string(i), {connected.conn});
    }
    for (int i = 0; i < count; ++i) {
        const auto frame = connected.client->receive_frame(2s);
        ASSERT_TRUE(frame) << "frame " << i;
        EXPECT_EQ(text_of(*frame), "m" + std::to_string(i));
    }
    EXPECT_GT(connected.client->stats().most_frames_in_datagram, 1u);
    EXPECT_LT(connected.client->stats().data_datagrams, uint64_t{count});
    stop_and_check(plugin);
}

TEST(UdpTransport, AllMessagesArriveInOrderDespiteTwentyPercentLoss) {
    PluginInstance plugin(listen_on_any_port());
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected connected = connect_client(plugin, port);
    std::mt19937 random(2024);
    std::bernoulli_distribution lose(0.2);
    uint64_t dropped = 0;
    connected.client->set_loss_filter([&](wire::View) {
        const bool drop = lose(random);
        dropped += drop ? 1 : 0;
        return drop;
    });
    constexpr int count = 600;
    // A payload that lets about ten frames share a datagram, so loss takes out whole runs.
    const std::string padding(90, '.');
    for (int i = 0; i < count; ++i) {
        plugin.deliver("loss-" + std::to_string(i) + padding, {connected.conn});
        if (i % 50 == 49) {
            std::this_thread::sleep_for(2ms);
        }
    }
    for (int i = 0; i < count; ++i) {
        const auto frame = connected.client->receive_frame(5s);
        ASSERT_TRUE(frame) << "message " << i << " never arrived";
        ASSERT_EQ(text_of(*frame), "loss-" + std::to_string(i) + padding);
    }
    EXPECT_TRUE(connected.client->lost().empty());
    EXPECT_GT(dropped, 0u);
    EXPECT_GT(connected.client->stats().nacks_sent, 0u);
    stop_and_check(plugin);
}

TEST(UdpTransport, ReceiveHandsOutTheGapInItsPlaceInTheStream) {
    PluginInstance plugin(listen_on_any_port({{"replay_size", int64_t{2}},
                                              {"max_datagram", int64_t{64}}}));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected connected = connect_client(plugin, port);
    // Each 40-byte frame fills a 64-byte datagram alone; the second and third are lost on the
    // way and out of the two-slot ring by the time the client NACKs them.
    int seen = 0;
    connected.client->set_loss_filter([&](wire::View datagram) {
        if (wire::type_of(datagram) != wire::Type::data) return false;
        ++seen;
        return seen == 2 || seen == 3;
    });
    for (int i = 0; i < 6; ++i) {
        plugin.deliver(std::to_string(i) + std::string(39, '-'), {connected.conn});
    }
    std::this_thread::sleep_for(100ms);
    std::vector<std::string> items;
    for (int i = 0; i < 5; ++i) {
        const auto received = connected.client->receive(3s);
        ASSERT_TRUE(received) << "item " << i;
        if (received->lost) {
            EXPECT_TRUE(received->frame.empty());
            items.push_back("gap " + std::to_string(received->lost->first) + ".." +
                            std::to_string(received->lost->second));
        } else {
            items.push_back(text_of(received->frame).substr(0, 1));
        }
    }
    EXPECT_EQ(items, (std::vector<std::string>{"0", "gap 2..3", "3", "4", "5"}));
    EXPECT_EQ(connected.client->lost(),
              (std::vector<std::pair<uint64_t, uint64_t>>{{2, 3}}));
    stop_and_check(plugin);
}

TEST(UdpTransport, DatagramsOutOfTheReplayRingAreReportedLost) {
    PluginInstance plugin(listen_on_any_port({{"replay_size", int64_t{2}},
                                              {"max_datagram", int64_t{64}}}));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected connected = connect_client(plugin, port);
    // Each 40-byte frame fills a 64-byte datagram alone; the first three are lost on the way.
    int seen = 0;
    connected.client->set_loss_filter([&](wire::View datagram) {
        return wire::type_of(datagram) == wire::Type::data && ++seen <= 3;
    });
    for (int i = 0; i < 6; ++i) {
        plugin.deliver(std::to_string(i) + std::string(39, '-'), {connected.conn});
    }
    // All six are sent (1-4 already out of the two-slot ring) before the client's first NACK.
    std::this_thread::sleep_for(100ms);
    const auto frame = connected.client->receive_frame(3s);
    ASSERT_TRUE(frame);
    EXPECT_EQ(text_of(*frame).substr(0, 1), "3");
    ASSERT_FALSE(connected.client->lost().empty());
    EXPECT_EQ(connected.client->lost().front(), (std::pair<uint64_t, uint64_t>{1, 3}));
    stop_and_check(plugin);
}

TEST(UdpTransport, FrameLargerThanADatagramIsSkippedAndCounted) {
    PluginInstance plugin(listen_on_any_port({{"max_datagram", int64_t{200}}}));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected connected = connect_client(plugin, port);
    plugin.deliver("before", {connected.conn});
    plugin.deliver(std::string(300, 'x'), {connected.conn});
    plugin.deliver(std::string(200 - wire::data_header_size - wire::frame_prefix_size, 'y'),
                   {connected.conn});
    plugin.deliver("after", {connected.conn});
    const auto first = connected.client->receive_frame(2s);
    const auto fitting = connected.client->receive_frame(2s);
    const auto last = connected.client->receive_frame(2s);
    ASSERT_TRUE(first && fitting && last);
    EXPECT_EQ(text_of(*first), "before");
    EXPECT_EQ(fitting->size(), 200 - wire::data_header_size - wire::frame_prefix_size);
    EXPECT_EQ(text_of(*last), "after");
    EXPECT_TRUE(logged(plugin.host, "a frame of 300 bytes does not fit max_datagram 200"));
    stop_and_check(plugin);
    EXPECT_TRUE(logged(plugin.host, "1 frame(s) over max_datagram skipped"));
}

TEST(UdpTransport, SilentSessionTimesOutOnceWith1006) {
    PluginInstance plugin(listen_on_any_port({{"session_timeout", DurationValue{100}}}));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected connected = connect_client(plugin, port);
    EXPECT_EQ(plugin.host.wait_closed(connected.conn, 2s), uint16_t{NOTIFY_CLOSE_ABNORMAL});
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(plugin.host.count(ConnEvent::Kind::closed, connected.conn), 1u);
    EXPECT_FALSE(connected.client->receive_frame(500ms));
    EXPECT_EQ(connected.client->close_code(), uint16_t{NOTIFY_CLOSE_ABNORMAL});
    stop_and_check(plugin);
}

TEST(UdpTransport, PingsKeepASessionAlive) {
    PluginInstance plugin(listen_on_any_port({{"session_timeout", DurationValue{1000}}}));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected connected = connect_client(plugin, port);
    // A ping every 100 ms for 3 s: three timeouts pass, none of them silent.
    const auto until = std::chrono::steady_clock::now() + 3s;
    while (std::chrono::steady_clock::now() < until) {
        ASSERT_TRUE(connected.client->ping(1s));
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(plugin.host.count(ConnEvent::Kind::closed, connected.conn), 0u);
    stop_and_check(plugin);
}

TEST(UdpTransport, ClientCloseReportsNormalClosure) {
    PluginInstance plugin(listen_on_any_port());
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected connected = connect_client(plugin, port);
    connected.client->close();
    EXPECT_EQ(plugin.host.wait_closed(connected.conn), uint16_t{NOTIFY_CLOSE_NORMAL});
    stop_and_check(plugin);
}

TEST(UdpTransport, HostCloseSendsQueuedFramesThenTheCode) {
    PluginInstance plugin(listen_on_any_port());
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected connected = connect_client(plugin, port);
    plugin.deliver("last words", {connected.conn});
    plugin.close(connected.conn, NOTIFY_CLOSE_DISCONNECTED, "bye");
    const auto frame = connected.client->receive_frame(2s);
    ASSERT_TRUE(frame);
    EXPECT_EQ(text_of(*frame), "last words");
    EXPECT_FALSE(connected.client->receive_frame(1s));
    EXPECT_EQ(connected.client->close_code(), uint16_t{NOTIFY_CLOSE_DISCONNECTED});
    EXPECT_EQ(plugin.host.wait_closed(connected.conn), uint16_t{NOTIFY_CLOSE_DISCONNECTED});
    stop_and_check(plugin);
}

TEST(UdpTransport, StopClosesEverySessionWith1001) {
    PluginInstance plugin(listen_on_any_port());
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected first = connect_client(plugin, port);
    Connected second = connect_client(plugin, port);
    plugin.stop();
    EXPECT_EQ(plugin.host.wait_closed(first.conn), uint16_t{NOTIFY_CLOSE_GOING_AWAY});
    EXPECT_EQ(plugin.host.wait_closed(second.conn), uint16_t{NOTIFY_CLOSE_GOING_AWAY});
    EXPECT_FALSE(first.client->receive_frame(500ms));
    EXPECT_EQ(first.client->close_code(), uint16_t{NOTIFY_CLOSE_GOING_AWAY});
    stop_and_check(plugin);
}

TEST(UdpTransport, MaxSessionsRefusesTheNextConnect) {
    PluginInstance plugin(listen_on_any_port({{"max_sessions", int64_t{1}}}));
    const uint16_t port = start_on_any_port(plugin);
    ASSERT_NE(port, 0);
    Connected first = connect_client(plugin, port);
    auto second = make_client(port);
    EXPECT_FALSE(second->connect(1s));
    EXPECT_EQ(second->close_code(), uint16_t{NOTIFY_CLOSE_POLICY});
    EXPECT_EQ(opened(plugin.host), 1u);
    stop_and_check(plugin);
}

TEST(UdpTransport, InvalidSettingsNameTheKey) {
    const std::vector<std::pair<Config, std::string>> cases = {
        {{{"listen", std::string("127.0.0.1")}}, "listen '127.0.0.1': expected HOST:PORT"},
        {{{"listen", std::string("0.0.0.0:70000")}}, "port out of range"},
        {{{"listen", std::string("example.com:7001")}}, "host must be an IPv4 address"},
        {{{"max_datagram", int64_t{10}}}, "max_datagram 10: must be between 64 and 65507"},
        {{{"replay_size", int64_t{0}}}, "replay_size 0"},
        {{{"max_queue", int64_t{0}}}, "max_queue 0"},
        {{{"max_sessions", int64_t{0}}}, "max_sessions 0"},
        {{{"slow_consumer", std::string("panic")}}, "slow_consumer 'panic'"},
        {{{"session_timeout", DurationValue{0}}}, "session_timeout 0ms"},
        {{{"cookie_lifetime", DurationValue{1}}}, "cookie_lifetime 1ms"},
        {{{"max_queue", std::string("lots")}}, "max_queue: cannot be read"},
    };
    for (const auto &[config, message] : cases) {
        PluginInstance plugin(config);
        EXPECT_EQ(plugin.create_status(), NOTIFY_ERR_INVALID_ARGUMENT) << message;
        EXPECT_EQ(plugin.error().rfind("udp: ", 0), 0u) << plugin.error();
        EXPECT_NE(plugin.error().find(message), std::string::npos)
            << "got: " << plugin.error() << "\nwanted: " << message;
    }
}

}  // namespace
}  // namespace notify_test
