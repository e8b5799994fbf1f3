// The C interface of the fake host (notify/fakehost.h): lifetime, the manifest table, loading,
// the plugin's lifecycle, handler events, auth questions, transport frames and the records.
#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <system_error>
#include <utility>

#include "internal.hpp"

namespace fh = notify::fakehost;

namespace {

constexpr int newest_foreign_major = 9;

std::string random_node_id() {
    std::random_device device;
    std::string id = "fakehost-";
    constexpr char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; ++i) id += digits[device() % 16];
    return id;
}

std::string copy_or_empty(const char* text) {
    return text == nullptr ? std::string() : std::string(text);
}

void set_value(notify_fakehost* host, const char* key, fh::ConfigValue value) {
    if (host == nullptr || key == nullptr) return;
    host->config[key] = std::move(value);
}

fh::ConfigValue string_value(const char* text) {
    fh::ConfigValue value;
    value.kind = fh::ConfigValue::Kind::string;
    value.text = copy_or_empty(text);
    return value;
}

bool has_instance(notify_fakehost* host, const char* call) {
    if (host->created) return true;
    return host->fail(std::string(call) + ": no instance; call notify_fakehost_create() first");
}

std::string missing_entry_reason(void* library) {
    for (int major = 2; major <= newest_foreign_major; ++major) {
        const std::string symbol = "notify_plugin_entry_v" + std::to_string(major);
        if (dlsym(library, symbol.c_str()) != nullptr) {
            return "built for ABI major " + std::to_string(major) + " (exports " + symbol +
                   "); this fake host speaks ABI " + std::to_string(NOTIFY_ABI_MAJOR);
        }
    }
    return std::string("exports no ") + NOTIFY_PLUGIN_ENTRY_NAME + ": not a Notify plugin";
}

// Checks and keeps the descriptor `entry` returns; `origin` prefixes the error.
notify_status adopt(notify_fakehost* host, notify_plugin_entry_fn entry, const std::string& origin) {
    auto normalized = std::make_unique<fh::NormalizedDescriptor>();
    if (std::string reason = fh::normalize_descriptor(entry(), *normalized); !reason.empty()) {
        host->fail(origin + reason);
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    host->normalized = std::move(normalized);
    if (host->instance_name.empty()) host->instance_name = host->normalized->descriptor.name;
    return NOTIFY_OK;
}

std::string message_of(const notify_error& err) {
    return std::string(err.message, strnlen(err.message, sizeof err.message));
}

// The table the test set, checked against the plugin's schema as notifyd checks a manifest and
// frozen for the plugin; NULL with last_error naming the key when it does not fit.
std::unique_ptr<fh::InstanceConfig> checked_config(notify_fakehost* host) {
    if (std::string reason = fh::check_config(host->config, host->normalized->descriptor);
        !reason.empty()) {
        host->fail(reason);
        return nullptr;
    }
    auto config = std::make_unique<fh::InstanceConfig>();
    config->table = host->config;
    std::error_code error;
    const std::filesystem::path dir =
        host->manifest_dir.empty() ? std::filesystem::current_path(error) : host->manifest_dir;
    config->base_dir = std::filesystem::absolute(dir, error).lexically_normal();
    return config;
}

// ---- auth --------------------------------------------------------------------------------------

void clear_answer(notify_fakehost_auth_answer* out) {
    *out = notify_fakehost_auth_answer{};
    out->decision = NOTIFY_AUTH_DEFER;
    out->client_id = "";
    out->user_id = "";
    out->reason = "";
    out->info = "";
}

// Copies an answer into storage the fake host keeps until free, and points *out at it.
void publish_answer(notify_fakehost* host, const fh::AuthCopy& answer,
                    notify_fakehost_auth_answer* out) {
    auto stored = std::make_unique<fh::StoredAnswer>();
    stored->client_id = answer.client_id;
    stored->user_id = answer.user_id;
    stored->reason = answer.reason;
    stored->info = answer.info;
    stored->topics = answer.topics;
    for (const std::string& topic : stored->topics) stored->topic_pointers.push_back(topic.c_str());
    out->answered = true;
    out->decision = answer.decision;
    out->client_id = stored->client_id.c_str();
    out->user_id = stored->user_id.c_str();
    out->reason = stored->reason.c_str();
    out->error_code = answer.error_code;
    out->expires_at_ms = answer.expires_at_ms;
    out->info = stored->info.c_str();
    out->topics = stored->topic_pointers.empty() ? nullptr : stored->topic_pointers.data();
    out->topic_count = stored->topic_pointers.size();
    host->answers.push_back(std::move(stored));
}

// One auth question: registers the request id before calling (a plugin may answer from its own
// thread before its call returns), presets the result as notifyd does, then copies the answer:
// synchronous, or through auth_complete within timeout_ms.
template <typename Request, typename Member>
notify_status ask(notify_fakehost* host, const Request* request, int timeout_ms,
                  notify_fakehost_auth_answer* out, const char* call, Member member) {
    if (host == nullptr || out == nullptr) return NOTIFY_ERR_INVALID_ARGUMENT;
    clear_answer(out);
    if (request == nullptr) {
        host->fail(std::string(call) + ": request is NULL");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    if (!has_instance(host, call)) return NOTIFY_ERR_INVALID_ARGUMENT;
    const notify_auth_vtable* vtable = host->normalized->descriptor.auth;
    if (vtable == nullptr) {
        host->fail(std::string(call) + ": plugin '" + host->normalized->descriptor.name +
                   "' is not an auth plugin");
        return NOTIFY_ERR_UNSUPPORTED;
    }
    const auto function = vtable->*member;
    if (function == nullptr) {
        // notifyd treats a missing authorize_* as DEFER.
        out->status = NOTIFY_OK;
        out->answered = true;
        return NOTIFY_OK;
    }

    Request asked = *request;
    if (asked.size == 0) asked.size = sizeof asked;
    if (asked.request_id == 0) asked.request_id = host->next_request_id++;
    {
        const std::lock_guard lock(host->mutex);
        host->pending_auth[asked.request_id] = fh::PendingAuth{};
    }

    notify_auth_result result{};
    result.size = sizeof result;
    result.decision = NOTIFY_AUTH_DEFER;
    notify_error err{};
    const notify_status status = function(host->instance, &asked, &result, &err);
    out->status = status;

    if (status == NOTIFY_PENDING) {
        out->pending = true;
        std::unique_lock lock(host->mutex);
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        const bool answered = host->changed.wait_until(lock, deadline, [&] {
            return host->pending_auth[asked.request_id].answered;
        });
        if (!answered) {
            // The slot stays, so a late answer is matched rather than reported as unknown.
            host->fail(std::string(call) + ": no auth_complete for request " +
                       std::to_string(asked.request_id) + " within " +
                       std::to_string(timeout_ms) + " ms");
            return NOTIFY_PENDING;
        }
        const fh::AuthCopy answer = host->pending_auth[asked.request_id].answer;
        lock.unlock();
        publish_answer(host, answer, out);
        return NOTIFY_OK;
    }

    {
        const std::lock_guard lock(host->mutex);
        host->pending_auth.erase(asked.request_id);
    }
    if (status == NOTIFY_OK) {
        publish_answer(host, fh::AuthCopy::of(result), out);
        return NOTIFY_OK;
    }
    // A negative status is a DENY with the plugin's message, as in notifyd's auth chain.
    fh::AuthCopy denied;
    denied.decision = NOTIFY_AUTH_DENY;
    denied.reason = message_of(err);
    publish_answer(host, denied, out);
    return NOTIFY_OK;
}

}  // namespace

// ---- notify_fakehost members ----------------------------------------------------------------

notify_fakehost::notify_fakehost() : node_id(random_node_id()) {
    fh::install_host_functions(api);
    log_to_stderr = std::getenv("NOTIFY_FAKEHOST_VERBOSE") != nullptr;
}

std::unique_ptr<fh::RecordedCall> notify_fakehost::new_record(notify_fakehost_call_kind kind) const {
    auto recorded = std::make_unique<fh::RecordedCall>();
    recorded->call.kind = kind;
    recorded->call.time_ms = now_ms();
    recorded->call.id = recorded->keep("");
    recorded->call.topic = recorded->call.id;
    recorded->call.text = recorded->call.id;
    return recorded;
}

void notify_fakehost::record(std::unique_ptr<fh::RecordedCall> call) {
    {
        const std::lock_guard lock(mutex);
        calls.push_back(std::move(call));
    }
    changed.notify_all();
}

std::int64_t notify_fakehost::now_ms() const {
    const std::int64_t fake = fake_now_ms.load();
    if (fake != 0) return fake;
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void notify_fakehost::warn(std::string_view call, std::string_view why) const {
    std::fprintf(stderr, "fakehost: [%s] host->%.*s refused: %.*s\n", instance_name.c_str(),
                 static_cast<int>(call.size()), call.data(), static_cast<int>(why.size()),
                 why.data());
}

bool notify_fakehost::fail(std::string message) {
    last_error = std::move(message);
    return false;
}

// ---- the C interface ---------------------------------------------------------------------------

extern "C" {

notify_fakehost* notify_fakehost_new(void) {
    return new (std::nothrow) notify_fakehost();
}

void notify_fakehost_free(notify_fakehost* host) {
    if (host == nullptr) return;
    notify_fakehost_destroy(host);
    // A delivery thread started before create() (or after destroy()) ends here.
    fh::close_api(*host);
    // Metric handles stay valid until the process exits (a plugin thread may update late).
    fh::retire_metrics(std::move(host->metrics));
    // The plugin's library stays loaded, as notifyd keeps plugins resident until exit: code its
    // threads, atexit handlers or thread-local destructors still reach must not be unmapped.
    delete host;
}

const char* notify_fakehost_last_error(const notify_fakehost* host) {
    return host == nullptr ? "" : host->last_error.c_str();
}

void notify_fakehost_config_string(notify_fakehost* host, const char* key, const char* value) {
    set_value(host, key, string_value(value));
}

void notify_fakehost_config_int(notify_fakehost* host, const char* key, int64_t value) {
    fh::ConfigValue entry;
    entry.kind = fh::ConfigValue::Kind::integer;
    entry.integer = value;
    set_value(host, key, std::move(entry));
}

void notify_fakehost_config_bool(notify_fakehost* host, const char* key, bool value) {
    fh::ConfigValue entry;
    entry.kind = fh::ConfigValue::Kind::boolean;
    entry.boolean = value;
    set_value(host, key, std::move(entry));
}

void notify_fakehost_config_double(notify_fakehost* host, const char* key, double value) {
    fh::ConfigValue entry;
    entry.kind = fh::ConfigValue::Kind::floating;
    entry.floating = value;
    set_value(host, key, std::move(entry));
}

// Written as a manifest would ("1500ms"), so that config_get_string reads what notifyd would
// hand out and a negative value fails the schema check as an unreadable duration.
void notify_fakehost_config_duration_ms(notify_fakehost* host, const char* key, int64_t value) {
    set_value(host, key, string_value((std::to_string(value) + "ms").c_str()));
}

void notify_fakehost_config_path(notify_fakehost* host, const char* key, const char* value) {
    set_value(host, key, string_value(value));
}

void notify_fakehost_config_string_array(notify_fakehost* host, const char* key,
                                         const char* const* values, size_t count) {
    fh::ConfigValue entry;
    entry.kind = fh::ConfigValue::Kind::string_array;
    for (size_t i = 0; values != nullptr && i < count; ++i) {
        entry.strings.push_back(copy_or_empty(values[i]));
    }
    set_value(host, key, std::move(entry));
}

void notify_fakehost_config_remove(notify_fakehost* host, const char* key) {
    if (host != nullptr && key != nullptr) host->config.erase(std::string(key));
}

void notify_fakehost_set_manifest_dir(notify_fakehost* host, const char* dir) {
    if (host != nullptr) host->manifest_dir = copy_or_empty(dir);
}

void notify_fakehost_set_instance_name(notify_fakehost* host, const char* name) {
    if (host != nullptr) host->instance_name = copy_or_empty(name);
}

void notify_fakehost_set_now_ms(notify_fakehost* host, int64_t now_ms) {
    if (host != nullptr) host->fake_now_ms = now_ms;
}

void notify_fakehost_set_action_status(notify_fakehost* host, notify_status status) {
    if (host != nullptr) host->action_status = status;
}

void notify_fakehost_set_conn_open_status(notify_fakehost* host, notify_status status) {
    if (host != nullptr) host->conn_open_status = status;
}

void notify_fakehost_set_log_to_stderr(notify_fakehost* host, bool on) {
    if (host != nullptr) host->log_to_stderr = on;
}

notify_status notify_fakehost_load(notify_fakehost* host, const char* plugin_path) {
    if (host == nullptr || plugin_path == nullptr) return NOTIFY_ERR_INVALID_ARGUMENT;
    const std::string origin = std::string("plugin (") + plugin_path + "): ";
    if (host->normalized) {
        host->fail(origin + "a plugin is already loaded in this fake host");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    void* library = dlopen(plugin_path, RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
        const char* reason = dlerror();
        host->fail(origin + "dlopen failed: " + (reason != nullptr ? reason : "no reason given"));
        return NOTIFY_ERR_NOT_FOUND;
    }
    void* symbol = dlsym(library, NOTIFY_PLUGIN_ENTRY_NAME);
    if (symbol == nullptr) {
        host->fail(origin + missing_entry_reason(library));
        dlclose(library);
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    // POSIX guarantees that a data pointer from dlsym converts to the function it names.
    const auto entry = reinterpret_cast<notify_plugin_entry_fn>(symbol);
    const notify_status status = adopt(host, entry, origin);
    if (status != NOTIFY_OK) {
        dlclose(library);
        return status;
    }
    host->library = library;
    return NOTIFY_OK;
}

notify_status notify_fakehost_use(notify_fakehost* host, notify_plugin_entry_fn entry) {
    if (host == nullptr || entry == nullptr) return NOTIFY_ERR_INVALID_ARGUMENT;
    if (host->normalized) {
        host->fail("a plugin is already loaded in this fake host");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    return adopt(host, entry, "linked plugin: ");
}

const notify_plugin_descriptor* notify_fakehost_descriptor(const notify_fakehost* host) {
    return host != nullptr && host->normalized ? &host->normalized->descriptor : nullptr;
}

const notify_host_api* notify_fakehost_api(const notify_fakehost* host) {
    return host == nullptr ? nullptr : &host->api;
}

notify_host_ctx* notify_fakehost_ctx(const notify_fakehost* host) {
    return fh::ctx_of(const_cast<notify_fakehost*>(host));
}

void* notify_fakehost_instance(const notify_fakehost* host) {
    return host != nullptr && host->created ? host->instance : nullptr;
}

notify_status notify_fakehost_create(notify_fakehost* host) {
    if (host == nullptr) return NOTIFY_ERR_INVALID_ARGUMENT;
    if (!host->normalized) {
        host->fail("create: no plugin; call notify_fakehost_load() or _use() first");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    if (host->created) {
        host->fail("create: the instance exists; destroy it first");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    const notify_plugin_descriptor& descriptor = host->normalized->descriptor;
    auto config = checked_config(host);
    if (!config) return NOTIFY_ERR_INVALID_ARGUMENT;

    void* instance = nullptr;
    notify_error err{};
    const notify_status status = descriptor.create(&host->api, fh::ctx_of(host),
                                                   fh::config_handle(*config), &instance, &err);
    if (status != NOTIFY_OK) {
        std::string message = message_of(err);
        if (message.empty()) {
            message = "plugin '" + std::string(descriptor.name) + "': create failed with status " +
                      std::to_string(status) + " and no message";
        }
        host->fail(std::move(message));
        return status < 0 ? status : NOTIFY_ERR_INTERNAL;
    }
    host->instance_config = std::move(config);
    host->instance = instance;
    {
        const std::lock_guard lock(host->mutex);
        host->api_closed = false;  // a new instance after destroy() may call api_call again
    }
    host->created = true;
    host->started = false;
    host->stopped = false;
    return NOTIFY_OK;
}

notify_status notify_fakehost_start(notify_fakehost* host) {
    if (host == nullptr) return NOTIFY_ERR_INVALID_ARGUMENT;
    if (!has_instance(host, "start")) return NOTIFY_ERR_INVALID_ARGUMENT;
    if (host->started) {
        host->fail("start: the instance was started already");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    const auto start = host->normalized->descriptor.start;
    if (start == nullptr) {
        host->started = true;
        return NOTIFY_OK;
    }
    notify_error err{};
    const notify_status status = start(host->instance, &err);
    if (status != NOTIFY_OK) {
        std::string message = message_of(err);
        host->fail(message.empty() ? "start failed with status " + std::to_string(status)
                                   : std::move(message));
        return status < 0 ? status : NOTIFY_ERR_INTERNAL;
    }
    host->started = true;
    return NOTIFY_OK;
}

notify_status notify_fakehost_reconfigure(notify_fakehost* host) {
    if (host == nullptr) return NOTIFY_ERR_INVALID_ARGUMENT;
    if (!has_instance(host, "reconfigure")) return NOTIFY_ERR_INVALID_ARGUMENT;
    if (host->stopped) {
        host->fail("reconfigure: the instance was stopped (notifyd reconfigures running instances)");
        return NOTIFY_ERR_CLOSED;
    }
    const notify_plugin_descriptor& descriptor = host->normalized->descriptor;
    if (descriptor.reconfigure == nullptr) {
        host->fail("plugin '" + std::string(descriptor.name) +
                   "' cannot change its configuration live (no reconfigure): the change needs a "
                   "restart");
        return NOTIFY_ERR_UNSUPPORTED;
    }
    auto config = checked_config(host);
    if (!config) return NOTIFY_ERR_INVALID_ARGUMENT;
    notify_error err{};
    const notify_status status =
        descriptor.reconfigure(host->instance, fh::config_handle(*config), &err);
    // The new table is valid only during the call: it goes now, so that a plugin keeping a view
    // of it reads freed memory under a sanitizer. The create() table stays until destroy().
    config.reset();
    if (status == NOTIFY_OK) return NOTIFY_OK;
    std::string message = message_of(err);
    if (message.empty()) {
        message = "plugin '" + std::string(descriptor.name) + "': reconfigure failed with status " +
                  std::to_string(status) + " and no message";
    }
    host->fail(std::move(message));
    return status < 0 ? status : NOTIFY_ERR_INTERNAL;
}

// notifyd calls stop() on every created instance at shutdown, started or not.
void notify_fakehost_stop(notify_fakehost* host) {
    if (host == nullptr || !host->created || host->stopped) return;
    host->stopped = true;
    // From stop() on, api_call answers come from the delivery thread, as notifyd keeps answering
    // while plugins stop: a plugin's stop() may wait for the answers it expects.
    fh::set_api_auto(*host, true);
    if (const auto stop = host->normalized->descriptor.stop; stop != nullptr) {
        stop(host->instance);
    }
    // Then the core stops: no call accepted any more, the unanswered ones never answered.
    fh::close_api(*host);
}

void notify_fakehost_destroy(notify_fakehost* host) {
    if (host == nullptr || !host->created) return;
    notify_fakehost_stop(host);
    host->normalized->descriptor.destroy(host->instance);
    host->created = false;
    host->instance = nullptr;
    host->instance_config.reset();
}

bool notify_fakehost_event(notify_fakehost* host, const notify_event* event) {
    if (host == nullptr || event == nullptr) return false;
    if (!has_instance(host, "event")) return false;
    const notify_handler_vtable* handler = host->normalized->descriptor.handler;
    if (handler == nullptr) {
        host->fail("event: plugin '" + std::string(host->normalized->descriptor.name) +
                   "' is not a handler");
        return false;
    }
    const auto type = static_cast<std::uint32_t>(event->type);
    if (type >= 32 || (handler->event_mask & NOTIFY_EVENT_BIT(type)) == 0) return false;
    // Copied by the test's declared size: a smaller event plays an older host (members past
    // it stay zero, and the plugin sees the smaller size).
    notify_event copy{};
    const std::size_t declared = event->size == 0 ? sizeof copy : event->size;
    std::memcpy(&copy, event, std::min<std::size_t>(declared, sizeof copy));
    if (copy.size == 0) copy.size = sizeof copy;
    if (copy.time_ms == 0) copy.time_ms = host->now_ms();
    handler->on_event(host->instance, &copy);
    return true;
}

notify_status notify_fakehost_authenticate(notify_fakehost* host,
                                           const notify_auth_request* request, int timeout_ms,
                                           notify_fakehost_auth_answer* out) {
    return ask(host, request, timeout_ms, out, "authenticate", &notify_auth_vtable::authenticate);
}

notify_status notify_fakehost_authorize_subscribe(notify_fakehost* host,
                                                  const notify_authz_request* request,
                                                  int timeout_ms,
                                                  notify_fakehost_auth_answer* out) {
    return ask(host, request, timeout_ms, out, "authorize_subscribe",
               &notify_auth_vtable::authorize_subscribe);
}

notify_status notify_fakehost_authorize_publish(notify_fakehost* host,
                                                const notify_authz_request* request,
                                                int timeout_ms,
                                                notify_fakehost_auth_answer* out) {
    return ask(host, request, timeout_ms, out, "authorize_publish",
               &notify_auth_vtable::authorize_publish);
}

void notify_fakehost_deliver(notify_fakehost* host, notify_bytes json, notify_bytes binary,
                             const uint64_t* conns, size_t count) {
    if (host == nullptr || !has_instance(host, "deliver")) return;
    const notify_transport_vtable* transport = host->normalized->descriptor.transport;
    if (transport == nullptr) {
        host->fail("deliver: plugin '" + std::string(host->normalized->descriptor.name) +
                   "' is not a transport");
        return;
    }
    auto* frame = new fh::Frame();
    if (json.data != nullptr) frame->json.assign(reinterpret_cast<const char*>(json.data), json.len);
    if (binary.data != nullptr) {
        frame->binary.assign(reinterpret_cast<const char*>(binary.data), binary.len);
    }
    frame->alive = host->frames_alive;
    host->frames_alive->fetch_add(1, std::memory_order_acq_rel);
    transport->deliver(host->instance, fh::frame_handle(frame), conns, conns == nullptr ? 0 : count);
    // The host's own reference: the frame lives on only through what the transport retained.
    fh::frame_release(fh::frame_handle(frame));
}

size_t notify_fakehost_frames_alive(const notify_fakehost* host) {
    return host == nullptr ? 0 : host->frames_alive->load(std::memory_order_acquire);
}

void notify_fakehost_close(notify_fakehost* host, uint64_t conn, uint16_t code,
                           const char* reason) {
    if (host == nullptr || !has_instance(host, "close")) return;
    const notify_transport_vtable* transport = host->normalized->descriptor.transport;
    if (transport == nullptr) {
        host->fail("close: plugin '" + std::string(host->normalized->descriptor.name) +
                   "' is not a transport");
        return;
    }
    const std::string text = copy_or_empty(reason);
    transport->close(host->instance, conn, code, notify_str{text.c_str(), text.size()});
}

size_t notify_fakehost_call_count(const notify_fakehost* host) {
    if (host == nullptr) return 0;
    const std::lock_guard lock(host->mutex);
    return host->calls.size();
}

const notify_fakehost_call* notify_fakehost_call_at(const notify_fakehost* host, size_t index) {
    if (host == nullptr) return nullptr;
    const std::lock_guard lock(host->mutex);
    return index < host->calls.size() ? &host->calls[index]->call : nullptr;
}

size_t notify_fakehost_count_of(const notify_fakehost* host, notify_fakehost_call_kind kind) {
    if (host == nullptr) return 0;
    const std::lock_guard lock(host->mutex);
    size_t count = 0;
    for (const auto& recorded : host->calls) {
        if (recorded->call.kind == kind) ++count;
    }
    return count;
}

bool notify_fakehost_wait_for(notify_fakehost* host, notify_fakehost_call_kind kind, size_t count,
                              int timeout_ms) {
    if (host == nullptr) return false;
    std::unique_lock lock(host->mutex);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    return host->changed.wait_until(lock, deadline, [&] {
        size_t seen = 0;
        for (const auto& recorded : host->calls) {
            if (recorded->call.kind == kind) ++seen;
        }
        return seen >= count;
    });
}

}  // extern "C"
