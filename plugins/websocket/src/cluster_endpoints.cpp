#include "cluster_endpoints.hpp"

#include <cstddef>
#include <exception>
#include <string_view>

namespace notify::websocket {
namespace {

constexpr std::string_view nodes_path = "/cluster/nodes";
constexpr std::string_view handout_path = "/cluster/handout";

// The JSON is data, never a page: no content sniffing, no framing, nothing to load.
constexpr std::string_view common_headers =
    "Cache-Control: no-store\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"
    "Connection: close\r\n";

std::string render(const HttpRequest &request, std::string_view status,
                   std::string_view content_type, std::string_view body,
                   std::string_view extra_headers = {}) {
    std::string response = request.version == "HTTP/1.0" ? "HTTP/1.0 " : "HTTP/1.1 ";
    response += status;
    response += "\r\nContent-Type: ";
    response += content_type;
    response += "\r\nContent-Length: ";
    response += std::to_string(body.size());
    response += "\r\n";
    response += extra_headers;
    response += common_headers;
    response += "\r\n";
    if (request.method != "HEAD") {
        response += body;
    }
    return response;
}

std::string render_text(const HttpRequest &request, std::string_view status,
                        std::string_view body, std::string_view extra_headers = {}) {
    return render(request, status, "text/plain; charset=utf-8", body, extra_headers);
}

bool host_has_cluster_view(const notify_host_api &host) {
    // NOTIFY_HAS_FIELD spelled without its C cast, which -Wold-style-cast rejects in C++.
    return host.size >= offsetof(notify_host_api, cluster_view) + sizeof host.cluster_view &&
           host.cluster_view != nullptr;
}

std::string serve(const notify_host_api &host, notify_host_ctx *ctx, const HttpRequest &request,
                  uint32_t kind) {
    if (request.method != "GET" && request.method != "HEAD") {
        return render_text(request, "405 Method Not Allowed", "method not allowed\n",
                           "Allow: GET, HEAD\r\n");
    }
    if (!host_has_cluster_view(host)) {
        return render_text(request, "404 Not Found", "not found\n");
    }
    notify_owned_bytes view{};
    const notify_status status = host.cluster_view(ctx, kind, &view);
    struct Release {
        notify_owned_bytes &bytes;
        ~Release() {
            if (bytes.release != nullptr) {
                bytes.release(bytes.release_ctx, bytes.data);
            }
        }
    } release{view};
    if (status != NOTIFY_OK) {
        return render_text(request, "503 Service Unavailable", "cluster view unavailable\n");
    }
    const std::string_view body =
        view.data == nullptr
            ? std::string_view()
            : std::string_view(reinterpret_cast<const char *>(view.data), view.len);
    return render(request, "200 OK", "application/json", body);
}

}  // namespace

std::optional<std::string> cluster_response(const notify_host_api &host, notify_host_ctx *ctx,
                                            const HttpRequest &request) {
    uint32_t kind = 0;
    if (request.target == nodes_path) {
        kind = NOTIFY_CLUSTER_VIEW_NODES;
    } else if (request.target == handout_path) {
        kind = NOTIFY_CLUSTER_VIEW_HANDOUT;
    } else {
        return std::nullopt;
    }
    try {
        return serve(host, ctx, request, kind);
    } catch (const std::exception &) {
        // Out of memory while building the answer: the loop keeps running.
        return render_text(request, "500 Internal Server Error", "internal error\n");
    }
}

}  // namespace notify::websocket
