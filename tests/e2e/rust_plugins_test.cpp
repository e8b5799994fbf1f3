// The Rust plugins end to end: plugins/chat_rs (the chat scenario of chat_test.cpp, with
// plugin = "chat_rs") and plugins/token_file (tokens from a file, answered from its worker
// thread), each served by a real notifyd and driven by notify-cli.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "notify_cli.hpp"
#include "notifyd_fixture.hpp"

namespace notify::test {
namespace {

using std::chrono::seconds;

// One port per test (ctest runs tests in parallel); 39470-39479 are this file's.
constexpr unsigned short kChatRsPort = 39470;
constexpr unsigned short kTokenFileGoodPort = 39471;
constexpr unsigned short kTokenFileBadPort = 39472;

class RustPluginsTest : public NotifydTest {
protected:
    std::unique_ptr<Process> cli(const std::string& label, std::vector<std::string> args) {
        return start_cli(dir_.path(), label, std::move(args));
    }

    // chat_manifest() with another plugin in one of its tables.
    static std::string replaced(std::string text, const std::string& from, const std::string& to) {
        const auto at = text.find(from);
        EXPECT_NE(at, std::string::npos) << "manifest has no " << from;
        if (at != std::string::npos) text.replace(at, from.size(), to);
        return text;
    }

    // A chat_rs room behind token_file (then anonymous for subscribes, which token_file
    // defers), with a `room` namespace that sends join/leave pushes naming the user.
    void start_token_file(unsigned short port) {
        write_file(dir_.path() / "tokens.txt", "# e2e tokens\ntok-alice alice\ntok-bob bob\n");
        std::string manifest = chat_manifest(port);
        manifest = replaced(manifest, "[[auth]]\nplugin = \"anonymous\"\n",
                            "[[auth]]\nplugin = \"token_file\"\nfile = \"tokens.txt\"\n"
                            "[[auth]]\nplugin = \"anonymous\"\n");
        manifest = replaced(manifest, "plugin = \"chat\"\n", "plugin = \"chat_rs\"\n");
        manifest = replaced(manifest, "[topics]\nhistory_size = 10\n",
                            "[topics]\nhistory_size = 10\n"
                            "[namespaces.room]\npresence = true\njoin_leave = true\n");
        start_notifyd(port, manifest);
    }
};

TEST_F(RustPluginsTest, ChatRsSubscribersSeeEveryJoinAndTheSentMessageInOrder) {
    start_notifyd(kChatRsPort, replaced(chat_manifest(kChatRsPort), "plugin = \"chat\"\n",
                                        "plugin = \"chat_rs\"\n"));

    expect_chat_scenario(dir_.path(), url());
}

TEST_F(RustPluginsTest, TokenFileAllowsAListedTokenAsItsUser) {
    start_token_file(kTokenFileGoodPort);
    auto alice = cli("alice", {"sub", url(), "room:x", "--token", "tok-alice", "--join-leave",
                               "--count", "1", "--timeout", "20"});
    ASSERT_TRUE(alice->wait_for_stderr("ready", seconds(10))) << alice->stderr_text();
    auto bob = cli("bob", {"sub", url(), "room:x", "--token", "tok-bob", "--count", "1",
                           "--timeout", "20"});
    ASSERT_TRUE(bob->wait_for_stderr("ready", seconds(10))) << bob->stderr_text();
    auto pub = cli("pub", {"pub", url(), "room:x", "bye", "--token", "tok-alice"});
    EXPECT_EQ(pub->wait_for(seconds(10)), 0) << pub->stderr_text();
    ASSERT_EQ(alice->wait_for(seconds(20)), 0) << alice->stderr_text();
    ASSERT_EQ(bob->wait_for(seconds(20)), 0) << bob->stderr_text();
    // Alice saw Bob join under the user id token_file gave him.
    EXPECT_NE(alice->stdout_text().find("\"user\":\"bob\""), std::string::npos)
        << alice->stdout_text();
    EXPECT_NE(bob->stdout_text().find("\"data\":\"bye\""), std::string::npos)
        << bob->stdout_text();
}

TEST_F(RustPluginsTest, TokenFileRefusesAnUnknownToken) {
    start_token_file(kTokenFileBadPort);
    auto refused = cli("refused", {"sub", url(), "chat", "--token", "tok-mallory", "--count",
                                   "1", "--timeout", "10"});
    EXPECT_EQ(refused->wait_for(seconds(15)), 2) << refused->stderr_text();
    EXPECT_NE(refused->stderr_text().find("connect refused"), std::string::npos)
        << refused->stderr_text();
    EXPECT_NE(refused->stderr_text().find("(101)"), std::string::npos) << refused->stderr_text();
    // notifyd is still serving: a good token still connects.
    auto good = cli("good", {"send", url(), "hi", "--token", "tok-alice"});
    EXPECT_EQ(good->wait_for(seconds(10)), 0) << good->stderr_text();
}

}  // namespace
}  // namespace notify::test
