// Helpers shared by the fake host tests: an owning handle, views, and reading the records.
#pragma once

#include <notify/fakehost.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace notify::fakehost_test {

struct HostDeleter {
    void operator()(notify_fakehost* host) const { notify_fakehost_free(host); }
};
using Host = std::unique_ptr<notify_fakehost, HostDeleter>;

Host new_host();

notify_str view(std::string_view text);
notify_bytes bytes(std::string_view text);
std::string text(notify_str view);
std::string text(notify_bytes view);

// The recorded calls of one kind, in call order.
std::vector<const notify_fakehost_call*> calls_of(const notify_fakehost* host,
                                                  notify_fakehost_call_kind kind);
// The messages of the LOG records.
std::vector<std::string> logs(const notify_fakehost* host);

}  // namespace notify::fakehost_test
