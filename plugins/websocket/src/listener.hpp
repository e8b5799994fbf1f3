// The listening socket of one service loop: one per loop, all on the same address and port with
// SO_REUSEPORT, so the kernel spreads new connections over the loops.
#pragma once

#include <cstdint>
#include <string>

namespace notify::websocket {

// A bound, listening, non-blocking IPv4 TCP socket on host:port (port 0 = ephemeral), with
// SO_REUSEPORT when `share_port`. Returns the fd, or -1 with `error` naming address and cause.
int open_listener(const std::string &host, uint16_t port, bool share_port, std::string &error);

// The port a listening socket is bound to.
uint16_t listener_port(int fd);

}  // namespace notify::websocket
