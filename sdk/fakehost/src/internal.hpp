// Internals of the fake host, shared by its source files. Nothing here crosses the C interface.
#pragma once

#include <notify/fakehost.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace notify::fakehost {

// ---- the manifest table ----------------------------------------------------------------------

// One value as TOML would hold it: durations and paths are strings there (or, for a duration,
// an integer of seconds), so the setters store them that way and the accessors and the schema
// check behave exactly as notifyd's do over its parsed manifest.
struct ConfigValue {
    enum class Kind { string, integer, boolean, floating, string_array };
    Kind kind = Kind::string;
    std::string text;
    std::int64_t integer = 0;
    bool boolean = false;
    double floating = 0;
    std::vector<std::string> strings;
};

using ConfigTable = std::map<std::string, ConfigValue, std::less<>>;

// What a created instance reads through notify_config. Frozen at create() so that the views the
// accessors hand out stay valid until destroy(), whatever the test sets afterwards; resolved
// paths are kept here for the same reason (std::map nodes never move).
struct InstanceConfig {
    ConfigTable table;
    std::filesystem::path base_dir;
    mutable std::mutex paths_mutex;
    mutable std::map<std::string, std::string, std::less<>> resolved_paths;
};

// The schema check notifyd makes before create(): "" when the table fits the descriptor's
// config_keys, else the reason naming the key (unknown key, wrong type, empty path, bad duration).
std::string check_config(const ConfigTable& table, const notify_plugin_descriptor& descriptor);

// Sets the config_* members of a host table to accessors over InstanceConfig handles.
void install_config_accessors(notify_host_api& api);

const notify_config* config_handle(const InstanceConfig& config);

// "250ms", "30s", "5m", "1h", "2d" in milliseconds; -1 when unreadable (as notifyd).
std::int64_t parse_duration_ms(std::string_view text);

// ---- descriptors -------------------------------------------------------------------------------

// A descriptor and its vtables copied to the current ABI's sizes (members the plugin's older
// header lacks are zero), so that the fake host and the test can read every member safely.
struct NormalizedDescriptor {
    notify_plugin_descriptor descriptor{};
    notify_transport_vtable transport{};
    notify_auth_vtable auth{};
    notify_broker_vtable broker{};
    notify_handler_vtable handler{};
};

// The checks of notifyd's loader; "" when accepted, else the reason (as notifyd words it).
std::string normalize_descriptor(const notify_plugin_descriptor* raw, NormalizedDescriptor& out);

// ---- frames ------------------------------------------------------------------------------------

// A host-made frame: immutable bytes per encoding and a reference count. `alive` outlives the
// fake host so that a frame a plugin releases late (a plugin bug) still lands somewhere valid.
struct Frame {
    std::atomic<std::uint32_t> references{1};
    std::string json;
    std::string binary;
    std::shared_ptr<std::atomic<std::size_t>> alive;
};

const notify_frame* frame_handle(const Frame* frame);
Frame* frame_of(const notify_frame* frame);
void frame_retain(const notify_frame* frame);
void frame_release(const notify_frame* frame);
notify_bytes frame_bytes(const notify_frame* frame, notify_encoding encoding);

// ---- recorded calls ------------------------------------------------------------------------------

// One notify_fakehost_call with the storage its views point into. Built completely, then
// appended under the lock and never changed again, so readers need the lock only to find it.
struct RecordedCall {
    notify_fakehost_call call{};
    std::deque<std::string> texts;  // a deque never moves its elements, so views stay valid
    std::vector<notify_str> topics;
    std::vector<notify_str> clients;
    std::vector<notify_str> users;

    // A NUL-terminated copy of `text`, owned by this record.
    notify_str keep(std::string_view text);
    notify_bytes keep_bytes(const std::uint8_t* data, std::size_t len);
    std::vector<notify_str> keep_all(const notify_str* items, std::size_t count);
};

// ---- auth answers -------------------------------------------------------------------------------

// An auth result copied out of the plugin's struct, reading 1.4 members only when its size
// covers them (as notifyd's AuthAnswer::copy does).
struct AuthCopy {
    notify_auth_decision decision = NOTIFY_AUTH_DEFER;
    std::string client_id;
    std::string user_id;
    std::string reason;
    std::uint32_t error_code = 0;
    std::int64_t expires_at_ms = 0;
    std::string info;
    std::vector<std::string> topics;

    static AuthCopy of(const notify_auth_result& result);
};

// What a notify_fakehost_auth_answer points into; kept until notify_fakehost_free().
struct StoredAnswer {
    std::string client_id;
    std::string user_id;
    std::string reason;
    std::string info;
    std::vector<std::string> topics;
    std::vector<const char*> topic_pointers;
};

struct PendingAuth {
    bool answered = false;
    AuthCopy answer;
};

// One accepted host->api_call waiting for its answer (ABI 1.5).
struct PendingApiCall {
    std::uint64_t sequence = 0;  // the request_id of its API_CALL and API_REPLY records
    std::string method;
    std::string params;
    std::string request_id;
    notify_api_callback done = nullptr;
    void* user_data = nullptr;
};

// ---- metrics (ABI 1.6, metrics.cpp) --------------------------------------------------------------

// One series: what a notify_metric handle points to. Updated from any plugin thread.
struct MetricSeries {
    notify_metric_kind kind = NOTIFY_METRIC_COUNTER;
    std::vector<std::string> label_values;
    const std::vector<double>* bounds = nullptr;  // the family's (histograms)
    mutable std::mutex mutex;
    double value = 0;                    // counter, gauge
    std::uint64_t count = 0;             // histogram
    double sum = 0;                      // histogram
    std::vector<std::uint64_t> buckets;  // per bound, then +Inf; not cumulative
};

struct MetricFamily {
    notify_metric_kind kind = NOTIFY_METRIC_COUNTER;
    std::string name;
    std::string help;
    std::vector<std::string> label_names;
    std::vector<double> bounds;
    std::deque<MetricSeries> series;  // a deque: handles stay valid as it grows
};

// The metrics registered through one fake host, checked by notifyd's rules (notify.h,
// notify_metric_desc). Outlives the fake host (retire_metrics) since handles are valid until exit.
class MetricRegistry {
public:
    static constexpr std::size_t max_labels = 4;
    static constexpr std::size_t max_series_per_family = 256;

    // NOTIFY_OK with *out set, or INVALID_ARGUMENT / LIMIT with `why` naming the broken rule.
    notify_status register_series(const notify_metric_desc* desc, notify_metric** out,
                                  std::string& why);
    // The series of family `name` with these label values; NULL when there is none.
    const MetricSeries* find(std::string_view name,
                             const std::vector<std::string>& label_values) const;
    std::string prometheus_text() const;
    std::string json(std::int64_t time_ms) const;

private:
    mutable std::mutex mutex_;
    std::deque<MetricFamily> families_;
};

void metric_add(notify_metric* metric, double value);
void metric_set(notify_metric* metric, double value);
void metric_observe(notify_metric* metric, double value);
// Keeps a freed fake host's registry until the process exits, as notifyd keeps series.
void retire_metrics(std::shared_ptr<MetricRegistry> registry);

// A JSON string literal of `text` (quotes included).
std::string json_quote(std::string_view text);

std::string text_of(notify_str text);

// "debug", "info", "warn" or "error".
const char* level_name(notify_log_level level);

// A copy of `text` OWNED by the plugin (released through its release function).
notify_owned_bytes owned_copy(std::string_view text);

// Non-empty, at most 255 bytes, valid UTF-8 and no control character: notifyd's checks of
// topics, client ids and user ids given to the host table.
bool is_valid_utf8(std::string_view bytes);
bool is_valid_topic(std::string_view topic);
bool is_valid_id(std::string_view id);

}  // namespace notify::fakehost

// The fake host itself. The ctx handed to the plugin is this object (see ctx_of/host_of).
struct notify_fakehost {
    using Clock = std::chrono::steady_clock;

    notify_fakehost();

    // ---- set by the test before create() ----
    notify::fakehost::ConfigTable config;
    std::filesystem::path manifest_dir;  // empty = the working directory
    std::string instance_name;

    // ---- answers, read by plugin threads ----
    std::atomic<std::int64_t> fake_now_ms{0};
    std::atomic<notify_status> action_status{NOTIFY_OK};
    std::atomic<notify_status> conn_open_status{NOTIFY_OK};
    std::atomic<bool> log_to_stderr{false};
    std::atomic<notify_log_level> log_min_level{NOTIFY_LOG_DEBUG};  // log_enabled (ABI 1.6)

    // ---- the plugin ----
    notify_host_api api{};
    void* library = nullptr;  // dlopen handle, kept resident as notifyd keeps plugins
    std::unique_ptr<notify::fakehost::NormalizedDescriptor> normalized;
    std::unique_ptr<notify::fakehost::InstanceConfig> instance_config;
    void* instance = nullptr;
    bool created = false;
    bool started = false;
    bool stopped = false;

    // ---- node identity for node_info / cluster_view ----
    std::string node_id;
    Clock::time_point born = Clock::now();

    // ---- frames ----
    std::shared_ptr<std::atomic<std::size_t>> frames_alive =
        std::make_shared<std::atomic<std::size_t>>(0);

    // ---- everything below is guarded by mutex ----
    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    std::deque<std::unique_ptr<notify::fakehost::RecordedCall>> calls;
    std::map<std::uint64_t, notify::fakehost::PendingAuth> pending_auth;
    std::uint64_t open_connections = 0;
    bool reported_ready = true;  // set_ready (ABI 1.6)
    std::string not_ready_reason;

    // ---- the server API (ABI 1.5): guarded by mutex, the worker signalled by api_changed ----
    notify_fakehost_api_handler api_handler = nullptr;
    void* api_handler_ctx = nullptr;
    std::deque<notify::fakehost::PendingApiCall> api_queue;
    std::uint64_t next_api_sequence = 1;
    bool api_closed = false;       // the plugin's stop() returned: api_call answers CLOSED
    bool api_auto = false;         // the worker delivers as calls come
    bool api_worker_quit = false;
    std::condition_variable api_changed;
    std::thread api_worker;        // started by the first auto-delivery request; test thread only

    // ---- metrics (ABI 1.6): locked inside ----
    std::shared_ptr<notify::fakehost::MetricRegistry> metrics =
        std::make_shared<notify::fakehost::MetricRegistry>();

    // ---- the test thread only ----
    std::string last_error;
    std::uint64_t next_request_id = 1;
    std::deque<std::unique_ptr<notify::fakehost::StoredAnswer>> answers;

    // A new record of `kind` at the fake clock, its strings "" (so C tests can strcmp any).
    std::unique_ptr<notify::fakehost::RecordedCall> new_record(notify_fakehost_call_kind kind) const;
    void record(std::unique_ptr<notify::fakehost::RecordedCall> call);
    std::int64_t now_ms() const;
    // Prints a line to stderr as notifyd logs a refused host call.
    void warn(std::string_view call, std::string_view why) const;
    bool fail(std::string message);  // sets last_error, returns false
};

namespace notify::fakehost {

notify_host_ctx* ctx_of(notify_fakehost* host);
notify_fakehost* host_of(notify_host_ctx* ctx);

// Fills a host table whose functions record into the notify_fakehost their ctx names.
void install_host_functions(notify_host_api& api);

// ---- operations (ABI 1.6, operations.cpp) ---------------------------------------------------------

notify_status host_metric_register(notify_host_ctx* ctx, const notify_metric_desc* desc,
                                   notify_metric** out);
notify_status host_stats_view(notify_host_ctx* ctx, uint32_t kind, notify_owned_bytes* out);
void host_set_ready(notify_host_ctx* ctx, bool ready, notify_str reason);
bool host_log_enabled(notify_host_ctx* ctx, notify_log_level level);
notify_status host_keep_headers(notify_host_ctx* ctx, const notify_str* names, size_t count);

// ---- the server API (api.cpp) --------------------------------------------------------------------

notify_status host_api_call(notify_host_ctx* ctx, const notify_api_request* request,
                            notify_api_callback done, void* user_data);
// Answers one queued call (handler, then the plugin's callback, then the API_REPLY record);
// false when the queue is empty. Any thread but never inside api_call.
bool deliver_one_api_call(notify_fakehost& host);
// Turns the delivery thread on (starting it once) or off.
void set_api_auto(notify_fakehost& host, bool on);
// After the plugin's stop() returned: refuse new calls (NOTIFY_ERR_CLOSED), join the thread and
// drop what is still queued, never answered (as notifyd once its core stopped).
void close_api(notify_fakehost& host);

}  // namespace notify::fakehost
