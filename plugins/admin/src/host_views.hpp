// The host's documents (ABI 1.6 stats_view, 1.3 cluster_view) copied into strings, their owned
// buffers released at once. THREAD: any (the host table's calls are).
#pragma once

#include <notify/notify.h>

#include <string>

namespace notify::admin {

// A document, or why there is none.
struct HostDocument {
    bool ok = false;
    std::string text;  // the document when ok, else the reason
};

class HostViews {
  public:
    HostViews(const notify_host_api& host, notify_host_ctx* ctx) : host_(host), ctx_(ctx) {}

    // Empty when the host table has every member the plugin calls, else what is missing.
    static std::string missing_members(const notify_host_api* host);

    HostDocument stats(notify_stats_view_kind kind) const;
    HostDocument nodes() const;

    const notify_host_api& host() const { return host_; }
    notify_host_ctx* ctx() const { return ctx_; }

  private:
    const notify_host_api& host_;
    notify_host_ctx* const ctx_;
};

}  // namespace notify::admin
