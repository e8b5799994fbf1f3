#include <gtest/gtest.h>

#include <set>
#include <string>

#include "fake_host.hpp"
#include "plugin_library.hpp"

namespace notify::test {
namespace {

struct Answer {
    notify_status status = NOTIFY_OK;
    notify_auth_decision decision = NOTIFY_AUTH_DENY;
    std::string client_id;
    std::string user_id;
};

notify_str view(const std::string& text) {
    return notify_str{text.data(), text.size()};
}

std::string copy(notify_str text) {
    return text.len == 0 ? std::string{} : std::string{text.data, text.len};
}

Answer authenticate(const PluginLibrary& library, const PluginInstance& instance,
                    const std::string& client_id = "", const std::string& user_id = "") {
    notify_auth_request request{};
    request.size = sizeof request;
    request.request_id = 7;
    request.client_id = view(client_id);
    request.user_id = view(user_id);
    notify_auth_result result{};
    notify_error err{};
    Answer answer;
    answer.status =
        library.descriptor()->auth->authenticate(instance.get(), &request, &result, &err);
    answer.decision = result.decision;
    answer.client_id = copy(result.client_id);
    answer.user_id = copy(result.user_id);
    return answer;
}

bool is_lower_hex(const std::string& text) {
    return text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

class AnonymousAuthTest : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_NE(library_.descriptor(), nullptr); }

    PluginLibrary library_{"anonymous"};
    FakeHost host_;
};

TEST_F(AnonymousAuthTest, DeclaresAnAuthPluginThatDefersSubscribeAndPublish) {
    EXPECT_EQ(library_.descriptor()->kinds, static_cast<std::uint32_t>(NOTIFY_KIND_AUTH));
    ASSERT_NE(library_.descriptor()->auth, nullptr);
    EXPECT_EQ(library_.descriptor()->auth->authorize_subscribe, nullptr);
    EXPECT_EQ(library_.descriptor()->auth->authorize_publish, nullptr);
}

TEST_F(AnonymousAuthTest, NewClientsAreAllowedWithUniqueSixteenHexCharIds) {
    PluginInstance instance{library_, host_};
    ASSERT_TRUE(instance.created()) << instance.create_error();
    std::set<std::string> ids;
    for (int i = 0; i < 100; ++i) {
        const Answer answer = authenticate(library_, instance);
        ASSERT_EQ(answer.status, NOTIFY_OK);
        EXPECT_EQ(answer.decision, NOTIFY_AUTH_ALLOW);
        EXPECT_EQ(answer.client_id.size(), 16u);
        EXPECT_TRUE(is_lower_hex(answer.client_id)) << answer.client_id;
        ids.insert(answer.client_id);
    }
    EXPECT_EQ(ids.size(), 100u);
}

TEST_F(AnonymousAuthTest, ClientIdsStartWithTheConfiguredPrefix) {
    host_.config_values["client_id_prefix"] = std::string{"guest-"};
    PluginInstance instance{library_, host_};
    ASSERT_TRUE(instance.created()) << instance.create_error();
    const Answer answer = authenticate(library_, instance);
    ASSERT_EQ(answer.client_id.size(), 6u + 16u);
    EXPECT_EQ(answer.client_id.substr(0, 6), "guest-");
    EXPECT_TRUE(is_lower_hex(answer.client_id.substr(6))) << answer.client_id;
}

TEST_F(AnonymousAuthTest, RequestedUserIdIsIgnoredByDefault) {
    PluginInstance instance{library_, host_};
    ASSERT_TRUE(instance.created()) << instance.create_error();
    const Answer answer = authenticate(library_, instance, "", "alice");
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_ALLOW);
    EXPECT_EQ(answer.user_id, "");
}

TEST_F(AnonymousAuthTest, RequestedUserIdIsGrantedWhenAllowed) {
    host_.config_values["allow_user_id"] = true;
    PluginInstance instance{library_, host_};
    ASSERT_TRUE(instance.created()) << instance.create_error();
    EXPECT_EQ(authenticate(library_, instance, "", "alice").user_id, "alice");
}

TEST_F(AnonymousAuthTest, ReconnectWithARequestedIdAnswersAnEmptyIdForTheHostToCheck) {
    host_.config_values["client_id_prefix"] = std::string{"guest-"};
    PluginInstance instance{library_, host_};
    ASSERT_TRUE(instance.created()) << instance.create_error();
    const Answer answer = authenticate(library_, instance, "guest-0123456789abcdef");
    EXPECT_EQ(answer.status, NOTIFY_OK);
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_ALLOW);
    EXPECT_EQ(answer.client_id, "");
}

TEST_F(AnonymousAuthTest, AllowUserIdGivenAsAStringFailsCreateNamingTheKey) {
    host_.config_values["allow_user_id"] = std::string{"yes"};
    PluginInstance instance{library_, host_};
    EXPECT_FALSE(instance.created());
    EXPECT_EQ(instance.create_status(), NOTIFY_ERR_WRONG_TYPE);
    EXPECT_NE(instance.create_error().find("allow_user_id"), std::string::npos)
        << instance.create_error();
}

}  // namespace
}  // namespace notify::test
