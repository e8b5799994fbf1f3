#include "json_writer.hpp"

#include <notify/protocol/json.hpp>

#include <vector>

namespace notify::protocol {

namespace {

using detail::append_uint;
using detail::kMaxUint64Digits;
using detail::scan_json_string;
using detail::write_json_string;

constexpr std::string_view kReplyIdKey = "{\"id\":";

// "client":"c","user":"u" and ,"info":{…} when there is one (no braces).
std::size_t client_info_size(const ClientInfo& who) {
    return 25 + scan_json_string(who.client).quoted_size + scan_json_string(who.user).quoted_size +
           who.info.size();
}

void append_client_info(std::string& out, const ClientInfo& who) {
    out += "\"client\":";
    write_json_string(out, who.client);
    out += ",\"user\":";
    write_json_string(out, who.user);
    if (!who.info.empty()) {
        out += ",\"info\":";
        out += who.info;  // the text of a JSON object, validated by the server
    }
}

std::string encode_presence_change(std::string_view kind_key, std::string_view topic,
                                   const ClientInfo& who) {
    constexpr std::string_view kClose = "}}}";
    const detail::JsonStringScan topic_scan = scan_json_string(topic);
    std::string out;
    out.reserve(kind_key.size() + topic_scan.quoted_size + 1 + client_info_size(who) +
                kClose.size());
    out += kind_key;
    write_json_string(out, topic, topic_scan);
    out += ',';
    append_client_info(out, who);
    out += kClose;
    return out;
}

}  // namespace

std::string encode_connect_reply(std::uint64_t id, std::string_view client, std::string_view user,
                                 std::string_view resume_token, std::string_view server_version) {
    return encode_connect_reply(id, client, user, resume_token, server_version, SessionResume{});
}

std::string encode_connect_reply(std::uint64_t id, std::string_view client, std::string_view user,
                                 std::string_view resume_token, std::string_view server_version,
                                 SessionResume session) {
    constexpr std::string_view kClientKey = ",\"result\":{\"client\":";
    constexpr std::string_view kUserKey = ",\"user\":";
    constexpr std::string_view kResumeKey = ",\"resume\":";
    constexpr std::string_view kVersionKey = ",\"version\":";
    // Written only when true: a fresh connect's reply stays what it was before sessions resumed.
    constexpr std::string_view kResumed = ",\"resumed\":true";
    constexpr std::string_view kOverflow = ",\"overflow\":true";
    constexpr std::string_view kTtlKey = ",\"ttl_ms\":";
    std::string out;
    out.reserve(kReplyIdKey.size() + kMaxUint64Digits + kClientKey.size() +
                scan_json_string(client).quoted_size + kUserKey.size() +
                scan_json_string(user).quoted_size + kResumeKey.size() +
                scan_json_string(resume_token).quoted_size + kVersionKey.size() +
                scan_json_string(server_version).quoted_size + kResumed.size() + kOverflow.size() +
                kTtlKey.size() + kMaxUint64Digits + 2);
    out += kReplyIdKey;
    append_uint(out, id);
    out += kClientKey;
    write_json_string(out, client);
    out += kUserKey;
    write_json_string(out, user);
    out += kResumeKey;
    write_json_string(out, resume_token);
    out += kVersionKey;
    write_json_string(out, server_version);
    if (session.resumed) {
        out += kResumed;
    }
    if (session.overflow) {
        out += kOverflow;
    }
    if (session.ttl_ms) {
        out += kTtlKey;
        append_uint(out, *session.ttl_ms);
    }
    out += "}}";
    return out;
}

std::string encode_empty_reply(std::uint64_t id) {
    constexpr std::string_view kEmptyResult = ",\"result\":{}}";
    std::string out;
    out.reserve(kReplyIdKey.size() + kMaxUint64Digits + kEmptyResult.size());
    out += kReplyIdKey;
    append_uint(out, id);
    out += kEmptyResult;
    return out;
}

std::string encode_refresh_reply(std::uint64_t id, std::optional<std::uint64_t> ttl_ms) {
    if (!ttl_ms) {
        return encode_empty_reply(id);
    }
    constexpr std::string_view kTtlKey = ",\"result\":{\"ttl_ms\":";
    std::string out;
    out.reserve(kReplyIdKey.size() + kMaxUint64Digits + kTtlKey.size() + kMaxUint64Digits + 2);
    out += kReplyIdKey;
    append_uint(out, id);
    out += kTtlKey;
    append_uint(out, *ttl_ms);
    out += "}}";
    return out;
}

std::string encode_subscribe_reply(std::uint64_t id, const Position& position,
                                   std::optional<bool> recovered) {
    constexpr std::string_view kOffsetKey = ",\"result\":{\"offset\":";
    constexpr std::string_view kEpochKey = ",\"epoch\":";
    constexpr std::string_view kRecoveredTrue = ",\"recovered\":true";
    constexpr std::string_view kRecoveredFalse = ",\"recovered\":false";
    std::string out;
    out.reserve(kReplyIdKey.size() + kMaxUint64Digits + kOffsetKey.size() + kMaxUint64Digits +
                kEpochKey.size() + scan_json_string(position.epoch).quoted_size +
                kRecoveredFalse.size() + 2);
    out += kReplyIdKey;
    append_uint(out, id);
    out += kOffsetKey;
    append_uint(out, position.offset);
    out += kEpochKey;
    write_json_string(out, position.epoch);
    if (recovered) {
        out += *recovered ? kRecoveredTrue : kRecoveredFalse;
    }
    out += "}}";
    return out;
}

std::string encode_publish_reply(std::uint64_t id, std::span<const TopicPosition> positions) {
    constexpr std::string_view kPositionsKey = ",\"result\":{\"positions\":[";
    constexpr std::string_view kTopicKey = "{\"topic\":";
    constexpr std::string_view kOffsetKey = ",\"offset\":";
    constexpr std::string_view kEpochKey = ",\"epoch\":";
    std::size_t size = kReplyIdKey.size() + kMaxUint64Digits + kPositionsKey.size() + 3;
    for (const TopicPosition& position : positions) {
        size += 2 + kTopicKey.size() + scan_json_string(position.topic).quoted_size +
                kOffsetKey.size() + kMaxUint64Digits + kEpochKey.size() +
                scan_json_string(position.epoch).quoted_size;
    }
    std::string out;
    out.reserve(size);
    out += kReplyIdKey;
    append_uint(out, id);
    out += kPositionsKey;
    for (std::size_t index = 0; index < positions.size(); ++index) {
        if (index != 0) {
            out += ',';
        }
        out += kTopicKey;
        write_json_string(out, positions[index].topic);
        out += kOffsetKey;
        append_uint(out, positions[index].offset);
        out += kEpochKey;
        write_json_string(out, positions[index].epoch);
        out += '}';
    }
    out += "]}}";
    return out;
}

std::string encode_error_reply(std::uint64_t id, ErrorCode code, std::string_view message) {
    constexpr std::string_view kCodeKey = ",\"error\":{\"code\":";
    constexpr std::string_view kMessageKey = ",\"message\":";
    std::string out;
    out.reserve(kReplyIdKey.size() + kMaxUint64Digits + kCodeKey.size() + kMaxUint64Digits +
                kMessageKey.size() + scan_json_string(message).quoted_size + 2);
    out += kReplyIdKey;
    append_uint(out, id);
    out += kCodeKey;
    append_uint(out, static_cast<std::uint32_t>(code));
    out += kMessageKey;
    write_json_string(out, message);
    out += "}}";
    return out;
}

std::string encode_message_push(std::string_view topic, std::uint64_t offset,
                                std::string_view epoch, std::string_view payload) {
    constexpr std::string_view kTopicKey = "{\"push\":{\"message\":{\"topic\":";
    constexpr std::string_view kOffsetKey = ",\"offset\":";
    constexpr std::string_view kEpochKey = ",\"epoch\":";
    constexpr std::string_view kClose = "}}}";
    const detail::JsonStringScan topic_scan = scan_json_string(topic);
    const detail::JsonStringScan epoch_scan = scan_json_string(epoch);
    const detail::JsonStringScan payload_scan = detail::scan_payload(payload);
    std::string out;
    out.reserve(kTopicKey.size() + topic_scan.quoted_size + kOffsetKey.size() +
                kMaxUint64Digits + kEpochKey.size() + epoch_scan.quoted_size + 1 +
                detail::payload_field_size(payload, payload_scan) + kClose.size());
    out += kTopicKey;
    write_json_string(out, topic, topic_scan);
    out += kOffsetKey;
    append_uint(out, offset);
    out += kEpochKey;
    write_json_string(out, epoch, epoch_scan);
    out += ',';
    detail::append_payload_field_scanned(out, payload, payload_scan);
    out += kClose;
    return out;
}

std::string encode_disconnect_push(std::uint16_t code, std::string_view reason) {
    constexpr std::string_view kCodeKey = "{\"push\":{\"disconnect\":{\"code\":";
    constexpr std::string_view kReasonKey = ",\"reason\":";
    constexpr std::string_view kClose = "}}}";
    std::string out;
    out.reserve(kCodeKey.size() + kMaxUint64Digits + kReasonKey.size() +
                scan_json_string(reason).quoted_size + kClose.size());
    out += kCodeKey;
    append_uint(out, code);
    out += kReasonKey;
    write_json_string(out, reason);
    out += kClose;
    return out;
}

std::string encode_recover_push(std::string_view topic, std::uint64_t offset,
                                std::string_view epoch, std::string_view reason) {
    constexpr std::string_view kTopicKey = "{\"push\":{\"recover\":{\"topic\":";
    constexpr std::string_view kOffsetKey = ",\"offset\":";
    constexpr std::string_view kEpochKey = ",\"epoch\":";
    constexpr std::string_view kReasonKey = ",\"reason\":";
    constexpr std::string_view kClose = "}}}";
    const detail::JsonStringScan topic_scan = scan_json_string(topic);
    const detail::JsonStringScan epoch_scan = scan_json_string(epoch);
    const detail::JsonStringScan reason_scan = scan_json_string(reason);
    std::string out;
    out.reserve(kTopicKey.size() + topic_scan.quoted_size + kOffsetKey.size() +
                kMaxUint64Digits + kEpochKey.size() + epoch_scan.quoted_size +
                kReasonKey.size() + reason_scan.quoted_size + kClose.size());
    out += kTopicKey;
    write_json_string(out, topic, topic_scan);
    out += kOffsetKey;
    append_uint(out, offset);
    out += kEpochKey;
    write_json_string(out, epoch, epoch_scan);
    out += kReasonKey;
    write_json_string(out, reason, reason_scan);
    out += kClose;
    return out;
}

std::string encode_presence_reply(std::uint64_t id, std::span<const ClientInfo> clients) {
    constexpr std::string_view kPresenceKey = ",\"result\":{\"presence\":[";
    std::size_t size = kReplyIdKey.size() + kMaxUint64Digits + kPresenceKey.size() + 3;
    for (const ClientInfo& who : clients) {
        size += 3 + client_info_size(who);
    }
    std::string out;
    out.reserve(size);
    out += kReplyIdKey;
    append_uint(out, id);
    out += kPresenceKey;
    for (std::size_t index = 0; index < clients.size(); ++index) {
        if (index != 0) {
            out += ',';
        }
        out += '{';
        append_client_info(out, clients[index]);
        out += '}';
    }
    out += "]}}";
    return out;
}

std::string encode_presence_stats_reply(std::uint64_t id, std::uint64_t clients,
                                        std::uint64_t users) {
    constexpr std::string_view kClientsKey = ",\"result\":{\"clients\":";
    constexpr std::string_view kUsersKey = ",\"users\":";
    std::string out;
    out.reserve(kReplyIdKey.size() + kMaxUint64Digits + kClientsKey.size() + kMaxUint64Digits +
                kUsersKey.size() + kMaxUint64Digits + 2);
    out += kReplyIdKey;
    append_uint(out, id);
    out += kClientsKey;
    append_uint(out, clients);
    out += kUsersKey;
    append_uint(out, users);
    out += "}}";
    return out;
}

std::string encode_history_reply(std::uint64_t id, const Position& position,
                                 std::span<const HistoryMessage> messages) {
    constexpr std::string_view kOffsetKey = ",\"result\":{\"offset\":";
    constexpr std::string_view kEpochKey = ",\"epoch\":";
    constexpr std::string_view kMessagesKey = ",\"messages\":[";
    constexpr std::string_view kMessageOffsetKey = "{\"offset\":";
    std::vector<detail::JsonStringScan> scans;
    scans.reserve(messages.size());
    std::size_t size = kReplyIdKey.size() + kMaxUint64Digits + kOffsetKey.size() +
                       kMaxUint64Digits + kEpochKey.size() +
                       scan_json_string(position.epoch).quoted_size + kMessagesKey.size() + 3;
    for (const HistoryMessage& message : messages) {
        scans.push_back(detail::scan_payload(message.data));
        size += 3 + kMessageOffsetKey.size() + kMaxUint64Digits +
                detail::payload_field_size(message.data, scans.back());
    }
    std::string out;
    out.reserve(size);
    out += kReplyIdKey;
    append_uint(out, id);
    out += kOffsetKey;
    append_uint(out, position.offset);
    out += kEpochKey;
    write_json_string(out, position.epoch);
    out += kMessagesKey;
    for (std::size_t index = 0; index < messages.size(); ++index) {
        if (index != 0) {
            out += ',';
        }
        out += kMessageOffsetKey;
        append_uint(out, messages[index].offset);
        out += ',';
        detail::append_payload_field_scanned(out, messages[index].data, scans[index]);
        out += '}';
    }
    out += "]}}";
    return out;
}

std::string encode_join_push(std::string_view topic, const ClientInfo& who) {
    return encode_presence_change("{\"push\":{\"join\":{\"topic\":", topic, who);
}

std::string encode_leave_push(std::string_view topic, const ClientInfo& who) {
    return encode_presence_change("{\"push\":{\"leave\":{\"topic\":", topic, who);
}

}  // namespace notify::protocol
