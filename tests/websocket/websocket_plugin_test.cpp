// Drives notify_websocket.so through its C ABI with real WebSocket and HTTP clients.
#include "fake_host.hpp"
#include "net_probe.hpp"
#include "plugin_instance.hpp"
#include "ws_client.hpp"

#include <boost/beast/websocket/error.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <set>
#include <thread>
#include <utility>
#include <vector>

namespace notify_test {
namespace {

using namespace std::chrono_literals;

constexpr uint16_t port_base = 39100;

Config listen_on(uint16_t port, Config extra = {}) {
    extra["listen"] = "127.0.0.1:" + std::to_string(port);
    return extra;
}

std::string frame_json(int n) {
    return R"({"push":{"message":{"topic":"t","offset":)" + std::to_string(n) +
           R"(,"epoch":"e","data":"m)" + std::to_string(n) + R"("}}})";
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

struct Connected {
    std::unique_ptr<WsClient> client;
    uint64_t id;
};

Connected connect_client(PluginInstance &plugin, uint16_t port, HandshakeOptions options = {}) {
    auto client = std::make_unique<WsClient>();
    const auto error = client->connect(port, options);
    EXPECT_FALSE(error) << error.message();
    const auto id = plugin.host.wait_open(client->local_port());
    EXPECT_TRUE(id.has_value());
    return Connected{std::move(client), id.value_or(0)};
}

TEST(WebsocketPlugin, ListensOnlyOnTheConfiguredLoopbackAddress) {
    const uint16_t port = port_base + 1;
    PluginInstance plugin(listen_on(port));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();

    // Every listening socket on the port is bound to 127.0.0.1 (a socket of another process on
    // the same port number may show up in /proc while tests run in parallel).
    const auto addresses = listening_addresses(port);
    ASSERT_FALSE(addresses.empty());
    for (const auto &address : addresses) EXPECT_EQ(address, "127.0.0.1");
    EXPECT_TRUE(can_connect("127.0.0.1", port));
    // Every 127/8 address reaches lo: only a wildcard bind would accept this one.
    EXPECT_FALSE(can_connect("127.0.0.2", port));
    stop_and_check(plugin);
}

TEST(WebsocketPlugin, LocalhostMeansIpv4Loopback) {
    const uint16_t port = port_base + 2;
    PluginInstance plugin({{"listen", std::string("localhost:") + std::to_string(port)}});
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();
    EXPECT_EQ(listening_addresses(port), std::vector<std::string>{"127.0.0.1"});
    stop_and_check(plugin);
}

TEST(WebsocketPlugin, ClientMessagesReachTheHostIntact) {
    const uint16_t port = port_base + 3;
    PluginInstance plugin(listen_on(port));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();

    WsClient client;
    ASSERT_FALSE(client.connect(port));
    EXPECT_EQ(client.negotiated_subprotocol(), "notify.json.v1");
    const auto id = plugin.host.wait_open(client.local_port());
    ASSERT_TRUE(id);
    const auto events = plugin.host.events();
    EXPECT_EQ(events.front().remote, "127.0.0.1:" + std::to_string(client.local_port()));
    EXPECT_EQ(events.front().encoding, NOTIFY_ENCODING_JSON);

    const std::string small = R"({"id":1,"connect":{}})";
    const std::string large = R"({"id":2,"send":{"data":")" + std::string(50000, 'x') + "\"}}";
    ASSERT_FALSE(client.send_text(small));
    ASSERT_FALSE(client.send_fragments({R"({"id":3,)", R"("ping":)", "{}}"}));
    ASSERT_FALSE(client.send_text(large));
    const std::vector<std::string> expected{small, R"({"id":3,"ping":{}})", large};
    EXPECT_TRUE(plugin.host.wait_received(*id, expected.size()));
    EXPECT_EQ(plugin.host.received(*id), expected);
    stop_and_check(plugin);
}

const std::string upgrade_head =
    "GET /pubsub HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
using HeaderPairs = std::vector<std::pair<std::string, std::string>>;
const HeaderPairs upgrade_head_headers{
    {"host", "127.0.0.1"},
    {"upgrade", "websocket"},
    {"connection", "Upgrade"},
    {"sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="},
    {"sec-websocket-version", "13"},
};

// The headers of the one connection the host saw opened.
HeaderPairs opened_headers(const FakeHost &host) {
    EXPECT_TRUE(host.wait_until([](const std::vector<ConnEvent> &events) {
        return std::any_of(events.begin(), events.end(), [](const ConnEvent &event) {
            return event.kind == ConnEvent::Kind::open;
        });
    }));
    for (const ConnEvent &event : host.events()) {
        if (event.kind == ConnEvent::Kind::open) {
            return event.headers;
        }
    }
    return {};
}

TEST(WebsocketPlugin, UpgradeHeadersReachTheHostInOrderLowercasedAndTrimmed) {
    const uint16_t port = port_base + 31;
    PluginInstance plugin(listen_on(port));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();

    const std::string response = raw_http_head(
        port, {upgrade_head + "Cookie: a=1\r\nX-Forwarded-For:  1.2.3.4 \t\r\n"
                              "x-REPEATED: first\r\nX-Repeated:second \r\n\r\n"});
    EXPECT_EQ(response.rfind("HTTP/1.1 101 ", 0), 0u) << response;
    HeaderPairs expected = upgrade_head_headers;
    expected.insert(expected.end(), {{"cookie", "a=1"},
                                     {"x-forwarded-for", "1.2.3.4"},
                                     {"x-repeated", "first"},
                                     {"x-repeated", "second"}});
    EXPECT_EQ(opened_headers(plugin.host), expected);
    stop_and_check(plugin);
}

TEST(WebsocketPlugin, UpgradeHeadersSplitAcrossReadsReachTheHostWhole) {
    const uint16_t port = port_base + 32;
    PluginInstance plugin(listen_on(port));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();

    const std::string response = raw_http_head(
        port, {upgrade_head + "Cookie: session=", "abc\r\nX-Forwarded-For: 1.2.3.4\r\n", "\r\n"});
    EXPECT_EQ(response.rfind("HTTP/1.1 101 ", 0), 0u) << response;
    HeaderPairs expected = upgrade_head_headers;
    expected.insert(expected.end(), {{"cookie", "session=abc"}, {"x-forwarded-for", "1.2.3.4"}});
    EXPECT_EQ(opened_headers(plugin.host), expected);
    stop_and_check(plugin);
}

TEST(WebsocketPlugin, ClientWithoutSubprotocolSpeaksJson) {
    const uint16_t port = port_base + 4;
    PluginInstance plugin(listen_on(port));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();

    HandshakeOptions options;
    options.subprotocol.clear();
    Connected peer = connect_client(plugin, port, options);
    ASSERT_FALSE(peer.client->send_text(R"({"id":1,"ping":{}})"));
    plugin.deliver(frame_json(1), {peer.id});
    const ReadResult reply = peer.client->read();
    ASSERT_FALSE(reply.error) << reply.error.message();
    EXPECT_EQ(reply.text, frame_json(1));
    EXPECT_FALSE(reply.binary);
    EXPECT_TRUE(plugin.host.wait_received(peer.id, 1));
    stop_and_check(plugin);
}

TEST(WebsocketPlugin, OneDeliverReachesEveryConnectionOfTheBatch) {
    const uint16_t port = port_base + 5;
    PluginInstance plugin(listen_on(port));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();

    std::vector<Connected> peers;
    std::vector<uint64_t> ids;
    for (int i = 0; i < 3; ++i) {
        peers.push_back(connect_client(plugin, port));
        ids.push_back(peers.back().id);
    }
    EXPECT_EQ(std::set<uint64_t>(ids.begin(), ids.end()).size(), 3u);
    plugin.deliver(frame_json(7), ids);
    for (Connected &peer : peers) {
        const ReadResult got = peer.client->read();
        ASSERT_FALSE(got.error) << got.error.message();
        EXPECT_EQ(got.text, frame_json(7));
    }
    EXPECT_TRUE(wait_for([] { return live_frames() == 0; }, 2s));
    stop_and_check(plugin);
}

TEST(WebsocketPlugin, BinarySubprotocolGetsBinaryEncodingBothWays) {
    const uint16_t port = port_base + 22;
    PluginInstance plugin(listen_on(port));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();

    HandshakeOptions binary_options;
    binary_options.subprotocol = "notify.binary.v1";
    Connected binary_peer = connect_client(plugin, port, binary_options);
    EXPECT_EQ(binary_peer.client->negotiated_subprotocol(), "notify.binary.v1");
    Connected json_peer = connect_client(plugin, port);
    EXPECT_EQ(json_peer.client->negotiated_subprotocol(), "notify.json.v1");
    for (const ConnEvent &event : plugin.host.events()) {
        if (event.kind == ConnEvent::Kind::open) {
            EXPECT_EQ(event.encoding, event.conn == binary_peer.id ? NOTIFY_ENCODING_BINARY
                                                                    : NOTIFY_ENCODING_JSON);
        }
    }

    const std::string command("\x01\x00\xff binary command", 18);
    ASSERT_FALSE(binary_peer.client->send_binary(command));
    ASSERT_TRUE(plugin.host.wait_received(binary_peer.id, 1));
    EXPECT_EQ(plugin.host.received(binary_peer.id), std::vector<std::string>{command});

    const std::string binary_push("\x02\x00\x80 binary push", 15);
    plugin.deliver(frame_json(1), {binary_peer.id, json_peer.id}, binary_push);
    const ReadResult binary_got = binary_peer.client->read();
    ASSERT_FALSE(binary_got.error) << binary_got.error.message();
    EXPECT_TRUE(binary_got.binary);
    EXPECT_EQ(binary_got.text, binary_push);
    const ReadResult json_got = json_peer.client->read();
    ASSERT_FALSE(json_got.error) << json_got.error.message();
    EXPECT_FALSE(json_got.binary);
    EXPECT_EQ(json_got.text, frame_json(1));
    stop_and_check(plugin);
}

TEST(WebsocketPlugin, FrameWithoutBinaryFormSkipsBinaryClientsOnly) {
    const uint16_t port = port_base + 23;
    PluginInstance plugin(listen_on(port));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();

    HandshakeOptions binary_options;
    binary_options.subprotocol = "notify.binary.v1";
    Connected binary_peer = connect_client(plugin, port, binary_options);
    Connected json_peer = connect_client(plugin, port);
    plugin.deliver(frame_json(1), {binary_peer.id, json_peer.id}, std::string{});
    plugin.deliver(frame_json(2), {binary_peer.id, json_peer.id}, "second");

    const ReadResult binary_got = binary_peer.client->read();
    ASSERT_FALSE(binary_got.error) << binary_got.error.message();
    EXPECT_EQ(binary_got.text, "second");
    for (int n = 1; n <= 2; ++n) {
        const ReadResult json_got = json_peer.client->read();
        ASSERT_FALSE(json_got.error) << json_got.error.message();
        EXPECT_EQ(json_got.text, frame_json(n));
    }
    EXPECT_TRUE(logged(plugin.host, "no binary form"));
    stop_and_check(plugin);
}

TEST(WebsocketPlugin, BurstOfQueuedFramesArrivesWholeAndInOrder) {
    const uint16_t port = port_base + 24;
    PluginInstance plugin(listen_on(port));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();

    Connected peer = connect_client(plugin, port);
    // Sizes that take each WebSocket length form (7-bit, 16-bit, 64-bit) and cross the point
    // where queued frames stop being written together.
    std::vector<std::string> sent;
    for (int n = 0; n < 300; ++n) {
        const size_t size = n % 50 == 7 ? 70000 : n % 10 == 3 ? 2000 : 20;
        sent.push_back(std::to_string(n) + ":" + std::string(size, 'x'));
        plugin.deliver(sent.back(), {peer.id});
    }
    for (const std::string &expected : sent) {
        const ReadResult got = peer.client->read();
        ASSERT_FALSE(got.error) << got.error.message();
        ASSERT_EQ(got.text, expected);
    }
    stop_and_check(plugin);
}

// A queue judged full before the round's write must not cost a reading client its connection:
// the socket takes what it can first, and only a peer that stopped reading is slow.
TEST(WebsocketPlugin, BurstLargerThanTheQueueReachesAReadingClient) {
    const uint16_t port = port_base + 26;
    PluginInstance plugin(listen_on(port, {{"max_queue", int64_t{8}}}));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();
    Connected peer = connect_client(plugin, port);
    constexpr int frames = 500;
    for (int n = 0; n < frames; ++n) {
        plugin.deliver(frame_json(n), {peer.id});
    }
    for (int n = 0; n < frames; ++n) {
        const ReadResult got = peer.client->read();
        ASSERT_FALSE(got.error) << "frame " << n << ": " << got.error.message();
        ASSERT_EQ(got.text, frame_json(n));
    }
    EXPECT_EQ(plugin.host.count(ConnEvent::Kind::closed, peer.id), 0u);
    EXPECT_FALSE(logged(plugin.host, "closing it with 4001"));
    stop_and_check(plugin);
}

// Writes wait while a sender has unread input (so a burst of publishes is written together),
// but only for a bounded number of service iterations: a client that never pauses cannot hold
// back the frames of others.
TEST(WebsocketPlugin, DeliveriesKeepFlowingWhileAClientFloodsInput) {
    const uint16_t port = port_base + 25;
    PluginInstance plugin(listen_on(port));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();

    Connected sender = connect_client(plugin, port);
    Connected reader = connect_client(plugin, port);
    std::atomic<bool> flooding{true};
    std::atomic<size_t> sent{0};
    std::thread flood([&] {
        const std::string message = R"({"id":1,"publish":{"topic":"t","data":")" +
                                    std::string(200, 'x') + "\"}}";
        while (flooding.load() && !sender.client->send_text(message, 2000ms)) {
            ++sent;
        }
    });
    ASSERT_TRUE(wait_for([&] { return sent.load() > 100; }, 5s));
    for (int n = 0; n < 20; ++n) {
        plugin.deliver(frame_json(n), {reader.id});
        const ReadResult got = reader.client->read(1000ms);
        ASSERT_FALSE(got.error) << "frame " << n << ": " << got.error.message();
        ASSERT_EQ(got.text, frame_json(n));
    }
    flooding.store(false);
    flood.join();
    EXPECT_TRUE(plugin.host.wait_received(sender.id, sent.load()));
    stop_and_check(plugin);
}

TEST(WebsocketPlugin, OversizedMessageClosesWith1009WhileOthersKeepWorking) {
    const uint16_t port = port_base + 6;
    PluginInstance plugin(listen_on(port, {{"max_frame_size", int64_t{1024}}}));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();

    Connected big = connect_client(plugin, port);
    Connected small = connect_client(plugin, port);
    // Two fragments that each fit: only the message as a whole is too big.
    ASSERT_FALSE(big.client->send_fragments({std::string(600, 'a'), std::string(600, 'b')}));
    EXPECT_EQ(big.client->read_until_close(), 1009);
    EXPECT_EQ(plugin.host.wait_closed(big.id), std::optional<uint16_t>(1009));
    EXPECT_TRUE(plugin.host.received(big.id).empty());

    ASSERT_FALSE(small.client->send_text(std::string(1024, 'c')));
    EXPECT_TRUE(plugin.host.wait_received(small.id, 1));
    plugin.deliver(frame_json(1), {small.id});
    EXPECT_EQ(small.client->read().text, frame_json(1));
    stop_and_check(plugin);
}

TEST(WebsocketPlugin, HandshakeFromOriginNotAllowedGets403) {
    const uint16_t port = port_base + 7;
    PluginInstance plugin(listen_on(
        port, {{"allowed_origins", std::vector<std::string>{"http://good.example"}}}));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();

    WsClient evil;
    HandshakeOptions evil_options;
    evil_options.origin = "http://evil.example";
    EXPECT_EQ(evil.connect(port, evil_options), boost::beast::websocket::error::upgrade_declined);
    EXPECT_EQ(evil.http_status(), 403u);

    HandshakeOptions good_options;
    good_options.origin = "http://good.example";
    Connected good = connect_client(plugin, port, good_options);
    EXPECT_EQ(plugin.host.events().size(), 1u);  // only the allowed one was opened
    stop_and_check(plugin);
}

TEST(WebsocketPlugin, HandshakeOnAnotherPathGets404) {
    const uint16_t port = port_base + 8;
    PluginInstance plugin(listen_on(port));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();
    WsClient client;
    HandshakeOptions options;
    options.target = "/elsewhere";
    EXPECT_EQ(client.connect(port, options), boost::beast::websocket::error::upgrade_declined);
    EXPECT_EQ(client.http_status(), 404u);
    EXPECT_TRUE(plugin.host.events().empty());
    stop_and_check(plugin);
}

class TempTree {
public:
    TempTree() {
        std::string pattern = (std::filesystem::temp_directory_path() / "notify-ws-XXXXXX").string();
        root_ = mkdtemp(pattern.data());
    }
    ~TempTree() { std::filesystem::remove_all(root_); }
    TempTree(const TempTree &) = delete;
    TempTree &operator=(const TempTree &) = delete;
    void write(const std::string &relative, const std::string &content) const {
        const auto path = root_ / relative;
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path) << content;
    }
    std::filesystem::path path(const std::string &relative) const { return root_ / relative; }

private:
    std::filesystem::path root_;
};

TEST(WebsocketPlugin, ServesStaticFilesAndRefusesTraversal) {
    const uint16_t port = port_base + 9;
    TempTree tree;
    tree.write("www/index.html", "<h1>notify demo</h1>");
    tree.write("www/app.js", "console.log('hi');");
    tree.write("secret.txt", "TOP-SECRET-CONTENT");
    PluginInstance plugin(listen_on(port, {{"static_root", PathValue{tree.path("www").string()}}}));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();

    const std::string index = raw_http(port, "GET / HTTP/1.0\r\nHost: x\r\n\r\n");
    EXPECT_EQ(index.rfind("HTTP/1.0 200", 0), 0u) << index;
    EXPECT_NE(index.find("<h1>notify demo</h1>"), std::string::npos);
    const std::string script = raw_http(port, "GET /app.js HTTP/1.0\r\nHost: x\r\n\r\n");
    EXPECT_NE(script.find("console.log('hi');"), std::string::npos) << script;

    for (const char *target : {"/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt",
                               "/a/../../secret.txt", "//../secret.txt"}) {
        const std::string response =
            raw_http(port, std::string("GET ") + target + " HTTP/1.0\r\nHost: x\r\n\r\n");
        EXPECT_EQ(response.find("TOP-SECRET-CONTENT"), std::string::npos) << target;
        EXPECT_EQ(response.find(" 200 "), std::string::npos) << target << "\n" << response;
    }
    // The WebSocket endpoint still works on the same port.
    Connected peer = connect_client(plugin, port);
    stop_and_check(plugin);
}

// `printf 'GET ...' | nc` shuts its side right after the request: the answer must still arrive
// whole, even one larger than the socket buffers can hold at once.
TEST(WebsocketPlugin, HalfClosedHttpClientGetsTheWholeFile) {
    const uint16_t port = port_base + 27;
    TempTree tree;
    const std::string big(12 * 1024 * 1024, 'b');
    tree.write("www/big.txt", big);
    PluginInstance plugin(listen_on(port, {{"static_root", PathValue{tree.path("www").string()}}}));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();
    const std::string response =
        raw_http(port, "GET /big.txt HTTP/1.0\r\nHost: x\r\n\r\n", 10s, /*half_close=*/true);
    ASSERT_EQ(response.rfind("HTTP/1.0 200", 0), 0u) << response.substr(0, 200);
    const size_t body = response.find("\r\n\r\n");
    ASSERT_NE(body, std::string::npos);
    EXPECT_EQ(response.size() - body - 4, big.size());
    stop_and_check(plugin);
}

// A second folder under a URL prefix (the JS client beside the demo page), with the same rules.
TEST(WebsocketPlugin, ServesAMountedFolderUnderItsPrefix) {
    const uint16_t port = port_base + 30;
    TempTree tree;
    tree.write("www/index.html", "<h1>page</h1>");
    tree.write("sdk/index.js", "export const sdk = 1;");
    tree.write("outside.txt", "OUTSIDE-CONTENT");
    PluginInstance plugin(listen_on(
        port, {{"static_root", PathValue{tree.path("www").string()}},
               {"static_mount", "/notify-client/"},
               {"static_mount_root", PathValue{tree.path("sdk").string()}}}));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();

    const std::string script =
        raw_http(port, "GET /notify-client/index.js HTTP/1.0\r\nHost: x\r\n\r\n");
    EXPECT_EQ(script.rfind("HTTP/1.0 200", 0), 0u) << script;
    EXPECT_NE(script.find("text/javascript"), std::string::npos) << script;
    EXPECT_NE(script.find("export const sdk = 1;"), std::string::npos) << script;
    const std::string page = raw_http(port, "GET / HTTP/1.0\r\nHost: x\r\n\r\n");
    EXPECT_NE(page.find("<h1>page</h1>"), std::string::npos) << page;
    // The mount's files are not in static_root, and nothing leaves the mount's folder.
    EXPECT_EQ(raw_http(port, "GET /index.js HTTP/1.0\r\nHost: x\r\n\r\n").rfind("HTTP/1.0 404", 0),
              0u);
    for (const char *target : {"/notify-client/../outside.txt", "/notify-client/%2e%2e/outside.txt",
                               "/notify-client/..%2foutside.txt"}) {
        const std::string response =
            raw_http(port, std::string("GET ") + target + " HTTP/1.0\r\nHost: x\r\n\r\n");
        EXPECT_EQ(response.find("OUTSIDE-CONTENT"), std::string::npos) << target;
        EXPECT_EQ(response.find(" 200 "), std::string::npos) << target << "\n" << response;
    }
    stop_and_check(plugin);
}

TEST(WebsocketPlugin, WithoutStaticRootHttpGets404) {
    const uint16_t port = port_base + 10;
    PluginInstance plugin(listen_on(port));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();
    const std::string response = raw_http(port, "GET / HTTP/1.0\r\nHost: x\r\n\r\n");
    EXPECT_EQ(response.rfind("HTTP/1.0 404", 0), 0u) << response;
    stop_and_check(plugin);
}

// The cluster view (docs/cluster.md) on the same port: the host's JSON as it is, without a
// static_root, GET and HEAD; absent from the host table → 404.
TEST(WebsocketPlugin, ServesTheClusterViewsOfTheHost) {
    const uint16_t port = port_base + 28;
    const std::string nodes =
        R"({"nodes":[{"id":"a1","name":"node-1","urls":["ws://127.0.0.1:3301/pubsub"],)"
        R"("connections":1,"clients":1,"users":0,"topics":0,"subscriptions":0,"cpu":0.5,)"
        R"("uptime_ms":10,"self":true}]})";
    const std::string handout =
        R"({"node":{"id":"a1","name":"node-1","urls":["ws://127.0.0.1:3301/pubsub"]},)"
        R"("candidates":[]})";
    PluginInstance plugin(listen_on(port));
    plugin.host.set_cluster_views(
        {{NOTIFY_CLUSTER_VIEW_NODES, nodes}, {NOTIFY_CLUSTER_VIEW_HANDOUT, handout}});
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();

    const auto check_ok = [](const std::string &response, const std::string &body,
                             const std::string &version, bool head = false) {
        EXPECT_EQ(response.rfind(version + " 200 OK\r\n", 0), 0u) << response;
        EXPECT_NE(response.find("\r\nContent-Type: application/json\r\n"), std::string::npos)
            << response;
        EXPECT_NE(response.find("\r\nCache-Control: no-store\r\n"), std::string::npos)
            << response;
        EXPECT_NE(response.find("\r\nContent-Length: " + std::to_string(body.size()) + "\r\n"),
                  std::string::npos)
            << response;
        const size_t end = response.find("\r\n\r\n");
        ASSERT_NE(end, std::string::npos) << response;
        EXPECT_EQ(response.substr(end + 4), head ? "" : body);
    };
    check_ok(raw_http(port, "GET /cluster/nodes HTTP/1.1\r\nHost: x\r\n\r\n"), nodes,
             "HTTP/1.1");
    check_ok(raw_http(port, "GET /cluster/handout?from=lb HTTP/1.0\r\n\r\n"), handout,
             "HTTP/1.0");
    check_ok(raw_http(port, "HEAD /cluster/nodes HTTP/1.1\r\nHost: x\r\n\r\n"), nodes,
             "HTTP/1.1", /*head=*/true);

    const std::string post = raw_http(
        port, "POST /cluster/nodes HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(post.rfind("HTTP/1.1 405", 0), 0u) << post;
    EXPECT_NE(post.find("Allow: GET, HEAD"), std::string::npos) << post;
    // Only the two paths: everything else is still the static files' (none here: 404).
    for (const char *target : {"/cluster", "/cluster/nodes/", "/cluster/other", "/"}) {
        const std::string other =
            raw_http(port, std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(other.rfind("HTTP/1.1 404", 0), 0u) << target << ": " << other;
    }
    // Every view the host handed out was released once; HEAD asks for it too (its length).
    EXPECT_EQ(plugin.host.cluster_views_served(), 3);
    EXPECT_TRUE(wait_for([&] { return plugin.host.cluster_views_released() == 3; }, 2s));
    stop_and_check(plugin);
}

TEST(WebsocketPlugin, ClusterViewsAre404WithoutTheHostFunctionAnd503WhenItFails) {
    {
        const uint16_t port = port_base + 29;
        PluginInstance plugin(listen_on(port));
        plugin.host.set_cluster_views({{NOTIFY_CLUSTER_VIEW_NODES, "{}"}});
        plugin.host.set_table_size_before_cluster_members();
        ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
        ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();
        const std::string response =
            raw_http(port, "GET /cluster/nodes HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(response.rfind("HTTP/1.1 404", 0), 0u) << response;
        EXPECT_EQ(plugin.host.cluster_views_served(), 0);
        stop_and_check(plugin);
    }
    {
        const uint16_t port = port_base + 29;
        PluginInstance plugin(listen_on(port));
        ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
        ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();
        // A 1.3 table whose cluster_view is NULL.
        const std::string missing =
            raw_http(port, "GET /cluster/handout HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(missing.rfind("HTTP/1.1 404", 0), 0u) << missing;
        stop_and_check(plugin);
    }
    {
        const uint16_t port = port_base + 29;
        PluginInstance plugin(listen_on(port));
        plugin.host.set_cluster_views({{NOTIFY_CLUSTER_VIEW_NODES, "{}"}});  // no handout
        ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
        ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();
        const std::string failed =
            raw_http(port, "GET /cluster/handout HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(failed.rfind("HTTP/1.1 503", 0), 0u) << failed;
        stop_and_check(plugin);
    }
}

TEST(WebsocketPlugin, CloseArrivesWithItsCodeAfterQueuedFrames) {
    const uint16_t port = port_base + 11;
    PluginInstance plugin(listen_on(port));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();

    Connected peer = connect_client(plugin, port);
    for (int i = 1; i <= 5; ++i) {
        plugin.deliver(frame_json(i), {peer.id});
    }
    plugin.close(peer.id, 4003, "bye");
    plugin.deliver(frame_json(6), {peer.id});  // after the close: never sent

    std::vector<std::string> messages;
    EXPECT_EQ(peer.client->read_until_close(5s, &messages), 4003);
    EXPECT_EQ(peer.client->close_reason(), "bye");
    const std::vector<std::string> expected{frame_json(1), frame_json(2), frame_json(3),
                                            frame_json(4), frame_json(5)};
    EXPECT_EQ(messages, expected);
    EXPECT_EQ(plugin.host.wait_closed(peer.id), std::optional<uint16_t>(4003));
    stop_and_check(plugin);
}

// Floods a client that does not read until the plugin logs `marker`, checking after every
// burst that the plugin holds no more than max_queue frames for it.
void flood_until_logged(PluginInstance &plugin, uint64_t conn, size_t max_queue,
                        const std::string &marker) {
    const std::string payload(64 * 1024, 'p');
    const std::string big_frame = R"({"push":{"message":{"topic":"t","data":")" + payload + "\"}}}";
    for (int burst = 0; burst < 2000 && !logged(plugin.host, marker); ++burst) {
        for (int i = 0; i < 4; ++i) {
            plugin.deliver(big_frame, {conn});
        }
        ASSERT_TRUE(wait_for(
            [&] { return live_frames() <= static_cast<int64_t>(max_queue); }, 2s))
            << "frames held: " << live_frames();
    }
    ASSERT_TRUE(logged(plugin.host, marker));
}

TEST(WebsocketPlugin, SlowConsumerIsClosedWith4001AndMemoryStaysBounded) {
    const uint16_t port = port_base + 12;
    constexpr size_t max_queue = 8;
    PluginInstance plugin(listen_on(port, {{"max_queue", int64_t{max_queue}}}));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();

    Connected slow = connect_client(plugin, port);
    Connected fast = connect_client(plugin, port);
    flood_until_logged(plugin, slow.id, max_queue, "closing it with 4001");
    EXPECT_TRUE(wait_for([] { return live_frames() == 0; }, 2s));

    // The other client is unaffected.
    plugin.deliver(frame_json(1), {fast.id});
    EXPECT_EQ(fast.client->read().text, frame_json(1));

    // Reading again, the slow client drains what the kernel buffered, then gets the close.
    EXPECT_EQ(slow.client->read_until_close(10s), 4001);
    EXPECT_EQ(plugin.host.wait_closed(slow.id), std::optional<uint16_t>(4001));
    stop_and_check(plugin);
}

TEST(WebsocketPlugin, DropPolicyKeepsASlowConsumerConnected) {
    const uint16_t port = port_base + 13;
    constexpr size_t max_queue = 4;
    PluginInstance plugin(
        listen_on(port, {{"max_queue", int64_t{max_queue}}, {"slow_consumer", "drop"}}));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();

    Connected slow = connect_client(plugin, port);
    flood_until_logged(plugin, slow.id, max_queue, "dropping new frames");
    // The queue may still be full (a frame delivered now would be dropped too): read until the
    // plugin holds no frame any more, which proves the queue drains once the client reads.
    int read_before_marker = 0;
    while (live_frames() > 0) {
        ASSERT_LT(read_before_marker++, 5000) << "frames held: " << live_frames();
        const ReadResult got = slow.client->read();
        ASSERT_FALSE(got.error) << got.error.message() << "; frames held: " << live_frames();
    }
    plugin.deliver(R"({"marker":true})", {slow.id});
    // Some frames were dropped, yet the marker queued after the flood arrives.
    bool marker_seen = false;
    for (int i = 0; i < 5000 && !marker_seen; ++i) {
        const ReadResult got = slow.client->read();
        ASSERT_FALSE(got.error) << got.error.message();
        marker_seen = got.text == R"({"marker":true})";
    }
    EXPECT_TRUE(marker_seen);
    EXPECT_EQ(plugin.host.count(ConnEvent::Kind::closed, slow.id), 0u);
    stop_and_check(plugin);
}

TEST(WebsocketPlugin, HostRefusalClosesWith1008) {
    const uint16_t port = port_base + 14;
    PluginInstance plugin(listen_on(port));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();
    plugin.host.set_open_status(NOTIFY_ERR_LIMIT);
    WsClient client;
    ASSERT_FALSE(client.connect(port));
    EXPECT_EQ(client.read_until_close(), 1008);
    stop_and_check(plugin);  // a refused connection gets no conn_closed
}

TEST(WebsocketPlugin, ConnClosedOnceForEveryWayAConnectionEnds) {
    const uint16_t port = port_base + 15;
    PluginInstance plugin(listen_on(port));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();

    Connected polite = connect_client(plugin, port);
    Connected rude = connect_client(plugin, port);
    Connected closed_by_server = connect_client(plugin, port);
    Connected open_at_stop = connect_client(plugin, port);

    ASSERT_FALSE(polite.client->close(1000));
    EXPECT_EQ(plugin.host.wait_closed(polite.id), std::optional<uint16_t>(1000));
    rude.client->abort();
    EXPECT_EQ(plugin.host.wait_closed(rude.id), std::optional<uint16_t>(1006));
    plugin.close(closed_by_server.id, 4002, "replaced");
    EXPECT_EQ(closed_by_server.client->read_until_close(), 4002);
    EXPECT_EQ(plugin.host.wait_closed(closed_by_server.id), std::optional<uint16_t>(4002));
    // A close asked for a connection that is already gone is ignored.
    plugin.close(rude.id, 4003, "late");
    plugin.deliver(frame_json(1), {rude.id, polite.id});

    auto stopping = std::async(std::launch::async, [&] { plugin.stop(); });
    EXPECT_EQ(open_at_stop.client->read_until_close(), 1001);
    stopping.get();
    EXPECT_EQ(plugin.host.wait_closed(open_at_stop.id), std::optional<uint16_t>(1001));
    stop_and_check(plugin);
}

TEST(WebsocketPlugin, StopClosesEveryClientWithGoingAwayAndStopsListening) {
    const uint16_t port = port_base + 16;
    PluginInstance plugin(listen_on(port));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();
    std::vector<Connected> peers;
    for (int i = 0; i < 3; ++i) {
        peers.push_back(connect_client(plugin, port));
    }
    const auto started = std::chrono::steady_clock::now();
    auto stopping = std::async(std::launch::async, [&] { plugin.stop(); });
    for (Connected &peer : peers) {
        EXPECT_EQ(peer.client->read_until_close(), 1001);
    }
    stopping.get();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3500ms);
    for (Connected &peer : peers) {
        EXPECT_EQ(plugin.host.wait_closed(peer.id), std::optional<uint16_t>(1001));
    }
    EXPECT_FALSE(can_connect("127.0.0.1", port));
    stop_and_check(plugin);
}

TEST(WebsocketPlugin, StopIsBoundedWhenClientsNeverAnswerTheClose) {
    const uint16_t port = port_base + 17;
    PluginInstance plugin(listen_on(port));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();
    Connected mute = connect_client(plugin, port);  // never reads, so never answers the close
    const auto started = std::chrono::steady_clock::now();
    plugin.stop();
    // Bounded by the 3 s shutdown wait, well before the 5 s close grace would end it.
    EXPECT_LT(std::chrono::steady_clock::now() - started, 4900ms);
    EXPECT_EQ(plugin.host.wait_closed(mute.id, 0ms), std::optional<uint16_t>(1001));
    stop_and_check(plugin);
}

TEST(WebsocketPlugin, ClientsThatConnectAndVanishLeaveThePluginServing) {
    const uint16_t port = port_base + 18;
    PluginInstance plugin(listen_on(port));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();

    const std::string handshake =
        "GET /pubsub HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n";
    for (int i = 0; i < 200; ++i) {
        switch (i % 4) {
        case 0: connect_and_vanish(port, "", i % 8 == 0); break;
        case 1: connect_and_vanish(port, handshake.substr(0, 40), false); break;
        case 2: connect_and_vanish(port, handshake, true); break;
        default: connect_and_vanish(port, handshake, false); break;
        }
    }
    Connected survivor = connect_client(plugin, port);
    ASSERT_FALSE(survivor.client->send_text(R"({"id":1,"ping":{}})"));
    EXPECT_TRUE(plugin.host.wait_received(survivor.id, 1));
    plugin.deliver(frame_json(1), {survivor.id});
    EXPECT_EQ(survivor.client->read().text, frame_json(1));
    // Every vanished client that completed its handshake was reported closed.
    EXPECT_TRUE(plugin.host.wait_until(
        [&](const std::vector<ConnEvent> &events) {
            size_t opened = 0;
            size_t closed = 0;
            for (const ConnEvent &event : events) {
                opened += event.kind == ConnEvent::Kind::open ? 1 : 0;
                closed += event.kind == ConnEvent::Kind::closed ? 1 : 0;
            }
            return closed + 1 == opened;
        },
        10s));
    stop_and_check(plugin);
}

TEST(WebsocketPlugin, SeveralServiceThreadsShareThePort) {
    const uint16_t port = port_base + 19;
    PluginInstance plugin(listen_on(port, {{"threads", int64_t{3}}}));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();
    EXPECT_EQ(listening_addresses(port),
              (std::vector<std::string>{"127.0.0.1", "127.0.0.1", "127.0.0.1"}));

    std::vector<Connected> peers;
    std::vector<uint64_t> ids;
    for (int i = 0; i < 12; ++i) {
        peers.push_back(connect_client(plugin, port));
        ids.push_back(peers.back().id);
    }
    EXPECT_EQ(std::set<uint64_t>(ids.begin(), ids.end()).size(), ids.size());
    plugin.deliver(frame_json(3), ids);
    for (Connected &peer : peers) {
        EXPECT_EQ(peer.client->read().text, frame_json(3));
        ASSERT_FALSE(peer.client->send_text("{}"));
    }
    for (uint64_t id : ids) {
        EXPECT_TRUE(plugin.host.wait_received(id, 1));
    }
    stop_and_check(plugin);
}

TEST(WebsocketPlugin, PeerThatNeverAnswersPingsIsDropped) {
    const uint16_t port = port_base + 21;
    PluginInstance plugin(listen_on(port, {{"ping_interval", DurationValue{1000}}}));
    ASSERT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
    ASSERT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();
    Connected mute = connect_client(plugin, port);    // never reads: pings go unanswered
    Connected lively = connect_client(plugin, port);  // a pending read answers pings

    auto reading = std::async(std::launch::async, [&] { return lively.client->read(6000ms); });
    // Ping after 1 s of silence, hang up after 2 s.
    EXPECT_EQ(plugin.host.wait_closed(mute.id, 5s), std::optional<uint16_t>(1006));
    EXPECT_EQ(plugin.host.count(ConnEvent::Kind::closed, lively.id), 0u);
    EXPECT_EQ(reading.get().error, boost::asio::error::timed_out);
    stop_and_check(plugin);
}

TEST(WebsocketPlugin, SecondInstanceOnABusyPortFailsToStartWithAClearError) {
    const uint16_t port = port_base + 20;
    PluginInstance first(listen_on(port));
    ASSERT_EQ(first.create_status(), NOTIFY_OK) << first.error();
    ASSERT_EQ(first.start(), NOTIFY_OK) << first.error();
    PluginInstance second(listen_on(port));
    ASSERT_EQ(second.create_status(), NOTIFY_OK) << second.error();
    EXPECT_LT(second.start(), 0);
    EXPECT_NE(second.error().find("cannot listen on 127.0.0.1:" + std::to_string(port)),
              std::string::npos)
        << second.error();
    stop_and_check(first);
}

struct BadConfig {
    Config config;
    std::string message;
};

class WebsocketPluginConfig : public ::testing::TestWithParam<BadConfig> {};

TEST_P(WebsocketPluginConfig, InvalidValueIsRefusedNamingTheKey) {
    PluginInstance plugin(GetParam().config);
    EXPECT_EQ(plugin.create_status(), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_NE(plugin.error().find(GetParam().message), std::string::npos) << plugin.error();
}

INSTANTIATE_TEST_SUITE_P(
    Keys, WebsocketPluginConfig,
    ::testing::Values(
        BadConfig{{{"listen", "127.0.0.1:99999"}},
                  "websocket: listen '127.0.0.1:99999': port out of range"},
        BadConfig{{{"listen", "127.0.0.1"}}, "websocket: listen '127.0.0.1': expected HOST:PORT"},
        BadConfig{{{"listen", "127.0.0.1:http"}}, "port is not a number"},
        BadConfig{{{"listen", "example.com:80"}},
                  "host must be an IPv4 address or \"localhost\""},
        BadConfig{{{"listen", "[::1]:80"}}, "host must be an IPv4 address"},
        BadConfig{{{"listen", int64_t{80}}}, "websocket: listen: cannot be read"},
        BadConfig{{{"path", "pubsub"}}, "websocket: path 'pubsub'"},
        BadConfig{{{"max_frame_size", int64_t{0}}}, "websocket: max_frame_size 0"},
        BadConfig{{{"threads", int64_t{0}}}, "websocket: threads 0"},
        BadConfig{{{"threads", int64_t{65}}}, "websocket: threads 65"},
        BadConfig{{{"max_queue", int64_t{-1}}}, "websocket: max_queue -1"},
        BadConfig{{{"slow_consumer", "block"}}, "websocket: slow_consumer 'block'"},
        BadConfig{{{"ping_interval", DurationValue{-5}}}, "websocket: ping_interval"},
        BadConfig{{{"allowed_origins", std::vector<std::string>{""}}},
                  "websocket: allowed_origins[0]: is empty"},
        BadConfig{{{"static_root", PathValue{"/nonexistent/notify-www"}}},
                  "websocket: static_root '/nonexistent/notify-www': not a directory"},
        BadConfig{{{"static_mount", "/x/"}}, "static_mount and static_mount_root go together"},
        BadConfig{{{"static_mount_root", PathValue{"/tmp"}}},
                  "static_mount and static_mount_root go together"},
        BadConfig{{{"static_mount", "x/"}, {"static_mount_root", PathValue{"/tmp"}}},
                  "websocket: static_mount 'x/': expected a URL prefix"},
        BadConfig{{{"static_mount", "/a/../"}, {"static_mount_root", PathValue{"/tmp"}}},
                  "websocket: static_mount '/a/../': expected a URL prefix"},
        BadConfig{{{"static_mount", "/x/"},
                   {"static_mount_root", PathValue{"/nonexistent/notify-sdk"}}},
                  "websocket: static_mount_root '/nonexistent/notify-sdk': not a directory"}));

TEST(WebsocketPlugin, DescriptorDeclaresEveryManifestKey) {
    const notify_plugin_descriptor &descriptor = websocket_descriptor();
    EXPECT_EQ(descriptor.abi_major, NOTIFY_ABI_MAJOR);
    EXPECT_STREQ(descriptor.name, "websocket");
    EXPECT_EQ(descriptor.kinds, static_cast<uint32_t>(NOTIFY_KIND_TRANSPORT));
    ASSERT_NE(descriptor.transport, nullptr);
    std::set<std::string> keys;
    for (size_t i = 0; i < descriptor.config_key_count; ++i) {
        keys.insert(descriptor.config_keys[i].name);
    }
    EXPECT_EQ(keys, (std::set<std::string>{"listen", "path", "max_frame_size", "allowed_origins",
                                           "static_root", "static_mount", "static_mount_root",
                                           "threads", "max_queue", "slow_consumer",
                                           "ping_interval"}));
}

}  // namespace
}  // namespace notify_test
