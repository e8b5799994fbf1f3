#include "runtime/plugin_environment.hpp"

#include <utility>

#include <spdlog/spdlog.h>

#include "runtime/random_id.hpp"

namespace notify::runtime {
namespace {

constexpr std::size_t kClientIdHexChars = 16;
constexpr std::size_t kResumeTokenHexChars = 32;

notify_str view(std::string_view text) { return notify_str{text.data(), text.size()}; }

}  // namespace

PluginEnvironment::PluginEnvironment(InstanceRoles roles, Clock clock)
    : roles_(std::move(roles)), clock_(std::move(clock)), auth_chain_(roles_.auths) {}

std::int64_t PluginEnvironment::now_ms() { return clock_(); }

std::string PluginEnvironment::make_client_id() { return random_hex(kClientIdHexChars); }

std::string PluginEnvironment::make_resume_token() { return random_hex(kResumeTokenHexChars); }

const PluginInstance* PluginEnvironment::transport(std::uint32_t index) const {
    if (index >= roles_.transports.size()) {
        spdlog::error("the core named transport #{} but there are {} transports", index,
                      roles_.transports.size());
        return nullptr;
    }
    return roles_.transports[index];
}

void PluginEnvironment::deliver(std::uint32_t transport_index, const core::FrameRef& frame,
                                std::span<const std::uint64_t> conns) {
    const PluginInstance* target = transport(transport_index);
    if (target == nullptr || conns.empty()) return;
    target->descriptor().transport->deliver(target->handle, frame.get(), conns.data(),
                                            conns.size());
}

void PluginEnvironment::close(core::ConnectionRef conn, std::uint16_t code,
                              std::string_view reason) {
    const PluginInstance* target = transport(conn.transport);
    if (target == nullptr) return;
    target->descriptor().transport->close(target->handle, conn.conn, code, view(reason));
}

core::AuthOutcome PluginEnvironment::authenticate(std::uint64_t request_id,
                                                  const core::AuthRequest& request) {
    const PluginInstance* via = transport(request.transport);
    return auth_chain_.authenticate(request_id, request,
                                    via != nullptr ? via->spec.name : std::string());
}

core::AuthOutcome PluginEnvironment::authorize_subscribe(std::uint64_t request_id,
                                                         std::string_view client_id,
                                                         std::string_view user_id,
                                                         std::string_view topic) {
    return auth_chain_.authorize(AuthChain::Step::authorize_subscribe, request_id, client_id,
                                 user_id, topic);
}

core::AuthOutcome PluginEnvironment::authorize_publish(std::uint64_t request_id,
                                                       std::string_view client_id,
                                                       std::string_view user_id,
                                                       std::string_view topic) {
    return auth_chain_.authorize(AuthChain::Step::authorize_publish, request_id, client_id,
                                 user_id, topic);
}

core::PublishOutcome PluginEnvironment::broker_publish(std::uint64_t request_id,
                                                       std::string_view topic,
                                                       std::string_view payload,
                                                       std::int64_t time_ms,
                                                       const host::NamespaceSpec& ns) {
    core::PublishOutcome outcome;
    const PluginInstance* broker = roles_.broker;
    if (broker == nullptr) {
        outcome.kind = core::PublishOutcome::Kind::failed;
        outcome.error = "no broker is configured";
        return outcome;
    }
    notify_history_options history{};
    history.size = sizeof history;
    history.history_size = ns.history_size;
    history.history_ttl_ms = static_cast<std::uint64_t>(ns.history_ttl.count());
    history.delivery = static_cast<std::uint32_t>(ns.delivery);

    notify_broker_publish request{};
    request.size = sizeof request;
    request.request_id = request_id;
    request.topic = view(topic);
    request.payload = notify_bytes{reinterpret_cast<const std::uint8_t*>(payload.data()),
                                   payload.size()};
    request.time_ms = time_ms;
    request.history = &history;

    notify_stream_position position{};
    position.size = sizeof position;
    notify_error err{};
    const notify_status status =
        broker->descriptor().broker->publish(broker->handle, &request, &position, &err);
    if (status == NOTIFY_PENDING) {
        outcome.kind = core::PublishOutcome::Kind::pending;
    } else if (status == NOTIFY_OK) {
        outcome.kind = core::PublishOutcome::Kind::done;
        outcome.offset = position.offset;
        if (position.epoch.data != nullptr) {
            outcome.epoch.assign(position.epoch.data, position.epoch.len);
        }
    } else {
        err.message[NOTIFY_ERROR_MESSAGE_MAX - 1] = '\0';
        outcome.kind = core::PublishOutcome::Kind::failed;
        outcome.error = err.message[0] != '\0'
                            ? std::string(err.message)
                            : "broker '" + broker->spec.name + "' failed with status " +
                                  std::to_string(status);
    }
    return outcome;
}

void PluginEnvironment::emit(const notify_event& event) {
    const auto type = static_cast<std::uint32_t>(event.type);
    if (type >= 32) return;
    const std::uint32_t bit = NOTIFY_EVENT_BIT(type);
    for (const PluginInstance* handler : roles_.handlers) {
        const notify_handler_vtable& vtable = *handler->descriptor().handler;
        if ((vtable.event_mask & bit) != 0 && vtable.on_event != nullptr) {
            vtable.on_event(handler->handle, &event);
        }
    }
}

}  // namespace notify::runtime
