// Readiness of the process for /readyz-style checks: ready once every instance started and none
// has said it cannot serve (ABI 1.6 set_ready), not ready again once shutdown began.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace notify::runtime {

class InstanceHealth {
public:
    struct Instance {
        std::string name;
        std::string plugin;
    };

    explicit InstanceHealth(std::vector<Instance> instances);

    void started(std::uint32_t instance);
    void all_started();
    void stopping();
    // Logs each change of an instance's own readiness.
    void set_ready(std::uint32_t instance, bool ready, std::string reason);

    bool ready() const;
    // {"live":true,"ready":bool,"started":bool,"problems":[{"instance","plugin","reason"}]}
    std::string json() const;

private:
    struct State {
        Instance instance;
        bool started = false;
        bool ready = true;
        std::string reason;
    };

    bool ready_locked() const;

    mutable std::mutex mutex_;
    std::vector<State> states_;
    bool all_started_ = false;
    bool stopping_ = false;
};

}  // namespace notify::runtime
