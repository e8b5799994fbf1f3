#include "host_views.hpp"

#include <notify/sdk.h>

namespace notify::admin {
namespace {

HostDocument take(notify_status status, notify_owned_bytes& bytes, const char* what) {
    HostDocument document;
    if (bytes.data != nullptr) {
        if (status == NOTIFY_OK) {
            document.text.assign(reinterpret_cast<const char*>(bytes.data), bytes.len);
        }
        if (bytes.release != nullptr) bytes.release(bytes.release_ctx, bytes.data);
    }
    document.ok = status == NOTIFY_OK;
    if (!document.ok) {
        document.text = std::string{what} + " failed (status " + std::to_string(status) + ")";
    } else if (document.text.empty()) {
        document.text = "{}";
    }
    return document;
}

}  // namespace

std::string HostViews::missing_members(const notify_host_api* host) {
    std::string missing;
    const auto need = [&missing](bool present, const char* name) {
        if (!present) missing += (missing.empty() ? "" : ", ") + std::string{name};
    };
    need(NOTIFY_HOST_HAS(host, stats_view), "stats_view (1.6)");
    need(NOTIFY_HOST_HAS(host, cluster_view), "cluster_view (1.3)");
    need(NOTIFY_HOST_HAS(host, api_call), "api_call (1.5)");
    return missing;
}

HostDocument HostViews::stats(notify_stats_view_kind kind) const {
    notify_owned_bytes bytes{};
    const notify_status status = host_.stats_view(ctx_, kind, &bytes);
    return take(status, bytes, "host->stats_view");
}

HostDocument HostViews::nodes() const {
    notify_owned_bytes bytes{};
    const notify_status status = host_.cluster_view(ctx_, NOTIFY_CLUSTER_VIEW_NODES, &bytes);
    return take(status, bytes, "host->cluster_view");
}

}  // namespace notify::admin
