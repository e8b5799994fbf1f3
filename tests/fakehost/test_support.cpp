#include "test_support.hpp"

namespace notify::fakehost_test {

Host new_host() {
    return Host(notify_fakehost_new());
}

notify_str view(std::string_view text) {
    return notify_str{text.data(), text.size()};
}

notify_bytes bytes(std::string_view text) {
    return notify_bytes{reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string text(notify_str view) {
    return view.data == nullptr ? std::string() : std::string(view.data, view.len);
}

std::string text(notify_bytes view) {
    return view.data == nullptr
               ? std::string()
               : std::string(reinterpret_cast<const char*>(view.data), view.len);
}

std::vector<const notify_fakehost_call*> calls_of(const notify_fakehost* host,
                                                  notify_fakehost_call_kind kind) {
    std::vector<const notify_fakehost_call*> found;
    const std::size_t count = notify_fakehost_call_count(host);
    for (std::size_t i = 0; i < count; ++i) {
        const notify_fakehost_call* call = notify_fakehost_call_at(host, i);
        if (call != nullptr && call->kind == kind) found.push_back(call);
    }
    return found;
}

std::vector<std::string> logs(const notify_fakehost* host) {
    std::vector<std::string> lines;
    for (const notify_fakehost_call* call : calls_of(host, NOTIFY_FAKEHOST_LOG)) {
        lines.push_back(text(call->text));
    }
    return lines;
}

}  // namespace notify::fakehost_test
