#include "wire.hpp"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>

namespace notify::redis {
namespace {

constexpr char kMagic0 = 'N';
constexpr char kMagic1 = 'B';
// More ids than this in one direct message is refused as malformed (a guard, not a limit the
// plugin reaches: it splits by shard and the host sends far fewer).
constexpr std::uint64_t kMaxListCount = 1u << 20;

class Writer {
  public:
    explicit Writer(char type) {
        out_.push_back(kMagic0);
        out_.push_back(kMagic1);
        out_.push_back(static_cast<char>(kWireVersion));
        out_.push_back(type);
    }
    explicit Writer(std::nullptr_t) {}

    Writer& field(std::string_view bytes) {
        const auto len = static_cast<std::uint32_t>(bytes.size());
        out_.push_back(static_cast<char>((len >> 24) & 0xffu));
        out_.push_back(static_cast<char>((len >> 16) & 0xffu));
        out_.push_back(static_cast<char>((len >> 8) & 0xffu));
        out_.push_back(static_cast<char>(len & 0xffu));
        out_.append(bytes);
        return *this;
    }
    Writer& u64(std::uint64_t value) { return field(std::to_string(value)); }
    Writer& i64(std::int64_t value) { return field(std::to_string(value)); }
    Writer& raw(std::string_view bytes) {
        out_.append(bytes);
        return *this;
    }
    std::string take() { return std::move(out_); }

  private:
    std::string out_;
};

class Reader {
  public:
    explicit Reader(std::string_view bytes) : in_(bytes) {}

    bool ok() const { return ok_; }

    std::string_view field() {
        if (!ok_ || in_.size() < 4) {
            ok_ = false;
            return {};
        }
        const auto* p = reinterpret_cast<const unsigned char*>(in_.data());
        const std::uint64_t len = (std::uint64_t{p[0]} << 24) | (std::uint64_t{p[1]} << 16) |
                                  (std::uint64_t{p[2]} << 8) | std::uint64_t{p[3]};
        in_.remove_prefix(4);
        if (len > in_.size()) {
            ok_ = false;
            return {};
        }
        std::string_view value = in_.substr(0, len);
        in_.remove_prefix(len);
        return value;
    }
    std::string str() { return std::string{field()}; }
    std::uint64_t u64() {
        auto value = parse_u64(field());
        if (!value) {
            ok_ = false;
            return 0;
        }
        return *value;
    }
    std::int64_t i64() {
        auto value = parse_i64(field());
        if (!value) {
            ok_ = false;
            return 0;
        }
        return *value;
    }
    double real() {
        const std::string text{field()};
        if (!ok_ || text.empty() || text.size() > 64) {
            ok_ = false;
            return 0;
        }
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        if (end != text.c_str() + text.size()) {
            ok_ = false;
            return 0;
        }
        return value;
    }

  private:
    std::string_view in_;
    bool ok_ = true;
};

std::optional<TopicTail> read_tail(Reader& reader) {
    TopicTail tail;
    tail.topic = reader.str();
    tail.publish_key = reader.str();
    tail.time_ms = reader.i64();
    tail.payload = reader.str();
    if (!reader.ok()) {
        return std::nullopt;
    }
    return tail;
}

bool read_list(Reader& reader, std::vector<std::string>* out) {
    const std::uint64_t count = reader.u64();
    if (!reader.ok() || count > kMaxListCount) {
        return false;
    }
    for (std::uint64_t i = 0; i < count && reader.ok(); ++i) {
        out->push_back(reader.str());
    }
    return reader.ok();
}

}  // namespace

std::optional<std::uint64_t> parse_u64(std::string_view text) {
    if (text.empty() || text.size() > 20) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::int64_t> parse_i64(std::string_view text) {
    if (text.empty() || text.size() > 20 || text[0] == '+') {
        return std::nullopt;
    }
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

std::string encode_topic_tail(std::string_view topic, std::string_view publish_key,
                              std::int64_t time_ms, std::string_view payload) {
    return Writer{nullptr}.field(topic).field(publish_key).i64(time_ms).field(payload).take();
}

std::string encode_topic(const TopicMessage& message) {
    return Writer{'T'}
        .u64(message.offset)
        .field(message.epoch)
        .raw(encode_topic_tail(message.topic, message.publish_key, message.time_ms,
                               message.payload))
        .take();
}

std::string encode_direct(const DirectMessage& message) {
    Writer writer{'D'};
    writer.u64(message.clients.size());
    for (const auto& id : message.clients) {
        writer.field(id);
    }
    writer.u64(message.users.size());
    for (const auto& id : message.users) {
        writer.field(id);
    }
    return writer.field(message.publish_key).i64(message.time_ms).field(message.payload).take();
}

std::string encode_command(const CommandMessage& message) {
    return Writer{'C'}
        .field(message.origin)
        .u64(message.type)
        .u64(message.target)
        .field(message.id)
        .field(message.topic)
        .u64(message.code)
        .field(message.reason)
        .i64(message.time_ms)
        .take();
}

std::string encode_node(const NodeMessage& message) {
    char cpu[64];
    std::snprintf(cpu, sizeof cpu, "%.6g", message.cpu);
    return Writer{'A'}
        .field(message.id)
        .field(message.name)
        .field(message.urls)
        .field(message.version)
        .u64(message.connections)
        .u64(message.clients)
        .u64(message.users)
        .u64(message.topics)
        .u64(message.subscriptions)
        .field(cpu)
        .i64(message.uptime_ms)
        .field(message.app_id)
        .take();
}

std::string encode_probe(const ProbeMessage& message) {
    return Writer{'P'}.field(message.origin).u64(message.nonce).take();
}

std::string encode_presence(const PresenceMessage& message) {
    return Writer{'J'}
        .field(std::string_view{&message.op, 1})
        .field(message.topic)
        .field(message.client)
        .field(message.node)
        .field(message.user)
        .field(message.info)
        .take();
}

std::string encode_presence_record(const PresenceRecord& record) {
    return Writer{nullptr}.field(record.node).field(record.user).field(record.info).take();
}

std::string presence_owner_prefix(std::string_view node) {
    return Writer{nullptr}.field(node).take();
}

std::optional<PresenceRecord> decode_presence_record(std::string_view bytes) {
    Reader reader{bytes};
    PresenceRecord record;
    record.node = reader.str();
    record.user = reader.str();
    record.info = reader.str();
    if (!reader.ok() || record.node.empty()) {
        return std::nullopt;
    }
    return record;
}

std::string encode_subscription_field(std::string_view node, std::string_view client) {
    return Writer{nullptr}.field(node).field(client).take();
}

std::optional<std::pair<std::string, std::string>> decode_subscription_field(std::string_view bytes) {
    Reader reader{bytes};
    std::string node = reader.str();
    std::string client = reader.str();
    if (!reader.ok() || node.empty() || client.empty()) {
        return std::nullopt;
    }
    return std::make_pair(std::move(node), std::move(client));
}

std::string encode_subscription_value(const SubscriptionValue& value) {
    return Writer{nullptr}.field(value.user).field(value.resume_token).u64(value.acked_offset).take();
}

std::optional<SubscriptionValue> decode_subscription_value(std::string_view bytes) {
    Reader reader{bytes};
    SubscriptionValue value;
    value.user = reader.str();
    value.resume_token = reader.str();
    value.acked_offset = reader.u64();
    if (!reader.ok()) {
        return std::nullopt;
    }
    return value;
}

std::optional<TopicTail> decode_topic_tail(std::string_view bytes) {
    Reader reader{bytes};
    return read_tail(reader);
}

std::optional<BusMessage> decode(std::string_view bytes) {
    if (bytes.size() < 4 || bytes[0] != kMagic0 || bytes[1] != kMagic1 ||
        static_cast<std::uint8_t>(bytes[2]) != kWireVersion) {
        return std::nullopt;
    }
    const char type = bytes[3];
    Reader reader{bytes.substr(4)};
    switch (type) {
        case 'T': {
            TopicMessage message;
            message.offset = reader.u64();
            message.epoch = reader.str();
            auto tail = read_tail(reader);
            if (!tail || !reader.ok() || message.offset == 0 || tail->topic.empty()) {
                return std::nullopt;
            }
            message.topic = std::move(tail->topic);
            message.publish_key = std::move(tail->publish_key);
            message.time_ms = tail->time_ms;
            message.payload = std::move(tail->payload);
            return message;
        }
        case 'D': {
            DirectMessage message;
            if (!read_list(reader, &message.clients) || !read_list(reader, &message.users)) {
                return std::nullopt;
            }
            message.publish_key = reader.str();
            message.time_ms = reader.i64();
            message.payload = reader.str();
            if (!reader.ok()) {
                return std::nullopt;
            }
            return message;
        }
        case 'C': {
            CommandMessage message;
            message.origin = reader.str();
            const std::uint64_t command_type = reader.u64();
            const std::uint64_t target = reader.u64();
            message.id = reader.str();
            message.topic = reader.str();
            const std::uint64_t code = reader.u64();
            message.reason = reader.str();
            message.time_ms = reader.i64();
            if (!reader.ok() || command_type > std::numeric_limits<std::uint32_t>::max() ||
                target > std::numeric_limits<std::uint32_t>::max() ||
                code > std::numeric_limits<std::uint16_t>::max() || message.origin.empty()) {
                return std::nullopt;
            }
            message.type = static_cast<std::uint32_t>(command_type);
            message.target = static_cast<std::uint32_t>(target);
            message.code = static_cast<std::uint16_t>(code);
            return message;
        }
        case 'A': {
            NodeMessage message;
            message.id = reader.str();
            message.name = reader.str();
            message.urls = reader.str();
            message.version = reader.str();
            message.connections = reader.u64();
            message.clients = reader.u64();
            message.users = reader.u64();
            message.topics = reader.u64();
            message.subscriptions = reader.u64();
            message.cpu = reader.real();
            message.uptime_ms = reader.i64();
            message.app_id = reader.str();
            if (!reader.ok() || message.id.empty()) {
                return std::nullopt;
            }
            return message;
        }
        case 'P': {
            ProbeMessage message;
            message.origin = reader.str();
            message.nonce = reader.u64();
            if (!reader.ok()) {
                return std::nullopt;
            }
            return message;
        }
        case 'J': {
            PresenceMessage message;
            const std::string op = reader.str();
            message.topic = reader.str();
            message.client = reader.str();
            message.node = reader.str();
            message.user = reader.str();
            message.info = reader.str();
            if (!reader.ok() || op.size() != 1 || (op[0] != '+' && op[0] != '-' && op[0] != '*') ||
                message.topic.empty() || message.node.empty() ||
                (op[0] != '*' && message.client.empty())) {
                return std::nullopt;
            }
            message.op = op[0];
            return message;
        }
        default:
            return std::nullopt;
    }
}

std::uint64_t fnv1a64(std::string_view data) noexcept {
    std::uint64_t hash = 14695981039346656037ull;
    for (const char c : data) {
        hash ^= static_cast<std::uint8_t>(c);
        hash *= 1099511628211ull;
    }
    return hash;
}

std::int32_t jump_hash(std::uint64_t key, std::int32_t buckets) noexcept {
    if (buckets <= 1) {
        return 0;
    }
    std::int64_t b = -1;
    std::int64_t j = 0;
    while (j < buckets) {
        b = j;
        key = key * 2862933555777941757ull + 1;
        j = static_cast<std::int64_t>(static_cast<double>(b + 1) *
                                      (static_cast<double>(1LL << 31) /
                                       static_cast<double>((key >> 33) + 1)));
    }
    return static_cast<std::int32_t>(b);
}

std::size_t topic_server(std::string_view topic, std::size_t servers) noexcept {
    return static_cast<std::size_t>(jump_hash(fnv1a64(topic), static_cast<std::int32_t>(servers)));
}

std::uint32_t id_shard(std::string_view id, std::uint32_t shards) noexcept {
    return shards == 0 ? 0 : static_cast<std::uint32_t>(fnv1a64(id) % shards);
}

std::size_t shard_server(std::uint32_t shard, std::size_t servers) noexcept {
    return static_cast<std::size_t>(
        jump_hash(fnv1a64(std::to_string(shard)), static_cast<std::int32_t>(servers)));
}

std::string Names::topic_channel(std::string_view topic) const {
    return prefix + ".topic." + std::string{topic};
}
std::string Names::client_channel(std::uint32_t shard) const {
    return prefix + ".client." + std::to_string(shard);
}
std::string Names::user_channel(std::uint32_t shard) const {
    return prefix + ".user." + std::to_string(shard);
}
std::string Names::control_channel() const { return prefix + ".control"; }
std::string Names::node_channel(std::string_view node_id) const {
    return prefix + ".node." + std::string{node_id};
}
std::string Names::meta_key(std::string_view topic) const {
    return prefix + ".meta.{" + std::string{topic} + "}";
}
std::string Names::stream_key(std::string_view topic) const {
    return prefix + ".stream.{" + std::string{topic} + "}";
}
std::string Names::presence_key(std::string_view topic) const {
    return prefix + ".presence.{" + std::string{topic} + "}";
}
std::string Names::subscriptions_key(std::string_view topic) const {
    return prefix + ".subs.{" + std::string{topic} + "}";
}
std::string Names::subscriptions_index_key(std::string_view node) const {
    return prefix + ".subs.node." + std::string{node};
}
std::string Names::presence_expiry_key(std::string_view topic) const {
    return prefix + ".presence.expire.{" + std::string{topic} + "}";
}

}  // namespace notify::redis
