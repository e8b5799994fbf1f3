#include "settings.hpp"

#include <notify/sdk.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>

#include "jwks.hpp"
#include "public_key.hpp"
#include "time_text.hpp"

namespace notify::jwt {

const notify_config_key config_keys[] = {
    {"hmac_secret_env", NOTIFY_CONFIG_STRING,
     "Name of the environment variable holding the HMAC secret (HS256/384/512)."},
    {"hmac_secret_file", NOTIFY_CONFIG_PATH,
     "File holding the HMAC secret (one trailing newline is ignored)."},
    {"public_key_file", NOTIFY_CONFIG_PATH,
     "PEM public key (\"BEGIN PUBLIC KEY\"): RSA >= 2048 bits for RS256/384/512 and "
     "PS256/384/512, EC P-256 for ES256, P-384 for ES384, P-521 for ES512, Ed25519 or Ed448 for "
     "EdDSA."},
    {"jwks_file", NOTIFY_CONFIG_PATH,
     "JSON Web Key Set (RFC 7517) of verification keys (RSA, EC, OKP, oct), re-read on SIGHUP; "
     "a token's kid header picks the keys with that kid."},
    {"previous_hmac_secret_env", NOTIFY_CONFIG_STRING,
     "Key rotation: environment variable of the previous HMAC secret."},
    {"previous_hmac_secret_file", NOTIFY_CONFIG_PATH,
     "Key rotation: file of the previous HMAC secret."},
    {"previous_public_key_file", NOTIFY_CONFIG_PATH,
     "Key rotation: PEM file of the previous public key."},
    {"previous_valid_until", NOTIFY_CONFIG_STRING,
     "Previous keys verify only before this time: RFC 3339 (\"2026-12-31T00:00:00Z\") or Unix "
     "seconds as a string. Required with a previous_* key."},
    {"issuer", NOTIFY_CONFIG_STRING, "When set, the iss claim must equal it (default: unchecked)."},
    {"audience", NOTIFY_CONFIG_STRING,
     "When set, the aud claim (a string or an array) must contain it (default: unchecked)."},
    {"leeway", NOTIFY_CONFIG_DURATION, "Clock skew allowed for exp, nbf and iat (default 0s)."},
    {"allow_anonymous", NOTIFY_CONFIG_BOOL,
     "Allow a connect without a token, or with a token without sub, as the anonymous user "
     "(default false: no token defers to the next auth plugin, no sub denies)."},
    {"max_token_size", NOTIFY_CONFIG_INT,
     "Longer tokens are refused before any decoding (default 8192 bytes, at most 65536)."},
    {"max_info_size", NOTIFY_CONFIG_INT,
     "Largest info claim, as compact JSON (default 4096 bytes)."},
};
const std::size_t config_key_count = sizeof config_keys / sizeof config_keys[0];

namespace {

// A configuration mistake, caught in load_settings and reported through notify_error.
struct ConfigError {
    notify_status status;
    std::string message;
};

[[noreturn]] void fail(std::string message, notify_status status = NOTIFY_ERR_INVALID_ARGUMENT) {
    throw ConfigError{status, std::move(message)};
}

std::string copy(notify_str text) {
    return text.len == 0 ? std::string{} : std::string{text.data, text.len};
}

std::optional<std::string> read_string(const notify_host_api* host, const notify_config* config,
                                       const char* key) {
    notify_str value{};
    const notify_status status = host->config_get_string(config, key, &value);
    if (status == NOTIFY_ERR_NOT_FOUND) return std::nullopt;
    if (status != NOTIFY_OK)
        fail(std::string{"config key '"} + key + "': expected a string", status);
    return copy(value);
}

std::optional<std::string> read_path(const notify_host_api* host, const notify_config* config,
                                     const char* key) {
    notify_str value{};
    const notify_status status = host->config_get_path(config, key, &value);
    if (status == NOTIFY_ERR_NOT_FOUND) return std::nullopt;
    if (status != NOTIFY_OK) fail(std::string{"config key '"} + key + "': expected a path", status);
    return copy(value);
}

void check(notify_status status, notify_error* err) {
    if (status != NOTIFY_OK) fail(err->message, status);
}

// The whole file, refusing anything larger than a key could be.
std::string read_file(const char* key, const std::string& path) {
    constexpr std::size_t max_key_file = 1 << 20;
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file{std::fopen(path.c_str(), "rb"),
                                                               &std::fclose};
    if (!file) {
        fail(std::string{key} + ": cannot read '" + path + "': " + std::strerror(errno),
             NOTIFY_ERR_IO);
    }
    std::string content;
    char buffer[4096];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
        content.append(buffer, got);
        if (content.size() > max_key_file) {
            fail(std::string{key} + ": '" + path + "' is larger than 1 MiB; not a key file");
        }
    }
    if (std::ferror(file.get()) != 0) {
        fail(std::string{key} + ": cannot read '" + path + "'", NOTIFY_ERR_IO);
    }
    return content;
}

std::string hmac_secret_from_env(const char* key, const std::string& variable) {
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr) {
        fail(std::string{key} + ": environment variable '" + variable + "' is not set");
    }
    if (*value == '\0') {
        fail(std::string{key} + ": environment variable '" + variable + "' is empty");
    }
    return value;
}

std::string hmac_secret_from_file(const char* key, const std::string& path) {
    std::string secret = read_file(key, path);
    // `echo secret > file` adds a newline nobody means as part of the secret.
    if (!secret.empty() && secret.back() == '\n') secret.pop_back();
    if (!secret.empty() && secret.back() == '\r') secret.pop_back();
    if (secret.empty()) fail(std::string{key} + ": '" + path + "' holds an empty secret");
    return secret;
}

// Parses the PEM the way libjwt will at verification, and tells which algorithms it serves.
// The parsed key is kept for the algorithms verified with OpenSSL itself (PS*, EdDSA).
KeyKind public_key_kind(const char* key, const std::string& path, const std::string& pem,
                        std::shared_ptr<EVP_PKEY>& parsed) {
    const std::unique_ptr<BIO, int (*)(BIO*)> bio{
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free};
    if (!bio) fail(std::string{key} + ": out of memory", NOTIFY_ERR_INTERNAL);
    parsed = share_key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    if (!parsed) {
        fail(std::string{key} + ": '" + path +
             "' is not a PEM public key (expected \"-----BEGIN PUBLIC KEY-----\", RSA, EC, "
             "Ed25519 or Ed448)");
    }
    try {
        return kind_of(parsed.get());
    } catch (const UnusableKey& unusable) {
        fail(std::string{key} + ": '" + path + "' is " + unusable.what());
    }
}

// The keys of a JSON Web Key Set file, after the manifest's current keys.
void add_jwks(const std::string& path, Settings& out) {
    JwksKeys set;
    try {
        set = parse_jwks(read_file("jwks_file", path));
    } catch (const JwksError& error) {
        fail("jwks_file: '" + path + "': " + error.what());
    }
    if (set.keys.empty()) {
        std::string why = "jwks_file: '" + path + "' holds no key this plugin can verify with";
        for (const std::string& skipped : set.skipped) why += "; " + skipped;
        fail(why);
    }
    for (VerifyKey& key : set.keys) out.keys.push_back(std::move(key));
    for (const std::string& skipped : set.skipped) {
        out.warnings.push_back("jwks_file '" + path + "': " + skipped);
    }
}

// Adds the HMAC secret and public key named by one set of keys (current or previous).
void add_keys(const notify_host_api* host, const notify_config* config, const char* env_key,
              const char* file_key, const char* pem_key, bool previous, Settings& out) {
    const auto env = read_string(host, config, env_key);
    const auto file = read_path(host, config, file_key);
    if (env && file) {
        fail(std::string{"set only one of '"} + env_key + "' and '" + file_key + "'");
    }
    if (env || file) {
        VerifyKey hmac;
        hmac.kind = KeyKind::hmac;
        hmac.material =
            env ? hmac_secret_from_env(env_key, *env) : hmac_secret_from_file(file_key, *file);
        hmac.source = env ? env_key : file_key;
        hmac.previous = previous;
        out.keys.push_back(std::move(hmac));
    }
    if (const auto pem_path = read_path(host, config, pem_key)) {
        VerifyKey pem;
        pem.material = read_file(pem_key, *pem_path);
        pem.kind = public_key_kind(pem_key, *pem_path, pem.material, pem.public_key);
        pem.source = pem_key;
        pem.previous = previous;
        out.keys.push_back(std::move(pem));
    }
}

std::size_t positive_size(const notify_host_api* host, const notify_config* config, const char* key,
                          std::int64_t fallback, std::int64_t limit, notify_error* err) {
    std::int64_t value = fallback;
    check(notify_config_int_or(host, config, key, fallback, err, &value), err);
    if (value < 1 || value > limit) {
        fail(std::string{"config key '"} + key + "': must be between 1 and " +
             std::to_string(limit));
    }
    return static_cast<std::size_t>(value);
}

void load(const notify_host_api* host, const notify_config* config, Settings& out,
          notify_error* err) {
    add_keys(host, config, "hmac_secret_env", "hmac_secret_file", "public_key_file", false, out);
    if (const auto jwks = read_path(host, config, "jwks_file")) add_jwks(*jwks, out);
    if (out.keys.empty()) {
        fail(
            "no verification key: set 'hmac_secret_env', 'hmac_secret_file', "
            "'public_key_file' or 'jwks_file'");
    }
    const std::size_t current = out.keys.size();
    add_keys(host, config, "previous_hmac_secret_env", "previous_hmac_secret_file",
             "previous_public_key_file", true, out);
    const auto valid_until = read_string(host, config, "previous_valid_until");
    if (out.keys.size() > current) {
        if (!valid_until) {
            fail(
                "'previous_valid_until' is required with a previous_* key: when does the "
                "previous key stop verifying?");
        }
        const auto until_ms = parse_time_ms(*valid_until);
        if (!until_ms) {
            fail("config key 'previous_valid_until': '" + *valid_until +
                 "' is neither an RFC 3339 time (2026-12-31T00:00:00Z) nor Unix seconds");
        }
        for (std::size_t i = current; i < out.keys.size(); ++i) {
            out.keys[i].valid_until_ms = *until_ms;
        }
    } else if (valid_until) {
        fail("'previous_valid_until' is set but no previous_* key is");
    }

    out.issuer = read_string(host, config, "issuer").value_or("");
    out.audience = read_string(host, config, "audience").value_or("");
    check(notify_config_duration_ms_or(host, config, "leeway", 0, err, &out.leeway_ms), err);
    if (out.leeway_ms < 0) fail("config key 'leeway': must not be negative");
    check(notify_config_bool_or(host, config, "allow_anonymous", false, err, &out.allow_anonymous),
          err);
    out.max_token_size =
        positive_size(host, config, "max_token_size", 8192, max_token_size_limit, err);
    out.max_info_size =
        positive_size(host, config, "max_info_size", 4096, std::int64_t{1} << 30, err);
}

}  // namespace

bool accepts(KeyKind kind, std::string_view alg) noexcept {
    switch (kind) {
        case KeyKind::hmac:
            return alg == "HS256" || alg == "HS384" || alg == "HS512";
        case KeyKind::rsa:
            return alg == "RS256" || alg == "RS384" || alg == "RS512" || alg == "PS256" ||
                   alg == "PS384" || alg == "PS512";
        case KeyKind::ec_p256:
            return alg == "ES256";
        case KeyKind::ec_p384:
            return alg == "ES384";
        case KeyKind::ec_p521:
            return alg == "ES512";
        case KeyKind::ed25519:
        case KeyKind::ed448:
            return alg == "EdDSA";
    }
    return false;
}

std::string_view accepted_algorithms(KeyKind kind) noexcept {
    switch (kind) {
        case KeyKind::hmac:
            return "HS256, HS384, HS512";
        case KeyKind::rsa:
            return "RS256, RS384, RS512, PS256, PS384, PS512";
        case KeyKind::ec_p256:
            return "ES256";
        case KeyKind::ec_p384:
            return "ES384";
        case KeyKind::ec_p521:
            return "ES512";
        case KeyKind::ed25519:
            return "EdDSA (Ed25519)";
        case KeyKind::ed448:
            return "EdDSA (Ed448)";
    }
    return "";
}

notify_status load_settings(const notify_host_api* host, const notify_config* config, Settings& out,
                            notify_error* err) {
    try {
        load(host, config, out, err);
        return NOTIFY_OK;
    } catch (const ConfigError& error) {
        notify_error_setf(err, "jwt: %s", error.message.c_str());
        return error.status;
    }
}

}  // namespace notify::jwt
