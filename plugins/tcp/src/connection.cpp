#include "connection.hpp"

#include "io_loop.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <limits>
#include <utility>

namespace notify::tcp {

namespace asio = boost::asio;

namespace {

// A TLS client gets this long to finish its handshake.
constexpr auto handshake_timeout = std::chrono::seconds(10);
// A closing connection gets this long to take its queue; a peer that stopped reading cannot
// hold it open.
constexpr auto close_timeout = std::chrono::seconds(5);
// After our FIN, how long we keep reading so that the peer's late bytes do not make the kernel
// reset the connection before the peer has read our last frames.
constexpr auto linger_timeout = std::chrono::milliseconds(500);
// One gathered write carries at most this many bytes (a larger frame still goes alone).
constexpr size_t max_batch_bytes = 256 * 1024;

bool is_end_of_stream(const boost::system::error_code &ec) {
    return ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
}

}  // namespace

Connection::Connection(IoLoop &loop, uint64_t id, Stream stream, std::string remote_address)
    : loop_(loop), id_(id), stream_(std::move(stream)), remote_address_(std::move(remote_address)),
      reader_(loop.settings().max_frame_size), timer_(loop.context()),
      started_at_(Clock::now()) {
    buffers_.reserve(2 * max_batch_frames);
}

Connection::~Connection() { release_queued(0); }

asio::ip::tcp::socket &Connection::socket() {
    if (auto *tls = std::get_if<TlsStream>(&stream_)) {
        return tls->next_layer();
    }
    return std::get<PlainStream>(stream_);
}

void Connection::release_queued(size_t keep_front) {
    while (queue_.size() > keep_front) {
        loop_.host().frame_release(queue_.back());
        queue_.pop_back();
    }
}

void Connection::start() {
    arm_timer(started_at_ + handshake_timeout);
    if (auto *tls = std::get_if<TlsStream>(&stream_)) {
        tls->async_handshake(asio::ssl::stream_base::server,
                             [self = shared_from_this()](const boost::system::error_code &ec) {
                                 if (self->state_ != State::handshake) {
                                     return;
                                 }
                                 if (ec) {
                                     self->close_now(close_abnormal);
                                     return;
                                 }
                                 self->on_ready();
                             });
        return;
    }
    on_ready();
}

void Connection::on_ready() {
    notify_conn_info info{};  // no HTTP request, so no headers
    info.size = sizeof info;
    info.remote_address = notify_str{remote_address_.data(), remote_address_.size()};
    info.encoding = NOTIFY_ENCODING_BINARY;
    const notify_status status = loop_.host().conn_open(loop_.ctx(), id_, &info);
    if (status != NOTIFY_OK) {
        close_now(NOTIFY_CLOSE_POLICY);
        return;
    }
    opened_ = true;
    state_ = State::open;
    last_read_ = Clock::now();
    if (const auto when = deadline()) {
        arm_timer(*when);
    }
    read_more();
}

void Connection::read_more() {
    auto on_read = [self = shared_from_this()](const boost::system::error_code &ec,
                                                size_t count) { self->on_read(ec, count); };
    const asio::mutable_buffer space(reader_.free_space(), reader_.free_size());
    std::visit([&](auto &stream) { stream.async_read_some(space, std::move(on_read)); }, stream_);
}

void Connection::on_read(const boost::system::error_code &ec, size_t count) {
    if (state_ == State::closed) {
        return;
    }
    if (state_ == State::closing) {
        // Only waiting for the peer to finish; what it still sends is not wanted.
        reader_.clear();
        if (ec) {
            close_now(close_code_);
        } else {
            read_more();
        }
        return;
    }
    if (ec) {
        const bool clean_end = is_end_of_stream(ec) && reader_.at_boundary();
        close_now(clean_end ? uint16_t{NOTIFY_CLOSE_NORMAL} : close_abnormal);
        return;
    }
    last_read_ = Clock::now();
    const auto result = reader_.commit(count, [this](const uint8_t *data, size_t size) {
        loop_.host().conn_receive(loop_.ctx(), id_, notify_bytes{data, size});
    });
    if (result == FrameReader::Result::too_big) {
        loop_.count_too_big_close();
        begin_close(NOTIFY_CLOSE_TOO_BIG);
    }
    read_more();
}

bool Connection::queue_frame(const notify_frame *frame) {
    if (state_ != State::open) {
        loop_.host().frame_release(frame);
        return false;
    }
    if (queue_.size() >= loop_.settings().max_queue) {
        loop_.host().frame_release(frame);
        if (loop_.settings().slow_consumer == SlowConsumerPolicy::drop) {
            loop_.count_dropped_frame();
            return false;
        }
        loop_.count_slow_consumer_close();
        loop_.log(NOTIFY_LOG_WARN, "tcp: connection " + std::to_string(id_) + " (" +
                                       remote_address_ + ") closed: send queue full (" +
                                       std::to_string(queue_.size()) + " frames)");
        close_now(NOTIFY_CLOSE_SLOW_CONSUMER);
        return false;
    }
    queue_.push_back(frame);
    return true;
}

void Connection::flush() {
    if (writing_ || queue_.empty() || state_ == State::closed) {
        return;
    }
    buffers_.clear();
    size_t batch_bytes = 0;
    size_t count = 0;
    while (count < queue_.size() && count < max_batch_frames) {
        const notify_bytes bytes =
            loop_.host().frame_bytes(queue_[count], NOTIFY_ENCODING_BINARY);
        if (bytes.len > std::numeric_limits<uint32_t>::max()) {
            loop_.log(NOTIFY_LOG_ERROR, "tcp: a frame of " + std::to_string(bytes.len) +
                                            " bytes cannot be length-prefixed; closing " +
                                            std::to_string(id_));
            close_now(NOTIFY_CLOSE_TOO_BIG);
            return;
        }
        if (count > 0 && batch_bytes + frame_header_size + bytes.len > max_batch_bytes) {
            break;
        }
        const auto length = static_cast<uint32_t>(bytes.len);
        headers_[count] = {static_cast<uint8_t>(length), static_cast<uint8_t>(length >> 8),
                           static_cast<uint8_t>(length >> 16), static_cast<uint8_t>(length >> 24)};
        buffers_.emplace_back(headers_[count].data(), frame_header_size);
        buffers_.emplace_back(bytes.data, bytes.len);
        batch_bytes += frame_header_size + bytes.len;
        ++count;
    }
    in_flight_ = count;
    writing_ = true;
    auto on_written = [self = shared_from_this()](const boost::system::error_code &ec, size_t) {
        self->on_written(ec);
    };
    std::visit([&](auto &stream) { asio::async_write(stream, buffers_, std::move(on_written)); },
               stream_);
}

void Connection::on_written(const boost::system::error_code &ec) {
    for (size_t i = 0; i < in_flight_; ++i) {
        loop_.host().frame_release(queue_.front());
        queue_.pop_front();
    }
    in_flight_ = 0;
    writing_ = false;
    if (state_ == State::closed) {
        return;
    }
    if (ec) {
        close_now(state_ == State::closing ? close_code_ : close_abnormal);
        return;
    }
    if (!queue_.empty()) {
        flush();
    } else if (state_ == State::closing) {
        finish_sending();
    }
}

void Connection::begin_close(uint16_t code) {
    if (state_ == State::handshake) {
        close_now(code);
        return;
    }
    if (state_ != State::open) {
        return;
    }
    state_ = State::closing;
    close_code_ = code;
    close_deadline_ = Clock::now() + close_timeout;
    arm_timer(close_deadline_);
    if (writing_) {
        return;  // on_written continues with the rest of the queue
    }
    if (queue_.empty()) {
        finish_sending();
    } else {
        flush();
    }
}

void Connection::finish_sending() {
    boost::system::error_code ignored;
    socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    close_deadline_ = std::min(close_deadline_, Clock::now() + linger_timeout);
    arm_timer(close_deadline_);
}

void Connection::close_now(uint16_t code) {
    if (state_ == State::closed) {
        return;
    }
    // The loop's map may hold the last reference, and forget() drops it.
    const auto self = shared_from_this();
    state_ = State::closed;
    timer_.cancel();
    boost::system::error_code ignored;
    socket().close(ignored);
    release_queued(writing_ ? in_flight_ : 0);
    loop_.forget(id_);
    if (opened_) {
        loop_.host().conn_closed(loop_.ctx(), id_, code);
    }
}

std::optional<Connection::Clock::time_point> Connection::deadline() const {
    switch (state_) {
    case State::handshake:
        return started_at_ + handshake_timeout;
    case State::open:
        if (loop_.settings().idle_timeout.count() == 0) {
            return std::nullopt;
        }
        return last_read_ + loop_.settings().idle_timeout;
    case State::closing:
        return close_deadline_;
    case State::closed:
        break;
    }
    return std::nullopt;
}

void Connection::arm_timer(Clock::time_point when) {
    if (timer_armed_ && timer_.expiry() <= when) {
        return;
    }
    // Moving the expiry aborts a pending wait; its handler then leaves the timer alone.
    timer_.expires_at(when);
    timer_armed_ = true;
    timer_.async_wait(
        [self = shared_from_this()](const boost::system::error_code &ec) { self->on_timer(ec); });
}

void Connection::on_timer(const boost::system::error_code &ec) {
    if (ec == asio::error::operation_aborted || state_ == State::closed) {
        return;
    }
    timer_armed_ = false;
    const auto when = deadline();
    if (!when) {
        return;
    }
    if (Clock::now() < *when) {
        arm_timer(*when);
        return;
    }
    switch (state_) {
    case State::handshake:
        close_now(close_abnormal);
        break;
    case State::open:
        loop_.log(NOTIFY_LOG_DEBUG, "tcp: connection " + std::to_string(id_) + " (" +
                                        remote_address_ + ") idle; closed");
        close_now(close_abnormal);
        break;
    case State::closing:
        close_now(close_code_);
        break;
    case State::closed:
        break;
    }
}

}  // namespace notify::tcp
