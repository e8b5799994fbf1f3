// Seeded random reconnects against a real notifyd: a publisher publishes to three topics while
// WebSocket subscribers vanish (no close handshake) at random points and come back after random
// absences. They resume their session (docs/protocol.md, "Reconnecting"); after an overflow, a
// lost session or a tail lost in flight they recover from history with `since`. In the end
// every subscriber must hold every message exactly once, in order. NOTIFY_TEST_SEED=N repeats a
// run.
#include <gtest/gtest.h>

// Header-only (the one sdk/protocol uses), from the system include path.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "notifyd_fixture.hpp"
#include "ws_client.hpp"

namespace notify::test {
namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr unsigned short kPort = 39441;
constexpr int kSubscribers = 4;
constexpr int kReconnectsEach = 30;  // 120 in all
constexpr std::size_t kTopicCount = 3;
const std::array<std::string, kTopicCount> kTopics{"news", "sport", "weather"};
// The publisher stops by then even when the subscribers have not reconnected often enough.
constexpr auto kPublishAtMost = seconds(16);
// Everything is over by then (the test must stay under 30 s).
constexpr auto kRunAtMost = seconds(24);
constexpr auto kSessionTtl = milliseconds(500);

// Small session buffers, so that resumes overflow; short-lived sessions, so that some are gone
// when their client comes back; a history that keeps every message, so that recovery always
// can succeed. A recovery hands all its messages to the transport at once, so limits.max_recovery
// (500 by default, below the transports' max_queue of 1024) and max_queue are raised together
// to cover the longest absence.
std::string recovery_manifest() {
    return "[app]\nid = \"random-recovery\"\n"
           "[clients]\nttl = \"" + std::to_string(kSessionTtl.count()) + "ms\"\n"
           "clean_interval = \"50ms\"\nbuffer_size = 8\n"
           "[limits]\nmax_recovery = 100000\n"
           "[topics]\nhistory_size = 100000\n"
           "[[auth]]\nplugin = \"anonymous\"\n"
           "[[transport]]\nplugin = \"websocket\"\n"
           "listen = \"127.0.0.1:" + std::to_string(kPort) + "\"\npath = \"/pubsub\"\n"
           "max_queue = 100000\n";
}

std::uint64_t run_seed() {
    if (const char* given = std::getenv("NOTIFY_TEST_SEED"); given != nullptr && *given != '\0') {
        return std::strtoull(given, nullptr, 10);
    }
    return std::random_device{}();
}

std::string payload_of(std::size_t topic, std::uint64_t offset) {
    return kTopics[topic] + "#" + std::to_string(offset);
}

// The frames this test meets: replies and message pushes (docs/protocol.md, sections 4-5).
struct Frame {
    std::uint64_t reply_id = 0;  // 0: not a reply
    std::optional<int> error_code;
    std::string error_message;
    json result;
    bool is_message = false;
    std::string topic;
    std::uint64_t offset = 0;
    std::string epoch;
    std::string data;
};

Frame parse_frame(const std::string& text) {
    const json frame = json::parse(text);  // throws on what is not JSON
    Frame parsed;
    if (frame.contains("id")) {
        parsed.reply_id = frame.at("id").get<std::uint64_t>();
        if (frame.contains("error")) {
            parsed.error_code = frame.at("error").at("code").get<int>();
            parsed.error_message = frame.at("error").value("message", "");
        } else {
            parsed.result = frame.at("result");
        }
    } else if (frame.contains("push") && frame.at("push").contains("message")) {
        const json& message = frame.at("push").at("message");
        parsed.is_message = true;
        parsed.topic = message.at("topic").get<std::string>();
        parsed.offset = message.at("offset").get<std::uint64_t>();
        parsed.epoch = message.at("epoch").get<std::string>();
        parsed.data = message.value("data", "");
    } else {
        throw std::runtime_error("unexpected frame: " + text);
    }
    return parsed;
}

std::string subscribe_since(std::uint64_t id, const std::string& topic, std::uint64_t offset,
                            const std::string& epoch) {
    const json since{{"offset", offset}, {"epoch", epoch}};
    return json{{"id", id}, {"subscribe", {{"topic", topic}, {"since", since}}}}.dump();
}

// What the publisher and the subscribers share.
struct SharedRun {
    Clock::time_point deadline;
    std::atomic<int> subscribers_done_reconnecting{0};
    // The last offset of every topic, published once the publisher has stopped.
    std::array<std::uint64_t, kTopicCount> final_offsets{};
    std::atomic<bool> final_known{false};
};

struct SubscriberReport {
    int reconnects = 0;           // connects after a vanish that got their reply
    int clean_resumes = 0;        // "resumed":true without overflow
    int overflows = 0;            // "resumed":true,"overflow":true: recovered per topic
    int lost_sessions = 0;        // resume refused (expired or token rotated): fresh + since
    int tail_recoveries = 0;      // a gap after a clean resume: messages lost in flight
    int abandoned_connects = 0;   // vanished right after sending connect
    int abandoned_recoveries = 0; // vanished right after sending the recovering subscribes
    std::vector<std::string> anomalies;
    std::array<std::vector<std::string>, kTopicCount> payloads;  // in the order taken
};

// One subscriber of every topic, driven by its own seeded random choices on its own thread.
class RandomSubscriber {
public:
    RandomSubscriber(std::string name, std::uint64_t seed, SharedRun& run)
        : name_(std::move(name)), random_(seed), run_(run) {}

    const SubscriberReport& report() const { return report_; }

    void run() {
        try {
            connect_fresh();
            bool counted_done = false;
            while (Clock::now() < run_.deadline) {
                if (report_.reconnects >= kReconnectsEach) {
                    if (!counted_done) {
                        counted_done = true;
                        ++run_.subscribers_done_reconnecting;
                    }
                    if (pump_until([this] { return complete(); })) return;
                    if (Clock::now() < run_.deadline) come_back();  // the server closed on us
                    continue;
                }
                const int take = pick(1, 40);
                taken_since_connect_ = 0;
                pump_until([&] { return taken_since_connect_ >= take; });
                ws_->vanish();
                std::this_thread::sleep_for(pick_absence());
                come_back();
            }
            anomaly("did not get every message before the deadline" + progress());
        } catch (const std::exception& error) {
            anomaly(std::string("stopped: ") + error.what() + progress());
        }
    }

private:
    struct TopicProgress {
        std::uint64_t last = 0;                  // offset of the last message taken
        std::string epoch;                       // "" until the first message or reply
        bool confirmed = false;                  // a subscribe of this client was answered
        std::optional<std::uint64_t> recovery;   // id of the subscribe with since in flight
        std::uint64_t skipped_up_to = 0;         // highest offset skipped while recovering
        bool may_skip_ahead = false;             // first message after a clean resume
    };

    int pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }

    // Mostly short absences (resumes, many overflowing), some longer than the session's ttl.
    milliseconds pick_absence() {
        const int dice = pick(0, 99);
        if (dice < 35) return milliseconds(0);
        if (dice < 75) return milliseconds(pick(5, 60));
        if (dice < 90) return milliseconds(pick(100, 250));
        return kSessionTtl + milliseconds(pick(200, 400));
    }

    void anomaly(const std::string& what) { report_.anomalies.push_back(name_ + ": " + what); }

    std::string progress() const {
        std::string text = " (at";
        for (std::size_t t = 0; t < kTopicCount; ++t) {
            text += " " + kTopics[t] + ":" + std::to_string(topics_[t].last);
        }
        return text + ")";
    }

    bool complete() const {
        if (!run_.final_known.load(std::memory_order_acquire)) return false;
        for (std::size_t t = 0; t < kTopicCount; ++t) {
            if (topics_[t].recovery || topics_[t].last != run_.final_offsets[t]) return false;
        }
        return true;
    }

    // Handles frames until `done` holds (true), the connection closes or the deadline passes.
    template <typename Done>
    bool pump_until(Done done) {
        while (!done()) {
            const auto left = std::chrono::duration_cast<milliseconds>(run_.deadline - Clock::now());
            if (left.count() <= 0) return false;
            const WsMessage message = ws_->next_message(std::min(left, milliseconds(200)));
            if (message.timed_out) continue;
            if (message.closed) {
                anomaly("the server closed the connection (code " +
                        std::to_string(message.close_code) + ")");
                return false;
            }
            handle(parse_frame(message.text));
        }
        return true;
    }

    void send(const std::string& text) { ws_->write_text(text); }

    void handle(const Frame& frame) {
        if (frame.is_message) return on_message(frame);
        if (connect_id_ && frame.reply_id == *connect_id_) {
            connect_reply_ = frame;
            connect_id_.reset();
            return;
        }
        for (std::size_t t = 0; t < kTopicCount; ++t) {
            if (topics_[t].recovery == frame.reply_id) return on_recovered(t, frame);
        }
        anomaly("a reply nobody waited for: id " + std::to_string(frame.reply_id));
    }

    void on_message(const Frame& frame) {
        std::size_t t = 0;
        while (t < kTopicCount && kTopics[t] != frame.topic) ++t;
        if (t == kTopicCount) return anomaly("a message of topic '" + frame.topic + "'");
        TopicProgress& topic = topics_[t];
        // What comes before a recovery's reply is in the recovery too (checked in on_recovered).
        if (topic.recovery) {
            topic.skipped_up_to = std::max(topic.skipped_up_to, frame.offset);
            return;
        }
        if (!topic.epoch.empty() && frame.epoch != topic.epoch) {
            anomaly(frame.topic + ": epoch " + frame.epoch + " after " + topic.epoch);
        }
        const bool may_skip_ahead = std::exchange(topic.may_skip_ahead, false);
        if (frame.offset == topic.last + 1) {
            if (frame.data != payload_of(t, frame.offset)) {
                anomaly(frame.topic + "@" + std::to_string(frame.offset) + " carries '" +
                        frame.data + "'");
            }
            topic.epoch = frame.epoch;
            topic.last = frame.offset;
            report_.payloads[t].push_back(frame.data);
            ++taken_since_connect_;
            return;
        }
        if (frame.offset <= topic.last) {
            return anomaly(frame.topic + ": " + std::to_string(frame.offset) +
                           " again after " + std::to_string(topic.last));
        }
        // Messages written to the vanished connection before the server noticed are lost;
        // the resume delivers only what came after, so its first message may skip ahead.
        if (may_skip_ahead) {
            ++report_.tail_recoveries;
        } else {
            anomaly(frame.topic + ": " + std::to_string(frame.offset) + " after " +
                    std::to_string(topic.last) + " (a gap)");
        }
        recover(t);
    }

    void on_recovered(std::size_t t, const Frame& frame) {
        TopicProgress& topic = topics_[t];
        topic.recovery.reset();
        if (frame.error_code) {
            return anomaly(kTopics[t] + ": subscribe refused: " + frame.error_message);
        }
        topic.confirmed = true;
        const auto offset = frame.result.at("offset").get<std::uint64_t>();
        const auto epoch = frame.result.at("epoch").get<std::string>();
        if (!frame.result.value("recovered", false)) {
            anomaly(kTopics[t] + ": not recovered from " + std::to_string(topic.last) + ":" +
                    topic.epoch + ", now at " + std::to_string(offset) + ":" + epoch);
        }
        if (topic.skipped_up_to > offset) {
            anomaly(kTopics[t] + ": skipped " + std::to_string(topic.skipped_up_to) +
                    " before a recovery that ends at " + std::to_string(offset));
        }
        if (topic.epoch.empty()) topic.epoch = epoch;
    }

    // subscribe with since = the last message taken ("" epoch and 0 before any: everything).
    void recover(std::size_t t) {
        TopicProgress& topic = topics_[t];
        const std::uint64_t id = next_id_++;
        topic.recovery = id;
        topic.skipped_up_to = 0;
        topic.may_skip_ahead = false;
        send(subscribe_since(id, kTopics[t], topic.last, topic.epoch));
    }

    void recover_all() {
        for (std::size_t t = 0; t < kTopicCount; ++t) recover(t);
    }

    // Sends connect and waits for its reply (false when the connection closed first).
    bool connect(const json& body) {
        connect_id_ = next_id_++;
        connect_reply_.reset();
        send(json{{"id", *connect_id_}, {"connect", body}}.dump());
        return pump_until([this] { return connect_reply_.has_value(); });
    }

    void open() {
        ws_.reset();
        ws_ = std::make_unique<WsClient>(kPort, "/pubsub");
    }

    // A new client: subscribes every topic from the last message taken.
    void connect_fresh() {
        open();
        if (!connect(json::object()) || connect_reply_->error_code) {
            throw std::runtime_error("a fresh connect failed");
        }
        client_ = connect_reply_->result.at("client").get<std::string>();
        resume_ = connect_reply_->result.at("resume").get<std::string>();
        for (TopicProgress& topic : topics_) topic.confirmed = false;
        recover_all();
    }

    // After a vanish: resume, or start afresh when the session is gone; sometimes vanish again
    // in the middle of it.
    void come_back() {
        for (;;) {
            for (TopicProgress& topic : topics_) {
                // A subscribe whose reply never came is sent again: the server may not have
                // applied it (a reset connection loses what the server had not read yet).
                if (topic.recovery) topic.confirmed = false;
                topic.recovery.reset();
                topic.may_skip_ahead = false;
            }
            open();
            if (pick(0, 99) < 5) {
                // The connect may be applied, rotating the token this client never sees.
                ws_->write_text(json{{"id", next_id_++},
                                     {"connect", {{"client", client_}, {"resume", resume_}}}}
                                    .dump());
                ws_->vanish();
                ++report_.abandoned_connects;
                continue;
            }
            if (!connect({{"client", client_}, {"resume", resume_}})) {
                throw std::runtime_error(Clock::now() < run_.deadline
                                             ? "the connection closed before the resume's reply"
                                             : "the deadline passed while resuming");
            }
            ++report_.reconnects;
            const Frame reply = *connect_reply_;
            if (reply.error_code) {
                if (*reply.error_code != 101) {
                    anomaly("resume refused with code " + std::to_string(*reply.error_code) +
                            ": " + reply.error_message);
                }
                ++report_.lost_sessions;
                connect_fresh();
            } else if (reply.result.at("client").get<std::string>() != client_ ||
                       !reply.result.value("resumed", false)) {
                anomaly("a successful resume that did not resume: " + reply.result.dump());
                resume_ = reply.result.at("resume").get<std::string>();
                client_ = reply.result.at("client").get<std::string>();
                recover_all();
            } else {
                resume_ = reply.result.at("resume").get<std::string>();
                if (reply.result.value("overflow", false)) {
                    ++report_.overflows;
                    recover_all();
                } else {
                    ++report_.clean_resumes;
                    for (std::size_t t = 0; t < kTopicCount; ++t) {
                        if (topics_[t].confirmed) {
                            topics_[t].may_skip_ahead = true;
                        } else {
                            recover(t);  // its subscribe was never answered
                        }
                    }
                }
            }
            if (pick(0, 99) < 5 && std::any_of(topics_.begin(), topics_.end(),
                                               [](const auto& t) { return t.recovery; })) {
                ws_->vanish();
                ++report_.abandoned_recoveries;
                continue;
            }
            return;
        }
    }

    const std::string name_;
    std::mt19937_64 random_;
    SharedRun& run_;
    SubscriberReport report_;
    std::unique_ptr<WsClient> ws_;
    std::string client_;
    std::string resume_;
    std::uint64_t next_id_ = 1;
    std::optional<std::uint64_t> connect_id_;
    std::optional<Frame> connect_reply_;
    std::array<TopicProgress, kTopicCount> topics_{};
    int taken_since_connect_ = 0;
};

// Publishes kTopics[i] "#" offset round-robin, about 1500 messages a second, until every
// subscriber reconnected often enough, then one more message per topic (so that a tail lost in
// flight shows as a gap), and publishes the final offsets.
class Publisher {
public:
    explicit Publisher(SharedRun& run) : run_(run), ws_(kPort, "/pubsub") {
        request("connect", json::object());
        // Subscribed itself, so the topics live however many subscribers are away.
        for (const std::string& topic : kTopics) request("subscribe", {{"topic", topic}});
    }

    void run(Clock::time_point stop_at) {
        while (Clock::now() < stop_at &&
               run_.subscribers_done_reconnecting.load() < kSubscribers) {
            for (std::size_t t = 0; t < kTopicCount; ++t) publish(t);
            std::this_thread::sleep_for(milliseconds(2));
        }
        for (std::size_t t = 0; t < kTopicCount; ++t) publish(t);
        for (std::size_t t = 0; t < kTopicCount; ++t) run_.final_offsets[t] = published_[t];
        run_.final_known.store(true, std::memory_order_release);
    }

    std::uint64_t total() const { return published_[0] + published_[1] + published_[2]; }

private:
    void publish(std::size_t t) {
        const std::uint64_t offset = published_[t] + 1;
        const Frame reply =
            request("publish", {{"topic", kTopics[t]}, {"data", payload_of(t, offset)}});
        const auto position = reply.result.at("positions").at(0).at("offset").get<std::uint64_t>();
        if (position != offset) {
            throw std::runtime_error(kTopics[t] + " published at " + std::to_string(position) +
                                     ", expected " + std::to_string(offset));
        }
        published_[t] = offset;
    }

    // Sends a command and returns its reply; the pushes of its own subscriptions are skipped.
    Frame request(const std::string& name, json body) {
        const std::uint64_t id = next_id_++;
        ws_.write_text(json{{"id", id}, {name, std::move(body)}}.dump());
        while (Clock::now() < run_.deadline) {
            const WsMessage message = ws_.next_message(milliseconds(500));
            if (message.timed_out) continue;
            if (message.closed) throw std::runtime_error("the publisher's connection closed");
            const Frame frame = parse_frame(message.text);
            if (frame.reply_id != id) continue;
            if (frame.error_code) {
                throw std::runtime_error("publisher command refused: " + frame.error_message);
            }
            return frame;
        }
        throw std::runtime_error("no reply to the publisher's command " + std::to_string(id));
    }

    SharedRun& run_;
    WsClient ws_;
    std::uint64_t next_id_ = 1;
    std::array<std::uint64_t, kTopicCount> published_{};
};

class RandomRecoveryTest : public NotifydTest {};

TEST_F(RandomRecoveryTest, EverySubscriberGetsEveryMessageOnceInOrderAcrossRandomReconnects) {
    const std::uint64_t seed = run_seed();
    std::cout << "random recovery seed " << seed << " (NOTIFY_TEST_SEED=" << seed
              << " repeats it)" << std::endl;
    RecordProperty("seed", std::to_string(seed));
    SCOPED_TRACE("seed " + std::to_string(seed));
    start_notifyd(kPort, recovery_manifest());

    const auto started = Clock::now();
    SharedRun run;
    run.deadline = started + kRunAtMost;
    std::unique_ptr<Publisher> publisher;
    ASSERT_NO_THROW(publisher = std::make_unique<Publisher>(run));

    std::vector<std::unique_ptr<RandomSubscriber>> subscribers;
    std::seed_seq seeds{seed};
    std::vector<std::uint32_t> subscriber_seeds(kSubscribers);
    seeds.generate(subscriber_seeds.begin(), subscriber_seeds.end());
    for (int i = 0; i < kSubscribers; ++i) {
        subscribers.push_back(std::make_unique<RandomSubscriber>(
            "subscriber " + std::to_string(i), subscriber_seeds[static_cast<std::size_t>(i)],
            run));
    }
    std::vector<std::thread> threads;
    for (auto& subscriber : subscribers) {
        threads.emplace_back([&subscriber] { subscriber->run(); });
    }
    std::string publisher_error;
    try {
        publisher->run(started + kPublishAtMost);
    } catch (const std::exception& error) {
        publisher_error = error.what();
        run.final_known.store(true, std::memory_order_release);  // nobody waits for more
    }
    for (auto& thread : threads) thread.join();
    const auto elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
    ASSERT_EQ(publisher_error, "");

    SubscriberReport total;
    for (const auto& subscriber : subscribers) {
        const SubscriberReport& report = subscriber->report();
        total.reconnects += report.reconnects;
        total.clean_resumes += report.clean_resumes;
        total.overflows += report.overflows;
        total.lost_sessions += report.lost_sessions;
        total.tail_recoveries += report.tail_recoveries;
        total.abandoned_connects += report.abandoned_connects;
        total.abandoned_recoveries += report.abandoned_recoveries;
        for (std::size_t i = 0; i < report.anomalies.size() && i < 10; ++i) {
            ADD_FAILURE() << report.anomalies[i];
        }
        for (std::size_t t = 0; t < kTopicCount; ++t) {
            const auto& payloads = report.payloads[t];
            EXPECT_EQ(payloads.size(), run.final_offsets[t]) << kTopics[t];
            for (std::size_t k = 0; k < payloads.size(); ++k) {
                if (payloads[k] != payload_of(t, k + 1)) {
                    ADD_FAILURE() << kTopics[t] << ": message " << k + 1 << " is " << payloads[k];
                    break;
                }
            }
        }
    }
    std::cout << publisher->total() << " messages; " << total.reconnects << " reconnects: "
              << total.clean_resumes << " clean resumes, " << total.overflows << " overflows, "
              << total.lost_sessions << " lost sessions; " << total.tail_recoveries
              << " tails lost in flight recovered; " << total.abandoned_connects
              << " connects and " << total.abandoned_recoveries
              << " recoveries abandoned; " << elapsed.count() << " ms" << std::endl;
    EXPECT_GE(total.reconnects, 100);
    EXPECT_GT(total.clean_resumes, 0);
    EXPECT_GT(total.overflows, 0);
    EXPECT_GT(total.lost_sessions, 0);
    EXPECT_LT(elapsed, seconds(30));
}

}  // namespace
}  // namespace notify::test
