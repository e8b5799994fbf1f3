// The udp:// scheme against a fake peer that speaks just enough of the session layer
// (plugins/udp/README.md): URL checks, silence, a refused CONNECT, a server CLOSE.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <notify/udp/wire.hpp>

#include <atomic>
#include <functional>
#include <optional>
#include <thread>

#include "child_process.hpp"
#include "cli_test_support.hpp"

namespace notify::cli::testing {
namespace {

namespace wire = notify::udp::wire;

constexpr uint64_t kSession = 0x1122334455667788;

// A UDP socket on 127.0.0.1 (ephemeral port) that hands each datagram to `answer` in a thread
// and sends back what it returns, to the datagram's sender.
class FakeUdpPeer {
public:
    using Answer = std::function<std::optional<wire::Bytes>(const wire::Bytes&)>;

    explicit FakeUdpPeer(Answer answer) {
        socket_ = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof address;
        ::bind(socket_, reinterpret_cast<sockaddr*>(&address), size);
        ::getsockname(socket_, reinterpret_cast<sockaddr*>(&address), &size);
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this, answer = std::move(answer)] { serve(answer); });
    }
    ~FakeUdpPeer() {
        stopping_ = true;
        thread_.join();
        ::close(socket_);
    }
    std::string url() const { return "udp://127.0.0.1:" + std::to_string(port_); }

private:
    void serve(const Answer& answer) {
        wire::Bytes buffer(wire::max_udp_payload);
        while (!stopping_) {
            pollfd waiting{socket_, POLLIN, 0};
            if (::poll(&waiting, 1, 20) <= 0) continue;
            sockaddr_in from{};
            socklen_t from_size = sizeof from;
            const auto size = ::recvfrom(socket_, buffer.data(), buffer.size(), 0,
                                         reinterpret_cast<sockaddr*>(&from), &from_size);
            if (size < 0) continue;
            const wire::Bytes datagram(buffer.begin(), buffer.begin() + size);
            if (const auto reply = answer(datagram)) {
                ::sendto(socket_, reply->data(), reply->size(), 0,
                         reinterpret_cast<const sockaddr*>(&from), from_size);
            }
        }
    }

    int socket_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

// COOKIE for a HELLO and ACCEPT for a CONNECT; everything else goes to `session`.
wire::Bytes any_cookie() {
    wire::Bytes cookie(wire::cookie_datagram_size, 0x5a);
    cookie[0] = static_cast<uint8_t>(wire::Type::cookie);
    return cookie;
}

FakeUdpPeer::Answer handshake_then(FakeUdpPeer::Answer session) {
    return [session = std::move(session)](
               const wire::Bytes& datagram) -> std::optional<wire::Bytes> {
        const auto type = wire::type_of(datagram);
        if (type == wire::Type::hello) return any_cookie();
        if (type == wire::Type::connect) {
            wire::Bytes accept{static_cast<uint8_t>(wire::Type::accept)};
            wire::put_u64(accept, kSession);
            return accept;
        }
        return session(datagram);
    };
}

TEST(NotifyCliUdp, UrlWithoutPortExitsTwo) {
    const auto outcome = run_to_exit(cli({"pub", "udp://127.0.0.1", "chat", "x"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.err, "notify-cli: invalid URL 'udp://127.0.0.1': a udp URL needs a port "
                           "(udp://HOST:PORT)\n");
}

TEST(NotifyCliUdp, SilentServerTimesOutConnectingWithExitCodeOne) {
    FakeUdpPeer silent([](const wire::Bytes&) { return std::nullopt; });
    const auto outcome =
        run_to_exit(cli({"send", silent.url(), "x", "--timeout", "0.5"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 1);
    EXPECT_EQ(outcome.err, "notify-cli: timed out connecting to " + silent.url() + "\n");
}

TEST(NotifyCliUdp, SilentServerWithoutTimeoutIsGivenUpWithExitCodeTwo) {
    FakeUdpPeer silent([](const wire::Bytes&) { return std::nullopt; });
    const auto outcome = run_to_exit(cli({"sub", silent.url(), "chat"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.err, "notify-cli: no answer from " + silent.url() +
                               " (is a udp transport listening there?)\n");
}

TEST(NotifyCliUdp, RefusedConnectExitsTwoNamingTheCode) {
    FakeUdpPeer full([](const wire::Bytes& datagram) -> std::optional<wire::Bytes> {
        if (wire::type_of(datagram) == wire::Type::hello) return any_cookie();
        if (wire::type_of(datagram) == wire::Type::connect) return wire::close(0, 1008);
        return std::nullopt;
    });
    const auto outcome = run_to_exit(cli({"send", full.url(), "x"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.err,
              "notify-cli: server at " + full.url() + " refused the session (code 1008)\n");
}

TEST(NotifyCliUdp, ServerCloseExitsTwoNamingTheCode) {
    FakeUdpPeer closing(
        handshake_then([](const wire::Bytes& datagram) -> std::optional<wire::Bytes> {
            if (wire::type_of(datagram) == wire::Type::data) return wire::close(kSession, 1001);
            return std::nullopt;
        }));
    const auto outcome = run_to_exit(cli({"send", closing.url(), "x"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.err, "notify-cli: server closed the connection (code 1001)\n");
}

}  // namespace
}  // namespace notify::cli::testing
