#include <notify/api_grpc/json_mapping.hpp>

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "api_answer.hpp"
#include "cli_error.hpp"
#include "notify_api.grpc.pb.h"
#include "url.hpp"

namespace notify::cli {
namespace {

namespace v1 = notify::api::v1;
using Stub = v1::Api::Stub;

template <typename Request, typename Result>
using StubMethod = grpc::Status (Stub::*)(grpc::ClientContext*, const Request&, Result*);

// Trailing metadata of an error, as text; empty when absent.
std::string trailer(const grpc::ClientContext& context, const std::string& key) {
    const auto& metadata = context.GetServerTrailingMetadata();
    const auto found = metadata.find(key);
    if (found == metadata.end()) return {};
    return std::string(found->second.data(), found->second.size());
}

std::string status_name(grpc::StatusCode code) {
    switch (code) {
        case grpc::StatusCode::CANCELLED: return "cancelled";
        case grpc::StatusCode::INVALID_ARGUMENT: return "invalid_argument";
        case grpc::StatusCode::NOT_FOUND: return "not_found";
        case grpc::StatusCode::PERMISSION_DENIED: return "permission_denied";
        case grpc::StatusCode::RESOURCE_EXHAUSTED: return "resource_exhausted";
        case grpc::StatusCode::FAILED_PRECONDITION: return "failed_precondition";
        case grpc::StatusCode::UNIMPLEMENTED: return "unimplemented";
        case grpc::StatusCode::INTERNAL: return "internal";
        case grpc::StatusCode::UNAVAILABLE: return "unavailable";
        case grpc::StatusCode::UNAUTHENTICATED: return "unauthenticated";
        default: return "grpc_status_" + std::to_string(static_cast<int>(code));
    }
}

class GrpcCall {
public:
    GrpcCall(const Url& url, const std::string& key, const TransportOptions& options,
             Deadline deadline)
        : where_(url.scheme + "://" + host_port(url)) {
        std::shared_ptr<grpc::ChannelCredentials> credentials;
        if (url.scheme == "grpcs") {
            if (options.insecure) {
                throw CliError(ExitCode::failure,
                               "--insecure is not supported for grpcs:// (use --cafile)");
            }
            grpc::SslCredentialsOptions ssl;
            if (!options.cafile.empty()) ssl.pem_root_certs = read_cafile(options.cafile);
            credentials = grpc::SslCredentials(ssl);
        } else {
            credentials = grpc::InsecureChannelCredentials();
        }
        grpc::ChannelArguments arguments;
        arguments.SetMaxReceiveMessageSize(64 << 20);
        stub_ = v1::Api::NewStub(grpc::CreateCustomChannel(host_port(url), credentials, arguments));
        if (!key.empty()) context_.AddMetadata("authorization", "apikey " + key);
        if (deadline) {
            context_.set_deadline(std::chrono::system_clock::now() +
                                  (*deadline - Clock::now()));
        }
    }

    template <typename Request, typename Result>
    ApiAnswer run(StubMethod<Request, Result> method, const std::string& params) {
        Request request;
        try {
            api_grpc::api_json_to_request(params, request);
        } catch (const api_grpc::MappingError& error) {
            return api_error(102, "bad_request", error.what());
        }
        Result result;
        const grpc::Status status = ((*stub_).*method)(&context_, request, &result);
        if (status.ok()) {
            ApiAnswer answer;
            answer.ok = true;
            answer.json = api_grpc::result_to_api_json(result);
            return answer;
        }
        return failed(status);
    }

private:
    static std::string host_port(const Url& url) {
        const bool ipv6 = url.host.find(':') != std::string::npos;
        return (ipv6 ? "[" + url.host + "]" : url.host) + ":" + url.port;
    }

    static std::string read_cafile(const std::string& path) {
        std::ifstream file(path, std::ios::binary);
        std::ostringstream text;
        text << file.rdbuf();
        if (!file || text.str().empty()) {
            throw CliError(ExitCode::failure, "--cafile: cannot read '" + path + "'");
        }
        return text.str();
    }

    ApiAnswer failed(const grpc::Status& status) {
        const std::string code_text = trailer(context_, "notify-error-code");
        if (code_text.empty()) {
            // Not an answer of grpc_api: the call did not get there.
            if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
                throw CliError(ExitCode::timeout, "timed out waiting for the server at " + where_);
            }
            if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
                throw CliError(ExitCode::failure,
                               "cannot reach " + where_ + ": " + status.error_message());
            }
            return api_error(0, status_name(status.error_code()), status.error_message());
        }
        std::uint32_t code = 0;
        try {
            code = static_cast<std::uint32_t>(std::stoul(code_text));
        } catch (const std::exception&) {
            code = 0;
        }
        std::string name = trailer(context_, "notify-error-name");
        if (name.empty()) name = std::string(api_grpc::error_name(code));
        return api_error(code, name, status.error_message());
    }

    std::string where_;
    grpc::ClientContext context_;
    std::unique_ptr<Stub> stub_;
};

}  // namespace

ApiAnswer call_grpc_api(const Url& url, const std::string& method, const std::string& params,
                        const std::string& key, const TransportOptions& options,
                        Deadline deadline) {
    GrpcCall call(url, key, options, deadline);
    if (method == "publish") return call.run(&Stub::Publish, params);
    if (method == "broadcast") return call.run(&Stub::Broadcast, params);
    if (method == "subscribe") return call.run(&Stub::Subscribe, params);
    if (method == "unsubscribe") return call.run(&Stub::Unsubscribe, params);
    if (method == "disconnect") return call.run(&Stub::Disconnect, params);
    if (method == "refresh") return call.run(&Stub::Refresh, params);
    if (method == "presence") return call.run(&Stub::Presence, params);
    if (method == "presence_stats") return call.run(&Stub::PresenceStats, params);
    if (method == "history") return call.run(&Stub::History, params);
    if (method == "history_remove") return call.run(&Stub::HistoryRemove, params);
    if (method == "topics") return call.run(&Stub::Topics, params);
    if (method == "info") return call.run(&Stub::Info, params);
    if (method == "batch") return call.run(&Stub::Batch, params);
    return api_error(103, "unknown_command",
                     "unknown method '" + method + "' (notify.api.v1.Api has no such rpc)");
}

}  // namespace notify::cli
