#include <notify/protocol/json.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace {

using notify::protocol::append_json_string;
using notify::protocol::append_payload_field;

std::string json_quoted(std::string_view text) {
    std::string out;
    append_json_string(out, text);
    return out;
}

// What a standard JSON parser reads back from the encoder's output.
std::string parsed(const std::string& json_string) {
    return nlohmann::json::parse(json_string).get<std::string>();
}

TEST(JsonString, QuotesPlainTextVerbatim) {
    EXPECT_EQ(json_quoted(""), "\"\"");
    EXPECT_EQ(json_quoted("hello / world"), "\"hello / world\"");
    EXPECT_EQ(json_quoted("caf\xC3\xA9 \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
}

TEST(JsonString, EscapesQuotesBackslashesAndControlCharacters) {
    EXPECT_EQ(json_quoted("say \"hi\""), R"("say \"hi\"")");
    EXPECT_EQ(json_quoted("C:\\dir"), R"("C:\\dir")");
    EXPECT_EQ(json_quoted("\b\f\n\r\t"), R"("\b\f\n\r\t")");
    EXPECT_EQ(json_quoted(std::string("\0\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
    EXPECT_EQ(json_quoted("\x7F"), "\"\x7F\"");  // DEL needs no escape in JSON
}

TEST(JsonString, EveryControlCharacterRoundTripsThroughAJsonParser) {
    for (int value = 0; value < 0x20; ++value) {
        const std::string text = "a" + std::string(1, static_cast<char>(value)) + "b";
        EXPECT_EQ(parsed(json_quoted(text)), text) << "byte " << value;
    }
}

TEST(JsonString, EscapesASpecialByteAtEveryPositionAroundTheWordFastPath) {
    for (const char special : {'"', '\\', '\n', '\x01', '\x7F'}) {
        for (std::size_t position = 0; position < 40; ++position) {
            std::string text(40, 'x');
            text[position] = special;
            EXPECT_EQ(parsed(json_quoted(text)), text) << "position " << position;
        }
    }
}

TEST(JsonString, CopiesMultiByteCharactersAtEveryPositionAroundTheBlockFastPath) {
    for (std::size_t position = 0; position < 40; ++position) {
        std::string text(40, 'x');
        text.insert(position, "\xE2\x82\xAC");  // U+20AC
        EXPECT_EQ(json_quoted(text), '"' + text + '"') << "position " << position;
    }
}

TEST(JsonString, AppendsWithoutTouchingWhatIsAlreadyThere) {
    std::string out = "{\"k\":";
    append_json_string(out, "v\"");
    EXPECT_EQ(out, R"({"k":"v\"")");
}

TEST(JsonString, WritesInvalidUtf8AsReplacementCharactersSoTheOutputStaysJson) {
    EXPECT_EQ(json_quoted("a\xFF" "b"), "\"a\xEF\xBF\xBD" "b\"");
    EXPECT_EQ(json_quoted("\xC3"), "\"\xEF\xBF\xBD\"");
    EXPECT_EQ(parsed(json_quoted("\xED\xA0\x80")), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(PayloadField, WritesValidUtf8AsData) {
    std::string out;
    append_payload_field(out, "hello \"you\"");
    EXPECT_EQ(out, R"("data":"hello \"you\"")");
}

TEST(PayloadField, WritesOtherBytesAsBase64) {
    std::string out;
    append_payload_field(out, std::string("\xFF\x00\x01", 3));
    EXPECT_EQ(out, "\"data_b64\":\"/wAB\"");
}

TEST(PayloadField, WritesAnEmptyPayloadAsEmptyData) {
    std::string out;
    append_payload_field(out, "");
    EXPECT_EQ(out, R"("data":"")");
}

}  // namespace
