#include "extra_header.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace notify::cli {
namespace {

constexpr std::string_view kOptionalWhitespace = " \t";

// RFC 9110 §5.6.2 tchar.
bool is_token_char(char c) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string lowercase(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower;
}

// Headers the transports write themselves: a second copy would break the framing or the
// WebSocket handshake rather than test anything.
bool is_reserved(std::string_view name) {
    constexpr std::array<std::string_view, 5> kReserved = {
        "host", "upgrade", "connection", "content-length", "transfer-encoding"};
    const std::string lower = lowercase(name);
    if (std::find(kReserved.begin(), kReserved.end(), lower) != kReserved.end()) return true;
    return lower.rfind("sec-websocket-", 0) == 0;
}

// `text` for a one-line error message: CR, LF and NUL written as \r, \n, \0.
std::string printable(std::string_view text) {
    std::string shown;
    for (const char c : text) {
        if (c == '\r') {
            shown += "\\r";
        } else if (c == '\n') {
            shown += "\\n";
        } else if (c == '\0') {
            shown += "\\0";
        } else {
            shown += c;
        }
    }
    return shown;
}

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(kOptionalWhitespace);
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(kOptionalWhitespace);
    return text.substr(first, last - first + 1);
}

}  // namespace

std::string extra_header_problem(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) {
        return "expected 'Name: value', not '" + printable(text) + "'";
    }
    const std::string_view name = text.substr(0, colon);
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) {
        return "the header name '" + printable(name) +
               "' is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~, no spaces)";
    }
    if (is_reserved(name)) {
        return "the header " + std::string(name) +
               " is set by notify-cli itself (Host, Upgrade, Connection, Sec-WebSocket-*, "
               "Content-Length and Transfer-Encoding cannot be given)";
    }
    if (text.substr(colon + 1).find_first_of(std::string_view("\r\n\0", 3)) !=
        std::string_view::npos) {
        return "the value of the header " + std::string(name) +
               " contains CR, LF or NUL, which cannot be sent";
    }
    return {};
}

HttpHeader parse_extra_header(std::string_view text) {
    const auto colon = text.find(':');
    return {std::string(text.substr(0, colon)), std::string(trim(text.substr(colon + 1)))};
}

}  // namespace notify::cli
