// The engine in-process: the fixture transport injects connections and frames, fixture auth,
// broker and handler instances answer, and the Core runs on the engine's core thread.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "engine_harness.hpp"

namespace notify::runtime::test {
namespace {

using namespace std::chrono_literals;

protocol::Command subscribe_command(std::uint64_t id, std::string topic) {
    protocol::SubscribeCommand subscribe;
    subscribe.topic = std::move(topic);
    return protocol::Command{id, subscribe};
}

protocol::Command publish_command(std::uint64_t id, std::string topic, std::string data) {
    protocol::PublishCommand publish;
    publish.topics = {std::move(topic)};
    publish.data = std::move(data);
    return protocol::Command{id, publish};
}

protocol::Command send_command(std::uint64_t id, std::string data) {
    protocol::SendCommand send;
    send.data = std::move(data);
    return protocol::Command{id, send};
}

const protocol::MessagePush* find_push(const std::vector<protocol::ServerFrame>& frames,
                                       const std::string& topic) {
    for (const auto& frame : frames) {
        const auto* push = std::get_if<protocol::MessagePush>(&frame);
        if (push != nullptr && push->topic == topic) return push;
    }
    return nullptr;
}

// Polls the Core (on its thread) until `done` holds or 5 s pass.
bool eventually(Engine& engine, const std::function<bool(core::Core&)>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
        bool ok = false;
        engine.with_core([&](core::Core& core) { ok = done(core); });
        if (ok) return true;
        std::this_thread::sleep_for(5ms);
    }
    return false;
}

TEST(Engine, ConnectSubscribePublish_DeliversMessageToSubscriber) {
    EngineHarness harness(fixture_manifest({}));
    TransportControls transport;

    const protocol::Reply reader = transport.connect(1);
    EXPECT_FALSE(reader.error.has_value());
    EXPECT_EQ(reader.client.size(), 16u);
    EXPECT_EQ(reader.resume.size(), 32u);
    transport.send(1, subscribe_command(2, "news"));
    ASSERT_EQ(transport.frames(1, 2).size(), 2u);

    transport.connect(2);
    transport.send(2, publish_command(2, "news", "hello"), /*owned=*/true);

    const auto frames = transport.frames(1, 3);
    const protocol::MessagePush* push = find_push(frames, "news");
    ASSERT_NE(push, nullptr);
    EXPECT_EQ(push->data, "hello");
    EXPECT_EQ(push->offset, 1u);
    EXPECT_EQ(push->epoch, "fixture");
}

TEST(Engine, HandlerEvents_FollowEachHandlersEventMask) {
    EngineHarness harness(fixture_manifest({}));
    TransportControls transport;

    const std::string client = transport.connect(1).client;
    transport.send(1, subscribe_command(2, "news"));
    ASSERT_EQ(transport.frames(1, 2).size(), 2u);
    ASSERT_EQ(transport.peer_close(1, NOTIFY_CLOSE_NORMAL), NOTIFY_OK);

    const std::string inactivate = "[observer] event 4 client=" + client;
    ASSERT_TRUE(harness.logs().wait_for(inactivate, 5s));
    EXPECT_EQ(harness.logs().matching("[observer] event 1 client=" + client).size(), 1u);
    EXPECT_EQ(harness.logs().matching("[observer] event 5 client=" + client + " topic=news").size(),
              1u);
    // The narrow handler wants CONNECT and DATA only.
    EXPECT_EQ(harness.logs().matching("[narrow] event 1 client=" + client).size(), 1u);
    EXPECT_TRUE(harness.logs().matching("[narrow] event 5").empty());
    EXPECT_TRUE(harness.logs().matching("[narrow] event 4").empty());
}

TEST(Engine, HandlerActions_ApplyAfterTheEventThatCausedThem) {
    ManifestParts parts;
    parts.observer = "subscribe_on_connect = \"lobby\"\necho_data_to = \"lobby\"";
    EngineHarness harness(fixture_manifest(parts));
    TransportControls transport;

    const std::string client = transport.connect(1).client;
    ASSERT_TRUE(eventually(harness.engine(), [&](core::Core& core) {
        return core.client_topics(client) == std::vector<std::string>{"lobby"};
    }));

    transport.send(1, send_command(2, "echo me"));
    const auto frames = transport.frames(1, 3);
    const protocol::MessagePush* push = find_push(frames, "lobby");
    ASSERT_NE(push, nullptr);
    EXPECT_EQ(push->data, "echo me");
}

TEST(Engine, PendingAuth_CompletesFromAnotherThread) {
    ManifestParts parts;
    parts.gate = R"(decision = "pending")";
    EngineHarness harness(fixture_manifest(parts));
    TransportControls transport;
    PluginControls plugin;

    ASSERT_EQ(transport.open(1), NOTIFY_OK);
    transport.send(1, connect_command(1));
    ASSERT_TRUE(plugin.wait_pending("gate"));
    std::int32_t completed = NOTIFY_ERR_INTERNAL;
    std::thread answer([&] { completed = plugin.complete_auth("gate", NOTIFY_AUTH_ALLOW, "alice"); });
    answer.join();
    EXPECT_EQ(completed, NOTIFY_OK);

    const auto frames = transport.frames(1, 1);
    ASSERT_EQ(frames.size(), 1u);
    const auto& reply = std::get<protocol::Reply>(frames[0]);
    EXPECT_FALSE(reply.error.has_value());
    EXPECT_EQ(reply.user, "alice");
}

TEST(Engine, AuthChain_DeferredPendingAnswerAsksTheNextAuth) {
    ManifestParts parts;
    parts.gate = R"(decision = "pending")";
    parts.second_gate = "decision = \"allow\"\nuser = \"bob\"";
    EngineHarness harness(fixture_manifest(parts));
    TransportControls transport;
    PluginControls plugin;

    ASSERT_EQ(transport.open(1), NOTIFY_OK);
    transport.send(1, connect_command(1));
    ASSERT_TRUE(plugin.wait_pending("gate"));
    ASSERT_EQ(plugin.complete_auth("gate", NOTIFY_AUTH_DEFER, ""), NOTIFY_OK);

    const auto frames = transport.frames(1, 1);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(std::get<protocol::Reply>(frames[0]).user, "bob");
    EXPECT_TRUE(harness.logs().wait_for("[gate2] authenticate transport=front", 1s));
}

TEST(Engine, AuthChain_AllDeferDeniesTheConnect) {
    ManifestParts parts;
    parts.gate = R"(decision = "defer")";
    parts.second_gate = R"(decision = "defer")";
    EngineHarness harness(fixture_manifest(parts));
    TransportControls transport;

    ASSERT_EQ(transport.open(1), NOTIFY_OK);
    transport.send(1, connect_command(1));
    const auto frames = transport.frames(1, 1);
    ASSERT_EQ(frames.size(), 1u);
    const auto& reply = std::get<protocol::Reply>(frames[0]);
    ASSERT_TRUE(reply.error.has_value());
    EXPECT_EQ(reply.error->code, protocol::ErrorCode::unauthorized);
    EXPECT_NE(reply.error->message.find("no auth plugin accepted the connection"),
              std::string::npos);
    EXPECT_EQ(transport.wait_close(1), NOTIFY_CLOSE_UNAUTHORIZED);
}

TEST(Engine, Stop_ClosesConnectionsWithGoingAwayThenDestroysInReverseOrder) {
    EngineHarness harness(fixture_manifest({}));
    TransportControls transport;
    transport.connect(1);

    harness.engine().stop();
    EXPECT_EQ(transport.wait_close(1), NOTIFY_CLOSE_GOING_AWAY);
    harness.destroy();

    const std::vector<std::string> expected = {
        "broker create",   "gate create",     "observer create", "narrow create",
        "front create",    "broker start",    "gate start",      "observer start",
        "narrow start",    "front start",     "front stop",      "narrow stop",
        "observer stop",   "gate stop",       "broker stop",     "front destroy",
        "narrow destroy",  "observer destroy", "gate destroy",   "broker destroy"};
    EXPECT_EQ(harness.lifecycle(), expected);
    const auto listening = harness.logs().matching("listening");
    EXPECT_EQ(listening.size(), 1u);
}

TEST(Engine, HungStop_IsAbandonedAfterTheTimeoutAndNeverDestroyed) {
    EngineOptions options;
    options.stop_timeout = 100ms;
    ManifestParts parts;
    // Hung far longer than the bound below, so only abandoning it can meet the bound.
    parts.transport = "stop_delay_ms = 10000";
    EngineHarness harness(fixture_manifest(parts), std::move(options));

    const auto begin = std::chrono::steady_clock::now();
    harness.engine().stop();
    EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
    harness.destroy();

    EXPECT_EQ(harness.logs().matching("stop() did not return within 100 ms").size(), 1u);
    EXPECT_EQ(harness.logs().matching("[broker] lifecycle stop").size(), 1u);
    EXPECT_EQ(harness.logs().matching("[broker] lifecycle destroy").size(), 1u);
    EXPECT_TRUE(harness.logs().matching("[front] lifecycle destroy").empty());
}

TEST(Engine, ConnOpen_RefusedPastMaxConnectionsAndAfterShutdownBegan) {
    ManifestParts parts;
    parts.top = "[limits]\nmax_connections = 1\n";
    EngineHarness harness(fixture_manifest(parts));
    TransportControls transport;

    ASSERT_EQ(transport.open(1), NOTIFY_OK);
    EXPECT_EQ(transport.open(2), NOTIFY_ERR_LIMIT);
    EXPECT_EQ(harness.engine().connections(), 1u);
    ASSERT_EQ(transport.peer_close(1, NOTIFY_CLOSE_NORMAL), NOTIFY_OK);

    const auto deadline = std::chrono::steady_clock::now() + 5s;
    std::int32_t reopened = NOTIFY_ERR_LIMIT;
    while (reopened == NOTIFY_ERR_LIMIT && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(2ms);
        reopened = transport.open(3);
    }
    EXPECT_EQ(reopened, NOTIFY_OK);

    harness.engine().stop();
    EXPECT_EQ(transport.open(4), NOTIFY_ERR_CLOSED);
}

TEST(Engine, CreateFailure_NamesTheInstanceAndDestroysWhatWasCreated) {
    LogCapture logs;
    ManifestParts parts;
    parts.observer = "fail_create = true";
    host::PluginCatalog catalog({});
    {
        Engine engine(host::parse_manifest(fixture_manifest(parts), "/tmp/rt.toml"), catalog);
        try {
            engine.create();
            FAIL() << "create() should have failed";
        } catch (const InstanceError& error) {
            EXPECT_EQ(std::string(error.what()),
                      "plugin 'fixture_rt_plugin' (instance 'observer', " FIXTURE_PLUGIN_PATH
                      "): create failed: fixture told to fail");
        }
    }
    EXPECT_EQ(logs.matching("[gate] lifecycle destroy").size(), 1u);
    EXPECT_EQ(logs.matching("[broker] lifecycle destroy").size(), 1u);
    EXPECT_TRUE(logs.matching("[front] lifecycle").empty());
}

TEST(Engine, StartFailure_NamesTheInstanceAndStopsWhatWasStarted) {
    LogCapture logs;
    ManifestParts parts;
    parts.transport = "fail_start = true";
    host::PluginCatalog catalog({});
    {
        Engine engine(host::parse_manifest(fixture_manifest(parts), "/tmp/rt.toml"), catalog);
        engine.create();
        try {
            engine.start();
            FAIL() << "start() should have failed";
        } catch (const InstanceError& error) {
            EXPECT_NE(std::string(error.what()).find("(instance 'front', " FIXTURE_TRANSPORT_PATH
                                                     "): start failed: fixture transport told "
                                                     "not to start"),
                      std::string::npos);
        }
    }
    EXPECT_EQ(logs.matching("[observer] lifecycle stop").size(), 1u);
    EXPECT_TRUE(logs.matching("[front] lifecycle stop").empty());
    EXPECT_EQ(logs.matching("[front] lifecycle destroy").size(), 1u);
    EXPECT_TRUE(logs.matching("listening").empty());
}

TEST(Engine, UnknownPlugin_LoadErrorNamesTheKeyAndThePlugin) {
    std::string text = fixture_manifest({});
    const std::string transport_path = FIXTURE_TRANSPORT_PATH;
    text.replace(text.find(transport_path), transport_path.size(), "no_such_transport");
    host::PluginCatalog catalog({});
    try {
        Engine engine(host::parse_manifest(text, "/tmp/rt.toml"), catalog);
        FAIL() << "the engine should not load";
    } catch (const host::PluginLoadError& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("/tmp/rt.toml:"), std::string::npos) << message;
        EXPECT_NE(message.find("key 'transport[0].plugin'"), std::string::npos) << message;
        EXPECT_NE(message.find("no_such_transport"), std::string::npos) << message;
    }
}

TEST(Engine, AtLeastOnceNamespace_NeedsADurableBroker) {
    ManifestParts parts;
    parts.top = "[namespaces.orders]\ndelivery = \"at-least-once\"\n";
    host::PluginCatalog catalog({});
    try {
        Engine engine(host::parse_manifest(fixture_manifest(parts), "/tmp/rt.toml"), catalog);
        FAIL() << "the fixture broker is not durable";
    } catch (const host::ManifestError& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("key 'namespaces.orders.delivery'"), std::string::npos) << message;
        EXPECT_NE(message.find("instance 'broker'"), std::string::npos) << message;
    }
}

}  // namespace
}  // namespace notify::runtime::test
