// Bounded HTTP clients for the http transport's tests: one-shot requests and an SSE reader.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace notify_test {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpReply {
    unsigned status = 0;                        // 0 when no answer came
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
    std::string error;  // why there is no answer
};

// One request on a new connection to 127.0.0.1:port, bounded by `timeout`.
HttpReply http_request(uint16_t port, const std::string &method, const std::string &target,
                       const std::string &body = {}, const Headers &headers = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(5));

struct SseEvent {
    std::string id;
    std::string event;  // empty for a plain message
    std::string data;
};

// A GET of an SSE stream whose events the test reads as they come.
class SseClient {
public:
    SseClient();
    ~SseClient();
    SseClient(const SseClient &) = delete;
    SseClient &operator=(const SseClient &) = delete;

    // Connects (with a receive buffer of `receive_buffer` bytes when not 0) and reads the
    // response header. Returns the status (0 on failure).
    unsigned open(uint16_t port, const std::string &target, const Headers &headers = {},
                  int receive_buffer = 0);
    // Reads until `count` events (not comments) came or `timeout` passed; returns them all.
    std::vector<SseEvent> wait_events(size_t count,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // Reads until the server ends the stream; false on timeout.
    bool wait_end(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // Comments (": ping") seen so far.
    size_t comments() const { return comments_; }
    std::map<std::string, std::string> headers() const { return headers_; }
    void close();

private:
    // One read; false when the stream ended or failed.
    bool read_some(std::chrono::milliseconds timeout);
    void parse();

    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string text_;
    size_t parsed_ = 0;
    std::vector<SseEvent> events_;
    size_t comments_ = 0;
    std::map<std::string, std::string> headers_;
    bool ended_ = false;
};

}  // namespace notify_test
