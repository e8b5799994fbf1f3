// conf/api.toml as its header says to use it: the chat demo with the server API over HTTP and
// gRPC. `notify-cli api` publishes through both, and a `notify-cli sub` on the chat sees both.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <fstream>

#include "notifyd_fixture.hpp"

namespace notify::test {
namespace {

using std::chrono::seconds;

TEST(ApiManifest, NamesItsApisAndCarriesBackendPublishesToTheChat) {
    const std::string file = NOTIFY_SOURCE_DIR "/conf/api.toml";
    const std::string text = read_file(file);
    EXPECT_EQ(text.rfind("# url: ws://127.0.0.1:3200/pubsub\n"
                         "# api: http://127.0.0.1:3201\n"
                         "# api: grpc://127.0.0.1:3202\n",
                         0),
              0u)
        << text.substr(0, 200);

    TempDir dir;
    // The manifest reads the key from the environment; children inherit it.
    ::setenv("NOTIFY_API_KEY", "api-manifest-test-key", 1);
    Process notifyd({NOTIFYD_PATH, "--config", file}, dir.path(), "notifyd");
    ASSERT_TRUE(wait_for_port(3200, seconds(15))) << notifyd.stderr_text();
    ASSERT_TRUE(wait_for_port(3201, seconds(15))) << notifyd.stderr_text();
    ASSERT_TRUE(wait_for_port(3202, seconds(15))) << notifyd.stderr_text();

    Process sub({NOTIFY_CLI_PATH, "sub", "ws://127.0.0.1:3200/pubsub", "chat", "--count", "3",
                 "--timeout", "20"},
                dir.path(), "sub");
    ASSERT_TRUE(sub.wait_for_stderr("ready", seconds(10))) << sub.stderr_text();
    Process over_http({NOTIFY_CLI_PATH, "api", "http://127.0.0.1:3201", "publish",
                       R"({"topic":"chat","data":"from http"})"},
                      dir.path(), "api-http");
    ASSERT_EQ(over_http.wait_for(seconds(10)), 0) << over_http.stderr_text();
    EXPECT_NE(over_http.stdout_text().find(R"("topic":"chat")"), std::string::npos)
        << over_http.stdout_text();
    Process over_grpc({NOTIFY_CLI_PATH, "api", "grpc://127.0.0.1:3202", "publish",
                       R"({"topic":"chat","data":"from grpc"})"},
                      dir.path(), "api-grpc");
    ASSERT_EQ(over_grpc.wait_for(seconds(10)), 0) << over_grpc.stderr_text();

    ASSERT_EQ(sub.wait_for(seconds(20)), 0) << sub.stderr_text();
    const std::string seen = sub.stdout_text();
    EXPECT_NE(seen.find(R"("data":"from http")"), std::string::npos) << seen;
    EXPECT_NE(seen.find(R"("data":"from grpc")"), std::string::npos) << seen;

    // Without the key the API refuses (exit 2, the error on stdout).
    ::unsetenv("NOTIFY_API_KEY");
    Process keyless({NOTIFY_CLI_PATH, "api", "http://127.0.0.1:3201", "info"}, dir.path(),
                    "api-keyless");
    EXPECT_EQ(keyless.wait_for(seconds(10)), 2);
    EXPECT_NE(keyless.stdout_text().find(R"("code":101)"), std::string::npos)
        << keyless.stdout_text();
    notifyd.signal(SIGTERM);
    EXPECT_EQ(notifyd.wait_for(seconds(15)), 0) << notifyd.stderr_text();
}

}  // namespace
}  // namespace notify::test
