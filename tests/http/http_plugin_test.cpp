// Loads notify_http.so like notifyd does and drives it with real HTTP clients on loopback.
#include "fake_host.hpp"
#include "http_client.hpp"
#include "net_probe.hpp"
#include "plugin_instance.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace notify_test {
namespace {

using namespace std::chrono_literals;

// Ephemeral ports: a fixed one can be held by a client socket of an earlier test lingering in
// TIME_WAIT, which SO_REUSEADDR does not override.
Config ephemeral(Config extra = {}) {
    extra["listen"] = std::string("127.0.0.1:0");
    return extra;
}

// The port the plugin logged at start ("http: listening on 127.0.0.1:PORT/...").
uint16_t logged_port(const FakeHost &host) {
    static const std::regex listening(R"re(^http: listening on 127\.0\.0\.1:(\d+)/)re");
    for (const std::string &line : host.logs()) {
        std::smatch match;
        if (std::regex_search(line, match, listening)) {
            return static_cast<uint16_t>(std::stoi(match[1]));
        }
    }
    return 0;
}

std::string base(const std::string &token) { return "/http/session/" + token; }

// Creates a session and returns its token and host connection id.
struct Opened {
    std::string token;
    uint64_t conn = 0;
};

Opened open_session(PluginInstance &plugin, uint16_t port) {
    const size_t before = plugin.host.events().size();
    HttpReply reply = http_request(port, "POST", "/http/session");
    EXPECT_EQ(reply.status, 201u) << reply.error << reply.body;
    std::smatch match;
    static const std::regex session_body(R"re(^\{"session":"([0-9a-f]{32})"\}$)re");
    Opened opened;
    if (std::regex_match(reply.body, match, session_body)) {
        opened.token = match[1];
    }
    EXPECT_FALSE(opened.token.empty()) << reply.body;
    const auto events = plugin.host.events();
    for (size_t i = before; i < events.size(); ++i) {
        if (events[i].kind == ConnEvent::Kind::open) {
            opened.conn = events[i].conn;
        }
    }
    EXPECT_NE(opened.conn, 0u);
    return opened;
}

class Started {
public:
    explicit Started(Config config) : plugin(std::move(config)) {
        EXPECT_EQ(plugin.create_status(), NOTIFY_OK) << plugin.error();
        EXPECT_EQ(plugin.start(), NOTIFY_OK) << plugin.error();
        port = logged_port(plugin.host);
        EXPECT_NE(port, 0) << "no port in the start log";
    }
    PluginInstance plugin;
    uint16_t port = 0;
};

TEST(HttpTransport, BindsOnlyTheConfiguredLoopbackAddress) {
    Started server(ephemeral());
    const uint16_t port = server.port;
    EXPECT_EQ(listening_addresses(port), std::vector<std::string>{"127.0.0.1"});
    EXPECT_TRUE(can_connect("127.0.0.1", port));
    EXPECT_FALSE(can_connect("127.0.0.2", port));
}

TEST(HttpTransport, RejectsAMalformedListenAddressNamingIt) {
    PluginInstance plugin({{"listen", std::string("127.0.0.1:99999")}});
    EXPECT_EQ(plugin.create_status(), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_NE(plugin.error().find("listen '127.0.0.1:99999': port out of range"),
              std::string::npos)
        << plugin.error();
}

TEST(HttpTransport, SessionCreationOpensOneHostConnectionWithJsonEncoding) {
    Started server(ephemeral());
    const uint16_t port = server.port;
    const Opened first = open_session(server.plugin, port);
    const Opened second = open_session(server.plugin, port);
    EXPECT_NE(first.token, second.token);
    EXPECT_NE(first.conn, second.conn);
    for (const ConnEvent &event : server.plugin.host.events()) {
        EXPECT_EQ(event.encoding, NOTIFY_ENCODING_JSON);
        EXPECT_EQ(event.remote.rfind("127.0.0.1:", 0), 0u) << event.remote;
    }
}

using HeaderPairs = std::vector<std::pair<std::string, std::string>>;

// The headers of the one connection the host saw opened.
HeaderPairs opened_headers(const FakeHost &host) {
    for (const ConnEvent &event : host.events()) {
        if (event.kind == ConnEvent::Kind::open) {
            return event.headers;
        }
    }
    ADD_FAILURE() << "no connection opened";
    return {};
}

TEST(HttpTransport, SessionRequestHeadersReachTheHostInOrderWithLowercasedNames) {
    Started server(ephemeral());
    const std::string response = raw_http(server.port,
                                          "POST /http/session HTTP/1.1\r\n"
                                          "Host: 127.0.0.1\r\n"
                                          "Cookie: a=1\r\n"
                                          "X-Forwarded-For:  1.2.3.4 \t\r\n"
                                          "x-REPEATED: first\r\n"
                                          "X-Repeated:second\r\n"
                                          "Content-Length: 0\r\n"
                                          "Connection: close\r\n"
                                          "\r\n");
    ASSERT_EQ(response.rfind("HTTP/1.1 201 ", 0), 0u) << response;
    EXPECT_EQ(opened_headers(server.plugin.host), (HeaderPairs{
                                                      {"host", "127.0.0.1"},
                                                      {"cookie", "a=1"},
                                                      {"x-forwarded-for", "1.2.3.4"},
                                                      {"x-repeated", "first"},
                                                      {"x-repeated", "second"},
                                                      {"content-length", "0"},
                                                      {"connection", "close"},
                                                  }));
}

TEST(HttpTransport, SessionRequestHeadersAreCappedAt64) {
    Started server(ephemeral());
    std::string request = "POST /http/session HTTP/1.1\r\nHost: h\r\n";
    for (int i = 1; i < 70; ++i) {
        request += "X-H" + std::to_string(i) + ": v" + std::to_string(i) + "\r\n";
    }
    request += "Content-Length: 0\r\nConnection: close\r\n\r\n";
    const std::string response = raw_http(server.port, request);
    ASSERT_EQ(response.rfind("HTTP/1.1 201 ", 0), 0u) << response;
    const HeaderPairs headers = opened_headers(server.plugin.host);
    ASSERT_EQ(headers.size(), 64u);
    EXPECT_EQ(headers.front(), (std::pair<std::string, std::string>{"host", "h"}));
    EXPECT_EQ(headers.back(), (std::pair<std::string, std::string>{"x-h63", "v63"}));
}

TEST(HttpTransport, CommandsReachTheHostInOrder) {
    Started server(ephemeral());
    const uint16_t port = server.port;
    const Opened session = open_session(server.plugin, port);
    EXPECT_EQ(http_request(port, "POST", base(session.token) + "/commands",
                           "{\"id\":1}\n{\"id\":2}\r\n\n{\"id\":3}")
                  .status,
              202u);
    EXPECT_EQ(http_request(port, "POST", base(session.token) + "/commands", "{\"id\":4}").status,
              202u);
    ASSERT_TRUE(server.plugin.host.wait_received(session.conn, 4));
    EXPECT_EQ(server.plugin.host.received(session.conn),
              (std::vector<std::string>{"{\"id\":1}", "{\"id\":2}", "{\"id\":3}", "{\"id\":4}"}));
    EXPECT_EQ(http_request(port, "POST", base(session.token) + "/commands", "\n\n").status, 400u);
}

TEST(HttpTransport, PollAnswersQueuedFramesAsOneJsonArray) {
    Started server(ephemeral());
    const uint16_t port = server.port;
    const Opened session = open_session(server.plugin, port);
    server.plugin.deliver("{\"a\":1}", {session.conn});
    server.plugin.deliver("{\"b\":[2,3]}", {session.conn});
    std::this_thread::sleep_for(100ms);
    HttpReply reply = http_request(port, "GET", base(session.token) + "/poll");
    EXPECT_EQ(reply.status, 200u);
    EXPECT_EQ(reply.headers["content-type"], "application/json");
    EXPECT_EQ(reply.body, "[{\"a\":1},{\"b\":[2,3]}]");
}

TEST(HttpTransport, PollIsHeldUntilAFrameArrives) {
    Started server(ephemeral());
    const uint16_t port = server.port;
    const Opened session = open_session(server.plugin, port);
    const auto started = std::chrono::steady_clock::now();
    auto poll = std::async(std::launch::async, [&] {
        return http_request(port, "GET", base(session.token) + "/poll");
    });
    std::this_thread::sleep_for(300ms);
    ASSERT_EQ(poll.wait_for(0ms), std::future_status::timeout) << "the poll was not held";
    server.plugin.deliver("{\"late\":true}", {session.conn});
    HttpReply reply = poll.get();
    EXPECT_EQ(reply.body, "[{\"late\":true}]");
    EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
}

TEST(HttpTransport, EmptyPollAnswersAnEmptyArrayAfterPollTimeout) {
    Started server(ephemeral({{"poll_timeout", DurationValue{300}}}));
    const uint16_t port = server.port;
    const Opened session = open_session(server.plugin, port);
    const auto started = std::chrono::steady_clock::now();
    HttpReply reply = http_request(port, "GET", base(session.token) + "/poll");
    const auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(reply.status, 200u);
    EXPECT_EQ(reply.body, "[]");
    EXPECT_GE(waited, 250ms);
    EXPECT_LT(waited, 3s);
}

// Two polls of one session: the server answers the one it received first with [] when the
// second replaces it, and holds the second. Returns the poll still held (invalid when not exactly
// one was answered, [], within 5 s). Which of the two reaches the server first is up to it: no
// fixed sleep is needed to order them.
std::future<HttpReply> replaced_and_held_poll(uint16_t port, const std::string &token) {
    const auto poll = [port, token] { return http_request(port, "GET", base(token) + "/poll"); };
    std::future<HttpReply> first = std::async(std::launch::async, poll);
    std::future<HttpReply> second = std::async(std::launch::async, poll);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
        const bool first_done = first.wait_for(10ms) == std::future_status::ready;
        const bool second_done = second.wait_for(0ms) == std::future_status::ready;
        if (first_done && second_done) {
            ADD_FAILURE() << "both polls were answered: '" << first.get().body << "' and '"
                          << second.get().body << "'";
            return {};
        }
        if (first_done || second_done) {
            std::future<HttpReply> &replaced = first_done ? first : second;
            EXPECT_EQ(replaced.get().body, "[]") << "the replaced poll";
            return std::move(first_done ? second : first);
        }
    }
    ADD_FAILURE() << "neither poll was answered: the newer did not replace the older";
    return {};
}

TEST(HttpTransport, ANewerPollReplacesTheOlderOne) {
    Started server(ephemeral());
    const uint16_t port = server.port;
    const Opened session = open_session(server.plugin, port);
    std::future<HttpReply> newer = replaced_and_held_poll(port, session.token);
    ASSERT_TRUE(newer.valid());
    server.plugin.deliver("{\"n\":1}", {session.conn});
    EXPECT_EQ(newer.get().body, "[{\"n\":1}]");
}

TEST(HttpTransport, SseCarriesEachFrameWithAnIncreasingId) {
    Started server(ephemeral({{"threads", int64_t{2}}}));
    const uint16_t port = server.port;
    const Opened session = open_session(server.plugin, port);
    SseClient stream;
    ASSERT_EQ(stream.open(port, base(session.token) + "/events"), 200u);
    EXPECT_EQ(stream.headers()["content-type"], "text/event-stream");
    for (int i = 1; i <= 3; ++i) {
        server.plugin.deliver("{\"n\":" + std::to_string(i) + "}", {session.conn});
    }
    const auto events = stream.wait_events(3);
    ASSERT_EQ(events.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(events[i].id, std::to_string(i + 1));
        EXPECT_EQ(events[i].event, "");
        EXPECT_EQ(events[i].data, "{\"n\":" + std::to_string(i + 1) + "}");
    }
}

TEST(HttpTransport, SseSendsHeartbeatComments) {
    Started server(ephemeral({{"sse_heartbeat", DurationValue{100}}}));
    const uint16_t port = server.port;
    const Opened session = open_session(server.plugin, port);
    SseClient stream;
    ASSERT_EQ(stream.open(port, base(session.token) + "/events"), 200u);
    stream.wait_events(1, 500ms);
    EXPECT_GE(stream.comments(), 2u);
}

std::vector<std::string> ids_of(const std::vector<SseEvent> &events) {
    std::vector<std::string> ids;
    for (const SseEvent &event : events) {
        ids.push_back(event.event.empty() ? event.id : event.event);
    }
    return ids;
}

TEST(HttpTransport, LastEventIdReplaysExactlyTheMissedFrames) {
    Started server(ephemeral());
    const uint16_t port = server.port;
    const Opened session = open_session(server.plugin, port);
    {
        SseClient first;
        ASSERT_EQ(first.open(port, base(session.token) + "/events"), 200u);
        for (int i = 1; i <= 5; ++i) {
            server.plugin.deliver("{\"n\":" + std::to_string(i) + "}", {session.conn});
        }
        ASSERT_EQ(first.wait_events(5).size(), 5u);
    }
    for (int i = 6; i <= 8; ++i) {
        server.plugin.deliver("{\"n\":" + std::to_string(i) + "}", {session.conn});
    }
    std::this_thread::sleep_for(100ms);
    SseClient by_header;
    ASSERT_EQ(by_header.open(port, base(session.token) + "/events", {{"Last-Event-ID", "2"}}),
              200u);
    const auto replayed = by_header.wait_events(6);
    EXPECT_EQ(ids_of(replayed), (std::vector<std::string>{"3", "4", "5", "6", "7", "8"}));
    EXPECT_EQ(by_header.wait_events(7, 200ms).size(), 6u) << "a frame came twice";
    by_header.close();

    SseClient by_query;
    ASSERT_EQ(by_query.open(port, base(session.token) + "/events?last_event_id=6"), 200u);
    EXPECT_EQ(ids_of(by_query.wait_events(2)), (std::vector<std::string>{"7", "8"}));
    EXPECT_EQ(by_query.wait_events(3, 200ms).size(), 2u);
}

TEST(HttpTransport, LastEventIdOlderThanTheReplayRingGetsAGapEventFirst) {
    Started server(ephemeral({{"replay_size", int64_t{3}}}));
    const uint16_t port = server.port;
    const Opened session = open_session(server.plugin, port);
    for (int i = 1; i <= 6; ++i) {
        server.plugin.deliver("{\"n\":" + std::to_string(i) + "}", {session.conn});
    }
    std::this_thread::sleep_for(100ms);
    ASSERT_EQ(http_request(port, "GET", base(session.token) + "/poll").status, 200u);
    SseClient stream;
    ASSERT_EQ(stream.open(port, base(session.token) + "/events", {{"Last-Event-ID", "1"}}),
              200u);
    const auto events = stream.wait_events(4);
    EXPECT_EQ(ids_of(events), (std::vector<std::string>{"gap", "4", "5", "6"}));
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events[0].data, "{\"last_event_id\":1,\"oldest\":4}");
}

TEST(HttpTransport, UnknownForeignOrMalformedSessionPathsAre404AndWrongMethods405) {
    Started server(ephemeral());
    Started other(ephemeral());
    const uint16_t port = server.port;
    const uint16_t other_port = other.port;
    const Opened foreign = open_session(other.plugin, other_port);
    for (const std::string &target :
         {base(foreign.token) + "/poll", base("00000000000000000000000000000000") + "/poll",
          base("") + "/poll", std::string("/http/nothing"), std::string("/elsewhere"),
          base(foreign.token) + "/unknown"}) {
        HttpReply reply = http_request(port, "GET", target);
        EXPECT_EQ(reply.status, 404u) << target;
        EXPECT_EQ(reply.headers["content-type"], "application/json") << target;
        EXPECT_EQ(reply.body.rfind("{\"error\":", 0), 0u) << target << ": " << reply.body;
    }
    EXPECT_EQ(http_request(port, "POST", base(foreign.token) + "/commands", "{}").status, 404u);
    EXPECT_EQ(http_request(port, "DELETE", base(foreign.token)).status, 404u);
    HttpReply wrong = http_request(port, "GET", "/http/session");
    EXPECT_EQ(wrong.status, 405u);
    EXPECT_EQ(wrong.headers["allow"], "POST, OPTIONS");
}

TEST(HttpTransport, ABodyLargerThanMaxFrameSizeIs413) {
    Started server(ephemeral({{"max_frame_size", int64_t{1024}}}));
    const uint16_t port = server.port;
    const Opened session = open_session(server.plugin, port);
    HttpReply reply =
        http_request(port, "POST", base(session.token) + "/commands", std::string(2000, 'x'));
    EXPECT_EQ(reply.status, 413u) << reply.error;
    EXPECT_TRUE(server.plugin.host.received(session.conn).empty());
}

TEST(HttpTransport, CorsAllowsAnyOriginByDefault) {
    Started server(ephemeral());
    const uint16_t port = server.port;
    HttpReply reply =
        http_request(port, "POST", "/http/session", {}, {{"Origin", "http://a.example"}});
    EXPECT_EQ(reply.status, 201u);
    EXPECT_EQ(reply.headers["access-control-allow-origin"], "*");
}

TEST(HttpTransport, CorsEchoesListedOriginsRefusesOthersAndAnswersPreflight) {
    Started server(
        ephemeral({{"allowed_origins", std::vector<std::string>{"http://good.example"}}}));
    const uint16_t port = server.port;
    HttpReply allowed =
        http_request(port, "POST", "/http/session", {}, {{"Origin", "http://good.example"}});
    EXPECT_EQ(allowed.status, 201u);
    EXPECT_EQ(allowed.headers["access-control-allow-origin"], "http://good.example");
    EXPECT_EQ(allowed.headers["vary"], "Origin");

    HttpReply refused =
        http_request(port, "POST", "/http/session", {}, {{"Origin", "http://evil.example"}});
    EXPECT_EQ(refused.status, 403u);
    EXPECT_EQ(refused.headers.count("access-control-allow-origin"), 0u);

    HttpReply preflight = http_request(
        port, "OPTIONS", "/http/session/0123/commands", {},
        {{"Origin", "http://good.example"}, {"Access-Control-Request-Method", "POST"}});
    EXPECT_EQ(preflight.status, 204u);
    EXPECT_EQ(preflight.headers["access-control-allow-origin"], "http://good.example");
    EXPECT_EQ(preflight.headers["access-control-allow-methods"], "POST, OPTIONS");
    EXPECT_NE(preflight.headers["access-control-allow-headers"].find("Last-Event-ID"),
              std::string::npos);
    // One session, from the allowed origin only.
    size_t opens = 0;
    for (const ConnEvent &event : server.plugin.host.events()) {
        opens += event.kind == ConnEvent::Kind::open ? 1 : 0;
    }
    EXPECT_EQ(opens, 1u);
}

TEST(HttpTransport, AnIdleSessionTimesOutWithOneConnClosed) {
    Started server(ephemeral({{"session_timeout", DurationValue{300}},
                              {"poll_timeout", DurationValue{100}}}));
    const uint16_t port = server.port;
    const Opened session = open_session(server.plugin, port);
    // A poll keeps it alive while it is held and restarts the clock when it ends.
    EXPECT_EQ(http_request(port, "GET", base(session.token) + "/poll").body, "[]");
    EXPECT_EQ(server.plugin.host.count(ConnEvent::Kind::closed, session.conn), 0u);
    EXPECT_EQ(server.plugin.host.wait_closed(session.conn, 3s), uint16_t{1001});
    std::this_thread::sleep_for(400ms);
    EXPECT_EQ(server.plugin.host.count(ConnEvent::Kind::closed, session.conn), 1u);
    EXPECT_EQ(http_request(port, "GET", base(session.token) + "/poll").status, 404u);
}

TEST(HttpTransport, DeleteEndsTheSessionWith1000) {
    Started server(ephemeral());
    const uint16_t port = server.port;
    const Opened session = open_session(server.plugin, port);
    EXPECT_EQ(http_request(port, "DELETE", base(session.token)).status, 204u);
    EXPECT_EQ(server.plugin.host.wait_closed(session.conn), uint16_t{1000});
    EXPECT_EQ(http_request(port, "GET", base(session.token) + "/poll").status, 404u);
}

TEST(HttpTransport, HostCloseSendsTheQueuedFramesThenACloseEventOnTheStream) {
    Started server(ephemeral());
    const uint16_t port = server.port;
    const Opened session = open_session(server.plugin, port);
    SseClient stream;
    ASSERT_EQ(stream.open(port, base(session.token) + "/events"), 200u);
    server.plugin.deliver("{\"last\":1}", {session.conn});
    server.plugin.deliver("{\"last\":2}", {session.conn});
    server.plugin.close(session.conn, 4003, "bye \"now\"");
    server.plugin.deliver("{\"after\":true}", {session.conn});
    const auto events = stream.wait_events(3);
    EXPECT_EQ(ids_of(events), (std::vector<std::string>{"1", "2", "close"}));
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[2].data, "{\"code\":4003,\"reason\":\"bye \\\"now\\\"\"}");
    EXPECT_TRUE(stream.wait_end());
    EXPECT_EQ(server.plugin.host.wait_closed(session.conn), uint16_t{4003});
}

TEST(HttpTransport, HostCloseGivesAPollerTheFinalFrames) {
    Started server(ephemeral());
    const uint16_t port = server.port;
    const Opened session = open_session(server.plugin, port);
    server.plugin.deliver("{\"final\":1}", {session.conn});
    server.plugin.close(session.conn, 4003, "bye");
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(server.plugin.host.count(ConnEvent::Kind::closed, session.conn), 0u)
        << "closed before its queued frame was taken";
    EXPECT_EQ(http_request(port, "GET", base(session.token) + "/poll").body, "[{\"final\":1}]");
    EXPECT_EQ(server.plugin.host.wait_closed(session.conn), uint16_t{4003});
    EXPECT_EQ(http_request(port, "GET", base(session.token) + "/poll").status, 404u);
}

TEST(HttpTransport, ASseReaderThatStopsReadingIsClosedWith4001) {
    constexpr int64_t max_queue = 4;
    constexpr int64_t replay_size = 4;
    {
        Started server(ephemeral({{"max_queue", max_queue}, {"replay_size", replay_size}}));
        const uint16_t port = server.port;
        const Opened session = open_session(server.plugin, port);
        SseClient stalled;
        ASSERT_EQ(stalled.open(port, base(session.token) + "/events", {}, 4096), 200u);
        const std::string big = "\"" + std::string(64 * 1024, 'x') + "\"";
        std::optional<uint16_t> code;
        int64_t peak = 0;
        int delivered = 0;
        constexpr int burst = 8;
        while (delivered < 2000 && !code) {
            for (int i = 0; i < burst; ++i) {
                server.plugin.deliver(big, {session.conn});
            }
            delivered += burst;
            code = server.plugin.host.wait_closed(session.conn, 50ms);
            peak = std::max(peak, live_frames());
        }
        if (!code) {
            code = server.plugin.host.wait_closed(session.conn, 2s);
        }
        EXPECT_EQ(code, uint16_t{4001});
        // Waiting frames plus the replay ring, and one burst still in the inbox at worst.
        EXPECT_LE(peak, max_queue + replay_size + burst) << "after " << delivered << " frames";
    }
    EXPECT_EQ(live_frames(), 0);
}

TEST(HttpTransport, AStreamWhoseWritesStallPastWriteTimeoutIsEnded) {
    Started server(ephemeral({{"write_timeout", DurationValue{300}},
                              {"session_timeout", DurationValue{300}},
                              {"max_queue", int64_t{100000}}}));
    const uint16_t port = server.port;
    const Opened session = open_session(server.plugin, port);
    SseClient stalled;
    ASSERT_EQ(stalled.open(port, base(session.token) + "/events", {}, 4096), 200u);
    const std::string big = "\"" + std::string(64 * 1024, 'x') + "\"";
    for (int i = 0; i < 200; ++i) {
        server.plugin.deliver(big, {session.conn});
    }
    // Only an ended stream lets the session go idle and time out.
    EXPECT_EQ(server.plugin.host.wait_closed(session.conn, 5s), uint16_t{1001});
}

TEST(HttpTransport, TooManySessionsAre503) {
    Started server(ephemeral({{"max_sessions", int64_t{2}}}));
    const uint16_t port = server.port;
    open_session(server.plugin, port);
    open_session(server.plugin, port);
    HttpReply third = http_request(port, "POST", "/http/session");
    EXPECT_EQ(third.status, 503u);
    EXPECT_NE(third.body.find("max_sessions"), std::string::npos) << third.body;
}

TEST(HttpTransport, StopEndsStreamsPollsAndSessions) {
    Started server(ephemeral());
    const uint16_t port = server.port;
    const Opened streamed = open_session(server.plugin, port);
    const Opened polled = open_session(server.plugin, port);
    const Opened idle = open_session(server.plugin, port);
    SseClient stream;
    ASSERT_EQ(stream.open(port, base(streamed.token) + "/events"), 200u);
    // A poll the server certainly holds at the stop (no fixed sleep decides it).
    std::future<HttpReply> poll = replaced_and_held_poll(port, polled.token);
    ASSERT_TRUE(poll.valid());
    const auto started = std::chrono::steady_clock::now();
    server.plugin.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    const auto events = stream.wait_events(1);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].event, "close");
    EXPECT_EQ(events[0].data, "{\"code\":1001,\"reason\":\"server shutdown\"}");
    EXPECT_EQ(poll.get().body, "[]");
    for (const uint64_t conn : {streamed.conn, polled.conn, idle.conn}) {
        EXPECT_EQ(server.plugin.host.wait_closed(conn, 100ms), uint16_t{1001});
    }
    std::string problem;
    EXPECT_TRUE(server.plugin.host.each_accepted_closed_once(problem)) << problem;
    EXPECT_FALSE(can_connect("127.0.0.1", port));
}

}  // namespace
}  // namespace notify_test
