#include "core/core_state.hpp"

namespace notify::core {

void Core::State::handle_publish(Connection& connection, std::uint64_t command_id,
                                 protocol::PublishCommand& command) {
    Client& client = *connection.client;
    if (command.data.size() > config.limits.max_payload_size) {
        reply_error(connection.ref, command_id, protocol::ErrorCode::too_large,
                    "publish: payload of " + std::to_string(command.data.size()) +
                        " bytes exceeds the limit of " +
                        std::to_string(config.limits.max_payload_size));
        return;
    }
    if (command.topics.empty() && command.clients.empty() && command.users.empty()) {
        reply_error(connection.ref, command_id, protocol::ErrorCode::bad_request,
                    "publish: names no topic, client or user");
        return;
    }
    for (const std::string& topic : command.topics) {
        if (!protocol::is_valid_topic(topic)) {
            reply_error(connection.ref, command_id, protocol::ErrorCode::bad_request,
                        "publish: invalid topic name");
            return;
        }
        const host::NamespaceSpec& space = namespace_of(topic);
        if (std::string refusal = publish_refusal(client, topic, space); !refusal.empty()) {
            reply_error(connection.ref, command_id, protocol::ErrorCode::permission_denied,
                        refusal);
            return;
        }
    }
    // Messages straight to clients or users follow the default namespace's rule.
    if (!command.clients.empty() || !command.users.empty()) {
        if (std::string refusal = publish_refusal(client, {}, config.default_namespace);
            !refusal.empty()) {
            reply_error(connection.ref, command_id, protocol::ErrorCode::permission_denied,
                        refusal);
            return;
        }
    }
    if (std::string error = frame_limit_error(command); !error.empty()) {
        reply_error(connection.ref, command_id, protocol::ErrorCode::too_large, error);
        return;
    }
    PublishJob job;
    job.from_client = true;
    job.origin = connection.ref;
    job.command_id = command_id;
    job.client_id = client.id;
    job.user_id = std::string(user_id_of(client));
    job.targets.topics = std::move(command.topics);
    job.targets.clients = std::move(command.clients);
    job.targets.users = std::move(command.users);
    job.payload = std::move(command.data);
    start_publish(std::move(job));
}

void Core::State::publish(const PublishTargets& targets, std::string payload) {
    if (payload.size() > config.limits.max_payload_size) return;
    for (const std::string& topic : targets.topics) {
        if (!protocol::is_valid_topic(topic)) return;
    }
    PublishJob job;
    job.targets = targets;
    job.payload = std::move(payload);
    job.authorizations_issued = true;
    start_publish(std::move(job));
}

void Core::State::publish_reported(PublishTargets targets, std::string payload,
                                   std::function<void(const PublishJob&)> on_finished) {
    PublishJob job;
    job.targets = std::move(targets);
    job.payload = std::move(payload);
    job.authorizations_issued = true;
    job.on_finished = std::move(on_finished);
    start_publish(std::move(job));
}

void Core::State::start_publish(PublishJob job) {
    job.id = next_request_id++;
    job.time_ms = env.now_ms();
    job.positions.resize(job.targets.topics.size());
    job.position_known.assign(job.targets.topics.size(), false);

    if (!job.authorizations_issued) {
        // One authorization per topic; a message straight to clients or users is authorized as
        // a publish to the empty topic.
        const Connection* origin = live_connection(job.origin);
        AuthorizeContext context;
        if (origin != nullptr) context = authorize_context(*origin);
        context.data = job.payload;
        std::size_t index = 0;
        const auto authorize = [&](std::string_view subject) {
            if (job.refused) return;
            ++job.authorizations_pending;
            const std::uint64_t request_id = next_request_id++;
            const AuthOutcome outcome = env.authorize_publish(request_id, job.client_id,
                                                              job.user_id, subject, context);
            if (outcome.kind == AuthOutcome::Kind::pending) {
                pending_publish_auths.emplace(request_id, PendingPublishAuth{job.id, index});
            } else {
                answer_publish_authorization(job, index, outcome);
            }
            ++index;
        };
        for (const std::string& topic : job.targets.topics) authorize(topic);
        if (!job.targets.clients.empty() || !job.targets.users.empty()) authorize({});
        job.authorizations_issued = true;
    }
    // With synchronous answers (no auth plugin deciding publishes, the local broker) the job
    // ends here and is never stored; answers still pending find it by id in publish_jobs, and
    // none of them can run before this returns (they are posted to this thread).
    progress_publish(job);
    if (job.phase != PublishJob::Phase::finished) {
        const std::uint64_t job_id = job.id;
        publish_jobs.emplace(job_id, std::move(job));
    }
}

void Core::State::answer_publish_authorization(PublishJob& job, std::size_t index,
                                               const AuthOutcome& outcome) {
    --job.authorizations_pending;
    if (outcome.kind == AuthOutcome::Kind::allow) {
        // The lowest index wins, whatever order the answers came in.
        if (outcome.replacement_data && (!job.replacement || index < job.replacement_index)) {
            job.replacement = *outcome.replacement_data;
            job.replacement_index = index;
        }
        return;
    }
    if (job.refused) return;
    job.refused = true;
    if (live_connection(job.origin) != nullptr) {
        reply_error(job.origin, job.command_id, protocol::ErrorCode::permission_denied,
                    outcome.reason.empty() ? "publish: denied" : "publish: " + outcome.reason);
        close_as_denial_says(job.origin, outcome);
    }
}

bool Core::State::apply_publish_replacement(PublishJob& job) {
    if (!job.replacement) return true;
    std::string error;
    if (job.replacement->size() > config.limits.max_payload_size) {
        error = "publish: the payload an auth plugin put in place is " +
                std::to_string(job.replacement->size()) + " bytes, over the limit of " +
                std::to_string(config.limits.max_payload_size);
    } else {
        protocol::PublishCommand moderated;
        moderated.topics = job.targets.topics;
        moderated.clients = job.targets.clients;
        moderated.users = job.targets.users;
        moderated.data = *job.replacement;
        if (std::string limit = frame_limit_error(moderated); !limit.empty()) {
            error = "publish: the payload an auth plugin put in place: " + limit;
        }
    }
    if (!error.empty()) {
        if (live_connection(job.origin) != nullptr) {
            reply_error(job.origin, job.command_id, protocol::ErrorCode::too_large, error);
        }
        return false;
    }
    job.payload = std::move(*job.replacement);
    job.replacement.reset();
    return true;
}

void Core::State::answer_broker_publish(PublishJob& job, std::size_t topic_index,
                                        const PublishOutcome& outcome) {
    --job.broker_pending;
    const std::string& topic = job.targets.topics[topic_index];
    if (outcome.kind == PublishOutcome::Kind::done) {
        job.positions[topic_index] = protocol::TopicPosition{topic, outcome.offset, outcome.epoch};
        job.position_known[topic_index] = true;
        return;
    }
    if (job.broker_error.empty()) {
        job.broker_error = "publish to '" + topic + "' failed: " +
                           (outcome.kind == PublishOutcome::Kind::failed
                                ? outcome.error
                                : std::string("the broker answered pending to a completion"));
    }
}

void Core::State::advance_publish(std::uint64_t job_id) {
    auto found = publish_jobs.find(job_id);
    if (found == publish_jobs.end()) return;
    progress_publish(found->second);
    // By key: finishing may have started another publish (a server API batch), and the map's
    // insert may have invalidated `found`.
    found = publish_jobs.find(job_id);
    if (found != publish_jobs.end() && found->second.phase == PublishJob::Phase::finished) {
        publish_jobs.erase(found);
    }
}

void Core::State::progress_publish(PublishJob& job) {
    if (job.phase == PublishJob::Phase::authorizing && job.authorizations_issued &&
        job.authorizations_pending == 0) {
        if (job.refused || !apply_publish_replacement(job)) {
            job.phase = PublishJob::Phase::finished;
        } else {
            start_broker_publishes(job);
        }
    }
    if (job.phase == PublishJob::Phase::publishing && job.broker_issued &&
        job.broker_pending == 0) {
        finish_publish(job);
        job.phase = PublishJob::Phase::finished;
    }
}

void Core::State::start_broker_publishes(PublishJob& job) {
    job.phase = PublishJob::Phase::publishing;
    const std::string key = publish_key(job);
    if (config.cluster && (!job.targets.clients.empty() || !job.targets.users.empty())) {
        std::string error = env.broker_publish_direct(job.targets.clients, job.targets.users,
                                                      job.payload, job.time_ms, key);
        if (!error.empty()) job.broker_error = "publish to clients and users failed: " + error;
    }
    for (std::size_t index = 0; index < job.targets.topics.size(); ++index) {
        const std::string& topic = job.targets.topics[index];
        ++job.broker_pending;
        const std::uint64_t request_id = next_request_id++;
        const PublishOutcome outcome = env.broker_publish(request_id, topic, job.payload,
                                                          job.time_ms, namespace_of(topic), key);
        if (outcome.kind == PublishOutcome::Kind::pending) {
            pending_broker_publishes.emplace(request_id, PendingBrokerPublish{job.id, index});
        } else {
            answer_broker_publish(job, index, outcome);
        }
    }
    job.broker_issued = true;
}

void Core::State::finish_publish(PublishJob& job) {
    // In a cluster every message comes back from the bus, where the broker ordered it.
    if (!config.cluster) fan_out(job);
    ++publish_count;
    for (std::size_t index = 0; index < job.positions.size(); ++index) {
        if (!job.position_known[index]) continue;
        emit_publish(job.targets.topics[index], job.positions[index], job.payload, job.client_id,
                     job.user_id, job.time_ms);
    }
    if (job.on_finished) job.on_finished(job);
    if (!job.from_client || live_connection(job.origin) == nullptr) return;
    if (!job.broker_error.empty()) {
        reply_error(job.origin, job.command_id, protocol::ErrorCode::internal, job.broker_error);
        return;
    }
    reply_publish(job.origin, job.command_id, job.positions);
}

void Core::State::complete_auth(std::uint64_t request_id, const AuthOutcome& outcome) {
    if (auto found = pending_connects.find(request_id); found != pending_connects.end()) {
        const PendingConnect pending = std::move(found->second);
        pending_connects.erase(found);
        finish_connect(pending.conn, pending.command_id, pending.command, outcome);
        return;
    }
    if (auto found = pending_refreshes.find(request_id); found != pending_refreshes.end()) {
        const PendingRefresh pending = std::move(found->second);
        pending_refreshes.erase(found);
        finish_refresh(pending, outcome);
        return;
    }
    if (auto found = pending_subscribes.find(request_id); found != pending_subscribes.end()) {
        const PendingSubscribe pending = std::move(found->second);
        pending_subscribes.erase(found);
        finish_subscribe(pending, outcome);
        return;
    }
    if (auto found = pending_publish_auths.find(request_id); found != pending_publish_auths.end()) {
        const PendingPublishAuth pending = found->second;
        const std::uint64_t job_id = pending.job_id;
        pending_publish_auths.erase(found);
        if (auto job = publish_jobs.find(job_id); job != publish_jobs.end()) {
            answer_publish_authorization(job->second, pending.index, outcome);
            advance_publish(job_id);
        }
    }
}

void Core::State::complete_publish(std::uint64_t request_id, const PublishOutcome& outcome) {
    auto found = pending_broker_publishes.find(request_id);
    if (found == pending_broker_publishes.end()) return;
    const PendingBrokerPublish pending = found->second;
    pending_broker_publishes.erase(found);
    if (auto job = publish_jobs.find(pending.job_id); job != publish_jobs.end()) {
        answer_broker_publish(job->second, pending.topic_index, outcome);
        advance_publish(pending.job_id);
    }
}

}  // namespace notify::core
