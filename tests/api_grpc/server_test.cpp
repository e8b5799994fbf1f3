// grpc_api against a real notifyd: every method through the generated stub, API keys, errors,
// and `notify-cli api` as a process. Ports 39620-39649.
#include <gtest/gtest.h>

#include <grpcpp/grpcpp.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "notify_api.grpc.pb.h"
#include "process.hpp"
#include "ws_client.hpp"

namespace notify::test {
namespace {

namespace v1 = notify::api::v1;
using Json = nlohmann::json;
using std::chrono::seconds;

constexpr const char* kKey = "test-key-1";

class ApiGrpcServer : public ::testing::Test {
protected:
    void start(unsigned short ws_port, unsigned short grpc_port, unsigned short http_port = 0) {
        ws_port_ = ws_port;
        grpc_port_ = grpc_port;
        write_file(dir_.path() / "keys.txt", "# the test's keys\nother-key\n" + std::string(kKey) + "\n");
        std::string manifest =
            "[app]\nid = \"apigrpc\"\n"
            "[topics]\nhistory_size = 10\n"
            "[namespaces.room]\npresence = true\n"
            "[[auth]]\nplugin = \"anonymous\"\nallow_user_id = true\n"
            "[[handler]]\nplugin = \"grpc_api\"\nlisten = \"127.0.0.1:" + std::to_string(grpc_port) +
            "\"\nkey_file = \"keys.txt\"\n"
            "[[transport]]\nplugin = \"websocket\"\nlisten = \"127.0.0.1:" + std::to_string(ws_port) +
            "\"\npath = \"/pubsub\"\n";
        if (http_port != 0) {
            manifest += "[[handler]]\nplugin = \"http_api\"\nlisten = \"127.0.0.1:" +
                        std::to_string(http_port) + "\"\nkey_file = \"keys.txt\"\n";
        }
        write_file(dir_.path() / "notify.toml", manifest);
        notifyd_ = std::make_unique<Process>(
            std::vector<std::string>{NOTIFYD_PATH, "--config", (dir_.path() / "notify.toml").string()},
            dir_.path(), "notifyd");
        ASSERT_TRUE(wait_for_port(ws_port, std::chrono::seconds(10)))
            << "notifyd did not listen; stderr:\n" << notifyd_->stderr_text();
        ASSERT_TRUE(wait_for_port(grpc_port, std::chrono::seconds(10)))
            << "grpc_api did not listen; stderr:\n" << notifyd_->stderr_text();
        stub_ = v1::Api::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port),
                                                     grpc::InsecureChannelCredentials()));
    }

    void TearDown() override {
        if (!notifyd_) return;
        notifyd_->signal(SIGTERM);
        EXPECT_EQ(notifyd_->wait_for(seconds(10)), 0)
            << "notifyd did not exit cleanly; stderr:\n" << notifyd_->stderr_text();
    }

    std::unique_ptr<grpc::ClientContext> context(const std::string& key = kKey) {
        auto made = std::make_unique<grpc::ClientContext>();
        made->set_deadline(std::chrono::system_clock::now() + seconds(5));
        if (!key.empty()) made->AddMetadata("authorization", "apikey " + key);
        return made;
    }

    static std::string trailer(const grpc::ClientContext& context, const std::string& key) {
        const auto& metadata = context.GetServerTrailingMetadata();
        const auto found = metadata.find(key);
        return found == metadata.end() ? "" : std::string(found->second.data(), found->second.size());
    }

    // A WebSocket client connected (and subscribed to `topics`); its client id in `client_id`.
    std::unique_ptr<WsClient> connect_ws(const std::vector<std::string>& topics,
                                         std::string& client_id) {
        auto client = std::make_unique<WsClient>(ws_port_, "/pubsub");
        client->send_text(R"({"id":1,"connect":{"user":"alice"}})");
        const auto reply = client->read_until("\"result\"", seconds(5));
        EXPECT_TRUE(reply.has_value());
        if (!reply) return client;
        client_id = Json::parse(*reply)["result"]["client"].get<std::string>();
        int id = 2;
        for (const std::string& topic : topics) {
            client->send_text(Json{{"id", id++}, {"subscribe", {{"topic", topic}}}}.dump());
            EXPECT_TRUE(client->read_until("\"id\":" + std::to_string(id - 1), seconds(5)));
        }
        return client;
    }

    static std::optional<Json> next_message(WsClient& client) {
        const auto text = client.read_until("\"message\"", seconds(5));
        if (!text) return std::nullopt;
        return Json::parse(*text)["push"]["message"];
    }

    std::string grpc_url() const { return "grpc://127.0.0.1:" + std::to_string(grpc_port_); }

    TempDir dir_;
    unsigned short ws_port_ = 0;
    unsigned short grpc_port_ = 0;
    std::unique_ptr<Process> notifyd_;
    std::unique_ptr<v1::Api::Stub> stub_;
};

TEST_F(ApiGrpcServer, PublishReachesASubscriberAtTheReturnedPosition) {
    start(39620, 39621);
    std::string client_id;
    auto subscriber = connect_ws({"chat"}, client_id);
    v1::PublishRequest request;
    request.set_topic("chat");
    request.set_data("hello");
    v1::PublishResult result;
    auto ctx = context();
    const grpc::Status status = stub_->Publish(ctx.get(), request, &result);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(result.positions_size(), 1);
    const auto message = next_message(*subscriber);
    ASSERT_TRUE(message.has_value());
    EXPECT_EQ((*message)["data"], "hello");
    EXPECT_EQ((*message)["offset"].get<std::uint64_t>(), result.positions(0).offset());
    EXPECT_EQ((*message)["epoch"].get<std::string>(), result.positions(0).epoch());
}

TEST_F(ApiGrpcServer, BinaryPayloadArrivesAsBase64AndHistoryGivesBytesBack) {
    start(39622, 39623);
    std::string client_id;
    auto subscriber = connect_ws({"chat"}, client_id);
    const std::string bytes("\xff\x00\x01", 3);
    v1::PublishRequest request;
    request.set_topic("chat");
    request.set_data(bytes);
    v1::PublishResult published;
    auto ctx = context();
    ASSERT_TRUE(stub_->Publish(ctx.get(), request, &published).ok());
    const auto message = next_message(*subscriber);
    ASSERT_TRUE(message.has_value());
    EXPECT_EQ((*message)["data_b64"], "/wAB");

    v1::HistoryRequest history;
    history.set_topic("chat");
    v1::HistoryResult kept;
    auto history_ctx = context();
    const grpc::Status status = stub_->History(history_ctx.get(), history, &kept);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(kept.publications_size(), 1);
    EXPECT_EQ(kept.publications(0).data(), bytes);
    EXPECT_EQ(kept.publications(0).offset(), published.positions(0).offset());
    EXPECT_EQ(kept.epoch(), published.positions(0).epoch());
}

TEST_F(ApiGrpcServer, DisconnectClosesTheClientWithTheCode) {
    start(39624, 39625);
    std::string client_id;
    auto client = connect_ws({}, client_id);
    v1::DisconnectRequest request;
    request.set_client(client_id);
    request.set_code(4005);
    request.set_reason("bye");
    v1::DisconnectResult result;
    auto ctx = context();
    const grpc::Status status = stub_->Disconnect(ctx.get(), request, &result);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(result.clients(), 1u);
    WsMessage message;
    for (int reads = 0; reads < 10; ++reads) {
        message = client->read(seconds(5));
        if (message.closed || message.timed_out) break;
    }
    ASSERT_TRUE(message.closed);
    EXPECT_EQ(message.close_code, 4005);
}

TEST_F(ApiGrpcServer, PresenceAndStatsNameTheSubscribedClient) {
    start(39626, 39627);
    std::string client_id;
    auto client = connect_ws({"room:1"}, client_id);
    v1::PresenceRequest request;
    request.set_topic("room:1");
    v1::PresenceResult result;
    auto ctx = context();
    const grpc::Status status = stub_->Presence(ctx.get(), request, &result);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(result.clients_size(), 1);
    EXPECT_EQ(result.clients(0).client(), client_id);
    EXPECT_EQ(result.clients(0).user(), "alice");

    v1::PresenceStatsRequest stats_request;
    stats_request.set_topic("room:1");
    v1::PresenceStatsResult stats;
    auto stats_ctx = context();
    ASSERT_TRUE(stub_->PresenceStats(stats_ctx.get(), stats_request, &stats).ok());
    EXPECT_EQ(stats.clients(), 1u);
    EXPECT_EQ(stats.users(), 1u);

    // Without presence = true: 108 not_found, NOT_FOUND with the code in the trailer.
    request.set_topic("chat");
    auto off_ctx = context();
    const grpc::Status off = stub_->Presence(off_ctx.get(), request, &result);
    EXPECT_EQ(off.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(trailer(*off_ctx, "notify-error-code"), "108");
}

TEST_F(ApiGrpcServer, ServerSideSubscribeUnsubscribeTopicsAndRefreshApplyToTheClient) {
    start(39628, 39629);
    std::string client_id;
    auto client = connect_ws({}, client_id);
    v1::SubscribeRequest subscribe;
    subscribe.set_client(client_id);
    subscribe.set_topic("news");
    v1::SubscribeResult subscribed;
    auto ctx = context();
    const grpc::Status status = stub_->Subscribe(ctx.get(), subscribe, &subscribed);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(subscribed.clients(), 1u);

    v1::TopicsRequest topics_request;
    v1::TopicsResult topics;
    auto topics_ctx = context();
    ASSERT_TRUE(stub_->Topics(topics_ctx.get(), topics_request, &topics).ok());
    ASSERT_EQ(topics.topics_size(), 1);
    EXPECT_EQ(topics.topics(0).topic(), "news");
    EXPECT_EQ(topics.topics(0).subscribers(), 1u);

    v1::BroadcastRequest broadcast;
    broadcast.add_topics("news");
    broadcast.add_topics("other");
    broadcast.set_data("flash");
    v1::BroadcastResult broadcasted;
    auto broadcast_ctx = context();
    ASSERT_TRUE(stub_->Broadcast(broadcast_ctx.get(), broadcast, &broadcasted).ok());
    ASSERT_EQ(broadcasted.results_size(), 2);
    const auto message = next_message(*client);
    ASSERT_TRUE(message.has_value());
    EXPECT_EQ((*message)["data"], "flash");
    EXPECT_EQ((*message)["offset"].get<std::uint64_t>(), broadcasted.results(0).offset());

    v1::RefreshRequest refresh;
    refresh.set_client(client_id);
    refresh.set_ttl_ms(60'000);
    v1::RefreshResult refreshed;
    auto refresh_ctx = context();
    const grpc::Status refresh_status = stub_->Refresh(refresh_ctx.get(), refresh, &refreshed);
    ASSERT_TRUE(refresh_status.ok()) << refresh_status.error_message();
    EXPECT_GT(refreshed.expires_at_ms(), 0);

    v1::UnsubscribeRequest unsubscribe;
    unsubscribe.set_client(client_id);
    unsubscribe.set_topic("news");
    v1::UnsubscribeResult unsubscribed;
    auto unsubscribe_ctx = context();
    ASSERT_TRUE(stub_->Unsubscribe(unsubscribe_ctx.get(), unsubscribe, &unsubscribed).ok());
    EXPECT_EQ(unsubscribed.clients(), 1u);

    v1::HistoryRemoveRequest remove;
    remove.set_topic("news");
    v1::HistoryRemoveResult removed;
    auto remove_ctx = context();
    const grpc::Status remove_status = stub_->HistoryRemove(remove_ctx.get(), remove, &removed);
    EXPECT_TRUE(remove_status.ok()) << remove_status.error_message();

    v1::InfoRequest info_request;
    v1::InfoResult info;
    auto info_ctx = context();
    const grpc::Status info_status = stub_->Info(info_ctx.get(), info_request, &info);
    ASSERT_TRUE(info_status.ok()) << info_status.error_message();
    EXPECT_TRUE(info.has_node());
}

TEST_F(ApiGrpcServer, BatchAnswersAGoodAndABadItemEachOnItsOwn) {
    start(39630, 39631);
    v1::BatchRequest request;
    auto* publish = request.add_commands()->mutable_publish();
    publish->set_topic("chat");
    publish->set_data("x");
    request.add_commands()->mutable_presence()->set_topic("chat");  // no presence: 108
    v1::BatchResult result;
    auto ctx = context();
    const grpc::Status status = stub_->Batch(ctx.get(), request, &result);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(result.replies_size(), 2);
    ASSERT_TRUE(result.replies(0).has_publish());
    EXPECT_EQ(result.replies(0).publish().positions_size(), 1);
    ASSERT_TRUE(result.replies(1).has_error());
    EXPECT_EQ(result.replies(1).error().code(), 108u);
}

TEST_F(ApiGrpcServer, WrongOrMissingKeyIsUnauthenticated) {
    start(39632, 39633);
    v1::InfoRequest request;
    v1::InfoResult result;
    for (const std::string key : {"", "wrong-key", "test-key-"}) {
        auto ctx = context(key);
        const grpc::Status status = stub_->Info(ctx.get(), request, &result);
        EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << key;
        EXPECT_EQ(trailer(*ctx, "notify-error-code"), "101");
    }
    auto good = context("other-key");
    EXPECT_TRUE(stub_->Info(good.get(), request, &result).ok());
}

TEST_F(ApiGrpcServer, BadParametersAreInvalidArgumentWithTheHostsMessage) {
    start(39634, 39635);
    v1::PublishRequest request;  // no target
    request.set_data("x");
    v1::PublishResult result;
    auto ctx = context();
    const grpc::Status status = stub_->Publish(ctx.get(), request, &result);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(trailer(*ctx, "notify-error-code"), "102");
    EXPECT_FALSE(status.error_message().empty());
}

TEST_F(ApiGrpcServer, CliPublishOverGrpcReachesASubscriber) {
    start(39636, 39637);
    std::string client_id;
    auto subscriber = connect_ws({"chat"}, client_id);
    Process cli({NOTIFY_CLI_PATH, "api", grpc_url(), "publish", R"({"topic":"chat","data":"x"})",
                 "--key", kKey, "--timeout", "5"},
                dir_.path(), "cli");
    ASSERT_EQ(cli.wait_for(seconds(10)), 0) << cli.stderr_text();
    const Json printed = Json::parse(cli.stdout_text());
    ASSERT_EQ(printed["positions"].size(), 1u) << cli.stdout_text();
    const auto message = next_message(*subscriber);
    ASSERT_TRUE(message.has_value());
    EXPECT_EQ((*message)["data"], "x");
    EXPECT_EQ((*message)["offset"], printed["positions"][0]["offset"]);
}

TEST_F(ApiGrpcServer, CliRefusesAnUnknownFieldAndAWrongKey) {
    start(39638, 39639);
    Process unknown({NOTIFY_CLI_PATH, "api", grpc_url(), "publish",
                     R"({"topic":"chat","data":"x","bogus":1})", "--key", kKey, "--timeout", "5"},
                    dir_.path(), "unknown");
    EXPECT_EQ(unknown.wait_for(seconds(10)), 2);
    EXPECT_EQ(Json::parse(unknown.stdout_text())["error"]["code"], 102) << unknown.stdout_text();
    EXPECT_NE(unknown.stderr_text().find("bogus"), std::string::npos) << unknown.stderr_text();

    Process wrong({NOTIFY_CLI_PATH, "api", grpc_url(), "info", "--key", "nope", "--timeout", "5"},
                  dir_.path(), "wrong");
    EXPECT_EQ(wrong.wait_for(seconds(10)), 2);
    EXPECT_EQ(Json::parse(wrong.stdout_text())["error"]["code"], 101) << wrong.stdout_text();
}

#ifdef NOTIFY_HAVE_HTTP_API
TEST_F(ApiGrpcServer, CliPublishOverHttpReachesASubscriber) {
    start(39640, 39641, 39642);
    ASSERT_TRUE(wait_for_port(39642, std::chrono::seconds(10)));
    std::string client_id;
    auto subscriber = connect_ws({"chat"}, client_id);
    Process cli({NOTIFY_CLI_PATH, "api", "http://127.0.0.1:39642", "publish",
                 R"({"topic":"chat","data":"y"})", "--key", kKey, "--timeout", "5"},
                dir_.path(), "cli");
    ASSERT_EQ(cli.wait_for(seconds(10)), 0) << cli.stderr_text();
    const auto message = next_message(*subscriber);
    ASSERT_TRUE(message.has_value());
    EXPECT_EQ((*message)["data"], "y");
}
#endif

}  // namespace
}  // namespace notify::test
