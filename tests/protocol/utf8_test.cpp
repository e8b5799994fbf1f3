#include <notify/protocol/json.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using notify::protocol::is_valid_utf8;

TEST(Utf8, AcceptsEmptyAndAscii) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("hello, world: a longer ascii run"));
    EXPECT_TRUE(is_valid_utf8(std::string("nul\0inside", 10)));
}

TEST(Utf8, AcceptsEveryEncodingLengthAtItsBounds) {
    EXPECT_TRUE(is_valid_utf8("\x7F"));
    EXPECT_TRUE(is_valid_utf8("\xC2\x80"));          // U+0080
    EXPECT_TRUE(is_valid_utf8("\xDF\xBF"));          // U+07FF
    EXPECT_TRUE(is_valid_utf8("\xE0\xA0\x80"));      // U+0800
    EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
    EXPECT_TRUE(is_valid_utf8("\xEE\x80\x80"));      // U+E000, just above them
    EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBF"));      // U+FFFF
    EXPECT_TRUE(is_valid_utf8("\xF0\x90\x80\x80"));  // U+10000
    EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
    EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 mixed with ascii"));
}

TEST(Utf8, RejectsOverlongEncodings) {
    EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));
    EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));
    EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));
    EXPECT_FALSE(is_valid_utf8("\xE0\x9F\xBF"));
    EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));
    EXPECT_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF"));
}

TEST(Utf8, RejectsSurrogates) {
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));  // U+D800
    EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));  // U+DFFF
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\xBD\xED\xB8\x80"));  // a CESU-8 surrogate pair
}

TEST(Utf8, RejectsCodePointsAboveTheMaximumAndInvalidLeadBytes) {
    EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // U+110000
    EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("\xF8\x88\x80\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("\xFE"));
    EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(Utf8, RejectsStrayContinuationBytes) {
    EXPECT_FALSE(is_valid_utf8("\x80"));
    EXPECT_FALSE(is_valid_utf8("a\xBF"));
    EXPECT_FALSE(is_valid_utf8("\xC3\xA9\xA9"));
}

TEST(Utf8, RejectsTruncatedSequences) {
    EXPECT_FALSE(is_valid_utf8("\xC3"));
    EXPECT_FALSE(is_valid_utf8("\xE2\x82"));
    EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x98"));
    EXPECT_FALSE(is_valid_utf8("\xE2\x82 "));  // a non-continuation byte cuts it short
}

TEST(Utf8, FindsAnInvalidByteAtEveryPositionOfTheAsciiFastPath) {
    for (std::size_t position = 0; position < 24; ++position) {
        std::string text(24, 'a');
        text[position] = '\x80';
        EXPECT_FALSE(is_valid_utf8(text)) << "position " << position;
        text[position] = '\xC3';
        EXPECT_FALSE(is_valid_utf8(text)) << "truncated at position " << position;
    }
}

}  // namespace
