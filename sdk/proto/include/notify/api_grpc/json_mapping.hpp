// Between the server API's JSON (docs/api.md: what host->api_call takes and answers, what
// http_api carries) and the messages of notify_api.proto. Protobuf's JSON mapping does the bulk
// (the field names are the JSON keys); this adds what the two forms do not share:
//   - payloads: `bytes data` <-> `data` (UTF-8 text) or `data_b64` (base64);
//   - 64-bit integers, which protobuf writes as strings, back to JSON numbers;
//   - batch: `{"method": m, "params": p}` <-> the BatchCommand oneof `{m: p}`, and
//     `{"result": r}` / `{"error": e}` <-> the BatchReply oneof `{m: r}` / `{"error": e}`.
// The grpc_api plugin goes message -> API JSON for requests and API JSON -> message for results;
// notify-cli goes the other way. Every function throws MappingError naming what is wrong.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace google::protobuf {
class Message;
class MethodDescriptor;
}  // namespace google::protobuf

namespace notify::api_grpc {

class MappingError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The rpc of the Api service for a docs/api.md method name ("presence_stats" -> PresenceStats),
// nullptr when there is none.
const google::protobuf::MethodDescriptor* find_method(std::string_view api_method);
// "PresenceStats" -> "presence_stats".
std::string api_method_name(const google::protobuf::MethodDescriptor& rpc);

// ---- the server's side (grpc_api) ----
// A request message as the params object of docs/api.md (compact JSON, no default values).
std::string request_to_api_json(const google::protobuf::Message& request);
// The host's result object into `result` (the rpc's output message); `request` is the message
// that asked (batch needs its methods). Unknown fields are an error: the proto and the host
// must agree.
void api_json_to_result(std::string_view json, const google::protobuf::Message& request,
                        google::protobuf::Message& result);

// ---- the client's side (notify-cli) ----
// docs/api.md params into `request` (the rpc's input message). Unknown fields are an error.
void api_json_to_request(std::string_view json, google::protobuf::Message& request);
// A result message as docs/api.md's JSON (compact, zero values included).
std::string result_to_api_json(const google::protobuf::Message& result);

// docs/protocol.md's name of an error code ("bad_request" for 102), "error" when unknown.
std::string_view error_name(std::uint32_t code) noexcept;

}  // namespace notify::api_grpc
