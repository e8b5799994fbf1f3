// MQTT 3.1.1 at QoS 0: CONNECT (clean session, no keep-alive), SUBSCRIBE, PUBLISH.
#include "session_kinds.hpp"

#include <cstdint>

namespace notify::bench {
namespace {

constexpr std::uint8_t packet_connack = 2;
constexpr std::uint8_t packet_publish = 3;
constexpr std::uint8_t packet_suback = 9;

void write_remaining_length(std::string& out, std::size_t length) {
    do {
        auto byte = static_cast<std::uint8_t>(length % 128);
        length /= 128;
        if (length > 0) {
            byte |= 0x80;
        }
        out.push_back(static_cast<char>(byte));
    } while (length > 0);
}

void write_string(std::string& out, std::string_view text) {
    out.push_back(static_cast<char>(text.size() >> 8));
    out.push_back(static_cast<char>(text.size() & 0xFF));
    out.append(text);
}

std::uint8_t byte_at(std::string_view in, std::size_t at) {
    return static_cast<std::uint8_t>(in[at]);
}

class MqttSession final : public Session {
public:
    explicit MqttSession(const SessionSpec& spec) : spec_(spec) {}

    void begin(std::string& out) override {
        std::string body;
        write_string(body, "MQTT");
        body.push_back(4);     // protocol level 3.1.1
        body.push_back(0x02);  // clean session
        body.push_back(0);     // keep-alive 0: the broker never expects pings
        body.push_back(0);
        write_string(body, spec_.client_id);
        out.push_back(0x10);
        write_remaining_length(out, body.size());
        out.append(body);
    }

    std::size_t consume(std::string_view in, std::string& out, SessionEvents& events) override {
        std::size_t used = 0;
        while (in.size() - used >= 2) {
            std::size_t length = 0;
            std::size_t at = used + 1;
            unsigned shift = 0;
            bool complete_length = false;
            while (at < in.size() && shift <= 21) {
                const std::uint8_t byte = byte_at(in, at++);
                length |= static_cast<std::size_t>(byte & 0x7F) << shift;
                shift += 7;
                if ((byte & 0x80) == 0) {
                    complete_length = true;
                    break;
                }
            }
            if (!complete_length) {
                if (shift > 21) {
                    events.failed("mqtt: remaining length longer than 4 bytes");
                    return in.size();
                }
                return used;
            }
            if (in.size() - at < length) {
                return used;
            }
            handle(byte_at(in, used), in.substr(at, length), out, events);
            used = at + length;
        }
        return used;
    }

    void publish(std::string& out, std::string_view topic, std::string_view payload) override {
        out.push_back(0x30);
        write_remaining_length(out, 2 + topic.size() + payload.size());
        write_string(out, topic);
        out.append(payload);
    }

private:
    void handle(std::uint8_t header, std::string_view body, std::string& out, SessionEvents& events) {
        const auto type = static_cast<std::uint8_t>(header >> 4);
        if (type == packet_connack) {
            if (body.size() < 2 || body[1] != 0) {
                events.failed("mqtt: CONNACK refused the connection");
            } else if (spec_.role == SessionRole::publisher) {
                events.ready();
            } else {
                std::string subscribe;
                subscribe.push_back(0);
                subscribe.push_back(1);  // packet id
                write_string(subscribe, spec_.topic);
                subscribe.push_back(0);  // QoS 0
                out.push_back(static_cast<char>(0x82));
                write_remaining_length(out, subscribe.size());
                out.append(subscribe);
            }
        } else if (type == packet_suback) {
            if (body.size() < 3 || byte_at(body, 2) == 0x80) {
                events.failed("mqtt: SUBACK refused the subscription");
            } else {
                events.ready();
            }
        } else if (type == packet_publish && body.size() >= 2) {
            const std::size_t topic_size = (std::size_t{byte_at(body, 0)} << 8) | byte_at(body, 1);
            const std::size_t qos = (header >> 1) & 0x03;
            const std::size_t start = 2 + topic_size + (qos > 0 ? 2 : 0);
            if (start <= body.size()) {
                events.delivered(body.substr(start));
            }
        }
    }

    SessionSpec spec_;
};

}  // namespace

std::unique_ptr<Session> make_mqtt_session(const SessionSpec& spec) {
    return std::make_unique<MqttSession>(spec);
}

}  // namespace notify::bench
