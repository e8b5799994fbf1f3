// A namespace's rules for client commands: who may subscribe and publish (docs: README,
// "Namespaces"). A "token" namespace is decided by the auth chain, which verifies the token.
#include <algorithm>

#include "core/core_state.hpp"

namespace notify::core {
namespace {

std::string namespace_label(const host::NamespaceSpec& space) {
    return space.name.empty() ? "the default namespace" : "namespace '" + space.name + "'";
}

// "dm:room#alice,bob" -> whether `user` is one of alice, bob. Topics without '#' are open.
bool user_listed(std::string_view topic, std::string_view user) {
    const std::size_t hash = topic.rfind('#');
    if (hash == std::string_view::npos) return true;
    std::string_view users = topic.substr(hash + 1);
    while (!users.empty()) {
        const std::size_t comma = users.find(',');
        const std::string_view listed = users.substr(0, comma);
        if (!user.empty() && listed == user) return true;
        if (comma == std::string_view::npos) break;
        users.remove_prefix(comma + 1);
    }
    return false;
}

}  // namespace

std::string Core::State::subscribe_refusal(const Client& client, std::string_view topic,
                                           const host::NamespaceSpec& space) const {
    const std::string_view user = user_id_of(client);
    switch (space.subscribe) {
        case host::SubscribeRule::none:
            return namespace_refusal(space, "subscribe");
        case host::SubscribeRule::authenticated:
            if (user.empty()) {
                return "subscribe: " + namespace_label(space) +
                       " admits only clients with a user id";
            }
            break;
        case host::SubscribeRule::any:
        case host::SubscribeRule::token:
            break;
    }
    if (space.user_limited && !user_listed(topic, user)) {
        return "subscribe: topic '" + std::string(topic) + "' is limited to the users it lists";
    }
    return {};
}

std::string Core::State::publish_refusal(const Client& client, std::string_view topic,
                                         const host::NamespaceSpec& space) const {
    switch (space.publish) {
        case host::PublishRule::none:
            return namespace_refusal(space, "publish");
        case host::PublishRule::authenticated:
            if (user_id_of(client).empty()) {
                return "publish: " + namespace_label(space) +
                       " admits only publishers with a user id";
            }
            return {};
        case host::PublishRule::subscriber:
            // A publish straight to clients or users (empty topic) has no topic to be
            // subscribed to: "subscriber" in the default namespace refuses it.
            if (topic.empty() || !is_subscribed(client, topic)) {
                return topic.empty() ? "publish: " + namespace_label(space) +
                                           " admits only subscribers, and a publish to clients "
                                           "or users has no topic"
                                     : "publish: only subscribers of '" + std::string(topic) +
                                           "' may publish to it";
            }
            return {};
        case host::PublishRule::any:
            return {};
    }
    return {};
}

}  // namespace notify::core
