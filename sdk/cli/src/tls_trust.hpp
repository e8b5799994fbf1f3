// Which server certificates a TLS transport trusts: the system's store, or --cafile.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include "transport.hpp"

namespace notify::cli {

// Throws CliError(failure) naming the file when --cafile cannot be loaded.
void trust_certificates(boost::asio::ssl::context& context, const TransportOptions& options);

}  // namespace notify::cli
