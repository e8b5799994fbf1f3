// Opens a built plugin the way notifyd does (dlopen RTLD_NOW|RTLD_LOCAL, then the entry symbol)
// and makes instances of it against a FakeHost.
#pragma once

#include <notify/notify.h>

#include <string>

#include "fake_host.hpp"

namespace notify::test {

class PluginLibrary {
  public:
    // `name` as in notify_<name>.so under NOTIFY_TEST_PLUGIN_DIR. Fails the test on error.
    explicit PluginLibrary(const std::string& name);
    ~PluginLibrary();
    PluginLibrary(const PluginLibrary&) = delete;
    PluginLibrary& operator=(const PluginLibrary&) = delete;

    [[nodiscard]] const notify_plugin_descriptor* descriptor() const noexcept {
        return descriptor_;
    }

  private:
    void* handle_ = nullptr;
    const notify_plugin_descriptor* descriptor_ = nullptr;
};

// One plugin instance: create() on construction, destroy() on destruction.
class PluginInstance {
  public:
    PluginInstance(const PluginLibrary& library, FakeHost& host);
    ~PluginInstance();
    PluginInstance(const PluginInstance&) = delete;
    PluginInstance& operator=(const PluginInstance&) = delete;

    [[nodiscard]] bool created() const noexcept { return instance_ != nullptr; }
    [[nodiscard]] notify_status create_status() const noexcept { return status_; }
    [[nodiscard]] const std::string& create_error() const noexcept { return error_; }
    [[nodiscard]] void* get() const noexcept { return instance_; }

  private:
    const notify_plugin_descriptor* descriptor_;
    void* instance_ = nullptr;
    notify_status status_ = NOTIFY_OK;
    std::string error_;
};

}  // namespace notify::test
