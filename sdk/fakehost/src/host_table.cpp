// The host table given to the plugin: every call is checked as notifyd checks it, then recorded
// (with owned copies) instead of being applied to a server.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "internal.hpp"

namespace notify::fakehost {
namespace {

constexpr std::size_t max_id_size = 255;  // client ids, user ids and topics, as in notifyd

// The bytes of a view, or false when it points nowhere but claims a length (a plugin bug that
// notifyd refuses rather than reading address 0).
bool readable(const void* data, std::size_t len) {
    return data != nullptr || len == 0;
}

std::string_view text_view(notify_str text) {
    return text.data == nullptr ? std::string_view() : std::string_view(text.data, text.len);
}

bool has_control_character(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x20 || byte == 0x7f) return true;
        // C1 controls U+0080..U+009F are encoded as C2 80 .. C2 9F.
        if (byte == 0xc2 && i + 1 < text.size()) {
            const auto next = static_cast<unsigned char>(text[i + 1]);
            if (next >= 0x80 && next <= 0x9f) return true;
        }
    }
    return false;
}

bool valid_topics(const notify_str* items, std::size_t count) {
    if (count == 0) return true;
    if (items == nullptr) return false;
    for (std::size_t i = 0; i < count; ++i) {
        if (!readable(items[i].data, items[i].len) || !is_valid_topic(text_view(items[i]))) {
            return false;
        }
    }
    return true;
}

bool valid_ids(const notify_str* items, std::size_t count) {
    if (count == 0) return true;
    if (items == nullptr) return false;
    for (std::size_t i = 0; i < count; ++i) {
        if (!readable(items[i].data, items[i].len) || !is_valid_id(text_view(items[i]))) {
            return false;
        }
    }
    return true;
}

bool valid_target(notify_target_kind kind) {
    return kind == NOTIFY_TARGET_CLIENT || kind == NOTIFY_TARGET_USER;
}

bool is_kind(const notify_fakehost& host, std::uint32_t kind) {
    return host.normalized && (host.normalized->descriptor.kinds & kind) != 0;
}

// ---- logging ---------------------------------------------------------------------------------

void host_log(notify_host_ctx* ctx, notify_log_level level, notify_str message) {
    notify_fakehost* host = host_of(ctx);
    if (host == nullptr) return;
    if (!readable(message.data, message.len)) {
        host->warn("log", "message has a length but no data");
        return;
    }
    auto recorded = host->new_record(NOTIFY_FAKEHOST_LOG);
    recorded->call.level = level;
    recorded->call.text = recorded->keep(text_view(message));
    if (host->log_to_stderr.load()) {
        std::fprintf(stderr, "[%s] %s: %.*s\n", host->instance_name.c_str(), level_name(level),
                     static_cast<int>(message.len), message.data == nullptr ? "" : message.data);
    }
    host->record(std::move(recorded));
}

// ---- transports ------------------------------------------------------------------------------

bool from_transport(notify_fakehost& host, const char* call) {
    if (is_kind(host, NOTIFY_KIND_TRANSPORT)) return true;
    host.warn(call, "only transport instances report connections");
    return false;
}

notify_status host_conn_open(notify_host_ctx* ctx, uint64_t conn, const notify_conn_info* info) {
    notify_fakehost* host = host_of(ctx);
    if (host == nullptr || !from_transport(*host, "conn_open")) return NOTIFY_ERR_INVALID_ARGUMENT;
    if (!NOTIFY_HAS_FIELD(info, notify_conn_info, encoding)) {
        host->warn("conn_open", "info is NULL or smaller than notify_conn_info 1.0");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    if (!readable(info->remote_address.data, info->remote_address.len)) {
        host->warn("conn_open", "remote_address has a length but no data");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    auto recorded = host->new_record(NOTIFY_FAKEHOST_CONN_OPEN);
    recorded->call.conn = conn;
    recorded->call.text = recorded->keep(text_view(info->remote_address));
    recorded->call.number = static_cast<std::uint64_t>(info->encoding);
    const notify_status status = host->conn_open_status.load();
    if (status == NOTIFY_OK) {
        const std::lock_guard lock(host->mutex);
        ++host->open_connections;
    }
    host->record(std::move(recorded));
    return status;
}

void record_receive(notify_fakehost& host, uint64_t conn, const std::uint8_t* data,
                    std::size_t len) {
    auto recorded = host.new_record(NOTIFY_FAKEHOST_CONN_RECEIVE);
    recorded->call.conn = conn;
    recorded->call.payload = recorded->keep_bytes(data, len);
    host.record(std::move(recorded));
}

void host_conn_receive(notify_host_ctx* ctx, uint64_t conn, notify_bytes data) {
    notify_fakehost* host = host_of(ctx);
    if (host == nullptr || !from_transport(*host, "conn_receive")) return;
    if (!readable(data.data, data.len)) {
        host->warn("conn_receive", "data has a length but no bytes");
        return;
    }
    record_receive(*host, conn, data.data, data.len);
}

void host_conn_receive_owned(notify_host_ctx* ctx, uint64_t conn, notify_owned_bytes data) {
    notify_fakehost* host = host_of(ctx);
    if (host != nullptr && from_transport(*host, "conn_receive_owned")) {
        if (readable(data.data, data.len)) {
            record_receive(*host, conn, data.data, data.len);
        } else {
            host->warn("conn_receive_owned", "data has a length but no bytes");
        }
    }
    // The host owns the bytes from the call on, whatever it does with them.
    if (data.release != nullptr) data.release(data.release_ctx, data.data);
}

void host_conn_closed(notify_host_ctx* ctx, uint64_t conn, uint16_t code) {
    notify_fakehost* host = host_of(ctx);
    if (host == nullptr || !from_transport(*host, "conn_closed")) return;
    auto recorded = host->new_record(NOTIFY_FAKEHOST_CONN_CLOSED);
    recorded->call.conn = conn;
    recorded->call.number = code;
    {
        const std::lock_guard lock(host->mutex);
        if (host->open_connections > 0) --host->open_connections;
    }
    host->record(std::move(recorded));
}

// ---- answers to NOTIFY_PENDING -------------------------------------------------------------

void host_auth_complete(notify_host_ctx* ctx, uint64_t request_id,
                        const notify_auth_result* result) {
    notify_fakehost* host = host_of(ctx);
    if (host == nullptr) return;
    if (!is_kind(*host, NOTIFY_KIND_AUTH)) {
        host->warn("auth_complete", "only auth instances answer auth requests");
        return;
    }
    AuthCopy answer;
    if (NOTIFY_HAS_FIELD(result, notify_auth_result, reason)) {
        answer = AuthCopy::of(*result);
    } else {
        // notifyd denies a request answered with a NULL or truncated result.
        host->warn("auth_complete", "result is NULL or too small; the request is denied");
        answer.decision = NOTIFY_AUTH_DENY;
        answer.reason = "malformed answer from auth instance '" + host->instance_name + "'";
    }
    auto recorded = host->new_record(NOTIFY_FAKEHOST_AUTH_COMPLETE);
    recorded->call.request_id = request_id;
    recorded->call.number = static_cast<std::uint64_t>(answer.decision);
    recorded->call.id = recorded->keep(answer.user_id);
    recorded->call.text = recorded->keep(answer.reason);
    {
        const std::lock_guard lock(host->mutex);
        const auto pending = host->pending_auth.find(request_id);
        if (pending == host->pending_auth.end()) {
            host->warn("auth_complete", "request " + std::to_string(request_id) +
                                            " was never asked or was answered synchronously");
        } else if (pending->second.answered) {
            host->warn("auth_complete",
                       "request " + std::to_string(request_id) + " was answered twice");
        } else {
            pending->second.answered = true;
            pending->second.answer = std::move(answer);
        }
    }
    host->record(std::move(recorded));
}

void host_broker_publish_complete(notify_host_ctx* ctx, uint64_t request_id, notify_status status,
                                  const notify_stream_position* position,
                                  notify_str error_message) {
    notify_fakehost* host = host_of(ctx);
    if (host == nullptr) return;
    if (!is_kind(*host, NOTIFY_KIND_BROKER)) {
        host->warn("broker_publish_complete", "only the broker answers publishes");
        return;
    }
    auto recorded = host->new_record(NOTIFY_FAKEHOST_BROKER_PUBLISH_COMPLETE);
    recorded->call.request_id = request_id;
    recorded->call.status = status;
    if (NOTIFY_HAS_FIELD(position, notify_stream_position, epoch)) {
        recorded->call.number = position->offset;
        if (readable(position->epoch.data, position->epoch.len)) {
            recorded->call.id = recorded->keep(text_view(position->epoch));
        }
    }
    if (readable(error_message.data, error_message.len)) {
        recorded->call.text = recorded->keep(text_view(error_message));
    }
    host->record(std::move(recorded));
}

// ---- actions on the model --------------------------------------------------------------------

notify_status host_publish(notify_host_ctx* ctx, const notify_publish_request* request) {
    notify_fakehost* host = host_of(ctx);
    if (host == nullptr) return NOTIFY_ERR_INVALID_ARGUMENT;
    if (!NOTIFY_HAS_FIELD(request, notify_publish_request, payload)) {
        host->warn("publish", "request is NULL or smaller than notify_publish_request 1.0");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    if (!valid_topics(request->topics, request->topic_count) ||
        !valid_ids(request->clients, request->client_count) ||
        !valid_ids(request->users, request->user_count)) {
        host->warn("publish", "a topic, client id or user id is empty or malformed");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    if (request->topic_count == 0 && request->client_count == 0 && request->user_count == 0) {
        host->warn("publish", "no topic, client or user to publish to");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    if (!readable(request->payload.data, request->payload.len)) {
        host->warn("publish", "payload has a length but no bytes");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    auto recorded = host->new_record(NOTIFY_FAKEHOST_PUBLISH);
    RecordedCall& r = *recorded;
    r.topics = r.keep_all(request->topics, request->topic_count);
    r.clients = r.keep_all(request->clients, request->client_count);
    r.users = r.keep_all(request->users, request->user_count);
    r.call.topics = r.topics.data();
    r.call.topic_count = r.topics.size();
    r.call.clients = r.clients.data();
    r.call.client_count = r.clients.size();
    r.call.users = r.users.data();
    r.call.user_count = r.users.size();
    r.call.payload = r.keep_bytes(request->payload.data, request->payload.len);
    host->record(std::move(recorded));
    return host->action_status.load();
}

notify_status change_subscription(notify_host_ctx* ctx, notify_fakehost_call_kind kind,
                                  const char* call, notify_target_kind target, notify_str id,
                                  notify_str topic) {
    notify_fakehost* host = host_of(ctx);
    if (host == nullptr) return NOTIFY_ERR_INVALID_ARGUMENT;
    if (!valid_target(target) || !readable(id.data, id.len) || !is_valid_id(text_view(id)) ||
        !readable(topic.data, topic.len) || !is_valid_topic(text_view(topic))) {
        host->warn(call, "the target kind, id or topic is malformed");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    auto recorded = host->new_record(kind);
    recorded->call.target = target;
    recorded->call.id = recorded->keep(text_view(id));
    recorded->call.topic = recorded->keep(text_view(topic));
    host->record(std::move(recorded));
    return host->action_status.load();
}

notify_status host_subscribe(notify_host_ctx* ctx, notify_target_kind kind, notify_str id,
                             notify_str topic) {
    return change_subscription(ctx, NOTIFY_FAKEHOST_SUBSCRIBE, "subscribe", kind, id, topic);
}

notify_status host_unsubscribe(notify_host_ctx* ctx, notify_target_kind kind, notify_str id,
                               notify_str topic) {
    return change_subscription(ctx, NOTIFY_FAKEHOST_UNSUBSCRIBE, "unsubscribe", kind, id, topic);
}

notify_status host_disconnect(notify_host_ctx* ctx, notify_target_kind kind, notify_str id,
                              uint16_t code, notify_str reason) {
    notify_fakehost* host = host_of(ctx);
    if (host == nullptr) return NOTIFY_ERR_INVALID_ARGUMENT;
    if (!valid_target(kind) || !readable(id.data, id.len) || !is_valid_id(text_view(id)) ||
        !readable(reason.data, reason.len) || !is_valid_utf8(text_view(reason))) {
        host->warn("disconnect", "the target kind, id or reason is malformed");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    auto recorded = host->new_record(NOTIFY_FAKEHOST_DISCONNECT);
    recorded->call.target = kind;
    recorded->call.id = recorded->keep(text_view(id));
    recorded->call.text = recorded->keep(text_view(reason));
    recorded->call.number = code;
    host->record(std::move(recorded));
    return host->action_status.load();
}

int64_t host_now_ms(notify_host_ctx* ctx) {
    const notify_fakehost* host = host_of(ctx);
    if (host != nullptr) return host->now_ms();
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

notify_status host_set_max_frame_size(notify_host_ctx* ctx, uint64_t max_frame_bytes) {
    notify_fakehost* host = host_of(ctx);
    if (host == nullptr) return NOTIFY_ERR_INVALID_ARGUMENT;
    if (!is_kind(*host, NOTIFY_KIND_TRANSPORT)) {
        host->warn("set_max_frame_size", "only transport instances declare a frame size");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    auto recorded = host->new_record(NOTIFY_FAKEHOST_SET_MAX_FRAME_SIZE);
    recorded->call.number = max_frame_bytes;
    host->record(std::move(recorded));
    return NOTIFY_OK;
}

// ---- cluster -----------------------------------------------------------------------------------

bool from_broker(notify_fakehost& host, const char* call) {
    if (is_kind(host, NOTIFY_KIND_BROKER)) return true;
    host.warn(call, "only the broker reports the bus");
    return false;
}

void host_broker_message(notify_host_ctx* ctx, const notify_bus_message* message) {
    notify_fakehost* host = host_of(ctx);
    if (host == nullptr || !from_broker(*host, "broker_message")) return;
    if (!NOTIFY_HAS_FIELD(message, notify_bus_message, publish_key) ||
        !readable(message->topic.data, message->topic.len) ||
        !readable(message->payload.data, message->payload.len) ||
        !valid_ids(message->clients, message->client_count) ||
        !valid_ids(message->users, message->user_count)) {
        host->warn("broker_message", "message is NULL, too small or malformed");
        return;
    }
    auto recorded = host->new_record(NOTIFY_FAKEHOST_BROKER_MESSAGE);
    RecordedCall& r = *recorded;
    r.call.topic = r.keep(text_view(message->topic));
    r.call.number = message->offset;
    if (readable(message->epoch.data, message->epoch.len)) {
        r.call.id = r.keep(text_view(message->epoch));
    }
    r.clients = r.keep_all(message->clients, message->client_count);
    r.users = r.keep_all(message->users, message->user_count);
    r.call.clients = r.clients.data();
    r.call.client_count = r.clients.size();
    r.call.users = r.users.data();
    r.call.user_count = r.users.size();
    r.call.payload = r.keep_bytes(message->payload.data, message->payload.len);
    host->record(std::move(recorded));
}

void host_broker_command(notify_host_ctx* ctx, const notify_cluster_command* command) {
    notify_fakehost* host = host_of(ctx);
    if (host == nullptr || !from_broker(*host, "broker_command")) return;
    if (!NOTIFY_HAS_FIELD(command, notify_cluster_command, time_ms) ||
        !readable(command->id.data, command->id.len) ||
        !readable(command->topic.data, command->topic.len) ||
        !readable(command->reason.data, command->reason.len)) {
        host->warn("broker_command", "command is NULL, too small or malformed");
        return;
    }
    auto recorded = host->new_record(NOTIFY_FAKEHOST_BROKER_COMMAND);
    recorded->call.target = static_cast<notify_target_kind>(command->target);
    recorded->call.id = recorded->keep(text_view(command->id));
    recorded->call.topic = recorded->keep(text_view(command->topic));
    recorded->call.text = recorded->keep(text_view(command->reason));
    recorded->call.number = command->type;
    recorded->call.status = command->code;
    host->record(std::move(recorded));
}

void host_broker_stream_lost(notify_host_ctx* ctx, notify_str topic,
                             const notify_stream_position* current, notify_str reason) {
    notify_fakehost* host = host_of(ctx);
    if (host == nullptr || !from_broker(*host, "broker_stream_lost")) return;
    if (!readable(topic.data, topic.len) || !readable(reason.data, reason.len)) {
        host->warn("broker_stream_lost", "topic or reason has a length but no data");
        return;
    }
    auto recorded = host->new_record(NOTIFY_FAKEHOST_BROKER_STREAM_LOST);
    recorded->call.topic = recorded->keep(text_view(topic));
    recorded->call.text = recorded->keep(text_view(reason));
    if (NOTIFY_HAS_FIELD(current, notify_stream_position, epoch)) {
        recorded->call.number = current->offset;
        if (readable(current->epoch.data, current->epoch.len)) {
            recorded->call.id = recorded->keep(text_view(current->epoch));
        }
    }
    host->record(std::move(recorded));
}

constexpr const char* node_name = "fakehost";
constexpr const char* node_version = "fakehost";
constexpr const char* node_app_id = "fakehost";

struct NodeSnapshot {
    std::uint64_t connections = 0;
    std::int64_t uptime_ms = 0;
};

NodeSnapshot snapshot(const notify_fakehost& host) {
    NodeSnapshot node;
    {
        const std::lock_guard lock(host.mutex);
        node.connections = host.open_connections;
    }
    node.uptime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         notify_fakehost::Clock::now() - host.born)
                         .count();
    return node;
}

notify_str view(const char* text) {
    return notify_str{text, std::strlen(text)};
}

// This node alone, as notifyd without a CLUSTER broker describes itself: no client URLs, and
// no clients, users or topics since the fake host keeps no model.
void host_node_info(notify_host_ctx* ctx, notify_node_info* out) {
    const notify_fakehost* host = host_of(ctx);
    if (host == nullptr || !NOTIFY_HAS_FIELD(out, notify_node_info, uptime_ms)) return;
    const NodeSnapshot node = snapshot(*host);
    notify_node_info full{};
    full.size = out->size;
    full.id = notify_str{host->node_id.c_str(), host->node_id.size()};
    full.name = view(node_name);
    full.urls = view("");
    full.version = view(node_version);
    full.connections = node.connections;
    full.uptime_ms = node.uptime_ms;
    full.app_id = view(node_app_id);
    // The plugin's struct may be older (smaller) than ours: write only the bytes it has.
    std::memcpy(out, &full, std::min<std::size_t>(out->size, sizeof full));
}

void host_cluster_node_seen(notify_host_ctx* ctx, const notify_node_info* node, int64_t ttl_ms) {
    notify_fakehost* host = host_of(ctx);
    if (host == nullptr || !from_broker(*host, "cluster_node_seen")) return;
    if (!NOTIFY_HAS_FIELD(node, notify_node_info, uptime_ms) ||
        !readable(node->id.data, node->id.len) || !readable(node->name.data, node->name.len)) {
        host->warn("cluster_node_seen", "node is NULL or smaller than notify_node_info 1.3");
        return;
    }
    auto recorded = host->new_record(NOTIFY_FAKEHOST_CLUSTER_NODE_SEEN);
    recorded->call.id = recorded->keep(text_view(node->id));
    recorded->call.text = recorded->keep(text_view(node->name));
    recorded->call.number = static_cast<std::uint64_t>(ttl_ms < 0 ? 0 : ttl_ms);
    host->record(std::move(recorded));
}

std::string self_json(const notify_fakehost& host) {
    const NodeSnapshot node = snapshot(host);
    // Every string here is the fake host's own (hex id, fixed names): nothing to escape.
    return std::string("{\"id\":\"") + host.node_id + "\",\"name\":\"" + node_name +
           "\",\"urls\":[],\"version\":\"" + node_version +
           "\",\"connections\":" + std::to_string(node.connections) +
           ",\"clients\":0,\"users\":0,\"topics\":0,\"subscriptions\":0,\"cpu\":0.0,"
           "\"uptime_ms\":" +
           std::to_string(node.uptime_ms) + ",\"self\":true}";
}

notify_status host_cluster_view(notify_host_ctx* ctx, uint32_t kind, notify_owned_bytes* out) {
    const notify_fakehost* host = host_of(ctx);
    if (host == nullptr || out == nullptr) return NOTIFY_ERR_INVALID_ARGUMENT;
    std::string json;
    if (kind == NOTIFY_CLUSTER_VIEW_NODES) {
        json = "{\"nodes\":[" + self_json(*host) + "]}";
    } else if (kind == NOTIFY_CLUSTER_VIEW_HANDOUT) {
        // As notifyd: only nodes with a client URL are handed out, and this one has none.
        json = "{\"node\":null,\"candidates\":[]}";
    } else {
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    *out = owned_copy(json);
    return NOTIFY_OK;
}

}  // namespace

// ---- shared helpers ----------------------------------------------------------------------------

const char* level_name(notify_log_level level) {
    switch (level) {
        case NOTIFY_LOG_DEBUG:
            return "debug";
        case NOTIFY_LOG_INFO:
            return "info";
        case NOTIFY_LOG_WARN:
            return "warn";
        case NOTIFY_LOG_ERROR:
            return "error";
    }
    return "?";
}


std::string text_of(notify_str text) {
    return text.data == nullptr ? std::string() : std::string(text.data, text.len);
}

bool is_valid_utf8(std::string_view bytes) {
    std::size_t at = 0;
    while (at < bytes.size()) {
        const auto lead = static_cast<unsigned char>(bytes[at]);
        std::size_t length = 0;
        std::uint32_t code = 0;
        if (lead < 0x80) {
            ++at;
            continue;
        } else if ((lead & 0xe0) == 0xc0) {
            length = 2;
            code = lead & 0x1fu;
        } else if ((lead & 0xf0) == 0xe0) {
            length = 3;
            code = lead & 0x0fu;
        } else if ((lead & 0xf8) == 0xf0) {
            length = 4;
            code = lead & 0x07u;
        } else {
            return false;
        }
        if (bytes.size() - at < length) return false;
        for (std::size_t i = 1; i < length; ++i) {
            const auto next = static_cast<unsigned char>(bytes[at + i]);
            if ((next & 0xc0) != 0x80) return false;
            code = (code << 6) | (next & 0x3fu);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        const std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
        if (code < smallest[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
            return false;
        }
        at += length;
    }
    return true;
}

bool is_valid_topic(std::string_view topic) {
    return !topic.empty() && topic.size() <= max_id_size && is_valid_utf8(topic) &&
           !has_control_character(topic);
}

bool is_valid_id(std::string_view id) {
    return !id.empty() && id.size() <= max_id_size && is_valid_utf8(id);
}

namespace {

void release_owned(void*, std::uint8_t* data) {
    delete[] data;
}

}  // namespace

notify_owned_bytes owned_copy(std::string_view text) {
    auto* data = new std::uint8_t[text.size() == 0 ? 1 : text.size()];
    std::memcpy(data, text.data(), text.size());
    return notify_owned_bytes{data, text.size(), release_owned, nullptr};
}

notify_str RecordedCall::keep(std::string_view text) {
    const std::string& kept = texts.emplace_back(text);
    return notify_str{kept.c_str(), kept.size()};
}

notify_bytes RecordedCall::keep_bytes(const std::uint8_t* data, std::size_t len) {
    if (len == 0) return notify_bytes{nullptr, 0};
    const std::string& kept =
        texts.emplace_back(reinterpret_cast<const char*>(data), len);
    return notify_bytes{reinterpret_cast<const std::uint8_t*>(kept.data()), kept.size()};
}

std::vector<notify_str> RecordedCall::keep_all(const notify_str* items, std::size_t count) {
    std::vector<notify_str> kept;
    kept.reserve(count);
    for (std::size_t i = 0; i < count; ++i) kept.push_back(keep(text_view(items[i])));
    return kept;
}

AuthCopy AuthCopy::of(const notify_auth_result& result) {
    AuthCopy copy;
    copy.decision = result.decision;
    copy.client_id = text_of(result.client_id);
    copy.user_id = text_of(result.user_id);
    copy.reason = text_of(result.reason);
    if (result.size >= NOTIFY_FIELD_END_(notify_auth_result, error_code)) {
        copy.error_code = result.error_code;
    }
    if (result.size >= NOTIFY_FIELD_END_(notify_auth_result, expires_at_ms)) {
        copy.expires_at_ms = result.expires_at_ms;
    }
    if (result.size >= NOTIFY_FIELD_END_(notify_auth_result, info)) copy.info = text_of(result.info);
    if (result.size >= NOTIFY_FIELD_END_(notify_auth_result, topic_count) &&
        result.topics != nullptr) {
        for (std::size_t i = 0; i < result.topic_count; ++i) {
            copy.topics.push_back(text_of(result.topics[i]));
        }
    }
    return copy;
}

notify_host_ctx* ctx_of(notify_fakehost* host) {
    return reinterpret_cast<notify_host_ctx*>(host);
}

notify_fakehost* host_of(notify_host_ctx* ctx) {
    return reinterpret_cast<notify_fakehost*>(ctx);
}

void install_host_functions(notify_host_api& api) {
    api.size = sizeof api;
    api.abi_major = NOTIFY_ABI_MAJOR;
    api.abi_minor = NOTIFY_ABI_MINOR;
    api.log = host_log;
    install_config_accessors(api);
    api.frame_retain = frame_retain;
    api.frame_release = frame_release;
    api.frame_bytes = frame_bytes;
    api.conn_open = host_conn_open;
    api.conn_receive = host_conn_receive;
    api.conn_receive_owned = host_conn_receive_owned;
    api.conn_closed = host_conn_closed;
    api.auth_complete = host_auth_complete;
    api.broker_publish_complete = host_broker_publish_complete;
    api.publish = host_publish;
    api.subscribe = host_subscribe;
    api.unsubscribe = host_unsubscribe;
    api.disconnect = host_disconnect;
    api.now_ms = host_now_ms;
    api.set_max_frame_size = host_set_max_frame_size;
    api.broker_message = host_broker_message;
    api.broker_command = host_broker_command;
    api.broker_stream_lost = host_broker_stream_lost;
    api.node_info = host_node_info;
    api.cluster_node_seen = host_cluster_node_seen;
    api.cluster_view = host_cluster_view;
    api.api_call = host_api_call;
    api.metric_register = host_metric_register;
    api.metric_add = metric_add;
    api.metric_set = metric_set;
    api.metric_observe = metric_observe;
    api.stats_view = host_stats_view;
    api.set_ready = host_set_ready;
    api.log_enabled = host_log_enabled;
    api.keep_headers = host_keep_headers;
}

}  // namespace notify::fakehost
