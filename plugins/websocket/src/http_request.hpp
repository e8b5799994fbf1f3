// The head of an HTTP/1.x request, read from the bytes a connection received so far.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace notify::websocket {

// Every header line of a request in the order received, a repeated header once per occurrence:
// names lowercased, values trimmed. Every WebSocket connect builds one, so the text of all of
// them shares one buffer instead of costing two strings per header.
class HeaderList {
public:
    // More than any browser or proxy sends; a longer head is still checked, just not all kept.
    static constexpr size_t max_count = 64;

    size_t size() const { return entries_.size(); }
    std::string_view name(size_t index) const;
    std::string_view value(size_t index) const;

    // Room for `count` headers whose names and values total `text_bytes`, so that add() then
    // allocates nothing.
    void reserve(size_t count, size_t text_bytes);
    // Ignored once max_count headers are kept.
    void add(std::string_view name, std::string_view value);

private:
    struct Entry {
        size_t offset;  // the name; the value follows it
        size_t name_length;
        size_t value_length;
    };
    std::string text_;
    std::vector<Entry> entries_;
};

struct HttpRequest {
    std::string method;   // as sent, e.g. "GET"
    std::string target;   // path only, query string removed, NOT percent-decoded
    std::string version;  // "HTTP/1.0" or "HTTP/1.1"
    // Header values: names matched case-insensitively, values trimmed, repeated headers joined
    // with ", ". Other headers are checked for syntax and otherwise ignored.
    std::string host, upgrade, connection, websocket_key, websocket_version, websocket_protocol,
        origin;
    HeaderList headers;
};

enum class HeadStatus { incomplete, complete, too_large, malformed };

// `received` = bytes read from the socket so far; call again with more bytes while incomplete.
// complete: `out` is filled and `head_length` = bytes up to and including the blank line (CRLF
// CRLF, or bare LF LF), anything after it belongs to the next layer.
// too_large: no blank line within the first `max_head` bytes.
// malformed: bad request line, unsupported version, control characters or NUL, a header without
// a colon or with space before it, obs-fold, a missing (HTTP/1.1) or repeated Host, ...
// Never throws on hostile input.
HeadStatus parse_request_head(std::string_view received, size_t max_head, HttpRequest &out,
                              size_t &head_length);

}  // namespace notify::websocket
