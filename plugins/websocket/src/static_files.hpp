// Plain HTTP requests on the WebSocket port: files from the static folder, nothing outside it.
#pragma once

#include "http_request.hpp"

#include <string>

namespace notify::websocket {

// The complete HTTP response (status line with the request's version, headers, body; always
// "Connection: close") for a plain (non-upgrade) request. `root` empty → 404. GET and HEAD only
// (else 405 with Allow); HEAD gets the GET headers, real Content-Length included, and no body.
// "/" and directories → their index.html (or 404). The percent-decoded path must not contain
// "..", NUL or a backslash, must resolve (symlinks followed) to a regular file inside `root`, and
// the file may have at most 16 MiB; anything else is a 404 (500 for a file too large or that
// cannot be read). Every response carries the CSP, nosniff, frame and referrer headers.
std::string static_response(const std::string &root, const HttpRequest &request);

}  // namespace notify::websocket
