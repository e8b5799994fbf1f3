// The engine with the project's own default plugins (local broker, anonymous auth, chat handler)
// behind the fixture transport: the default manifest's wiring, minus the sockets.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "engine_harness.hpp"

namespace notify::runtime::test {
namespace {

#ifdef NOTIFY_REAL_PLUGINS_DIR

std::string chat_manifest() {
    return std::string("[plugins]\ndirs = [\"") + NOTIFY_REAL_PLUGINS_DIR +
           "\"]\n\n"
           "[broker]\nplugin = \"local\"\n\n"
           "[[auth]]\nplugin = \"anonymous\"\n\n"
           "[[handler]]\nplugin = \"chat\"\ntopic = \"room\"\n\n"
           "[[transport]]\nplugin = \"" FIXTURE_TRANSPORT_PATH "\"\nname = \"front\"\n"
           "label = \"front\"\n";
}

std::vector<std::string> room_messages(const std::vector<protocol::ServerFrame>& frames) {
    std::vector<std::string> out;
    for (const auto& frame : frames) {
        const auto* push = std::get_if<protocol::MessagePush>(&frame);
        if (push != nullptr && push->topic == "room") out.push_back(push->data);
    }
    return out;
}

TEST(RealPlugins, ChatHandler_AnnouncesJoinsAndRelaysData) {
    EngineHarness harness(chat_manifest());
    TransportControls transport;

    const protocol::Reply reply = transport.connect(1);
    ASSERT_FALSE(reply.error.has_value());
    EXPECT_EQ(room_messages(transport.frames(1, 2)),
              std::vector<std::string>{reply.client + " joined the chat!!!"});

    protocol::SendCommand send;
    send.data = "hello room";
    transport.send(1, protocol::Command{2, send});
    const auto messages = room_messages(transport.frames(1, 4));
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages[1], "hello room");
}

#else

TEST(RealPlugins, ChatHandler_AnnouncesJoinsAndRelaysData) {
    GTEST_SKIP() << "plugins local, anonymous and chat are not part of this build";
}

#endif

}  // namespace
}  // namespace notify::runtime::test
