// The fake host itself: its host table, the manifest table and schema check, descriptor checks,
// the pending-auth path (with a fixture plugin that answers from threads), frames, node views.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace notify::fakehost_test {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// ---- the host table ----------------------------------------------------------------------------

TEST(FakeHostTable, EveryMemberUpToAbi17IsSetAndSized) {
    Host host = new_host();
    const notify_host_api* api = notify_fakehost_api(host.get());
    ASSERT_NE(api, nullptr);
    EXPECT_EQ(api->size, sizeof(notify_host_api));
    EXPECT_EQ(api->abi_major, NOTIFY_ABI_MAJOR);
    EXPECT_EQ(api->abi_minor, NOTIFY_ABI_MINOR);
    // Every member after the header is a function pointer: none may be NULL.
    constexpr std::size_t first = offsetof(notify_host_api, log);
    static_assert((sizeof(notify_host_api) - first) % sizeof(void (*)()) == 0);
    const std::size_t members = (sizeof(notify_host_api) - first) / sizeof(void (*)());
    EXPECT_EQ(members, 39u);
    for (std::size_t i = 0; i < members; ++i) {
        void (*member)() = nullptr;
        std::memcpy(&member, reinterpret_cast<const char*>(api) + first + i * sizeof member,
                    sizeof member);
        EXPECT_NE(member, nullptr) << "host table member #" << i;
    }
}

// ---- a plugin linked into the test: a transport that keeps the frames it is given ------------

struct LinkedTransport {
    const notify_host_api* host = nullptr;
    notify_host_ctx* ctx = nullptr;
    std::vector<const notify_frame*> held;
    std::vector<std::string> json_seen;
    std::vector<std::string> binary_seen;
    std::vector<std::uint64_t> closed;
};
LinkedTransport linked;

notify_status linked_create(const notify_host_api* host, notify_host_ctx* ctx,
                            const notify_config*, void** instance, notify_error*) {
    linked = LinkedTransport{};
    linked.host = host;
    linked.ctx = ctx;
    *instance = &linked;
    return NOTIFY_OK;
}

void linked_destroy(void*) {}

void linked_deliver(void*, const notify_frame* frame, const uint64_t*, size_t count) {
    linked.json_seen.push_back(text(linked.host->frame_bytes(frame, NOTIFY_ENCODING_JSON)));
    linked.binary_seen.push_back(text(linked.host->frame_bytes(frame, NOTIFY_ENCODING_BINARY)));
    for (size_t i = 0; i < count; ++i) {
        linked.host->frame_retain(frame);
        linked.held.push_back(frame);
    }
}

void linked_close(void*, uint64_t conn, uint16_t code, notify_str) {
    linked.closed.push_back(conn);
    linked.host->conn_closed(linked.ctx, conn, code);
}

const notify_transport_vtable linked_vtable = {sizeof(notify_transport_vtable), linked_deliver,
                                               linked_close};

notify_plugin_descriptor linked_descriptor() {
    notify_plugin_descriptor descriptor{};
    descriptor.size = sizeof descriptor;
    descriptor.abi_major = NOTIFY_ABI_MAJOR;
    descriptor.abi_minor = NOTIFY_ABI_MINOR;
    descriptor.name = "linked";
    descriptor.kinds = NOTIFY_KIND_TRANSPORT;
    descriptor.create = linked_create;
    descriptor.destroy = linked_destroy;
    descriptor.transport = &linked_vtable;
    return descriptor;
}

const notify_plugin_descriptor linked_transport = linked_descriptor();
const notify_plugin_descriptor* linked_entry() {
    return &linked_transport;
}

TEST(FakeHostFrames, LiveWhileTheTransportHoldsReferences) {
    Host host = new_host();
    ASSERT_EQ(notify_fakehost_use(host.get(), linked_entry), NOTIFY_OK)
        << notify_fakehost_last_error(host.get());
    ASSERT_EQ(notify_fakehost_create(host.get()), NOTIFY_OK);
    const std::uint64_t conns[] = {7, 8};
    notify_fakehost_deliver(host.get(), bytes("{\"json\":1}"), bytes("\x01\x02"), conns, 2);
    ASSERT_EQ(linked.json_seen.size(), 1u);
    EXPECT_EQ(linked.json_seen[0], "{\"json\":1}");
    EXPECT_EQ(linked.binary_seen[0], "\x01\x02");
    ASSERT_EQ(linked.held.size(), 2u);
    EXPECT_EQ(notify_fakehost_frames_alive(host.get()), 1u);

    // A frame delivered to nobody is gone as soon as deliver returns.
    notify_fakehost_deliver(host.get(), bytes("x"), notify_bytes{nullptr, 0}, nullptr, 0);
    EXPECT_EQ(notify_fakehost_frames_alive(host.get()), 1u);
    EXPECT_EQ(linked.binary_seen.back(), "");  // no bytes in that encoding

    linked.host->frame_release(linked.held[0]);
    EXPECT_EQ(notify_fakehost_frames_alive(host.get()), 1u);
    linked.host->frame_release(linked.held[1]);
    EXPECT_EQ(notify_fakehost_frames_alive(host.get()), 0u);

    notify_fakehost_close(host.get(), 7, NOTIFY_CLOSE_NORMAL, "bye");
    EXPECT_EQ(linked.closed, std::vector<std::uint64_t>{7});
    const auto closed = calls_of(host.get(), NOTIFY_FAKEHOST_CONN_CLOSED);
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0]->conn, 7u);
    EXPECT_EQ(closed[0]->number, NOTIFY_CLOSE_NORMAL);
}

TEST(FakeHostFrames, ConnectionReportsAreRecordedWithCopies) {
    Host host = new_host();
    ASSERT_EQ(notify_fakehost_use(host.get(), linked_entry), NOTIFY_OK);
    ASSERT_EQ(notify_fakehost_create(host.get()), NOTIFY_OK);
    const notify_host_api* api = notify_fakehost_api(host.get());
    notify_host_ctx* ctx = notify_fakehost_ctx(host.get());

    std::string address = "127.0.0.1:5555";
    notify_conn_info info{};
    info.size = sizeof info;
    info.remote_address = view(address);
    info.encoding = NOTIFY_ENCODING_BINARY;
    EXPECT_EQ(api->conn_open(ctx, 3, &info), NOTIFY_OK);
    std::string frame{"a\0b", 3};
    api->conn_receive(ctx, 3, bytes(frame));
    address.assign("overwritten");
    frame.assign("zzz");

    // conn_receive_owned: the host takes the bytes and releases them (ASan checks the release).
    auto* owned = new std::uint8_t[2]{'o', 'k'};
    api->conn_receive_owned(
        ctx, 3,
        notify_owned_bytes{owned, 2, [](void*, std::uint8_t* data) { delete[] data; }, nullptr});

    notify_fakehost_set_conn_open_status(host.get(), NOTIFY_ERR_LIMIT);
    EXPECT_EQ(api->conn_open(ctx, 4, &info), NOTIFY_ERR_LIMIT);
    EXPECT_EQ(api->set_max_frame_size(ctx, 1200), NOTIFY_OK);

    const auto opens = calls_of(host.get(), NOTIFY_FAKEHOST_CONN_OPEN);
    ASSERT_EQ(opens.size(), 2u);
    EXPECT_EQ(text(opens[0]->text), "127.0.0.1:5555");
    EXPECT_STREQ(opens[0]->text.data, "127.0.0.1:5555");
    EXPECT_EQ(opens[0]->number, NOTIFY_ENCODING_BINARY);
    const auto received = calls_of(host.get(), NOTIFY_FAKEHOST_CONN_RECEIVE);
    ASSERT_EQ(received.size(), 2u);
    EXPECT_EQ(text(received[0]->payload), std::string("a\0b", 3));
    EXPECT_EQ(text(received[1]->payload), "ok");
    const auto sized = calls_of(host.get(), NOTIFY_FAKEHOST_SET_MAX_FRAME_SIZE);
    ASSERT_EQ(sized.size(), 1u);
    EXPECT_EQ(sized[0]->number, 1200u);
}

// ---- descriptor checks at load ------------------------------------------------------------------

notify_plugin_descriptor wrong_major_descriptor() {
    notify_plugin_descriptor descriptor = linked_descriptor();
    descriptor.abi_major = 2;
    return descriptor;
}
const notify_plugin_descriptor wrong_major = wrong_major_descriptor();

notify_plugin_descriptor missing_vtable_descriptor() {
    notify_plugin_descriptor descriptor = linked_descriptor();
    descriptor.kinds = NOTIFY_KIND_TRANSPORT | NOTIFY_KIND_HANDLER;
    return descriptor;
}
const notify_plugin_descriptor missing_vtable = missing_vtable_descriptor();

notify_plugin_descriptor bad_name_descriptor() {
    notify_plugin_descriptor descriptor = linked_descriptor();
    descriptor.name = "Bad Name";
    return descriptor;
}
const notify_plugin_descriptor bad_name = bad_name_descriptor();

TEST(FakeHostLoad, RefusesDescriptorsAsNotifydDoes) {
    const struct {
        notify_plugin_entry_fn entry;
        const char* reason;
    } cases[] = {
        {[] { return &wrong_major; }, "descriptor says ABI major 2"},
        {[] { return &missing_vtable; }, "declares kind handler but its handler vtable is NULL"},
        {[] { return &bad_name; }, "descriptor name 'Bad Name' is not [a-z0-9_-]+"},
        {[]() -> const notify_plugin_descriptor* { return nullptr; },
         "notify_plugin_entry_v1 returned NULL"},
    };
    for (const auto& refused : cases) {
        Host host = new_host();
        EXPECT_NE(notify_fakehost_use(host.get(), refused.entry), NOTIFY_OK);
        EXPECT_TRUE(contains(notify_fakehost_last_error(host.get()), refused.reason))
            << notify_fakehost_last_error(host.get());
        EXPECT_EQ(notify_fakehost_descriptor(host.get()), nullptr);
        EXPECT_NE(notify_fakehost_create(host.get()), NOTIFY_OK);
    }
}

TEST(FakeHostLoad, NamesTheFileAndWhyItIsNotAPlugin) {
    Host missing = new_host();
    EXPECT_EQ(notify_fakehost_load(missing.get(), "/nonexistent/notify_nothing.so"),
              NOTIFY_ERR_NOT_FOUND);
    EXPECT_TRUE(contains(notify_fakehost_last_error(missing.get()), "/nonexistent/notify_nothing.so"));
    EXPECT_TRUE(contains(notify_fakehost_last_error(missing.get()), "dlopen failed"));

    Host not_plugin = new_host();
    EXPECT_NE(notify_fakehost_load(not_plugin.get(), "libm.so.6"), NOTIFY_OK);
    EXPECT_TRUE(contains(notify_fakehost_last_error(not_plugin.get()),
                         "exports no notify_plugin_entry_v1: not a Notify plugin"))
        << notify_fakehost_last_error(not_plugin.get());
}

// ---- the manifest table and the schema check --------------------------------------------------

class FixtureTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_EQ(notify_fakehost_load(host_.get(), NOTIFY_FIXTURE_PENDING_AUTH), NOTIFY_OK)
            << notify_fakehost_last_error(host_.get());
    }

    void create() {
        ASSERT_EQ(notify_fakehost_create(host_.get()), NOTIFY_OK)
            << notify_fakehost_last_error(host_.get());
    }

    notify_fakehost_auth_answer authenticate(const char* token, int timeout_ms,
                                             notify_status* status,
                                             std::uint64_t request_id = 0) {
        notify_auth_request request{};
        request.request_id = request_id;
        request.token = view(token);
        notify_fakehost_auth_answer answer{};
        *status = notify_fakehost_authenticate(host_.get(), &request, timeout_ms, &answer);
        return answer;
    }

    Host host_ = new_host();
};

TEST_F(FixtureTest, TypedAccessorsReadTheTable) {
    const std::filesystem::path dir = std::filesystem::temp_directory_path() / "fakehost-manifest";
    notify_fakehost_set_manifest_dir(host_.get(), dir.c_str());
    notify_fakehost_config_string(host_.get(), "label", "hello");
    notify_fakehost_config_int(host_.get(), "count", 42);
    notify_fakehost_config_double(host_.get(), "ratio", 0.25);
    notify_fakehost_config_bool(host_.get(), "enabled", true);
    const char* names[] = {"ann", "bob"};
    notify_fakehost_config_string_array(host_.get(), "names", names, 2);
    notify_fakehost_config_path(host_.get(), "file", "keys/../secret.pem");
    notify_fakehost_config_duration_ms(host_.get(), "delay", 1500);
    create();

    const std::vector<std::string> lines = logs(host_.get());
    EXPECT_TRUE(has_line(lines, "label=hello"));
    EXPECT_TRUE(has_line(lines, "label-as-int:" + std::to_string(NOTIFY_ERR_WRONG_TYPE)));
    EXPECT_TRUE(has_line(lines, "count=42"));
    EXPECT_TRUE(has_line(lines, "ratio=0.25"));
    EXPECT_TRUE(has_line(lines, "enabled=true"));
    EXPECT_TRUE(has_line(lines, "names=2"));
    EXPECT_TRUE(has_line(lines, "names[0]=ann"));
    EXPECT_TRUE(has_line(lines, "names[1]=bob"));
    EXPECT_TRUE(has_line(lines, "names[2]:" + std::to_string(NOTIFY_ERR_NOT_FOUND)));
    EXPECT_TRUE(has_line(lines, "file=" + (dir / "secret.pem").string()));
    EXPECT_TRUE(has_line(lines, "delay=1500"));
}

TEST_F(FixtureTest, AbsentKeysAreNotFoundAndIntegersServeAsDoublesAndSeconds) {
    notify_fakehost_config_int(host_.get(), "ratio", 2);
    notify_fakehost_config_int(host_.get(), "delay", 0);
    create();
    const std::vector<std::string> lines = logs(host_.get());
    const std::string not_found = std::to_string(NOTIFY_ERR_NOT_FOUND);
    EXPECT_TRUE(has_line(lines, "label:" + not_found));
    EXPECT_TRUE(has_line(lines, "label-as-int:" + not_found));
    EXPECT_TRUE(has_line(lines, "count:" + not_found));
    EXPECT_TRUE(has_line(lines, "names:" + not_found));
    EXPECT_TRUE(has_line(lines, "file:" + not_found));
    EXPECT_TRUE(has_line(lines, "ratio=2.00"));
    EXPECT_TRUE(has_line(lines, "delay=0"));
}

TEST_F(FixtureTest, UnknownKeyFailsCreateNamingTheKey) {
    notify_fakehost_config_string(host_.get(), "lable", "typo");
    EXPECT_EQ(notify_fakehost_create(host_.get()), NOTIFY_ERR_INVALID_ARGUMENT);
    const std::string error = notify_fakehost_last_error(host_.get());
    EXPECT_TRUE(contains(error, "key 'lable'")) << error;
    EXPECT_TRUE(contains(error, "unknown key for plugin 'fixture_pending_auth'")) << error;
    EXPECT_TRUE(contains(error, "known: delay, label,")) << error;
    EXPECT_EQ(notify_fakehost_instance(host_.get()), nullptr);
    EXPECT_TRUE(logs(host_.get()).empty()) << "create() must not have run";
}

TEST_F(FixtureTest, WrongTypeFailsCreateNamingTheKey) {
    notify_fakehost_config_int(host_.get(), "label", 7);
    EXPECT_EQ(notify_fakehost_create(host_.get()), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(notify_fakehost_last_error(host_.get()),
                 "key 'label': expected a string, got an integer");
    EXPECT_TRUE(logs(host_.get()).empty());
}

TEST_F(FixtureTest, UnreadableDurationAndEmptyPathFailCreate) {
    notify_fakehost_config_duration_ms(host_.get(), "delay", -5);
    EXPECT_NE(notify_fakehost_create(host_.get()), NOTIFY_OK);
    EXPECT_TRUE(contains(notify_fakehost_last_error(host_.get()), "key 'delay': expected a duration"));

    notify_fakehost_config_duration_ms(host_.get(), "delay", 5);
    notify_fakehost_config_path(host_.get(), "file", "");
    EXPECT_NE(notify_fakehost_create(host_.get()), NOTIFY_OK);
    EXPECT_STREQ(notify_fakehost_last_error(host_.get()), "key 'file': must not be empty");

    notify_fakehost_config_path(host_.get(), "file", "ok.txt");
    create();
}

// ---- auth: synchronous, failing, pending and timed-out answers ----------------------------------

TEST_F(FixtureTest, SyncAnswerIsCopied) {
    create();
    notify_status status = NOTIFY_ERR_INTERNAL;
    const notify_fakehost_auth_answer answer = authenticate("sync", 1000, &status);
    EXPECT_EQ(status, NOTIFY_OK);
    EXPECT_EQ(answer.status, NOTIFY_OK);
    EXPECT_FALSE(answer.pending);
    EXPECT_TRUE(answer.answered);
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_ALLOW);
    EXPECT_STREQ(answer.user_id, "sync-user");
    EXPECT_STREQ(answer.client_id, "");
    EXPECT_EQ(answer.error_code, 0u);
}

TEST_F(FixtureTest, NegativeStatusIsADenyWithThePluginsMessage) {
    create();
    notify_status status = NOTIFY_ERR_INTERNAL;
    const notify_fakehost_auth_answer answer = authenticate("fail", 1000, &status);
    EXPECT_EQ(status, NOTIFY_OK);
    EXPECT_EQ(answer.status, NOTIFY_ERR_DENIED);
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_DENY);
    EXPECT_STREQ(answer.reason, "fixture_pending_auth: told to fail");
}

TEST_F(FixtureTest, PendingAnswerFromAThreadIsMatchedByRequestId) {
    create();
    notify_status status = NOTIFY_ERR_INTERNAL;
    const notify_fakehost_auth_answer answer = authenticate("allow", 5000, &status, 77);
    ASSERT_EQ(status, NOTIFY_OK) << notify_fakehost_last_error(host_.get());
    EXPECT_EQ(answer.status, NOTIFY_PENDING);
    EXPECT_TRUE(answer.pending);
    EXPECT_TRUE(answer.answered);
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_ALLOW);
    EXPECT_STREQ(answer.user_id, "late-user");
    EXPECT_STREQ(answer.client_id, "late-client");
    EXPECT_EQ(answer.expires_at_ms, 123456);
    EXPECT_STREQ(answer.info, "{\"via\":\"thread\"}");
    ASSERT_EQ(answer.topic_count, 2u);
    EXPECT_STREQ(answer.topics[0], "news");
    EXPECT_STREQ(answer.topics[1], "alerts");

    const auto completions = calls_of(host_.get(), NOTIFY_FAKEHOST_AUTH_COMPLETE);
    ASSERT_EQ(completions.size(), 1u);
    EXPECT_EQ(completions[0]->request_id, 77u);
    EXPECT_EQ(completions[0]->number, NOTIFY_AUTH_ALLOW);
    EXPECT_EQ(text(completions[0]->id), "late-user");
}

TEST_F(FixtureTest, PendingDenyCarriesTheErrorCode) {
    create();
    notify_status status = NOTIFY_ERR_INTERNAL;
    const notify_fakehost_auth_answer answer = authenticate("deny", 5000, &status);
    ASSERT_EQ(status, NOTIFY_OK);
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_DENY);
    EXPECT_EQ(answer.error_code, static_cast<std::uint32_t>(NOTIFY_AUTH_ERROR_TOKEN_EXPIRED));
    EXPECT_STREQ(answer.reason, "token expired");
    const auto completions = calls_of(host_.get(), NOTIFY_FAKEHOST_AUTH_COMPLETE);
    ASSERT_EQ(completions.size(), 1u);
    EXPECT_NE(completions[0]->request_id, 0u) << "the fake host chooses an id when given 0";
}

TEST_F(FixtureTest, MembersBeyondAnOlderResultsSizeAreNotRead) {
    create();
    notify_status status = NOTIFY_ERR_INTERNAL;
    const notify_fakehost_auth_answer answer = authenticate("old", 5000, &status);
    ASSERT_EQ(status, NOTIFY_OK);
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_ALLOW);
    EXPECT_STREQ(answer.user_id, "old-user");
    EXPECT_EQ(answer.error_code, 0u);
}

TEST_F(FixtureTest, NoAnswerWithinTheTimeoutIsReportedUnanswered) {
    create();
    notify_status status = NOTIFY_OK;
    const auto started = std::chrono::steady_clock::now();
    const notify_fakehost_auth_answer answer = authenticate("never", 100, &status);
    const auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(status, NOTIFY_PENDING);
    EXPECT_EQ(answer.status, NOTIFY_PENDING);
    EXPECT_TRUE(answer.pending);
    EXPECT_FALSE(answer.answered);
    EXPECT_GE(waited, std::chrono::milliseconds(100));
    EXPECT_TRUE(contains(notify_fakehost_last_error(host_.get()), "no auth_complete"));
}

TEST_F(FixtureTest, AuthorizeSubscribePendingAndMissingAuthorizePublishDefers) {
    create();
    notify_authz_request request{};
    request.client_id = view("c1");
    request.topic = view("news");
    notify_fakehost_auth_answer answer{};
    ASSERT_EQ(notify_fakehost_authorize_subscribe(host_.get(), &request, 5000, &answer),
              NOTIFY_OK);
    EXPECT_TRUE(answer.pending);
    EXPECT_TRUE(answer.answered);
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_ALLOW);

    notify_fakehost_auth_answer publish{};
    ASSERT_EQ(notify_fakehost_authorize_publish(host_.get(), &request, 5000, &publish), NOTIFY_OK);
    EXPECT_FALSE(publish.pending);
    EXPECT_EQ(publish.decision, NOTIFY_AUTH_DEFER);
}

TEST_F(FixtureTest, ManyPendingAnswersFromThreadsAreEachMatched) {
    notify_fakehost_config_duration_ms(host_.get(), "delay", 1);
    create();
    for (int i = 0; i < 20; ++i) {
        notify_status status = NOTIFY_ERR_INTERNAL;
        const notify_fakehost_auth_answer answer =
            authenticate(i % 2 == 0 ? "allow" : "deny", 5000, &status);
        ASSERT_EQ(status, NOTIFY_OK) << i;
        EXPECT_EQ(answer.decision, i % 2 == 0 ? NOTIFY_AUTH_ALLOW : NOTIFY_AUTH_DENY) << i;
    }
    EXPECT_TRUE(notify_fakehost_wait_for(host_.get(), NOTIFY_FAKEHOST_AUTH_COMPLETE, 20, 1000));
    EXPECT_FALSE(notify_fakehost_wait_for(host_.get(), NOTIFY_FAKEHOST_AUTH_COMPLETE, 21, 50));
}

TEST_F(FixtureTest, AQuestionBeforeCreateFails) {
    notify_auth_request request{};
    notify_fakehost_auth_answer answer{};
    EXPECT_EQ(notify_fakehost_authenticate(host_.get(), &request, 10, &answer),
              NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_FALSE(answer.answered);
    EXPECT_TRUE(contains(notify_fakehost_last_error(host_.get()), "no instance"));
}

// ---- the host's own views: clock, node, cluster --------------------------------------------------

TEST(FakeHostViews, ClockNodeInfoAndClusterView) {
    Host host = new_host();
    ASSERT_EQ(notify_fakehost_use(host.get(), linked_entry), NOTIFY_OK);
    ASSERT_EQ(notify_fakehost_create(host.get()), NOTIFY_OK);
    const notify_host_api* api = notify_fakehost_api(host.get());
    notify_host_ctx* ctx = notify_fakehost_ctx(host.get());

    notify_fakehost_set_now_ms(host.get(), 1'000);
    EXPECT_EQ(api->now_ms(ctx), 1'000);
    notify_fakehost_set_now_ms(host.get(), 0);
    EXPECT_GT(api->now_ms(ctx), 1'600'000'000'000);  // the real clock again

    notify_node_info node{};
    node.size = sizeof node;
    api->node_info(ctx, &node);
    EXPECT_EQ(node.size, sizeof node);
    EXPECT_GT(node.id.len, 0u);
    EXPECT_EQ(text(node.name), "fakehost");
    EXPECT_EQ(text(node.app_id), "fakehost");
    EXPECT_GE(node.uptime_ms, 0);

    notify_owned_bytes nodes{};
    ASSERT_EQ(api->cluster_view(ctx, NOTIFY_CLUSTER_VIEW_NODES, &nodes), NOTIFY_OK);
    const std::string json(reinterpret_cast<const char*>(nodes.data), nodes.len);
    EXPECT_TRUE(contains(json, "{\"nodes\":[{\"id\":\"" + text(node.id) + "\"")) << json;
    EXPECT_TRUE(contains(json, "\"self\":true}]}")) << json;
    ASSERT_NE(nodes.release, nullptr);
    nodes.release(nodes.release_ctx, nodes.data);

    notify_owned_bytes handout{};
    ASSERT_EQ(api->cluster_view(ctx, NOTIFY_CLUSTER_VIEW_HANDOUT, &handout), NOTIFY_OK);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(handout.data), handout.len),
              "{\"node\":null,\"candidates\":[]}");
    handout.release(handout.release_ctx, handout.data);

    notify_owned_bytes unknown{};
    EXPECT_EQ(api->cluster_view(ctx, 99, &unknown), NOTIFY_ERR_INVALID_ARGUMENT);
}

TEST(FakeHostActions, MalformedCallsAreRefusedAndNotRecorded) {
    Host host = new_host();
    ASSERT_EQ(notify_fakehost_use(host.get(), linked_entry), NOTIFY_OK);
    ASSERT_EQ(notify_fakehost_create(host.get()), NOTIFY_OK);
    const notify_host_api* api = notify_fakehost_api(host.get());
    notify_host_ctx* ctx = notify_fakehost_ctx(host.get());

    EXPECT_EQ(api->subscribe(ctx, NOTIFY_TARGET_CLIENT, view("c1"), view("")),
              NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(api->subscribe(ctx, NOTIFY_TARGET_CLIENT, view(""), view("news")),
              NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(api->publish(ctx, nullptr), NOTIFY_ERR_INVALID_ARGUMENT);
    notify_publish_request nowhere{};
    nowhere.size = sizeof nowhere;
    EXPECT_EQ(api->publish(ctx, &nowhere), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(notify_fakehost_call_count(host.get()), 0u);

    EXPECT_EQ(api->unsubscribe(ctx, NOTIFY_TARGET_USER, view("u1"), view("news")), NOTIFY_OK);
    notify_fakehost_set_action_status(host.get(), NOTIFY_ERR_CLOSED);
    EXPECT_EQ(api->disconnect(ctx, NOTIFY_TARGET_CLIENT, view("c1"), 4003, view("bye")),
              NOTIFY_ERR_CLOSED);
    ASSERT_EQ(notify_fakehost_call_count(host.get()), 2u);
    const notify_fakehost_call* unsubscribe = notify_fakehost_call_at(host.get(), 0);
    EXPECT_EQ(unsubscribe->kind, NOTIFY_FAKEHOST_UNSUBSCRIBE);
    EXPECT_EQ(unsubscribe->target, NOTIFY_TARGET_USER);
    EXPECT_STREQ(unsubscribe->id.data, "u1");
    EXPECT_STREQ(unsubscribe->topic.data, "news");
    const notify_fakehost_call* disconnect = notify_fakehost_call_at(host.get(), 1);
    EXPECT_EQ(disconnect->kind, NOTIFY_FAKEHOST_DISCONNECT);
    EXPECT_EQ(disconnect->number, 4003u);
    EXPECT_STREQ(disconnect->text.data, "bye");
    EXPECT_EQ(notify_fakehost_call_at(host.get(), 2), nullptr);

    // Only a broker answers publishes or reports the bus; only an auth plugin answers auth.
    api->broker_publish_complete(ctx, 1, NOTIFY_OK, nullptr, view(""));
    api->auth_complete(ctx, 1, nullptr);
    EXPECT_EQ(notify_fakehost_call_count(host.get()), 2u);
}

}  // namespace
}  // namespace notify::fakehost_test
