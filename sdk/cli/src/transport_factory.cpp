#include "cli_error.hpp"
#include "transport.hpp"
#include "url.hpp"
#include "ws_transport.hpp"

namespace notify::cli {

std::unique_ptr<Transport> make_transport(const Url& url, const TransportOptions& options) {
    if (url.scheme == "ws") return make_ws_transport(url, options);
    if (url.scheme == "wss") return make_wss_transport(url, options);
    throw CliError(ExitCode::failure,
                   "unsupported URL scheme '" + url.scheme + "' (supported: ws, wss)");
}

}  // namespace notify::cli
