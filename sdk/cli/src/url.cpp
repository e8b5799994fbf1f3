#include "url.hpp"

#include <algorithm>
#include <cctype>

#include "cli_error.hpp"

namespace notify::cli {
namespace {

[[noreturn]] void fail(std::string_view text, std::string_view why) {
    throw CliError(ExitCode::failure,
                   "invalid URL '" + std::string(text) + "': " + std::string(why));
}

std::string default_port(std::string_view scheme) {
    if (scheme == "ws" || scheme == "http" || scheme == "http+poll") return "80";
    if (scheme == "wss" || scheme == "https") return "443";
    return {};
}

bool is_port(std::string_view port) {
    if (port.empty() || port.size() > 5) return false;
    if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
    }
    const int value = std::stoi(std::string(port));
    return value > 0 && value <= 65535;
}

}  // namespace

Url parse_url(std::string_view text) {
    Url url;
    url.text = std::string(text);
    const auto scheme_end = text.find("://");
    if (scheme_end == std::string_view::npos || scheme_end == 0) {
        fail(text, "expected scheme://host[:port][/path]");
    }
    url.scheme = std::string(text.substr(0, scheme_end));
    std::transform(url.scheme.begin(), url.scheme.end(), url.scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });

    std::string_view rest = text.substr(scheme_end + 3);
    const auto authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    url.target = authority_end == std::string_view::npos
                     ? std::string("/")
                     : std::string(rest.substr(authority_end));
    if (url.target.front() != '/') url.target.insert(0, "/");
    if (const auto fragment = url.target.find('#'); fragment != std::string::npos) {
        url.target.erase(fragment);
    }
    if (authority.find('@') != std::string_view::npos) {
        fail(text, "user information is not supported; pass credentials with --token");
    }

    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) fail(text, "unterminated IPv6 address");
        url.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') fail(text, "unexpected text after the IPv6 address");
            port = after.substr(1);
            if (port.empty()) fail(text, "empty port");
        }
    } else {
        const auto colon = authority.rfind(':');
        url.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
            if (port.empty()) fail(text, "empty port");
        }
    }
    if (url.host.empty()) fail(text, "missing host");
    if (port.empty() && (url.scheme == "tcp" || url.scheme == "tcps" || url.scheme == "udp")) {
        fail(text, "a " + url.scheme + " URL needs a port (" + url.scheme + "://HOST:PORT)");
    }
    if (!port.empty()) {
        if (!is_port(port)) fail(text, "port '" + std::string(port) + "' is not in 1..65535");
        url.port = std::string(port);
    } else {
        url.port = default_port(url.scheme);
    }
    return url;
}

}  // namespace notify::cli
