#include "fake_host.hpp"

#include <cstring>
#include <string_view>
#include <utility>

namespace notify::test {
namespace {

using ConfigMap = std::map<std::string, ConfigValue>;

FakeHost& host_of(notify_host_ctx* ctx) {
    return *reinterpret_cast<FakeHost*>(ctx);
}

const ConfigMap& map_of(const notify_config* cfg) {
    return *reinterpret_cast<const ConfigMap*>(cfg);
}

std::string copy(notify_str text) {
    return text.len == 0 ? std::string{} : std::string{text.data, text.len};
}

std::vector<std::string> copy_all(const notify_str* texts, std::size_t count) {
    std::vector<std::string> copies;
    for (std::size_t i = 0; i < count; ++i) {
        copies.push_back(copy(texts[i]));
    }
    return copies;
}

// Reads `key` as a T: NOT_FOUND when absent, WRONG_TYPE when it holds another type.
template <typename T>
notify_status get(const notify_config* cfg, const char* key, T* out) {
    const ConfigMap& values = map_of(cfg);
    const auto found = values.find(key);
    if (found == values.end()) {
        return NOTIFY_ERR_NOT_FOUND;
    }
    const T* value = std::get_if<T>(&found->second);
    if (value == nullptr) {
        return NOTIFY_ERR_WRONG_TYPE;
    }
    *out = *value;
    return NOTIFY_OK;
}

void fake_log(notify_host_ctx* ctx, notify_log_level, notify_str message) {
    host_of(ctx).record_log(copy(message));
}

void fake_broker_publish_complete(notify_host_ctx* ctx, std::uint64_t request_id,
                                  notify_status status, const notify_stream_position* position,
                                  notify_str error_message) {
    PublishCompletion completion;
    completion.request_id = request_id;
    completion.status = status;
    if (position != nullptr) {
        completion.offset = position->offset;
        completion.epoch = copy(position->epoch);
    }
    completion.error = copy(error_message);
    host_of(ctx).record_completion(std::move(completion));
}

void fake_auth_complete(notify_host_ctx* ctx, std::uint64_t request_id,
                        const notify_auth_result* result) {
    AuthCompletion completion;
    completion.request_id = request_id;
    completion.decision = result->decision;
    completion.client_id = copy(result->client_id);
    completion.user_id = copy(result->user_id);
    completion.reason = copy(result->reason);
    if (NOTIFY_HAS_FIELD(result, notify_auth_result, error_code)) {
        completion.error_code = result->error_code;
    }
    if (NOTIFY_HAS_FIELD(result, notify_auth_result, expires_at_ms)) {
        completion.expires_at_ms = result->expires_at_ms;
    }
    if (NOTIFY_HAS_FIELD(result, notify_auth_result, info)) completion.info = copy(result->info);
    if (NOTIFY_HAS_FIELD(result, notify_auth_result, topic_count)) {
        completion.topics = copy_all(result->topics, result->topic_count);
    }
    if (NOTIFY_HAS_FIELD(result, notify_auth_result, replace_data) && result->replace_data) {
        completion.data = result->data.len == 0
                              ? std::string{}
                              : std::string{reinterpret_cast<const char*>(result->data.data),
                                            result->data.len};
    }
    if (NOTIFY_HAS_FIELD(result, notify_auth_result, close_code)) {
        completion.close_code = result->close_code;
    }
    host_of(ctx).record_auth_completion(std::move(completion));
}

notify_status fake_config_string(const notify_config* cfg, const char* key, notify_str* out) {
    const ConfigMap& values = map_of(cfg);
    const auto found = values.find(key);
    if (found == values.end()) {
        return NOTIFY_ERR_NOT_FOUND;
    }
    const auto* value = std::get_if<std::string>(&found->second);
    if (value == nullptr) {
        return NOTIFY_ERR_WRONG_TYPE;
    }
    *out = notify_str{value->c_str(), value->size()};
    return NOTIFY_OK;
}

notify_status fake_config_int(const notify_config* cfg, const char* key, std::int64_t* out) {
    return get(cfg, key, out);
}

notify_status fake_config_bool(const notify_config* cfg, const char* key, bool* out) {
    return get(cfg, key, out);
}

notify_status fake_config_double(const notify_config* cfg, const char* key, double* out) {
    return get(cfg, key, out);
}

notify_status fake_config_array_size(const notify_config* cfg, const char* key,
                                     std::size_t* out) {
    const ConfigMap& values = map_of(cfg);
    const auto found = values.find(key);
    if (found == values.end()) return NOTIFY_ERR_NOT_FOUND;
    const auto* value = std::get_if<std::vector<std::string>>(&found->second);
    if (value == nullptr) return NOTIFY_ERR_WRONG_TYPE;
    *out = value->size();
    return NOTIFY_OK;
}

notify_status fake_config_array_string(const notify_config* cfg, const char* key,
                                       std::size_t index, notify_str* out) {
    const ConfigMap& values = map_of(cfg);
    const auto found = values.find(key);
    if (found == values.end()) return NOTIFY_ERR_NOT_FOUND;
    const auto* value = std::get_if<std::vector<std::string>>(&found->second);
    if (value == nullptr) return NOTIFY_ERR_WRONG_TYPE;
    if (index >= value->size()) return NOTIFY_ERR_INVALID_ARGUMENT;
    *out = notify_str{(*value)[index].data(), (*value)[index].size()};
    return NOTIFY_OK;
}

notify_status fake_keep_headers(notify_host_ctx* ctx, const notify_str* names, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) host_of(ctx).kept_headers.push_back(copy(names[i]));
    return NOTIFY_OK;
}

notify_status fake_config_path(const notify_config* cfg, const char* key, notify_str* out) {
    return fake_config_string(cfg, key, out);
}

// -1 when `text` is not a number followed by ms, s, m, h or d.
std::int64_t duration_ms_of(const std::string& text) {
    const std::size_t digits = text.find_first_not_of("0123456789");
    if (digits == 0 || digits == std::string::npos) {
        return -1;
    }
    const std::int64_t number = std::stoll(text.substr(0, digits));
    const std::string unit = text.substr(digits);
    const std::map<std::string, std::int64_t> scale{
        {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
    const auto found = scale.find(unit);
    return found == scale.end() ? -1 : number * found->second;
}

notify_status fake_config_duration_ms(const notify_config* cfg, const char* key,
                                      std::int64_t* out) {
    const ConfigMap& values = map_of(cfg);
    const auto found = values.find(key);
    if (found == values.end()) {
        return NOTIFY_ERR_NOT_FOUND;
    }
    if (const auto* seconds = std::get_if<std::int64_t>(&found->second)) {
        *out = *seconds * 1000;
        return NOTIFY_OK;
    }
    const auto* text = std::get_if<std::string>(&found->second);
    const std::int64_t parsed = text == nullptr ? -1 : duration_ms_of(*text);
    if (parsed < 0) {
        return NOTIFY_ERR_WRONG_TYPE;
    }
    *out = parsed;
    return NOTIFY_OK;
}

notify_status fake_publish(notify_host_ctx* ctx, const notify_publish_request* request) {
    HostCall call;
    call.op = "publish";
    call.topics = copy_all(request->topics, request->topic_count);
    call.clients = copy_all(request->clients, request->client_count);
    call.users = copy_all(request->users, request->user_count);
    call.payload.assign(reinterpret_cast<const char*>(request->payload.data), request->payload.len);
    host_of(ctx).calls.push_back(std::move(call));
    return NOTIFY_OK;
}

notify_status record_target_call(notify_host_ctx* ctx, const char* op, notify_target_kind kind,
                                 notify_str id, notify_str topic) {
    HostCall call;
    call.op = op;
    call.kind = kind;
    call.id = copy(id);
    call.topics = {copy(topic)};
    host_of(ctx).calls.push_back(std::move(call));
    return NOTIFY_OK;
}

notify_status fake_subscribe(notify_host_ctx* ctx, notify_target_kind kind, notify_str id,
                             notify_str topic) {
    return record_target_call(ctx, "subscribe", kind, id, topic);
}

notify_status fake_unsubscribe(notify_host_ctx* ctx, notify_target_kind kind, notify_str id,
                               notify_str topic) {
    return record_target_call(ctx, "unsubscribe", kind, id, topic);
}

std::int64_t fake_now_ms(notify_host_ctx* ctx) {
    return host_of(ctx).now_ms;
}

notify_status fake_metric_register(notify_host_ctx* ctx, const notify_metric_desc* desc,
                                   notify_metric** out) {
    std::string series = copy(desc->name);
    for (std::size_t i = 0; i < desc->label_count; ++i) {
        series += (i == 0 ? "{" : ",") + copy(desc->label_names[i]) + "=" +
                  copy(desc->label_values[i]);
    }
    if (desc->label_count > 0) series += "}";
    MetricSeries& registered =
        host_of(ctx).register_metric(series, static_cast<notify_metric_kind>(desc->kind));
    *out = reinterpret_cast<notify_metric*>(&registered);
    return NOTIFY_OK;
}

MetricSeries& series_of(notify_metric* metric) {
    return *reinterpret_cast<MetricSeries*>(metric);
}

void fake_metric_add(notify_metric* metric, double value) {
    series_of(metric).value.fetch_add(value);
}

void fake_metric_set(notify_metric* metric, double value) {
    series_of(metric).value.store(value);
}

void fake_metric_observe(notify_metric* metric, double) {
    series_of(metric).observations.fetch_add(1);
}

}  // namespace

HostCall subscribe_call(notify_target_kind kind, std::string id, std::string topic) {
    HostCall call;
    call.op = "subscribe";
    call.kind = kind;
    call.id = std::move(id);
    call.topics = {std::move(topic)};
    return call;
}

HostCall publish_call(std::string topic, std::string payload) {
    HostCall call;
    call.op = "publish";
    call.topics = {std::move(topic)};
    call.payload = std::move(payload);
    return call;
}

FakeHost::FakeHost() : api_{} {
    // Members a test does not need stay NULL: a plugin that calls one crashes the test loudly.
    api_.size = sizeof api_;
    api_.abi_major = NOTIFY_ABI_MAJOR;
    api_.abi_minor = NOTIFY_ABI_MINOR;
    api_.log = fake_log;
    api_.config_get_string = fake_config_string;
    api_.config_get_int = fake_config_int;
    api_.config_get_bool = fake_config_bool;
    api_.config_get_double = fake_config_double;
    api_.publish = fake_publish;
    api_.subscribe = fake_subscribe;
    api_.unsubscribe = fake_unsubscribe;
    api_.now_ms = fake_now_ms;
    api_.config_get_path = fake_config_path;
    api_.config_get_duration_ms = fake_config_duration_ms;
    api_.broker_publish_complete = fake_broker_publish_complete;
    api_.auth_complete = fake_auth_complete;
    api_.metric_register = fake_metric_register;
    api_.metric_add = fake_metric_add;
    api_.metric_set = fake_metric_set;
    api_.metric_observe = fake_metric_observe;
    api_.config_get_array_size = fake_config_array_size;
    api_.config_get_array_string = fake_config_array_string;
    api_.keep_headers = fake_keep_headers;
}

void FakeHost::pretend_abi_1_6() {
    api_.size = static_cast<std::uint32_t>(NOTIFY_FIELD_END_(notify_host_api, log_enabled));
    api_.abi_minor = 6;
    api_.keep_headers = nullptr;
}

MetricSeries& FakeHost::register_metric(const std::string& series, notify_metric_kind kind) {
    const std::lock_guard lock{mutex_};
    auto& slot = metrics_[series];
    if (!slot) {
        slot = std::make_unique<MetricSeries>();
        slot->kind = kind;
    }
    return *slot;
}

double FakeHost::metric(const std::string& series) const {
    const std::lock_guard lock{mutex_};
    const auto found = metrics_.find(series);
    if (found == metrics_.end()) return -1;
    const MetricSeries& registered = *found->second;
    return registered.kind == NOTIFY_METRIC_HISTOGRAM
               ? static_cast<double>(registered.observations.load())
               : registered.value.load();
}

std::vector<AuthCompletion> FakeHost::auth_completions() const {
    const std::lock_guard lock{mutex_};
    return auth_completions_;
}

bool FakeHost::wait_for_auth_completions(std::size_t count,
                                         std::chrono::milliseconds timeout) const {
    std::unique_lock lock{mutex_};
    return completed_.wait_for(lock, timeout, [&] { return auth_completions_.size() >= count; });
}

void FakeHost::record_auth_completion(AuthCompletion completion) {
    {
        const std::lock_guard lock{mutex_};
        auth_completions_.push_back(std::move(completion));
    }
    completed_.notify_all();
}

std::vector<std::string> FakeHost::logs() const {
    const std::lock_guard lock{mutex_};
    return log_lines;
}

std::vector<PublishCompletion> FakeHost::completions() const {
    const std::lock_guard lock{mutex_};
    return completions_;
}

bool FakeHost::wait_for_completions(std::size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock{mutex_};
    return completed_.wait_for(lock, timeout, [&] { return completions_.size() >= count; });
}

void FakeHost::record_completion(PublishCompletion completion) {
    {
        const std::lock_guard lock{mutex_};
        completions_.push_back(std::move(completion));
    }
    completed_.notify_all();
}

void FakeHost::record_log(std::string line) {
    const std::lock_guard lock{mutex_};
    log_lines.push_back(std::move(line));
}

notify_host_ctx* FakeHost::ctx() noexcept {
    return reinterpret_cast<notify_host_ctx*>(this);
}

const notify_config* FakeHost::config() const noexcept {
    return reinterpret_cast<const notify_config*>(&config_values);
}

}  // namespace notify::test
