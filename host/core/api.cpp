// The server API (docs/api.md): one request in, one reply out, on the core thread. Parameters
// are read strictly (api_params.hpp); every method's reply is built here, so every front end
// (http_api, grpc_api, a user's own) answers the same.
#include <algorithm>
#include <memory>

#include "core/api_params.hpp"
#include "core/core_state.hpp"

namespace notify::core {
namespace {

using api::ApiError;
using api::Json;
using api::OrderedJson;
using api::Params;
using protocol::ErrorCode;

constexpr std::size_t kMaxBatchCommands = 1000;
constexpr std::size_t kMaxReasonBytes = 123;  // what fits a WebSocket close frame
constexpr std::uint16_t kDefaultDisconnectCode = NOTIFY_CLOSE_DISCONNECTED;

// Text from brokers (epochs, error messages) is not checked UTF-8: replace, never throw.
ApiReply success(const OrderedJson& result) {
    return ApiReply{0, {}, result.dump(-1, ' ', false, OrderedJson::error_handler_t::replace)};
}

ApiReply failure(ErrorCode code, std::string message) {
    return ApiReply{static_cast<std::uint32_t>(code), std::move(message), {}};
}

// '*' any run of characters, '?' one character.
bool matches_pattern(std::string_view pattern, std::string_view text) {
    std::size_t p = 0;
    std::size_t t = 0;
    std::size_t star = std::string_view::npos;
    std::size_t resume = 0;
    while (t < text.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
            ++p;
            ++t;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

struct Target {
    notify_target_kind kind = NOTIFY_TARGET_CLIENT;
    std::string id;
};

Target read_target(Params& params) {
    auto client = params.id("client");
    auto user = params.id("user");
    if (client.has_value() == user.has_value()) {
        api::fail(ErrorCode::bad_request,
                  params.path() + ": give exactly one of client and user");
    }
    return client ? Target{NOTIFY_TARGET_CLIENT, std::move(*client)}
                  : Target{NOTIFY_TARGET_USER, std::move(*user)};
}

OrderedJson position_object(const protocol::TopicPosition& position) {
    OrderedJson out = OrderedJson::object();
    out["topic"] = position.topic;
    out["offset"] = position.offset;
    out["epoch"] = position.epoch;
    return out;
}

}  // namespace

// One API request on its way; methods that finish later (publish) keep it alive.
class ApiRequest {
public:
    ApiRequest(Core::State& state, std::string method, ApiDone done)
        : state_(state), method_(std::move(method)), done_(std::move(done)) {}

    void run(const Json& params) {
        try {
            dispatch(params);
        } catch (const ApiError& error) {
            answer(failure(error.code, error.message));
        } catch (const std::exception& error) {
            answer(failure(ErrorCode::internal, method_ + ": " + error.what()));
        }
    }

private:
    void answer(ApiReply reply) {
        if (!done_) return;
        ApiDone done = std::move(done_);
        done_ = nullptr;
        done(std::move(reply));
    }

    void dispatch(const Json& json) {
        Params params(json, method_);
        if (method_ == "publish") return publish(params);
        if (method_ == "broadcast") return broadcast(params);
        if (method_ == "subscribe") return change_subscription(params, true);
        if (method_ == "unsubscribe") return change_subscription(params, false);
        if (method_ == "disconnect") return disconnect(params);
        if (method_ == "refresh") return refresh(params);
        if (method_ == "presence") return presence(params);
        if (method_ == "presence_stats") return presence_stats(params);
        if (method_ == "history") return history(params);
        if (method_ == "history_remove") return history_remove(params);
        if (method_ == "topics") return topics(params);
        if (method_ == "info") return info(params);
        api::fail(ErrorCode::unknown_command,
                  "unknown method '" + method_ +
                      "' (docs/api.md lists them; batch cannot be nested)");
    }

    std::string checked_payload(Params& params) {
        std::string payload = params.payload();
        if (payload.size() > state_.config.limits.max_payload_size) {
            api::fail(ErrorCode::too_large,
                      method_ + ": payload of " + std::to_string(payload.size()) +
                          " bytes exceeds the limit of " +
                          std::to_string(state_.config.limits.max_payload_size));
        }
        return payload;
    }

    void publish(Params& params) {
        PublishTargets targets;
        if (auto topic = params.topic("topic")) targets.topics.push_back(std::move(*topic));
        if (auto topics = params.topics("topics")) {
            targets.topics.insert(targets.topics.end(), topics->begin(), topics->end());
        }
        // A topic named twice is one message, like a connection reached twice.
        std::vector<std::string> unique;
        for (std::string& topic : targets.topics) {
            if (std::find(unique.begin(), unique.end(), topic) == unique.end()) {
                unique.push_back(std::move(topic));
            }
        }
        targets.topics = std::move(unique);
        if (auto clients = params.ids("clients")) targets.clients = std::move(*clients);
        if (auto users = params.ids("users")) targets.users = std::move(*users);
        std::string payload = checked_payload(params);
        params.reject_unread();
        if (targets.topics.empty() && targets.clients.empty() && targets.users.empty()) {
            api::fail(ErrorCode::bad_request, "publish: names no topic, client or user");
        }
        auto done = std::move(done_);
        done_ = nullptr;
        state_.publish_reported(std::move(targets), std::move(payload),
                                [done = std::move(done)](const PublishJob& job) {
                                    if (!job.broker_error.empty()) {
                                        done(failure(ErrorCode::internal,
                                                     "publish: " + job.broker_error));
                                        return;
                                    }
                                    OrderedJson positions = OrderedJson::array();
                                    for (const auto& position : job.positions) {
                                        positions.push_back(position_object(position));
                                    }
                                    OrderedJson result = OrderedJson::object();
                                    result["positions"] = std::move(positions);
                                    done(success(result));
                                });
    }

    // One publish per topic, so that one failing topic does not stop the others.
    void broadcast(Params& params) {
        auto topics = params.topics("topics");
        std::string payload = checked_payload(params);
        params.reject_unread();
        if (!topics || topics->empty()) {
            api::fail(ErrorCode::bad_request, "broadcast.topics: at least one topic is required");
        }
        struct Gathering {
            std::vector<OrderedJson> results;
            std::size_t waiting = 0;
            ApiDone done;
        };
        auto gathering = std::make_shared<Gathering>();
        gathering->results.resize(topics->size());
        gathering->waiting = topics->size();
        gathering->done = std::move(done_);
        done_ = nullptr;
        for (std::size_t index = 0; index < topics->size(); ++index) {
            PublishTargets targets;
            targets.topics.push_back((*topics)[index]);
            state_.publish_reported(
                std::move(targets), payload, [gathering, index](const PublishJob& job) {
                    OrderedJson& entry = gathering->results[index];
                    if (job.broker_error.empty() && !job.positions.empty()) {
                        entry = position_object(job.positions.front());
                    } else {
                        entry = OrderedJson::object();
                        entry["topic"] = job.targets.topics.front();
                        entry["error"] = api::error_object(
                            static_cast<std::uint32_t>(ErrorCode::internal),
                            "publish: " + job.broker_error);
                    }
                    if (--gathering->waiting > 0) return;
                    OrderedJson result = OrderedJson::object();
                    result["results"] = OrderedJson(std::move(gathering->results));
                    gathering->done(success(result));
                });
        }
    }

    // The sessions on this node a command for the target reaches.
    std::size_t local_sessions(const Target& target) const {
        if (target.kind == NOTIFY_TARGET_CLIENT) {
            const Client* client = state_.find_client(target.id);
            return client != nullptr && client->state != ClientState::invalid ? 1 : 0;
        }
        const User* user = state_.find_user(target.id);
        if (user == nullptr) return 0;
        return static_cast<std::size_t>(
            std::count_if(user->clients.begin(), user->clients.end(), [](const Client* client) {
                return client->state != ClientState::invalid;
            }));
    }

    void change_subscription(Params& params, bool subscribe) {
        const Target target = read_target(params);
        const std::string topic = params.required_topic("topic");
        params.reject_unread();
        const std::size_t sessions = local_sessions(target);
        const std::int64_t now = state_.env.now_ms();
        if (subscribe) {
            state_.subscribe(target.kind, target.id, topic, now);
        } else {
            state_.unsubscribe(target.kind, target.id, topic, now);
        }
        if (state_.held_elsewhere(target.kind, target.id)) {
            state_.forward_command(subscribe ? NOTIFY_COMMAND_SUBSCRIBE
                                             : NOTIFY_COMMAND_UNSUBSCRIBE,
                                   target.kind, target.id, topic, now);
        }
        OrderedJson result = OrderedJson::object();
        result["clients"] = sessions;
        answer(success(result));
    }

    void disconnect(Params& params) {
        const Target target = read_target(params);
        const std::uint64_t code = params.unsigned_integer("code").value_or(kDefaultDisconnectCode);
        const std::string reason = params.string("reason").value_or("disconnected by the server");
        params.reject_unread();
        if (code < 4000 || code > 4999) {
            api::fail(ErrorCode::bad_request,
                      "disconnect.code: must be in 4000-4999 (application close codes)");
        }
        if (reason.size() > kMaxReasonBytes) {
            api::fail(ErrorCode::bad_request, "disconnect.reason: longer than 123 bytes");
        }
        const std::size_t sessions = local_sessions(target);
        const bool forward = state_.held_elsewhere(target.kind, target.id);
        state_.disconnect(target.kind, target.id, static_cast<std::uint16_t>(code), reason);
        if (forward) {
            state_.forward_command(NOTIFY_COMMAND_DISCONNECT, target.kind, target.id, {},
                                   state_.env.now_ms(), static_cast<std::uint16_t>(code),
                                   reason);
        }
        OrderedJson result = OrderedJson::object();
        result["clients"] = sessions;
        answer(success(result));
    }

    void refresh(Params& params) {
        auto client_id_param = params.id("client");
        if (!client_id_param) api::fail(ErrorCode::bad_request, "refresh.client: is required");
        const std::string client_id = std::move(*client_id_param);
        auto expire_at = params.unsigned_integer("expire_at_ms");
        auto ttl = params.unsigned_integer("ttl_ms");
        params.reject_unread();
        if (expire_at.has_value() == ttl.has_value()) {
            api::fail(ErrorCode::bad_request, "refresh: give exactly one of expire_at_ms and ttl_ms");
        }
        if (ttl && *ttl == 0) api::fail(ErrorCode::bad_request, "refresh.ttl_ms: must be > 0");
        Client* client = state_.find_client(client_id);
        if (client == nullptr || client->state != ClientState::active) {
            api::fail(ErrorCode::not_found,
                      "refresh: client '" + client_id + "' is not connected to this node");
        }
        const std::int64_t now = state_.env.now_ms();
        constexpr std::uint64_t kMaxMs = std::uint64_t{1} << 52;
        if ((ttl && *ttl > kMaxMs) || (expire_at && *expire_at > kMaxMs)) {
            api::fail(ErrorCode::bad_request, "refresh: the time is out of range");
        }
        AuthOutcome outcome;
        outcome.kind = AuthOutcome::Kind::allow;
        outcome.expires_at_ms = ttl ? now + static_cast<std::int64_t>(*ttl)
                                    : static_cast<std::int64_t>(*expire_at);
        state_.set_credentials(*client, outcome);
        OrderedJson result = OrderedJson::object();
        result["expires_at_ms"] = outcome.expires_at_ms;
        answer(success(result));
    }

    void require_presence(const std::string& topic) {
        if (!state_.namespace_of(topic).presence) {
            api::fail(ErrorCode::not_found,
                      method_ + ": presence is off for '" + topic +
                          "' (its namespace does not set presence = true)");
        }
    }

    void presence(Params& params) {
        const std::string topic = params.required_topic("topic");
        params.reject_unread();
        require_presence(topic);
        std::vector<PresenceMember> members;
        if (std::string error = state_.env.read_presence(topic, members); !error.empty()) {
            api::fail(ErrorCode::internal, "presence: " + error);
        }
        std::sort(members.begin(), members.end(),
                  [](const PresenceMember& a, const PresenceMember& b) {
                      return a.client_id < b.client_id;
                  });
        OrderedJson clients = OrderedJson::array();
        for (const PresenceMember& member : members) {
            OrderedJson entry = OrderedJson::object();
            entry["client"] = member.client_id;
            if (!member.user_id.empty()) entry["user"] = member.user_id;
            if (!member.info.empty()) {
                OrderedJson info = OrderedJson::parse(member.info, nullptr, false);
                if (!info.is_discarded()) entry["info"] = std::move(info);
            }
            clients.push_back(std::move(entry));
        }
        OrderedJson result = OrderedJson::object();
        result["clients"] = std::move(clients);
        answer(success(result));
    }

    void presence_stats(Params& params) {
        const std::string topic = params.required_topic("topic");
        params.reject_unread();
        require_presence(topic);
        PresenceCount count;
        if (std::string error = state_.env.presence_stats(topic, count); !error.empty()) {
            api::fail(ErrorCode::internal, "presence_stats: " + error);
        }
        OrderedJson result = OrderedJson::object();
        result["clients"] = count.clients;
        result["users"] = count.users;
        answer(success(result));
    }

    void history(Params& params) {
        const std::string topic = params.required_topic("topic");
        const std::uint64_t requested = params.unsigned_integer("limit").value_or(0);
        const bool reverse = params.boolean("reverse").value_or(false);
        std::optional<protocol::Position> since;
        if (const Json* position = params.object("since")) {
            Params fields(*position, "history.since");
            since = protocol::Position{fields.unsigned_integer("offset").value_or(0),
                                       fields.string("epoch").value_or("")};
            fields.reject_unread();
        }
        params.reject_unread();
        const host::NamespaceSpec& space = state_.namespace_of(topic);
        const std::uint64_t cap = state_.config.limits.max_recovery;
        const std::uint64_t limit = requested == 0 ? cap : std::min(requested, cap);
        const StreamState current = state_.env.read_history(topic, 0, 0, space, HistoryVisitor{});
        if (!current.ok) {
            api::fail(ErrorCode::internal,
                      "history: the history of '" + topic + "' is not available: " + current.error);
        }
        std::uint64_t after = 0;
        if (since) {
            if (std::string error = state_.position_error(topic, *since, current); !error.empty()) {
                api::fail(ErrorCode::bad_request, "history.since: " + error);
            }
            if (!since->epoch.empty() && since->epoch != current.epoch) {
                api::fail(ErrorCode::unrecoverable,
                          "history.since: the epoch '" + since->epoch +
                              "' is not the stream's current one ('" + current.epoch + "')");
            }
            after = since->offset;
        } else {
            after = current.offset > limit ? current.offset - limit : 0;
        }
        OrderedJson publications = OrderedJson::array();
        StreamState read = current;
        if (limit > 0 && current.offset > after) {
            read = state_.env.read_history(topic, after, limit, space,
                                           [&](std::uint64_t offset, std::string_view payload) {
                                               OrderedJson entry = OrderedJson::object();
                                               entry["offset"] = offset;
                                               api::put_payload(entry, payload);
                                               publications.push_back(std::move(entry));
                                               return true;
                                           });
            if (!read.ok) {
                api::fail(ErrorCode::internal,
                          "history: the history of '" + topic + "' is not available: " + read.error);
            }
        }
        if (reverse) std::reverse(publications.begin(), publications.end());
        OrderedJson result = OrderedJson::object();
        result["publications"] = std::move(publications);
        result["offset"] = read.offset;
        result["epoch"] = read.epoch;
        answer(success(result));
    }

    void history_remove(Params& params) {
        const std::string topic = params.required_topic("topic");
        params.reject_unread();
        std::string error;
        switch (state_.env.remove_history(topic, error)) {
            case HistoryRemoval::removed:
                return answer(success(OrderedJson::object()));
            case HistoryRemoval::unsupported:
                api::fail(ErrorCode::unknown_command, "history_remove: " + error);
            case HistoryRemoval::failed:
                api::fail(ErrorCode::internal, "history_remove: " + error);
        }
    }

    void topics(Params& params) {
        const std::string pattern = params.string("pattern").value_or("*");
        const std::uint64_t limit = params.unsigned_integer("limit").value_or(0);
        const std::string order = params.string("order").value_or("name");
        params.reject_unread();
        if (order != "name" && order != "subscribers" && order != "publishes") {
            api::fail(ErrorCode::bad_request,
                      "topics.order: '" + order + "' is not name, subscribers or publishes");
        }
        struct Found {
            std::string_view name;
            std::size_t subscribers = 0;
            std::uint64_t publishes = 0;
        };
        std::vector<Found> found;
        for (const auto& [name, topic] : state_.topics) {
            if (topic->subscribers.empty() || !matches_pattern(pattern, name)) continue;
            found.push_back({name, topic->subscribers.size(), topic->publishes});
        }
        // The largest first for counts; ties (and "name") by name, so pages are stable.
        const auto by_name = [](const Found& a, const Found& b) { return a.name < b.name; };
        const auto key = [&order](const Found& f) {
            return order == "subscribers" ? f.subscribers : f.publishes;
        };
        const auto by_count = [&](const Found& a, const Found& b) {
            return key(a) != key(b) ? key(a) > key(b) : a.name < b.name;
        };
        const std::size_t keep = limit > 0 ? std::min<std::size_t>(limit, found.size())
                                           : found.size();
        if (order == "name") {
            std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(keep),
                              found.end(), by_name);
        } else {
            std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(keep),
                              found.end(), by_count);
        }
        found.resize(keep);
        OrderedJson list = OrderedJson::array();
        for (const Found& item : found) {
            OrderedJson entry = OrderedJson::object();
            entry["topic"] = item.name;
            entry["subscribers"] = item.subscribers;
            entry["publishes"] = item.publishes;
            list.push_back(std::move(entry));
        }
        OrderedJson result = OrderedJson::object();
        result["topics"] = std::move(list);
        answer(success(result));
    }

    void info(Params& params) {
        params.reject_unread();
        OrderedJson result = OrderedJson::parse(state_.env.nodes_json(), nullptr, false);
        if (result.is_discarded() || !result.is_object()) {
            api::fail(ErrorCode::internal, "info: the node registry gave no valid JSON");
        }
        answer(success(result));
    }

    Core::State& state_;
    std::string method_;
    ApiDone done_;
};

// A batch: its commands in order (each starts once the previous answered) or all at once.
struct ApiBatch : std::enable_shared_from_this<ApiBatch> {
    Core::State* state = nullptr;
    std::vector<std::pair<std::string, Json>> commands;  // method, params
    std::vector<ApiReply> replies;
    std::size_t next = 0;
    std::size_t waiting = 0;
    bool parallel = false;
    bool running_inline = false;
    bool answered_inline = false;
    ApiDone done;

    void run_one(std::size_t index) {
        auto self = shared_from_this();
        ApiRequest request(*state, commands[index].first, [self, index](ApiReply reply) {
            self->replies[index] = std::move(reply);
            self->on_reply();
        });
        request.run(commands[index].second);
    }

    void on_reply() {
        if (parallel) {
            if (--waiting == 0) finish();
            return;
        }
        if (running_inline) {
            answered_inline = true;
            return;
        }
        advance();
    }

    // Runs commands while they answer at once; one that answers later resumes the loop.
    void advance() {
        while (next < commands.size()) {
            const std::size_t index = next++;
            running_inline = true;
            answered_inline = false;
            run_one(index);
            running_inline = false;
            if (!answered_inline) return;
        }
        finish();
    }

    void start() {
        if (commands.empty()) return finish();
        if (!parallel) return advance();
        waiting = commands.size();
        for (std::size_t index = 0; index < commands.size(); ++index) run_one(index);
    }

    void finish() {
        OrderedJson list = OrderedJson::array();
        for (const ApiReply& reply : replies) {
            OrderedJson entry = OrderedJson::object();
            if (reply.error_code == 0) {
                entry["result"] = OrderedJson::parse(reply.result);
            } else {
                entry["error"] = api::error_object(reply.error_code, reply.message);
            }
            list.push_back(std::move(entry));
        }
        OrderedJson result = OrderedJson::object();
        result["replies"] = std::move(list);
        ApiDone answer = std::move(done);
        answer(success(result));
    }

    // `done` is taken only once the batch is known to be well-formed (else the caller answers).
    static void start_from(Core::State& state, const Json& json, ApiDone& done);
};

void ApiBatch::start_from(Core::State& state, const Json& json, ApiDone& done) {
    Params params(json, "batch");
    const Json* commands = params.array("commands");
    const bool parallel = params.boolean("parallel").value_or(false);
    params.reject_unread();
    if (commands == nullptr) api::fail(ErrorCode::bad_request, "batch.commands: is required");
    if (commands->size() > kMaxBatchCommands) {
        api::fail(ErrorCode::limit_exceeded, "batch.commands: more than 1000 commands");
    }
    auto batch = std::make_shared<ApiBatch>();
    batch->state = &state;
    batch->parallel = parallel;
    // Every item is checked for shape first: a batch whose list is malformed runs nothing.
    for (std::size_t index = 0; index < commands->size(); ++index) {
        Params item((*commands)[index], "batch.commands[" + std::to_string(index) + "]");
        std::string method = item.required_string("method");
        const Json* item_params = item.object("params");
        item.reject_unread();
        if (method == "batch") {
            api::fail(ErrorCode::bad_request,
                      item.path() + ".method: batches do not nest");
        }
        batch->commands.emplace_back(std::move(method),
                                     item_params != nullptr ? *item_params : Json::object());
    }
    batch->replies.resize(batch->commands.size());
    batch->done = std::move(done);
    batch->start();
}

void Core::State::api_call(std::string_view method, std::string_view params, ApiDone done) {
    try {
        const Json json = api::parse_params(params, method);
        if (method == "batch") return ApiBatch::start_from(*this, json, done);
        ApiRequest request(*this, std::string(method), std::move(done));
        request.run(json);
    } catch (const ApiError& error) {
        if (done) done(failure(error.code, error.message));
    } catch (const std::exception& error) {
        if (done) done(failure(ErrorCode::internal, std::string(method) + ": " + error.what()));
    }
}

void Core::api_call(std::string_view method, std::string_view params, ApiDone done) {
    state_->api_call(method, params, std::move(done));
}

}  // namespace notify::core
