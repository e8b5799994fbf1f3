// The jwt plugin's manifest table, read in create() and again in reconfigure(): verification
// keys and claim checks.
#pragma once

#include <notify/notify.h>

#include <openssl/evp.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace notify::jwt {

// What a key verifies. An algorithm is tried only with keys of its family, so an HS256 token is
// never checked with an RSA or EC public key used as an HMAC secret.
enum class KeyKind { hmac, rsa, ec_p256, ec_p384, ec_p521, ed25519, ed448 };

// True when a token whose header says `alg` may be verified with a key of `kind`.
bool accepts(KeyKind kind, std::string_view alg) noexcept;
// The algorithms a key of `kind` accepts, for messages ("RS256, RS384, RS512, PS256, ...").
std::string_view accepted_algorithms(KeyKind kind) noexcept;

struct VerifyKey {
    KeyKind kind = KeyKind::hmac;
    std::string material;  // the HMAC secret's bytes, or the public key's PEM text
    // The public key parsed once, for the algorithms OpenSSL verifies directly (PS*, EdDSA);
    // EVP_PKEY is reference counted and safe to verify with from several threads.
    std::shared_ptr<EVP_PKEY> public_key;
    std::string source;    // the manifest key it came from, for messages
    std::string kid;       // a JSON Web Key's "kid": tried only for tokens without kid or with it
    std::string alg;       // a JSON Web Key's "alg": the only algorithm it verifies when set
    bool previous = false;
    // A previous key verifies only before this time (Unix ms); current keys never retire.
    std::int64_t valid_until_ms = std::numeric_limits<std::int64_t>::max();
};

struct Settings {
    std::vector<VerifyKey> keys;  // current keys first, then previous ones
    std::string issuer;           // checked against `iss` when not empty
    std::string audience;         // must appear in `aud` when not empty
    std::int64_t leeway_ms = 0;
    bool allow_anonymous = false;
    std::size_t max_token_size = 8192;
    std::size_t max_info_size = 4096;
    std::vector<std::string> warnings;  // said once each time the settings are loaded
};

// The largest max_token_size accepted: libjwt 1.10 copies each part of a token onto the stack.
inline constexpr std::int64_t max_token_size_limit = 65536;

// Reads and checks the manifest table. NOTIFY_OK, or a negative status with err naming the key.
// THREAD: main thread (create, reconfigure).
notify_status load_settings(const notify_host_api* host, const notify_config* config, Settings& out,
                            notify_error* err);

// The schema the host checks the manifest table against.
extern const notify_config_key config_keys[];
extern const std::size_t config_key_count;

}  // namespace notify::jwt
