// Constructors of the concrete sessions, one per target (each in its own file).
#pragma once

#include "session.hpp"

namespace notify::bench {

std::unique_ptr<Session> make_notify_session(const SessionSpec& spec);
std::unique_ptr<Session> make_notify_binary_ws_session(const SessionSpec& spec);
std::unique_ptr<Session> make_notify_tcp_session(const SessionSpec& spec);
std::unique_ptr<Session> make_ws_broadcast_session(const SessionSpec& spec);
std::unique_ptr<Session> make_redis_session(const SessionSpec& spec);
std::unique_ptr<Session> make_nats_session(const SessionSpec& spec);
std::unique_ptr<Session> make_mqtt_session(const SessionSpec& spec);
std::unique_ptr<Session> make_limit_session(const SessionSpec& spec);

}  // namespace notify::bench
