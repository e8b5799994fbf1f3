#include "core/frame.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "notify/protocol/binary.hpp"
#include "notify/protocol/json.hpp"

namespace notify::core {
namespace {

constexpr auto kJson = NOTIFY_ENCODING_JSON;
constexpr auto kBinary = NOTIFY_ENCODING_BINARY;

TEST(Frame, ReplyFrameMadeFromJsonHasNoBinaryBytes) {
    const FrameRef frame = FrameRef::make(R"({"id":1,"result":{}})");
    EXPECT_EQ(frame.bytes(kJson), R"({"id":1,"result":{}})");
    EXPECT_TRUE(frame.bytes(kBinary).empty());
}

TEST(Frame, ReplyFrameMadeFromBinaryHasNoJsonBytes) {
    const std::string reply = protocol::encode_empty_reply_binary(7);
    const FrameRef frame = FrameRef::make(reply, kBinary);
    EXPECT_EQ(frame.bytes(kBinary), reply);
    EXPECT_TRUE(frame.bytes(kJson).empty());
}

TEST(Frame, MessageFrameServesEachEncodingAsTheProtocolEncodesIt) {
    const std::string payload("bin\0ary\xff", 8);
    const FrameRef frame = FrameRef::make_message("news", 3, "e1", payload);
    EXPECT_EQ(frame.bytes(kJson), protocol::encode_message_push("news", 3, "e1", payload));
    EXPECT_EQ(frame.bytes(kBinary), protocol::encode_message_push_binary("news", 3, "e1", payload));
}

TEST(Frame, MessageFrameIsSerializedOnlyForTheEncodingAsked) {
    const std::uint64_t json_before = message_serializations(kJson);
    const std::uint64_t binary_before = message_serializations(kBinary);
    const FrameRef frame = FrameRef::make_message("news", 1, "e1", "x");
    EXPECT_EQ(message_serializations(kJson), json_before);
    EXPECT_EQ(message_serializations(kBinary), binary_before);

    const std::string_view first = frame.bytes(kJson);
    const std::string_view again = frame.bytes(kJson);
    EXPECT_EQ(first.data(), again.data());
    EXPECT_EQ(message_serializations(kJson), json_before + 1);
    EXPECT_EQ(message_serializations(kBinary), binary_before);
}

TEST(Frame, ConcurrentRequestsSerializeOncePerEncodingAndShareTheBytes) {
    constexpr int kThreads = 8;
    const std::uint64_t json_before = message_serializations(kJson);
    const std::uint64_t binary_before = message_serializations(kBinary);
    const FrameRef frame = FrameRef::make_message("news", 42, "e1", std::string(4096, 'p'));
    std::vector<const char*> seen(kThreads, nullptr);
    {
        std::vector<std::jthread> threads;
        for (int index = 0; index < kThreads; ++index) {
            threads.emplace_back([&frame, &seen, index] {
                const notify_encoding encoding = index % 2 == 0 ? kJson : kBinary;
                seen[static_cast<std::size_t>(index)] = frame.bytes(encoding).data();
            });
        }
    }
    for (int index = 2; index < kThreads; ++index) {
        EXPECT_EQ(seen[static_cast<std::size_t>(index)],
                  seen[static_cast<std::size_t>(index % 2)]);
    }
    EXPECT_NE(seen[0], seen[1]);
    EXPECT_EQ(message_serializations(kJson), json_before + 1);
    EXPECT_EQ(message_serializations(kBinary), binary_before + 1);
}

TEST(Frame, CopiesShareOneFrameUntilTheLastReleases) {
    FrameRef frame = FrameRef::make_message("news", 1, "e1", "x");
    const FrameRef copy = frame;
    EXPECT_EQ(copy.get()->refs.load(), 2U);
    frame = FrameRef();
    EXPECT_EQ(copy.get()->refs.load(), 1U);
    EXPECT_FALSE(copy.bytes(kBinary).empty());
}

}  // namespace
}  // namespace notify::core
