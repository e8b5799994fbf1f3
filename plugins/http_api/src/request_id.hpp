// The id that names one API request in logs, in the X-Request-Id header and to the host.
#pragma once

#include <string>
#include <string_view>

namespace notify::http_api {

// The caller's X-Request-Id when it is 1-64 characters of [A-Za-z0-9._-], else a fresh random
// one (so an id in our logs can never carry a forged log line).
std::string request_id_from(std::string_view header);

}  // namespace notify::http_api
