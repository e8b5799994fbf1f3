// One plain HTTP/1.1 GET on its own connection, answered in full, by a deadline: for the
// server's JSON endpoints (`nodes`: /cluster/nodes, /cluster/handout).
#pragma once

#include <string>

#include "transport.hpp"

namespace notify::cli {

struct Url;

struct HttpGetResult {
    int status = 0;
    std::string reason;
    std::string content_type;
    std::string body;
};

// GET `target` on url.host:url.port (the URL's own path is not used). Throws CliError: timeout
// when the deadline passes first, failure when the host cannot be resolved or connected to or
// the connection breaks. Any HTTP status is returned, not thrown.
HttpGetResult http_get(const Url& url, const std::string& target, Deadline deadline);

}  // namespace notify::cli
