#include "io_loop.hpp"

#include <sched.h>

#include <boost/asio/post.hpp>

#include <cerrno>
#include <cstring>
#include <utility>

#include <sys/eventfd.h>
#include <unistd.h>

namespace notify::tcp {

namespace asio = boost::asio;

IoLoop::IoLoop(const Settings &settings, const notify_host_api &host, notify_host_ctx *ctx,
               uint8_t index, asio::ssl::context *tls)
    : settings_(settings), host_(host), ctx_(ctx), index_(index), tls_(tls),
      work_(asio::make_work_guard(context_)) {}

IoLoop::~IoLoop() { finish(); }

bool IoLoop::open_doorbell(std::string &error) {
    const int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) {
        error = std::string("eventfd: ") + std::strerror(errno);
        return false;
    }
    doorbell_fd_ = fd;
    doorbell_.assign(fd);
    return true;
}

void IoLoop::start_thread() {
    wait_for_doorbell();
    thread_ = std::thread([this] { context_.run(); });
}

void IoLoop::wait_for_doorbell() {
    doorbell_.async_wait(asio::posix::stream_descriptor::wait_read,
                         [this](const boost::system::error_code &ec) {
                             if (ec) {
                                 return;  // cancelled by finish()
                             }
                             uint64_t rings = 0;
                             [[maybe_unused]] const ssize_t got =
                                 ::read(doorbell_fd_, &rings, sizeof rings);
                             drain_inbox();
                             wait_for_doorbell();
                         });
}

template <typename Append>
bool IoLoop::post(Append &&append) {
    bool wake = false;
    {
        std::lock_guard lock(inbox_mutex_);
        if (!inbox_open_) {
            return false;
        }
        const size_t before = inbox_.size();
        append(inbox_);
        wake = before == 0 && !inbox_.empty();
    }
    if (wake) {
        // One eventfd write, after the lock: asio::post would signal this thread while holding
        // its queue mutex, and a core thread sharing the CPU would then be preempted holding it.
        const uint64_t one = 1;
        [[maybe_unused]] const ssize_t written = ::write(doorbell_fd_, &one, sizeof one);
    }
    return true;
}

void IoLoop::adopt(asio::ip::tcp::socket socket) {
    asio::post(context_,
               [this, socket = std::move(socket)]() mutable { on_adopt(std::move(socket)); });
}

void IoLoop::post_frame(const notify_frame *frame, const uint64_t *conns, size_t count) {
    post([&](std::vector<Command> &inbox) {
        for (size_t i = 0; i < count; ++i) {
            if (owns(conns[i])) {
                host_.frame_retain(frame);
                inbox.push_back(Command{Command::Kind::frame, conns[i], frame, 0});
            }
        }
    });
}

void IoLoop::post_close(uint64_t conn, uint16_t code) {
    post([&](std::vector<Command> &inbox) {
        inbox.push_back(Command{Command::Kind::close, conn, nullptr, code});
    });
}

void IoLoop::post_shutdown() {
    post([](std::vector<Command> &inbox) {
        inbox.push_back(Command{Command::Kind::shutdown, 0, nullptr, 0});
    });
}

void IoLoop::drain_inbox() {
    // When the core thread shares this CPU, waking us lets us run while it is still fanning
    // out the rest of a burst: writing now would cost one write per message per connection. So
    // while a pass brings frames for many connections, the core gets the CPU back once
    // (sched_yield returns at once when it has nothing left) and the next pass joins this
    // one's writes. With 100 TCP subscribers this took writes per message from ~100 to a few.
    for (unsigned pass = 0; pass < max_gather_passes; ++pass) {
        if (drain_pass() < gather_min_frames) break;
        sched_yield();
    }
    // Flushing after the whole batch is queued lets one write carry all of it.
    for (const auto &conn : to_flush_) {
        conn->flush_pending_ = false;
        conn->flush();
    }
    to_flush_.clear();
}

size_t IoLoop::drain_pass() {
    {
        std::lock_guard lock(inbox_mutex_);
        draining_.swap(inbox_);
    }
    size_t frames = 0;
    for (const Command &command : draining_) {
        switch (command.kind) {
        case Command::Kind::frame: {
            ++frames;
            const auto found = connections_.find(command.conn);
            if (found == connections_.end()) {
                host_.frame_release(command.frame);
                break;
            }
            Connection &conn = *found->second;
            if (conn.queue_frame(command.frame) && !conn.flush_pending_) {
                conn.flush_pending_ = true;
                to_flush_.push_back(found->second);
            }
            break;
        }
        case Command::Kind::close:
            if (const auto found = connections_.find(command.conn); found != connections_.end()) {
                found->second->begin_close(command.code);
            }
            break;
        case Command::Kind::shutdown:
            shutdown();
            break;
        }
    }
    draining_.clear();
    return frames;
}

void IoLoop::on_adopt(asio::ip::tcp::socket socket) {
    if (!accepting_) {
        boost::system::error_code ignored;
        socket.close(ignored);
        return;
    }
    boost::system::error_code ec;
    const asio::ip::tcp::endpoint remote = socket.remote_endpoint(ec);
    if (ec) {
        // The peer left before we looked; nothing was reported, nothing is owed.
        socket.close(ec);
        return;
    }
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    const std::string address = remote.address().to_string() + ":" + std::to_string(remote.port());
    const uint64_t id = uint64_t{index_} << loop_index_shift | ++next_serial_;
    Stream stream = tls_ != nullptr ? Stream(std::in_place_type<TlsStream>, std::move(socket), *tls_)
                                    : Stream(std::in_place_type<PlainStream>, std::move(socket));
    auto conn = std::make_shared<Connection>(*this, id, std::move(stream), address);
    connections_.emplace(id, conn);
    live_connections_.fetch_add(1);
    conn->start();
}

void IoLoop::shutdown() {
    accepting_ = false;
    std::vector<std::shared_ptr<Connection>> open;
    open.reserve(connections_.size());
    for (const auto &[id, conn] : connections_) {
        open.push_back(conn);
    }
    for (const auto &conn : open) {
        conn->begin_close(NOTIFY_CLOSE_GOING_AWAY);
    }
}

void IoLoop::forget(uint64_t conn) {
    if (connections_.erase(conn) > 0) {
        live_connections_.fetch_sub(1);
    }
}

void IoLoop::finish() {
    {
        std::lock_guard lock(inbox_mutex_);
        if (!inbox_open_) {
            return;
        }
        inbox_open_ = false;
    }
    work_.reset();
    context_.stop();
    if (thread_.joinable()) {
        thread_.join();
    }
    // Cancelled, not closed: a post() that appended before inbox_open_ turned false may still
    // ring, and must not write into a reused descriptor. The inbox is released below.
    boost::system::error_code ignored;
    doorbell_.cancel(ignored);
    accepting_ = false;
    std::vector<std::shared_ptr<Connection>> open;
    for (const auto &[id, conn] : connections_) {
        open.push_back(conn);
    }
    for (const auto &conn : open) {
        conn->close_now(NOTIFY_CLOSE_GOING_AWAY);
    }
    open.clear();
    // Runs the handlers the closes aborted and the inbox left behind, so that every frame
    // reference and every connection is released here, on this thread.
    context_.restart();
    context_.poll();
    for (const Command &command : inbox_) {
        if (command.kind == Command::Kind::frame) {
            host_.frame_release(command.frame);
        }
    }
    inbox_.clear();
}

void IoLoop::log(notify_log_level level, const std::string &message) const {
    host_.log(ctx_, level, notify_str{message.data(), message.size()});
}

}  // namespace notify::tcp
