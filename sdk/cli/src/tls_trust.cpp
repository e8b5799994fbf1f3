#include "tls_trust.hpp"

#include "cli_error.hpp"

namespace notify::cli {

void trust_certificates(boost::asio::ssl::context& context, const TransportOptions& options) {
    if (options.cafile.empty()) {
        context.set_default_verify_paths();
        return;
    }
    boost::system::error_code ec;
    context.load_verify_file(options.cafile, ec);
    if (ec) {
        throw CliError(ExitCode::failure,
                       "cannot load --cafile '" + options.cafile + "': " + ec.message());
    }
}

}  // namespace notify::cli
