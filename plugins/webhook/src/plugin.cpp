/*
 * webhook -- a handler plugin that POSTs lifecycle events to the app's backend as signed JSON
 * batches (README.md). on_event runs on the core thread: it turns the event into JSON and
 * queues it under a lock, nothing more. The plugin's own Asio thread (delivery.cpp) batches,
 * signs, POSTs one batch at a time and retries a failed batch until it is delivered.
 */
#include <notify/notify.h>
#include <notify/sdk.h>

#include <boost/system/system_error.hpp>
#include <exception>
#include <memory>
#include <string>

#include "delivery.hpp"
#include "event_json.hpp"
#include "log.hpp"
#include "settings.hpp"

namespace notify::webhook {
namespace {

class Instance {
  public:
    Instance(const notify_host_api* host, notify_host_ctx* ctx)
        : host_(host), ctx_(ctx), log_(host, ctx) {}

    ~Instance() {
        try {
            stop();
        } catch (...) {
            // Only the counters' log line can throw (allocation); ~Delivery still joins.
        }
    }

    notify_status create(const notify_config* config, notify_error* err) {
        const notify_status status = load_settings(host_, config, settings_, err);
        if (status != NOTIFY_OK) return status;
        try {
            metrics_ = Metrics{host_, ctx_};
            delivery_ = std::make_unique<Delivery>(settings_, log_, metrics_);
        } catch (const boost::system::system_error& error) {
            notify_error_setf(err, "webhook: config key 'tls_ca_file': cannot load \"%s\": %s",
                              settings_.tls_ca_file.c_str(), error.what());
            return NOTIFY_ERR_INVALID_ARGUMENT;
        }
        return NOTIFY_OK;
    }

    void start() { delivery_->start(node_name()); }

    // THREAD: core thread. The descriptor's event_mask is the plugin's (every event it can
    // post); this instance's configured events are filtered here.
    void on_event(const notify_event& event) {
        const auto type = static_cast<std::uint32_t>(event.type);
        if (type >= 32 || (settings_.events & NOTIFY_EVENT_BIT(type)) == 0) return;
        delivery_->enqueue(event_json(event));
    }

    void stop() {
        if (stopped_ || !delivery_) return;
        stopped_ = true;
        const Counters counters = delivery_->stop();
        log_.write(
            counters.undelivered > 0 || counters.dropped > 0 ? NOTIFY_LOG_WARN : NOTIFY_LOG_INFO,
            "webhook: stopped: " + std::to_string(counters.delivered_events) +
                " events delivered in " + std::to_string(counters.delivered_batches) +
                " batches, " + std::to_string(counters.retries) + " retries, " +
                std::to_string(counters.dropped) + " dropped (queue full), " +
                std::to_string(counters.undelivered) + " left undelivered");
    }

  private:
    // The node's name (or id) from the host, for the batch's "node" member.
    std::string node_name() const {
        if (!NOTIFY_HOST_HAS(host_, node_info)) return {};
        notify_node_info info{};
        info.size = sizeof info;
        host_->node_info(ctx_, &info);
        const notify_str name = info.name.len != 0 ? info.name : info.id;
        return name.len == 0 ? std::string{} : std::string{name.data, name.len};
    }

    const notify_host_api* host_;
    notify_host_ctx* ctx_;
    Log log_;
    Metrics metrics_;
    Settings settings_;
    bool stopped_ = false;
    // Last, so it goes first: its thread is joined before the settings and the log it uses die.
    std::unique_ptr<Delivery> delivery_;
};

// ---- the C ABI: nothing thrown inside may cross it -------------------------------------------

notify_status webhook_create(const notify_host_api* host, notify_host_ctx* ctx,
                             const notify_config* config, void** instance, notify_error* err) {
    try {
        auto created = std::make_unique<Instance>(host, ctx);
        const notify_status status = created->create(config, err);
        if (status != NOTIFY_OK) return status;
        *instance = created.release();
        return NOTIFY_OK;
    } catch (const std::exception& error) {
        notify_error_setf(err, "webhook: %s", error.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

notify_status webhook_start(void* instance, notify_error* err) {
    try {
        static_cast<Instance*>(instance)->start();
        return NOTIFY_OK;
    } catch (const std::exception& error) {
        notify_error_setf(err, "webhook: %s", error.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

void webhook_stop(void* instance) {
    try {
        static_cast<Instance*>(instance)->stop();
    } catch (...) {
        // Only allocation can fail here; destroy() joins the thread regardless.
    }
}

void webhook_destroy(void* instance) {
    delete static_cast<Instance*>(instance);
}

void webhook_on_event(void* instance, const notify_event* event) {
    try {
        static_cast<Instance*>(instance)->on_event(*event);
    } catch (...) {
        // Out of memory while copying one event: it is lost, the server goes on.
    }
}

const notify_handler_vtable webhook_handler_vtable = {
    sizeof(notify_handler_vtable),
    supported_event_mask,
    webhook_on_event,
};

const notify_plugin_descriptor webhook_descriptor = {
    sizeof(notify_plugin_descriptor),
    NOTIFY_ABI_MAJOR,
    NOTIFY_ABI_MINOR,
    "webhook",
    "0.1.0",
    "Posts lifecycle events to the app's backend as signed, batched JSON",
    NOTIFY_KIND_HANDLER,
    config_keys,
    config_key_count,
    webhook_create,
    webhook_start,
    webhook_stop,
    webhook_destroy,
    nullptr,
    nullptr,
    nullptr,
    &webhook_handler_vtable,
    nullptr,  // reconfigure (ABI 1.6): a changed [[handler]] table needs a restart
};

}  // namespace
}  // namespace notify::webhook

extern "C" NOTIFY_EXPORT const notify_plugin_descriptor* NOTIFY_PLUGIN_ENTRY(void) {
    return &notify::webhook::webhook_descriptor;
}
