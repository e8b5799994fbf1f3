// Decode-side helpers over nlohmann::json (private: the public header never exposes nlohmann).
// Readers throw Malformed; decode_command and decode_server_frame turn it into a DecodeError,
// so no exception ever leaves the library.
#pragma once

#include <notify/protocol/json.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace notify::protocol::detail {

using Json = nlohmann::json;
// Keeps members in their order: client info objects are handed on as text, in the order the
// server wrote them.
using OrderedJson = nlohmann::ordered_json;

// Commands nest three levels; anything much deeper is hostile or broken.
inline constexpr std::size_t kMaxNestingDepth = 16;

struct Malformed {
    ErrorCode code = ErrorCode::bad_request;
    std::string message;
};

[[noreturn]] void fail(std::string_view path, std::string_view problem);

// One JSON object from `text`: valid UTF-8, nested at most kMaxNestingDepth levels.
Json parse_object(std::string_view text);

// The members of one JSON object, read by name; `path` names the object in messages.
class Fields {
public:
    Fields(const Json& value, std::string path);

    // nullptr when the member is absent or null.
    const Json* find(std::string_view key);
    const Json& require(std::string_view key);
    std::string path_of(std::string_view key) const;
    const std::string& path() const { return path_; }
    // Members never asked for are typos or from a newer protocol: name the first one.
    void reject_unread() const;

private:
    const Json& object_;
    std::string path_;
    std::vector<std::string_view> read_;
};

std::string as_string(const Json& value, std::string_view path);
std::string as_non_empty_string(const Json& value, std::string_view path);
std::string as_topic(const Json& value, std::string_view path);
std::uint64_t as_uint64(const Json& value, std::string_view path);
std::uint64_t as_positive_id(const Json& value, std::string_view path);
std::vector<std::string> as_list(const Json& value, std::string_view path,
                                 std::string (*read_element)(const Json&, std::string_view));
// "data" (a JSON string) or "data_b64" (base64), exactly one.
std::string read_payload(Fields& fields);

// `text`, which parse_object accepted already, with its members in order.
OrderedJson parse_ordered(std::string_view text);
// A client info object as compact JSON text (members in order); fails at `path` for anything
// but an object.
std::string compact_object(const OrderedJson& value, std::string_view path);
// An info object nests at most this many levels, itself included: inside a JSON presence reply
// (4 levels around it) it stays within kMaxNestingDepth.
inline constexpr std::size_t kMaxInfoDepth = kMaxNestingDepth - 4;
// The same for JSON text (the binary encoding's info string): fails at `path` unless `text` is
// one JSON object (valid UTF-8, nested at most kMaxInfoDepth levels).
std::string compact_object_text(std::string_view text, std::string_view path);

}  // namespace notify::protocol::detail
