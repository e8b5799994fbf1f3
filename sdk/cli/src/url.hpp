#pragma once

#include <string>
#include <string_view>

namespace notify::cli {

// scheme://host[:port][/path][?query]; host may be a bracketed IPv6 literal.
struct Url {
    std::string text;    // as given, for messages
    std::string scheme;  // lower case
    std::string host;    // without brackets
    std::string port;    // explicit, or the scheme's default when it has one
    std::string target;  // path and query, at least "/"
};

// Throws CliError(failure) naming the URL and what is wrong with it.
Url parse_url(std::string_view text);

}  // namespace notify::cli
