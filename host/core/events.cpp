#include "core/core_state.hpp"

namespace notify::core {

namespace {

notify_str view(std::string_view text) {
    return notify_str{text.data(), text.size()};
}

notify_bytes bytes(std::string_view data) {
    // notify_bytes carries bytes as uint8_t; the payload's storage is the same object.
    return notify_bytes{reinterpret_cast<const std::uint8_t*>(data.data()), data.size()};
}

notify_event make_event(notify_event_type type, std::int64_t time_ms) {
    notify_event event{};
    event.size = sizeof(notify_event);
    event.type = type;
    event.time_ms = time_ms;
    return event;
}

}  // namespace

void Core::State::emit_client_event(notify_event_type type, const Client& client,
                                    std::uint16_t close_code, std::string_view reason) {
    notify_event event = make_event(type, env.now_ms());
    event.close_code = close_code;
    event.reason = view(reason);
    event.client_id = view(client.id);
    event.user_id = view(user_id_of(client));
    if (client.credentials != nullptr) event.client_info = view(client.credentials->info);
    env.emit(event);
}

void Core::State::emit_topic_event(notify_event_type type, const Client& client,
                                   std::string_view topic) {
    notify_event event = make_event(type, env.now_ms());
    event.client_id = view(client.id);
    event.user_id = view(user_id_of(client));
    if (client.credentials != nullptr) event.client_info = view(client.credentials->info);
    event.topic = view(topic);
    env.emit(event);
}

void Core::State::emit_change(notify_change_subject subject, std::string_view name, bool up) {
    notify_event event = make_event(NOTIFY_EVENT_CHANGE, env.now_ms());
    event.topic = view(name);
    event.change_subject = subject;
    event.change_up = up;
    env.emit(event);
    // The changelog drives the bus: NOTIFY_CHANGE_* and NOTIFY_INTEREST_* share their numbers.
    if (config.cluster) env.broker_interest(static_cast<notify_interest_kind>(subject), name, up);
}

void Core::State::emit_publish(std::string_view topic, const protocol::TopicPosition& position,
                               std::string_view payload, std::string_view client_id,
                               std::string_view user_id, std::int64_t time_ms) {
    notify_event event = make_event(NOTIFY_EVENT_PUBLISH, time_ms);
    event.client_id = view(client_id);
    event.user_id = view(user_id);
    event.topic = view(topic);
    event.data = bytes(payload);
    event.offset = position.offset;
    event.epoch = view(position.epoch);
    env.emit(event);
}

void Core::State::emit_data(const Client& client, std::string_view data) {
    notify_event event = make_event(NOTIFY_EVENT_DATA, env.now_ms());
    event.client_id = view(client.id);
    event.user_id = view(user_id_of(client));
    event.data = bytes(data);
    env.emit(event);
}

}  // namespace notify::core
