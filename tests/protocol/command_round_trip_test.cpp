#include <notify/protocol/json.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

namespace protocol = notify::protocol;
using protocol::Command;

Command decoded(std::string_view json) {
    auto result = protocol::decode_command(json);
    if (auto* error = std::get_if<protocol::DecodeError>(&result)) {
        ADD_FAILURE() << json << " -> " << error->message;
        return {};
    }
    return std::get<Command>(result);
}

std::string all_byte_values() {
    std::string bytes;
    for (int value = 0; value < 256; ++value) {
        bytes += static_cast<char>(value);
    }
    return bytes;
}

TEST(CommandDecode, ReadsTheDocumentedExamples) {
    EXPECT_EQ(decoded(R"({"id":1,"connect":{"token":"t","client":"c","resume":"r","user":"u"}})"),
              (Command{1, protocol::ConnectCommand{"t", "c", "r", "u"}}));
    EXPECT_EQ(decoded(R"({"id":1,"connect":{}})"), (Command{1, protocol::ConnectCommand{}}));
    EXPECT_EQ(decoded(R"({"id":2,"subscribe":{"topic":"chat"}})"),
              (Command{2, protocol::SubscribeCommand{"chat", std::nullopt, ""}}));
    EXPECT_EQ(decoded(R"({"id":2,"subscribe":{"topic":"chat","since":{"offset":9,"epoch":"e"}}})"),
              (Command{2, protocol::SubscribeCommand{"chat", protocol::Position{9, "e"}, ""}}));
    EXPECT_EQ(decoded(R"({"id":3,"unsubscribe":{"topic":"chat"}})"),
              (Command{3, protocol::UnsubscribeCommand{"chat"}}));
    EXPECT_EQ(
        decoded(R"({"id":4,"publish":{"topics":["a","b"],"clients":["c1"],"users":["u1"],"data":"hello"}})"),
        (Command{4, protocol::PublishCommand{{"a", "b"}, {"c1"}, {"u1"}, "hello"}}));
    EXPECT_EQ(decoded(R"({"id":4,"publish":{"topic":"a","data":"hello"}})"),
              (Command{4, protocol::PublishCommand{{"a"}, {}, {}, "hello"}}));
    EXPECT_EQ(decoded(R"({"id":5,"send":{"data":"x"}})"), (Command{5, protocol::SendCommand{"x"}}));
    EXPECT_EQ(decoded(R"({"id":5,"send":{"data_b64":"/wA="}})"),
              (Command{5, protocol::SendCommand{std::string("\xFF\x00", 2)}}));
    EXPECT_EQ(decoded(R"({"id":6,"ping":{}})"), (Command{6, protocol::PingCommand{}}));
}

TEST(CommandDecode, AcceptsTheLargestIdAndNullForOptionalFields) {
    EXPECT_EQ(decoded(R"({"id":18446744073709551615,"ping":{}})").id, 18446744073709551615ULL);
    EXPECT_EQ(decoded(R"({"connect":{"token":null,"user":"u"},"id":1})"),
              (Command{1, protocol::ConnectCommand{"", "", "", "u"}}));
}

TEST(CommandDecode, AcceptsWhitespaceAndEscapedStrings) {
    EXPECT_EQ(decoded(" {\n \"id\" : 5 ,\t\"send\" : { \"data\" : \"a\\\"b\\u00e9\\n\" } } "),
              (Command{5, protocol::SendCommand{"a\"b\xC3\xA9\n"}}));
}

class CommandRoundTrip : public testing::TestWithParam<Command> {};

TEST_P(CommandRoundTrip, DecodesToWhatWasEncoded) {
    const std::string json = protocol::encode_command(GetParam());
    EXPECT_EQ(decoded(json), GetParam()) << json;
}

INSTANTIATE_TEST_SUITE_P(
    EveryCommand, CommandRoundTrip,
    testing::Values(
        Command{1, protocol::ConnectCommand{}},
        Command{1, protocol::ConnectCommand{"tok\"en", "client-1", "resume-1", "user \xC3\xA9"}},
        Command{2, protocol::SubscribeCommand{"chat", std::nullopt, ""}},
        Command{2, protocol::SubscribeCommand{"ns:room", protocol::Position{42, "epoch-1"}, ""}},
        Command{3, protocol::UnsubscribeCommand{"chat"}},
        Command{4, protocol::PublishCommand{{"a", "b"}, {"c1"}, {"u1"}, "hello"}},
        Command{4, protocol::PublishCommand{{}, {}, {"u1"}, ""}},
        Command{4, protocol::PublishCommand{{"bin"}, {}, {}, all_byte_values()}},
        Command{5, protocol::SendCommand{"text with \"quotes\" and \n"}},
        Command{5, protocol::SendCommand{all_byte_values()}},
        Command{18446744073709551615ULL, protocol::PingCommand{}}));

TEST(CommandEncode, WritesTheDocumentedForm) {
    EXPECT_EQ(protocol::encode_command(Command{6, protocol::PingCommand{}}),
              R"({"id":6,"ping":{}})");
    EXPECT_EQ(protocol::encode_command(
                  Command{4, protocol::PublishCommand{{"a", "b"}, {"c1"}, {"u1"}, "hello"}}),
              R"({"id":4,"publish":{"topics":["a","b"],"clients":["c1"],"users":["u1"],"data":"hello"}})");
    EXPECT_EQ(protocol::encode_command(Command{5, protocol::SendCommand{"\xFF"}}),
              R"({"id":5,"send":{"data_b64":"/w=="}})");
    EXPECT_EQ(protocol::encode_command(Command{1, protocol::ConnectCommand{"t", "", "", ""}}),
              R"({"id":1,"connect":{"token":"t"}})");
}

}  // namespace
