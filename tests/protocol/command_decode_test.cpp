#include <notify/protocol/json.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using notify::protocol::Command;
using notify::protocol::decode_command;
using notify::protocol::DecodeError;
using notify::protocol::ErrorCode;

struct BadCommand {
    std::string json;
    std::uint64_t id;
    ErrorCode code;
    std::string message;
};

void PrintTo(const BadCommand& bad, std::ostream* out) { *out << bad.json; }

DecodeError decode_error(std::string_view json) {
    auto decoded = decode_command(json);
    if (auto* error = std::get_if<DecodeError>(&decoded)) {
        return *error;
    }
    ADD_FAILURE() << "decoded without error: " << json;
    return {};
}

class CommandDecodeErrors : public testing::TestWithParam<BadCommand> {};

TEST_P(CommandDecodeErrors, NameTheFieldAndTheProblem) {
    const BadCommand& bad = GetParam();
    const DecodeError error = decode_error(bad.json);
    EXPECT_EQ(error.id, bad.id);
    EXPECT_EQ(error.code, bad.code);
    EXPECT_EQ(error.message, bad.message);
}

constexpr auto bad_request = ErrorCode::bad_request;

INSTANTIATE_TEST_SUITE_P(
    Envelope, CommandDecodeErrors,
    testing::Values(
        BadCommand{"[1]", 0, bad_request, "expected a JSON object"},
        BadCommand{R"("ping")", 0, bad_request, "expected a JSON object"},
        BadCommand{R"({"ping":{}})", 0, bad_request, "id: missing"},
        BadCommand{R"({"id":null,"ping":{}})", 0, bad_request, "id: missing"},
        BadCommand{R"({"id":0,"ping":{}})", 0, bad_request, "id: expected a positive integer"},
        BadCommand{R"({"id":-1,"ping":{}})", 0, bad_request, "id: expected a positive integer"},
        BadCommand{R"({"id":1.5,"ping":{}})", 0, bad_request, "id: expected a positive integer"},
        BadCommand{R"({"id":"1","ping":{}})", 0, bad_request, "id: expected a positive integer"},
        BadCommand{R"({"id":18446744073709551616,"ping":{}})", 0, bad_request,
                   "id: expected a positive integer"},
        BadCommand{R"({"id":1})", 1, bad_request,
                   "expected a command: connect, subscribe, unsubscribe, publish, send, ping, "
                   "ack, refresh, presence, presence_stats or history"},
        BadCommand{R"({"id":2,"send":{"data":"x"},"ping":{}})", 2, bad_request,
                   R"(expected exactly one command, found "ping" and "send")"},
        BadCommand{R"({"id":7,"frobnicate":{}})", 7, ErrorCode::unknown_command,
                   R"(unknown command "frobnicate")"},
        BadCommand{R"({"id":1,"ping":[]})", 1, bad_request, "ping: expected an object"},
        BadCommand{R"({"id":1,"ping":{"x":1}})", 1, bad_request, "ping.x: unknown field"},
        BadCommand{"{\"id\":1,\"send\":{\"data\":\"\xFF\"}}", 0, bad_request,
                   "invalid UTF-8 at byte 24"},
        BadCommand{R"({"id":1,"ping":{"a":[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]}})", 0, bad_request,
                   "nested deeper than 16 levels"}));

INSTANTIATE_TEST_SUITE_P(
    Connect, CommandDecodeErrors,
    testing::Values(
        BadCommand{R"({"id":1,"connect":"t"})", 1, bad_request, "connect: expected an object"},
        BadCommand{R"({"id":1,"connect":{"token":1}})", 1, bad_request,
                   "connect.token: expected a string"},
        BadCommand{R"({"id":1,"connect":{"user":["u"]}})", 1, bad_request,
                   "connect.user: expected a string"},
        BadCommand{R"({"id":1,"connect":{"password":"p"}})", 1, bad_request,
                   "connect.password: unknown field"}));

INSTANTIATE_TEST_SUITE_P(
    SubscribeAndUnsubscribe, CommandDecodeErrors,
    testing::Values(
        BadCommand{R"({"id":2,"subscribe":{}})", 2, bad_request, "subscribe.topic: missing"},
        BadCommand{R"({"id":2,"subscribe":{"topic":""}})", 2, bad_request,
                   "subscribe.topic: expected a non-empty string"},
        BadCommand{R"({"id":2,"subscribe":{"topic":5}})", 2, bad_request,
                   "subscribe.topic: expected a non-empty string"},
        BadCommand{R"({"id":2,"subscribe":{"topic":")" + std::string(256, 't') + R"("}})", 2,
                   bad_request, "subscribe.topic: longer than 255 bytes"},
        BadCommand{R"({"id":2,"subscribe":{"topic":"a\u0001"}})", 2, bad_request,
                   "subscribe.topic: contains a control character"},
        BadCommand{R"({"id":2,"subscribe":{"topic":"a\u007f"}})", 2, bad_request,
                   "subscribe.topic: contains a control character"},
        BadCommand{R"({"id":2,"subscribe":{"topic":"a\u0085"}})", 2, bad_request,
                   "subscribe.topic: contains a control character"},
        BadCommand{R"({"id":2,"subscribe":{"topic":"a","since":5}})", 2, bad_request,
                   "subscribe.since: expected an object"},
        BadCommand{R"({"id":2,"subscribe":{"topic":"a","since":{"offset":-1,"epoch":"e"}}})",
                   2, bad_request, "subscribe.since.offset: expected an unsigned integer"},
        BadCommand{R"({"id":2,"subscribe":{"topic":"a","since":{"offset":3}}})", 2,
                   bad_request, "subscribe.since.epoch: missing"},
        BadCommand{R"({"id":2,"subscribe":{"topic":"a","since":{"offset":3,"epoch":"e","x":0}}})",
                   2, bad_request, "subscribe.since.x: unknown field"},
        BadCommand{R"({"id":3,"unsubscribe":{}})", 3, bad_request, "unsubscribe.topic: missing"},
        BadCommand{R"({"id":3,"unsubscribe":{"topic":"a","since":{}}})", 3, bad_request,
                   "unsubscribe.since: unknown field"}));

INSTANTIATE_TEST_SUITE_P(
    PublishAndSend, CommandDecodeErrors,
    testing::Values(
        BadCommand{R"({"id":4,"publish":{"data":"x"}})", 4, bad_request,
                   "publish: expected at least one target in topic, topics, clients or users"},
        BadCommand{R"({"id":4,"publish":{"topics":[],"clients":[],"data":"x"}})", 4,
                   bad_request,
                   "publish: expected at least one target in topic, topics, clients or users"},
        BadCommand{R"({"id":4,"publish":{"topic":"a","topics":["b"],"data":"x"}})", 4,
                   bad_request, "publish: expected topic or topics, not both"},
        BadCommand{R"({"id":4,"publish":{"topics":"a","data":"x"}})", 4, bad_request,
                   "publish.topics: expected an array"},
        BadCommand{R"({"id":4,"publish":{"topics":["a",""],"data":"x"}})", 4, bad_request,
                   "publish.topics[1]: expected a non-empty string"},
        BadCommand{R"({"id":4,"publish":{"topic":"a\nb","data":"x"}})", 4, bad_request,
                   "publish.topic: contains a control character"},
        BadCommand{R"({"id":4,"publish":{"clients":[1],"data":"x"}})", 4, bad_request,
                   "publish.clients[0]: expected a non-empty string"},
        BadCommand{R"({"id":4,"publish":{"users":["u",""],"data":"x"}})", 4, bad_request,
                   "publish.users[1]: expected a non-empty string"},
        BadCommand{R"({"id":4,"publish":{"topic":"a"}})", 4, bad_request,
                   "publish: expected exactly one of data or data_b64"},
        BadCommand{R"({"id":4,"publish":{"topic":"a","data":"x","data_b64":"eA=="}})", 4,
                   bad_request, "publish: expected exactly one of data or data_b64"},
        BadCommand{R"({"id":4,"publish":{"topic":"a","data":5}})", 4, bad_request,
                   "publish.data: expected a string"},
        BadCommand{R"({"id":4,"publish":{"topic":"a","data_b64":"abc"}})", 4, bad_request,
                   "publish.data_b64: invalid base64"},
        BadCommand{R"({"id":4,"publish":{"topic":"a","data":"x","ttl":5}})", 4, bad_request,
                   "publish.ttl: unknown field"},
        BadCommand{R"({"id":5,"send":{}})", 5, bad_request,
                   "send: expected exactly one of data or data_b64"},
        BadCommand{R"({"id":5,"send":{"data_b64":"!!!!"}})", 5, bad_request,
                   "send.data_b64: invalid base64"}));

INSTANTIATE_TEST_SUITE_P(
    Ack, CommandDecodeErrors,
    testing::Values(
        BadCommand{R"({"id":8,"ack":"orders:1"})", 8, bad_request, "ack: expected an object"},
        BadCommand{R"({"id":8,"ack":{"offset":5}})", 8, bad_request, "ack.topic: missing"},
        BadCommand{R"({"id":8,"ack":{"topic":null,"offset":5}})", 8, bad_request,
                   "ack.topic: missing"},
        BadCommand{R"({"id":8,"ack":{"topic":"orders:1"}})", 8, bad_request,
                   "ack.offset: missing"},
        BadCommand{R"({"id":8,"ack":{"topic":"orders:1","offset":-1}})", 8, bad_request,
                   "ack.offset: expected an unsigned integer"},
        BadCommand{R"({"id":8,"ack":{"topic":"orders:1","offset":5.5}})", 8, bad_request,
                   "ack.offset: expected an unsigned integer"},
        BadCommand{R"({"id":8,"ack":{"topic":"orders:1","offset":5.0}})", 8, bad_request,
                   "ack.offset: expected an unsigned integer"},
        BadCommand{R"({"id":8,"ack":{"topic":"orders:1","offset":"5"}})", 8, bad_request,
                   "ack.offset: expected an unsigned integer"},
        BadCommand{R"({"id":8,"ack":{"topic":"orders:1","offset":18446744073709551616}})", 8,
                   bad_request, "ack.offset: expected an unsigned integer"},
        BadCommand{R"({"id":8,"ack":{"topic":"","offset":5}})", 8, bad_request,
                   "ack.topic: expected a non-empty string"},
        BadCommand{R"({"id":8,"ack":{"topic":["orders:1"],"offset":5}})", 8, bad_request,
                   "ack.topic: expected a non-empty string"},
        BadCommand{R"({"id":8,"ack":{"topic":"orders\u0000","offset":5}})", 8, bad_request,
                   "ack.topic: contains a control character"},
        BadCommand{R"({"id":8,"ack":{"topic":")" + std::string(256, 'o') + R"(","offset":5}})",
                   8, bad_request, "ack.topic: longer than 255 bytes"},
        BadCommand{R"({"id":8,"ack":{"topic":"orders:1","offset":5,"epoch":"e"}})", 8,
                   bad_request, "ack.epoch: unknown field"}));

TEST(CommandDecode, ReportsSyntaxErrorsAsInvalidJson) {
    for (const std::string_view json :
         {"", "{", R"({"id":1,"ping":{}} trailing)", R"({"id":1,"ping":{},})",
          R"({"id":1,"send":{"data":"\ud800"}})", R"({'id':1})"}) {
        const DecodeError error = decode_error(json);
        EXPECT_EQ(error.code, ErrorCode::bad_request) << json;
        EXPECT_EQ(error.id, 0U) << json;
        EXPECT_TRUE(error.message.starts_with("invalid JSON: parse error at line 1"))
            << json << " -> " << error.message;
    }
}

TEST(CommandDecode, RefusesHostileNestingWithoutRecursing) {
    const std::string deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
    EXPECT_EQ(decode_error(deep).message, "nested deeper than 16 levels");
}

TEST(CommandDecode, IgnoresBracketsInsideStringsWhenMeasuringNesting) {
    const std::string json =
        R"({"id":1,"send":{"data":")" + std::string(100, '[') + R"(\"{{{{"}})";
    const auto decoded = decode_command(json);
    ASSERT_TRUE(std::holds_alternative<Command>(decoded));
}

}  // namespace
