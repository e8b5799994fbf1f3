// One plain HTTP/1.1 POST of a JSON body on its own connection, answered in full, by a
// deadline: `api http://…` (the http_api plugin's POST /api/METHOD).
#pragma once

#include <string>

#include "transport.hpp"

namespace notify::cli {

struct Url;

struct HttpPostResult {
    int status = 0;
    std::string reason;
    std::string body;
};

// POST `body` (application/json) to `target` on url.host:url.port, with `authorization` as the
// Authorization header when not empty. Throws CliError: timeout when the deadline passes first,
// failure when the host cannot be resolved or connected to or the connection breaks. Any HTTP
// status is returned, not thrown.
HttpPostResult http_post(const Url& url, const std::string& target,
                         const std::string& authorization, const std::string& body,
                         Deadline deadline);

}  // namespace notify::cli
