// --publish-via ws|http|grpc: see api_load.hpp and bench/README.md ("Server API publishes").
//
// Threads: the publishers run on the calling thread (an epoll loop for WebSocket and HTTP, a
// gRPC completion queue for gRPC); the one subscriber reads on a thread of its own, so that
// the publish loop never waits behind a delivery and the subscriber is the same in every mode.
#include "api_load.hpp"

#include "payload.hpp"
#include "process_stats.hpp"
#include "session.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <memory>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <unordered_set>
#include <vector>

#ifdef NOTIFY_BENCH_GRPC
#include <grpcpp/grpcpp.h>

#include "notify_api.grpc.pb.h"
#endif

namespace notify::bench {
namespace {

constexpr std::uint64_t ns_per_second = 1'000'000'000;

std::uint64_t seconds_to_ns(double seconds) {
    return static_cast<std::uint64_t>(seconds * static_cast<double>(ns_per_second));
}

// Blocking connect on loopback, then TCP_NODELAY; -1 with `error` set on failure.
int connect_tcp(const std::string& host, std::uint16_t port, std::string& error) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::string("socket: ") + std::strerror(errno);
        return -1;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
        error = "--host must be an IPv4 address, got '" + host + "'";
        close(fd);
        return -1;
    }
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        error = "connect to " + host + ":" + std::to_string(port) + ": " + std::strerror(errno);
        close(fd);
        return -1;
    }
    return fd;
}

// The measured window, shared with the subscriber thread.
struct Window {
    std::atomic<std::uint64_t> start{UINT64_MAX};
    std::atomic<std::uint64_t> end{UINT64_MAX};
    bool contains(std::uint64_t t) const { return t >= start.load(std::memory_order_relaxed) && t < end.load(std::memory_order_relaxed); }
};

// ---- the subscriber ----------------------------------------------------------------------------

class Subscriber final : SessionEvents {
public:
    Subscriber(const BenchOptions& options, const Window& window) : options_(options), window_(window) {}
    ~Subscriber() { stop(); }
    Subscriber(const Subscriber&) = delete;
    Subscriber& operator=(const Subscriber&) = delete;

    bool start(std::string& error) {
        fd_ = connect_tcp(options_.host, options_.port, error);
        if (fd_ < 0) {
            error = "subscriber: " + error;
            return false;
        }
        SessionSpec spec;
        spec.target = Target::notify;
        spec.role = SessionRole::subscriber;
        spec.topic = options_.topic;
        spec.host = options_.host + ":" + std::to_string(options_.port);
        spec.path = options_.path;
        session_ = make_session(spec);
        std::string out;
        session_->begin(out);
        send_all(out);
        thread_ = std::thread([this] { loop(); });
        return true;
    }

    void stop() {
        stopping_.store(true);
        if (thread_.joinable()) {
            thread_.join();
        }
        if (fd_ >= 0) {
            close(fd_);
            fd_ = -1;
        }
    }

    bool is_ready() const { return ready_.load(); }
    bool has_failed() const { return failed_.load(); }
    std::uint64_t unique() const { return unique_.load(std::memory_order_relaxed); }
    std::string error() const {
        std::lock_guard lock(error_mutex_);
        return error_;
    }

    // After stop(): the delivery fields of the result.
    void fill(BenchResult& result) const {
        result.subscribers_ready = ready_.load() ? 1 : 0;
        result.unique_deliveries = unique_.load();
        result.duplicates = duplicates_;
        result.malformed = malformed_;
        result.deliveries_measured = deliveries_measured_;
        result.latency_ns = latency_ns_;
        result.last_delivery_ns = latency_ns_;  // one subscriber: its delivery is the last one
    }

private:
    void ready() override { ready_.store(true); }
    void failed(std::string reason) override { set_error(std::move(reason)); }
    void publish_acknowledged(std::uint64_t) override {}
    void delivered(std::string_view payload) override {
        const std::uint64_t now = monotonic_ns();
        const auto stamp = read_payload(payload);
        if (!stamp) {
            ++malformed_;
            return;
        }
        // Several publishers: deliveries need not arrive in sequence order, so every sequence
        // seen is remembered.
        if (stamp->sequence >= (std::uint64_t{1} << 32)) {  // no run publishes that many
            ++malformed_;
            return;
        }
        if (stamp->sequence >= seen_.size()) {
            seen_.resize(std::max<std::size_t>(stamp->sequence + 1, seen_.size() * 2), 0);
        }
        if (seen_[stamp->sequence]) {
            ++duplicates_;
            return;
        }
        seen_[stamp->sequence] = 1;
        unique_.fetch_add(1, std::memory_order_relaxed);
        if (window_.contains(now)) {
            ++deliveries_measured_;
        }
        if (window_.contains(stamp->sent_ns)) {
            latency_ns_.record(now > stamp->sent_ns ? now - stamp->sent_ns : 0);
        }
    }

    void set_error(std::string reason) {
        std::lock_guard lock(error_mutex_);
        if (error_.empty()) {
            error_ = "subscriber: " + reason;
        }
        failed_.store(true);
    }

    void send_all(const std::string& out) {
        std::size_t sent = 0;
        while (sent < out.size()) {
            const ssize_t n = send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                set_error(std::string("send: ") + std::strerror(errno));
                return;
            }
            sent += static_cast<std::size_t>(n);
        }
    }

    void loop() {
        std::vector<char> buffer(256 * 1024);
        std::string input;
        std::string out;
        while (!stopping_.load() && !failed_.load()) {
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, 20) <= 0) {
                continue;
            }
            const ssize_t got = recv(fd_, buffer.data(), buffer.size(), 0);
            if (got == 0) {
                set_error("the server closed the connection");
                return;
            }
            if (got < 0) {
                if (errno != EINTR && errno != EAGAIN) {
                    set_error(std::string("recv: ") + std::strerror(errno));
                    return;
                }
                continue;
            }
            input.append(buffer.data(), static_cast<std::size_t>(got));
            const std::size_t used = session_->consume(input, out, *this);
            input.erase(0, used);
            if (!out.empty()) {
                send_all(out);
                out.clear();
            }
        }
    }

    const BenchOptions& options_;
    const Window& window_;
    int fd_ = -1;
    std::unique_ptr<Session> session_;
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> ready_{false};
    std::atomic<bool> failed_{false};
    std::atomic<std::uint64_t> unique_{0};
    mutable std::mutex error_mutex_;
    std::string error_;
    // Subscriber thread only (read by fill() after the join).
    std::vector<std::uint8_t> seen_;
    std::uint64_t duplicates_ = 0;
    std::uint64_t malformed_ = 0;
    std::uint64_t deliveries_measured_ = 0;
    LatencyHistogram latency_ns_;
};

// ---- the publishers ----------------------------------------------------------------------------

using ReplyFn = std::function<void(std::size_t slot)>;

class Publishers {
public:
    virtual ~Publishers() = default;
    // Opens `count` slots and waits until each can publish (false with error_ set).
    virtual bool open(std::size_t count, std::uint64_t deadline_ns) = 0;
    // Sends one publish of `payload` on `slot`, which has none in flight.
    virtual void send(std::size_t slot, std::string_view payload) = 0;
    // Waits up to `timeout_ns` for answers; calls `on_reply(slot)` for each successful one. A
    // failed one sets error_.
    virtual void poll(std::uint64_t timeout_ns, const ReplyFn& on_reply) = 0;

    bool failed() const { return !error_.empty(); }
    const std::string& error() const { return error_; }

protected:
    void fail(std::string message) {
        if (error_.empty()) {
            error_ = std::move(message);
        }
    }

private:
    std::string error_;
};

// WebSocket and HTTP: one TCP connection per slot, one epoll loop.
class StreamPublishers : public Publishers {
public:
    explicit StreamPublishers(const BenchOptions& options) : options_(options), buffer_(256 * 1024) {}
    ~StreamPublishers() override {
        for (const auto& connection : connections_) {
            if (connection.fd >= 0) {
                close(connection.fd);
            }
        }
        if (epoll_fd_ >= 0) {
            close(epoll_fd_);
        }
    }

    bool open(std::size_t count, std::uint64_t deadline_ns) final {
        epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
        connections_.resize(count);
        for (std::size_t slot = 0; slot < count; ++slot) {
            Connection& connection = connections_[slot];
            std::string error;
            connection.fd = connect_tcp(endpoint_host(), endpoint_port(), error);
            if (connection.fd < 0) {
                fail("publisher " + std::to_string(slot) + ": " + error);
                return false;
            }
            fcntl(connection.fd, F_SETFL, fcntl(connection.fd, F_GETFL, 0) | O_NONBLOCK);
            epoll_event event{};
            event.events = EPOLLIN;
            event.data.u64 = slot;
            epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, connection.fd, &event);
            opened(connection, slot);
            flush(connection, slot);
        }
        const ReplyFn unexpected = [this](std::size_t slot) {
            fail("publisher " + std::to_string(slot) + ": an answer before any publish");
        };
        while (!failed()) {
            bool all_ready = true;
            for (const auto& connection : connections_) {
                all_ready = all_ready && connection.ready;
            }
            if (all_ready) {
                return true;
            }
            if (monotonic_ns() > deadline_ns) {
                fail("publishers were not ready in time (--connect-timeout)");
                return false;
            }
            poll(10'000'000, unexpected);
        }
        return false;
    }

    void send(std::size_t slot, std::string_view payload) final {
        Connection& connection = connections_[slot];
        write_publish(connection, payload);
        flush(connection, slot);
    }

    void poll(std::uint64_t timeout_ns, const ReplyFn& on_reply) final {
        epoll_event events[64];
        const timespec timeout{static_cast<time_t>(timeout_ns / ns_per_second),
                               static_cast<long>(timeout_ns % ns_per_second)};
        const int count = epoll_pwait2(epoll_fd_, events, 64, &timeout, nullptr);
        for (int i = 0; i < count && !failed(); ++i) {
            const std::size_t slot = events[i].data.u64;
            Connection& connection = connections_[slot];
            if (events[i].events & EPOLLOUT) {
                flush(connection, slot);
            }
            if (!(events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
                continue;
            }
            const ssize_t got = recv(connection.fd, buffer_.data(), buffer_.size(), 0);
            if (got == 0) {
                fail("publisher " + std::to_string(slot) + ": the server closed the connection");
                return;
            }
            if (got < 0) {
                if (errno != EAGAIN && errno != EINTR) {
                    fail("publisher " + std::to_string(slot) + ": recv: " + std::strerror(errno));
                }
                continue;
            }
            connection.input.append(buffer_.data(), static_cast<std::size_t>(got));
            consume(connection, slot, on_reply);
            flush(connection, slot);
        }
    }

protected:
    struct Connection {
        int fd = -1;
        bool ready = false;
        bool wants_write = false;
        std::string input;  // bytes not yet parsed
        std::string output;
        std::size_t output_sent = 0;
        std::unique_ptr<Session> session;  // WebSocket only
    };

    virtual std::string endpoint_host() const { return options_.host; }
    virtual std::uint16_t endpoint_port() const = 0;
    // The connection is up: write any handshake to connection.output, or set ready.
    virtual void opened(Connection& connection, std::size_t slot) = 0;
    // Parses connection.input (erasing what it used); calls on_reply per answered publish.
    virtual void consume(Connection& connection, std::size_t slot, const ReplyFn& on_reply) = 0;
    virtual void write_publish(Connection& connection, std::string_view payload) = 0;

    const BenchOptions& options_;

private:
    void flush(Connection& connection, std::size_t slot) {
        while (connection.output_sent < connection.output.size()) {
            const ssize_t sent = ::send(connection.fd, connection.output.data() + connection.output_sent,
                                        connection.output.size() - connection.output_sent, MSG_NOSIGNAL);
            if (sent < 0) {
                if (errno == EAGAIN) {
                    break;
                }
                if (errno == EINTR) {
                    continue;
                }
                fail("publisher " + std::to_string(slot) + ": send: " + std::strerror(errno));
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
            event.data.u64 = slot;
            epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection.fd, &event);
        }
    }

    int epoll_fd_ = -1;
    std::vector<Connection> connections_;
    std::vector<char> buffer_;
};

// A client of notify's WebSocket protocol publishing like any client (the existing path).
class WebSocketPublishers final : public StreamPublishers {
public:
    using StreamPublishers::StreamPublishers;

private:
    struct Sink final : SessionEvents {
        WebSocketPublishers& owner;
        Connection& connection;
        std::size_t slot;
        const ReplyFn& on_reply;
        Sink(WebSocketPublishers& o, Connection& c, std::size_t s, const ReplyFn& r)
            : owner(o), connection(c), slot(s), on_reply(r) {}
        void ready() override { connection.ready = true; }
        void delivered(std::string_view) override {}
        void failed(std::string reason) override { owner.fail("publisher " + std::to_string(slot) + ": " + reason); }
        void publish_acknowledged(std::uint64_t) override { on_reply(slot); }
    };

    std::uint16_t endpoint_port() const override { return options_.port; }

    void opened(Connection& connection, std::size_t slot) override {
        SessionSpec spec;
        spec.target = Target::notify;
        spec.role = SessionRole::publisher;
        spec.host = options_.host + ":" + std::to_string(options_.port);
        spec.path = options_.path;
        spec.client_id = "notify-bench-publisher-" + std::to_string(slot);
        connection.session = make_session(spec);
        connection.session->begin(connection.output);
    }

    void consume(Connection& connection, std::size_t slot, const ReplyFn& on_reply) override {
        Sink sink(*this, connection, slot, on_reply);
        const std::size_t used = connection.session->consume(connection.input, connection.output, sink);
        connection.input.erase(0, used);
    }

    void write_publish(Connection& connection, std::string_view payload) override {
        connection.session->publish(connection.output, options_.topic, payload);
    }
};

// POST /api/publish over HTTP/1.1 keep-alive (plugins/http_api): one request in flight per
// connection, as the plugin serves them.
class HttpPublishers final : public StreamPublishers {
public:
    explicit HttpPublishers(const BenchOptions& options) : StreamPublishers(options) {
        head_ = "POST /api/publish HTTP/1.1\r\nHost: " + options.host + ":" + std::to_string(options.api_port) +
                "\r\nAuthorization: apikey " + options.api_key +
                "\r\nContent-Type: application/json\r\nContent-Length: ";
    }

private:
    std::uint16_t endpoint_port() const override { return options_.api_port; }

    void opened(Connection& connection, std::size_t) override { connection.ready = true; }

    void write_publish(Connection& connection, std::string_view payload) override {
        body_.assign(R"({"topic":")").append(options_.topic).append(R"(","data":")").append(payload).append("\"}");
        connection.output.append(head_).append(std::to_string(body_.size())).append("\r\n\r\n").append(body_);
    }

    static bool iequals_prefix(std::string_view text, std::string_view lower_prefix) {
        if (text.size() < lower_prefix.size()) {
            return false;
        }
        for (std::size_t i = 0; i < lower_prefix.size(); ++i) {
            const char c = text[i];
            if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c) != lower_prefix[i]) {
                return false;
            }
        }
        return true;
    }

    void consume(Connection& connection, std::size_t slot, const ReplyFn& on_reply) override {
        while (!failed()) {
            const std::string_view in = connection.input;
            const auto head_end = in.find("\r\n\r\n");
            if (head_end == std::string_view::npos) {
                return;
            }
            const std::string_view head = in.substr(0, head_end + 2);
            int status = 0;
            if (head.size() > 12 && head.starts_with("HTTP/1.")) {
                std::from_chars(head.data() + 9, head.data() + 12, status);
            }
            std::size_t length = 0;
            for (std::size_t line = head.find("\r\n"); line != std::string_view::npos && line + 2 < head.size();
                 line = head.find("\r\n", line + 2)) {
                const std::string_view rest = head.substr(line + 2);
                if (iequals_prefix(rest, "content-length:")) {
                    std::size_t at = 15;
                    while (at < rest.size() && rest[at] == ' ') {
                        ++at;
                    }
                    std::from_chars(rest.data() + at, rest.data() + rest.size(), length);
                }
            }
            const std::size_t total = head_end + 4 + length;
            if (in.size() < total) {
                return;
            }
            if (status != 200) {
                fail("publisher " + std::to_string(slot) + ": HTTP " + std::to_string(status) + ": " +
                     std::string(in.substr(head_end + 4, std::min<std::size_t>(length, 200))));
                return;
            }
            connection.input.erase(0, total);
            on_reply(slot);
        }
    }

    std::string head_;
    std::string body_;
};

#ifdef NOTIFY_BENCH_GRPC
// notify.api.v1.Api/Publish as unary calls on one channel (one HTTP/2 connection): `count`
// calls in flight at once.
class GrpcPublishers final : public Publishers {
public:
    explicit GrpcPublishers(const BenchOptions& options) : options_(options) {}
    ~GrpcPublishers() override {
        for (Call* call : outstanding_) {
            call->context.TryCancel();
        }
        queue_.Shutdown();
        void* tag = nullptr;
        bool ok = false;
        while (queue_.Next(&tag, &ok)) {
            delete static_cast<Call*>(tag);
        }
    }

    bool open(std::size_t, std::uint64_t deadline_ns) override {
        grpc::ChannelArguments arguments;
        channel_ = grpc::CreateCustomChannel(options_.host + ":" + std::to_string(options_.api_port),
                                             grpc::InsecureChannelCredentials(), arguments);
        const auto wait = std::chrono::nanoseconds(deadline_ns > monotonic_ns() ? deadline_ns - monotonic_ns() : 0);
        if (!channel_->WaitForConnected(std::chrono::system_clock::now() + wait)) {
            fail("grpc: no connection to " + options_.host + ":" + std::to_string(options_.api_port));
            return false;
        }
        stub_ = notify::api::v1::Api::NewStub(channel_);
        authorization_ = "apikey " + options_.api_key;
        return true;
    }

    void send(std::size_t slot, std::string_view payload) override {
        auto* call = new Call;
        call->slot = slot;
        call->context.AddMetadata("authorization", authorization_);
        request_.set_topic(options_.topic);
        request_.set_data(std::string(payload));
        call->reader = stub_->PrepareAsyncPublish(&call->context, request_, &queue_);
        call->reader->StartCall();
        call->reader->Finish(&call->reply, &call->status, call);
        outstanding_.insert(call);
    }

    void poll(std::uint64_t timeout_ns, const ReplyFn& on_reply) override {
        auto deadline = std::chrono::system_clock::now() + std::chrono::nanoseconds(timeout_ns);
        while (!failed()) {
            void* tag = nullptr;
            bool ok = false;
            if (queue_.AsyncNext(&tag, &ok, deadline) != grpc::CompletionQueue::GOT_EVENT) {
                return;
            }
            std::unique_ptr<Call> call(static_cast<Call*>(tag));
            outstanding_.erase(call.get());
            if (!ok || !call->status.ok()) {
                fail("grpc publish: status " + std::to_string(static_cast<int>(call->status.error_code())) + ": " +
                     call->status.error_message());
                return;
            }
            on_reply(call->slot);
            deadline = std::chrono::system_clock::now();  // take what else is ready, then return
        }
    }

private:
    struct Call {
        std::size_t slot = 0;
        grpc::ClientContext context;
        notify::api::v1::PublishResult reply;
        grpc::Status status;
        std::unique_ptr<grpc::ClientAsyncResponseReader<notify::api::v1::PublishResult>> reader;
    };

    const BenchOptions& options_;
    std::shared_ptr<grpc::Channel> channel_;
    std::unique_ptr<notify::api::v1::Api::Stub> stub_;
    grpc::CompletionQueue queue_;
    notify::api::v1::PublishRequest request_;
    std::string authorization_;
    std::unordered_set<Call*> outstanding_;
};
#endif

std::unique_ptr<Publishers> make_publishers(const BenchOptions& options) {
    if (options.publish_via == "http") {
        return std::make_unique<HttpPublishers>(options);
    }
#ifdef NOTIFY_BENCH_GRPC
    if (options.publish_via == "grpc") {
        return std::make_unique<GrpcPublishers>(options);
    }
#endif
    return std::make_unique<WebSocketPublishers>(options);
}

// ---- the run -----------------------------------------------------------------------------------

struct Samples {
    std::optional<ProcessSample> total;
    std::vector<std::optional<ProcessSample>> each;
};

Samples sample(const BenchOptions& options) {
    Samples samples;
    if (options.server_pids.empty()) {
        return samples;
    }
    ProcessSample total;
    bool complete = true;
    for (const pid_t pid : options.server_pids) {
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

}  // namespace

bool api_grpc_available() {
#ifdef NOTIFY_BENCH_GRPC
    return true;
#else
    return false;
#endif
}

BenchResult run_api_benchmark(const BenchOptions& options) {
    BenchResult result;
    result.answers_publishes = true;
    result.server_before = sample(options).total;
    Window window;
    Subscriber subscriber(options, window);
    std::string error;
    const std::uint64_t connect_start = monotonic_ns();
    const std::uint64_t connect_deadline = connect_start + seconds_to_ns(options.connect_timeout_seconds);
    if (!subscriber.start(error)) {
        result.errors.push_back(error);
        return result;
    }
    while (!subscriber.is_ready() && !subscriber.has_failed() && monotonic_ns() < connect_deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!subscriber.is_ready()) {
        subscriber.stop();
        result.errors.push_back(subscriber.has_failed() ? subscriber.error() : "the subscriber was not ready in time");
        return result;
    }
    result.connect_seconds = static_cast<double>(monotonic_ns() - connect_start) / 1e9;

    auto publishers = make_publishers(options);
    const std::size_t slots = options.publishers;
    if (!publishers->open(slots, connect_deadline)) {
        subscriber.stop();
        subscriber.fill(result);
        result.errors.push_back(publishers->error());
        return result;
    }
    std::this_thread::sleep_for(std::chrono::nanoseconds(seconds_to_ns(options.settle_seconds)));
    result.server_connected = sample(options).total;

    std::vector<std::uint64_t> slot_sent_ns(slots, 0);
    std::string payload;
    std::uint64_t in_flight = 0;
    std::uint64_t acknowledged = 0;
    bool publishing = true;
    const auto publish = [&](std::size_t slot) {
        const std::uint64_t now = monotonic_ns();
        make_payload(payload, options.payload_size, PayloadStamp{result.published++, now});
        slot_sent_ns[slot] = now;
        ++in_flight;
        publishers->send(slot, payload);
    };
    const ReplyFn on_reply = [&](std::size_t slot) {
        const std::uint64_t now = monotonic_ns();
        --in_flight;
        ++acknowledged;
        if (window.contains(now)) {
            ++result.acknowledged_measured;
        }
        if (window.contains(slot_sent_ns[slot])) {
            result.ack_latency_ns.record(now - slot_sent_ns[slot]);
        }
        if (publishing) {
            publish(slot);
        }
    };

    const std::uint64_t start = monotonic_ns();
    window.start.store(start + seconds_to_ns(options.warmup_seconds));
    window.end.store(window.start.load() + seconds_to_ns(options.duration_seconds));
    const std::uint64_t measure_start = window.start.load();
    const std::uint64_t measure_end = window.end.load();
    bool window_started = false;
    for (std::size_t slot = 0; slot < slots; ++slot) {
        publish(slot);
    }
    for (std::uint64_t now = monotonic_ns(); now < measure_end && !publishers->failed() && !subscriber.has_failed();
         now = monotonic_ns()) {
        if (!window_started && now >= measure_start) {
            window_started = true;
            auto samples = sample(options);
            result.server_window_start = samples.total;
            result.servers_window_start = std::move(samples.each);
        }
        const std::uint64_t next = window_started ? measure_end : measure_start;
        publishers->poll(std::min<std::uint64_t>(next - now, 1'000'000), on_reply);
    }
    publishing = false;
    if (!window_started) {
        auto samples = sample(options);
        result.server_window_start = samples.total;
        result.servers_window_start = std::move(samples.each);
    }
    auto window_end = sample(options);
    result.server_window_end = window_end.total;
    result.servers_window_end = std::move(window_end.each);
    result.measured_seconds = options.duration_seconds;

    // Drain: the answers still on their way, then the deliveries of every answered publish.
    const std::uint64_t drain_end = monotonic_ns() + seconds_to_ns(options.drain_seconds);
    while (in_flight > 0 && !publishers->failed() && monotonic_ns() < drain_end) {
        publishers->poll(10'000'000, on_reply);
    }
    while (subscriber.unique() < acknowledged && !subscriber.has_failed() && monotonic_ns() < drain_end) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    subscriber.stop();
    subscriber.fill(result);
    result.unanswered = in_flight;
    result.expected = acknowledged;  // one subscriber: every answered publish must reach it
    auto end = sample(options);
    result.server_end = end.total;
    result.servers_end = std::move(end.each);
    if (publishers->failed()) {
        result.errors.push_back(publishers->error());
    }
    if (subscriber.has_failed()) {
        result.errors.push_back(subscriber.error());
    }
    return result;
}

}  // namespace notify::bench
