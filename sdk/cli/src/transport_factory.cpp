#include "cli_error.hpp"
#include "http_transport.hpp"
#include "tcp_transport.hpp"
#include "transport.hpp"
#include "udp_transport.hpp"
#include "url.hpp"
#include "ws_transport.hpp"

namespace notify::cli {

void check_transport_options(const Url& url, const TransportOptions& options) {
    // Unknown schemes are left to make_transport's error.
    const bool without_http_headers =
        url.scheme == "tcp" || url.scheme == "tcps" || url.scheme == "udp";
    if (!without_http_headers || options.extra_headers.empty()) return;
    throw CliError(ExitCode::failure,
                   "--header cannot be used with " + url.scheme + ":// URLs: the " + url.scheme +
                       " transport has no HTTP headers (--header works with ws, wss, http, "
                       "http+poll)");
}

std::unique_ptr<Transport> make_transport(const Url& url, const TransportOptions& options) {
    if (url.scheme == "ws") return make_ws_transport(url, options);
    if (url.scheme == "wss") return make_wss_transport(url, options);
    if (url.scheme == "tcp") return make_tcp_transport(url, options);
    if (url.scheme == "tcps") return make_tcps_transport(url, options);
    if (url.scheme == "http") return make_sse_transport(url, options);
    if (url.scheme == "http+poll") return make_poll_transport(url, options);
    if (url.scheme == "udp") return make_udp_transport(url, options);
    throw CliError(ExitCode::failure, "unsupported URL scheme '" + url.scheme +
                                          "' (supported: ws, wss, tcp, tcps, http, http+poll, udp)");
}

}  // namespace notify::cli
