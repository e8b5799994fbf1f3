// One client connection, owned by the I/O thread of its IoLoop: every member function runs on
// that thread (or on the main thread once the loop's thread has ended).
#pragma once

#include "frame_reader.hpp"

#include <notify/notify.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace notify::tcp {

class IoLoop;

using PlainStream = boost::asio::ip::tcp::socket;
using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
using Stream = std::variant<PlainStream, TlsStream>;

// What conn_closed reports when a connection ends without a clean close, as WebSocket does.
constexpr uint16_t close_abnormal = 1006;

class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(IoLoop &loop, uint64_t id, Stream stream, std::string remote_address);
    ~Connection();
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    uint64_t id() const { return id_; }

    // Completes the TLS handshake if any, reports the connection to the host and starts reading.
    void start();
    // Takes over one reference to `frame`. False when the frame was not queued (the reference
    // is released then); true means flush() will send it.
    bool queue_frame(const notify_frame *frame);
    // Starts a write of what is queued unless one is running.
    void flush();
    // Closes after the frames already queued are sent; later frames are dropped.
    void begin_close(uint16_t code);
    // Closes at once and reports `code` to the host (once, and only if it was opened).
    void close_now(uint16_t code);

private:
    enum class State { handshake, open, closing, closed };
    using Clock = std::chrono::steady_clock;

    void on_ready();
    void read_more();
    void on_read(const boost::system::error_code &ec, size_t count);
    void on_written(const boost::system::error_code &ec);
    void finish_sending();
    std::optional<Clock::time_point> deadline() const;
    void arm_timer(Clock::time_point when);
    void on_timer(const boost::system::error_code &ec);
    boost::asio::ip::tcp::socket &socket();
    void release_queued(size_t keep_front);

    IoLoop &loop_;
    const uint64_t id_;
    Stream stream_;
    const std::string remote_address_;
    FrameReader reader_;
    State state_ = State::handshake;
    bool opened_ = false;  // conn_open answered OK: conn_closed is owed
    uint16_t close_code_ = NOTIFY_CLOSE_NORMAL;

    // Retained references; the first in_flight_ are in the running write.
    std::deque<const notify_frame *> queue_;
    size_t in_flight_ = 0;
    bool writing_ = false;
    bool flush_pending_ = false;
    // One gathered write: per frame its length prefix (kept here) and its shared bytes.
    static constexpr size_t max_batch_frames = 64;
    std::array<std::array<uint8_t, frame_header_size>, max_batch_frames> headers_{};
    std::vector<boost::asio::const_buffer> buffers_;

    boost::asio::steady_timer timer_;
    bool timer_armed_ = false;
    Clock::time_point started_at_;
    Clock::time_point last_read_;
    Clock::time_point close_deadline_;

    friend class IoLoop;
};

}  // namespace notify::tcp
