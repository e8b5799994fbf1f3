// WebSocket transport (ws:// and wss://); Beast stays inside ws_transport.cpp.
#pragma once

#include <memory>

#include "transport.hpp"

namespace notify::cli {

std::unique_ptr<Transport> make_ws_transport(const Url& url, const TransportOptions& options);
std::unique_ptr<Transport> make_wss_transport(const Url& url, const TransportOptions& options);

}  // namespace notify::cli
