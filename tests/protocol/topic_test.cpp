#include <notify/protocol/json.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using notify::protocol::is_valid_topic;
using notify::protocol::kMaxTopicSize;

TEST(Topic, AcceptsNamesUpToTheMaximumSize) {
    EXPECT_TRUE(is_valid_topic("chat"));
    EXPECT_TRUE(is_valid_topic("ns:room/42 with spaces"));
    EXPECT_TRUE(is_valid_topic("caf\xC3\xA9 \xF0\x9F\x98\x80"));
    EXPECT_TRUE(is_valid_topic(std::string(kMaxTopicSize, 't')));
}

TEST(Topic, RejectsEmptyAndOversizedNames) {
    EXPECT_FALSE(is_valid_topic(""));
    EXPECT_FALSE(is_valid_topic(std::string(kMaxTopicSize + 1, 't')));
}

TEST(Topic, RejectsInvalidUtf8) {
    EXPECT_FALSE(is_valid_topic("chat\xFF"));
    EXPECT_FALSE(is_valid_topic("\xED\xA0\x80"));
}

TEST(Topic, RejectsControlCharacters) {
    EXPECT_FALSE(is_valid_topic(std::string("a\0b", 3)));
    EXPECT_FALSE(is_valid_topic("a\nb"));
    EXPECT_FALSE(is_valid_topic("a\x1F"));
    EXPECT_FALSE(is_valid_topic("a\x7F"));
    EXPECT_FALSE(is_valid_topic("a\xC2\x85"));  // U+0085, a C1 control
    EXPECT_TRUE(is_valid_topic("a\xC2\xA0"));   // U+00A0 is not a control
}

}  // namespace
