#include "instance.hpp"

#include <notify/transport_settings.hpp>
#include <utility>

namespace notify::admin {
namespace {

// Rows of each topic table on the page.
constexpr std::size_t topic_rows = 20;

}  // namespace

Instance::Instance(const notify_host_api& host, notify_host_ctx* ctx, Settings settings)
    : settings_(std::move(settings)),
      views_(host, ctx),
      token_(settings_.token),
      topics_(host, ctx, topic_rows),
      sampler_(views_, topics_, settings_.sample_interval, settings_.history),
      routes_(views_, sampler_, topics_, token_, settings_.sample_interval),
      listener_(settings_, routes_, [this](notify_log_level level, const std::string& message) {
          log(level, message);
      }) {}

notify_status Instance::start(notify_error* err) {
    std::string error;
    const std::uint16_t port = listener_.start(error);
    if (port == 0) {
        notify::sdk::copy_error(err, "admin: " + error);
        return NOTIFY_ERR_IO;
    }
    sampler_.start();
    const std::string base = "http://" + settings_.host + ":" + std::to_string(port);
    log(NOTIFY_LOG_INFO, "admin: listening on " + base + "/ (page " + base + "/admin/, " + base +
                             "/metrics, " + base + "/healthz, " + base + "/readyz)" +
                             (token_.required() ? "; a bearer token is required" : ""));
    return NOTIFY_OK;
}

void Instance::stop() {
    listener_.stop();
    sampler_.stop();
}

void Instance::log(notify_log_level level, const std::string& message) const {
    views_.host().log(views_.ctx(), level, notify_str{message.data(), message.size()});
}

}  // namespace notify::admin
