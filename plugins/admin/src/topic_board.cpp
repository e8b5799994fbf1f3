#include "topic_board.hpp"

#include <algorithm>
#include <memory>
#include <string_view>

namespace notify::admin {
namespace {

// The server API's bad_request code (docs/protocol.md): a host without `order` names it so.
constexpr std::uint32_t error_bad_request = 102;

double number_field(const nlohmann::json& topic, const char* name) {
    const auto found = topic.find(name);
    return found != topic.end() && found->is_number() ? found->get<double>() : 0.0;
}

void sort_by(nlohmann::json& topics, const char* field) {
    std::stable_sort(topics.begin(), topics.end(),
                     [field](const nlohmann::json& a, const nlohmann::json& b) {
                         return number_field(a, field) > number_field(b, field);
                     });
}

// The `topics` entries of an answer, each an object with a string `topic`.
nlohmann::json topics_of(const nlohmann::json& result) {
    nlohmann::json topics = nlohmann::json::array();
    if (!result.is_object() || !result.contains("topics") || !result["topics"].is_array()) {
        return topics;
    }
    for (const nlohmann::json& topic : result["topics"]) {
        if (topic.is_object() && topic.contains("topic") && topic["topic"].is_string()) {
            topics.push_back(topic);
        }
    }
    return topics;
}

}  // namespace

TopicBoard::TopicBoard(const notify_host_api& host, notify_host_ctx* ctx, std::size_t rows)
    : host_(host), ctx_(ctx), rows_(rows) {}

TopicBoard::~TopicBoard() {
    const std::lock_guard lock{mutex_};
    for (Pending* pending : pending_) delete pending;
}

void TopicBoard::refresh() {
    bool ordered = false;
    bool idle[3] = {true, true, true};
    {
        const std::lock_guard lock{mutex_};
        ordered = ordered_by_host_;
        for (const Pending* pending : pending_) idle[static_cast<int>(pending->table)] = false;
    }
    if (ordered) {
        if (idle[static_cast<int>(Table::subscribers)]) ask(Table::subscribers);
        if (idle[static_cast<int>(Table::rates)]) ask(Table::rates);
    } else if (idle[static_cast<int>(Table::unordered)]) {
        ask(Table::unordered);
    }
}

void TopicBoard::ask(Table table) {
    nlohmann::json params = nlohmann::json::object();
    if (table != Table::unordered) {
        params["order"] = table == Table::subscribers ? "subscribers" : "publishes";
        params["limit"] = rows_;
    }
    const std::string body = params.dump();
    constexpr std::string_view method = "topics";
    notify_api_request request{};
    request.size = sizeof request;
    request.method = notify_str{method.data(), method.size()};
    request.params = notify_bytes{reinterpret_cast<const std::uint8_t*>(body.data()), body.size()};
    auto pending = std::make_unique<Pending>(Pending{this, table});
    {
        // Registered first: the answer may come before api_call returns.
        const std::lock_guard lock{mutex_};
        pending_.insert(pending.get());
    }
    Pending* const raw = pending.release();
    if (host_.api_call(ctx_, &request, &TopicBoard::on_reply, raw) != NOTIFY_OK) {
        const std::lock_guard lock{mutex_};
        pending_.erase(raw);
        delete raw;
    }
}

void TopicBoard::on_reply(void* user_data, const notify_api_reply* reply) {
    auto* pending = static_cast<Pending*>(user_data);
    pending->board->take(pending, reply);
}

void TopicBoard::take(Pending* pending, const notify_api_reply* reply) {
    const std::unique_ptr<Pending> owned{pending};
    const bool ok = reply != nullptr && reply->status == NOTIFY_OK;
    nlohmann::json result;
    if (ok && reply->result.len > 0) {
        result = nlohmann::json::parse(reply->result.data, reply->result.data + reply->result.len,
                                       nullptr, false);
    }
    const std::lock_guard lock{mutex_};
    pending_.erase(pending);
    if (!ok) {
        const std::string message =
            reply == nullptr || reply->error_message.len == 0
                ? std::string{"no answer"}
                : std::string{reply->error_message.data, reply->error_message.len};
        if (pending->table != Table::unordered && reply != nullptr &&
            reply->error_code == error_bad_request) {
            // A host before `order`: ask unordered from now on and sort here.
            ordered_by_host_ = false;
            return;
        }
        error_ = "topics: " + message;
        return;
    }
    error_.clear();
    store(pending->table, topics_of(result));
}

void TopicBoard::store(Table table, nlohmann::json topics) {
    if (table == Table::subscribers || table == Table::unordered) {
        nlohmann::json sorted = topics;
        sort_by(sorted, "subscribers");
        if (sorted.size() > rows_)
            sorted.erase(sorted.begin() + static_cast<long>(rows_), sorted.end());
        by_subscribers_ = std::move(sorted);
    }
    if (table == Table::rates || table == Table::unordered) {
        nlohmann::json rated = with_rates(topics);
        sort_by(rated, "publishes_per_second");
        if (rated.size() > rows_)
            rated.erase(rated.begin() + static_cast<long>(rows_), rated.end());
        by_rate_ = std::move(rated);
    }
}

nlohmann::json TopicBoard::with_rates(const nlohmann::json& topics) {
    const Clock::time_point now = Clock::now();
    nlohmann::json rated = nlohmann::json::array();
    for (nlohmann::json topic : topics) {
        const auto publishes = topic.find("publishes");
        if (publishes == topic.end() || !publishes->is_number()) continue;
        const std::string name = topic["topic"].get<std::string>();
        const double count = publishes->get<double>();
        const auto before = last_publishes_.find(name);
        double per_second = 0;
        if (before != last_publishes_.end()) {
            const double seconds =
                std::chrono::duration<double>(now - before->second.second).count();
            if (seconds > 0) per_second = std::max(0.0, count - before->second.first) / seconds;
        }
        last_publishes_[name] = {count, now};
        topic["publishes_per_second"] = per_second;
        rated.push_back(std::move(topic));
    }
    // Forget topics no longer listed, so the map stays as small as the table.
    std::erase_if(last_publishes_, [&rated](const auto& entry) {
        return std::none_of(rated.begin(), rated.end(), [&entry](const nlohmann::json& topic) {
            return topic["topic"] == entry.first;
        });
    });
    return rated;
}

nlohmann::json TopicBoard::to_json() const {
    const std::lock_guard lock{mutex_};
    nlohmann::json out = {{"by_subscribers", by_subscribers_},
                          {"by_rate", by_rate_},
                          {"ordered_by_host", ordered_by_host_}};
    if (!error_.empty()) out["error"] = error_;
    return out;
}

}  // namespace notify::admin
