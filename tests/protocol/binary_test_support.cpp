#include "binary_test_support.hpp"

#include <stdexcept>

namespace notify::protocol::testing {

namespace {

int hex_digit(char digit) {
    if (digit >= '0' && digit <= '9') {
        return digit - '0';
    }
    if (digit >= 'a' && digit <= 'f') {
        return digit - 'a' + 10;
    }
    if (digit >= 'A' && digit <= 'F') {
        return digit - 'A' + 10;
    }
    throw std::invalid_argument(std::string("not a hex digit: ") + digit);
}

}  // namespace

std::string from_hex(std::string_view hex) {
    std::string bytes;
    int high = -1;
    for (const char digit : hex) {
        if (digit == ' ' || digit == '\n') {
            continue;
        }
        if (high < 0) {
            high = hex_digit(digit);
        } else {
            bytes += static_cast<char>(high * 16 + hex_digit(digit));
            high = -1;
        }
    }
    if (high >= 0) {
        throw std::invalid_argument("odd number of hex digits");
    }
    return bytes;
}

std::string to_hex(std::string_view bytes) {
    constexpr std::string_view kDigits = "0123456789abcdef";
    std::string hex;
    for (const char byte : bytes) {
        const auto value = static_cast<unsigned char>(byte);
        if (!hex.empty()) {
            hex += ' ';
        }
        hex += kDigits[value >> 4U];
        hex += kDigits[value & 0x0FU];
    }
    return hex;
}

std::string all_byte_values() {
    std::string bytes;
    for (int value = 0; value < 256; ++value) {
        bytes += static_cast<char>(value);
    }
    return bytes;
}

std::vector<Command> sample_commands() {
    return {
        Command{1, ConnectCommand{"t", "c", "r", "u"}},
        Command{2, ConnectCommand{}},
        Command{3, ConnectCommand{"", "client-only", "", ""}},
        Command{4, SubscribeCommand{"chat", std::nullopt, ""}},
        Command{5, SubscribeCommand{"ns:chat", Position{18446744073709551615ULL, "e"}, ""}},
        Command{6, SubscribeCommand{"\xc3\xa9t\xc3\xa9", Position{0, ""}, ""}},
        Command{7, UnsubscribeCommand{"chat"}},
        Command{8, PublishCommand{{"a", "b"}, {"c1"}, {"u1", "u2"}, "hello"}},
        Command{9, PublishCommand{{}, {"c1"}, {}, ""}},
        Command{10, PublishCommand{{}, {}, {"u1"}, all_byte_values()}},
        Command{300, SendCommand{all_byte_values()}},
        Command{18446744073709551615ULL, SendCommand{""}},
        Command{128, PingCommand{}},
        Command{11, AckCommand{"orders:1", 5}},
        Command{12, AckCommand{"\xc3\xa9t\xc3\xa9", 18446744073709551615ULL}},
        Command{13, AckCommand{"chat", 0}},
        Command{14, SubscribeCommand{"ns:secret", std::nullopt, "sub-token"}},
        Command{15, SubscribeCommand{"ns:secret", Position{7, "e"}, "sub-token"}},
        Command{16, RefreshCommand{"eyJhbGciOiJIUzI1NiJ9.e30.sig"}},
        Command{18446744073709551615ULL, RefreshCommand{"t"}},
        Command{17, PresenceCommand{"chat"}},
        Command{18, PresenceStatsCommand{"\xc3\xa9t\xc3\xa9"}},
        Command{19, HistoryCommand{"chat", 0, std::nullopt, false}},
        Command{20, HistoryCommand{"ns:chat", 4294967295U, Position{18446744073709551615ULL, "e"},
                                   true}},
        Command{21, HistoryCommand{"chat", 10, Position{0, ""}, false}},
        Command{22, HistoryCommand{"chat", 1, std::nullopt, true}},
    };
}

std::vector<ServerFrame> sample_server_frames() {
    Reply connect;
    connect.id = 1;
    connect.client = "c-6f1d";
    connect.user = "alice";
    connect.resume = "r-93ab";
    connect.version = "0.1.0";
    Reply anonymous_connect;
    anonymous_connect.id = 2;
    anonymous_connect.client = "c";
    anonymous_connect.resume = "r";
    anonymous_connect.version = "0.1.0";
    Reply empty;
    empty.id = 3;
    Reply publish;
    publish.id = 4;
    publish.positions = {TopicPosition{"a", 7, "e"},
                         TopicPosition{"b", 18446744073709551615ULL, ""}};
    Reply error;
    error.id = 5;
    error.error =
        DecodeError{5, ErrorCode::bad_request, "subscribe.topic: expected a non-empty string"};
    Reply error_without_id;
    error_without_id.error = DecodeError{0, ErrorCode::unknown_command, ""};
    Reply error_with_unknown_code;
    error_with_unknown_code.id = 6;
    error_with_unknown_code.error = DecodeError{6, static_cast<ErrorCode>(4294967295U), "later"};
    Reply expiring_connect = connect;
    expiring_connect.id = 7;
    expiring_connect.ttl_ms = 3600000;
    Reply refreshed;
    refreshed.id = 8;
    refreshed.ttl_ms = 18446744073709551615ULL;
    Reply refreshed_now;
    refreshed_now.id = 9;
    refreshed_now.ttl_ms = 0;
    Reply expired;
    expired.id = 10;
    expired.error = DecodeError{10, ErrorCode::token_expired, "token expired"};
    Reply presence;
    presence.id = 11;
    presence.has_presence = true;
    presence.presence = {ClientInfo{"c-1", "alice", R"({"name":"Alice","roles":["a","b"],"n":1})"},
                         ClientInfo{"c-2", "", ""}, ClientInfo{"c-3", "bob", "{}"}};
    Reply nobody_present;
    nobody_present.id = 12;
    nobody_present.has_presence = true;
    Reply stats;
    stats.id = 13;
    stats.presence_clients = 3;
    stats.presence_users = 18446744073709551615ULL;
    Reply history;
    history.id = 14;
    history.position = Position{300, "a1b2"};
    history.has_messages = true;
    history.messages = {HistoryMessage{298, "two ninety-eight"}, HistoryMessage{299, ""},
                        HistoryMessage{300, all_byte_values()}};
    Reply empty_history;
    empty_history.id = 15;
    empty_history.position = Position{0, ""};
    empty_history.has_messages = true;
    return {
        connect,
        anonymous_connect,
        empty,
        publish,
        error,
        error_without_id,
        error_with_unknown_code,
        MessagePush{"chat", 12, "a1b2", "hello, everyone"},
        MessagePush{"chat", 0, "", all_byte_values()},
        MessagePush{"chat", 18446744073709551615ULL, "e", ""},
        DisconnectPush{1001, "server shutting down"},
        DisconnectPush{65535, ""},
        RecoverPush{"chat", 41, "a1b2", "the bus lost messages"},
        RecoverPush{"chat", 0, "", ""},
        RecoverPush{"\xc3\xa9t\xc3\xa9", 18446744073709551615ULL, "e", "epoch changed"},
        expiring_connect,
        refreshed,
        refreshed_now,
        expired,
        presence,
        nobody_present,
        stats,
        history,
        empty_history,
        JoinPush{"chat", ClientInfo{"c-1", "alice", "{\"z\":1,\"a\":[true,null,\"\xc3\xa9\",-2.5]}"}},
        JoinPush{"chat", ClientInfo{"c-2", "", ""}},
        LeavePush{"\xc3\xa9t\xc3\xa9", ClientInfo{"c-1", "alice", R"({"name":"Alice"})"}},
        LeavePush{"chat", ClientInfo{"", "", ""}},
    };
}

std::vector<Reply> sample_recovery_replies() {
    Reply subscribed;
    subscribed.id = 20;
    subscribed.position = Position{300, "a1b2"};
    Reply recovered = subscribed;
    recovered.id = 21;
    recovered.recovered = true;
    Reply not_recovered;
    not_recovered.id = 22;
    not_recovered.position = Position{18446744073709551615ULL, ""};
    not_recovered.recovered = false;
    Reply resumed;
    resumed.id = 23;
    resumed.client = "c-6f1d";
    resumed.user = "alice";
    resumed.resume = "r-93ac";
    resumed.version = "0.1.0";
    resumed.resumed = true;
    Reply overflowed = resumed;
    overflowed.id = 24;
    overflowed.overflow = true;
    Reply everything = overflowed;
    everything.id = 25;
    everything.positions = {TopicPosition{"a", 7, "e"}};
    everything.position = Position{0, "e"};
    everything.recovered = true;
    return {subscribed, recovered, not_recovered, resumed, overflowed, everything};
}

}  // namespace notify::protocol::testing
