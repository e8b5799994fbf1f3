// GAP_LOST turned into per-topic recovery: a real notifyd serves the udp transport with a
// one-datagram replay ring; `notify-cli sub udp://…` reaches it through a proxy in this test that
// drops chosen server DATA datagrams (their first copy), so the NACK comes too late for the ring
// and the server answers GAP_LOST. Every published message must still be printed exactly once
// and in order: the client subscribes again with `since` = the last position it printed.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <notify/udp/wire.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"

namespace {

namespace wire = notify::udp::wire;
using notify::cli::testing::ChildProcess;
using notify::cli::testing::run_to_exit;
using namespace std::chrono_literals;

// Stands between one client and the server on loopback (ephemeral ports). Server → client DATA
// datagrams whose sequence number is in `drop` are dropped, their NACK replays too, until the
// server sent a later one: then its one-slot ring no longer holds them, and a NACK for them is
// answered with GAP_LOST.
class LossyProxy {
public:
    LossyProxy(uint16_t server_port, std::set<uint64_t> drop)
        : drop_(std::move(drop)) {
        front_ = bound_socket();
        back_ = bound_socket();
        server_.sin_family = AF_INET;
        server_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        server_.sin_port = htons(server_port);
        sockaddr_in address{};
        socklen_t size = sizeof address;
        ::getsockname(front_, reinterpret_cast<sockaddr*>(&address), &size);
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~LossyProxy() {
        stopping_ = true;
        thread_.join();
        ::close(front_);
        ::close(back_);
    }
    uint16_t port() const { return port_; }
    std::vector<uint64_t> dropped() {
        std::lock_guard lock(mutex_);
        return dropped_;
    }

private:
    static int bound_socket() {
        const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
        return fd;
    }

    void run() {
        wire::Bytes buffer(wire::max_udp_payload);
        std::optional<sockaddr_in> client;
        while (!stopping_) {
            pollfd fds[2] = {{front_, POLLIN, 0}, {back_, POLLIN, 0}};
            if (::poll(fds, 2, 20) <= 0) continue;
            if (fds[0].revents & POLLIN) {
                sockaddr_in from{};
                socklen_t from_size = sizeof from;
                const auto size = ::recvfrom(front_, buffer.data(), buffer.size(), 0,
                                             reinterpret_cast<sockaddr*>(&from), &from_size);
                if (size >= 0) {
                    client = from;
                    ::sendto(back_, buffer.data(), static_cast<size_t>(size), 0,
                             reinterpret_cast<const sockaddr*>(&server_), sizeof server_);
                }
            }
            if (fds[1].revents & POLLIN) {
                const auto size = ::recv(back_, buffer.data(), buffer.size(), 0);
                if (size < 0 || !client) continue;
                const wire::View datagram(buffer.data(), static_cast<size_t>(size));
                if (wire::type_of(datagram) == wire::Type::data &&
                    datagram.size() >= wire::data_header_size) {
                    const uint64_t sequence = wire::get_u64(datagram, 9);
                    newest_ = std::max(newest_, sequence);
                    if (drop_.contains(sequence) && sequence == newest_) {
                        std::lock_guard lock(mutex_);
                        if (dropped_.empty() || dropped_.back() != sequence) {
                            dropped_.push_back(sequence);
                        }
                        continue;
                    }
                }
                ::sendto(front_, buffer.data(), static_cast<size_t>(size), 0,
                         reinterpret_cast<const sockaddr*>(&*client), sizeof *client);
            }
        }
    }

    std::set<uint64_t> drop_;  // the I/O thread's
    uint64_t newest_ = 0;      // the I/O thread's: the newest server DATA sequence
    int front_ = -1;
    int back_ = -1;
    sockaddr_in server_{};
    uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::vector<uint64_t> dropped_;
    std::thread thread_;
};

// A notifyd with the udp transport only (port 0, read from its log), a replay ring of one
// datagram, and `history_size` messages of history per topic.
class UdpNotifyd {
public:
    explicit UdpNotifyd(int history_size) {
        dir_ = std::filesystem::temp_directory_path() /
               ("notify-udp-gap-" + std::to_string(::getpid()) + "-" +
                std::to_string(history_size));
        std::filesystem::create_directories(dir_);
        const auto manifest = dir_ / "udp.toml";
        std::ofstream(manifest) << "[app]\nid = \"gap\"\n[log]\nlevel = \"info\"\n"
                                   "[topics]\nhistory_size = "
                                << history_size
                                << "\nhistory_ttl = \"5m\"\n[broker]\nplugin = \"local\"\n"
                                   "[[auth]]\nplugin = \"anonymous\"\n"
                                   "[[transport]]\nplugin = \"udp\"\n"
                                   "listen = \"127.0.0.1:0\"\nreplay_size = 1\n";
        process_.emplace(std::vector<std::string>{NOTIFYD_PATH, "--config", manifest.string()});
        const std::string marker = "udp: listening on 127.0.0.1:";
        if (!process_->wait_for_stderr(marker, 10s)) return;
        const auto at = process_->err().find(marker) + marker.size();
        port_ = static_cast<uint16_t>(std::stoul(process_->err().substr(at)));
    }
    ~UdpNotifyd() {
        process_.reset();  // killed by PID and reaped
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    uint16_t port() const { return port_; }
    std::string log() const { return process_->err(); }

private:
    std::filesystem::path dir_;
    std::optional<ChildProcess> process_;
    uint16_t port_ = 0;
};

std::string udp_url(uint16_t port) { return "udp://127.0.0.1:" + std::to_string(port); }

// Publishes `data` to `topic` with its own notify-cli (one message per datagram to the
// subscriber, so the proxy's sequence numbers name messages).
void publish(uint16_t port, const std::string& topic, const std::string& data) {
    const auto outcome = run_to_exit(
        {NOTIFY_CLI_PATH, "pub", udp_url(port), topic, data, "--timeout", "5"}, 10s);
    ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
}

TEST(UdpGapRecovery, EveryMessageArrivesOnceAndInOrderAfterGapLost) {
    UdpNotifyd notifyd(100);
    ASSERT_NE(notifyd.port(), 0) << notifyd.log();
    // Sequence 1 answers connect, 2 the subscribe, then one message each until the first
    // recovery: 5 is the third message; 9, 10 and 20 fall wherever the recoveries put them
    // (recovery replies and recovered messages included).
    LossyProxy proxy(notifyd.port(), {5, 9, 10, 20});
    constexpr int kCount = 30;
    ChildProcess subscriber({NOTIFY_CLI_PATH, "sub", udp_url(proxy.port()), "chat", "--count",
                             std::to_string(kCount), "--timeout", "60"});
    ASSERT_TRUE(subscriber.wait_for_stderr("ready", 10s)) << subscriber.err();
    for (int i = 1; i <= kCount; ++i) {
        ASSERT_NO_FATAL_FAILURE(publish(notifyd.port(), "chat", "m-" + std::to_string(i)));
    }
    const auto code = subscriber.wait_for_exit(30s);
    ASSERT_EQ(code, 0) << "stdout:\n" << subscriber.out() << "stderr:\n" << subscriber.err();

    const auto lines = subscriber.out_lines();
    ASSERT_EQ(lines.size(), static_cast<size_t>(kCount)) << subscriber.out();
    std::optional<uint64_t> previous;
    for (int i = 1; i <= kCount; ++i) {
        const auto line = nlohmann::json::parse(lines[static_cast<size_t>(i - 1)]);
        EXPECT_EQ(line.at("topic"), "chat");
        EXPECT_EQ(line.at("data"), "m-" + std::to_string(i)) << subscriber.out();
        const auto offset = line.at("offset").get<uint64_t>();
        if (previous) {
            EXPECT_EQ(offset, *previous + 1);
        }
        previous = offset;
    }
    EXPECT_FALSE(proxy.dropped().empty());
    EXPECT_NE(subscriber.err().find("notify-cli: the connection lost frames from the server "),
              std::string::npos)
        << subscriber.err();
    EXPECT_NE(subscriber.err().find("notify-cli: recovering 'chat' from "), std::string::npos)
        << subscriber.err();
}

// With one message of history, the recovery after a loss of two cannot be exact: the server
// answers recovered:false and notify-cli says so on stderr (the line of the recover push's
// recovery), then carries on live.
TEST(UdpGapRecovery, UnrecoverableGapIsReported) {
    UdpNotifyd notifyd(1);
    ASSERT_NE(notifyd.port(), 0) << notifyd.log();
    // Messages 2 and 3 (sequences 4 and 5) are lost; message 4 reveals the gap.
    LossyProxy proxy(notifyd.port(), {4, 5});
    ChildProcess subscriber({NOTIFY_CLI_PATH, "sub", udp_url(proxy.port()), "chat", "--timeout",
                             "60"});
    ASSERT_TRUE(subscriber.wait_for_stderr("ready", 10s)) << subscriber.err();
    for (int i = 1; i <= 4; ++i) {
        ASSERT_NO_FATAL_FAILURE(publish(notifyd.port(), "chat", "m-" + std::to_string(i)));
    }
    ASSERT_TRUE(subscriber.wait_for_stderr("' could not be recovered from ", 10s))
        << subscriber.err();
    EXPECT_NE(subscriber.err().find("notify-cli: 'chat' could not be recovered from "),
              std::string::npos)
        << subscriber.err();
    // Live messages keep coming after it.
    ASSERT_NO_FATAL_FAILURE(publish(notifyd.port(), "chat", "m-5"));
    ASSERT_TRUE(subscriber.wait_until(
        [&] { return subscriber.out().find("\"data\":\"m-5\"") != std::string::npos; }, 10s))
        << subscriber.out() << subscriber.err();
    const auto lines = subscriber.out_lines();
    ASSERT_GE(lines.size(), 2u);
    EXPECT_EQ(nlohmann::json::parse(lines.front()).at("data"), "m-1");
    EXPECT_EQ(nlohmann::json::parse(lines.back()).at("data"), "m-5");
}

}  // namespace
