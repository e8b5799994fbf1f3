#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "fake_host.hpp"
#include "plugin_library.hpp"

namespace notify::test {
namespace {

notify_str view(const std::string& text) {
    return notify_str{text.data(), text.size()};
}

class ChatHandlerTest : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_NE(library_.descriptor(), nullptr); }

    void deliver(const PluginInstance& instance, notify_event_type type,
                 const std::string& client_id, const std::string& data = "") {
        notify_event event{};
        event.size = sizeof event;
        event.type = type;
        event.time_ms = 1;
        event.client_id = view(client_id);
        event.data = notify_bytes{reinterpret_cast<const std::uint8_t*>(data.data()), data.size()};
        library_.descriptor()->handler->on_event(instance.get(), &event);
    }

    PluginLibrary library_{"chat"};
    FakeHost host_;
};

TEST_F(ChatHandlerTest, AsksForConnectAndDataEventsOnly) {
    ASSERT_NE(library_.descriptor()->handler, nullptr);
    EXPECT_EQ(library_.descriptor()->handler->event_mask,
              NOTIFY_EVENT_BIT(NOTIFY_EVENT_CONNECT) | NOTIFY_EVENT_BIT(NOTIFY_EVENT_DATA));
}

TEST_F(ChatHandlerTest, ConnectSubscribesTheClientThenAnnouncesIt) {
    PluginInstance instance{library_, host_};
    ASSERT_TRUE(instance.created()) << instance.create_error();
    deliver(instance, NOTIFY_EVENT_CONNECT, "c42");
    const std::vector<HostCall> expected{
        subscribe_call(NOTIFY_TARGET_CLIENT, "c42", "chat"),
        publish_call("chat", "c42 joined the chat!!!"),
    };
    EXPECT_EQ(host_.calls, expected);
}

TEST_F(ChatHandlerTest, DataIsPublishedToTheTopicUnchangedEvenWhenNotUtf8) {
    PluginInstance instance{library_, host_};
    ASSERT_TRUE(instance.created()) << instance.create_error();
    const std::string bytes{"hi \xff\xfe\x00\x80 there", 14};
    deliver(instance, NOTIFY_EVENT_DATA, "c42", bytes);
    const std::vector<HostCall> expected{publish_call("chat", bytes)};
    EXPECT_EQ(host_.calls, expected);
}

TEST_F(ChatHandlerTest, OtherEventsAreIgnored) {
    PluginInstance instance{library_, host_};
    ASSERT_TRUE(instance.created()) << instance.create_error();
    deliver(instance, NOTIFY_EVENT_DISCONNECT, "c42");
    EXPECT_TRUE(host_.calls.empty());
}

TEST_F(ChatHandlerTest, TopicKeyChoosesTheRoom) {
    host_.config_values["topic"] = std::string{"lobby"};
    PluginInstance instance{library_, host_};
    ASSERT_TRUE(instance.created()) << instance.create_error();
    deliver(instance, NOTIFY_EVENT_CONNECT, "c1");
    deliver(instance, NOTIFY_EVENT_DATA, "c1", "hello");
    const std::vector<HostCall> expected{
        subscribe_call(NOTIFY_TARGET_CLIENT, "c1", "lobby"),
        publish_call("lobby", "c1 joined the chat!!!"),
        publish_call("lobby", "hello"),
    };
    EXPECT_EQ(host_.calls, expected);
}

TEST_F(ChatHandlerTest, EmptyTopicIsRefusedNamingTheKey) {
    host_.config_values["topic"] = std::string{};
    PluginInstance instance{library_, host_};
    EXPECT_FALSE(instance.created());
    EXPECT_NE(instance.create_error().find("topic"), std::string::npos);
}

}  // namespace
}  // namespace notify::test
