// Plugins built against the frozen ABI 1.0 and 1.1 headers (tests/loader/frozen) run in a
// current notifyd: their handler sees events and acts on the model through the old host table.
#include <gtest/gtest.h>

#include "notifyd_fixture.hpp"
#include "ws_client.hpp"

namespace notify::test {
namespace {

using std::chrono::seconds;

class OldPluginsTest : public NotifydTest,
                       public ::testing::WithParamInterface<std::pair<const char*, unsigned short>> {
};

TEST_P(OldPluginsTest, AHandlerBuiltForAnOldMinorSubscribesAndReplies) {
    const auto [plugin_path, port] = GetParam();
    std::string manifest = chat_manifest(port);
    const std::string chat = "[[handler]]\nplugin = \"chat\"\n";
    manifest.replace(manifest.find(chat), chat.size(),
                     std::string("[[handler]]\nplugin = \"") + plugin_path +
                         "\"\ntopic = \"old\"\nprefix = \"re: \"\n");
    start_notifyd(port, manifest);

    WsClient client(port, "/pubsub");
    client.send_text(R"({"id":1,"connect":{}})");
    ASSERT_TRUE(client.read_until("\"id\":1", std::chrono::seconds(10)).has_value());
    // The handler subscribed the client to `old` on connect: a publish there reaches it.
    client.send_text(R"({"id":2,"publish":{"topic":"old","data":"to everyone"}})");
    const auto message = client.read_until("\"push\"", std::chrono::seconds(10));
    ASSERT_TRUE(message.has_value());
    EXPECT_NE(message->find(R"("topic":"old")"), std::string::npos) << *message;
    EXPECT_NE(message->find(R"("data":"to everyone")"), std::string::npos) << *message;
    // What the client sends comes back to it alone, with the manifest's prefix.
    client.send_text(R"({"id":3,"send":{"data":"ping"}})");
    const auto reply = client.read_until("re: ping", std::chrono::seconds(10));
    ASSERT_TRUE(reply.has_value()) << notifyd_->stderr_text();
}

INSTANTIATE_TEST_SUITE_P(
    FrozenHeaders, OldPluginsTest,
    ::testing::Values(std::make_pair(FIXTURE_HANDLER_1_0_PATH, static_cast<unsigned short>(39468)),
                      std::make_pair(FIXTURE_HANDLER_1_1_PATH, static_cast<unsigned short>(39469))),
    [](const auto& param_info) { return param_info.index == 0 ? std::string("Abi10") : std::string("Abi11"); });

}  // namespace
}  // namespace notify::test
