// A host table for driving a transport plugin without notifyd: config accessors over a map,
// refcounted test frames, and conn_* callbacks recorded for the test to wait on.
#pragma once

#include <notify/notify.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace notify_test {

struct PathValue {
    std::string path;
};
struct DurationValue {
    int64_t ms;
};
using ConfigValue =
    std::variant<std::string, int64_t, bool, std::vector<std::string>, PathValue, DurationValue>;
using Config = std::map<std::string, ConfigValue>;

// A frame with one reference held by the caller. frame_bytes answers `json` for the JSON
// encoding and `binary` for the binary one (an empty view when `binary` is empty).
const notify_frame *make_frame(std::string json, std::string binary = {});
void release_frame(const notify_frame *frame);
// Frames made and not yet released to zero, across the process.
int64_t live_frames();

struct ConnEvent {
    enum class Kind { open, receive, closed };
    Kind kind;
    uint64_t conn;
    std::string data;         // receive
    uint16_t code = 0;        // closed
    std::string remote;       // open
    notify_encoding encoding = NOTIFY_ENCODING_JSON;  // open
    notify_status answer = NOTIFY_OK;                 // open: what conn_open returned
    // open: notify_conn_info.headers as (name, value), in order (ABI 1.7)
    std::vector<std::pair<std::string, std::string>> headers;
};

class FakeHost {
public:
    explicit FakeHost(Config config);

    const notify_host_api *api() const { return &api_; }
    notify_host_ctx *ctx();
    const notify_config *config() const;

    // What conn_open answers from now on.
    void set_open_status(notify_status status) { open_status_ = status; }

    // Gives the host table a cluster_view (ABI 1.3) answering `views` (kind → JSON); a kind
    // missing from it answers NOTIFY_ERR_NOT_FOUND. Each answer is a fresh owned copy whose
    // release is counted. Call before start().
    void set_cluster_views(std::map<uint32_t, std::string> views);
    // The host table as a 1.2 host passes it: `size` ends before the 1.3 members.
    void set_table_size_before_cluster_members();
    int64_t cluster_views_served() const { return views_served_.load(); }
    int64_t cluster_views_released() const { return views_released_.load(); }

    std::vector<ConnEvent> events() const;
    std::vector<std::string> logs() const;
    // Waits until `ready(events)` holds; false on timeout.
    bool wait_until(const std::function<bool(const std::vector<ConnEvent> &)> &ready,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
    // Every connection the host accepted got exactly one conn_closed, and refused ones none.
    bool each_accepted_closed_once(std::string &problem) const;
    // The id of the connection whose remote address ends with ":<client_port>".
    std::optional<uint64_t> wait_open(uint16_t client_port,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(5));
    std::optional<uint16_t> wait_closed(uint64_t conn,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(5));
    std::vector<std::string> received(uint64_t conn) const;
    // Waits until `conn` has delivered `count` messages to the host.
    bool wait_received(uint64_t conn, size_t count,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
    size_t count(ConnEvent::Kind kind, uint64_t conn) const;

private:
    static FakeHost &from(notify_host_ctx *ctx);
    static const FakeHost &from(const notify_config *config);
    const ConfigValue *find(const char *key) const;
    void record(ConnEvent event);

    Config config_;
    notify_host_api api_{};
    std::atomic<notify_status> open_status_{NOTIFY_OK};
    std::map<uint32_t, std::string> cluster_views_;
    std::atomic<int64_t> views_served_{0};
    std::atomic<int64_t> views_released_{0};
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::vector<ConnEvent> events_;
    std::vector<std::string> logs_;
};

}  // namespace notify_test
