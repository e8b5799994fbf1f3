#include "cluster_fixture.hpp"

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace notify::test::cluster {

namespace {

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string describe(const Position& position) {
    return std::to_string(position.offset) + ":" + position.epoch;
}

}  // namespace

std::vector<CliLine> parse_cli_lines(const std::string& text) {
    std::vector<CliLine> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        const json object = json::parse(line, nullptr, false);
        if (object.is_discarded() || !object.contains("topic") || !object.contains("offset")) {
            ADD_FAILURE() << "not a notify-cli message line: " << line;
            continue;
        }
        lines.push_back(CliLine{object.at("topic").get<std::string>(),
                                object.at("offset").get<std::uint64_t>(), object.value("epoch", ""),
                                object.value("data", "")});
    }
    return lines;
}

// ---- ClusterTest ---------------------------------------------------------------------------

void ClusterTest::SetUp() {
    if (!NOTIFY_HAVE_REDIS_PLUGIN) GTEST_SKIP() << "plugins/redis is not built";
}

void ClusterTest::start_cluster(unsigned short base_port, int redis_servers) {
    base_ = base_port;
    for (int i = 0; i < redis_servers; ++i) {
        redis_.push_back(std::make_unique<RedisServer>(static_cast<unsigned short>(base_ + 5 + i)));
    }
    for (int node = 0; node < kNodes; ++node) start_node(node);
}

std::string ClusterTest::manifest(int node) const {
    std::string addresses;
    for (const auto& server : redis_) {
        if (!addresses.empty()) addresses += ", ";
        addresses += "\"" + server->address() + "\"";
    }
    const std::string port = std::to_string(node_port(node));
    return "[app]\nid = \"cluster-e2e\"\n"
           "[node]\nname = \"node" +
           std::to_string(node + 1) +
           "\"\n"
           "urls = [\"ws://127.0.0.1:" +
           port +
           "/pubsub\"]\n"
           "[log]\nlevel = \"info\"\n"
           "[clients]\nttl = \"10s\"\nclean_interval = \"1s\"\n"
           "[limits]\nmax_recovery = 100000\n"
           "[topics]\nhistory_size = 100000\nhistory_ttl = \"10m\"\n"
           "[broker]\nplugin = \"redis\"\naddresses = [" +
           addresses +
           "]\n"
           "probe_interval = \"1s\"\nannounce_interval = \"1s\"\nunsubscribe_delay = \"2s\"\n"
           "connect_timeout = \"1s\"\ncommand_timeout = \"1s\"\n"
           "[[auth]]\nplugin = \"" CLUSTER_TEST_AUTH_PATH
           "\"\n"
           "[[auth]]\nplugin = \"anonymous\"\nallow_user_id = true\n"
           "[[handler]]\nplugin = \"chat\"\ntopic = \"chat\"\n"
           "[[transport]]\nplugin = \"websocket\"\nlisten = \"127.0.0.1:" +
           port +
           "\"\n"
           "path = \"/pubsub\"\nmax_queue = 100000\n" + extra_manifest_;
}

void ClusterTest::start_node(int node) {
    const std::string label = "node" + std::to_string(node + 1);
    const auto file = dir_.path() / (label + ".toml");
    write_file(file, manifest(node));
    const auto index = static_cast<std::size_t>(node);
    nodes_[index] = std::make_unique<Process>(
        std::vector<std::string>{NOTIFYD_PATH, "--config", file.string()}, dir_.path(), label);
    killed_[index] = false;
    ASSERT_TRUE(wait_for_port(node_port(node), seconds(10)))
        << label << " did not listen; stderr:\n"
        << nodes_[index]->stderr_text();
}

void ClusterTest::kill_node(int node) {
    const auto index = static_cast<std::size_t>(node);
    nodes_[index]->signal(SIGKILL);
    ASSERT_EQ(nodes_[index]->wait_for(seconds(10)), 128 + SIGKILL);
    killed_[index] = true;
}

bool ClusterTest::node_running(int node) {
    const auto& process = nodes_[static_cast<std::size_t>(node)];
    return process && process->running();
}

std::string ClusterTest::url(int node) const {
    return "ws://127.0.0.1:" + std::to_string(node_port(node)) + "/pubsub";
}

std::string ClusterTest::node_log(int node) const {
    const auto& process = nodes_[static_cast<std::size_t>(node)];
    return process ? process->stderr_text() + process->stdout_text() : std::string();
}

std::string ClusterTest::all_logs() const {
    std::string text;
    for (int node = 0; node < kNodes; ++node) {
        text += "---- node" + std::to_string(node + 1) + "\n" + node_log(node);
    }
    for (std::size_t i = 0; i < redis_.size(); ++i) {
        text += "---- redis " + std::to_string(i) + "\n" + redis_[i]->log();
    }
    return text;
}

bool ClusterTest::wait_for_any_log(const std::string& needle, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    const std::string wanted = lower(needle);
    while (Clock::now() < deadline) {
        for (int node = 0; node < kNodes; ++node) {
            if (lower(node_log(node)).find(wanted) != std::string::npos) return true;
        }
        std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
}

std::unique_ptr<Process> ClusterTest::start_cli(const std::string& label,
                                                std::vector<std::string> args) {
    args.insert(args.begin(), NOTIFY_CLI_PATH);
    return std::make_unique<Process>(std::move(args), dir_.path(),
                                     label + "-" + std::to_string(++cli_runs_));
}

void ClusterTest::TearDown() {
    // SIGTERM to every node first, so that their graceful shutdowns overlap.
    for (int node = 0; node < kNodes; ++node) {
        const auto index = static_cast<std::size_t>(node);
        if (nodes_[index] && !killed_[index]) nodes_[index]->signal(SIGTERM);
    }
    for (int node = 0; node < kNodes; ++node) {
        const auto index = static_cast<std::size_t>(node);
        if (!nodes_[index] || killed_[index]) continue;
        const auto code = nodes_[index]->wait_for(seconds(10));
        EXPECT_EQ(code, 0) << "node" << node + 1 << " did not exit cleanly on SIGTERM; log:\n"
                           << node_log(node);
    }
    if (HasFailure()) {
        std::cout << "==== logs of the failed test\n" << all_logs() << std::endl;
    }
}

// ---- NotifyClient --------------------------------------------------------------------------

NotifyClient::NotifyClient(unsigned short port)
    : ws_(std::make_unique<WsClient>(port, "/pubsub")) {}

std::uint64_t NotifyClient::send(const std::string& command, json body) {
    const std::uint64_t id = next_id_++;
    ws_->write_text(json{{"id", id}, {command, std::move(body)}}.dump());
    return id;
}

bool NotifyClient::pump(milliseconds timeout) {
    if (closed_) return false;
    const WsMessage message = ws_->next_message(timeout);
    if (message.timed_out) return false;
    if (message.closed) {
        closed_ = true;
        close_code_ = message.close_code;
        return false;
    }
    json frame = json::parse(message.text, nullptr, false);
    if (frame.is_discarded()) throw std::runtime_error("not JSON from the server: " + message.text);
    if (frame.contains("push")) {
        pushes_.push_back(std::move(frame.at("push")));
    } else if (frame.contains("id")) {
        const auto id = frame.at("id").get<std::uint64_t>();
        replies_[id] = std::move(frame);
    } else {
        throw std::runtime_error("unexpected frame: " + message.text);
    }
    return true;
}

std::optional<json> NotifyClient::reply(std::uint64_t id, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (auto found = replies_.find(id); found != replies_.end()) {
            json frame = std::move(found->second);
            replies_.erase(found);
            return frame;
        }
        const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
        if (left.count() <= 0 || closed_) return std::nullopt;
        pump(left);
    }
}

json NotifyClient::request(const std::string& command, json body, milliseconds timeout) {
    const std::uint64_t id = send(command, std::move(body));
    auto frame = reply(id, timeout);
    if (!frame) {
        throw std::runtime_error(
            "no reply to " + command +
            (closed_ ? " (closed, code " + std::to_string(close_code_) + ")" : " (timed out)"));
    }
    return *frame;
}

json NotifyClient::connect_frame(json body) {
    json frame = request("connect", std::move(body));
    if (frame.contains("result")) {
        const json& result = frame.at("result");
        client_ = result.at("client").get<std::string>();
        resume_ = result.value("resume", "");
    }
    return frame;
}

json NotifyClient::connect(json body) {
    const json frame = connect_frame(std::move(body));
    if (frame.contains("error")) throw std::runtime_error("connect refused: " + frame.dump());
    return frame.at("result");
}

std::optional<json> NotifyClient::next_push(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (!pushes_.empty()) {
            json push = std::move(pushes_.front());
            pushes_.pop_front();
            return push;
        }
        const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
        if (left.count() <= 0 || closed_) return std::nullopt;
        pump(left);
    }
}

std::vector<json> NotifyClient::messages(std::size_t count, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::vector<json> out;
    while (out.size() < count) {
        const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) break;
        auto push = next_push(left);
        if (!push) break;
        if (push->contains("message")) out.push_back(std::move(push->at("message")));
    }
    return out;
}

// ---- Publisher -----------------------------------------------------------------------------

Publisher::Publisher(unsigned short port, std::string topic)
    : port_(port), topic_(std::move(topic)) {
    reconnect();
}

void Publisher::reconnect() {
    client_.reset();
    client_ = std::make_unique<NotifyClient>(port_);
    client_->connect();
}

bool Publisher::publish_one(milliseconds timeout) {
    ++attempts_;
    const std::string data = topic_ + "#" + std::to_string(attempts_);
    try {
        if (!client_ || client_->closed()) reconnect();
        const std::uint64_t id = client_->send("publish", {{"topic", topic_}, {"data", data}});
        const auto frame = client_->reply(id, timeout);
        if (!frame) {
            ++errors_;
            error_texts_.push_back("no reply within " + std::to_string(timeout.count()) + " ms");
            client_.reset();  // a late reply must not be taken for the next publish's
            return false;
        }
        if (frame->contains("error")) {
            ++errors_;
            error_texts_.push_back(frame->at("error").dump());
            return false;
        }
        const json& position = frame->at("result").at("positions").at(0);
        const Position at{position.at("epoch").get<std::string>(),
                          position.at("offset").get<std::uint64_t>()};
        acked_[at] = data;
        last_ = at;
        return true;
    } catch (const std::exception& error) {
        ++errors_;
        error_texts_.push_back(error.what());
        client_.reset();
        return false;
    }
}

int Publisher::publish_acked(int acked, Clock::time_point deadline) {
    int done = 0;
    while (done < acked && Clock::now() < deadline) {
        if (publish_one()) {
            ++done;
        } else {
            std::this_thread::sleep_for(milliseconds(20));
        }
    }
    return done;
}

// ---- TrackingSubscriber --------------------------------------------------------------------

TrackingSubscriber::TrackingSubscriber(std::string name, std::vector<unsigned short> ports,
                                       std::string topic, Clock::time_point deadline)
    : name_(std::move(name)),
      ports_(std::move(ports)),
      topic_(std::move(topic)),
      deadline_(deadline) {}

TrackingSubscriber::~TrackingSubscriber() {
    stop();
}

void TrackingSubscriber::start() {
    client_ = std::make_unique<NotifyClient>(ports_.at(0));
    client_->connect();
    {
        std::lock_guard lock(mutex_);
        report_.client = client_->client();
    }
    // The whole stream: the reply's recovery covers whatever the bus delivered before.
    recover();
    thread_ = std::thread([this] { run(); });
    // Subscribed once the recovery is answered (the fault tests publish after that).
    const auto until = Clock::now() + seconds(5);
    while (recovering_ && Clock::now() < until) std::this_thread::sleep_for(milliseconds(10));
    if (recovering_) throw std::runtime_error(name_ + ": no reply to the subscribe");
}

void TrackingSubscriber::stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
}

void TrackingSubscriber::anomaly(const std::string& text) {
    std::lock_guard lock(mutex_);
    report_.anomalies.push_back(name_ + ": " + text);
}

TrackingSubscriber::Report TrackingSubscriber::report() const {
    std::lock_guard lock(mutex_);
    return report_;
}

bool TrackingSubscriber::wait_for_position(const Position& target, Clock::time_point deadline) {
    while (Clock::now() < deadline) {
        {
            std::lock_guard lock(mutex_);
            if (!recovering_ && report_.position.epoch == target.epoch &&
                report_.position.offset >= target.offset) {
                return true;
            }
        }
        std::this_thread::sleep_for(milliseconds(20));
    }
    return false;
}

void TrackingSubscriber::recover() {
    Position from;
    {
        std::lock_guard lock(mutex_);
        from = report_.position;
        ++report_.recoveries;
    }
    skipped_up_to_ = 0;
    may_skip_ahead_ = false;
    recovering_ = true;
    retry_at_.reset();
    recovery_id_ = client_->send(
        "subscribe",
        {{"topic", topic_}, {"since", {{"offset", from.offset}, {"epoch", from.epoch}}}});
}

void TrackingSubscriber::run() {
    try {
        while (!stop_ && Clock::now() < deadline_) {
            if (drop_.exchange(false)) client_->vanish();
            if (client_->closed()) {
                if (!reconnect()) return;
                std::lock_guard lock(mutex_);
                report_.client = client_->client();
                continue;
            }
            if (retry_at_ && Clock::now() >= *retry_at_) recover();
            auto push = client_->next_push(milliseconds(50));
            // Replies arrive through reply(); poll ours without waiting.
            if (recovery_id_) {
                if (auto frame = client_->reply(*recovery_id_, milliseconds(0))) {
                    on_recover_reply(*frame);
                }
            }
            if (push) handle(*push);
        }
    } catch (const std::exception& error) {
        anomaly(std::string("stopped: ") + error.what());
    }
}

void TrackingSubscriber::handle(const json& push) {
    if (push.contains("message")) return on_message(push.at("message"));
    if (push.contains("recover")) {
        const json& recover_push = push.at("recover");
        if (recover_push.value("topic", "") != topic_) return;
        {
            std::lock_guard lock(mutex_);
            ++report_.recover_pushes;
        }
        recover_pushed_ = true;
        if (!recovery_id_ && !retry_at_) recover();
        return;
    }
    // disconnect pushes: the close follows, handled in run().
}

void TrackingSubscriber::on_message(const json& message) {
    if (message.value("topic", "") != topic_) return;
    const Position at{message.at("epoch").get<std::string>(),
                      message.at("offset").get<std::uint64_t>()};
    const std::string data = message.value("data", "");
    if (recovery_id_ || retry_at_) {
        // Before the recovery's reply: covered by the recovery (docs/protocol.md).
        skipped_up_to_ = std::max(skipped_up_to_, at.offset);
        return;
    }
    Position last;
    {
        std::lock_guard lock(mutex_);
        last = report_.position;
    }
    const bool skip_ok = std::exchange(may_skip_ahead_, false);
    if (!last.epoch.empty() && at.epoch != last.epoch) {
        // Expected after a recover push (the stream was lost); silent otherwise.
        if (!recover_pushed_) {
            anomaly("epoch " + at.epoch + " at offset " + std::to_string(at.offset) + " after " +
                    describe(last) + " without a recover push");
        }
        return recover();
    }
    if (at.offset == last.offset + 1) {
        recover_pushed_ = false;
        std::lock_guard lock(mutex_);
        report_.received.emplace_back(at, data);
        report_.position = at;
        return;
    }
    if (at.offset <= last.offset) {
        return anomaly("offset " + describe(at) + " again after " + describe(last));
    }
    if (!skip_ok) {
        anomaly("a gap: " + describe(at) + " after " + describe(last) +
                " with no recover push (silent loss)");
    }
    recover();
}

void TrackingSubscriber::on_recover_reply(const json& frame) {
    recovery_id_.reset();
    if (frame.contains("error")) {
        // internal (100) "may be retried" (docs/protocol.md): e.g. the history read failed while
        // Redis was away. Retried a little later, a bounded number of times.
        if (frame.at("error").value("code", 0) == 100 && ++failed_recoveries_ <= 50) {
            retry_at_ = Clock::now() + milliseconds(200);
            return;
        }
        recovering_ = false;
        return anomaly("recovery refused: " + frame.dump());
    }
    recovering_ = false;
    const json& result = frame.at("result");
    const Position now{result.at("epoch").get<std::string>(),
                       result.at("offset").get<std::uint64_t>()};
    if (result.value("recovered", false)) {
        if (skipped_up_to_ > now.offset) {
            anomaly("live messages up to " + std::to_string(skipped_up_to_) +
                    " before a recovery that ends at " + describe(now));
        }
        std::lock_guard lock(mutex_);
        if (report_.position.epoch.empty()) report_.position.epoch = now.epoch;
        return;
    }
    std::lock_guard lock(mutex_);
    if (!(report_.position.offset == 0 && report_.position.epoch.empty() && now.offset == 0)) {
        report_.told.push_back(Told{report_.position, now});
    }
    report_.position = now;
}

bool TrackingSubscriber::reconnect() {
    {
        std::lock_guard lock(mutex_);
        ++report_.reconnects;
    }
    const std::string client = client_->client();
    const std::string resume = client_->resume();
    recovery_id_.reset();
    retry_at_.reset();
    recovering_ = false;
    while (!stop_ && Clock::now() < deadline_) {
        port_index_ = (port_index_ + 1) % ports_.size();
        try {
            client_ = std::make_unique<NotifyClient>(ports_[port_index_]);
            const json frame = client_->connect_frame({{"client", client}, {"resume", resume}});
            const bool resumed =
                frame.contains("result") && frame.at("result").value("resumed", false);
            if (!resumed) {
                if (frame.contains("error")) {
                    // Not resumed here (another node, or the session is gone): a fresh client.
                    client_ = std::make_unique<NotifyClient>(ports_[port_index_]);
                    client_->connect();
                }
                recover();
                return true;
            }
            if (frame.at("result").value("overflow", false)) {
                recover();
            } else {
                may_skip_ahead_ = true;
            }
            return true;
        } catch (const std::exception&) {
            std::this_thread::sleep_for(milliseconds(100));
        }
    }
    return false;
}

void TrackingSubscriber::expect_complete(const AckedMessages& acked, bool allow_told) const {
    const Report r = report();
    for (std::size_t i = 0; i < r.anomalies.size() && i < 10; ++i) ADD_FAILURE() << r.anomalies[i];
    if (!allow_told) {
        for (const Told& told : r.told) {
            ADD_FAILURE() << name_ << ": told it lost messages between " << describe(told.from)
                          << " and " << describe(told.to);
        }
    }
    std::map<Position, std::string> received;
    for (const auto& [at, data] : r.received) {
        if (!received.emplace(at, data).second) {
            ADD_FAILURE() << name_ << ": " << describe(at) << " received twice";
        }
        if (auto found = acked.find(at); found != acked.end() && found->second != data) {
            ADD_FAILURE() << name_ << ": " << describe(at) << " carries '" << data
                          << "', the publisher was acknowledged '" << found->second << "'";
        }
    }
    int missing = 0;
    for (const auto& [at, data] : acked) {
        if (received.count(at) != 0) continue;
        const bool told = std::any_of(r.told.begin(), r.told.end(), [&](const Told& t) {
            const bool after_from = at.epoch != t.from.epoch || at.offset > t.from.offset;
            const bool up_to_to = at.epoch != t.to.epoch || at.offset <= t.to.offset;
            return allow_told && after_from && up_to_to;
        });
        if (told) continue;
        if (++missing <= 5) {
            ADD_FAILURE() << name_ << ": acknowledged " << describe(at) << " ('" << data
                          << "') never arrived and no recovery said it was lost";
        }
    }
    EXPECT_EQ(missing, 0) << name_ << ": acknowledged messages missing of " << acked.size();
}

}  // namespace notify::test::cluster
