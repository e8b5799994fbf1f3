#include "fake_host.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace notify_test {
namespace {

struct TestFrame {
    std::atomic<int> refs{1};
    std::string json;
    std::string binary;
};

std::atomic<int64_t> frames_alive{0};

ConnEvent event_of(ConnEvent::Kind kind, uint64_t conn, std::string data, uint16_t code) {
    ConnEvent event{kind, conn, std::move(data), code, {}, NOTIFY_ENCODING_JSON, NOTIFY_OK, {}};
    return event;
}

const TestFrame &as_test_frame(const notify_frame *frame) {
    return *reinterpret_cast<const TestFrame *>(frame);
}

void frame_retain(const notify_frame *frame) {
    const_cast<TestFrame &>(as_test_frame(frame)).refs.fetch_add(1);
}

void frame_release_impl(const notify_frame *frame) {
    auto &test_frame = const_cast<TestFrame &>(as_test_frame(frame));
    const int before = test_frame.refs.fetch_sub(1);
    if (before <= 0) {
        std::cerr << "frame released more often than retained\n";
        std::abort();
    }
    if (before == 1) {
        delete &test_frame;
        frames_alive.fetch_sub(1);
    }
}

notify_bytes frame_bytes(const notify_frame *frame, notify_encoding encoding) {
    const TestFrame &test_frame = as_test_frame(frame);
    const std::string &bytes =
        encoding == NOTIFY_ENCODING_BINARY ? test_frame.binary : test_frame.json;
    if (bytes.empty()) {
        return notify_bytes{nullptr, 0};
    }
    return notify_bytes{reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()};
}

}  // namespace

const notify_frame *make_frame(std::string json, std::string binary) {
    auto *frame = new TestFrame;
    frame->json = std::move(json);
    frame->binary = std::move(binary);
    frames_alive.fetch_add(1);
    return reinterpret_cast<const notify_frame *>(frame);
}

void release_frame(const notify_frame *frame) { frame_release_impl(frame); }

int64_t live_frames() { return frames_alive.load(); }

FakeHost::FakeHost(Config config) : config_(std::move(config)) {
    api_.size = sizeof api_;
    api_.abi_major = NOTIFY_ABI_MAJOR;
    api_.abi_minor = NOTIFY_ABI_MINOR;
    api_.log = [](notify_host_ctx *ctx, notify_log_level, notify_str message) {
        FakeHost &host = from(ctx);
        std::lock_guard lock(host.mutex_);
        host.logs_.emplace_back(message.data, message.len);
    };
    api_.config_get_string = [](const notify_config *cfg, const char *key, notify_str *out) {
        const ConfigValue *value = from(cfg).find(key);
        if (value == nullptr) {
            return notify_status{NOTIFY_ERR_NOT_FOUND};
        }
        const auto *text = std::get_if<std::string>(value);
        if (text == nullptr) {
            return notify_status{NOTIFY_ERR_WRONG_TYPE};
        }
        *out = notify_str{text->data(), text->size()};
        return notify_status{NOTIFY_OK};
    };
    api_.config_get_int = [](const notify_config *cfg, const char *key, int64_t *out) {
        const ConfigValue *value = from(cfg).find(key);
        if (value == nullptr) {
            return notify_status{NOTIFY_ERR_NOT_FOUND};
        }
        const auto *number = std::get_if<int64_t>(value);
        if (number == nullptr) {
            return notify_status{NOTIFY_ERR_WRONG_TYPE};
        }
        *out = *number;
        return notify_status{NOTIFY_OK};
    };
    api_.config_get_bool = [](const notify_config *cfg, const char *key, bool *out) {
        const ConfigValue *value = from(cfg).find(key);
        if (value == nullptr) {
            return notify_status{NOTIFY_ERR_NOT_FOUND};
        }
        const auto *flag = std::get_if<bool>(value);
        if (flag == nullptr) {
            return notify_status{NOTIFY_ERR_WRONG_TYPE};
        }
        *out = *flag;
        return notify_status{NOTIFY_OK};
    };
    api_.config_get_double = [](const notify_config *, const char *, double *) {
        return notify_status{NOTIFY_ERR_NOT_FOUND};
    };
    api_.config_get_array_size = [](const notify_config *cfg, const char *key, size_t *out) {
        const ConfigValue *value = from(cfg).find(key);
        if (value == nullptr) {
            return notify_status{NOTIFY_ERR_NOT_FOUND};
        }
        const auto *list = std::get_if<std::vector<std::string>>(value);
        if (list == nullptr) {
            return notify_status{NOTIFY_ERR_WRONG_TYPE};
        }
        *out = list->size();
        return notify_status{NOTIFY_OK};
    };
    api_.config_get_array_string = [](const notify_config *cfg, const char *key, size_t index,
                                      notify_str *out) {
        const ConfigValue *value = from(cfg).find(key);
        if (value == nullptr) {
            return notify_status{NOTIFY_ERR_NOT_FOUND};
        }
        const auto *list = std::get_if<std::vector<std::string>>(value);
        if (list == nullptr) {
            return notify_status{NOTIFY_ERR_WRONG_TYPE};
        }
        if (index >= list->size()) {
            return notify_status{NOTIFY_ERR_NOT_FOUND};
        }
        *out = notify_str{(*list)[index].data(), (*list)[index].size()};
        return notify_status{NOTIFY_OK};
    };
    api_.config_get_path = [](const notify_config *cfg, const char *key, notify_str *out) {
        const ConfigValue *value = from(cfg).find(key);
        if (value == nullptr) {
            return notify_status{NOTIFY_ERR_NOT_FOUND};
        }
        const auto *path = std::get_if<PathValue>(value);
        if (path == nullptr) {
            return notify_status{NOTIFY_ERR_WRONG_TYPE};
        }
        *out = notify_str{path->path.c_str(), path->path.size()};
        return notify_status{NOTIFY_OK};
    };
    api_.config_get_duration_ms = [](const notify_config *cfg, const char *key, int64_t *out) {
        const ConfigValue *value = from(cfg).find(key);
        if (value == nullptr) {
            return notify_status{NOTIFY_ERR_NOT_FOUND};
        }
        const auto *duration = std::get_if<DurationValue>(value);
        if (duration == nullptr) {
            return notify_status{NOTIFY_ERR_WRONG_TYPE};
        }
        *out = duration->ms;
        return notify_status{NOTIFY_OK};
    };
    api_.frame_retain = frame_retain;
    api_.frame_release = frame_release_impl;
    api_.frame_bytes = frame_bytes;
    api_.conn_open = [](notify_host_ctx *ctx, uint64_t conn, const notify_conn_info *info) {
        FakeHost &host = from(ctx);
        ConnEvent event{ConnEvent::Kind::open, conn, {}, 0, {}, info->encoding,
                        host.open_status_.load(), {}};
        event.remote.assign(info->remote_address.data, info->remote_address.len);
        if (NOTIFY_HAS_FIELD(info, notify_conn_info, header_count)) {
            for (size_t i = 0; i < info->header_count; ++i) {
                const notify_header &header = info->headers[i];
                event.headers.emplace_back(std::string(header.name.data, header.name.len),
                                           std::string(header.value.data, header.value.len));
            }
        }
        const notify_status answer = event.answer;
        host.record(std::move(event));
        return answer;
    };
    api_.conn_receive = [](notify_host_ctx *ctx, uint64_t conn, notify_bytes data) {
        from(ctx).record(event_of(ConnEvent::Kind::receive, conn,
                                  std::string(reinterpret_cast<const char *>(data.data), data.len),
                                  0));
    };
    api_.conn_receive_owned = [](notify_host_ctx *ctx, uint64_t conn, notify_owned_bytes data) {
        from(ctx).record(event_of(ConnEvent::Kind::receive, conn,
                                  std::string(reinterpret_cast<const char *>(data.data), data.len),
                                  0));
        if (data.release != nullptr) {
            data.release(data.release_ctx, data.data);
        }
    };
    api_.conn_closed = [](notify_host_ctx *ctx, uint64_t conn, uint16_t code) {
        from(ctx).record(event_of(ConnEvent::Kind::closed, conn, {}, code));
    };
}

void FakeHost::set_cluster_views(std::map<uint32_t, std::string> views) {
    cluster_views_ = std::move(views);
    api_.cluster_view = [](notify_host_ctx *ctx, uint32_t kind, notify_owned_bytes *out) {
        FakeHost &host = from(ctx);
        const auto view = host.cluster_views_.find(kind);
        if (view == host.cluster_views_.end()) {
            return notify_status{NOTIFY_ERR_NOT_FOUND};
        }
        auto *copy = new uint8_t[view->second.size() + 1];
        std::memcpy(copy, view->second.data(), view->second.size());
        out->data = copy;
        out->len = view->second.size();
        out->release_ctx = &host;
        out->release = [](void *release_ctx, uint8_t *data) {
            delete[] data;
            static_cast<FakeHost *>(release_ctx)->views_released_.fetch_add(1);
        };
        host.views_served_.fetch_add(1);
        return notify_status{NOTIFY_OK};
    };
}

void FakeHost::set_table_size_before_cluster_members() {
    api_.size = static_cast<uint32_t>(offsetof(notify_host_api, broker_message));
}

notify_host_ctx *FakeHost::ctx() { return reinterpret_cast<notify_host_ctx *>(this); }

const notify_config *FakeHost::config() const {
    return reinterpret_cast<const notify_config *>(this);
}

FakeHost &FakeHost::from(notify_host_ctx *ctx) { return *reinterpret_cast<FakeHost *>(ctx); }

const FakeHost &FakeHost::from(const notify_config *config) {
    return *reinterpret_cast<const FakeHost *>(config);
}

const ConfigValue *FakeHost::find(const char *key) const {
    const auto found = config_.find(key);
    return found != config_.end() ? &found->second : nullptr;
}

void FakeHost::record(ConnEvent event) {
    {
        std::lock_guard lock(mutex_);
        events_.push_back(std::move(event));
    }
    changed_.notify_all();
}

std::vector<ConnEvent> FakeHost::events() const {
    std::lock_guard lock(mutex_);
    return events_;
}

std::vector<std::string> FakeHost::logs() const {
    std::lock_guard lock(mutex_);
    return logs_;
}

bool FakeHost::wait_until(const std::function<bool(const std::vector<ConnEvent> &)> &ready,
                          std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return ready(events_); });
}

std::optional<uint64_t> FakeHost::wait_open(uint16_t client_port,
                                            std::chrono::milliseconds timeout) {
    const std::string suffix = ":" + std::to_string(client_port);
    std::optional<uint64_t> conn;
    wait_until(
        [&](const std::vector<ConnEvent> &events) {
            for (const ConnEvent &event : events) {
                if (event.kind == ConnEvent::Kind::open && event.remote.size() > suffix.size() &&
                    event.remote.compare(event.remote.size() - suffix.size(), suffix.size(),
                                         suffix) == 0) {
                    conn = event.conn;
                    return true;
                }
            }
            return false;
        },
        timeout);
    return conn;
}

std::optional<uint16_t> FakeHost::wait_closed(uint64_t conn, std::chrono::milliseconds timeout) {
    std::optional<uint16_t> code;
    wait_until(
        [&](const std::vector<ConnEvent> &events) {
            for (const ConnEvent &event : events) {
                if (event.kind == ConnEvent::Kind::closed && event.conn == conn) {
                    code = event.code;
                    return true;
                }
            }
            return false;
        },
        timeout);
    return code;
}

std::vector<std::string> FakeHost::received(uint64_t conn) const {
    std::vector<std::string> messages;
    for (const ConnEvent &event : events()) {
        if (event.kind == ConnEvent::Kind::receive && event.conn == conn) {
            messages.push_back(event.data);
        }
    }
    return messages;
}

bool FakeHost::wait_received(uint64_t conn, size_t count, std::chrono::milliseconds timeout) const {
    return wait_until(
        [&](const std::vector<ConnEvent> &events) {
            return static_cast<size_t>(std::count_if(events.begin(), events.end(),
                                                     [&](const ConnEvent &event) {
                                                         return event.kind ==
                                                                    ConnEvent::Kind::receive &&
                                                                event.conn == conn;
                                                     })) >= count;
        },
        timeout);
}

bool FakeHost::each_accepted_closed_once(std::string &problem) const {
    std::map<uint64_t, int> expected;
    std::map<uint64_t, int> closed;
    for (const ConnEvent &event : events()) {
        if (event.kind == ConnEvent::Kind::open) {
            if (expected.count(event.conn) != 0) {
                problem = "connection id " + std::to_string(event.conn) + " opened twice";
                return false;
            }
            expected[event.conn] = event.answer == NOTIFY_OK ? 1 : 0;
        } else if (event.kind == ConnEvent::Kind::closed) {
            ++closed[event.conn];
        }
    }
    for (const auto &[conn, times] : expected) {
        if (closed[conn] != times) {
            problem = "connection " + std::to_string(conn) + " closed " +
                      std::to_string(closed[conn]) + " time(s), expected " + std::to_string(times);
            return false;
        }
    }
    for (const auto &[conn, times] : closed) {
        if (expected.count(conn) == 0) {
            problem = "connection " + std::to_string(conn) + " closed but never opened";
            return false;
        }
    }
    return true;
}

size_t FakeHost::count(ConnEvent::Kind kind, uint64_t conn) const {
    size_t n = 0;
    for (const ConnEvent &event : events()) {
        n += event.kind == kind && event.conn == conn ? 1 : 0;
    }
    return n;
}

}  // namespace notify_test
