// The C helpers of <notify/sdk.h> and the C++ wrapper of <notify/plugin.hpp>, against FakeHost.
#include <gtest/gtest.h>
#include <notify/sdk.h>

#include <cstdint>
#include <notify/plugin.hpp>
#include <string>

#include "fake_host.hpp"

namespace notify::test {
namespace {

TEST(SdkStrings, ViewsCompareAndConvert) {
    const notify_str hello = notify_str_from_cstr("hello");
    EXPECT_EQ(hello.len, 5u);
    EXPECT_TRUE(notify_str_eq_cstr(hello, "hello"));
    EXPECT_FALSE(notify_str_eq_cstr(hello, "hell"));
    EXPECT_TRUE(notify_str_eq_cstr(notify_str_from_cstr(nullptr), ""));
    EXPECT_EQ(notify_bytes_from_str(hello).len, 5u);
}

TEST(SdkErrors, MessagesAreFormattedAndTruncatedToFit) {
    notify_error err{};
    notify_error_setf(&err, "key '%s' is %d", "x", 3);
    EXPECT_STREQ(err.message, "key 'x' is 3");
    const std::string huge(2 * NOTIFY_ERROR_MESSAGE_MAX, 'a');
    notify_error_setf(&err, "%s", huge.c_str());
    EXPECT_EQ(std::string{err.message}.size(), NOTIFY_ERROR_MESSAGE_MAX - 1u);
}

TEST(SdkConfig, AbsentKeyKeepsTheDefaultAndPresentKeyIsRead) {
    FakeHost host;
    host.config_values["n"] = std::int64_t{5};
    notify_error err{};
    std::int64_t value = 0;
    EXPECT_EQ(notify_config_int_or(host.api(), host.config(), "n", 9, &err, &value), NOTIFY_OK);
    EXPECT_EQ(value, 5);
    EXPECT_EQ(notify_config_int_or(host.api(), host.config(), "absent", 9, &err, &value),
              NOTIFY_OK);
    EXPECT_EQ(value, 9);
}

TEST(SdkConfig, WrongTypeIsReportedNamingTheKeyAndKeepsTheDefault) {
    FakeHost host;
    host.config_values["n"] = std::string{"five"};
    notify_error err{};
    std::int64_t value = 0;
    EXPECT_EQ(notify_config_int_or(host.api(), host.config(), "n", 9, &err, &value),
              NOTIFY_ERR_WRONG_TYPE);
    EXPECT_EQ(value, 9);
    EXPECT_STREQ(err.message, "config key 'n': expected an integer");
}

TEST(SdkHostHas, ChecksTheTableSizeAndTheMember) {
    FakeHost host;
    EXPECT_TRUE(NOTIFY_HOST_HAS(host.api(), publish));
    EXPECT_FALSE(NOTIFY_HOST_HAS(host.api(), disconnect));  // NULL in the fake
    notify_host_api old_host = *host.api();
    old_host.size = static_cast<std::uint32_t>(offsetof(notify_host_api, now_ms));
    EXPECT_FALSE(NOTIFY_HOST_HAS(&old_host, now_ms));
}

TEST(SdkRandomHex, FillsTheRequestedNumberOfHexDigits) {
    char odd[8];
    notify_error err{};
    ASSERT_EQ(notify_random_hex(odd, 7, &err), NOTIFY_OK);
    EXPECT_EQ(std::string{odd}.size(), 7u);
    EXPECT_EQ(std::string{odd}.find_first_not_of("0123456789abcdef"), std::string::npos);

    char first[65];
    char second[65];
    ASSERT_EQ(notify_random_hex(first, 64, &err), NOTIFY_OK);
    ASSERT_EQ(notify_random_hex(second, 64, &err), NOTIFY_OK);
    EXPECT_NE(std::string{first}, std::string{second});
}

TEST(SdkCppHost, PublishesSubscribesAndReadsConfigThroughTheTable) {
    FakeHost fake;
    fake.config_values["name"] = std::string{"room"};
    fake.config_values["flag"] = std::string{"not a bool"};
    const sdk::Host host{fake.api(), fake.ctx(), fake.config()};

    EXPECT_EQ(host.subscribe(NOTIFY_TARGET_CLIENT, "c1", "t"), NOTIFY_OK);
    EXPECT_EQ(host.publish("t", std::string_view{"payload"}), NOTIFY_OK);
    const std::vector<HostCall> expected{subscribe_call(NOTIFY_TARGET_CLIENT, "c1", "t"),
                                         publish_call("t", "payload")};
    EXPECT_EQ(fake.calls, expected);

    notify_error err{};
    EXPECT_EQ(host.config_string("name", "default", err), "room");
    EXPECT_EQ(host.config_string("absent", "default", err), "default");
    EXPECT_EQ(host.config_int("absent", 3, err), 3);
    EXPECT_EQ(host.config_bool("flag", false, err), std::nullopt);
    EXPECT_STREQ(err.message, "config key 'flag': expected a boolean");

    host.log(NOTIFY_LOG_INFO, "hello");
    ASSERT_EQ(fake.log_lines.size(), 1u);
    EXPECT_EQ(fake.log_lines[0], "hello");
}

}  // namespace
}  // namespace notify::test
