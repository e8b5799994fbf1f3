// The OFFSET[:EPOCH] text of `sub --since` and of the not-recovered stderr line.
#include <gtest/gtest.h>

#include "stream_position.hpp"

namespace notify::cli {
namespace {

using protocol::Position;

TEST(StreamPosition, ParsesOffsetAloneWithAnEmptyEpochAndOffsetWithEpoch) {
    EXPECT_EQ(parse_stream_position("0"), (Position{0, ""}));
    EXPECT_EQ(parse_stream_position("41:e1"), (Position{41, "e1"}));
    // The epoch is everything after the first colon.
    EXPECT_EQ(parse_stream_position("7:a:b"), (Position{7, "a:b"}));
    EXPECT_EQ(parse_stream_position("18446744073709551615"),
              (Position{18446744073709551615u, ""}));
}

TEST(StreamPosition, RejectsAnythingElse) {
    for (const char* text : {"", "x", "1:", ":e1", "-1", "+1", " 1", "1 ", "1x", "0x10",
                             "18446744073709551616"}) {
        EXPECT_EQ(parse_stream_position(text), std::nullopt) << "'" << text << "'";
    }
}

TEST(StreamPosition, FormatsWhatParseReads) {
    EXPECT_EQ(format_stream_position(Position{12, "e2"}), "12:e2");
    EXPECT_EQ(format_stream_position(Position{0, ""}), "0");
    EXPECT_EQ(parse_stream_position(format_stream_position(Position{5, "e:x"})),
              (Position{5, "e:x"}));
}

}  // namespace
}  // namespace notify::cli
