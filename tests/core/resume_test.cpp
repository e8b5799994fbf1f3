// Sessions that survive a reconnect: what an inactive client missed is delivered on resume.
#include "core_fixture.hpp"

namespace notify::core::testing {
namespace {

class ResumeTest : public CoreTest {
  protected:
    ResumeTest() {
        config.clients.ttl = std::chrono::milliseconds(10'000);
        config.clients.invalidation_time = std::chrono::milliseconds(30'000);
        config.clients.buffer_size = 3;
    }

    // Reconnects the client on a new connection with its id and resume token.
    nlohmann::json resume(ConnectedClient& client, std::uint64_t conn) {
        client.conn = open(conn);
        protocol::ConnectCommand command;
        command.client = client.client;
        command.resume = client.resume;
        const std::uint64_t id = send(client.conn, command);
        nlohmann::json reply = reply_to(client.conn, id);
        if (reply.contains("result")) client.resume = reply["result"]["resume"].get<std::string>();
        return reply;
    }

    std::vector<std::string> payloads_to(ConnectionRef conn) const {
        std::vector<std::string> payloads;
        for (const nlohmann::json& message : messages_to(conn)) {
            payloads.push_back(message["data"].get<std::string>());
        }
        return payloads;
    }
};

TEST_F(ResumeTest, ResumedClientGetsWhatItMissedInOrderAfterTheConnectReply) {
    ConnectedClient client = open_client(1);
    subscribe(client.conn, "news");
    core().connection_closed(client.conn, NOTIFY_CLOSE_ABNORMAL);
    core().publish(PublishTargets{{"news"}, {}, {}}, "one");
    core().publish(PublishTargets{{}, {client.client}, {}}, "direct");
    core().publish(PublishTargets{{"news"}, {}, {}}, "two");
    EXPECT_EQ(core().stats().deliveries, 0U);

    const nlohmann::json reply = resume(client, 2);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_EQ(reply["result"]["client"], client.client);
    EXPECT_EQ(reply["result"]["resumed"], true);
    EXPECT_FALSE(reply["result"].contains("overflow"));
    const std::vector<std::string> frames = env.frames_to(client.conn);
    ASSERT_EQ(frames.size(), 4U);
    EXPECT_TRUE(nlohmann::json::parse(frames[0]).contains("result"));
    EXPECT_EQ(payloads_to(client.conn), (std::vector<std::string>{"one", "direct", "two"}));
    EXPECT_EQ(core().client_topics(client.client), std::vector<std::string>{"news"});

    // Delivered once: a second resume has nothing left to send.
    core().connection_closed(client.conn, NOTIFY_CLOSE_ABNORMAL);
    resume(client, 3);
    EXPECT_TRUE(messages_to(client.conn).empty());
}

TEST_F(ResumeTest, FreshConnectIsNotResumed) {
    const ConnectedClient client = open_client(1);
    const nlohmann::json reply = last_frame(client.conn);
    EXPECT_FALSE(reply["result"].contains("resumed"));
}

TEST_F(ResumeTest, OverflowDeliversNothingAndHoldsLiveMessagesUntilTheClientRecovers) {
    ConnectedClient client = open_client(1);
    subscribe(client.conn, "news");
    core().publish(PublishTargets{{"news"}, {}, {}}, "seen");
    core().connection_closed(client.conn, NOTIFY_CLOSE_ABNORMAL);
    for (int i = 1; i <= 4; ++i) {
        core().publish(PublishTargets{{"news"}, {}, {}}, "missed-" + std::to_string(i));
    }
    EXPECT_EQ(core().stats().buffer_overflows, 1U);

    const nlohmann::json reply = resume(client, 2);
    EXPECT_EQ(reply["result"]["overflow"], true);
    EXPECT_TRUE(messages_to(client.conn).empty());
    core().publish(PublishTargets{{"news"}, {}, {}}, "live-held");
    EXPECT_TRUE(messages_to(client.conn).empty());

    // Recovery from the last seen position brings every missed message exactly once, then live.
    const nlohmann::json recovered = subscribe_since(client.conn, "news", 1, "epoch-1");
    EXPECT_EQ(recovered["result"]["recovered"], true);
    EXPECT_EQ(recovered["result"]["offset"], 6);
    core().publish(PublishTargets{{"news"}, {}, {}}, "live");
    EXPECT_EQ(payloads_to(client.conn),
              (std::vector<std::string>{"missed-1", "missed-2", "missed-3", "missed-4",
                                        "live-held", "live"}));
}

TEST_F(ResumeTest, SubscribingAgainWithoutPositionAfterOverflowGoesOnLive) {
    ConnectedClient client = open_client(1);
    subscribe(client.conn, "news");
    core().connection_closed(client.conn, NOTIFY_CLOSE_ABNORMAL);
    for (int i = 0; i < 4; ++i) core().publish(PublishTargets{{"news"}, {}, {}}, "missed");
    resume(client, 2);
    EXPECT_TRUE(subscribe(client.conn, "news").contains("result"));
    core().publish(PublishTargets{{"news"}, {}, {}}, "live");
    EXPECT_EQ(payloads_to(client.conn), std::vector<std::string>{"live"});
}

TEST_F(ResumeTest, WrongResumeTokenIsRefusedAndLeavesTheSessionAlone) {
    ConnectedClient client = open_client(1);
    subscribe(client.conn, "news");
    core().connection_closed(client.conn, NOTIFY_CLOSE_ABNORMAL);
    core().publish(PublishTargets{{"news"}, {}, {}}, "kept");

    ConnectedClient intruder = client;
    intruder.resume = "not-the-token";
    const nlohmann::json refused = resume(intruder, 2);
    EXPECT_EQ(error_code(refused), 101U);
    EXPECT_TRUE(messages_to(intruder.conn).empty());
    EXPECT_EQ(core().client_state(client.client), ClientState::inactive);

    const nlohmann::json reply = resume(client, 3);
    EXPECT_EQ(reply["result"]["resumed"], true);
    EXPECT_EQ(payloads_to(client.conn), std::vector<std::string>{"kept"});
}

TEST_F(ResumeTest, ResumeTokenOfAnotherClientIsRefused) {
    ConnectedClient first = open_client(1);
    ConnectedClient second = open_client(2);
    core().connection_closed(first.conn, NOTIFY_CLOSE_ABNORMAL);
    ConnectedClient forged = first;
    forged.resume = second.resume;
    EXPECT_EQ(error_code(resume(forged, 3)), 101U);
    EXPECT_EQ(core().client_state(first.client), ClientState::inactive);
    EXPECT_EQ(core().client_state(second.client), ClientState::active);
}

TEST_F(ResumeTest, ExpiredSessionCannotBeResumedAndItsBufferIsGone) {
    ConnectedClient client = open_client(1);
    subscribe(client.conn, "news");
    core().connection_closed(client.conn, NOTIFY_CLOSE_ABNORMAL);
    core().publish(PublishTargets{{"news"}, {}, {}}, "lost");
    env.clock_ms += 10'000;
    core().clean();
    const nlohmann::json refused = resume(client, 2);
    EXPECT_EQ(error_code(refused), 101U);
    EXPECT_EQ(refused["error"]["message"], "client id invalidated");
    EXPECT_TRUE(messages_to(client.conn).empty());
}

TEST_F(ResumeTest, InvalidatedIdIsForgottenAfterInvalidationTime) {
    ConnectedClient client = open_client(1);
    core().connection_closed(client.conn, NOTIFY_CLOSE_ABNORMAL);
    env.clock_ms += 10'000;
    core().clean();
    env.clock_ms += 30'000;
    core().clean();
    EXPECT_EQ(core().client_state(client.client), std::nullopt);
    EXPECT_EQ(error_code(resume(client, 2)), 101U);  // unknown now, still not someone's session
}

TEST_F(ResumeTest, NewerConnectionReplacesTheOlderAndTheStaleCloseIsIgnored) {
    ConnectedClient client = open_client(1);
    const ConnectionRef older = client.conn;
    const nlohmann::json reply = resume(client, 2);
    EXPECT_EQ(reply["result"]["resumed"], true);
    core().connection_closed(older, NOTIFY_CLOSE_NORMAL);
    EXPECT_EQ(core().client_state(client.client), ClientState::active);
    core().publish(PublishTargets{{}, {client.client}, {}}, "live");
    EXPECT_EQ(payloads_to(client.conn), std::vector<std::string>{"live"});
}

// The replaced connection may have died unnoticed with messages in flight: the resume says
// overflow, and the client recovers exactly from what it saw.
TEST_F(ResumeTest, ReplacingALiveConnectionAsksTheClientToRecover) {
    ConnectedClient client = open_client(1);
    subscribe(client.conn, "news");
    core().publish(PublishTargets{{"news"}, {}, {}}, "maybe-lost");
    const nlohmann::json reply = resume(client, 2);
    EXPECT_EQ(reply["result"]["overflow"], true);
    core().publish(PublishTargets{{"news"}, {}, {}}, "held");
    EXPECT_TRUE(messages_to(client.conn).empty());
    EXPECT_EQ(subscribe_since(client.conn, "news", 0, "epoch-1")["result"]["recovered"], true);
    EXPECT_EQ(payloads_to(client.conn), (std::vector<std::string>{"maybe-lost", "held"}));
}

TEST_F(ResumeTest, LeavingAgainBeforeRecoveringOverflowsAgainInsteadOfLosingMessages) {
    ConnectedClient client = open_client(1);
    subscribe(client.conn, "news");
    core().connection_closed(client.conn, NOTIFY_CLOSE_ABNORMAL);
    for (int i = 0; i < 4; ++i) core().publish(PublishTargets{{"news"}, {}, {}}, "missed");
    EXPECT_EQ(resume(client, 2)["result"]["overflow"], true);
    core().connection_closed(client.conn, NOTIFY_CLOSE_ABNORMAL);
    core().publish(PublishTargets{{"news"}, {}, {}}, "again");
    EXPECT_EQ(resume(client, 3)["result"]["overflow"], true);
    EXPECT_EQ(subscribe_since(client.conn, "news", 0, "epoch-1")["result"]["recovered"], true);
    EXPECT_EQ(payloads_to(client.conn),
              (std::vector<std::string>{"missed", "missed", "missed", "missed", "again"}));
}

}  // namespace
}  // namespace notify::core::testing
