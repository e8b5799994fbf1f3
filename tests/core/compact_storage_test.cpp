// The compact per-client containers: they must behave like the std containers they replaced.
#include <gtest/gtest.h>

#include <string>

#include "core/change_times.hpp"
#include "core/inline_text.hpp"

namespace notify::core {
namespace {

TEST(InlineText, KeepsTextUpToItsCapacityAndSpillsLongerOrNulText) {
    InlineText<32> text;
    EXPECT_TRUE(text.empty());
    const std::string token(32, 'f');
    text = token;
    EXPECT_EQ(text.view(), token);
    text = "short";
    EXPECT_EQ(text.view(), "short");  // no rest of the longer text left behind
    const std::string longer(33, 'a');
    text = longer;
    EXPECT_EQ(text.view(), longer);
    const std::string with_nul("ab\0cd", 5);
    text = with_nul;
    EXPECT_EQ(text.view(), with_nul);
    EXPECT_EQ(text.view().size(), 5u);
    text = "back-inline";
    EXPECT_EQ(text.view(), "back-inline");
    text.clear();
    EXPECT_TRUE(text.empty());
    EXPECT_EQ(text.view(), "");
}

TEST(ChangeTimes, FindsRecordsAndOverwritesPerTopic) {
    ChangeTimes times;
    EXPECT_FALSE(times.find("news"));
    times.record("news", 10);
    times.record("alerts", 5);
    times.record("zebra", 7);
    times.record("news", 12);
    EXPECT_EQ(times.size(), 3u);
    EXPECT_EQ(times.find("news"), 12);
    EXPECT_EQ(times.find("alerts"), 5);
    EXPECT_EQ(times.find("zebra"), 7);
    EXPECT_FALSE(times.find("new"));
    EXPECT_FALSE(times.find("newsx"));
    times.clear();
    EXPECT_EQ(times.size(), 0u);
    EXPECT_FALSE(times.find("news"));
}

TEST(ChangeTimes, ManyTopicsInAnyOrderAreAllFound) {
    ChangeTimes times;
    for (int i = 0; i < 500; ++i) {
        const int topic = (i * 7919) % 500;  // a permutation of 0..499
        times.record("topic-" + std::to_string(topic), topic);
    }
    ASSERT_EQ(times.size(), 500u);
    for (int topic = 0; topic < 500; ++topic) {
        EXPECT_EQ(times.find("topic-" + std::to_string(topic)), topic);
    }
}

}  // namespace
}  // namespace notify::core
