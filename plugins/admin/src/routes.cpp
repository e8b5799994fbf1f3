#include "routes.hpp"

#include <nlohmann/json.hpp>

#include "overview.hpp"
#include "page_assets.hpp"

namespace notify::admin {
namespace {

constexpr std::string_view prometheus_type = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view page_prefix = "/admin/";

AdminResponse error(unsigned status, const std::string& message) {
    AdminResponse response;
    response.status = status;
    response.body = nlohmann::json{{"error", message}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    return response;
}

AdminResponse redirect(std::string location) {
    AdminResponse response;
    response.status = 302;
    response.content_type = "text/plain; charset=utf-8";
    response.body = "see " + location + "\n";
    response.headers.emplace_back("Location", std::move(location));
    return response;
}

// The page's own files are public (they hold no data, and a browser cannot send a header
// with a navigation); everything that reads the host needs the token.
bool needs_token(std::string_view path) {
    if (path == "/healthz") return false;
    if (path == "/" || path == "/admin") return false;
    return !(path.starts_with(page_prefix) && !path.starts_with("/admin/api/"));
}

}  // namespace

AdminResponse Routes::answer(const AdminRequest& request) const {
    const std::string_view path = request.target.substr(0, request.target.find('?'));
    if (request.method != "GET" && request.method != "HEAD") {
        AdminResponse response =
            error(405, "method " + std::string{request.method} + " not allowed: use GET");
        response.headers.emplace_back("Allow", "GET, HEAD");
        return response;
    }
    if (needs_token(path) && !token_.admits(request.authorization)) {
        AdminResponse response =
            error(401, request.authorization.empty()
                           ? "this endpoint needs 'Authorization: Bearer <token>' (the admin token)"
                           : "wrong admin token");
        response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"notify admin\"");
        return response;
    }
    if (path == "/healthz") {
        AdminResponse response;
        response.content_type = "text/plain; charset=utf-8";
        response.body = "ok\n";
        return response;
    }
    if (path == "/readyz") return readiness();
    if (path == "/metrics") return metrics();
    if (path == "/" || path == "/admin") return redirect(std::string{page_prefix});
    if (path == "/admin/api/overview") {
        AdminResponse response;
        response.body = overview_json(views_, sampler_, topics_, sample_interval_);
        return response;
    }
    if (path.starts_with(page_prefix) && !path.starts_with("/admin/api/")) {
        const std::string_view name = path.substr(page_prefix.size());
        return page(name.empty() ? "index.html" : name);
    }
    return error(404, "no such path: see /admin/, /metrics, /healthz, /readyz");
}

AdminResponse Routes::metrics() const {
    const HostDocument text = views_.stats(NOTIFY_STATS_PROMETHEUS);
    if (!text.ok) return error(500, text.text);
    AdminResponse response;
    response.content_type = std::string{prometheus_type};
    response.body = text.text;
    return response;
}

AdminResponse Routes::readiness() const {
    const HostDocument health = views_.stats(NOTIFY_STATS_HEALTH);
    if (!health.ok) return error(503, health.text);
    const nlohmann::json parsed = nlohmann::json::parse(health.text, nullptr, false);
    const bool ready = parsed.is_object() && parsed.contains("ready") &&
                       parsed["ready"].is_boolean() && parsed["ready"].get<bool>();
    AdminResponse response;
    response.status = ready ? 200 : 503;
    response.body = health.text;
    return response;
}

AdminResponse Routes::page(std::string_view name) const {
    const PageAsset* asset = find_page_asset(name);
    if (asset == nullptr) return error(404, "no such file of the admin page: " + std::string{name});
    AdminResponse response;
    response.content_type = std::string{asset->content_type};
    response.body = std::string{asset->body};
    response.headers.emplace_back("Content-Security-Policy",
                                  "default-src 'self'; frame-ancestors 'none'");
    return response;
}

}  // namespace notify::admin
