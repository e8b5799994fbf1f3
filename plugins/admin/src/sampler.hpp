// The sampling thread: every sample_interval it reads the host's metrics into the history (so a
// freshly opened page already shows the last minutes) and asks for the topic tables.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "host_views.hpp"
#include "sample_history.hpp"
#include "topic_board.hpp"

namespace notify::admin {

class Sampler {
  public:
    Sampler(const HostViews& views, TopicBoard& topics, std::chrono::milliseconds interval,
            std::size_t history);
    ~Sampler();
    Sampler(const Sampler&) = delete;
    Sampler& operator=(const Sampler&) = delete;

    void start();
    // Ends the thread (bounded by one sample's work). Idempotent.
    void stop();
    nlohmann::json history() const;

  private:
    void run();
    void sample_once();

    const HostViews& views_;
    TopicBoard& topics_;
    const std::chrono::milliseconds interval_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    SampleHistory history_;
    std::thread thread_;
};

// The charted numbers of one NOTIFY_STATS_JSON document.
Sample sample_of(std::string_view stats_json);

}  // namespace notify::admin
