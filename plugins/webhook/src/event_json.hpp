// What the backend receives: one JSON object per event, and the batch body around them.
#pragma once

#include <notify/notify.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace notify::webhook {

// The events the plugin can post, and those it posts when the manifest names none.
inline constexpr std::uint32_t supported_event_mask =
    NOTIFY_EVENT_BIT(NOTIFY_EVENT_CONNECT) | NOTIFY_EVENT_BIT(NOTIFY_EVENT_RECONNECT) |
    NOTIFY_EVENT_BIT(NOTIFY_EVENT_DISCONNECT) | NOTIFY_EVENT_BIT(NOTIFY_EVENT_INACTIVATE) |
    NOTIFY_EVENT_BIT(NOTIFY_EVENT_SUBSCRIBE) | NOTIFY_EVENT_BIT(NOTIFY_EVENT_UNSUBSCRIBE) |
    NOTIFY_EVENT_BIT(NOTIFY_EVENT_PUBLISH) | NOTIFY_EVENT_BIT(NOTIFY_EVENT_DATA);
inline constexpr std::uint32_t default_event_mask =
    supported_event_mask &
    ~(NOTIFY_EVENT_BIT(NOTIFY_EVENT_PUBLISH) | NOTIFY_EVENT_BIT(NOTIFY_EVENT_DATA));

// "connect" -> NOTIFY_EVENT_CONNECT, ...; notify_event_type{} (0) for a name not supported.
notify_event_type event_type_from_name(std::string_view name);
// The name used in "type"; "" for a type not supported.
std::string_view event_name(notify_event_type type);

// The event as one compact JSON object (fields that do not apply are left out).
// THREAD: any; reads only `event`.
std::string event_json(const notify_event& event);

// {"delivery_id":"<id>","node":"<node>","events":[<events...>]} ("node" left out when empty).
// The events are already JSON text (event_json), joined as they are.
std::string batch_body(std::string_view delivery_id, std::string_view node,
                       const std::vector<std::string>& events);

}  // namespace notify::webhook
