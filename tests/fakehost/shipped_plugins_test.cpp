// The fake host driving the shipped plugins, as a plugin author's tests would: the chat handler,
// the anonymous, jwt and proxy auth plugins, and the tcp transport on a loopback port.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "test_support.hpp"

namespace notify::fakehost_test {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

Host loaded(const char* path) {
    Host host = new_host();
    EXPECT_EQ(notify_fakehost_load(host.get(), path), NOTIFY_OK)
        << notify_fakehost_last_error(host.get());
    return host;
}

notify_event event_of(notify_event_type type, std::string_view client, std::string_view data) {
    notify_event event{};
    event.type = type;
    event.client_id = view(client);
    event.data = bytes(data);
    return event;
}

// ---- chat (handler) ------------------------------------------------------------------------------

TEST(ShippedChat, ConnectSubscribesTheClientThenAnnouncesIt) {
    Host host = loaded(NOTIFY_PLUGIN_CHAT);
    notify_fakehost_config_string(host.get(), "topic", "room");
    ASSERT_EQ(notify_fakehost_create(host.get()), NOTIFY_OK)
        << notify_fakehost_last_error(host.get());
    notify_fakehost_set_now_ms(host.get(), 5'000);

    const notify_event connect = event_of(NOTIFY_EVENT_CONNECT, "c42", "");
    ASSERT_TRUE(notify_fakehost_event(host.get(), &connect));

    ASSERT_EQ(notify_fakehost_call_count(host.get()), 2u);
    const notify_fakehost_call* subscribe = notify_fakehost_call_at(host.get(), 0);
    EXPECT_EQ(subscribe->kind, NOTIFY_FAKEHOST_SUBSCRIBE);
    EXPECT_EQ(subscribe->target, NOTIFY_TARGET_CLIENT);
    EXPECT_STREQ(subscribe->id.data, "c42");
    EXPECT_STREQ(subscribe->topic.data, "room");
    EXPECT_EQ(subscribe->time_ms, 5'000);
    const notify_fakehost_call* publish = notify_fakehost_call_at(host.get(), 1);
    EXPECT_EQ(publish->kind, NOTIFY_FAKEHOST_PUBLISH);
    ASSERT_EQ(publish->topic_count, 1u);
    EXPECT_EQ(text(publish->topics[0]), "room");
    EXPECT_EQ(publish->client_count, 0u);
    EXPECT_EQ(text(publish->payload), "c42 joined the chat!!!");
}

TEST(ShippedChat, DataIsPublishedUnchangedAndOtherEventsAreNotWanted) {
    Host host = loaded(NOTIFY_PLUGIN_CHAT);
    ASSERT_EQ(notify_fakehost_create(host.get()), NOTIFY_OK);
    const std::string payload{"hi \xff\x00 there", 11};
    const notify_event data = event_of(NOTIFY_EVENT_DATA, "c1", payload);
    ASSERT_TRUE(notify_fakehost_event(host.get(), &data));
    const notify_event subscribe = event_of(NOTIFY_EVENT_SUBSCRIBE, "c1", "");
    EXPECT_FALSE(notify_fakehost_event(host.get(), &subscribe));

    const auto publishes = calls_of(host.get(), NOTIFY_FAKEHOST_PUBLISH);
    ASSERT_EQ(publishes.size(), 1u);
    EXPECT_EQ(text(publishes[0]->topics[0]), "chat");  // the plugin's default
    EXPECT_EQ(text(publishes[0]->payload), payload);
    EXPECT_EQ(notify_fakehost_call_count(host.get()), 1u);
}

TEST(ShippedChat, AFailedPublishIsLoggedAsAWarning) {
    Host host = loaded(NOTIFY_PLUGIN_CHAT);
    ASSERT_EQ(notify_fakehost_create(host.get()), NOTIFY_OK);
    notify_fakehost_set_action_status(host.get(), NOTIFY_ERR_CLOSED);
    const notify_event data = event_of(NOTIFY_EVENT_DATA, "c1", "x");
    ASSERT_TRUE(notify_fakehost_event(host.get(), &data));
    const auto warnings = calls_of(host.get(), NOTIFY_FAKEHOST_LOG);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0]->level, NOTIFY_LOG_WARN);
}

TEST(ShippedChat, ConfigErrorsNameTheKey) {
    Host unknown = loaded(NOTIFY_PLUGIN_CHAT);
    notify_fakehost_config_string(unknown.get(), "room", "x");
    EXPECT_EQ(notify_fakehost_create(unknown.get()), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(notify_fakehost_last_error(unknown.get()),
                 "key 'room': unknown key for plugin 'chat' (known: topic)");

    Host wrong_type = loaded(NOTIFY_PLUGIN_CHAT);
    notify_fakehost_config_bool(wrong_type.get(), "topic", true);
    EXPECT_EQ(notify_fakehost_create(wrong_type.get()), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(notify_fakehost_last_error(wrong_type.get()),
                 "key 'topic': expected a string, got a boolean");

    // The plugin's own check, through its err.
    Host empty = loaded(NOTIFY_PLUGIN_CHAT);
    notify_fakehost_config_string(empty.get(), "topic", "");
    EXPECT_NE(notify_fakehost_create(empty.get()), NOTIFY_OK);
    EXPECT_TRUE(contains(notify_fakehost_last_error(empty.get()), "topic"))
        << notify_fakehost_last_error(empty.get());
}

// ---- anonymous (auth, synchronous) -------------------------------------------------------------

TEST(ShippedAnonymous, AllowsWithAFreshClientIdAndDefersSubscribes) {
    Host host = loaded(NOTIFY_PLUGIN_ANONYMOUS);
    notify_fakehost_config_string(host.get(), "client_id_prefix", "anon-");
    ASSERT_EQ(notify_fakehost_create(host.get()), NOTIFY_OK)
        << notify_fakehost_last_error(host.get());

    notify_auth_request request{};
    request.user_id = view("wants-to-be-admin");
    notify_fakehost_auth_answer answer{};
    ASSERT_EQ(notify_fakehost_authenticate(host.get(), &request, 1000, &answer), NOTIFY_OK);
    EXPECT_EQ(answer.status, NOTIFY_OK);
    EXPECT_FALSE(answer.pending);
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_ALLOW);
    const std::string client_id = answer.client_id;
    EXPECT_EQ(client_id.size(), 5u + 16u) << client_id;
    EXPECT_EQ(client_id.rfind("anon-", 0), 0u) << client_id;
    EXPECT_STREQ(answer.user_id, "") << "allow_user_id is off by default";

    notify_authz_request subscribe{};
    subscribe.topic = view("news");
    notify_fakehost_auth_answer deferred{};
    ASSERT_EQ(notify_fakehost_authorize_subscribe(host.get(), &subscribe, 1000, &deferred),
              NOTIFY_OK);
    EXPECT_EQ(deferred.decision, NOTIFY_AUTH_DEFER);
}

// ---- jwt (auth, synchronous, reads the host's clock) ----------------------------------------

std::string base64url(std::string_view raw) {
    std::string encoded(4 * ((raw.size() + 2) / 3) + 1, '\0');
    const int length =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                        reinterpret_cast<const unsigned char*>(raw.data()),
                        static_cast<int>(raw.size()));
    encoded.resize(static_cast<std::size_t>(length));
    for (char& c : encoded) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
    }
    while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
    return encoded;
}

// An HS256 token over `claims`, signed with OpenSSL's HMAC.
std::string hs256(const std::string& secret, const std::string& claims) {
    const std::string signing_input =
        base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(claims);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
         &mac_length);
    return signing_input + "." +
           base64url(std::string_view(reinterpret_cast<const char*>(mac), mac_length));
}

class ShippedJwt : public ::testing::Test {
  protected:
    static constexpr const char* secret = "fakehost-test-secret-0123456789abcdef";
    static constexpr std::int64_t exp_seconds = 2'000'000'000;

    void SetUp() override {
        // The secret comes from a file named relative to the manifest folder, which the fake
        // host resolves as notifyd does.
        dir_ = std::filesystem::temp_directory_path() /
               ("fakehost-jwt-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_ / "keys");
        std::ofstream(dir_ / "keys" / "secret.txt") << secret << "\n";
        notify_fakehost_set_manifest_dir(host_.get(), dir_.c_str());
        notify_fakehost_config_path(host_.get(), "hmac_secret_file", "keys/secret.txt");
        notify_fakehost_config_string(host_.get(), "audience", "notify");
        ASSERT_EQ(notify_fakehost_create(host_.get()), NOTIFY_OK)
            << notify_fakehost_last_error(host_.get());
    }

    void TearDown() override {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    notify_fakehost_auth_answer connect(const std::string& token) {
        notify_auth_request request{};
        request.token = view(token);
        notify_fakehost_auth_answer answer{};
        EXPECT_EQ(notify_fakehost_authenticate(host_.get(), &request, 1000, &answer), NOTIFY_OK);
        EXPECT_FALSE(answer.pending) << "jwt answers synchronously";
        return answer;
    }

    std::string claims(const std::string& sub) const {
        return R"({"sub":")" + sub + R"(","aud":"notify","exp":)" + std::to_string(exp_seconds) +
               "}";
    }

    Host host_ = loaded(NOTIFY_PLUGIN_JWT);
    std::filesystem::path dir_;
};

TEST_F(ShippedJwt, AValidTokenIsAllowedAsItsSubject) {
    notify_fakehost_set_now_ms(host_.get(), (exp_seconds - 60) * 1000);
    const notify_fakehost_auth_answer answer = connect(hs256(secret, claims("alice")));
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_ALLOW) << answer.reason;
    EXPECT_STREQ(answer.user_id, "alice");
    EXPECT_EQ(answer.expires_at_ms, exp_seconds * 1000);
}

TEST_F(ShippedJwt, AnotherSecretIsDeniedAsUnauthorized) {
    notify_fakehost_set_now_ms(host_.get(), (exp_seconds - 60) * 1000);
    const notify_fakehost_auth_answer answer = connect(hs256("not-the-secret", claims("alice")));
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_DENY);
    EXPECT_EQ(answer.error_code, static_cast<std::uint32_t>(NOTIFY_AUTH_ERROR_UNAUTHORIZED));
    EXPECT_TRUE(contains(answer.reason, "signature")) << answer.reason;
}

TEST_F(ShippedJwt, PastExpiryOnTheFakeClockIsTokenExpired) {
    notify_fakehost_set_now_ms(host_.get(), (exp_seconds + 60) * 1000);
    const notify_fakehost_auth_answer answer = connect(hs256(secret, claims("alice")));
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_DENY);
    EXPECT_EQ(answer.error_code, static_cast<std::uint32_t>(NOTIFY_AUTH_ERROR_TOKEN_EXPIRED));
    EXPECT_TRUE(contains(answer.reason, "expired")) << answer.reason;
}

TEST_F(ShippedJwt, NoTokenDefersToTheNextPlugin) {
    const notify_fakehost_auth_answer answer = connect("");
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_DEFER);
}

TEST(ShippedJwtConfig, AnUnsetSecretVariableFailsCreateNamingIt) {
    Host host = loaded(NOTIFY_PLUGIN_JWT);
    ::unsetenv("NOTIFY_FAKEHOST_TEST_UNSET_SECRET");
    notify_fakehost_config_string(host.get(), "hmac_secret_env", "NOTIFY_FAKEHOST_TEST_UNSET_SECRET");
    EXPECT_NE(notify_fakehost_create(host.get()), NOTIFY_OK);
    EXPECT_TRUE(contains(notify_fakehost_last_error(host.get()), "hmac_secret_env"))
        << notify_fakehost_last_error(host.get());
}

// ---- sockets for the network tests (run in a private network namespace: see README) --------

constexpr std::uint16_t tcp_port = 39480;
constexpr std::uint16_t proxy_backend_port = 39481;
constexpr std::uint16_t refused_port = 39482;
constexpr std::uint16_t tcp_peer_close_port = 39483;

class Socket {
  public:
    explicit Socket(int fd = -1) : fd_(fd) {}
    Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Socket& operator=(Socket&& other) noexcept {
        std::swap(fd_, other.fd_);
        return *this;
    }
    ~Socket() {
        if (fd_ >= 0) ::close(fd_);
    }
    int fd() const { return fd_; }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

  private:
    int fd_;
};

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

Socket connect_to(std::uint16_t port) {
    const sockaddr_in address = loopback(port);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
        Socket socket(::socket(AF_INET, SOCK_STREAM, 0));
        if (::connect(socket.fd(), reinterpret_cast<const sockaddr*>(&address), sizeof address) ==
            0) {
            return socket;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return Socket();
}

bool send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (sent <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
}

// Reads exactly `count` bytes within timeout_ms; fewer on EOF or timeout.
std::string receive(int fd, std::size_t count, int timeout_ms) {
    std::string data;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (data.size() < count) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd ready{fd, POLLIN, 0};
        if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) break;
        char buffer[4096];
        const ssize_t got = ::recv(fd, buffer, std::min(sizeof buffer, count - data.size()), 0);
        if (got <= 0) break;
        data.append(buffer, static_cast<std::size_t>(got));
    }
    return data;
}

// True when the peer ended the stream within timeout_ms.
bool sees_end_of_stream(int fd, int timeout_ms) {
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, timeout_ms) <= 0) return false;
    char byte = 0;
    return ::recv(fd, &byte, 1, 0) == 0;
}

std::string length_prefixed(std::string_view frame) {
    const auto length = static_cast<std::uint32_t>(frame.size());
    std::string out;
    for (int shift = 0; shift < 32; shift += 8) {
        out += static_cast<char>((length >> shift) & 0xffu);
    }
    out.append(frame);
    return out;
}

bool wait_until(const std::function<bool()>& done, int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

// ---- tcp (transport) ---------------------------------------------------------------------------

Host started_tcp(std::uint16_t port) {
    Host host = loaded(NOTIFY_PLUGIN_TCP);
    notify_fakehost_config_string(host.get(), "listen",
                                  ("127.0.0.1:" + std::to_string(port)).c_str());
    EXPECT_EQ(notify_fakehost_create(host.get()), NOTIFY_OK)
        << notify_fakehost_last_error(host.get());
    EXPECT_EQ(notify_fakehost_start(host.get()), NOTIFY_OK)
        << notify_fakehost_last_error(host.get());
    return host;
}

TEST(ShippedTcp, ReportsAConnectionDeliversAFrameAndClosesIt) {
    Host host = started_tcp(tcp_port);
    Socket client = connect_to(tcp_port);
    ASSERT_GE(client.fd(), 0) << "cannot connect to 127.0.0.1:" << tcp_port;

    ASSERT_TRUE(notify_fakehost_wait_for(host.get(), NOTIFY_FAKEHOST_CONN_OPEN, 1, 5000));
    const notify_fakehost_call* open = calls_of(host.get(), NOTIFY_FAKEHOST_CONN_OPEN).at(0);
    const std::uint64_t conn = open->conn;
    EXPECT_EQ(open->number, NOTIFY_ENCODING_BINARY);
    EXPECT_TRUE(contains(text(open->text), "127.0.0.1:")) << text(open->text);

    ASSERT_TRUE(send_all(client.fd(), length_prefixed("hello")));
    ASSERT_TRUE(notify_fakehost_wait_for(host.get(), NOTIFY_FAKEHOST_CONN_RECEIVE, 1, 5000));
    const notify_fakehost_call* received =
        calls_of(host.get(), NOTIFY_FAKEHOST_CONN_RECEIVE).at(0);
    EXPECT_EQ(received->conn, conn);
    EXPECT_EQ(text(received->payload), "hello");

    notify_fakehost_deliver(host.get(), bytes("{\"json\":true}"), bytes("pong"), &conn, 1);
    EXPECT_EQ(receive(client.fd(), 8, 5000), length_prefixed("pong"));
    EXPECT_TRUE(wait_until([&] { return notify_fakehost_frames_alive(host.get()) == 0; }, 5000))
        << notify_fakehost_frames_alive(host.get()) << " frames still referenced";

    notify_fakehost_close(host.get(), conn, NOTIFY_CLOSE_DISCONNECTED, "bye");
    ASSERT_TRUE(notify_fakehost_wait_for(host.get(), NOTIFY_FAKEHOST_CONN_CLOSED, 1, 5000));
    const notify_fakehost_call* closed = calls_of(host.get(), NOTIFY_FAKEHOST_CONN_CLOSED).at(0);
    EXPECT_EQ(closed->conn, conn);
    EXPECT_EQ(closed->number, NOTIFY_CLOSE_DISCONNECTED);
    EXPECT_TRUE(sees_end_of_stream(client.fd(), 5000));

    notify_fakehost_stop(host.get());
    notify_fakehost_destroy(host.get());
    EXPECT_EQ(notify_fakehost_frames_alive(host.get()), 0u);
    EXPECT_EQ(notify_fakehost_count_of(host.get(), NOTIFY_FAKEHOST_CONN_CLOSED), 1u)
        << "conn_closed exactly once per connection";
}

TEST(ShippedTcp, APeerCloseIsReportedAndQueuedFramesAreReleasedAtStop) {
    Host host = started_tcp(tcp_peer_close_port);
    Socket client = connect_to(tcp_peer_close_port);
    ASSERT_GE(client.fd(), 0);
    ASSERT_TRUE(notify_fakehost_wait_for(host.get(), NOTIFY_FAKEHOST_CONN_OPEN, 1, 5000));
    client.reset();
    ASSERT_TRUE(notify_fakehost_wait_for(host.get(), NOTIFY_FAKEHOST_CONN_CLOSED, 1, 5000));
    EXPECT_EQ(calls_of(host.get(), NOTIFY_FAKEHOST_CONN_CLOSED).at(0)->number,
              NOTIFY_CLOSE_NORMAL);

    // A frame for a connection that is gone is skipped and not kept.
    const std::uint64_t gone = calls_of(host.get(), NOTIFY_FAKEHOST_CONN_OPEN).at(0)->conn;
    notify_fakehost_deliver(host.get(), bytes("{}"), bytes("late"), &gone, 1);
    notify_fakehost_destroy(host.get());  // stops first, as notifyd does
    EXPECT_EQ(notify_fakehost_frames_alive(host.get()), 0u);
}

// ---- proxy (auth that answers NOTIFY_PENDING from its own thread) ------------------------------

#ifdef NOTIFY_PLUGIN_PROXY

// A loopback HTTP/1.1 backend that answers every POST with one JSON body, keeping connections
// alive, and remembers the request bodies.
class JsonBackend {
  public:
    JsonBackend(std::uint16_t port, std::string answer) : answer_(std::move(answer)) {
        listener_ = Socket(::socket(AF_INET, SOCK_STREAM, 0));
        const int yes = 1;
        ::setsockopt(listener_.fd(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        const sockaddr_in address = loopback(port);
        listening_ = ::bind(listener_.fd(), reinterpret_cast<const sockaddr*>(&address),
                            sizeof address) == 0 &&
                     ::listen(listener_.fd(), 8) == 0;
        if (listening_) thread_ = std::thread([this] { serve(); });
    }
    JsonBackend(const JsonBackend&) = delete;
    JsonBackend& operator=(const JsonBackend&) = delete;
    ~JsonBackend() {
        stopping_ = true;
        if (thread_.joinable()) thread_.join();
    }

    bool listening() const { return listening_; }
    std::vector<std::string> bodies() const {
        const std::lock_guard lock(mutex_);
        return bodies_;
    }

  private:
    bool readable(int fd) const {
        pollfd ready{fd, POLLIN, 0};
        return ::poll(&ready, 1, 50) > 0;
    }

    void serve() {
        while (!stopping_) {
            if (!readable(listener_.fd())) continue;
            Socket connection(::accept(listener_.fd(), nullptr, nullptr));
            if (connection.fd() >= 0) serve_connection(connection.fd());
        }
    }

    void serve_connection(int fd) {
        std::string buffer;
        while (!stopping_) {
            const std::size_t head_end = buffer.find("\r\n\r\n");
            if (head_end == std::string::npos) {
                if (!readable(fd)) continue;
                char chunk[4096];
                const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
                if (got <= 0) return;
                buffer.append(chunk, static_cast<std::size_t>(got));
                continue;
            }
            std::size_t body_length = 0;
            const std::string head = buffer.substr(0, head_end);
            for (const char* name : {"Content-Length: ", "content-length: "}) {
                if (const auto at = head.find(name); at != std::string::npos) {
                    body_length = std::stoul(head.substr(at + std::strlen(name)));
                }
            }
            const std::size_t total = head_end + 4 + body_length;
            while (buffer.size() < total && !stopping_) {
                if (!readable(fd)) continue;
                char chunk[4096];
                const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
                if (got <= 0) return;
                buffer.append(chunk, static_cast<std::size_t>(got));
            }
            {
                const std::lock_guard lock(mutex_);
                bodies_.push_back(buffer.substr(head_end + 4, body_length));
            }
            buffer.erase(0, total);
            const std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                      "Content-Length: " +
                                      std::to_string(answer_.size()) + "\r\n\r\n" + answer_;
            if (!send_all(fd, reply)) return;
        }
    }

    std::string answer_;
    Socket listener_;
    bool listening_ = false;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
    mutable std::mutex mutex_;
    std::vector<std::string> bodies_;
};

Host started_proxy(std::uint16_t port) {
    Host host = loaded(NOTIFY_PLUGIN_PROXY);
    notify_fakehost_config_string(
        host.get(), "connect_url",
        ("http://127.0.0.1:" + std::to_string(port) + "/notify/connect").c_str());
    notify_fakehost_config_duration_ms(host.get(), "timeout", 3000);
    EXPECT_EQ(notify_fakehost_create(host.get()), NOTIFY_OK)
        << notify_fakehost_last_error(host.get());
    EXPECT_EQ(notify_fakehost_start(host.get()), NOTIFY_OK)
        << notify_fakehost_last_error(host.get());
    return host;
}

TEST(ShippedProxy, TheBackendsAllowArrivesThroughAuthComplete) {
    JsonBackend backend(proxy_backend_port,
                        R"({"result":{"user":"42","info":{"name":"Ann"},"topics":["user:42"]}})");
    ASSERT_TRUE(backend.listening());
    Host host = started_proxy(proxy_backend_port);

    notify_auth_request request{};
    request.token = view("session-cookie");
    request.remote_address = view("203.0.113.7:51234");
    request.transport = view("ws");
    notify_fakehost_auth_answer answer{};
    ASSERT_EQ(notify_fakehost_authenticate(host.get(), &request, 5000, &answer), NOTIFY_OK)
        << notify_fakehost_last_error(host.get());
    EXPECT_EQ(answer.status, NOTIFY_PENDING);
    EXPECT_TRUE(answer.pending);
    EXPECT_TRUE(answer.answered);
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_ALLOW) << answer.reason;
    EXPECT_STREQ(answer.user_id, "42");
    EXPECT_STREQ(answer.info, R"({"name":"Ann"})");
    ASSERT_EQ(answer.topic_count, 1u);
    EXPECT_STREQ(answer.topics[0], "user:42");

    const std::vector<std::string> bodies = backend.bodies();
    ASSERT_EQ(bodies.size(), 1u);
    EXPECT_TRUE(contains(bodies[0], R"("token":"session-cookie")")) << bodies[0];
    EXPECT_TRUE(contains(bodies[0], R"("purpose":"connect")")) << bodies[0];
    notify_fakehost_destroy(host.get());
}

TEST(ShippedProxy, AnUnreachableBackendIsAPendingDeny) {
    Host host = started_proxy(refused_port);
    notify_auth_request request{};
    request.token = view("t");
    notify_fakehost_auth_answer answer{};
    ASSERT_EQ(notify_fakehost_authenticate(host.get(), &request, 5000, &answer), NOTIFY_OK)
        << notify_fakehost_last_error(host.get());
    EXPECT_TRUE(answer.pending);
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_DENY);
    EXPECT_TRUE(contains(answer.reason, "backend unavailable")) << answer.reason;
    notify_fakehost_destroy(host.get());
}

#endif  // NOTIFY_PLUGIN_PROXY

}  // namespace
}  // namespace notify::fakehost_test
