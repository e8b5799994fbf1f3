// HTTP transports of the http plugin (plugins/http/README.md), JSON encoding: a session made by
// POST {path}/session, commands POSTed to {path}/session/ID/commands, frames read from a
// Server-Sent Events stream (http://) or by long-polling (http+poll://).
#pragma once

#include <memory>

#include "transport.hpp"

namespace notify::cli {

std::unique_ptr<Transport> make_sse_transport(const Url& url, const TransportOptions& options);
std::unique_ptr<Transport> make_poll_transport(const Url& url, const TransportOptions& options);

}  // namespace notify::cli
