// The original Notify chat, end to end: notifyd on a chat manifest, driven by notify-cli.
#include <gtest/gtest.h>

#include "notify_cli.hpp"
#include "notifyd_fixture.hpp"

namespace notify::test {
namespace {

using std::chrono::seconds;

class ChatTest : public NotifydTest {};

}  // namespace

void expect_chat_scenario(const std::filesystem::path& dir, const std::string& url) {
    auto first = start_cli(dir, "first", {"sub", url, "chat", "--count", "4", "--timeout", "20"});
    ASSERT_TRUE(first->wait_for_stderr("ready", seconds(10))) << first->stderr_text();
    auto second = start_cli(dir, "second", {"sub", url, "chat", "--count", "3", "--timeout", "20"});
    ASSERT_TRUE(second->wait_for_stderr("ready", seconds(10))) << second->stderr_text();
    auto sender = start_cli(dir, "sender", {"send", url, "hello"});
    EXPECT_EQ(sender->wait_for(seconds(10)), 0) << sender->stderr_text();

    ASSERT_EQ(first->wait_for(seconds(20)), 0) << first->stderr_text();
    ASSERT_EQ(second->wait_for(seconds(20)), 0) << second->stderr_text();

    const auto first_lines = split_lines(first->stdout_text());
    const auto second_lines = split_lines(second->stdout_text());
    ASSERT_EQ(first_lines.size(), 4u) << first->stdout_text();
    ASSERT_EQ(second_lines.size(), 3u) << second->stdout_text();
    for (int join = 0; join < 3; ++join) {
        EXPECT_NE(first_lines[join].find("joined the chat!!!\""), std::string::npos)
            << first_lines[join];
        EXPECT_EQ(first_lines[join].rfind("{\"topic\":\"chat\",\"offset\":", 0), 0u)
            << first_lines[join];
    }
    EXPECT_NE(first_lines[3].find("\"data\":\"hello\"}"), std::string::npos) << first_lines[3];
    // The second subscriber saw exactly the last three messages, with the same offsets and epoch.
    EXPECT_EQ(second_lines[0], first_lines[1]);
    EXPECT_EQ(second_lines[1], first_lines[2]);
    EXPECT_EQ(second_lines[2], first_lines[3]);
    EXPECT_NE(first_lines[0], first_lines[1]);
}

namespace {

TEST_F(ChatTest, SubscribersSeeEveryJoinAndTheSentMessageInOrder) {
    start_notifyd(39401, chat_manifest(39401));
    expect_chat_scenario(dir_.path(), url());
}

TEST_F(ChatTest, PublishedMessageReachesSubscriberAndPubExitsAfterAck) {
    start_notifyd(39402, chat_manifest(39402));
    auto subscriber = start_cli(dir_.path(), "sub", {"sub", url(), "news", "--count", "1",
                                                     "--timeout", "20"});
    ASSERT_TRUE(subscriber->wait_for_stderr("ready", seconds(10))) << subscriber->stderr_text();
    auto publisher = start_cli(dir_.path(), "pub", {"pub", url(), "news", "extra extra"});
    EXPECT_EQ(publisher->wait_for(seconds(10)), 0) << publisher->stderr_text();
    ASSERT_EQ(subscriber->wait_for(seconds(10)), 0) << subscriber->stderr_text();
    const auto lines = split_lines(subscriber->stdout_text());
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].rfind("{\"topic\":\"news\",\"offset\":1,\"epoch\":\"", 0), 0u) << lines[0];
    EXPECT_NE(lines[0].find("\"data\":\"extra extra\"}"), std::string::npos) << lines[0];
}

TEST_F(ChatTest, SubscriberTimesOutWithExitCodeOne) {
    start_notifyd(39403, chat_manifest(39403));
    auto subscriber = start_cli(dir_.path(), "sub", {"sub", url(), "quiet", "--count", "1",
                                                     "--timeout", "1"});
    EXPECT_EQ(subscriber->wait_for(seconds(10)), 1) << subscriber->stderr_text();
}

}  // namespace
}  // namespace notify::test
