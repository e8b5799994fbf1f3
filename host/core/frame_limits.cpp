// Transports that cannot carry every frame (UDP: one datagram): a client publish that could not
// reach some of its recipients is refused up front, with a reason, instead of being dropped by
// the transport later.
#include <algorithm>
#include <functional>

#include "core/codec.hpp"
#include "core/core_state.hpp"

namespace notify::core {

namespace {

// The largest epoch a broker may give a stream (recovery refuses longer ones as forged), and the
// largest offset: the frame bound holds whatever position the broker assigns.
constexpr std::size_t kLongestEpoch = 64;
constexpr std::uint64_t kLargestOffset = ~std::uint64_t{0};
constexpr std::size_t kFrameOverhead = 6 * protocol::kMaxTopicSize + 2 * kLongestEpoch + 128;

}  // namespace

void Core::State::set_max_frame_size(std::uint32_t transport, std::uint64_t max_frame_bytes,
                                     std::string transport_name) {
    if (transport >= frame_limits.size()) frame_limits.resize(std::size_t{transport} + 1);
    frame_limits[transport] = FrameLimit{max_frame_bytes, std::move(transport_name)};
    smallest_frame_limit = 0;
    for (const FrameLimit& limit : frame_limits) {
        if (limit.max_frame_bytes != 0 &&
            (smallest_frame_limit == 0 || limit.max_frame_bytes < smallest_frame_limit)) {
            smallest_frame_limit = limit.max_frame_bytes;
        }
    }
}

std::string Core::State::frame_limit_error(const protocol::PublishCommand& command) const {
    if (smallest_frame_limit == 0) return {};
    // Quick exit: JSON escaping grows a payload at most sixfold (\u00XX), the rest of a frame
    // (topic, position, keys) stays well under kFrameOverhead.
    if (command.data.size() * 6 + kFrameOverhead < smallest_frame_limit) return {};
    const std::string epoch(kLongestEpoch, 'e');
    // The frame bound per encoding for one target (a topic, or "" for clients and users); the
    // recipients are scanned only when some bound exceeds the smallest limit.
    const auto check = [&](std::string_view topic,
                           const std::function<void(const std::function<void(const Client&)>&)>&
                               recipients) -> std::string {
        const std::size_t json_bound =
            encode_message_push(NOTIFY_ENCODING_JSON, topic, kLargestOffset, epoch, command.data)
                .size();
        const std::size_t binary_bound =
            encode_message_push(NOTIFY_ENCODING_BINARY, topic, kLargestOffset, epoch,
                                command.data)
                .size();
        if (std::max(json_bound, binary_bound) <= smallest_frame_limit) return {};
        std::string error;
        recipients([&](const Client& client) {
            const Connection* connection = client.connection;
            if (!error.empty() || connection == nullptr ||
                connection->ref.transport >= frame_limits.size()) {
                return;
            }
            const FrameLimit& limit = frame_limits[connection->ref.transport];
            const std::size_t bound =
                connection->encoding == NOTIFY_ENCODING_BINARY ? binary_bound : json_bound;
            if (limit.max_frame_bytes == 0 || bound <= limit.max_frame_bytes) return;
            error = "publish: the message could need a frame of " + std::to_string(bound) +
                    " bytes, more than transport '" + limit.transport_name + "' carries (" +
                    std::to_string(limit.max_frame_bytes) +
                    "), and a recipient is connected through it";
        });
        return error;
    };
    for (const std::string& topic : command.topics) {
        const auto found = topics.find(topic);
        if (found == topics.end()) continue;
        const Topic& target = *found->second;
        std::string error = check(topic, [&](const std::function<void(const Client&)>& visit) {
            for (const TopicSubscriber& subscriber : target.subscribers) visit(*subscriber.client);
        });
        if (!error.empty()) return error;
    }
    if (command.clients.empty() && command.users.empty()) return {};
    return check("", [&](const std::function<void(const Client&)>& visit) {
        for (const std::string& client_id : command.clients) {
            if (const Client* client = find_client(client_id)) visit(*client);
        }
        for (const std::string& user_id : command.users) {
            if (const User* user = find_user(user_id)) {
                for (const Client* client : user->clients) visit(*client);
            }
        }
    });
}

}  // namespace notify::core
