// The HTTP request head parser and the WebSocket handshake decision, as pure functions.
#include "handshake.hpp"
#include "http_request.hpp"
#include "http_response_parts.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace notify::websocket {
namespace {

constexpr size_t max_head = 8192;

struct Parsed {
    HeadStatus status;
    HttpRequest request;
    size_t head_length = 0;
};

Parsed parse(std::string_view bytes, size_t limit = max_head) {
    Parsed parsed{};
    parsed.status = parse_request_head(bytes, limit, parsed.request, parsed.head_length);
    return parsed;
}

const std::string handshake_head =
    "GET /pubsub?token=abc HTTP/1.1\r\n"
    "Host: localhost:3000\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Protocol: notify.json.v1\r\n"
    "Origin: http://localhost:3000\r\n"
    "User-Agent: test/1.0\r\n"
    "\r\n";

TEST(ParseRequestHead, ParsesAHandshakeInOnePieceAndStopsAtTheBlankLine) {
    const std::string bytes = handshake_head + "\x81\x85 first frame bytes";
    const Parsed parsed = parse(bytes);
    ASSERT_EQ(parsed.status, HeadStatus::complete);
    EXPECT_EQ(parsed.head_length, handshake_head.size());
    const HttpRequest &request = parsed.request;
    EXPECT_EQ(request.method, "GET");
    EXPECT_EQ(request.target, "/pubsub");
    EXPECT_EQ(request.version, "HTTP/1.1");
    EXPECT_EQ(request.host, "localhost:3000");
    EXPECT_EQ(request.upgrade, "websocket");
    EXPECT_EQ(request.connection, "Upgrade");
    EXPECT_EQ(request.websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    EXPECT_EQ(request.websocket_version, "13");
    EXPECT_EQ(request.websocket_protocol, "notify.json.v1");
    EXPECT_EQ(request.origin, "http://localhost:3000");
}

TEST(ParseRequestHead, IsIncompleteUntilTheLastByteArrives) {
    for (size_t length = 0; length < handshake_head.size(); ++length) {
        HttpRequest request;
        size_t head_length = 12345;
        EXPECT_EQ(parse_request_head(std::string_view(handshake_head).substr(0, length), max_head,
                                     request, head_length),
                  HeadStatus::incomplete)
            << "after " << length << " bytes";
        EXPECT_EQ(head_length, 12345u) << "head_length is only set when complete";
    }
    const Parsed parsed = parse(handshake_head);
    ASSERT_EQ(parsed.status, HeadStatus::complete);
    EXPECT_EQ(parsed.head_length, handshake_head.size());
    EXPECT_EQ(parsed.request.websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
}

TEST(ParseRequestHead, AcceptsBareLineFeeds) {
    const std::string head = "GET /x?y HTTP/1.1\nHost: h\nUpgrade: websocket\n\n";
    const Parsed parsed = parse(head + "body");
    ASSERT_EQ(parsed.status, HeadStatus::complete);
    EXPECT_EQ(parsed.head_length, head.size());
    EXPECT_EQ(parsed.request.target, "/x");
    EXPECT_EQ(parsed.request.host, "h");
    EXPECT_EQ(parsed.request.upgrade, "websocket");

    const std::string mixed = "GET / HTTP/1.1\r\nHost: h\n\r\n";
    const Parsed mixed_parsed = parse(mixed + "tail");
    ASSERT_EQ(mixed_parsed.status, HeadStatus::complete);
    EXPECT_EQ(mixed_parsed.head_length, mixed.size());
    EXPECT_EQ(mixed_parsed.request.host, "h");

    EXPECT_EQ(parse("GET / HTTP/1.1\nHost: h\n").status, HeadStatus::incomplete);
    EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\n\r").status, HeadStatus::incomplete);
}

TEST(ParseRequestHead, IsTooLargeWhenNoBlankLineFitsTheLimit) {
    const std::string head = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";  // 27 bytes
    ASSERT_EQ(head.size(), 27u);
    EXPECT_EQ(parse(head, 27).status, HeadStatus::complete);
    EXPECT_EQ(parse(head, 26).status, HeadStatus::too_large);
    EXPECT_EQ(parse(head.substr(0, 20), 26).status, HeadStatus::incomplete);
    EXPECT_EQ(parse(head.substr(0, 26), 26).status, HeadStatus::too_large);

    std::string endless = "GET / HTTP/1.1\r\nHost: h\r\nX-Filler: ";
    endless += std::string(10000, 'a');
    EXPECT_EQ(parse(endless, 4096).status, HeadStatus::too_large);
    EXPECT_EQ(parse(endless + "\r\n\r\n", 4096).status, HeadStatus::too_large);
    EXPECT_EQ(parse(endless + "\r\n\r\n", 20000).status, HeadStatus::complete);
    // Many short lines count as much as one long one.
    std::string many_lines = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 2000; ++i) {
        many_lines += "A: b\r\n";
    }
    EXPECT_EQ(parse(many_lines, 4096).status, HeadStatus::too_large);
}

TEST(ParseRequestHead, RejectsMalformedHeads) {
    using namespace std::string_literals;
    const std::vector<std::string> malformed = {
        "GET /\r\n\r\n",                                            // no version
        "GET / HTTP/2.0\r\nHost: h\r\n\r\n",                        // unsupported version
        "GET / HTTP/0.9\r\nHost: h\r\n\r\n",                        //
        "GET / http/1.1\r\nHost: h\r\n\r\n",                        // version is case-sensitive
        "GET / HTTP/1.1 x\r\nHost: h\r\n\r\n",                      // a fourth word
        "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",                       // two spaces
        "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n",                       // tab as separator
        " GET / HTTP/1.1\r\nHost: h\r\n\r\n",                       // leading space
        "\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",                    // empty request line
        "G(T / HTTP/1.1\r\nHost: h\r\n\r\n",                        // not a token
        "GET pubsub HTTP/1.1\r\nHost: h\r\n\r\n",                   // not origin-form
        "GET ftp://h/x HTTP/1.1\r\nHost: h\r\n\r\n",                // unknown scheme
        "GET * HTTP/1.1\r\nHost: h\r\n\r\n",                        // "*" is for OPTIONS
        "GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n"s,                   // NUL in the target
        "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n",             // raw UTF-8 in the target
        "GET / HTTP/1.1\rX\r\nHost: h\r\n\r\n",                     // bare CR
        "GET / HTTP/1.1\r\nHost h\r\n\r\n",                         // no colon
        "GET / HTTP/1.1\r\nHost : h\r\n\r\n",                       // space before the colon
        "GET / HTTP/1.1\r\n: v\r\nHost: h\r\n\r\n",                 // empty name
        "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n folded\r\n\r\n",   // obs-fold
        "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n\tfolded\r\n\r\n",  // obs-fold with a tab
        "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n"s,          // NUL in a value
        "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n",           // bare CR in a value
        "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x7f\r\n\r\n",          // DEL in a value
        "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01\r\n\r\n",          // control char in a value
        "GET / HTTP/1.1\r\nHost: h\r\nX\0A: b\r\n\r\n"s,            // NUL in a name
        "GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",             // HTTP/1.1 without Host
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",             // two Hosts
        "\r\n\r\n",
        "\n\n",
    };
    for (const std::string &head : malformed) {
        EXPECT_EQ(parse(head).status, HeadStatus::malformed) << testing::PrintToString(head);
    }
}

TEST(ParseRequestHead, AcceptsWhatHttpAllows) {
    const Parsed http10 = parse("GET /index.html HTTP/1.0\r\n\r\n");
    ASSERT_EQ(http10.status, HeadStatus::complete);  // Host is optional before HTTP/1.1
    EXPECT_EQ(http10.request.version, "HTTP/1.0");
    EXPECT_EQ(http10.request.target, "/index.html");

    const Parsed absolute =
        parse("GET http://example.com:3000/pubsub?x=1 HTTP/1.1\r\nHost: h\r\n\r\n");
    ASSERT_EQ(absolute.status, HeadStatus::complete);
    EXPECT_EQ(absolute.request.target, "/pubsub");
    const Parsed bare_authority = parse("GET HTTP://example.com?x HTTP/1.1\r\nHost: h\r\n\r\n");
    ASSERT_EQ(bare_authority.status, HeadStatus::complete);
    EXPECT_EQ(bare_authority.request.target, "/");

    const Parsed options = parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
    ASSERT_EQ(options.status, HeadStatus::complete);
    EXPECT_EQ(options.request.method, "OPTIONS");
    EXPECT_EQ(options.request.target, "*");

    // Unknown headers pass; obs-text (bytes >= 0x80) is allowed in values; empty values too.
    const Parsed lenient = parse(
        "DELETE /x HTTP/1.1\r\nHost:\r\nX-Name: caf\xc3\xa9\r\nX-Empty:\r\nOrigin:  \t \r\n\r\n");
    ASSERT_EQ(lenient.status, HeadStatus::complete);
    EXPECT_EQ(lenient.request.method, "DELETE");
    EXPECT_EQ(lenient.request.host, "");
    EXPECT_EQ(lenient.request.origin, "");
}

TEST(ParseRequestHead, MatchesNamesInAnyCaseAndTrimsValues) {
    const Parsed parsed = parse(
        "GET / HTTP/1.1\r\n"
        "hOsT:h\r\n"
        "UPGRADE: \t WebSocket \t\r\n"
        "connection: keep-alive, Upgrade\r\n"
        "SEC-WEBSOCKET-KEY:   abc  \r\n"
        "sec-websocket-version: 13\r\n"
        "Sec-Websocket-Protocol: a , b\r\n"
        "ORIGIN: http://o\r\n"
        "\r\n");
    ASSERT_EQ(parsed.status, HeadStatus::complete);
    EXPECT_EQ(parsed.request.host, "h");
    EXPECT_EQ(parsed.request.upgrade, "WebSocket");
    EXPECT_EQ(parsed.request.connection, "keep-alive, Upgrade");
    EXPECT_EQ(parsed.request.websocket_key, "abc");
    EXPECT_EQ(parsed.request.websocket_version, "13");
    EXPECT_EQ(parsed.request.websocket_protocol, "a , b");
    EXPECT_EQ(parsed.request.origin, "http://o");
}

TEST(ParseRequestHead, JoinsRepeatedHeaders) {
    const Parsed parsed = parse(
        "GET / HTTP/1.1\r\nHost: h\r\n"
        "Connection: keep-alive\r\nconnection: Upgrade\r\n"
        "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: notify.binary.v1\r\n"
        "Origin: http://a\r\nOrigin: http://b\r\n\r\n");
    ASSERT_EQ(parsed.status, HeadStatus::complete);
    EXPECT_EQ(parsed.request.connection, "keep-alive, Upgrade");
    EXPECT_EQ(parsed.request.websocket_protocol, "chat, notify.binary.v1");
    EXPECT_EQ(parsed.request.origin, "http://a, http://b");
}

using HeaderPairs = std::vector<std::pair<std::string, std::string>>;

HeaderPairs pairs_of(const HeaderList &headers) {
    HeaderPairs pairs;
    for (size_t i = 0; i < headers.size(); ++i) {
        pairs.emplace_back(headers.name(i), headers.value(i));
    }
    return pairs;
}

TEST(ParseRequestHead, KeepsEveryHeaderInOrderLowercasedAndTrimmed) {
    const Parsed parsed = parse(
        "GET /pubsub HTTP/1.1\r\n"
        "Host: h\r\n"
        "X-Forwarded-FOR: \t 1.2.3.4 \t\r\n"
        "Cookie: a=1\r\n"
        "cookie:b=2  \r\n"
        "X-Empty:\r\n"
        "X-Name: caf\xc3\xa9\r\n"
        "Upgrade: websocket\r\n"
        "COOKIE:   c = 3 ; d=4\r\n"
        "\r\n");
    ASSERT_EQ(parsed.status, HeadStatus::complete);
    EXPECT_EQ(pairs_of(parsed.request.headers), (HeaderPairs{
                                                    {"host", "h"},
                                                    {"x-forwarded-for", "1.2.3.4"},
                                                    {"cookie", "a=1"},
                                                    {"cookie", "b=2"},
                                                    {"x-empty", ""},
                                                    {"x-name", "caf\xc3\xa9"},
                                                    {"upgrade", "websocket"},
                                                    {"cookie", "c = 3 ; d=4"},
                                                }));
    // The list is an addition: the known fields are filled as before.
    EXPECT_EQ(parsed.request.host, "h");
    EXPECT_EQ(parsed.request.upgrade, "websocket");
}

TEST(ParseRequestHead, KeepsNoHeadersWhenTheHeadHasNone) {
    const Parsed parsed = parse("GET / HTTP/1.0\r\n\r\n");
    ASSERT_EQ(parsed.status, HeadStatus::complete);
    EXPECT_EQ(parsed.request.headers.size(), 0u);
}

TEST(ParseRequestHead, KeepsTheFirst64HeadersAndStillChecksTheRest) {
    std::string head = "GET / HTTP/1.1\r\nHost: h\r\n";
    for (int i = 1; i < 70; ++i) {
        head += "X-H" + std::to_string(i) + ": v" + std::to_string(i) + "\r\n";
    }
    const std::string late_known = head + "Upgrade: websocket\r\n\r\n";
    const Parsed parsed = parse(late_known);
    ASSERT_EQ(parsed.status, HeadStatus::complete);
    const HeaderList &headers = parsed.request.headers;
    ASSERT_EQ(headers.size(), HeaderList::max_count);
    ASSERT_EQ(HeaderList::max_count, 64u);
    EXPECT_EQ(headers.name(0), "host");
    EXPECT_EQ(headers.name(1), "x-h1");
    EXPECT_EQ(headers.name(63), "x-h63");
    EXPECT_EQ(headers.value(63), "v63");
    // Headers past the cap are not kept but still count: a known one is read...
    EXPECT_EQ(parsed.request.upgrade, "websocket");
    // ...and a bad one still makes the request malformed.
    EXPECT_EQ(parse(head + "Bad Name: x\r\n\r\n").status, HeadStatus::malformed);
    EXPECT_EQ(parse(head + "Host: again\r\n\r\n").status, HeadStatus::malformed);
}

TEST(ParseRequestHead, HeadersOutliveTheBytesTheyWereParsedFrom) {
    // The service loop drops a head collected across reads before the host sees its headers.
    auto bytes = std::make_unique<std::string>(
        "GET / HTTP/1.1\r\nHost: h\r\nCookie: session=abc\r\n\r\n");
    HttpRequest request;
    size_t head_length = 0;
    ASSERT_EQ(parse_request_head(*bytes, max_head, request, head_length), HeadStatus::complete);
    std::fill(bytes->begin(), bytes->end(), 'x');
    bytes.reset();
    const HttpRequest moved = std::move(request);
    EXPECT_EQ(pairs_of(moved.headers), (HeaderPairs{{"host", "h"}, {"cookie", "session=abc"}}));
}

TEST(ParseRequestHead, StripsTheQueryButDoesNotDecode) {
    EXPECT_EQ(parse("GET /p?a=b&c=/d HTTP/1.0\r\n\r\n").request.target, "/p");
    EXPECT_EQ(parse("GET /p? HTTP/1.0\r\n\r\n").request.target, "/p");
    EXPECT_EQ(parse("GET /?x HTTP/1.0\r\n\r\n").request.target, "/");
    EXPECT_EQ(parse("GET /%2e%2e/a%20b HTTP/1.0\r\n\r\n").request.target, "/%2e%2e/a%20b");
    EXPECT_EQ(parse("GET /../x HTTP/1.0\r\n\r\n").request.target, "/../x");
}

TEST(WebsocketAcceptKey, MatchesTheRfc6455Example) {
    EXPECT_EQ(websocket_accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    EXPECT_NE(websocket_accept_key("dGhlIHNhbXBsZSBub25jZA=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    EXPECT_EQ(websocket_accept_key("").size(), 28u);
}

HttpRequest upgrade_request() {
    HttpRequest request;
    request.method = "GET";
    request.target = "/pubsub";
    request.version = "HTTP/1.1";
    request.host = "localhost";
    request.upgrade = "websocket";
    request.connection = "Upgrade";
    request.websocket_key = "dGhlIHNhbXBsZSBub25jZQ==";
    request.websocket_version = "13";
    return request;
}

TEST(IsWebsocketUpgrade, LooksForTheWebsocketToken) {
    HttpRequest request = upgrade_request();
    EXPECT_TRUE(is_websocket_upgrade(request));
    for (const char *upgrade : {"WebSocket", "WEBSOCKET", "h2c, websocket", " websocket ,foo"}) {
        request.upgrade = upgrade;
        EXPECT_TRUE(is_websocket_upgrade(request)) << upgrade;
    }
    for (const char *upgrade : {"", "h2c", "websockets", "web socket", "websocket2, h2c", ","}) {
        request.upgrade = upgrade;
        EXPECT_FALSE(is_websocket_upgrade(request)) << upgrade;
    }
}

HandshakeDecision decide(const HttpRequest &request,
                         const std::vector<std::string> &allowed_origins = {}) {
    return decide_handshake(request, "/pubsub", allowed_origins);
}

TEST(DecideHandshake, AcceptsAValidUpgradeWithJsonAndNoSubprotocolEcho) {
    const HandshakeDecision decision = decide(upgrade_request());
    ASSERT_TRUE(decision.accepted) << decision.refusal;
    EXPECT_EQ(decision.encoding, NOTIFY_ENCODING_JSON);
    EXPECT_TRUE(decision.refusal.empty());
    EXPECT_EQ(decision.response,
              "HTTP/1.1 101 Switching Protocols\r\n"
              "Upgrade: websocket\r\n"
              "Connection: Upgrade\r\n"
              "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
              "\r\n");
}

// Checks a refusal: the status, a well-formed plain-text response that closes, and a log line.
void expect_refused(const HandshakeDecision &decision, const std::string &status_line,
                    std::string_view log_fragment) {
    EXPECT_FALSE(decision.accepted);
    const Response response = split(decision.response);
    EXPECT_EQ(response.status_line, status_line) << decision.response;
    EXPECT_EQ(response.header("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_EQ(response.header("Connection"), "close");
    EXPECT_EQ(response.header("Content-Length"), std::to_string(response.body.size()));
    EXPECT_FALSE(response.body.empty());
    EXPECT_FALSE(response.header("Sec-WebSocket-Accept").has_value());
    EXPECT_NE(decision.refusal.find(log_fragment), std::string::npos) << decision.refusal;
    EXPECT_EQ(decision.refusal.find('\n'), std::string::npos);
}

TEST(DecideHandshake, RefusesAnythingButGetOverHttp11With400) {
    HttpRequest post = upgrade_request();
    post.method = "POST";
    expect_refused(decide(post), "HTTP/1.1 400 Bad Request", "'POST'");
    HttpRequest lower_case = upgrade_request();
    lower_case.method = "get";
    expect_refused(decide(lower_case), "HTTP/1.1 400 Bad Request", "'get'");
    HttpRequest http10 = upgrade_request();
    http10.version = "HTTP/1.0";
    expect_refused(decide(http10), "HTTP/1.1 400 Bad Request", "'HTTP/1.0'");
}

TEST(DecideHandshake, NeedsTheUpgradeTokenInConnection) {
    for (const char *connection : {"", "keep-alive", "upgrades", "keep-alive upgrade"}) {
        HttpRequest request = upgrade_request();
        request.connection = connection;
        expect_refused(decide(request), "HTTP/1.1 400 Bad Request", "Connection");
    }
    for (const char *connection : {"upgrade", "UPGRADE", "keep-alive, Upgrade", "Upgrade ,x"}) {
        HttpRequest request = upgrade_request();
        request.connection = connection;
        EXPECT_TRUE(decide(request).accepted) << connection;
    }
}

TEST(DecideHandshake, AnswersAnotherVersionWith426NamingVersion13) {
    for (const char *version : {"", "8", "12", "13, 8", " 13x", "013"}) {
        HttpRequest request = upgrade_request();
        request.websocket_version = version;
        const HandshakeDecision decision = decide(request);
        expect_refused(decision, "HTTP/1.1 426 Upgrade Required", "Sec-WebSocket-Version");
        EXPECT_EQ(split(decision.response).header("Sec-WebSocket-Version"), "13");
    }
}

TEST(DecideHandshake, NeedsAKeyThatIsBase64Of16Bytes) {
    for (const char *key : {"", "dGhlIHNhbXBsZSBub25jZQ=", "dGhlIHNhbXBsZSBub25jZQ===",
                            "dGhlIHNhbXBsZSBub25jZQAA", "dGhlIHNhbXBsZSBub25jZ===",
                            "dGhlIHNhbXBsZSBub25j*Q==", "dGhlIHNhbXBsZSBub25jZQ==dGhl",
                            "dGhlIHNhbXBsZSBu b25jZ==", "AAAAAAAAAAAAAAAAAAAAAAA="}) {
        HttpRequest request = upgrade_request();
        request.websocket_key = key;
        expect_refused(decide(request), "HTTP/1.1 400 Bad Request", "Sec-WebSocket-Key");
    }
    HttpRequest request = upgrade_request();
    request.websocket_key = "AAAAAAAAAAAAAAAAAAAAAA==";
    EXPECT_TRUE(decide(request).accepted);
    request.websocket_key = "+/+/+/+/+/+/+/+/+/+/+w==";
    EXPECT_TRUE(decide(request).accepted);
}

TEST(DecideHandshake, AnswersAnotherPathWith404) {
    for (const char *target : {"/", "/elsewhere", "/pubsub/", "/PUBSUB", "/pubsub2", "*"}) {
        HttpRequest request = upgrade_request();
        request.target = target;
        expect_refused(decide(request), "HTTP/1.1 404 Not Found", "path");
    }
    HttpRequest request = upgrade_request();
    request.target = "/ws";
    EXPECT_TRUE(decide_handshake(request, "/ws", {}).accepted);
}

TEST(DecideHandshake, RefusesAForeignOriginWith403) {
    const std::vector<std::string> allowed = {"http://good.example", "https://good.example"};
    HttpRequest evil = upgrade_request();
    evil.origin = "http://evil";
    const HandshakeDecision decision = decide(evil, allowed);
    expect_refused(decision, "HTTP/1.1 403 Forbidden", "origin 'http://evil' not allowed");

    for (const char *origin : {"http://good.example.evil", "HTTP://GOOD.EXAMPLE", "null",
                               "http://good.example, http://evil"}) {
        HttpRequest request = upgrade_request();
        request.origin = origin;
        expect_refused(decide(request, allowed), "HTTP/1.1 403 Forbidden", "origin");
    }
    HttpRequest good = upgrade_request();
    good.origin = "https://good.example";
    EXPECT_TRUE(decide(good, allowed).accepted);
    // Without Origin (not a browser) or without a list, any is fine.
    EXPECT_TRUE(decide(upgrade_request(), allowed).accepted);
    EXPECT_TRUE(decide(evil, {}).accepted);
}

TEST(DecideHandshake, KeepsHostileValuesOutOfTheLogLine) {
    HttpRequest request = upgrade_request();
    request.origin = "http://evil\r\nX-Injected: 1" + std::string(500, 'x');
    const HandshakeDecision decision = decide(request, {"http://good"});
    EXPECT_FALSE(decision.accepted);
    EXPECT_EQ(decision.refusal.find('\r'), std::string::npos);
    EXPECT_EQ(decision.refusal.find('\n'), std::string::npos);
    EXPECT_LT(decision.refusal.size(), 200u);
    // The response does not reflect the value either.
    EXPECT_EQ(decision.response.find("X-Injected"), std::string::npos);
}

TEST(DecideHandshake, ChecksInTheDocumentedOrder) {
    HttpRequest request = upgrade_request();
    request.target = "/elsewhere";
    request.websocket_version = "8";
    request.origin = "http://evil";
    EXPECT_EQ(split(decide(request, {"http://good"}).response).status_line,
              "HTTP/1.1 426 Upgrade Required");
    request.websocket_version = "13";
    EXPECT_EQ(split(decide(request, {"http://good"}).response).status_line,
              "HTTP/1.1 404 Not Found");
    request.target = "/pubsub";
    request.websocket_protocol = "chat";
    EXPECT_EQ(split(decide(request, {"http://good"}).response).status_line,
              "HTTP/1.1 403 Forbidden");
}

TEST(DecideHandshake, PicksTheClientsFirstSubprotocolOfOurs) {
    struct Case {
        const char *offered;
        notify_encoding encoding;
        const char *echoed;
    };
    for (const Case &c : {
             Case{"notify.json.v1", NOTIFY_ENCODING_JSON, "notify.json.v1"},
             Case{"notify.binary.v1", NOTIFY_ENCODING_BINARY, "notify.binary.v1"},
             Case{"notify.binary.v1, notify.json.v1", NOTIFY_ENCODING_BINARY, "notify.binary.v1"},
             Case{"notify.json.v1, notify.binary.v1", NOTIFY_ENCODING_JSON, "notify.json.v1"},
             Case{"chat,notify.binary.v1 , notify.json.v1", NOTIFY_ENCODING_BINARY,
                  "notify.binary.v1"},
             Case{"chat, notify.json.v1", NOTIFY_ENCODING_JSON, "notify.json.v1"},
         }) {
        HttpRequest request = upgrade_request();
        request.websocket_protocol = c.offered;
        const HandshakeDecision decision = decide(request);
        ASSERT_TRUE(decision.accepted) << c.offered << ": " << decision.refusal;
        EXPECT_EQ(decision.encoding, c.encoding) << c.offered;
        const Response response = split(decision.response);
        EXPECT_EQ(response.status_line, "HTTP/1.1 101 Switching Protocols");
        EXPECT_EQ(response.header("Sec-WebSocket-Protocol"), c.echoed) << c.offered;
        EXPECT_EQ(response.header("Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        EXPECT_TRUE(response.body.empty());
    }
}

TEST(DecideHandshake, RefusesAClientOfferingNoneOfOurSubprotocols) {
    for (const char *offered : {"chat", "chat, superchat", "Notify.Json.V1", "notify.json.v2",
                                "notify.json.v1x", ","}) {
        HttpRequest request = upgrade_request();
        request.websocket_protocol = offered;
        const HandshakeDecision decision = decide(request);
        expect_refused(decision, "HTTP/1.1 400 Bad Request", "subprotocol");
        const Response response = split(decision.response);
        EXPECT_NE(response.body.find("notify.json.v1"), std::string::npos);
        EXPECT_NE(response.body.find("notify.binary.v1"), std::string::npos);
    }
}

TEST(DecideHandshake, AcceptsWhatTheParserProduced) {
    HttpRequest request;
    size_t head_length = 0;
    ASSERT_EQ(parse_request_head(handshake_head, max_head, request, head_length),
              HeadStatus::complete);
    ASSERT_TRUE(is_websocket_upgrade(request));
    const HandshakeDecision decision = decide(request, {"http://localhost:3000"});
    ASSERT_TRUE(decision.accepted) << decision.refusal;
    EXPECT_EQ(split(decision.response).header("Sec-WebSocket-Protocol"), "notify.json.v1");
}

}  // namespace
}  // namespace notify::websocket
