// The same behaviour over every transport: notify-cli's sub/pub/send round trips, the chat
// handler, timeouts, and one publish reaching subscribers on every transport alike.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>

#include "parity_server.hpp"

namespace notify::test {
namespace {

using std::chrono::seconds;

class TransportParityTest : public ParityServerTest,
                            public ::testing::WithParamInterface<TransportUrl> {};

std::string param_name(const ::testing::TestParamInfo<TransportUrl>& info) {
    return info.param.name;
}

// {"topic":"T","offset":N,"epoch":"E",<payload field>}
std::regex message_line(const std::string& topic, const std::string& payload_field) {
    return std::regex("\\{\"topic\":\"" + topic + "\",\"offset\":[1-9][0-9]*,\"epoch\":\"[^\"]+\"," +
                      payload_field + "\\}");
}

TEST(TransportsManifest, UrlLinesNameEveryTransportOnItsPort) {
    std::vector<std::string> expected;
    for (const auto& transport : transport_urls()) expected.push_back(transport.url);
    EXPECT_EQ(manifest_urls(parity_manifest()), expected);
}

TEST_P(TransportParityTest, PublishedMessagesReachASubscriberWithExactLines) {
    const auto& transport = GetParam();
    const std::string topic = "round-" + transport.name;
    auto subscriber = start_cli("sub", {"sub", transport.url, topic, "--count", "2",
                                        "--timeout", "15"});
    ASSERT_TRUE(subscriber->wait_for_stderr("ready", seconds(10))) << subscriber->stderr_text();

    std::string error;
    EXPECT_EQ(run_cli("pub-text", {"pub", transport.url, topic, "hello \"" + transport.name + "\""},
                      &error), 0) << error;
    EXPECT_EQ(run_cli("pub-bytes", {"pub", transport.url, topic, "\xff\xfe"}, &error), 0) << error;

    ASSERT_EQ(subscriber->wait_for(seconds(10)), 0) << subscriber->stderr_text();
    const auto lines = split_lines(subscriber->stdout_text());
    ASSERT_EQ(lines.size(), 2u) << subscriber->stdout_text();
    EXPECT_EQ(lines[0].rfind("{\"topic\":\"" + topic + "\",\"offset\":1,\"epoch\":\"", 0), 0u)
        << lines[0];
    EXPECT_TRUE(std::regex_match(lines[0], message_line(topic, "\"data\":\"hello \\\\\"" +
                                                                   transport.name + "\\\\\"\"")))
        << lines[0];
    EXPECT_TRUE(std::regex_match(lines[1], message_line(topic, "\"data_b64\":\"//4=\"")))
        << lines[1];
    EXPECT_NE(lines[1].find("\"offset\":2,"), std::string::npos) << lines[1];
}

TEST_P(TransportParityTest, SendReachesTheChatHandlerWhichPublishesToChat) {
    const auto& transport = GetParam();
    auto subscriber = start_cli("sub", {"sub", transport.url, "chat", "--timeout", "15"});
    ASSERT_TRUE(subscriber->wait_for_stderr("ready", seconds(10))) << subscriber->stderr_text();

    const std::string data = "hi from " + transport.name;
    std::string error;
    EXPECT_EQ(run_cli("send", {"send", transport.url, data}, &error), 0) << error;
    ASSERT_TRUE(subscriber->wait_for_stdout("\"data\":\"" + data + "\"}", seconds(10)))
        << subscriber->stdout_text() << subscriber->stderr_text();
    const auto lines = split_lines(subscriber->stdout_text());
    const auto sent = std::find_if(lines.begin(), lines.end(), [&](const std::string& line) {
        return line.find(data) != std::string::npos;
    });
    ASSERT_NE(sent, lines.end());
    EXPECT_TRUE(std::regex_match(*sent, message_line("chat", "\"data\":\"" + data + "\"")))
        << *sent;
    // The handler subscribed the client on connect and announced it before anything else.
    EXPECT_NE(lines.front().find("joined the chat!!!\"}"), std::string::npos) << lines.front();
}

TEST_P(TransportParityTest, SubscriberWithoutMessagesTimesOutWithExitCodeOne) {
    const auto& transport = GetParam();
    std::string error;
    EXPECT_EQ(run_cli("sub", {"sub", transport.url, "quiet", "--count", "1", "--timeout", "1"},
                      &error), 1) << error;
    EXPECT_TRUE(std::regex_match(
        error, std::regex("client \\S+ \\S+\nready\nnotify-cli: timed out waiting for the server\n")))
        << error;
}

TEST_P(TransportParityTest, PublishToAnOverlongTopicIsRefusedWithExitCodeTwo) {
    const auto& transport = GetParam();
    std::string error;
    EXPECT_EQ(run_cli("pub", {"pub", transport.url, std::string(300, 't'), "x"}, &error), 2);
    EXPECT_EQ(error.rfind("notify-cli: publish to '", 0), 0u) << error;
    EXPECT_NE(error.find("refused: "), std::string::npos) << error;
}

TEST_P(TransportParityTest, PublisherReachesSubscribersOnEveryTransportWithTheSameLine) {
    const auto& publisher = GetParam();
    const std::string topic = "cross-" + publisher.name;
    std::vector<std::unique_ptr<Process>> subscribers;
    for (const auto& transport : transport_urls()) {
        subscribers.push_back(start_cli("sub-" + transport.name,
                                        {"sub", transport.url, topic, "--count", "1",
                                         "--timeout", "15"}));
    }
    for (auto& subscriber : subscribers) {
        ASSERT_TRUE(subscriber->wait_for_stderr("ready", seconds(10)))
            << subscriber->stderr_text();
    }
    std::string error;
    ASSERT_EQ(run_cli("pub", {"pub", publisher.url, topic, "across " + publisher.name}, &error), 0)
        << error;

    std::set<std::string> lines;
    for (std::size_t i = 0; i < subscribers.size(); ++i) {
        ASSERT_EQ(subscribers[i]->wait_for(seconds(10)), 0)
            << transport_urls()[i].name << ": " << subscribers[i]->stderr_text();
        const auto received = split_lines(subscribers[i]->stdout_text());
        ASSERT_EQ(received.size(), 1u) << transport_urls()[i].name;
        lines.insert(received.front());
    }
    ASSERT_EQ(lines.size(), 1u) << "subscribers saw different lines";
    EXPECT_TRUE(std::regex_match(*lines.begin(),
                                 message_line(topic, "\"data\":\"across " + publisher.name + "\"")))
        << *lines.begin();
}

INSTANTIATE_TEST_SUITE_P(Transports, TransportParityTest, ::testing::ValuesIn(transport_urls()),
                         param_name);

}  // namespace
}  // namespace notify::test
