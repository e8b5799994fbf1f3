// The page's two topic tables: most subscribers, and highest publish rates. Filled from the
// server API's `topics` method (host->api_call) with {"order": "subscribers" | "publishes"}; a
// host whose `topics` has no `order` gets one unordered call, sorted here. Rates are the change
// of a topic's `publishes` count between two answers.
//
// Answers arrive on host threads: they only parse and store under the lock. At most one call
// per table is in flight. The board outlives every answer (the host answers nothing after the
// last stop(); what is still pending then is freed by the destructor, in destroy()).
#pragma once

#include <notify/notify.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace notify::admin {

class TopicBoard {
  public:
    TopicBoard(const notify_host_api& host, notify_host_ctx* ctx, std::size_t rows);
    ~TopicBoard();
    TopicBoard(const TopicBoard&) = delete;
    TopicBoard& operator=(const TopicBoard&) = delete;

    // Asks the host again for each table with no call in flight. THREAD: any.
    void refresh();
    // {"by_subscribers":[{"topic","subscribers","publishes"}],
    //  "by_rate":[{"topic","subscribers","publishes","publishes_per_second"}],
    //  "ordered_by_host":bool,"error":"..."(when the last answer failed)}
    nlohmann::json to_json() const;

  private:
    enum class Table { subscribers, rates, unordered };
    struct Pending {
        TopicBoard* board;
        Table table;
    };
    using Clock = std::chrono::steady_clock;

    void ask(Table table);
    static void on_reply(void* user_data, const notify_api_reply* reply);
    void take(Pending* pending, const notify_api_reply* reply);
    void store(Table table, nlohmann::json topics);
    nlohmann::json with_rates(const nlohmann::json& topics);

    const notify_host_api& host_;
    notify_host_ctx* const ctx_;
    const std::size_t rows_;
    mutable std::mutex mutex_;
    std::set<Pending*> pending_;
    bool ordered_by_host_ = true;
    nlohmann::json by_subscribers_ = nlohmann::json::array();
    nlohmann::json by_rate_ = nlohmann::json::array();
    std::string error_;
    // A topic's publishes count at the last answer, for its rate.
    std::map<std::string, std::pair<double, Clock::time_point>> last_publishes_;
};

}  // namespace notify::admin
