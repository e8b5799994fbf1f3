// The webhook plugin inside a real notifyd: a WebSocket client's lifecycle reaches the backend
// as signed batches, each event once.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "notifyd_fixture.hpp"
#include "webhook_backend.hpp"
#include "ws_client.hpp"

namespace notify::test {
namespace {

using Json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr unsigned short kWebhookPort = 39650;
constexpr const char* kSecret = "e2e-webhook-secret";

std::string signature_of(const std::string& body) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), kSecret, static_cast<int>(std::char_traits<char>::length(kSecret)),
         reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &len);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "sha256=";
    for (unsigned int i = 0; i < len; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0x0f];
    }
    return out;
}

class WebhookE2E : public NotifydTest {};

TEST_F(WebhookE2E, BackendReceivesTheClientLifecycleSignedAndOnce) {
    WebhookBackend backend;
    // notifyd inherits the environment: the secret travels the way an operator would pass it.
    ::setenv("NOTIFY_WEBHOOK_E2E_SECRET", kSecret, 1);
    std::string manifest = chat_manifest(kWebhookPort);
    const std::string chat = "[[handler]]\nplugin = \"chat\"\n";
    manifest.replace(manifest.find(chat), chat.size(),
                     "[[handler]]\nplugin = \"webhook\"\nurl = \"" + backend.url("/events") +
                         "\"\nsecret_env = \"NOTIFY_WEBHOOK_E2E_SECRET\"\n"
                         "batch_delay = \"20ms\"\n");
    start_notifyd(kWebhookPort, manifest);

    {
        WsClient client(kWebhookPort, "/pubsub");
        client.send_text(R"({"id":1,"connect":{}})");
        ASSERT_TRUE(client.read_until("\"id\":1", seconds(5)).has_value());
        client.send_text(R"({"id":2,"subscribe":{"topic":"news"}})");
        ASSERT_TRUE(client.read_until("\"id\":2", seconds(5)).has_value());
        client.send_text(R"({"id":3,"unsubscribe":{"topic":"news"}})");
        ASSERT_TRUE(client.read_until("\"id\":3", seconds(5)).has_value());
    }  // the client goes away

    ASSERT_TRUE(backend.wait_for_delivered_events(4, seconds(10))) << "notifyd stderr:\n"
                                                                   << notifyd_->stderr_text();
    std::this_thread::sleep_for(milliseconds{300});  // a duplicate would come now

    std::map<std::string, std::vector<Json>> by_type;
    std::string client_id;
    for (const WebhookRequest& request : backend.received()) {
        EXPECT_EQ(request.target, "/events");
        EXPECT_EQ(request.signature, signature_of(request.body)) << request.body;
        const Json body = Json::parse(request.body);
        EXPECT_EQ(body["delivery_id"], request.delivery);
        for (const Json& event : body["events"]) {
            by_type[event["type"]].push_back(event);
            if (client_id.empty()) client_id = event.value("client", "");
        }
    }
    ASSERT_EQ(by_type["connect"].size(), 1u);
    ASSERT_EQ(by_type["subscribe"].size(), 1u);
    ASSERT_EQ(by_type["unsubscribe"].size(), 1u);
    ASSERT_EQ(by_type["inactivate"].size(), 1u);
    EXPECT_EQ(by_type.size(), 4u) << "unexpected event types";
    EXPECT_FALSE(client_id.empty());
    for (const auto& [type, events] : by_type) {
        EXPECT_EQ(events[0].value("client", ""), client_id) << type;
    }
    EXPECT_EQ(by_type["subscribe"][0]["topic"], "news");
    EXPECT_EQ(by_type["unsubscribe"][0]["topic"], "news");
    EXPECT_EQ(by_type["inactivate"][0].value("reason", ""), "closed")
        << by_type["inactivate"][0].dump();
}

}  // namespace
}  // namespace notify::test
