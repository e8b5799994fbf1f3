// Raw TCP transport (tcp:// and tcps://): the binary encoding, each frame behind its 4-byte
// little-endian length (plugins/tcp/README.md).
#pragma once

#include <memory>

#include "transport.hpp"

namespace notify::cli {

std::unique_ptr<Transport> make_tcp_transport(const Url& url, const TransportOptions& options);
std::unique_ptr<Transport> make_tcps_transport(const Url& url, const TransportOptions& options);

}  // namespace notify::cli
