// The auth chain over fake auth instances (descriptors built in the test, no .so needed).
#include "runtime/auth_chain.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <optional>
#include <utility>
#include <string>
#include <vector>

namespace notify::runtime::test {
namespace {

// What one fake auth instance answers; its handle points to it.
struct Behaviour {
    notify_status status = NOTIFY_OK;
    notify_auth_decision decision = NOTIFY_AUTH_DEFER;
    std::string user;
    std::string error;
    int calls = 0;
    std::vector<std::string> headers;  // "name=value" of the last request
};

notify_status fake_authenticate(void* instance, const notify_auth_request* request,
                                notify_auth_result* result, notify_error* err) {
    auto* behaviour = static_cast<Behaviour*>(instance);
    ++behaviour->calls;
    behaviour->headers.clear();
    for (std::size_t i = 0; i < request->header_count; ++i) {
        const notify_header& header = request->headers[i];
        behaviour->headers.push_back(std::string(header.name.data, header.name.len) + "=" +
                                     std::string(header.value.data, header.value.len));
    }
    result->decision = behaviour->decision;
    result->user_id = notify_str{behaviour->user.data(), behaviour->user.size()};
    std::strncpy(err->message, behaviour->error.c_str(), NOTIFY_ERROR_MESSAGE_MAX - 1);
    return behaviour->status;
}

const notify_auth_vtable kFakeAuth = {sizeof(notify_auth_vtable), fake_authenticate, nullptr,
                                      nullptr};

class FakeLibrary final : public host::PluginLibrary {
public:
    FakeLibrary() {
        descriptor_.size = sizeof descriptor_;
        descriptor_.abi_major = NOTIFY_ABI_MAJOR;
        descriptor_.name = "fake_auth";
        descriptor_.kinds = NOTIFY_KIND_AUTH;
        descriptor_.auth = &kFakeAuth;
    }
    const std::filesystem::path& path() const override { return path_; }
    const notify_plugin_descriptor& descriptor() const override { return descriptor_; }

private:
    std::filesystem::path path_ = "/fake/notify_fake_auth.so";
    notify_plugin_descriptor descriptor_{};
};

class AuthChainTest : public ::testing::Test {
protected:
    // Adds an auth instance with creation index `index`.
    Behaviour& add(std::uint32_t index) {
        behaviours_.push_back(std::make_unique<Behaviour>());
        auto instance = std::make_unique<PluginInstance>();
        instance->library = library_;
        instance->handle = behaviours_.back().get();
        instance->spec.name = "auth" + std::to_string(index);
        instance->ctx = std::make_unique<notify_host_ctx>();
        instance->ctx->instance = index;
        instance->ctx->kind = host::PluginKind::auth;
        instances_.push_back(std::move(instance));
        return *behaviours_.back();
    }

    AuthChain chain() const {
        std::vector<const PluginInstance*> auths;
        for (const auto& instance : instances_) auths.push_back(instance.get());
        return AuthChain(std::move(auths));
    }

    static AuthAnswer answer(notify_auth_decision decision, std::string user = {}) {
        AuthAnswer out;
        out.decision = decision;
        out.user_id = std::move(user);
        return out;
    }

    std::shared_ptr<FakeLibrary> library_ = std::make_shared<FakeLibrary>();
    std::vector<std::unique_ptr<Behaviour>> behaviours_;
    std::vector<std::unique_ptr<PluginInstance>> instances_;
};

TEST_F(AuthChainTest, Defer_AsksTheNextAuthWhichDecides) {
    Behaviour& first = add(1);
    Behaviour& second = add(2);
    second.decision = NOTIFY_AUTH_ALLOW;
    second.user = "carol";

    const core::AuthOutcome outcome = chain().authenticate(7, core::AuthRequest{}, "ws");
    EXPECT_EQ(outcome.kind, core::AuthOutcome::Kind::allow);
    EXPECT_EQ(outcome.user_id, "carol");
    EXPECT_EQ(first.calls, 1);
    EXPECT_EQ(second.calls, 1);
}

TEST_F(AuthChainTest, Deny_StopsTheChain) {
    Behaviour& first = add(1);
    first.decision = NOTIFY_AUTH_DENY;
    Behaviour& second = add(2);
    second.decision = NOTIFY_AUTH_ALLOW;

    const core::AuthOutcome outcome = chain().authenticate(7, core::AuthRequest{}, "ws");
    EXPECT_EQ(outcome.kind, core::AuthOutcome::Kind::deny);
    EXPECT_EQ(second.calls, 0);
}

TEST_F(AuthChainTest, AllDefer_DeniesAConnectButAllowsAnAuthorization) {
    add(1);
    AuthChain auth = chain();
    const core::AuthOutcome connect = auth.authenticate(7, core::AuthRequest{}, "ws");
    EXPECT_EQ(connect.kind, core::AuthOutcome::Kind::deny);
    EXPECT_EQ(connect.reason, "no auth plugin accepted the connection");

    const core::AuthOutcome subscribe =
        auth.authorize(AuthChain::Step::authorize_subscribe, 8, "c1", "", "news");
    EXPECT_EQ(subscribe.kind, core::AuthOutcome::Kind::allow);
}

TEST_F(AuthChainTest, PluginError_DeniesWithItsMessage) {
    Behaviour& first = add(1);
    first.status = NOTIFY_ERR_IO;
    first.error = "token service unreachable";

    const core::AuthOutcome outcome = chain().authenticate(7, core::AuthRequest{}, "ws");
    EXPECT_EQ(outcome.kind, core::AuthOutcome::Kind::deny);
    EXPECT_EQ(outcome.reason, "token service unreachable");
}

TEST_F(AuthChainTest, Pending_SuspendsUntilThatInstanceAnswersThenContinues) {
    Behaviour& first = add(1);
    first.status = NOTIFY_PENDING;
    Behaviour& second = add(2);
    second.decision = NOTIFY_AUTH_ALLOW;
    second.user = "dave";
    AuthChain auth = chain();

    EXPECT_EQ(auth.authenticate(7, core::AuthRequest{}, "ws").kind,
              core::AuthOutcome::Kind::pending);
    EXPECT_EQ(second.calls, 0);
    EXPECT_EQ(auth.pending_count(), 1u);

    // An answer from another instance, or for another request, is ignored.
    EXPECT_FALSE(auth.resume(2, 7, answer(NOTIFY_AUTH_ALLOW)).has_value());
    EXPECT_FALSE(auth.resume(1, 8, answer(NOTIFY_AUTH_ALLOW)).has_value());
    EXPECT_EQ(auth.pending_count(), 1u);

    const auto outcome = auth.resume(1, 7, answer(NOTIFY_AUTH_DEFER));
    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(outcome->kind, core::AuthOutcome::Kind::allow);
    EXPECT_EQ(outcome->user_id, "dave");
    EXPECT_EQ(auth.pending_count(), 0u);
}

TEST_F(AuthChainTest, Pending_AllowAnswerDecidesWithoutAskingFurther) {
    Behaviour& first = add(1);
    first.status = NOTIFY_PENDING;
    Behaviour& second = add(2);
    AuthChain auth = chain();

    ASSERT_EQ(auth.authenticate(9, core::AuthRequest{}, "ws").kind,
              core::AuthOutcome::Kind::pending);
    const auto outcome = auth.resume(1, 9, answer(NOTIFY_AUTH_ALLOW, "erin"));
    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(outcome->kind, core::AuthOutcome::Kind::allow);
    EXPECT_EQ(outcome->user_id, "erin");
    EXPECT_EQ(second.calls, 0);
}

TEST_F(AuthChainTest, Headers_ReachTheAuthPluginsRequest) {
    Behaviour& first = add(1);
    first.decision = NOTIFY_AUTH_ALLOW;
    AuthChain auth = chain();
    core::AuthRequest request;
    request.headers = {{"cookie", "a=1"}, {"x-real-ip", "203.0.113.1"}};
    EXPECT_EQ(auth.authenticate(3, request, "ws").kind, core::AuthOutcome::Kind::allow);
    EXPECT_EQ(first.headers, (std::vector<std::string>{"cookie=a=1", "x-real-ip=203.0.113.1"}));
}

TEST_F(AuthChainTest, CloseCode_OfADenialIsKeptOnlyWithin4000To4999) {
    Behaviour& first = add(1);
    first.status = NOTIFY_PENDING;
    AuthChain auth = chain();
    for (const auto& [given, kept] : {std::pair<std::uint16_t, std::uint16_t>{4501, 4501},
                                      {4000, 4000},
                                      {1000, 0},
                                      {5000, 0}}) {
        ASSERT_EQ(auth.authenticate(11, core::AuthRequest{}, "ws").kind,
                  core::AuthOutcome::Kind::pending);
        AuthAnswer denied = answer(NOTIFY_AUTH_DENY);
        denied.close_code = given;
        const auto outcome = auth.resume(1, 11, denied);
        ASSERT_TRUE(outcome.has_value());
        EXPECT_EQ(outcome->kind, core::AuthOutcome::Kind::deny);
        EXPECT_EQ(outcome->close_code, kept) << given;
    }
}

TEST(AuthAnswerCopy, ReadsTheAbi17MembersOnlyWhenTheSizeCoversThem) {
    const std::string moderated = "***";
    notify_auth_result result{};
    result.size = sizeof result;
    result.decision = NOTIFY_AUTH_ALLOW;
    result.data = notify_bytes{reinterpret_cast<const std::uint8_t*>(moderated.data()),
                               moderated.size()};
    result.replace_data = true;
    result.close_code = 4501;
    const AuthAnswer full = AuthAnswer::copy(result);
    EXPECT_EQ(full.replacement_data, std::optional<std::string>{"***"});
    EXPECT_EQ(full.close_code, 4501);

    // A 1.6 plugin's struct ends at topic_count: whatever follows is not its.
    result.size = static_cast<std::uint32_t>(NOTIFY_FIELD_END_(notify_auth_result, topic_count));
    const AuthAnswer old = AuthAnswer::copy(result);
    EXPECT_FALSE(old.replacement_data.has_value());
    EXPECT_EQ(old.close_code, 0);

    // replace_data false: the data member is not a replacement.
    result.size = sizeof result;
    result.replace_data = false;
    EXPECT_FALSE(AuthAnswer::copy(result).replacement_data.has_value());
}

}  // namespace
}  // namespace notify::runtime::test
