/*
 * grpc_api -- the server API (docs/api.md) as the gRPC service notify.api.v1.Api
 * (sdk/proto/notify_api.proto), README.md. gRPC's callback API runs the calls on gRPC's own
 * threads; each goes to host->api_call and is finished from the host's answer by the Gateway,
 * so neither a gRPC thread nor the core thread ever waits for the other.
 *
 * The plugin declares itself a handler that wants no event: the ABI has no kind for front ends,
 * and a handler is the kind that may act on the host from its own threads.
 */
#include <notify/notify.h>
#include <notify/sdk.h>
#include <notify_plugin_common/api_keys.hpp>
#include <notify_plugin_common/change_list.hpp>

#include <boost/asio/thread_pool.hpp>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <exception>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>

#include "api_service.hpp"
#include "gateway.hpp"
#include "settings.hpp"

namespace notify::grpc_api {
namespace {

bool read_file(const std::string& path, std::string& out) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return false;
    std::ostringstream text;
    text << file.rdbuf();
    out = text.str();
    return static_cast<bool>(file) || file.eof();
}

class Instance {
public:
    Instance(const notify_host_api* host, notify_host_ctx* ctx) : host_(host), ctx_(ctx) {}

    ~Instance() {
        stop();
        if (gateway_) gateway_->close();
        if (replies_) replies_->join();
    }

    notify_status create(const notify_config* config, notify_error* err) {
        if (!NOTIFY_HOST_HAS(host_, api_call)) {
            notify_error_setf(err, "grpc_api: this notifyd has no server API (host->api_call, "
                                   "ABI 1.5; it speaks ABI %u.%u)",
                              static_cast<unsigned>(host_->abi_major),
                              static_cast<unsigned>(host_->abi_minor));
            return NOTIFY_ERR_UNSUPPORTED;
        }
        const notify_status status = load_settings(host_, config, settings_, err);
        if (status != NOTIFY_OK) return status;
        if (!settings_.tls_cert.empty()) {
            if (!read_file(settings_.tls_cert, tls_cert_pem_) || tls_cert_pem_.empty()) {
                notify_error_setf(err, "grpc_api: config key 'tls_cert': cannot read \"%s\"",
                                  settings_.tls_cert.c_str());
                return NOTIFY_ERR_INVALID_ARGUMENT;
            }
            if (!read_file(settings_.tls_key, tls_key_pem_) || tls_key_pem_.empty()) {
                notify_error_setf(err, "grpc_api: config key 'tls_key': cannot read \"%s\"",
                                  settings_.tls_key.c_str());
                return NOTIFY_ERR_INVALID_ARGUMENT;
            }
        }
        replies_ = std::make_unique<boost::asio::thread_pool>(settings_.threads);
        gateway_ = std::make_shared<Gateway>(host_, ctx_, plugin_common::ApiKeys(settings_.keys),
                                             *replies_);
        service_ = std::make_unique<ApiService>(*gateway_);
        return NOTIFY_OK;
    }

    notify_status start(notify_error* err) {
        std::shared_ptr<grpc::ServerCredentials> credentials;
        if (tls_cert_pem_.empty()) {
            credentials = grpc::InsecureServerCredentials();
        } else {
            grpc::SslServerCredentialsOptions options;
            options.pem_key_cert_pairs.push_back({tls_key_pem_, tls_cert_pem_});
            credentials = grpc::SslServerCredentials(options);
        }
        int port = 0;
        grpc::ServerBuilder builder;
        builder.AddListeningPort(settings_.listen, credentials, &port);
        builder.SetMaxReceiveMessageSize(static_cast<int>(settings_.max_message_size));
        builder.RegisterService(service_.get());
        server_ = builder.BuildAndStart();
        if (!server_ || port == 0) {
            server_.reset();
            notify_error_setf(err, "grpc_api: cannot listen on %s (config key 'listen'; "
                                   "address in use, or not an address of this host%s)",
                              settings_.listen.c_str(),
                              tls_cert_pem_.empty() ? "" : ", or tls_cert/tls_key unusable");
            return NOTIFY_ERR_IO;
        }
        const std::string line =
            "grpc_api: serving notify.api.v1.Api on " + settings_.listen +
            (tls_cert_pem_.empty() ? " (plaintext" : " (TLS") +
            (settings_.insecure ? ", no API key: insecure = true)" : ", API key required)");
        host_->log(ctx_, settings_.insecure ? NOTIFY_LOG_WARN : NOTIFY_LOG_INFO,
                   notify_str{line.data(), line.size()});
        return NOTIFY_OK;
    }

    // Applies the API keys (and insecure) and shutdown_timeout of a new table; the rest is
    // fixed while the server runs, so a change to it refuses the whole table. THREAD: main.
    notify_status reconfigure(const notify_config* config, notify_error* err) {
        Settings loaded;
        const notify_status status = load_settings(host_, config, loaded, err);
        if (status != NOTIFY_OK) return status;
        const std::pair<const char*, bool> fixed[] = {
            {"listen", loaded.listen != settings_.listen},
            {"tls_cert", loaded.tls_cert != settings_.tls_cert},
            {"tls_key", loaded.tls_key != settings_.tls_key},
            {"max_message_size", loaded.max_message_size != settings_.max_message_size},
            {"threads", loaded.threads != settings_.threads},
        };
        for (const auto& [key, changed] : fixed) {
            if (changed) {
                notify_error_setf(err, "grpc_api: config key '%s': %s changes need a restart "
                                       "(the running server keeps the old configuration)",
                                  key, key);
                return NOTIFY_ERR_UNSUPPORTED;
            }
        }
        plugin_common::ApiKeys keys(loaded.keys);
        plugin_common::ChangeList changes;
        changes.add(plugin_common::describe_key_change(*gateway_->keys(), keys));
        changes.add_if_changed("insecure", settings_.insecure ? "true" : "false",
                               loaded.insecure ? "true" : "false");
        changes.add_if_changed("shutdown_timeout",
                               std::to_string(settings_.shutdown_timeout_ms) + "ms",
                               std::to_string(loaded.shutdown_timeout_ms) + "ms");
        gateway_->replace_keys(std::move(keys));
        settings_ = std::move(loaded);
        const std::string line = "grpc_api: reconfigured: " + changes.text();
        host_->log(ctx_, NOTIFY_LOG_INFO, notify_str{line.data(), line.size()});
        return NOTIFY_OK;
    }

    // Stops taking calls, lets those in flight finish within shutdown_timeout (then answers
    // them UNAVAILABLE), and closes the server. Idempotent.
    void stop() {
        if (!server_) return;
        const std::chrono::milliseconds grace{settings_.shutdown_timeout_ms};
        gateway_->drain(grace);
        // Every call is finished now, so Shutdown only closes the connections.
        server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds{200});
        server_.reset();
    }

private:
    const notify_host_api* host_;
    notify_host_ctx* ctx_;
    Settings settings_;
    std::string tls_cert_pem_;
    std::string tls_key_pem_;
    // Destroyed in reverse: the server before the service, the service before the gateway,
    // and the reply threads (joined in the destructor) after every other.
    std::unique_ptr<boost::asio::thread_pool> replies_;
    std::shared_ptr<Gateway> gateway_;
    std::unique_ptr<ApiService> service_;
    std::unique_ptr<grpc::Server> server_;
};

// ---- the C ABI: nothing thrown inside may cross it -------------------------------------------

notify_status grpc_api_create(const notify_host_api* host, notify_host_ctx* ctx,
                              const notify_config* config, void** instance, notify_error* err) {
    try {
        auto created = std::make_unique<Instance>(host, ctx);
        const notify_status status = created->create(config, err);
        if (status != NOTIFY_OK) return status;
        *instance = created.release();
        return NOTIFY_OK;
    } catch (const std::exception& error) {
        notify_error_setf(err, "grpc_api: %s", error.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

notify_status grpc_api_start(void* instance, notify_error* err) {
    try {
        return static_cast<Instance*>(instance)->start(err);
    } catch (const std::exception& error) {
        notify_error_setf(err, "grpc_api: %s", error.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

notify_status grpc_api_reconfigure(void* instance, const notify_config* config,
                                   notify_error* err) {
    try {
        return static_cast<Instance*>(instance)->reconfigure(config, err);
    } catch (const std::exception& error) {
        notify_error_setf(err, "grpc_api: %s", error.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

void grpc_api_stop(void* instance) {
    try {
        static_cast<Instance*>(instance)->stop();
    } catch (...) {
        // Only allocation can fail here; the destructor stops again.
    }
}

void grpc_api_destroy(void* instance) {
    delete static_cast<Instance*>(instance);
}

void grpc_api_on_event(void* /*instance*/, const notify_event* /*event*/) {}

const notify_handler_vtable grpc_api_handler_vtable = {
    sizeof(notify_handler_vtable),
    0,  // no events: the plugin only calls the host
    grpc_api_on_event,
};

const notify_plugin_descriptor grpc_api_descriptor = {
    sizeof(notify_plugin_descriptor),
    NOTIFY_ABI_MAJOR,
    NOTIFY_ABI_MINOR,
    "grpc_api",
    "0.1.0",
    "The server API (publish, subscribe, history, …) as the gRPC service notify.api.v1.Api",
    NOTIFY_KIND_HANDLER,
    config_keys,
    config_key_count,
    grpc_api_create,
    grpc_api_start,
    grpc_api_stop,
    grpc_api_destroy,
    nullptr,
    nullptr,
    nullptr,
    &grpc_api_handler_vtable,
    grpc_api_reconfigure,
};

}  // namespace
}  // namespace notify::grpc_api

extern "C" NOTIFY_EXPORT const notify_plugin_descriptor* NOTIFY_PLUGIN_ENTRY(void) {
    return &notify::grpc_api::grpc_api_descriptor;
}
