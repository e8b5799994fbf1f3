// grpc_api alone against the fake host (sdk/fakehost), for what needs no notifyd: the reload of
// its table (reconfigure, ABI 1.6). Ports 39872-39875, on loopback: one per test, since ctest runs
// them at once and grpc listens with SO_REUSEPORT (two tests on one port would share connections).
//
// The calls go through grpc's generic stub with the message as bytes: the plugin carries the
// generated notify_api.proto code, and linking it into this process too would register the file
// twice in libprotobuf's one descriptor database (a fatal error when the plugin loads).
#include <gtest/gtest.h>

#include <notify/fakehost.h>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <stdlib.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>

namespace notify::test {
namespace {

constexpr unsigned short swap_keys_port = 39872;
constexpr unsigned short unreadable_key_file_port = 39873;
constexpr unsigned short listen_change_port = 39874;
// Only named in a refused reconfigure, never listened on.
constexpr unsigned short changed_listen_port = 39875;
constexpr const char* key_variable = "NOTIFY_API_GRPC_TEST_KEY";
constexpr const char* key = "grpc-k3y-of-the-tests";
constexpr const char* rotated_key_variable = "NOTIFY_API_GRPC_TEST_ROTATED_KEY";
constexpr const char* rotated_key = "grpc-r0tated-k3y";

// Every method answers {}: these tests are about who is let in, not what the methods do.
void empty_answer(void*, const char*, const char*, const char*, notify_fakehost_api_reply* reply) {
    reply->result = "{}";
}

class ApiGrpcPluginTest : public ::testing::Test {
protected:
    void SetUp() override {
        ::setenv(key_variable, key, 1);
        ::setenv(rotated_key_variable, rotated_key, 1);
    }

    // Loads and starts the plugin listening on 127.0.0.1:`port`, and a stub for it.
    void start(unsigned short port) {
        host_ = notify_fakehost_new();
        ASSERT_EQ(notify_fakehost_load(host_, NOTIFY_TEST_PLUGIN_DIR "/notify_grpc_api.so"),
                  NOTIFY_OK)
            << notify_fakehost_last_error(host_);
        notify_fakehost_config_string(host_, "listen",
                                      ("127.0.0.1:" + std::to_string(port)).c_str());
        notify_fakehost_config_string(host_, "key_env", key_variable);
        notify_fakehost_set_api_handler(host_, empty_answer, nullptr);
        notify_fakehost_set_api_auto_deliver(host_, true);
        ASSERT_EQ(notify_fakehost_create(host_), NOTIFY_OK) << notify_fakehost_last_error(host_);
        ASSERT_EQ(notify_fakehost_start(host_), NOTIFY_OK) << notify_fakehost_last_error(host_);
        stub_ = std::make_unique<grpc::GenericStub>(grpc::CreateChannel(
            "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
    }

    void TearDown() override {
        stub_.reset();
        if (host_ != nullptr) notify_fakehost_free(host_);
        ::unsetenv(key_variable);
        ::unsetenv(rotated_key_variable);
    }

    // The status of an Info call presenting `api_key` (an empty InfoRequest is zero bytes).
    grpc::StatusCode info(const std::string& api_key) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        context.AddMetadata("authorization", "apikey " + api_key);
        grpc::Slice empty("");
        const grpc::ByteBuffer request(&empty, 1);
        grpc::ByteBuffer response;
        std::promise<grpc::Status> done;
        stub_->UnaryCall(&context, "/notify.api.v1.Api/Info", grpc::StubOptions{}, &request,
                         &response, [&done](grpc::Status status) { done.set_value(status); });
        auto finished = done.get_future();
        if (finished.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
            ADD_FAILURE() << "Info did not finish";
            context.TryCancel();
            return finished.get().error_code();
        }
        return finished.get().error_code();
    }

    std::string find_log(const std::string& needle) const {
        for (std::size_t i = 0; i < notify_fakehost_call_count(host_); ++i) {
            const notify_fakehost_call* call = notify_fakehost_call_at(host_, i);
            if (call->kind != NOTIFY_FAKEHOST_LOG) continue;
            const std::string text{call->text.data, call->text.len};
            if (text.find(needle) != std::string::npos) return text;
        }
        return {};
    }

    notify_fakehost* host_ = nullptr;
    std::unique_ptr<grpc::GenericStub> stub_;
};

TEST_F(ApiGrpcPluginTest, ReconfigureSwapsTheApiKeys) {
    ASSERT_NO_FATAL_FAILURE(start(swap_keys_port));
    EXPECT_EQ(info(key), grpc::StatusCode::OK);
    notify_fakehost_config_string(host_, "key_env", rotated_key_variable);
    ASSERT_EQ(notify_fakehost_reconfigure(host_), NOTIFY_OK) << notify_fakehost_last_error(host_);

    EXPECT_EQ(info(rotated_key), grpc::StatusCode::OK);
    EXPECT_EQ(info(key), grpc::StatusCode::UNAUTHENTICATED);
    const std::string line = find_log("grpc_api: reconfigured: ");
    EXPECT_NE(line.find("API keys replaced (1 -> 1 keys)"), std::string::npos) << line;
    EXPECT_EQ(line.find(key), std::string::npos) << line;
    EXPECT_EQ(line.find(rotated_key), std::string::npos) << line;
}

TEST_F(ApiGrpcPluginTest, ReconfigureWithAnUnreadableKeyFileKeepsTheOldKeys) {
    ASSERT_NO_FATAL_FAILURE(start(unreadable_key_file_port));
    notify_fakehost_config_remove(host_, "key_env");
    notify_fakehost_config_path(host_, "key_file", "/nonexistent/grpc-keys.txt");
    EXPECT_EQ(notify_fakehost_reconfigure(host_), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string{notify_fakehost_last_error(host_)}.find("/nonexistent/grpc-keys.txt"),
              std::string::npos)
        << notify_fakehost_last_error(host_);
    EXPECT_EQ(info(key), grpc::StatusCode::OK);
    EXPECT_EQ(find_log("grpc_api: reconfigured"), "");
}

TEST_F(ApiGrpcPluginTest, ReconfigureRefusesAListenChangeAndKeepsServing) {
    ASSERT_NO_FATAL_FAILURE(start(listen_change_port));
    notify_fakehost_config_string(host_, "key_env", rotated_key_variable);
    notify_fakehost_config_string(host_, "listen",
                                  ("127.0.0.1:" + std::to_string(changed_listen_port)).c_str());
    EXPECT_EQ(notify_fakehost_reconfigure(host_), NOTIFY_ERR_UNSUPPORTED);
    EXPECT_NE(std::string{notify_fakehost_last_error(host_)}.find(
                  "listen changes need a restart"),
              std::string::npos)
        << notify_fakehost_last_error(host_);
    EXPECT_EQ(info(key), grpc::StatusCode::OK);
    EXPECT_EQ(info(rotated_key), grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace notify::test
