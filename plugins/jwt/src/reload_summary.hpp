// What a reconfigure changed, as one log line. Secrets and key material never appear in it: a
// key is named by the manifest key it came from and said to be added, removed or replaced.
#pragma once

#include <string>

#include "settings.hpp"

namespace notify::jwt {

// "keys: hmac_secret_env replaced, previous_hmac_secret_env added; issuer \"a\" -> \"b\"", or
// "nothing changed" when nothing that verification uses differs.
std::string describe_changes(const Settings& before, const Settings& after);

}  // namespace notify::jwt
