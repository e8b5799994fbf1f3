#include "http_request.hpp"

#include <algorithm>
#include <array>
#include <bitset>
#include <utility>

namespace notify::websocket {
namespace {

constexpr size_t npos = std::string_view::npos;

// RFC 9110 §5.6.2: the characters a method or a header name may consist of.
bool is_token_char(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != npos;
}

bool is_token(std::string_view text) {
    if (text.empty()) {
        return false;
    }
    for (const char c : text) {
        if (!is_token_char(c)) {
            return false;
        }
    }
    return true;
}

// Visible ASCII, space, tab and obs-text; a CR, LF, NUL or other control byte inside a value is
// how header injection and request smuggling start, so it ends the request.
bool is_field_value(std::string_view value) {
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte != '\t' && (byte < 0x20 || byte == 0x7f)) {
            return false;
        }
    }
    return true;
}

// Raw (not yet percent-decoded) targets are visible ASCII only; clients escape everything else.
bool is_target(std::string_view target) {
    if (target.empty()) {
        return false;
    }
    for (const char c : target) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte >= 0x7f) {
            return false;
        }
    }
    return true;
}

std::string_view trim(std::string_view text) {
    const size_t first = text.find_first_not_of(" \t");
    if (first == npos) {
        return {};
    }
    const size_t last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        if (to_lower(a[i]) != to_lower(b[i])) {
            return false;
        }
    }
    return true;
}

// Offset just past the first empty line (the end of the head), or npos while none arrived.
size_t find_head_end(std::string_view bytes) {
    size_t line_start = 0;
    while (line_start < bytes.size()) {
        if (bytes[line_start] == '\n') {
            return line_start + 1;
        }
        if (bytes[line_start] == '\r' && line_start + 1 < bytes.size() &&
            bytes[line_start + 1] == '\n') {
            return line_start + 2;
        }
        const size_t newline = bytes.find('\n', line_start);
        if (newline == npos) {
            return npos;
        }
        line_start = newline + 1;
    }
    return npos;
}

// The path of an origin-form or absolute-form target, without its query. Empty when the target
// has neither form.
std::string_view target_path(std::string_view target) {
    std::string_view path;
    if (target.front() == '/') {
        path = target;
    } else {
        // RFC 9112 §3.2.2: a server must accept "http://authority/path" too.
        const size_t scheme_end = target.find("://");
        if (scheme_end == npos || !(equals_ignoring_case(target.substr(0, scheme_end), "http") ||
                                    equals_ignoring_case(target.substr(0, scheme_end), "https"))) {
            return {};
        }
        const size_t path_start = target.find_first_of("/?", scheme_end + 3);
        if (path_start == npos || target[path_start] == '?') {
            return "/";
        }
        path = target.substr(path_start);
    }
    return path.substr(0, path.find('?'));
}

bool parse_request_line(std::string_view line, HttpRequest &request) {
    const size_t method_end = line.find(' ');
    if (method_end == npos) {
        return false;
    }
    const size_t target_end = line.find(' ', method_end + 1);
    if (target_end == npos) {
        return false;
    }
    const std::string_view method = line.substr(0, method_end);
    const std::string_view target = line.substr(method_end + 1, target_end - method_end - 1);
    const std::string_view version = line.substr(target_end + 1);
    if (!is_token(method) || !is_target(target)) {
        return false;
    }
    if (version != "HTTP/1.1" && version != "HTTP/1.0") {
        return false;
    }
    std::string_view path;
    if (target == "*") {
        if (method != "OPTIONS") {
            return false;
        }
        path = target;
    } else {
        path = target_path(target);
        if (path.empty()) {
            return false;
        }
    }
    request.method = method;
    request.target = path;
    request.version = version;
    return true;
}

struct KnownHeader {
    std::string_view name;  // lower case
    std::string HttpRequest::*field;
};

constexpr std::array<KnownHeader, 7> known_headers{{
    {"host", &HttpRequest::host},
    {"upgrade", &HttpRequest::upgrade},
    {"connection", &HttpRequest::connection},
    {"sec-websocket-key", &HttpRequest::websocket_key},
    {"sec-websocket-version", &HttpRequest::websocket_version},
    {"sec-websocket-protocol", &HttpRequest::websocket_protocol},
    {"origin", &HttpRequest::origin},
}};
constexpr size_t host_index = 0;

// Fills the known fields and the header list from the header lines after the request line.
bool parse_header_lines(std::string_view lines, HttpRequest &request) {
    std::bitset<known_headers.size()> seen;
    const auto line_count = static_cast<size_t>(std::count(lines.begin(), lines.end(), '\n'));
    request.headers.reserve(std::min(line_count, HeaderList::max_count), lines.size());
    while (!lines.empty()) {
        const size_t newline = lines.find('\n');
        std::string_view line = lines.substr(0, newline);
        lines = newline == npos ? std::string_view{} : lines.substr(newline + 1);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.empty()) {
            break;  // the blank line that ends the head
        }
        // A leading space or tab is obs-fold (RFC 9112 §5.2): rejected rather than unfolded.
        const size_t colon = line.find(':');
        if (colon == npos || !is_token(line.substr(0, colon))) {
            return false;
        }
        const std::string_view value = trim(line.substr(colon + 1));
        if (!is_field_value(value)) {
            return false;
        }
        const std::string_view name = line.substr(0, colon);
        request.headers.add(name, value);
        for (size_t i = 0; i < known_headers.size(); ++i) {
            if (!equals_ignoring_case(name, known_headers[i].name)) {
                continue;
            }
            std::string &field = request.*known_headers[i].field;
            if (seen[i]) {
                if (i == host_index) {
                    return false;  // RFC 9112 §3.2: two Hosts make the target ambiguous
                }
                field += ", ";
            }
            field += value;
            seen[i] = true;
            break;
        }
    }
    return seen[host_index] || request.version != "HTTP/1.1";
}

}  // namespace

HeadStatus parse_request_head(std::string_view received, size_t max_head, HttpRequest &out,
                              size_t &head_length) {
    const size_t head_end = find_head_end(received.substr(0, max_head));
    if (head_end == npos) {
        return received.size() >= max_head ? HeadStatus::too_large : HeadStatus::incomplete;
    }
    const std::string_view head = received.substr(0, head_end);
    const size_t request_line_end = head.find('\n');
    std::string_view request_line = head.substr(0, request_line_end);
    if (!request_line.empty() && request_line.back() == '\r') {
        request_line.remove_suffix(1);
    }
    HttpRequest request;
    if (!parse_request_line(request_line, request) ||
        !parse_header_lines(head.substr(request_line_end + 1), request)) {
        return HeadStatus::malformed;
    }
    out = std::move(request);
    head_length = head_end;
    return HeadStatus::complete;
}

}  // namespace notify::websocket
