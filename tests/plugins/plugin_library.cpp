#include "plugin_library.hpp"

#include <dlfcn.h>
#include <gtest/gtest.h>

namespace notify::test {

PluginLibrary::PluginLibrary(const std::string& name) {
    const std::string path = std::string{NOTIFY_TEST_PLUGIN_DIR} + "/notify_" + name + ".so";
    handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) {
        ADD_FAILURE() << "dlopen " << path << ": " << dlerror();
        return;
    }
    void* symbol = dlsym(handle_, NOTIFY_PLUGIN_ENTRY_NAME);
    if (symbol == nullptr) {
        ADD_FAILURE() << path << " has no " << NOTIFY_PLUGIN_ENTRY_NAME;
        return;
    }
    descriptor_ = reinterpret_cast<notify_plugin_entry_fn>(symbol)();
    EXPECT_EQ(descriptor_->size, sizeof(notify_plugin_descriptor));
    EXPECT_EQ(descriptor_->abi_major, NOTIFY_ABI_MAJOR);
    EXPECT_EQ(std::string{descriptor_->name}, name);
}

PluginLibrary::~PluginLibrary() {
    if (handle_ != nullptr) {
        dlclose(handle_);
    }
}

PluginInstance::PluginInstance(const PluginLibrary& library, FakeHost& host)
    : descriptor_(library.descriptor()) {
    if (descriptor_ == nullptr) {
        status_ = NOTIFY_ERR_NOT_FOUND;
        error_ = "plugin not loaded";
        return;
    }
    notify_error err{};
    status_ = descriptor_->create(host.api(), host.ctx(), host.config(), &instance_, &err);
    if (status_ != NOTIFY_OK) {
        instance_ = nullptr;
        error_ = err.message;
    }
}

PluginInstance::~PluginInstance() {
    if (instance_ != nullptr) {
        descriptor_->destroy(instance_);
    }
}

}  // namespace notify::test
