#include "notify/api_grpc/json_mapping.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <charconv>
#include <cstdint>
#include <vector>

#include "notify/api_grpc/base64.hpp"
#include "notify_api.pb.h"

namespace notify::api_grpc {
namespace {

namespace pb = google::protobuf;
namespace v1 = notify::api::v1;
using Json = nlohmann::json;

constexpr std::string_view kB64Suffix = "_b64";

bool is_well_known(const pb::Descriptor& type) {
    return type.file()->package() == "google.protobuf";
}

bool is_64bit(const pb::FieldDescriptor& field) {
    return field.cpp_type() == pb::FieldDescriptor::CPPTYPE_INT64 ||
           field.cpp_type() == pb::FieldDescriptor::CPPTYPE_UINT64;
}

std::string member_path(const std::string& path, const std::string& name) {
    return path.empty() ? name : path + "." + name;
}

std::string element_path(const std::string& path, std::size_t index) {
    return path + "[" + std::to_string(index) + "]";
}

Json parse_json(std::string_view text, const std::string& what) {
    if (text.empty()) return Json::object();
    Json parsed = Json::parse(text, nullptr, false);
    if (parsed.is_discarded()) throw MappingError(what + " is not valid JSON");
    return parsed;
}

std::string dump(const Json& json) {
    try {
        return json.dump();
    } catch (const Json::exception& error) {
        throw MappingError(std::string("cannot write JSON: ") + error.what());
    }
}

// protobuf writes 64-bit integers as decimal strings; the API's JSON has numbers.
Json to_number(const Json& value, const pb::FieldDescriptor& field, const std::string& path) {
    if (!value.is_string()) return value;
    const std::string text = value.get<std::string>();
    const char* end = text.data() + text.size();
    if (field.cpp_type() == pb::FieldDescriptor::CPPTYPE_UINT64) {
        std::uint64_t number = 0;
        const auto result = std::from_chars(text.data(), end, number);
        if (result.ec == std::errc{} && result.ptr == end) return number;
    } else {
        std::int64_t number = 0;
        const auto result = std::from_chars(text.data(), end, number);
        if (result.ec == std::errc{} && result.ptr == end) return number;
    }
    throw MappingError(path + ": not a 64-bit integer: '" + text + "'");
}

// ---- proto JSON -> API JSON ---------------------------------------------------------------------

void to_api(Json& object, const pb::Descriptor& type, const std::string& path);

void command_to_api(Json& object, const std::string& path) {
    if (!object.is_object() || object.size() != 1) {
        throw MappingError(path + ": names no command (set one of publish, broadcast, …)");
    }
    const std::string method = object.begin().key();
    const pb::FieldDescriptor* field = v1::BatchCommand::descriptor()->FindFieldByName(method);
    if (field == nullptr) throw MappingError(path + ": unknown command '" + method + "'");
    Json params = object.begin().value();
    to_api(params, *field->message_type(), member_path(path, "params"));
    object = Json{{"method", method}, {"params", std::move(params)}};
}

void reply_to_api(Json& object, const std::string& path) {
    if (!object.is_object() || object.size() != 1) {
        throw MappingError(path + ": a reply with neither a result nor an error");
    }
    const std::string key = object.begin().key();
    if (key == "error") return;
    const pb::FieldDescriptor* field = v1::BatchReply::descriptor()->FindFieldByName(key);
    if (field == nullptr) throw MappingError(path + ": unknown reply '" + key + "'");
    Json result = object.begin().value();
    to_api(result, *field->message_type(), member_path(path, "result"));
    object = Json{{"result", std::move(result)}};
}

void bytes_to_api(Json& object, const pb::FieldDescriptor& field, const std::string& path) {
    const auto member = object.find(field.name());
    if (!member->is_string()) return;
    std::optional<std::string> bytes = base64_decode(member->get<std::string>());
    if (!bytes) throw MappingError(member_path(path, field.name()) + ": not base64");
    if (is_valid_utf8(*bytes)) {
        *member = std::move(*bytes);
        return;
    }
    Json encoded = std::move(*member);
    object.erase(field.name());
    object[field.name() + std::string(kB64Suffix)] = std::move(encoded);
}

void to_api(Json& object, const pb::Descriptor& type, const std::string& path) {
    if (&type == v1::BatchCommand::descriptor()) return command_to_api(object, path);
    if (&type == v1::BatchReply::descriptor()) return reply_to_api(object, path);
    if (!object.is_object()) return;
    for (int i = 0; i < type.field_count(); ++i) {
        const pb::FieldDescriptor& field = *type.field(i);
        const auto member = object.find(field.name());
        if (member == object.end()) continue;
        const std::string field_path = member_path(path, field.name());
        if (field.cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
            if (is_well_known(*field.message_type())) continue;
            if (!field.is_repeated()) {
                to_api(*member, *field.message_type(), field_path);
            } else if (member->is_array()) {
                for (std::size_t k = 0; k < member->size(); ++k) {
                    to_api((*member)[k], *field.message_type(), element_path(field_path, k));
                }
            }
        } else if (field.type() == pb::FieldDescriptor::TYPE_BYTES && !field.is_repeated()) {
            bytes_to_api(object, field, path);
        } else if (is_64bit(field)) {
            if (!field.is_repeated()) {
                *member = to_number(*member, field, field_path);
            } else if (member->is_array()) {
                for (std::size_t k = 0; k < member->size(); ++k) {
                    (*member)[k] = to_number((*member)[k], field, element_path(field_path, k));
                }
            }
        }
    }
}

// ---- API JSON -> proto JSON ---------------------------------------------------------------------

void to_proto(Json& object, const pb::Descriptor& type, const std::string& path);

void command_to_proto(Json& object, const std::string& path) {
    if (!object.is_object()) throw MappingError(path + ": not an object");
    for (const auto& [key, value] : object.items()) {
        if (key != "method" && key != "params") {
            throw MappingError(member_path(path, key) + ": unknown field");
        }
    }
    const auto method = object.find("method");
    if (method == object.end() || !method->is_string()) {
        throw MappingError(member_path(path, "method") + ": missing or not a string");
    }
    const std::string name = method->get<std::string>();
    const pb::FieldDescriptor* field = v1::BatchCommand::descriptor()->FindFieldByName(name);
    if (field == nullptr) {
        throw MappingError(member_path(path, "method") + ": '" + name +
                           "' is not a method a batch can run");
    }
    const auto found = object.find("params");
    Json params = found == object.end() ? Json::object() : *found;
    to_proto(params, *field->message_type(), member_path(path, "params"));
    object = Json{{name, std::move(params)}};
}

void bytes_to_proto(Json& object, const pb::FieldDescriptor& field, const std::string& path) {
    const std::string b64_name = field.name() + std::string(kB64Suffix);
    const auto text = object.find(field.name());
    const auto encoded = object.find(b64_name);
    if (text != object.end() && encoded != object.end()) {
        throw MappingError((path.empty() ? std::string{} : path + ": ") + "give " +
                           field.name() + " or " + b64_name + ", not both");
    }
    if (text != object.end() && text->is_string()) {
        *text = base64_encode(text->get<std::string>());
    } else if (encoded != object.end()) {
        Json value = std::move(*encoded);
        object.erase(b64_name);
        object[field.name()] = std::move(value);
    }
}

void to_proto(Json& object, const pb::Descriptor& type, const std::string& path) {
    if (&type == v1::BatchCommand::descriptor()) return command_to_proto(object, path);
    if (!object.is_object()) return;  // protobuf's parser names the mismatch
    for (int i = 0; i < type.field_count(); ++i) {
        const pb::FieldDescriptor& field = *type.field(i);
        if (field.type() == pb::FieldDescriptor::TYPE_BYTES && !field.is_repeated()) {
            bytes_to_proto(object, field, path);
            continue;
        }
        const auto member = object.find(field.name());
        if (member == object.end() || field.cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE ||
            is_well_known(*field.message_type())) {
            continue;
        }
        const std::string field_path = member_path(path, field.name());
        if (!field.is_repeated()) {
            to_proto(*member, *field.message_type(), field_path);
        } else if (member->is_array()) {
            for (std::size_t k = 0; k < member->size(); ++k) {
                to_proto((*member)[k], *field.message_type(), element_path(field_path, k));
            }
        }
    }
}

// The host's batch result: {"replies": [{"result": r} | {"error": e}]} -> BatchReply oneofs,
// each result typed by the method of the command at the same index.
void batch_result_to_proto(Json& object, const v1::BatchRequest& request) {
    if (!object.is_object()) return;
    const auto replies = object.find("replies");
    if (replies == object.end() || !replies->is_array()) return;
    if (replies->size() != static_cast<std::size_t>(request.commands_size())) {
        throw MappingError("batch: " + std::to_string(replies->size()) + " replies for " +
                           std::to_string(request.commands_size()) + " commands");
    }
    for (std::size_t k = 0; k < replies->size(); ++k) {
        Json& reply = (*replies)[k];
        const std::string path = element_path("batch.replies", k);
        if (!reply.is_object() || reply.size() != 1) {
            throw MappingError(path + ": neither a result nor an error");
        }
        if (reply.contains("error")) continue;
        const auto result = reply.find("result");
        if (result == reply.end()) throw MappingError(path + ": neither a result nor an error");
        const v1::BatchCommand& command = request.commands(static_cast<int>(k));
        const pb::FieldDescriptor* method =
            command.GetReflection()->GetOneofFieldDescriptor(command,
                                                             v1::BatchCommand::descriptor()->oneof_decl(0));
        if (method == nullptr) throw MappingError(path + ": its command names no method");
        const pb::FieldDescriptor* field =
            v1::BatchReply::descriptor()->FindFieldByName(method->name());
        Json typed = std::move(*result);
        to_proto(typed, *field->message_type(), path);
        reply = Json{{method->name(), std::move(typed)}};
    }
}

void parse_into(const Json& json, pb::Message& message, const std::string& what) {
    pb::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    const auto status = pb::util::JsonStringToMessage(dump(json), &message, options);
    if (!status.ok()) {
        throw MappingError(what + ": " + std::string(status.message()));
    }
}

Json print(const pb::Message& message, bool zero_values) {
    pb::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    options.always_print_primitive_fields = zero_values;
    std::string text;
    const auto status = pb::util::MessageToJsonString(message, &text, options);
    if (!status.ok()) {
        throw MappingError("cannot print " + message.GetTypeName() + ": " +
                           std::string(status.message()));
    }
    return parse_json(text, message.GetTypeName());
}

}  // namespace

const pb::MethodDescriptor* find_method(std::string_view api_method) {
    const pb::ServiceDescriptor* service =
        v1::PublishRequest::descriptor()->file()->FindServiceByName("Api");
    for (int i = 0; i < service->method_count(); ++i) {
        if (api_method_name(*service->method(i)) == api_method) return service->method(i);
    }
    return nullptr;
}

std::string api_method_name(const pb::MethodDescriptor& rpc) {
    std::string name;
    for (const char c : rpc.name()) {
        if (std::isupper(static_cast<unsigned char>(c)) != 0) {
            if (!name.empty()) name += '_';
            name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        } else {
            name += c;
        }
    }
    return name;
}

std::string request_to_api_json(const pb::Message& request) {
    Json json = print(request, false);
    to_api(json, *request.GetDescriptor(), "");
    return dump(json);
}

void api_json_to_result(std::string_view json, const pb::Message& request, pb::Message& result) {
    Json parsed = parse_json(json, "the host's result");
    if (request.GetDescriptor() == v1::BatchRequest::descriptor()) {
        batch_result_to_proto(parsed, static_cast<const v1::BatchRequest&>(request));
    } else {
        to_proto(parsed, *result.GetDescriptor(), "");
    }
    parse_into(parsed, result, "the host's result does not fit " + result.GetTypeName());
}

void api_json_to_request(std::string_view json, pb::Message& request) {
    Json parsed = parse_json(json, "the parameters");
    if (!parsed.is_object()) throw MappingError("the parameters must be a JSON object");
    to_proto(parsed, *request.GetDescriptor(), "");
    parse_into(parsed, request, request.GetTypeName());
}

std::string result_to_api_json(const pb::Message& result) {
    Json json = print(result, true);
    to_api(json, *result.GetDescriptor(), "");
    return dump(json);
}

std::string_view error_name(std::uint32_t code) noexcept {
    switch (code) {
        case 100: return "internal";
        case 101: return "unauthorized";
        case 102: return "bad_request";
        case 103: return "unknown_command";
        case 104: return "permission_denied";
        case 105: return "limit_exceeded";
        case 106: return "not_connected";
        case 107: return "already_connected";
        case 108: return "not_found";
        case 109: return "too_large";
        case 110: return "unrecoverable";
        case 111: return "token_expired";
        default: return "error";
    }
}

}  // namespace notify::api_grpc
