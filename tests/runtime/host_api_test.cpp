// The host table as plugins see it: its header, frames, and how it checks what plugins pass.
#include "runtime/host_api.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "core/frame.hpp"
#include "engine_harness.hpp"

namespace notify::runtime::test {
namespace {

using namespace std::chrono_literals;

TEST(HostApi, Header_HasSizeAndAbiVersionAndEveryFunction) {
    const notify_host_api& api = host_api();
    EXPECT_EQ(api.size, sizeof(notify_host_api));
    EXPECT_EQ(api.abi_major, NOTIFY_ABI_MAJOR);
    EXPECT_EQ(api.abi_minor, NOTIFY_ABI_MINOR);
    EXPECT_NE(api.log, nullptr);
    EXPECT_NE(api.config_get_string, nullptr);
    EXPECT_NE(api.config_get_duration_ms, nullptr);
    EXPECT_NE(api.frame_bytes, nullptr);
    EXPECT_NE(api.conn_receive_owned, nullptr);
    EXPECT_NE(api.broker_publish_complete, nullptr);
    EXPECT_NE(api.disconnect, nullptr);
    EXPECT_NE(api.now_ms, nullptr);
}

TEST(HostApi, FrameBytes_JsonIsTheFrameAndBinaryIsEmptyInAbi10) {
    const core::FrameRef frame = core::FrameRef::make(R"({"push":{}})");
    const notify_host_api& api = host_api();
    const notify_bytes json = api.frame_bytes(frame.get(), NOTIFY_ENCODING_JSON);
    EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(json.data), json.len),
              R"({"push":{}})");
    EXPECT_EQ(api.frame_bytes(frame.get(), NOTIFY_ENCODING_BINARY).len, 0u);
}

TEST(HostApi, FrameRetainRelease_KeepTheFrameAlivePastItsOwner) {
    const notify_host_api& api = host_api();
    const notify_frame* kept = nullptr;
    {
        const core::FrameRef frame = core::FrameRef::make("abc");
        kept = frame.get();
        api.frame_retain(kept);
        EXPECT_EQ(kept->refs.load(), 2u);
    }
    EXPECT_EQ(kept->refs.load(), 1u);
    EXPECT_EQ(api.frame_bytes(kept, NOTIFY_ENCODING_JSON).len, 3u);
    api.frame_release(kept);
}

TEST(HostApi, NullContext_IsRefusedWithoutCrashing) {
    LogCapture logs;
    const notify_host_api& api = host_api();
    notify_publish_request request{};
    request.size = sizeof request;
    EXPECT_EQ(api.publish(nullptr, &request), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(api.conn_open(nullptr, 1, nullptr), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_GT(api.now_ms(nullptr), 1'600'000'000'000);
    EXPECT_EQ(logs.matching("without a live context").size(), 2u);
}

TEST(HostApi, KeepHeaders_ChecksNamesAndIsRefusedOnceInstancesRun) {
    EngineHarness harness(fixture_manifest({}));
    PluginControls plugin;
    const auto [host, ctx] = plugin.host("observer");
    ASSERT_NE(host, nullptr);
    const notify_str bad[] = {{"two words", 9}};
    EXPECT_EQ(host->keep_headers(ctx, bad, 1), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(harness.logs().matching("is not an HTTP header name").size(), 1u);
    const std::string long_name(65, 'x');
    const notify_str too_long[] = {{long_name.data(), long_name.size()}};
    EXPECT_EQ(host->keep_headers(ctx, too_long, 1), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(host->keep_headers(ctx, nullptr, 1), NOTIFY_ERR_INVALID_ARGUMENT);
    // Valid names, but transports already run: connections opened so far kept nothing.
    const notify_str cookie[] = {{"Cookie", 6}};
    EXPECT_EQ(host->keep_headers(ctx, cookie, 1), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(harness.logs().matching("called after create()").size(), 1u);
}

TEST(HostApi, Publish_ChecksTopicAndPayloadSizeAndRefusesAfterShutdown) {
    ManifestParts parts;
    parts.top = "[limits]\nmax_payload_size = 8\n";
    EngineHarness harness(fixture_manifest(parts));
    PluginControls plugin;

    EXPECT_EQ(plugin.publish("observer", "news", "12345678"), NOTIFY_OK);
    EXPECT_EQ(plugin.publish("observer", "news", "123456789"), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(plugin.publish("observer", "", "x"), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(plugin.publish("observer", std::string_view("a\nb"), "x"),
              NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(plugin.publish("observer", std::string_view("\xff\xfe"), "x"),
              NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(harness.logs().matching("[observer] host->publish refused").size(), 4u);

    harness.engine().stop();
    EXPECT_EQ(plugin.publish("observer", "news", "x"), NOTIFY_ERR_CLOSED);
}

TEST(HostApi, HandlerPublish_ReachesSubscribedClients) {
    EngineHarness harness(fixture_manifest({}));
    TransportControls transport;
    PluginControls plugin;
    transport.connect(1);
    protocol::SubscribeCommand subscribe;
    subscribe.topic = "news";
    transport.send(1, protocol::Command{2, subscribe});
    ASSERT_EQ(transport.frames(1, 2).size(), 2u);

    ASSERT_EQ(plugin.publish("observer", "news", "from a handler"), NOTIFY_OK);
    const auto frames = transport.frames(1, 3);
    ASSERT_EQ(frames.size(), 3u);
    const auto* push = std::get_if<protocol::MessagePush>(&frames[2]);
    ASSERT_NE(push, nullptr);
    EXPECT_EQ(push->data, "from a handler");
}

}  // namespace
}  // namespace notify::runtime::test
