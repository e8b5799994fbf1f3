#include "udp_transport.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <notify/udp/client.hpp>

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "cli_error.hpp"
#include "url.hpp"

namespace notify::cli {
namespace {

using std::chrono::milliseconds;

// UDP gives no "connection refused": without a deadline, a handshake nobody answers ends here.
constexpr milliseconds kHandshakeTimeout{5000};
// How long receive() waits quietly before it checks with a PING that the server is still there,
// and how long that PING may take: a server that vanished without a CLOSE is noticed, not
// waited for without end.
constexpr milliseconds kQuietInterval{1000};
constexpr milliseconds kPingTimeout{2000};

// The IPv4 address of `host` (the session layer and its client are IPv4 only).
std::optional<std::string> resolve_ipv4(const std::string& host) {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
        return std::nullopt;
    }
    sockaddr_in address{};
    std::memcpy(&address, found->ai_addr, sizeof address);
    ::freeaddrinfo(found);
    char text[INET_ADDRSTRLEN] = {};
    if (::inet_ntop(AF_INET, &address.sin_addr, text, sizeof text) == nullptr) return std::nullopt;
    return std::string(text);
}

class UdpTransport final : public Transport {
public:
    explicit UdpTransport(const Url& url) : url_(url) {}

    Encoding encoding() const override { return Encoding::binary; }

    void connect(Deadline deadline) override {
        const auto address = resolve_ipv4(url_.host);
        if (!address) fail("cannot resolve host '" + url_.host + "' to an IPv4 address");
        udp::ClientOptions options;
        options.host = *address;
        options.port = static_cast<uint16_t>(std::stoul(url_.port));
        client_.emplace(std::move(options));
        if (!client_->usable()) fail("cannot open a UDP socket: " + client_->error());

        const bool deadline_first = time_left(deadline) <= kHandshakeTimeout;
        const milliseconds timeout = std::min(kHandshakeTimeout, time_left(deadline));
        if (client_->connect(std::max(timeout, milliseconds(1)))) return;
        if (client_->close_code()) {
            fail("server at " + url_.text + " refused the session (code " +
                 std::to_string(*client_->close_code()) + ")");
        }
        if (deadline_first) time_out("connecting to " + url_.text);
        fail("no answer from " + url_.text + " (is a udp transport listening there?)");
    }

    void send_frame(std::string_view frame, Deadline deadline) override {
        if (passed(deadline)) time_out("sending to " + url_.text);
        require_session();
        if (frame.size() > 0xffff) {
            fail("a command of " + std::to_string(frame.size()) +
                 " bytes does not fit in a UDP datagram");
        }
        const auto* bytes = reinterpret_cast<const uint8_t*>(frame.data());
        if (!client_->send_frame(udp::wire::View(bytes, frame.size()))) {
            fail("cannot send to " + url_.text);
        }
    }

    std::string receive(Deadline deadline) override {
        // Frames that arrived before a server CLOSE (a disconnect push, say) are handed out first.
        for (;;) {
            if (passed(deadline)) time_out("waiting for the server");
            const milliseconds slice = std::min(kQuietInterval, time_left(deadline));
            if (auto received = client_->receive(std::max(slice, milliseconds(1)))) {
                return handed_out(std::move(*received));
            }
            require_session();
            if (passed(deadline)) time_out("waiting for the server");
            const bool deadline_first = time_left(deadline) <= kPingTimeout;
            const milliseconds ping_timeout = std::min(kPingTimeout, time_left(deadline));
            if (client_->ping(std::max(ping_timeout, milliseconds(1)))) continue;
            require_session();
            if (deadline_first) time_out("waiting for the server");
            fail("server at " + url_.text + " stopped answering");
        }
    }

    std::optional<std::string> receive_until(Deadline deadline, Clock::time_point wake) override {
        for (;;) {
            if (passed(deadline)) time_out("waiting for the server");
            if (Clock::now() >= wake) return std::nullopt;
            const auto to_wake = std::chrono::duration_cast<milliseconds>(wake - Clock::now());
            const milliseconds slice = std::min({kQuietInterval, time_left(deadline), to_wake});
            if (auto received = client_->receive(std::max(slice, milliseconds(1)))) {
                return handed_out(std::move(*received));
            }
            require_session();
            if (Clock::now() >= wake || slice < kQuietInterval) continue;
            if (passed(deadline)) time_out("waiting for the server");
            const bool deadline_first = time_left(deadline) <= kPingTimeout;
            const milliseconds ping_timeout = std::min(kPingTimeout, time_left(deadline));
            if (client_->ping(std::max(ping_timeout, milliseconds(1)))) continue;
            require_session();
            if (deadline_first) time_out("waiting for the server");
            fail("server at " + url_.text + " stopped answering");
        }
    }

    std::optional<std::string> take_lost_frames() override {
        return std::exchange(lost_, std::nullopt);
    }

    void close() noexcept override {
        if (client_) client_->close();
    }

private:
    // A frame, or for a gap (GAP_LOST) an empty string and what was lost for take_lost_frames().
    std::string handed_out(udp::Received received) {
        if (!received.lost) return std::string(received.frame.begin(), received.frame.end());
        const auto [from, to] = *received.lost;
        lost_ = (from == to ? "server datagram " + std::to_string(from)
                            : "server datagrams " + std::to_string(from) + ".." +
                                  std::to_string(to)) +
                " lost for good (GAP_LOST)";
        return {};
    }

    static bool passed(Deadline deadline) { return deadline && Clock::now() >= *deadline; }

    static milliseconds time_left(Deadline deadline) {
        if (!deadline) return milliseconds::max();
        return std::chrono::duration_cast<milliseconds>(*deadline - Clock::now());
    }

    // Throws once the server closed the session (its CLOSE code is the only reason UDP has).
    void require_session() {
        if (client_->session_id() != 0) return;
        if (const auto code = client_->close_code()) {
            throw CliError(ExitCode::failure,
                           "server closed the connection (code " + std::to_string(*code) + ")",
                           static_cast<std::uint16_t>(*code));
        }
        fail("server closed the connection");
    }

    [[noreturn]] void time_out(const std::string& what) {
        if (client_) client_->close();
        throw CliError(ExitCode::timeout, "timed out " + what);
    }

    [[noreturn]] static void fail(const std::string& message) {
        throw CliError(ExitCode::failure, message);
    }

    Url url_;
    std::optional<udp::Client> client_;
    std::optional<std::string> lost_;  // the gap receive() just stood for
};

}  // namespace

std::unique_ptr<Transport> make_udp_transport(const Url& url, const TransportOptions&) {
    return std::make_unique<UdpTransport>(url);
}

}  // namespace notify::cli
