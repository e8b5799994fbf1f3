// Plain-socket probes: raw HTTP requests and what the kernel says is listening.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace notify_test {

// Sends `request` verbatim to 127.0.0.1:port and returns everything read until the server
// closes or `timeout` passes. `half_close`: shut our sending side right after the request and
// wait `half_close_pause` before reading, so the server sees EOF while it still writes.
std::string raw_http(uint16_t port, const std::string &request,
                     std::chrono::milliseconds timeout = std::chrono::seconds(5),
                     bool half_close = false,
                     std::chrono::milliseconds half_close_pause = std::chrono::milliseconds(300));

// Sends the parts of a request verbatim to 127.0.0.1:port, 50 ms apart so that the server
// likely reads them separately, and returns what arrived until the blank line that ends the
// response head (or the server closed, or `timeout` passed); then closes the connection. For a
// request, such as an upgrade, after which the server keeps the connection open.
std::string raw_http_head(uint16_t port, const std::vector<std::string> &request_parts,
                          std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Local addresses ("127.0.0.1", "0.0.0.0", "::", ...) with a socket listening on `port`, from
// /proc/net/tcp and /proc/net/tcp6.
std::vector<std::string> listening_addresses(uint16_t port);

// True when a TCP connect to address:port succeeds.
bool can_connect(const std::string &address, uint16_t port);

// A TCP connection that sends `bytes` (maybe none) and then vanishes; `reset` sends RST.
void connect_and_vanish(uint16_t port, const std::string &bytes, bool reset);

}  // namespace notify_test
