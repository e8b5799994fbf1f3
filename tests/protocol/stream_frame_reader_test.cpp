#include <gtest/gtest.h>

#include <notify/protocol/binary.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "binary_test_support.hpp"

namespace {

namespace protocol = notify::protocol;
using protocol::StreamFrameReader;
using protocol::testing::from_hex;
using protocol::testing::to_hex;

// The caller's loop documented in binary.hpp.
std::vector<std::string> read_all(StreamFrameReader& reader, std::string_view bytes) {
    std::vector<std::string> frames;
    while (!bytes.empty() && !reader.failed()) {
        bytes.remove_prefix(reader.feed(bytes));
        while (auto frame = reader.pop_frame()) {
            frames.push_back(std::move(*frame));
        }
    }
    return frames;
}

std::vector<std::string> sample_frames() {
    std::vector<std::string> frames = {std::string()};
    for (const auto& frame : protocol::testing::sample_server_frames()) {
        frames.push_back(protocol::encode_server_frame_binary(frame));
    }
    return frames;
}

std::string stream_of(const std::vector<std::string>& frames) {
    std::string stream;
    for (const std::string& frame : frames) {
        protocol::append_length_prefixed(stream, frame);
    }
    return stream;
}

TEST(StreamFraming, PrefixesTheSizeAsFourBytesLittleEndian) {
    std::string out = "x";
    protocol::append_length_prefixed(out, std::string(0x0102, 'a'));
    EXPECT_EQ(to_hex(out.substr(0, 5)), "78 02 01 00 00");
    EXPECT_EQ(out.size(), 5U + 0x0102U);
    out.clear();
    protocol::append_length_prefixed(out, "");
    EXPECT_EQ(to_hex(out), "00 00 00 00");
}

TEST(StreamFraming, CoalescedFramesComeOutOneByOne) {
    const auto frames = sample_frames();
    StreamFrameReader reader(1024);
    EXPECT_EQ(read_all(reader, stream_of(frames)), frames);
    EXPECT_FALSE(reader.failed());
    EXPECT_EQ(reader.buffered_size(), 0U);
}

TEST(StreamFraming, FramesSplitAtEveryByteBoundaryComeOutWhole) {
    const auto frames = sample_frames();
    const std::string stream = stream_of(frames);
    for (std::size_t split = 0; split <= stream.size(); ++split) {
        StreamFrameReader reader(1024);
        auto got = read_all(reader, std::string_view(stream).substr(0, split));
        auto rest = read_all(reader, std::string_view(stream).substr(split));
        got.insert(got.end(), rest.begin(), rest.end());
        EXPECT_EQ(got, frames) << "split at " << split;
    }
}

TEST(StreamFraming, OneByteAtATimeWorks) {
    const auto frames = sample_frames();
    const std::string stream = stream_of(frames);
    StreamFrameReader reader(1024);
    std::vector<std::string> got;
    for (const char byte : stream) {
        auto some = read_all(reader, std::string_view(&byte, 1));
        got.insert(got.end(), some.begin(), some.end());
    }
    EXPECT_EQ(got, frames);
}

TEST(StreamFraming, FeedStopsAtTheEndOfAFrameUntilItIsPopped) {
    StreamFrameReader reader(16);
    const std::string stream = from_hex("02 00 00 00 06 04 01 00 00 00 07");
    EXPECT_EQ(reader.feed(stream), 6U);
    EXPECT_EQ(reader.feed(std::string_view(stream).substr(6)), 0U);
    EXPECT_EQ(reader.pop_frame(), from_hex("06 04"));
    EXPECT_EQ(reader.pop_frame(), std::nullopt);
    EXPECT_EQ(reader.feed(std::string_view(stream).substr(6)), 5U);
    EXPECT_EQ(reader.pop_frame(), from_hex("07"));
}

TEST(StreamFraming, AFrameOfExactlyTheMaximumIsAccepted) {
    StreamFrameReader reader(8);
    const std::string frame(8, 'z');
    EXPECT_EQ(read_all(reader, stream_of({frame})), std::vector<std::string>{frame});
    EXPECT_FALSE(reader.failed());
}

TEST(StreamFraming, ADeclaredSizeAboveTheMaximumIsRefusedBeforeBuffering) {
    StreamFrameReader reader(8);
    const std::string stream = from_hex("09 00 00 00") + std::string(9, 'z');
    EXPECT_EQ(reader.feed(stream), 4U);
    EXPECT_TRUE(reader.failed());
    EXPECT_EQ(reader.error(), "frame length 9 exceeds the maximum of 8 bytes");
    EXPECT_EQ(reader.feed(std::string_view(stream).substr(4)), 0U);
    EXPECT_EQ(reader.pop_frame(), std::nullopt);
    EXPECT_LE(reader.buffered_size(), 4U);
}

TEST(StreamFraming, AHugeDeclaredSizeIsRefused) {
    StreamFrameReader reader(65536);
    EXPECT_TRUE(read_all(reader, from_hex("ff ff ff ff 00")).empty());
    EXPECT_EQ(reader.error(), "frame length 4294967295 exceeds the maximum of 65536 bytes");
}

TEST(StreamFraming, NeverBuffersMoreThanOneFrameAndItsPrefix) {
    const std::size_t max = 32;
    StreamFrameReader reader(max);
    std::string stream;
    for (int index = 0; index < 10; ++index) {
        protocol::append_length_prefixed(stream, std::string(max, static_cast<char>('a' + index)));
    }
    std::string_view rest = stream;
    while (!rest.empty()) {
        rest.remove_prefix(reader.feed(rest));
        EXPECT_LE(reader.buffered_size(), max + protocol::kStreamLengthSize);
        ASSERT_TRUE(reader.pop_frame().has_value());
    }
}

}  // namespace
