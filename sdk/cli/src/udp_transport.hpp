// UDP transport (udp://): the binary encoding inside the session layer of plugins/udp/README.md,
// spoken by sdk/udp_client.
#pragma once

#include <memory>

#include "transport.hpp"

namespace notify::cli {

std::unique_ptr<Transport> make_udp_transport(const Url& url, const TransportOptions& options);

}  // namespace notify::cli
