// The server API (docs/api.md) as the core answers it: results, strict parameters, batches, and
// what the methods do to real clients.
#include <optional>

#include "core_fixture.hpp"

namespace notify::core::testing {
namespace {

class ApiTest : public CoreTest {
  protected:
    ApiTest() {
        host::NamespaceSpec room;
        room.name = "room";
        room.presence = true;
        room.history_size = 100;
        config.namespaces.push_back(room);
        config.default_namespace.history_size = 100;
    }

    // Runs one request; the reply must have come (the fake broker answers at once).
    ApiReply call(std::string_view method, std::string_view params) {
        std::optional<ApiReply> answer;
        core().api_call(method, params, [&](ApiReply reply) {
            EXPECT_FALSE(answer.has_value()) << "answered twice";
            answer = std::move(reply);
        });
        EXPECT_TRUE(answer.has_value()) << method << " was not answered";
        return answer.value_or(ApiReply{999, "no answer", {}});
    }

    nlohmann::json result_of(std::string_view method, std::string_view params) {
        const ApiReply reply = call(method, params);
        EXPECT_EQ(reply.error_code, 0U) << reply.message;
        return reply.error_code == 0 ? nlohmann::json::parse(reply.result) : nlohmann::json{};
    }
};

TEST_F(ApiTest, PublishReturnsThePositionsTheSubscribersSee) {
    const ConnectedClient ann = open_client(1);
    subscribe(ann.conn, "news");
    subscribe(ann.conn, "sport");
    const nlohmann::json result =
        result_of("publish", R"({"topics":["news","sport"],"data":"goal"})");
    ASSERT_EQ(result["positions"].size(), 2U);
    EXPECT_EQ(result["positions"][0]["topic"], "news");
    EXPECT_EQ(result["positions"][0]["offset"], 1);
    EXPECT_EQ(result["positions"][0]["epoch"], env.epoch);
    EXPECT_EQ(result["positions"][1]["topic"], "sport");
    // One publish reaches a connection once, whatever the overlap.
    const std::vector<nlohmann::json> messages = messages_to(ann.conn);
    ASSERT_EQ(messages.size(), 1U);
    EXPECT_EQ(messages[0]["data"], "goal");
}

TEST_F(ApiTest, PublishCarriesBinaryPayloadsThroughDataB64) {
    const ConnectedClient ann = open_client(1);
    subscribe(ann.conn, "bin");
    result_of("publish", R"({"topic":"bin","data_b64":"AP8="})");
    EXPECT_EQ(env.broker_calls.back().payload, std::string("\x00\xff", 2));
    const nlohmann::json history = result_of("history", R"({"topic":"bin"})");
    EXPECT_EQ(history["publications"][0]["data_b64"], "AP8=");
}

TEST_F(ApiTest, PublishToAUserReachesItsClients) {
    const ConnectedClient ann = open_client(1, "user:ann");
    const nlohmann::json result = result_of("publish", R"({"users":["ann"],"data":"hi"})");
    EXPECT_TRUE(result["positions"].empty());
    ASSERT_EQ(messages_to(ann.conn).size(), 1U);
}

TEST_F(ApiTest, StrictParametersNameTheFieldThatIsWrong) {
    EXPECT_EQ(call("nope", "{}").error_code, 103U);
    const ApiReply unknown = call("publish", R"({"topic":"a","data":"x","colour":1})");
    EXPECT_EQ(unknown.error_code, 102U);
    EXPECT_EQ(unknown.message, "publish.colour: unknown field");
    const ApiReply bad_topic = call("publish", R"({"topics":["ok",""],"data":"x"})");
    EXPECT_EQ(bad_topic.error_code, 102U);
    EXPECT_NE(bad_topic.message.find("publish.topics[1]"), std::string::npos) << bad_topic.message;
    EXPECT_EQ(call("publish", R"({"data":"x"})").error_code, 102U);
    EXPECT_EQ(call("publish", "[1]").error_code, 102U);
    EXPECT_EQ(call("publish", "{not json").error_code, 102U);
    EXPECT_EQ(call("history", R"({"topic":"a","limit":-1})").error_code, 102U);
    EXPECT_EQ(call("publish", R"({"topic":"a","data":"x","data_b64":"eA=="})").error_code, 102U);
    EXPECT_TRUE(env.broker_calls.empty());
}

TEST_F(ApiTest, OversizedPayloadIsTooLarge) {
    config.limits.max_payload_size = 4;
    EXPECT_EQ(call("publish", R"({"topic":"a","data":"12345"})").error_code, 109U);
}

TEST_F(ApiTest, SixtyFourBitIntegersMayBeDecimalStrings) {
    result_of("publish", R"({"topic":"a","data":"1"})");
    result_of("publish", R"({"topic":"a","data":"2"})");
    const nlohmann::json history = result_of("history", R"({"topic":"a","limit":"1"})");
    ASSERT_EQ(history["publications"].size(), 1U);
    EXPECT_EQ(history["publications"][0]["offset"], 2);
}

TEST_F(ApiTest, BrokerFailureIsAnInternalError) {
    env.on_broker_publish = [](std::string_view) {
        PublishOutcome outcome;
        outcome.kind = PublishOutcome::Kind::failed;
        outcome.error = "disk full";
        return outcome;
    };
    const ApiReply reply = call("publish", R"({"topic":"a","data":"x"})");
    EXPECT_EQ(reply.error_code, 100U);
    EXPECT_NE(reply.message.find("disk full"), std::string::npos);
}

TEST_F(ApiTest, PendingBrokerPublishAnswersWhenTheBrokerDoes) {
    env.on_broker_publish = [](std::string_view) {
        PublishOutcome outcome;
        outcome.kind = PublishOutcome::Kind::pending;
        return outcome;
    };
    std::optional<ApiReply> answer;
    core().api_call("publish", R"({"topic":"a","data":"x"})",
                    [&](ApiReply reply) { answer = std::move(reply); });
    EXPECT_FALSE(answer.has_value());
    core().complete_publish(env.broker_calls.back().request_id,
                            PublishOutcome{PublishOutcome::Kind::done, 7, "e1", {}});
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(nlohmann::json::parse(answer->result)["positions"][0]["offset"], 7);
}

TEST_F(ApiTest, BroadcastAnswersPerTopic) {
    env.on_broker_publish = [](std::string_view topic) {
        PublishOutcome outcome;
        if (topic == "broken") {
            outcome.kind = PublishOutcome::Kind::failed;
            outcome.error = "no";
        } else {
            outcome.kind = PublishOutcome::Kind::done;
            outcome.offset = 1;
            outcome.epoch = "e";
        }
        return outcome;
    };
    const nlohmann::json result =
        result_of("broadcast", R"({"topics":["a","broken","b"],"data":"x"})");
    ASSERT_EQ(result["results"].size(), 3U);
    EXPECT_EQ(result["results"][0]["offset"], 1);
    EXPECT_EQ(result["results"][1]["topic"], "broken");
    EXPECT_EQ(result["results"][1]["error"]["code"], 100);
    EXPECT_EQ(result["results"][2]["topic"], "b");
}

TEST_F(ApiTest, SubscribeAndUnsubscribeAClientOrAUser) {
    const ConnectedClient ann = open_client(1, "user:ann");
    const ConnectedClient ann2 = open_client(2, "user:ann");
    EXPECT_EQ(result_of("subscribe", R"({"client":")" + ann.client + R"(","topic":"x"})")["clients"], 1);
    EXPECT_EQ(core().topic_subscribers("x").size(), 1U);
    EXPECT_EQ(result_of("subscribe", R"({"user":"ann","topic":"y"})")["clients"], 2);
    EXPECT_EQ(core().topic_subscribers("y").size(), 2U);
    EXPECT_EQ(result_of("unsubscribe", R"({"user":"ann","topic":"y"})")["clients"], 2);
    EXPECT_TRUE(core().topic_subscribers("y").empty());
    EXPECT_EQ(result_of("subscribe", R"({"client":"nobody","topic":"x"})")["clients"], 0);
    EXPECT_EQ(call("subscribe", R"({"client":"a","user":"b","topic":"x"})").error_code, 102U);
    (void)ann2;
}

TEST_F(ApiTest, DisconnectKicksWithTheCodeAndTellsHandlersWhy) {
    const ConnectedClient ann = open_client(1);
    const nlohmann::json result = result_of(
        "disconnect", R"({"client":")" + ann.client + R"(","code":4100,"reason":"banned"})");
    EXPECT_EQ(result["clients"], 1);
    ASSERT_EQ(env.closes.size(), 1U);
    EXPECT_EQ(env.closes[0].code, 4100);
    EXPECT_EQ(env.closes[0].reason, "banned");
    const std::vector<RecordedEvent> gone = env.events_of(NOTIFY_EVENT_DISCONNECT);
    ASSERT_EQ(gone.size(), 1U);
    EXPECT_EQ(gone[0].reason, NOTIFY_REASON_KICKED);
    EXPECT_EQ(gone[0].close_code, 4100);
    EXPECT_EQ(call("disconnect", R"({"client":"x","code":1000})").error_code, 102U);
}

TEST_F(ApiTest, ConnectionLossTellsHandlersHowItEnded) {
    const ConnectedClient ann = open_client(1);
    const ConnectedClient bob = open_client(2);
    core().connection_closed(ann.conn, NOTIFY_CLOSE_NORMAL);
    core().connection_closed(bob.conn, NOTIFY_CLOSE_SLOW_CONSUMER);
    const std::vector<RecordedEvent> lost = env.events_of(NOTIFY_EVENT_INACTIVATE);
    ASSERT_EQ(lost.size(), 2U);
    EXPECT_EQ(lost[0].reason, NOTIFY_REASON_CLOSED);
    EXPECT_EQ(lost[0].close_code, NOTIFY_CLOSE_NORMAL);
    EXPECT_EQ(lost[1].reason, NOTIFY_REASON_SLOW);
}

TEST_F(ApiTest, RefreshSetsTheExpiryOfAConnectedClient) {
    const ConnectedClient ann = open_client(1);
    const nlohmann::json result =
        result_of("refresh", R"({"client":")" + ann.client + R"(","ttl_ms":60000})");
    EXPECT_EQ(result["expires_at_ms"], env.clock_ms + 60000);
    EXPECT_EQ(call("refresh", R"({"client":"ghost","ttl_ms":1})").error_code, 108U);
    EXPECT_EQ(call("refresh", R"({"client":"ghost"})").error_code, 102U);
}

TEST_F(ApiTest, PresenceMatchesTheSubscribedClients) {
    const ConnectedClient ann = open_client(1, "user:ann");
    subscribe(ann.conn, "room:1");
    const nlohmann::json presence = result_of("presence", R"({"topic":"room:1"})");
    ASSERT_EQ(presence["clients"].size(), 1U);
    EXPECT_EQ(presence["clients"][0]["client"], ann.client);
    EXPECT_EQ(presence["clients"][0]["user"], "ann");
    const nlohmann::json stats = result_of("presence_stats", R"({"topic":"room:1"})");
    EXPECT_EQ(stats["clients"], 1);
    EXPECT_EQ(stats["users"], 1);
    EXPECT_EQ(call("presence", R"({"topic":"news"})").error_code, 108U);
}

TEST_F(ApiTest, HistoryReadsLastSinceAndReverse) {
    for (int i = 1; i <= 5; ++i) {
        result_of("publish", R"({"topic":"h","data":"m)" + std::to_string(i) + R"("})");
    }
    const nlohmann::json last = result_of("history", R"({"topic":"h","limit":2})");
    ASSERT_EQ(last["publications"].size(), 2U);
    EXPECT_EQ(last["publications"][0]["data"], "m4");
    EXPECT_EQ(last["offset"], 5);
    const nlohmann::json since = result_of(
        "history", R"({"topic":"h","since":{"offset":3,"epoch":")" + env.epoch + R"("},"reverse":true})");
    ASSERT_EQ(since["publications"].size(), 2U);
    EXPECT_EQ(since["publications"][0]["offset"], 5);
    EXPECT_EQ(call("history", R"({"topic":"h","since":{"offset":1,"epoch":"zzzz"}})").error_code,
              110U);
}

TEST_F(ApiTest, HistoryRemoveWithoutBrokerSupportIsUnknown) {
    EXPECT_EQ(call("history_remove", R"({"topic":"h"})").error_code, 103U);
}

TEST_F(ApiTest, TopicsListsSubscribedTopicsByPattern) {
    const ConnectedClient ann = open_client(1);
    const ConnectedClient bob = open_client(2);
    subscribe(ann.conn, "chat:1");
    subscribe(bob.conn, "chat:1");
    subscribe(bob.conn, "chat:2");
    subscribe(bob.conn, "news");
    const nlohmann::json chats = result_of("topics", R"({"pattern":"chat:*"})");
    ASSERT_EQ(chats["topics"].size(), 2U);
    EXPECT_EQ(chats["topics"][0]["topic"], "chat:1");
    EXPECT_EQ(chats["topics"][0]["subscribers"], 2);
    EXPECT_EQ(result_of("topics", R"({"limit":1})")["topics"].size(), 1U);
    EXPECT_EQ(result_of("topics", "")["topics"].size(), 3U);
}

TEST_F(ApiTest, BatchRunsEachCommandAndAnswersEach) {
    const ConnectedClient ann = open_client(1);
    subscribe(ann.conn, "b");
    for (const char* parallel : {"false", "true"}) {
        const nlohmann::json result = result_of(
            "batch", std::string(R"({"parallel":)") + parallel +
                         R"(,"commands":[{"method":"publish","params":{"topic":"b","data":"1"}},
                                          {"method":"publish","params":{"topic":"b","bad":1}},
                                          {"method":"nope"},
                                          {"method":"publish","params":{"topic":"b","data":"2"}}]})");
        ASSERT_EQ(result["replies"].size(), 4U) << parallel;
        EXPECT_TRUE(result["replies"][0].contains("result"));
        EXPECT_EQ(result["replies"][1]["error"]["code"], 102);
        EXPECT_EQ(result["replies"][2]["error"]["code"], 103);
        EXPECT_TRUE(result["replies"][3].contains("result"));
    }
    EXPECT_EQ(messages_to(ann.conn).size(), 4U);
    EXPECT_EQ(call("batch", R"({"commands":[{"method":"batch"}]})").error_code, 102U);
    EXPECT_EQ(call("batch", R"({"commands":[{"params":{}}]})").error_code, 102U);
}

TEST_F(ApiTest, SequentialBatchWaitsForEachPendingPublish) {
    env.on_broker_publish = [](std::string_view) {
        PublishOutcome outcome;
        outcome.kind = PublishOutcome::Kind::pending;
        return outcome;
    };
    std::optional<ApiReply> answer;
    core().api_call("batch",
                    R"({"commands":[{"method":"publish","params":{"topic":"a","data":"1"}},
                                    {"method":"publish","params":{"topic":"a","data":"2"}}]})",
                    [&](ApiReply reply) { answer = std::move(reply); });
    ASSERT_EQ(env.broker_calls.size(), 1U);  // the second waits for the first
    core().complete_publish(env.broker_calls[0].request_id,
                            PublishOutcome{PublishOutcome::Kind::done, 1, "e", {}});
    ASSERT_EQ(env.broker_calls.size(), 2U);
    EXPECT_FALSE(answer.has_value());
    core().complete_publish(env.broker_calls[1].request_id,
                            PublishOutcome{PublishOutcome::Kind::done, 2, "e", {}});
    ASSERT_TRUE(answer.has_value());
    const nlohmann::json result = nlohmann::json::parse(answer->result);
    EXPECT_EQ(result["replies"][1]["result"]["positions"][0]["offset"], 2);
}

TEST_F(ApiTest, InfoGivesTheNodes) {
    const nlohmann::json result = result_of("info", "{}");
    EXPECT_TRUE(result.contains("node"));
    EXPECT_TRUE(result["nodes"].is_array());
}

}  // namespace
}  // namespace notify::core::testing
