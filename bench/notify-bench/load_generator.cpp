#include "load_generator.hpp"

#include "payload.hpp"
#include "session.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <netinet/in.h>
#include <new>
#include <netinet/tcp.h>
#include <cstdlib>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace notify::bench {
namespace {

constexpr std::uint64_t ns_per_second = 1'000'000'000;
constexpr std::size_t read_buffer_size = 256 * 1024;
constexpr std::size_t max_errors_kept = 5;
constexpr std::size_t max_error_length = 200;
// A closed loop stops waiting for a message after this long without any delivery, so one lost
// message cannot stall it; the message is still counted as lost at the end.
constexpr std::uint64_t stall_ns = ns_per_second;

std::uint64_t seconds_to_ns(double seconds) {
    return static_cast<std::uint64_t>(seconds * static_cast<double>(ns_per_second));
}

struct Connection {
    int fd = -1;
    std::unique_ptr<Session> session;
    std::string input;    // bytes not yet consumed by the session
    std::string output;
    std::size_t output_sent = 0;
    bool connecting = true;
    bool ready = false;
    bool closed = false;
    bool is_publisher = false;
    bool stalled = false;
    std::size_t topic_index = 0;
    std::size_t endpoint_index = SIZE_MAX;  // a subscriber's --subscriber-url, SIZE_MAX without
    bool wants_write = false;
    // A subscriber's newest sequence seen per publisher: only one publisher's messages arrive in
    // order (publisher i sends the sequences s with s % publishers == i).
    std::vector<std::int64_t> last_sequence_by_publisher;
    // A publisher's publishes so far. Publisher i sends the sequences s with s % publishers == i,
    // so its publish number n is message n * publishers + i (for ack latency).
    std::uint64_t publishes_sent = 0;
    std::size_t publisher_index = 0;
};

struct MessageTrack {
    std::uint64_t sent_ns = 0;
    std::uint64_t slowest_ns = 0;
    std::uint32_t remaining = 0;
    bool measured = false;
    bool abandoned = false;
};

// Every message's track, indexed by sequence number. Grows in fixed chunks (transparent huge
// pages where the kernel gives them) instead of one vector: at a million publishes per second a
// vector's regrowth (copying and faulting in fresh pages) cost the generator a sixth of its time.
class MessageTracks {
public:
    MessageTracks() = default;
    MessageTracks(const MessageTracks&) = delete;
    MessageTracks& operator=(const MessageTracks&) = delete;
    ~MessageTracks() {
        for (MessageTrack* chunk : chunks_) {
            std::free(chunk);
        }
    }

    std::size_t size() const { return size_; }
    MessageTrack& operator[](std::size_t i) { return chunks_[i >> chunk_bits][i & chunk_mask]; }

    void push_back(const MessageTrack& track) {
        if ((size_ >> chunk_bits) == chunks_.size()) {
            void* memory = std::aligned_alloc(chunk_alignment, chunk_bytes);
            if (memory == nullptr) {
                throw std::bad_alloc();
            }
            madvise(memory, chunk_bytes, MADV_HUGEPAGE);  // a hint; harmless when refused
            chunks_.push_back(static_cast<MessageTrack*>(memory));
        }
        new (&(*this)[size_]) MessageTrack(track);
        ++size_;
    }

private:
    static constexpr std::size_t chunk_bits = 16;
    static constexpr std::size_t chunk_mask = (std::size_t{1} << chunk_bits) - 1;
    static constexpr std::size_t chunk_alignment = 2 * 1024 * 1024;
    static constexpr std::size_t chunk_bytes =
        ((sizeof(MessageTrack) << chunk_bits) + chunk_alignment - 1) / chunk_alignment * chunk_alignment;
    std::vector<MessageTrack*> chunks_;
    std::size_t size_ = 0;
};

class LoadGenerator {
public:
    explicit LoadGenerator(const BenchOptions& options)
        : options_(options), read_buffer_(read_buffer_size), readers_per_topic_(options.topics, 0) {
        for (std::size_t i = 0; i < options.topics; ++i) {
            topic_names_.push_back(options.topics == 1 ? options.topic : options.topic + "." + std::to_string(i));
        }
    }

    ~LoadGenerator() {
        for (const auto& connection : connections_) {
            if (connection.fd >= 0) {
                close(connection.fd);
            }
        }
        if (epoll_fd_ >= 0) {
            close(epoll_fd_);
        }
    }

    LoadGenerator(const LoadGenerator&) = delete;
    LoadGenerator& operator=(const LoadGenerator&) = delete;

    BenchResult run() {
        raise_file_limit();
        epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
        if (epoll_fd_ < 0) {
            fail(std::string("epoll_create1: ") + std::strerror(errno));
            return std::move(result_);
        }
        for (const pid_t pid : options_.server_pids) {
            if (!sample_process(pid)) {
                fail("cannot read /proc/" + std::to_string(pid) + " (--server-pid)");
                return std::move(result_);
            }
        }
        result_.server_before = sample().total;
        result_.subscribers_by_endpoint.assign(options_.subscriber_endpoints.size(), 0);
        result_.latency_by_endpoint_ns.resize(options_.subscriber_endpoints.size());
        connections_.reserve(options_.subscribers + options_.publishers);
        if (!connect_subscribers() || !connect_publishers()) {
            return std::move(result_);
        }
        wait_for(seconds_to_ns(options_.settle_seconds));
        result_.server_connected = sample().total;
        if (!options_.idle && result_.errors.empty()) {
            publish_phase();
        }
        const auto end = sample();
        result_.server_end = end.total;
        result_.servers_end = end.each;
        finish_counts();
        return std::move(result_);
    }

private:
    struct EventSink final : SessionEvents {
        LoadGenerator& generator;
        Connection& connection;
        EventSink(LoadGenerator& g, Connection& c) : generator(g), connection(c) {}
        void ready() override { generator.on_ready(connection); }
        void delivered(std::string_view payload) override { generator.on_delivery(connection, payload); }
        void failed(std::string reason) override { generator.on_failure(connection, std::move(reason)); }
        void publish_acknowledged(std::uint64_t publish_number) override {
            generator.on_acknowledged(connection, publish_number);
        }
        void ack_sent(std::uint64_t messages) override {
            ++generator.result_.acks_sent;
            generator.result_.acked_messages += messages;
        }
        void ack_answered() override { ++generator.result_.acks_answered; }
    };

    static void raise_file_limit() {
        rlimit limit{};
        if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
            limit.rlim_cur = limit.rlim_max;
            setrlimit(RLIMIT_NOFILE, &limit);
        }
    }

    struct Samples {
        std::optional<ProcessSample> total;  // nullopt without --server-pid or when any is unreadable
        std::vector<std::optional<ProcessSample>> each;
    };

    Samples sample() const {
        Samples samples;
        if (options_.server_pids.empty()) {
            return samples;
        }
        ProcessSample total;
        bool complete = true;
        for (const pid_t pid : options_.server_pids) {
            samples.each.push_back(sample_process(pid));
            if (const auto& one = samples.each.back()) {
                total.cpu_seconds += one->cpu_seconds;
                total.rss_kib += one->rss_kib;
                total.anon_rss_kib += one->anon_rss_kib;
                total.peak_rss_kib += one->peak_rss_kib;
            } else {
                complete = false;
            }
        }
        if (complete) {
            samples.total = total;
        }
        return samples;
    }

    void sample_window_start() {
        auto start = sample();
        result_.server_window_start = start.total;
        result_.servers_window_start = std::move(start.each);
    }

    void fail(std::string message) {
        if (message.size() > max_error_length) {
            message.resize(max_error_length);
            message.append("...");
        }
        if (result_.errors.size() < max_errors_kept) {
            result_.errors.push_back(std::move(message));
        }
        ++error_count_;
    }

    std::string describe(const Connection& connection) const {
        const auto index = static_cast<std::size_t>(&connection - connections_.data());
        if (connection.is_publisher) {
            return "publisher " + std::to_string(index - first_publisher_);
        }
        return "subscriber " + std::to_string(index);
    }

    bool open_connection(bool is_publisher) {
        const std::size_t index = connections_.size();
        connections_.emplace_back();
        Connection& connection = connections_.back();
        connection.is_publisher = is_publisher;
        connection.topic_index = index % options_.topics;
        // Subscribers are the first connections, so `index` is the subscriber's number.
        const Endpoint endpoint = is_publisher ? publisher_endpoint(options_) : subscriber_endpoint(options_, index);
        if (!is_publisher && !options_.subscriber_endpoints.empty()) {
            connection.endpoint_index = index % options_.subscriber_endpoints.size();
        }
        if (!is_publisher) {
            connection.last_sequence_by_publisher.assign(options_.publishers, -1);
        }
        // Spread evenly: subscriber i stalls when the running share of stalled ones falls behind.
        connection.stalled = !is_publisher && (index + 1) * options_.stalled_percent / 100 >
                                                  index * options_.stalled_percent / 100;
        SessionSpec spec;
        spec.target = options_.target;
        spec.role = is_publisher ? SessionRole::publisher : SessionRole::subscriber;
        spec.topic = topic_names_[connection.topic_index];
        spec.host = endpoint.host + ":" + std::to_string(endpoint.port);
        spec.path = endpoint.path;
        spec.client_id = "notify-bench-" + std::to_string(getpid()) + "-" + std::to_string(index);
        spec.ack_deliveries = !is_publisher && options_.delivery == "at-least-once" && is_notify(options_.target);
        spec.ack_mode = options_.ack_mode;
        spec.redis_command = options_.redis_command;
        spec.token = options_.token;
        connection.session = make_session(spec);

        connection.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (connection.fd < 0) {
            fail(describe(connection) + ": socket: " + std::strerror(errno));
            return false;
        }
        const int one = 1;
        setsockopt(connection.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

        sockaddr_in server{};
        server.sin_family = AF_INET;
        server.sin_port = htons(endpoint.port);
        if (inet_pton(AF_INET, endpoint.host.c_str(), &server.sin_addr) != 1) {
            fail("--host and --subscriber-url must name IPv4 addresses, got '" + endpoint.host + "'");
            return false;
        }
        // Past ~28k connections one source address runs out of ephemeral ports. Sources start at
        // 127.0.0.2 so that no client socket holds a 127.0.0.1 port a server may want to listen on.
        if ((ntohl(server.sin_addr.s_addr) >> 24) == 127) {
            setsockopt(connection.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
            sockaddr_in source{};
            source.sin_family = AF_INET;
            const auto block = static_cast<std::uint32_t>(index / options_.connections_per_source_address);
            source.sin_addr.s_addr = htonl((127u << 24) + 2 + (block % 250));
            if (bind(connection.fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) {
                fail(describe(connection) + ": bind to a 127.0.0.x source: " + std::strerror(errno));
                return false;
            }
        }
        if (connect(connection.fd, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0 &&
            errno != EINPROGRESS) {
            fail(describe(connection) + ": connect to " + spec.host + ": " + std::strerror(errno));
            return false;
        }
        epoll_event event{};
        event.events = EPOLLIN | EPOLLOUT;
        event.data.u64 = index;
        connection.wants_write = true;
        epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, connection.fd, &event);
        return true;
    }

    bool connect_subscribers() {
        const std::uint64_t start = monotonic_ns();
        const std::uint64_t deadline = start + seconds_to_ns(options_.connect_timeout_seconds);
        while (ready_subscribers_ < options_.subscribers) {
            while (connections_.size() < options_.subscribers &&
                   connections_.size() - ready_subscribers_ < options_.connect_concurrency) {
                if (!open_connection(false)) {
                    return false;
                }
            }
            poll_once(1'000'000);
            if (error_count_ > 0) {
                return false;
            }
            if (monotonic_ns() > deadline) {
                char seconds[32];
                std::snprintf(seconds, sizeof seconds, "%.1f", options_.connect_timeout_seconds);
                fail("only " + std::to_string(ready_subscribers_) + " of " +
                     std::to_string(options_.subscribers) + " subscribers were ready after " + seconds +
                     " s (--connect-timeout)");
                return false;
            }
        }
        result_.subscribers_ready = ready_subscribers_;
        result_.connect_seconds = static_cast<double>(monotonic_ns() - start) / 1e9;
        return true;
    }

    bool connect_publishers() {
        first_publisher_ = connections_.size();
        for (std::size_t i = 0; i < options_.publishers; ++i) {
            if (!open_connection(true)) {
                return false;
            }
            connections_.back().publisher_index = i;
        }
        const std::uint64_t deadline = monotonic_ns() + seconds_to_ns(options_.connect_timeout_seconds);
        while (ready_publishers_ < options_.publishers) {
            poll_once(1'000'000);
            if (error_count_ > 0) {
                return false;
            }
            if (monotonic_ns() > deadline) {
                fail("only " + std::to_string(ready_publishers_) + " of " + std::to_string(options_.publishers) +
                     " publishers were ready in time");
                return false;
            }
        }
        answers_publishes_ = connections_[first_publisher_].session->acknowledges_publishes();
        return true;
    }

    void flush_publishers() {
        for (std::size_t i = first_publisher_; i < connections_.size(); ++i) {
            flush(connections_[i]);
        }
    }

    std::uint64_t unanswered() const { return answers_publishes_ ? result_.published - acknowledged_ : 0; }
    std::uint64_t acks_unanswered() const { return result_.acks_sent - result_.acks_answered; }

    void wait_for(std::uint64_t duration_ns) {
        const std::uint64_t end = monotonic_ns() + duration_ns;
        for (std::uint64_t now = monotonic_ns(); now < end && error_count_ == 0; now = monotonic_ns()) {
            poll_once(end - now);
        }
    }

    void publish_phase() {
        const std::uint64_t start = monotonic_ns();
        measure_start_ = start + seconds_to_ns(options_.warmup_seconds);
        measure_end_ = measure_start_ + seconds_to_ns(options_.duration_seconds);
        const bool open_loop = options_.rate > 0;
        const double interval_ns = open_loop ? 1e9 / options_.rate : 0;
        last_progress_ns_ = start;
        bool window_started = false;
        std::uint64_t now = start;
        while (now < measure_end_ && error_count_ == 0) {
            if (!window_started && now >= measure_start_) {
                window_started = true;
                sample_window_start();
            }
            std::uint64_t wait_ns = 1'000'000;
            if (open_loop) {
                // Stamped with the intended send time, so a late generator shows up as latency
                // instead of silently thinning the load (coordinated omission).
                while (true) {
                    const auto due = start + static_cast<std::uint64_t>(
                                                 static_cast<double>(result_.published) * interval_ns);
                    if (due > now) {
                        wait_ns = due - now;
                        break;
                    }
                    publish(due);
                }
            } else {
                release_stalled(now);
                while (in_flight_ < options_.window && unanswered() < options_.window) {
                    publish(now);
                }
            }
            flush_publishers();
            poll_once(std::min<std::uint64_t>(wait_ns, measure_end_ - now));
            now = monotonic_ns();
        }
        result_.measured_seconds = options_.duration_seconds;
        if (!window_started) {
            sample_window_start();
        }
        // CPU time counts inside the measured window, like the deliveries; the drain's work on
        // messages that are late (an overloaded open loop) is not charged to the window.
        auto window_end = sample();
        result_.server_window_end = window_end.total;
        result_.servers_window_end = std::move(window_end.each);
        const std::uint64_t drain_end = monotonic_ns() + seconds_to_ns(options_.drain_seconds);
        for (now = monotonic_ns();
             now < drain_end && (completed_ < result_.published || unanswered() > 0 || acks_unanswered() > 0) &&
             error_count_ == 0;
             now = monotonic_ns()) {
            poll_once(std::min<std::uint64_t>(drain_end - now, 10'000'000));
        }
        result_.answers_publishes = answers_publishes_;
        result_.unanswered = unanswered();
        result_.acks_unanswered = acks_unanswered();
    }

    void publish(std::uint64_t stamp_ns) {
        const std::uint64_t sequence = result_.published++;
        make_payload(payload_, options_.payload_size, PayloadStamp{sequence, stamp_ns});
        MessageTrack track;
        track.sent_ns = stamp_ns;
        const std::size_t topic = sequence % options_.topics;
        track.remaining = static_cast<std::uint32_t>(readers_per_topic_[topic]);
        track.measured = stamp_ns >= measure_start_ && stamp_ns < measure_end_;
        messages_.push_back(track);
        result_.expected += track.remaining;
        if (track.remaining > 0) {
            ++in_flight_;
        } else {
            ++completed_;
        }
        Connection& publisher = connections_[first_publisher_ + sequence % options_.publishers];
        ++publisher.publishes_sent;
        publisher.session->publish(publisher.output, topic_names_[topic], payload_);
    }

    void release_stalled(std::uint64_t now) {
        if (in_flight_ == 0 || now - last_progress_ns_ < stall_ns) {
            return;
        }
        for (std::size_t i = oldest_pending_; i < messages_.size(); ++i) {
            if (messages_[i].remaining > 0 && !messages_[i].abandoned) {
                messages_[i].abandoned = true;
                --in_flight_;
            }
        }
        last_progress_ns_ = now;
    }

    void poll_once(std::uint64_t timeout_ns) {
        epoll_event events[512];
        const timespec timeout{static_cast<time_t>(timeout_ns / ns_per_second),
                               static_cast<long>(timeout_ns % ns_per_second)};
        const int count = epoll_pwait2(epoll_fd_, events, 512, &timeout, nullptr);
        for (int i = 0; i < count; ++i) {
            Connection& connection = connections_[events[i].data.u64];
            if (connection.closed) {
                continue;
            }
            if (connection.connecting && (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
                finish_connect(connection);
            }
            if (!connection.closed && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
                read_from(connection);
            }
            if (!connection.closed && (events[i].events & EPOLLOUT)) {
                flush(connection);
            }
        }
    }

    void finish_connect(Connection& connection) {
        int error = 0;
        socklen_t size = sizeof error;
        getsockopt(connection.fd, SOL_SOCKET, SO_ERROR, &error, &size);
        if (error != 0) {
            close_with_error(connection, std::string("connect: ") + std::strerror(error));
            return;
        }
        connection.connecting = false;
        connection.session->begin(connection.output);
        flush(connection);
    }

    void read_from(Connection& connection) {
        const ssize_t got = recv(connection.fd, read_buffer_.data(), read_buffer_.size(), 0);
        if (got == 0) {
            close_with_error(connection, "the server closed the connection");
            return;
        }
        if (got < 0) {
            if (errno != EAGAIN && errno != EINTR) {
                close_with_error(connection, std::string("recv: ") + std::strerror(errno));
            }
            return;
        }
        now_ = monotonic_ns();
        const std::string_view fresh(read_buffer_.data(), static_cast<std::size_t>(got));
        EventSink sink(*this, connection);
        const std::size_t before = connection.output.size() - connection.output_sent;
        if (connection.input.empty()) {
            const std::size_t used = connection.session->consume(fresh, connection.output, sink);
            connection.input.assign(fresh.substr(used));
        } else {
            connection.input.append(fresh);
            const std::size_t used = connection.session->consume(connection.input, connection.output, sink);
            connection.input.erase(0, used);
        }
        if (!connection.closed && connection.output.size() - connection.output_sent != before) {
            flush(connection);
        }
    }

    void flush(Connection& connection) {
        if (connection.connecting || connection.closed) {
            return;
        }
        while (connection.output_sent < connection.output.size()) {
            const ssize_t sent = send(connection.fd, connection.output.data() + connection.output_sent,
                                      connection.output.size() - connection.output_sent, MSG_NOSIGNAL);
            if (sent < 0) {
                if (errno == EAGAIN) {
                    break;
                }
                if (errno == EINTR) {
                    continue;
                }
                close_with_error(connection, std::string("send: ") + std::strerror(errno));
                return;
            }
            connection.output_sent += static_cast<std::size_t>(sent);
        }
        if (connection.output_sent == connection.output.size()) {
            connection.output.clear();
            connection.output_sent = 0;
        }
        const bool wants_write = !connection.output.empty();
        if (wants_write != connection.wants_write) {
            connection.wants_write = wants_write;
            epoll_event event{};
            event.events = EPOLLIN | (wants_write ? EPOLLOUT : 0u);
            event.data.u64 = static_cast<std::uint64_t>(&connection - connections_.data());
            epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection.fd, &event);
        }
    }

    void close_with_error(Connection& connection, std::string reason) {
        fail(describe(connection) + ": " + reason);
        connection.closed = true;
        epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, connection.fd, nullptr);
        close(connection.fd);
        connection.fd = -1;
    }

    void on_ready(Connection& connection) {
        if (connection.ready) {
            return;
        }
        connection.ready = true;
        if (connection.is_publisher) {
            ++ready_publishers_;
            return;
        }
        ++ready_subscribers_;
        if (connection.endpoint_index != SIZE_MAX) {
            ++result_.subscribers_by_endpoint[connection.endpoint_index];
        }
        if (connection.stalled) {
            ++result_.stalled;
            // Never read again: the kernel buffers fill, then the server's queue for it does.
            epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, connection.fd, nullptr);
        } else {
            ++readers_per_topic_[connection.topic_index];
        }
    }

    void on_failure(Connection& connection, std::string reason) {
        close_with_error(connection, std::move(reason));
    }

    void on_acknowledged(Connection& connection, std::uint64_t publish_number) {
        if (!connection.is_publisher || publish_number >= connection.publishes_sent) {
            close_with_error(connection, "answer to publish " + std::to_string(publish_number) +
                                             ", which was never sent");
            return;
        }
        ++acknowledged_;
        if (now_ >= measure_start_ && now_ < measure_end_) {
            ++result_.acknowledged_measured;
        }
        const MessageTrack& track = messages_[publish_number * options_.publishers + connection.publisher_index];
        if (track.measured) {
            result_.ack_latency_ns.record(now_ > track.sent_ns ? now_ - track.sent_ns : 0);
        }
    }

    void on_delivery(Connection& connection, std::string_view payload) {
        const auto stamp = read_payload(payload);
        if (connection.is_publisher || !stamp || stamp->sequence >= messages_.size()) {
            ++result_.malformed;
            return;
        }
        const auto sequence = static_cast<std::int64_t>(stamp->sequence);
        std::int64_t& last_sequence = connection.last_sequence_by_publisher[stamp->sequence % options_.publishers];
        if (sequence <= last_sequence) {
            ++result_.duplicates;
            return;
        }
        last_sequence = sequence;
        ++result_.unique_deliveries;
        if (now_ >= measure_start_ && now_ < measure_end_) {
            ++result_.deliveries_measured;
        }
        last_progress_ns_ = now_;
        MessageTrack& track = messages_[stamp->sequence];
        const std::uint64_t latency = now_ > track.sent_ns ? now_ - track.sent_ns : 0;
        if (track.measured) {
            result_.latency_ns.record(latency);
            if (connection.endpoint_index != SIZE_MAX) {
                result_.latency_by_endpoint_ns[connection.endpoint_index].record(latency);
            }
        }
        track.slowest_ns = std::max(track.slowest_ns, latency);
        if (track.remaining > 0 && --track.remaining == 0) {
            ++completed_;
            if (!track.abandoned) {
                --in_flight_;
            }
            if (track.measured) {
                result_.last_delivery_ns.record(track.slowest_ns);
            }
            while (oldest_pending_ < messages_.size() && messages_[oldest_pending_].remaining == 0) {
                ++oldest_pending_;
            }
        }
    }

    void finish_counts() {
        result_.subscribers_ready = ready_subscribers_;
        for (const auto& connection : connections_) {
            if (connection.stalled && connection.fd >= 0 && closed_by_peer(connection.fd)) {
                ++result_.stalled_disconnected;
            }
        }
    }

    static bool closed_by_peer(int fd) {
        tcp_info info{};
        socklen_t size = sizeof info;
        return getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) == 0 &&
               (info.tcpi_state == TCP_CLOSE_WAIT || info.tcpi_state == TCP_CLOSE);
    }

    const BenchOptions& options_;
    BenchResult result_;
    int epoll_fd_ = -1;
    std::vector<Connection> connections_;
    std::vector<char> read_buffer_;
    MessageTracks messages_;
    std::vector<std::string> topic_names_;
    std::vector<std::size_t> readers_per_topic_;  // ready subscribers that read, per topic
    std::string payload_;
    std::size_t first_publisher_ = 0;  // publishers follow the subscribers in connections_
    std::size_t ready_subscribers_ = 0;
    std::size_t ready_publishers_ = 0;
    bool answers_publishes_ = false;
    std::size_t error_count_ = 0;
    std::size_t in_flight_ = 0;
    std::size_t oldest_pending_ = 0;
    std::uint64_t completed_ = 0;
    std::uint64_t acknowledged_ = 0;  // publishes the server answered (targets that answer), all phases
    std::uint64_t now_ = 0;
    std::uint64_t measure_start_ = UINT64_MAX;
    std::uint64_t measure_end_ = UINT64_MAX;
    std::uint64_t last_progress_ns_ = 0;
};

}  // namespace

BenchResult run_benchmark(const BenchOptions& options) {
    LoadGenerator generator(options);
    return generator.run();
}

}  // namespace notify::bench
