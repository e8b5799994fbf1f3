// The head of an HTTP/1.x request, read from the bytes a connection received so far.
#pragma once

#include <notify/header_list.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace notify::websocket {

using HeaderList = sdk::HeaderList;

struct HttpRequest {
    std::string method;   // as sent, e.g. "GET"
    std::string target;   // path only, query string removed, NOT percent-decoded
    std::string version;  // "HTTP/1.0" or "HTTP/1.1"
    // Header values: names matched case-insensitively, values trimmed, repeated headers joined
    // with ", ". Other headers are checked for syntax and otherwise ignored.
    std::string host, upgrade, connection, websocket_key, websocket_version, websocket_protocol,
        origin;
    HeaderList headers;  // every header line, values trimmed (for notify_conn_info.headers)
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
