// `--header "Name: value"`: extra HTTP headers the ws/wss upgrade and every http/http+poll
// request carry, so a server's header allow-list (the proxy auth plugin's forward_headers) can be
// tried by hand. Checked strictly here because a value reaches the wire as given.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace notify::cli {

struct HttpHeader {
    std::string name;
    std::string value;
    bool operator==(const HttpHeader&) const = default;
};

// The proxy plugin forwards at most 32 names; more would only hide mistakes.
inline constexpr std::size_t kMaxExtraHeaders = 32;

// Why `text` is not a header notify-cli may send, or "" when it is: it must be
// `Name: value` with Name an RFC 9110 token that the client does not set itself (Host, Upgrade,
// Connection, Sec-WebSocket-*, Content-Length, Transfer-Encoding) and a value without CR, LF or
// NUL.
std::string extra_header_problem(std::string_view text);

// `text` split into name and value (optional whitespace around the value dropped); call only
// when extra_header_problem(text) is "".
HttpHeader parse_extra_header(std::string_view text);

// Adds `headers` in their order to a Beast request's fields. A name the client sets by default
// (User-Agent, Accept, Content-Type) takes the --header value instead; a name given twice is
// sent twice.
template <class Fields>
void add_extra_headers(Fields& fields, const std::vector<HttpHeader>& headers) {
    for (const HttpHeader& header : headers) fields.erase(header.name);
    for (const HttpHeader& header : headers) fields.insert(header.name, header.value);
}

}  // namespace notify::cli
