// A client of Notify's UDP session layer (plugins/udp/README.md): the cookie handshake, command
// frames in DATA datagrams, and server frames handed out in sequence order, with gaps NACKed
// and GAP_LOST notices recorded. Blocking, single-threaded, IPv4; one instance per session.
//
// Lost continuity: when the server answers a NACK with GAP_LOST, those datagrams (and whatever
// protocol frames they carried: messages, replies) are gone for good. receive() hands the loss
// out as a gap, in its place in the frame stream, so the protocol layer above knows the last
// frame it got before the loss; receive_frame() skips it (lost() still lists it). A subscriber
// recovers from a gap as from a recover push (docs/protocol.md §5): for each topic, subscribe
// again with `since` = the last position it delivered, and drop what arrives of that topic until
// the reply. notify-cli's `sub udp://…` does exactly that (sdk/cli/README.md).
#pragma once

#include <notify/udp/wire.hpp>

#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace notify::udp {

struct ClientOptions {
    std::string host = "127.0.0.1";
    uint16_t port = 7001;
    // How long to wait before repeating a HELLO or CONNECT, re-sending NACKs, or pinging for a
    // lost tail while waiting for a frame.
    std::chrono::milliseconds retry_interval{50};
};

struct ClientStats {
    uint64_t data_datagrams = 0;        // DATA datagrams accepted (duplicates excluded)
    uint64_t frames = 0;                // frames handed out or waiting to be
    size_t most_frames_in_datagram = 0;
    uint64_t nacks_sent = 0;
    uint64_t duplicates = 0;
};

// One item of the server's stream, in order: a frame, or a gap where the server datagrams
// [lost->first, lost->second] were lost for good (GAP_LOST); `frame` is empty for a gap.
struct Received {
    wire::Bytes frame;
    std::optional<std::pair<uint64_t, uint64_t>> lost;
};

class Client {
public:
    using Duration = std::chrono::milliseconds;
    // True drops the datagram as if the network had lost it (to simulate loss in tests).
    using LossFilter = std::function<bool(wire::View datagram)>;

    explicit Client(ClientOptions options);
    ~Client();
    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;

    // False when the socket could not be made (see error()).
    bool usable() const { return fd_ >= 0; }
    const std::string &error() const { return error_; }
    uint16_t local_port() const;

    // HELLO, COOKIE, CONNECT, ACCEPT. False with error() on a refusal or timeout.
    bool connect(Duration timeout);
    // The two halves of connect(), for tools and tests.
    std::optional<wire::Bytes> request_cookie(Duration timeout);
    bool connect_with_cookie(wire::View cookie, Duration timeout);

    // One command frame in one DATA datagram (no retry: a lost command gets no reply).
    bool send_frame(wire::View frame);
    // The next server frame in order, or nullopt after `timeout` or once the session is closed.
    // Gaps are skipped (see receive()).
    std::optional<wire::Bytes> receive_frame(Duration timeout);
    // The next frame or gap in order, or nullopt after `timeout` or once the session is closed.
    std::optional<Received> receive(Duration timeout);
    // Sends PING and waits for PONG; false on timeout.
    bool ping(Duration timeout);
    // Tells the server and forgets the session.
    void close();

    uint64_t session_id() const { return session_; }
    // The code of the server's CLOSE, once one arrived.
    std::optional<uint16_t> close_code() const { return close_code_; }
    // Ranges [from, to] of server datagrams the server reported lost (GAP_LOST).
    const std::vector<std::pair<uint64_t, uint64_t>> &lost() const { return lost_; }
    const ClientStats &stats() const { return stats_; }
    void set_loss_filter(LossFilter filter) { loss_filter_ = std::move(filter); }

    // Raw datagrams from this client's socket, for tools and tests.
    bool send_raw(wire::View datagram);
    std::optional<wire::Bytes> receive_raw(Duration timeout);

private:
    using Clock = std::chrono::steady_clock;

    // The next datagram from the server before `deadline`, the loss filter applied.
    std::optional<wire::Bytes> next_datagram(Clock::time_point deadline);
    // Handles a datagram of the session; true when it was a PONG.
    bool handle_session_datagram(wire::View datagram);
    void on_data(uint64_t sequence, wire::View datagram);
    void on_gap_lost(uint64_t from, uint64_t to);
    // Whether `sequence` is inside a range the server reported lost.
    const std::pair<const uint64_t, uint64_t> *lost_range_of(uint64_t sequence) const;
    void release_in_order();
    void send_nacks();
    void fail(std::string message);

    ClientOptions options_;
    int fd_ = -1;
    sockaddr_in server_{};
    std::string error_;

    uint64_t session_ = 0;
    std::optional<uint16_t> close_code_;
    uint64_t next_expected_ = 1;
    uint64_t highest_known_ = 0;  // newest server sequence seen in DATA or PONG
    uint64_t client_sequence_ = 0;
    std::map<uint64_t, std::vector<wire::Bytes>> out_of_order_;
    std::deque<Received> ready_;
    std::map<uint64_t, uint64_t> lost_ranges_;  // GAP_LOST from → to, not yet passed
    Clock::time_point last_nacks_{};
    std::vector<std::pair<uint64_t, uint64_t>> lost_;
    ClientStats stats_;
    LossFilter loss_filter_;
};

}  // namespace notify::udp
