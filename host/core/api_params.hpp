// Strict reading of server API parameters (docs/api.md): every member is read by name, a member
// never read is an error, and each error names the member's path (`publish.topics[2]`).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "notify/protocol/json.hpp"

namespace notify::core::api {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// Thrown by the readers, turned into an error reply by the dispatcher.
struct ApiError {
    protocol::ErrorCode code = protocol::ErrorCode::bad_request;
    std::string message;
};

[[noreturn]] void fail(protocol::ErrorCode code, std::string message);

// One JSON object of parameters; `path` names it in messages (the method's name).
class Params {
public:
    Params(const Json& object, std::string path);

    std::optional<std::string> string(std::string_view key);
    std::string required_string(std::string_view key);
    std::optional<std::string> topic(std::string_view key);
    std::string required_topic(std::string_view key);
    std::optional<std::vector<std::string>> topics(std::string_view key);
    // Client or user ids: non-empty UTF-8, at most 255 bytes.
    std::optional<std::vector<std::string>> ids(std::string_view key);
    std::optional<std::string> id(std::string_view key);
    // A JSON number or a decimal string (protobuf's JSON mapping writes 64-bit integers so).
    std::optional<std::uint64_t> unsigned_integer(std::string_view key);
    std::optional<bool> boolean(std::string_view key);
    const Json* object(std::string_view key);
    const Json* array(std::string_view key);
    // The payload: `data` (UTF-8 text) or `data_b64`; absent = empty.
    std::string payload();

    std::string path_of(std::string_view key) const;
    const std::string& path() const { return path_; }
    // Members never read are typos or from a newer API: the first one is named.
    void reject_unread() const;

private:
    const Json* find(std::string_view key);

    const Json& object_;
    std::string path_;
    std::vector<std::string> read_;
};

// The parameters text as one JSON object (empty text = {}).
Json parse_params(std::string_view text, std::string_view method);

// {"code":N,"name":"...","message":"..."}
OrderedJson error_object(std::uint32_t code, std::string_view message);

// A payload as "data" (valid UTF-8) or "data_b64" into `out`.
void put_payload(OrderedJson& out, std::string_view payload);

}  // namespace notify::core::api
