// Token expiry, refresh, the auth chain's info and topics, and namespace permissions.
#include "core_fixture.hpp"

namespace notify::core::testing {
namespace {

class CredentialsTest : public CoreTest {
  protected:
    CredentialsTest() {
        config.clients.refresh_grace = std::chrono::milliseconds(5'000);
        // "exp:U:T": user U, token expiring at T ms; "expired": denied as expired.
        env.on_authenticate = [this](const AuthRequest& request) {
            const std::string& token = request.token;
            if (token == "expired") {
                AuthOutcome outcome = deny("jwt: token expired");
                outcome.error_code = NOTIFY_AUTH_ERROR_TOKEN_EXPIRED;
                return outcome;
            }
            if (token.rfind("exp:", 0) == 0) {
                const std::size_t colon = token.find(':', 4);
                AuthOutcome outcome = allow({}, token.substr(4, colon - 4));
                outcome.expires_at_ms = std::stoll(token.substr(colon + 1));
                return outcome;
            }
            if (token == "with-topics") {
                AuthOutcome outcome = allow({}, "ann");
                outcome.topics = {"feed:a", "feed:b"};
                outcome.info = R"({"name":"Ann"})";
                return outcome;
            }
            return allow({}, token);
        };
    }

    nlohmann::json refresh(ConnectionRef conn, std::string token) {
        return request(conn, protocol::RefreshCommand{std::move(token)});
    }

    std::string token_expiring_in(std::int64_t ms, std::string user = "ann") const {
        return "exp:" + user + ":" + std::to_string(env.clock_ms + ms);
    }

    std::vector<RecordedClose> closes_of(ConnectionRef conn) const {
        std::vector<RecordedClose> found;
        for (const RecordedClose& close : env.closes) {
            if (close.conn == conn) found.push_back(close);
        }
        return found;
    }
};

TEST_F(CredentialsTest, AnExpiredTokenGetsItsOwnErrorCodeAndTheConnectionCloses) {
    const ConnectionRef conn = open(1);
    const nlohmann::json reply = connect(conn, protocol::ConnectCommand{"expired", {}, {}, {}});
    EXPECT_EQ(error_code(reply), 111U);
    ASSERT_EQ(closes_of(conn).size(), 1U);
    EXPECT_EQ(closes_of(conn)[0].code, NOTIFY_CLOSE_UNAUTHORIZED);
}

TEST_F(CredentialsTest, AnAllowWhoseExpiryHasPassedIsRefusedAsExpired) {
    const ConnectionRef conn = open(1);
    const nlohmann::json reply =
        connect(conn, protocol::ConnectCommand{token_expiring_in(-1), {}, {}, {}});
    EXPECT_EQ(error_code(reply), 111U);
}

TEST_F(CredentialsTest, TheConnectReplySaysWhenTheTokenExpires) {
    const ConnectionRef conn = open(1);
    const nlohmann::json reply =
        connect(conn, protocol::ConnectCommand{token_expiring_in(60'000), {}, {}, {}});
    EXPECT_EQ(reply["result"]["ttl_ms"], 60'000);
    const ConnectedClient plain = open_client(2, "bob");
    EXPECT_FALSE(last_frame(plain.conn)["result"].contains("ttl_ms"));
}

TEST_F(CredentialsTest, AConnectionThatDoesNotRefreshClosesAtExpiryPlusGrace) {
    const ConnectionRef conn = open(1);
    connect(conn, protocol::ConnectCommand{token_expiring_in(10'000), {}, {}, {}});
    env.clock_ms += 10'000 + 4'999;
    core().clean();
    EXPECT_TRUE(closes_of(conn).empty());
    env.clock_ms += 1;
    core().clean();
    ASSERT_EQ(closes_of(conn).size(), 1U);
    EXPECT_EQ(closes_of(conn)[0].code, NOTIFY_CLOSE_TOKEN_EXPIRED);
    EXPECT_EQ(last_frame(conn)["push"]["disconnect"]["code"], NOTIFY_CLOSE_TOKEN_EXPIRED);
}

TEST_F(CredentialsTest, ARefreshExtendsTheConnection) {
    const ConnectionRef conn = open(1);
    connect(conn, protocol::ConnectCommand{token_expiring_in(10'000), {}, {}, {}});
    env.clock_ms += 8'000;
    const nlohmann::json reply = refresh(conn, token_expiring_in(60'000));
    EXPECT_EQ(reply["result"]["ttl_ms"], 60'000);
    env.clock_ms += 30'000;
    core().clean();
    EXPECT_TRUE(closes_of(conn).empty());
    env.clock_ms += 35'000;
    core().clean();
    ASSERT_EQ(closes_of(conn).size(), 1U);
    EXPECT_EQ(closes_of(conn)[0].code, NOTIFY_CLOSE_TOKEN_EXPIRED);
}

TEST_F(CredentialsTest, ARefreshAsksTheChainWithTheRefreshPurposeAndTheCurrentUser) {
    const ConnectedClient ann = open_client(1, "ann");
    EXPECT_TRUE(refresh(ann.conn, "ann")["result"].empty());
    EXPECT_EQ(env.auth_requests.back().purpose,
              static_cast<std::uint32_t>(NOTIFY_AUTH_PURPOSE_REFRESH));
    EXPECT_EQ(env.auth_requests.back().client_id, ann.client);
    EXPECT_EQ(env.auth_requests.back().user_id, "ann");
}

TEST_F(CredentialsTest, ARefreshForAnotherUserOrExpiredIsRefusedAndTheConnectionStays) {
    const ConnectionRef conn = open(1);
    connect(conn, protocol::ConnectCommand{token_expiring_in(10'000), {}, {}, {}});
    const nlohmann::json other = refresh(conn, token_expiring_in(60'000, "mallory"));
    EXPECT_EQ(error_code(other), 101U);
    EXPECT_NE(other["error"]["message"].get<std::string>().find("another user"),
              std::string::npos);
    EXPECT_EQ(error_code(refresh(conn, "expired")), 111U);
    EXPECT_TRUE(closes_of(conn).empty());
    // The old expiry still holds.
    env.clock_ms += 15'000;
    core().clean();
    ASSERT_EQ(closes_of(conn).size(), 1U);
}

TEST_F(CredentialsTest, AnInactiveClientIsNotClosedAgainAndResumesWithANewToken) {
    const ConnectionRef first = open(1);
    const nlohmann::json reply =
        connect(first, protocol::ConnectCommand{token_expiring_in(10'000), {}, {}, {}});
    const std::string client = reply["result"]["client"];
    const std::string resume = reply["result"]["resume"];
    core().connection_closed(first, NOTIFY_CLOSE_ABNORMAL);
    const ConnectionRef second = open(2);
    const nlohmann::json resumed = connect(
        second, protocol::ConnectCommand{token_expiring_in(100'000), client, resume, {}});
    EXPECT_EQ(resumed["result"]["resumed"], true);
    env.clock_ms += 20'000;
    core().clean();
    EXPECT_TRUE(closes_of(second).empty());
}

TEST_F(CredentialsTest, TheTokensTopicsAreSubscribedServerSideEvenWhereClientsMayNot) {
    host::NamespaceSpec feed;
    feed.name = "feed";
    feed.subscribe = host::SubscribeRule::none;
    config.namespaces.push_back(feed);
    const ConnectedClient ann = open_client(1, "with-topics");
    EXPECT_EQ(core().client_topics(ann.client), (std::vector<std::string>{"feed:a", "feed:b"}));
    EXPECT_EQ(error_code(subscribe(ann.conn, "feed:c")), 104U);
    // Handlers see the token's info with the client's events.
    const std::vector<RecordedEvent> connects = env.events_of(NOTIFY_EVENT_CONNECT);
    ASSERT_EQ(connects.size(), 1U);
    EXPECT_EQ(connects[0].client_info, R"({"name":"Ann"})");
    const std::vector<RecordedEvent> subscribes = env.events_of(NOTIFY_EVENT_SUBSCRIBE);
    ASSERT_FALSE(subscribes.empty());
    EXPECT_EQ(subscribes[0].client_info, R"({"name":"Ann"})");
}

class PermissionsTest : public CoreTest {
  protected:
    host::NamespaceSpec& add_namespace(std::string name) {
        host::NamespaceSpec space;
        space.name = std::move(name);
        config.namespaces.push_back(space);
        return config.namespaces.back();
    }
};

TEST_F(PermissionsTest, AuthenticatedNamespacesRefuseAnonymousClients) {
    add_namespace("members").subscribe = host::SubscribeRule::authenticated;
    config.namespaces.back().publish = host::PublishRule::authenticated;
    const ConnectedClient anonymous = open_client(1);
    const ConnectedClient ann = open_client(2, "user:ann");
    const nlohmann::json refused = subscribe(anonymous.conn, "members:lounge");
    EXPECT_EQ(error_code(refused), 104U);
    EXPECT_NE(refused["error"]["message"].get<std::string>().find("user id"), std::string::npos);
    EXPECT_EQ(error_code(publish(anonymous.conn, {"members:lounge"}, "x")), 104U);
    EXPECT_TRUE(subscribe(ann.conn, "members:lounge")["result"].empty());
    EXPECT_EQ(error_code(publish(ann.conn, {"members:lounge"}, "x")), 0U);
}

TEST_F(PermissionsTest, SubscriberNamespacesLetOnlySubscribersPublish) {
    add_namespace("room").publish = host::PublishRule::subscriber;
    const ConnectedClient ann = open_client(1);
    const ConnectedClient bob = open_client(2);
    subscribe(ann.conn, "room:1");
    EXPECT_EQ(error_code(publish(ann.conn, {"room:1"}, "hi")), 0U);
    const nlohmann::json refused = publish(bob.conn, {"room:1"}, "hi");
    EXPECT_EQ(error_code(refused), 104U);
    EXPECT_NE(refused["error"]["message"].get<std::string>().find("only subscribers"),
              std::string::npos);
    EXPECT_EQ(messages_to(ann.conn).size(), 1U);
}

TEST_F(PermissionsTest, DirectPublishesFollowTheDefaultNamespace) {
    config.default_namespace.publish = host::PublishRule::subscriber;
    const ConnectedClient ann = open_client(1);
    const ConnectedClient bob = open_client(2);
    EXPECT_EQ(error_code(publish(ann.conn, {}, "x", {bob.client})), 104U);
}

TEST_F(PermissionsTest, UserLimitedTopicsAdmitOnlyTheListedUsers) {
    add_namespace("dm").user_limited = true;
    const ConnectedClient alice = open_client(1, "user:alice");
    const ConnectedClient bob = open_client(2, "user:bob");
    const ConnectedClient eve = open_client(3, "user:eve");
    const ConnectedClient anonymous = open_client(4);
    EXPECT_TRUE(subscribe(alice.conn, "dm:chat#alice,bob")["result"].empty());
    EXPECT_TRUE(subscribe(bob.conn, "dm:chat#alice,bob")["result"].empty());
    const nlohmann::json refused = subscribe(eve.conn, "dm:chat#alice,bob");
    EXPECT_EQ(error_code(refused), 104U);
    EXPECT_NE(refused["error"]["message"].get<std::string>().find("limited"), std::string::npos);
    EXPECT_EQ(error_code(subscribe(anonymous.conn, "dm:chat#alice,bob")), 104U);
    // A user id that is a prefix or part of a listed one is not listed.
    const ConnectedClient ali = open_client(5, "user:ali");
    EXPECT_EQ(error_code(subscribe(ali.conn, "dm:chat#alice,bob")), 104U);
    // Without '#' the topic is not limited.
    EXPECT_TRUE(subscribe(eve.conn, "dm:lobby")["result"].empty());
}

TEST_F(PermissionsTest, TokenNamespacesNeedAVerifiedSubscriptionToken) {
    add_namespace("private").subscribe = host::SubscribeRule::token;
    const ConnectedClient ann = open_client(1, "user:ann");
    const nlohmann::json without = subscribe(ann.conn, "private:x");
    EXPECT_EQ(error_code(without), 104U);
    ASSERT_FALSE(env.subscribe_tokens.empty());
    EXPECT_TRUE(env.subscribe_tokens.back().second);
    protocol::SubscribeCommand with_token;
    with_token.topic = "private:x";
    with_token.token = "good-token";
    EXPECT_TRUE(request(ann.conn, with_token)["result"].empty());
    EXPECT_EQ(env.subscribe_tokens.back(), std::make_pair(std::string("good-token"), true));
    EXPECT_EQ(core().client_topics(ann.client), std::vector<std::string>{"private:x"});
    // Elsewhere the token is passed along but not required.
    subscribe(ann.conn, "public");
    EXPECT_FALSE(env.subscribe_tokens.back().second);
}

}  // namespace
}  // namespace notify::core::testing
