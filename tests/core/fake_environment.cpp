#include "fake_environment.hpp"

#include <set>

#include <algorithm>

namespace notify::core::testing {

namespace {

std::string copy(notify_str text) {
    return std::string(text.data, text.len);
}

}  // namespace

AuthOutcome allow(std::string client_id, std::string user_id) {
    AuthOutcome outcome;
    outcome.kind = AuthOutcome::Kind::allow;
    outcome.client_id = std::move(client_id);
    outcome.user_id = std::move(user_id);
    return outcome;
}

AuthOutcome deny(std::string reason) {
    AuthOutcome outcome;
    outcome.kind = AuthOutcome::Kind::deny;
    outcome.reason = std::move(reason);
    return outcome;
}

AuthOutcome pending() {
    AuthOutcome outcome;
    outcome.kind = AuthOutcome::Kind::pending;
    return outcome;
}

std::string FakeEnvironment::make_client_id() {
    return "c" + std::to_string(next_client_++);
}

std::string FakeEnvironment::make_resume_token() {
    return "token-" + std::to_string(next_token_++);
}

void FakeEnvironment::deliver(std::uint32_t transport, const FrameRef& frame,
                              std::span<const std::uint64_t> conns) {
    RecordedDelivery delivery{transport, frame, {}, {}, {conns.begin(), conns.end()}};
    for (const std::uint64_t conn : conns) {
        // A transport asks for the bytes of the encodings its recipients use, and only those.
        if (encoding_of(ConnectionRef{transport, conn}) == NOTIFY_ENCODING_BINARY) {
            delivery.binary = frame.bytes(NOTIFY_ENCODING_BINARY);
        } else {
            delivery.json = frame.bytes(NOTIFY_ENCODING_JSON);
        }
    }
    deliveries.push_back(std::move(delivery));
}

notify_encoding FakeEnvironment::encoding_of(ConnectionRef conn) const {
    auto found = encodings.find({conn.transport, conn.conn});
    return found != encodings.end() ? found->second : NOTIFY_ENCODING_JSON;
}

void FakeEnvironment::close(ConnectionRef conn, std::uint16_t code, std::string_view reason) {
    closes.push_back(RecordedClose{conn, code, std::string(reason)});
}

AuthOutcome FakeEnvironment::authenticate(std::uint64_t request_id, const AuthRequest& request) {
    auth_requests.push_back(request);
    auth_request_ids.push_back(request_id);
    return on_authenticate ? on_authenticate(request) : allow();
}

void FakeEnvironment::record_authorize(const AuthorizeContext& context) {
    AuthorizeCall call;
    call.transport = context.transport;
    call.remote_address = std::string(context.remote_address);
    call.headers.assign(context.headers.begin(), context.headers.end());
    call.data = std::string(context.data);
    authorize_calls.push_back(std::move(call));
}

AuthOutcome FakeEnvironment::authorize_subscribe(std::uint64_t request_id, std::string_view,
                                                 std::string_view, std::string_view topic,
                                                 std::string_view token, bool token_required,
                                                 const AuthorizeContext& context) {
    auth_request_ids.push_back(request_id);
    record_authorize(context);
    subscribe_tokens.emplace_back(std::string(token), token_required);
    if (on_authorize_subscribe) return on_authorize_subscribe(topic);
    if (token_required && token != "good-token") {
        AuthOutcome denied;
        denied.reason = "no auth plugin verified the subscription token";
        return denied;
    }
    return allow();
}

AuthOutcome FakeEnvironment::authorize_publish(std::uint64_t request_id, std::string_view,
                                               std::string_view, std::string_view topic,
                                               const AuthorizeContext& context) {
    auth_request_ids.push_back(request_id);
    record_authorize(context);
    return on_authorize_publish ? on_authorize_publish(topic) : allow();
}

PublishOutcome FakeEnvironment::broker_publish(std::uint64_t request_id, std::string_view topic,
                                               std::string_view payload, std::int64_t time_ms,
                                               const host::NamespaceSpec& ns,
                                               std::string_view publish_key) {
    publish_keys.emplace_back(publish_key);
    broker_calls.push_back(
        BrokerCall{request_id, std::string(topic), std::string(payload), time_ms, ns.name});
    if (on_broker_publish) return on_broker_publish(topic);
    PublishOutcome outcome;
    outcome.kind = PublishOutcome::Kind::done;
    outcome.offset = ++offsets_[std::string(topic)];
    outcome.epoch = epoch;
    std::vector<KeptMessage>& kept = history[std::string(topic)];
    kept.push_back(KeptMessage{outcome.offset, std::string(payload)});
    if (kept.size() > history_limit) kept.erase(kept.begin());
    return outcome;
}

StreamState FakeEnvironment::read_history(std::string_view topic, std::uint64_t since_offset,
                                          std::uint64_t limit, const host::NamespaceSpec&,
                                          const HistoryVisitor& visit) {
    ++history_reads;
    StreamState state;
    if (history_fails) {
        state.error = "history unavailable";
        return state;
    }
    state.ok = true;
    const auto stream = offsets_.find(topic);
    if (stream == offsets_.end() || stream->second == 0) return state;
    state.offset = stream->second;
    state.epoch = epoch;
    if (!visit) return state;
    std::uint64_t visited = 0;
    if (const auto kept = history.find(topic); kept != history.end()) {
        for (const KeptMessage& message : kept->second) {
            if (message.offset <= since_offset) continue;
            if (limit != 0 && visited == limit) break;
            ++visited;
            if (!visit(message.offset, message.payload)) break;
        }
    }
    return state;
}

void FakeEnvironment::save_durable_subscription(const DurableSubscriptionRecord& record) {
    durable_records[{record.client_id, record.topic}] = record;
}

void FakeEnvironment::remove_durable_subscription(std::string_view client_id,
                                                  std::string_view topic) {
    durable_records.erase({std::string(client_id), std::string(topic)});
}

void FakeEnvironment::presence_add(std::string_view topic, const PresenceMember& member) {
    presence[std::string(topic)][member.client_id] = member;
}

void FakeEnvironment::presence_remove(std::string_view topic, std::string_view client_id) {
    auto found = presence.find(std::string(topic));
    if (found == presence.end()) return;
    found->second.erase(std::string(client_id));
    if (found->second.empty()) presence.erase(found);
}

std::string FakeEnvironment::read_presence(std::string_view topic,
                                           std::vector<PresenceMember>& members) {
    if (!presence_error.empty()) return presence_error;
    auto found = presence.find(std::string(topic));
    if (found == presence.end()) return {};
    for (const auto& [id, member] : found->second) members.push_back(member);
    return {};
}

std::string FakeEnvironment::presence_stats(std::string_view topic, PresenceCount& count) {
    if (!presence_error.empty()) return presence_error;
    auto found = presence.find(std::string(topic));
    if (found == presence.end()) return {};
    std::set<std::string> users;
    for (const auto& [id, member] : found->second) {
        if (!member.user_id.empty()) users.insert(member.user_id);
    }
    count.clients = found->second.size();
    count.users = users.size();
    return {};
}

void FakeEnvironment::emit(const notify_event& event) {
    RecordedEvent recorded;
    recorded.size = event.size;
    recorded.type = event.type;
    recorded.time_ms = event.time_ms;
    recorded.client_id = copy(event.client_id);
    recorded.user_id = copy(event.user_id);
    recorded.topic = copy(event.topic);
    recorded.data.assign(reinterpret_cast<const char*>(event.data.data), event.data.len);
    recorded.offset = event.offset;
    recorded.epoch = copy(event.epoch);
    recorded.change_subject = event.change_subject;
    recorded.change_up = event.change_up;
    recorded.client_info = copy(event.client_info);
    recorded.close_code = event.close_code;
    recorded.reason = copy(event.reason);
    events.push_back(std::move(recorded));
}

std::vector<std::string> FakeEnvironment::frames_to(ConnectionRef conn) const {
    std::vector<std::string> frames;
    for (const RecordedDelivery& delivery : deliveries) {
        if (delivery.transport == conn.transport &&
            std::find(delivery.conns.begin(), delivery.conns.end(), conn.conn) !=
                delivery.conns.end()) {
            frames.push_back(encoding_of(conn) == NOTIFY_ENCODING_BINARY ? delivery.binary
                                                                         : delivery.json);
        }
    }
    return frames;
}

std::vector<RecordedEvent> FakeEnvironment::events_of(notify_event_type type) const {
    std::vector<RecordedEvent> found;
    std::copy_if(events.begin(), events.end(), std::back_inserter(found),
                 [&](const RecordedEvent& event) { return event.type == type; });
    return found;
}

void FakeEnvironment::clear_records() {
    deliveries.clear();
    closes.clear();
    events.clear();
    auth_requests.clear();
    auth_request_ids.clear();
    broker_calls.clear();
}

void FakeEnvironment::broker_interest(notify_interest_kind kind, std::string_view name,
                                      bool up) {
    interests.push_back(Interest{kind, std::string(name), up});
}

std::string FakeEnvironment::broker_publish_direct(std::span<const std::string> clients,
                                                   std::span<const std::string> users,
                                                   std::string_view payload, std::int64_t,
                                                   std::string_view publish_key) {
    if (!direct_error.empty()) return direct_error;
    directs.push_back(Direct{{clients.begin(), clients.end()},
                             {users.begin(), users.end()},
                             std::string(payload),
                             std::string(publish_key)});
    return {};
}

void FakeEnvironment::broker_send_command(const ClusterCommand& command) {
    commands.push_back(command);
}

}  // namespace notify::core::testing
