// One admin instance: its settings, the sampler thread and the HTTP listener, wired together.
// The plugin entry points (plugin.cpp) forward here.
#pragma once

#include <notify/notify.h>

#include <string>

#include "access_token.hpp"
#include "host_views.hpp"
#include "http_listener.hpp"
#include "routes.hpp"
#include "sampler.hpp"
#include "settings.hpp"
#include "topic_board.hpp"

namespace notify::admin {

class Instance {
  public:
    Instance(const notify_host_api& host, notify_host_ctx* ctx, Settings settings);
    Instance(const Instance&) = delete;
    Instance& operator=(const Instance&) = delete;

    // Main thread: take the first sample, start sampling, listen.
    notify_status start(notify_error* err);
    // Main thread: stop listening and sampling; joins both threads.
    void stop();

  private:
    void log(notify_log_level level, const std::string& message) const;

    const Settings settings_;
    const HostViews views_;
    const AccessToken token_;
    TopicBoard topics_;  // before the sampler, which asks it; outlives late host answers
    Sampler sampler_;
    const Routes routes_;
    HttpListener listener_;
};

}  // namespace notify::admin
