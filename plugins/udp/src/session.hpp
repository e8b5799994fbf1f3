// One verified client of the udp transport: its address, its send queue of frame references and
// the ring of its last datagrams for replay. Lives on the I/O thread only.
#pragma once

#include <notify/notify.h>
#include <notify/udp/wire.hpp>

#include <boost/asio/ip/udp.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>

namespace notify::udp {

struct Session {
    uint64_t id = 0;    // the random session id on the wire
    uint64_t conn = 0;  // the connection id the host knows
    boost::asio::ip::udp::endpoint peer;
    std::array<uint8_t, wire::cookie_mac_size> cookie_mac{};  // makes a repeated CONNECT idempotent
    std::chrono::steady_clock::time_point last_seen;

    std::deque<const notify_frame *> queue;  // each entry retained once
    uint64_t last_sequence = 0;              // of the newest datagram in `ring`
    std::deque<wire::Bytes> ring;            // ring.back() has last_sequence
    bool tail_unsent = false;                // ring.back() met a full socket buffer
    bool waiting_for_socket = false;
    bool oversize_logged = false;

    uint64_t oldest_kept() const { return last_sequence + 1 - ring.size(); }
};

}  // namespace notify::udp
