#include "plugin_instance.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <iostream>

namespace notify_test {

const notify_plugin_descriptor &websocket_descriptor() {
    static const notify_plugin_descriptor *descriptor = [] {
        void *library = dlopen(NOTIFY_WEBSOCKET_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
        if (library == nullptr) {
            std::cerr << "cannot load " << NOTIFY_WEBSOCKET_PLUGIN_PATH << ": " << dlerror() << "\n";
            std::abort();
        }
        void *symbol = dlsym(library, NOTIFY_PLUGIN_ENTRY_NAME);
        if (symbol == nullptr) {
            std::cerr << NOTIFY_PLUGIN_ENTRY_NAME << " missing: " << dlerror() << "\n";
            std::abort();
        }
        return reinterpret_cast<notify_plugin_entry_fn>(symbol)();
    }();
    return *descriptor;
}

PluginInstance::PluginInstance(Config config)
    : host(std::move(config)), descriptor_(websocket_descriptor()) {
    create_status_ =
        descriptor_.create(host.api(), host.ctx(), host.config(), &instance_, &error_);
}

PluginInstance::~PluginInstance() {
    stop();
    if (create_status_ == NOTIFY_OK) {
        descriptor_.destroy(instance_);
    }
}

notify_status PluginInstance::start() {
    const notify_status status = descriptor_.start(instance_, &error_);
    started_ = status == NOTIFY_OK;
    return status;
}

void PluginInstance::deliver(const std::string &json, const std::vector<uint64_t> &conns,
                             const std::optional<std::string> &binary) {
    const notify_frame *frame = make_frame(json, binary.value_or(json));
    descriptor_.transport->deliver(instance_, frame, conns.data(), conns.size());
    release_frame(frame);
}

void PluginInstance::close(uint64_t conn, uint16_t code, const std::string &reason) {
    descriptor_.transport->close(instance_, conn, code, notify_str{reason.data(), reason.size()});
}

void PluginInstance::stop() {
    if (started_) {
        descriptor_.stop(instance_);
        started_ = false;
    }
}

}  // namespace notify_test
