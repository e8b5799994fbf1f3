// A small HTTP/1.1 client for the http_api tests (Boost.Beast): one TCP connection reused for
// several requests (keep-alive), every operation bounded by a deadline.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace notify::test {

struct HttpReply {
    unsigned status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // lower-case names
    bool keep_alive = false;
    std::string header(const std::string& lower_name) const;
};

struct HttpRequest {
    std::string method = "POST";
    std::string target = "/api/info";
    std::string body = "{}";
    std::map<std::string, std::string> headers;  // added as given
    bool json_content_type = true;               // send Content-Type: application/json
};

class HttpClient {
public:
    // Connects to host:port (an IPv4 or IPv6 literal) within 5 s; throws on failure.
    explicit HttpClient(unsigned short port, const std::string& host = "127.0.0.1");
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Sends one request and reads its answer; throws std::runtime_error when the connection
    // fails or the deadline passes. A failed write still tries to read the server's answer
    // (a server may answer and close before taking the whole body).
    HttpReply send(const HttpRequest& request,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Reads one answer (after write_raw); throws like send().
    HttpReply read_reply(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // True when the server closes the connection within `timeout`.
    bool closed_by_server(std::chrono::milliseconds timeout);
    // Sends raw bytes as they are (bounded).
    void write_raw(const std::string& bytes, std::chrono::milliseconds timeout);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// One request on a fresh connection to the API: POST /api/<method> with `key` (empty: no
// Authorization header).
HttpReply call_api(unsigned short port, const std::string& key, const std::string& method,
                   const std::string& body,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace notify::test
