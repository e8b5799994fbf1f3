// notify-cli built without gRPC (sdk/proto skipped): grpc:// URLs are refused plainly.
#include "api_answer.hpp"
#include "cli_error.hpp"
#include "url.hpp"

namespace notify::cli {

ApiAnswer call_grpc_api(const Url& url, const std::string&, const std::string&,
                        const std::string&, const TransportOptions&, Deadline) {
    throw CliError(ExitCode::failure, "this notify-cli was built without gRPC: " + url.scheme +
                                          ":// is not available (use http://)");
}

}  // namespace notify::cli
