#include <notify/udp/client.hpp>

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace notify::udp {

namespace {

constexpr size_t receive_buffer_size = 65536;
// NACK at most this many holes per round, so a burst of loss does not become a NACK storm.
constexpr size_t max_holes_per_round = 16;

}  // namespace

Client::Client(ClientOptions options) : options_(std::move(options)) {
    server_.sin_family = AF_INET;
    server_.sin_port = htons(options_.port);
    if (inet_pton(AF_INET, options_.host.c_str(), &server_.sin_addr) != 1) {
        fail("udp client: host '" + options_.host + "' is not an IPv4 address");
        return;
    }
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        fail(std::string("udp client: socket: ") + std::strerror(errno));
        return;
    }
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (server_.sin_addr.s_addr != htonl(INADDR_LOOPBACK)) {
        local.sin_addr.s_addr = htonl(INADDR_ANY);
    }
    if (::bind(fd_, reinterpret_cast<const sockaddr *>(&local), sizeof local) != 0) {
        fail(std::string("udp client: bind: ") + std::strerror(errno));
        ::close(fd_);
        fd_ = -1;
    }
}

Client::~Client() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

uint16_t Client::local_port() const {
    sockaddr_in local{};
    socklen_t size = sizeof local;
    if (fd_ < 0 || ::getsockname(fd_, reinterpret_cast<sockaddr *>(&local), &size) != 0) {
        return 0;
    }
    return ntohs(local.sin_port);
}

void Client::fail(std::string message) { error_ = std::move(message); }

bool Client::send_raw(wire::View datagram) {
    if (fd_ < 0) {
        return false;
    }
    const ssize_t sent = ::sendto(fd_, datagram.data(), datagram.size(), 0,
                                  reinterpret_cast<const sockaddr *>(&server_), sizeof server_);
    return sent == static_cast<ssize_t>(datagram.size());
}

std::optional<wire::Bytes> Client::receive_raw(Duration timeout) {
    return next_datagram(Clock::now() + timeout);
}

std::optional<wire::Bytes> Client::next_datagram(Clock::time_point deadline) {
    wire::Bytes buffer(receive_buffer_size);
    while (fd_ >= 0) {
        const auto left = std::chrono::duration_cast<Duration>(deadline - Clock::now());
        if (left.count() < 0) {
            return std::nullopt;
        }
        pollfd waiting{fd_, POLLIN, 0};
        const int ready = ::poll(&waiting, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno != EINTR) {
            fail(std::string("udp client: poll: ") + std::strerror(errno));
            return std::nullopt;
        }
        if (ready <= 0) {
            continue;
        }
        sockaddr_in from{};
        socklen_t from_size = sizeof from;
        const ssize_t size = ::recvfrom(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT,
                                        reinterpret_cast<sockaddr *>(&from), &from_size);
        if (size < 0) {
            continue;
        }
        if (from.sin_addr.s_addr != server_.sin_addr.s_addr || from.sin_port != server_.sin_port) {
            continue;
        }
        buffer.resize(static_cast<size_t>(size));
        if (loss_filter_ && loss_filter_(buffer)) {
            buffer.resize(receive_buffer_size);
            continue;
        }
        return buffer;
    }
    return std::nullopt;
}

std::optional<wire::Bytes> Client::request_cookie(Duration timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        send_raw(wire::hello());
        const auto round_end = std::min(deadline, Clock::now() + options_.retry_interval);
        while (auto datagram = next_datagram(round_end)) {
            if (wire::type_of(*datagram) == wire::Type::cookie &&
                datagram->size() == wire::cookie_datagram_size) {
                return wire::Bytes(datagram->begin() + 1, datagram->end());
            }
        }
    }
    fail("udp client: no COOKIE answered our HELLO in time");
    return std::nullopt;
}

bool Client::connect_with_cookie(wire::View cookie, Duration timeout) {
    wire::Bytes connect{static_cast<uint8_t>(wire::Type::connect)};
    connect.insert(connect.end(), cookie.begin(), cookie.end());
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        send_raw(connect);
        const auto round_end = std::min(deadline, Clock::now() + options_.retry_interval);
        while (auto datagram = next_datagram(round_end)) {
            const auto type = wire::type_of(*datagram);
            if (type == wire::Type::accept && datagram->size() == wire::accept_datagram_size) {
                session_ = wire::get_u64(*datagram, 1);
                return true;
            }
            if (type == wire::Type::close && datagram->size() == wire::close_datagram_size &&
                wire::get_u64(*datagram, 1) == 0) {
                close_code_ = wire::get_u16(*datagram, 9);
                fail("udp client: CONNECT refused with code " + std::to_string(*close_code_));
                return false;
            }
        }
    }
    fail("udp client: no ACCEPT answered our CONNECT in time");
    return false;
}

bool Client::connect(Duration timeout) {
    const auto deadline = Clock::now() + timeout;
    const auto cookie = request_cookie(timeout);
    if (!cookie) {
        return false;
    }
    const auto left = std::chrono::duration_cast<Duration>(deadline - Clock::now());
    return connect_with_cookie(*cookie, std::max(left, Duration(1)));
}

bool Client::send_frame(wire::View frame) {
    if (session_ == 0 || frame.size() > 0xffff) {
        return false;
    }
    wire::Bytes datagram = wire::data_header(session_, ++client_sequence_);
    wire::append_frame(datagram, frame);
    return send_raw(datagram);
}

std::optional<wire::Bytes> Client::receive_frame(Duration timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<Duration>(deadline - Clock::now());
        auto received = receive(std::max(left, Duration(0)));
        if (!received) {
            return std::nullopt;
        }
        if (!received->lost) {
            return std::move(received->frame);
        }
    }
}

std::optional<Received> Client::receive(Duration timeout) {
    const auto deadline = Clock::now() + timeout;
    while (ready_.empty() && session_ != 0 && Clock::now() < deadline) {
        const auto round_end = std::min(deadline, Clock::now() + options_.retry_interval);
        bool progressed = false;
        while (ready_.empty() && session_ != 0) {
            const auto datagram = next_datagram(round_end);
            if (!datagram) {
                break;
            }
            handle_session_datagram(*datagram);
            progressed = true;
            if (!out_of_order_.empty() && Clock::now() - last_nacks_ >= options_.retry_interval) {
                send_nacks();
            }
        }
        if (ready_.empty() && session_ != 0 && !progressed) {
            // Quiet for a round: repeat NACKs for open holes, and ask where the server is, in
            // case the newest datagrams were the ones lost.
            send_nacks();
            send_raw(wire::ping(wire::Type::ping, session_, next_expected_ - 1));
        }
    }
    if (ready_.empty()) {
        return std::nullopt;
    }
    Received item = std::move(ready_.front());
    ready_.pop_front();
    return item;
}

bool Client::ping(Duration timeout) {
    const auto deadline = Clock::now() + timeout;
    if (session_ == 0 || !send_raw(wire::ping(wire::Type::ping, session_, next_expected_ - 1))) {
        return false;
    }
    while (auto datagram = next_datagram(deadline)) {
        if (handle_session_datagram(*datagram)) {
            return true;
        }
    }
    return false;
}

void Client::close() {
    if (session_ != 0) {
        send_raw(wire::close(session_, 1000));
        session_ = 0;
    }
}

bool Client::handle_session_datagram(wire::View datagram) {
    const auto type = wire::type_of(datagram);
    if (!type || datagram.size() < 9 || wire::get_u64(datagram, 1) != session_) {
        return false;
    }
    switch (*type) {
    case wire::Type::data:
        if (datagram.size() >= wire::data_header_size) {
            on_data(wire::get_u64(datagram, 9), datagram);
        }
        return false;
    case wire::Type::gap_lost:
        if (datagram.size() == wire::range_datagram_size) {
            on_gap_lost(wire::get_u64(datagram, 9), wire::get_u64(datagram, 17));
        }
        return false;
    case wire::Type::pong:
        if (datagram.size() == wire::ping_datagram_size) {
            highest_known_ = std::max(highest_known_, wire::get_u64(datagram, 9));
            send_nacks();
            return true;
        }
        return false;
    case wire::Type::close:
        if (datagram.size() == wire::close_datagram_size) {
            close_code_ = wire::get_u16(datagram, 9);
            session_ = 0;
        }
        return false;
    default:
        return false;
    }
}

void Client::on_data(uint64_t sequence, wire::View datagram) {
    if (sequence < next_expected_ || out_of_order_.contains(sequence)) {
        ++stats_.duplicates;
        return;
    }
    std::vector<wire::View> frames;
    if (!wire::split_frames(datagram, frames)) {
        return;
    }
    ++stats_.data_datagrams;
    stats_.frames += frames.size();
    stats_.most_frames_in_datagram = std::max(stats_.most_frames_in_datagram, frames.size());
    std::vector<wire::Bytes> copies;
    for (const wire::View frame : frames) {
        copies.emplace_back(frame.begin(), frame.end());
    }
    out_of_order_.emplace(sequence, std::move(copies));
    const uint64_t new_hole_start = std::max(highest_known_ + 1, next_expected_);
    highest_known_ = std::max(highest_known_, sequence);
    release_in_order();
    // Only the hole this datagram opened is asked for now; older ones are repeated on a timer,
    // so a burst of out-of-order datagrams does not repeat the same NACK for each.
    if (sequence > new_hole_start) {
        send_raw(wire::range(wire::Type::nack, session_, new_hole_start, sequence - 1));
        ++stats_.nacks_sent;
    }
}

void Client::on_gap_lost(uint64_t from, uint64_t to) {
    if (to < next_expected_ || from > to) {
        return;
    }
    from = std::max(from, next_expected_);
    // Datagrams before `from` may still come (NACKed, not reported lost): the gap takes its place
    // in the stream once everything before it was handed out.
    auto [range, added] = lost_ranges_.emplace(from, to);
    if (!added) {
        range->second = std::max(range->second, to);
    }
    highest_known_ = std::max(highest_known_, to);
    release_in_order();
}

const std::pair<const uint64_t, uint64_t> *Client::lost_range_of(uint64_t sequence) const {
    auto after = lost_ranges_.upper_bound(sequence);
    if (after == lost_ranges_.begin()) {
        return nullptr;
    }
    --after;
    return after->second >= sequence ? &*after : nullptr;
}

void Client::release_in_order() {
    for (;;) {
        if (const auto next = out_of_order_.find(next_expected_); next != out_of_order_.end()) {
            for (wire::Bytes &frame : next->second) {
                ready_.push_back(Received{std::move(frame), std::nullopt});
            }
            out_of_order_.erase(next);
            ++next_expected_;
            continue;
        }
        const auto *range = lost_range_of(next_expected_);
        if (range == nullptr) {
            break;
        }
        // A datagram of the range that did arrive (its first copy, before the ring lost it) is
        // still handed out; the gap covers the missing run up to it.
        uint64_t gap_end = range->second;
        if (const auto later = out_of_order_.lower_bound(next_expected_);
            later != out_of_order_.end()) {
            gap_end = std::min(gap_end, later->first - 1);
        }
        const uint64_t gap_start = next_expected_;
        next_expected_ = gap_end + 1;
        lost_.emplace_back(gap_start, gap_end);
        ready_.push_back(Received{{}, std::make_pair(gap_start, gap_end)});
        // Forget ranges already passed.
        while (!lost_ranges_.empty() && lost_ranges_.begin()->second < next_expected_) {
            lost_ranges_.erase(lost_ranges_.begin());
        }
    }
}

void Client::send_nacks() {
    last_nacks_ = Clock::now();
    uint64_t hole_start = next_expected_;
    size_t holes = 0;
    for (auto it = out_of_order_.begin(); holes < max_holes_per_round; ++it) {
        const uint64_t hole_end = it == out_of_order_.end() ? highest_known_ + 1 : it->first;
        const auto *lost = lost_range_of(hole_start);
        const bool reported_lost = lost != nullptr && lost->second >= hole_end - 1;
        if (hole_start < hole_end && !reported_lost) {
            send_raw(wire::range(wire::Type::nack, session_, hole_start, hole_end - 1));
            ++stats_.nacks_sent;
            ++holes;
        }
        if (it == out_of_order_.end()) {
            break;
        }
        hole_start = it->first + 1;
    }
}

}  // namespace notify::udp
