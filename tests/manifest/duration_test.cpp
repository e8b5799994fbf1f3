#include <gtest/gtest.h>

#include "manifest/manifest.hpp"

namespace notify::host {
namespace {

TEST(ParseDuration, ConvertsEachUnitToMilliseconds) {
    EXPECT_EQ(parse_duration_ms("250ms"), 250);
    EXPECT_EQ(parse_duration_ms("30s"), 30'000);
    EXPECT_EQ(parse_duration_ms("5m"), 300'000);
    EXPECT_EQ(parse_duration_ms("1h"), 3'600'000);
    EXPECT_EQ(parse_duration_ms("2d"), 172'800'000);
    EXPECT_EQ(parse_duration_ms("0s"), 0);
}

TEST(ParseDuration, RejectsMalformedText) {
    for (const char* text :
         {"", "5", "ms", "1.5s", "-1s", "+1s", "5x", " 5s", "5s ", "5 s", "5sec", "5S"}) {
        EXPECT_EQ(parse_duration_ms(text), -1) << '"' << text << '"';
    }
}

TEST(ParseDuration, RejectsValuesThatOverflow) {
    EXPECT_EQ(parse_duration_ms("9223372036854775807d"), -1);
    EXPECT_EQ(parse_duration_ms("99999999999999999999ms"), -1);
    EXPECT_EQ(parse_duration_ms("9223372036854775807ms"), 9223372036854775807);
}

}  // namespace
}  // namespace notify::host
