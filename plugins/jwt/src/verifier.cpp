#include "verifier.hpp"

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <optional>

#include "base64url.hpp"
#include "time_text.hpp"

namespace notify::jwt {
namespace {

using Json = nlohmann::json;

Verification refuse(std::string reason) {
    Verification result;
    result.reason = "jwt: " + std::move(reason);
    return result;
}

// A part of the token that must hold a JSON object; `name` says which, for the reason.
std::optional<Json> decode_object(std::string_view part, std::string_view name,
                                  Verification& failure) {
    const auto text = base64url_decode(part);
    if (!text) {
        failure = refuse(std::string{name} + " is not valid base64url");
        return std::nullopt;
    }
    Json parsed = Json::parse(*text, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) {
        failure = refuse(std::string{name} + " is not a JSON object");
        return std::nullopt;
    }
    return parsed;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// A NumericDate claim (seconds, possibly fractional) as Unix ms; nullopt when not a number in
// the years 0..9999.
std::optional<std::int64_t> numeric_date_ms(const Json& value) {
    constexpr double max_seconds = 253'402'300'799.0;
    if (value.is_number_integer()) {
        if (value.is_number_unsigned()) {
            const auto seconds = value.get<std::uint64_t>();
            if (seconds > static_cast<std::uint64_t>(max_seconds)) return std::nullopt;
            return static_cast<std::int64_t>(seconds) * 1000;
        }
        const auto seconds = value.get<std::int64_t>();
        if (seconds < -static_cast<std::int64_t>(max_seconds) ||
            seconds > static_cast<std::int64_t>(max_seconds)) {
            return std::nullopt;
        }
        return seconds * 1000;
    }
    if (value.is_number_float()) {
        const double seconds = value.get<double>();
        if (!std::isfinite(seconds) || std::fabs(seconds) > max_seconds) return std::nullopt;
        return static_cast<std::int64_t>(std::floor(seconds * 1000.0));
    }
    return std::nullopt;
}

struct JwtDeleter {
    void operator()(jwt_t* token) const noexcept { jwt_free(token); }
};
struct MallocDeleter {
    void operator()(char* text) const noexcept { std::free(text); }
};

// Every public-key algorithm is verified with OpenSSL's EVP API directly, with the key parsed
// once at load: libjwt 1.10 has no PS* or EdDSA (RFC 7518 section 3.5, RFC 8037), and for RS*
// and ES* it decodes the PEM on every token, which OpenSSL 3 makes cost far more than the
// signature check (bench S11: 1,420 RS256 connects/s through libjwt). libjwt keeps HS*.
bool verified_by_openssl(std::string_view alg) noexcept {
    if (alg == "EdDSA") return true;
    if (alg.size() != 5) return false;
    const std::string_view family = alg.substr(0, 2);
    const std::string_view size = alg.substr(2);
    return (family == "RS" || family == "PS" || family == "ES") &&
           (size == "256" || size == "384" || size == "512");
}

const EVP_MD* digest_of(std::string_view alg) noexcept {
    if (alg.ends_with("256")) return EVP_sha256();
    if (alg.ends_with("384")) return EVP_sha384();
    if (alg.ends_with("512")) return EVP_sha512();
    return nullptr;  // EdDSA signs the message itself
}

// A JOSE ECDSA signature (r and s, each as long as the curve's field) in the DER form OpenSSL
// verifies; nullopt when its length does not fit the curve.
std::optional<std::string> der_of_jose_ecdsa(std::string_view signature, EVP_PKEY* key) {
    const int bits = EVP_PKEY_get_bits(key);
    const std::size_t half = static_cast<std::size_t>((bits + 7) / 8);
    if (half == 0 || signature.size() != 2 * half) return std::nullopt;
    const auto* bytes = reinterpret_cast<const unsigned char*>(signature.data());
    const std::unique_ptr<ECDSA_SIG, void (*)(ECDSA_SIG*)> parsed{ECDSA_SIG_new(),
                                                                  &ECDSA_SIG_free};
    BIGNUM* r = BN_bin2bn(bytes, static_cast<int>(half), nullptr);
    BIGNUM* s = BN_bin2bn(bytes + half, static_cast<int>(half), nullptr);
    if (!parsed || r == nullptr || s == nullptr || ECDSA_SIG_set0(parsed.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        return std::nullopt;
    }
    const int size = i2d_ECDSA_SIG(parsed.get(), nullptr);
    if (size <= 0) return std::nullopt;
    std::string der(static_cast<std::size_t>(size), '\0');
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    if (i2d_ECDSA_SIG(parsed.get(), &out) != size) return std::nullopt;
    return der;
}

bool supported(const std::string& alg) noexcept {
    return verified_by_openssl(alg) || jwt_str_alg(alg.c_str()) != JWT_ALG_INVAL;
}

// libjwt verifies the signature of `token` with `key` for the alg its header names; the caller
// chose `key` because its kind accepts that alg. Returns the verified claims.
std::optional<Json> verify_with_libjwt(const std::string& token, const VerifyKey& key,
                                       std::string_view alg) {
    jwt_t* raw = nullptr;
    const int status =
        jwt_decode(&raw, token.c_str(), reinterpret_cast<const unsigned char*>(key.material.data()),
                   static_cast<int>(key.material.size()));
    const std::unique_ptr<jwt_t, JwtDeleter> decoded{raw};
    if (status != 0 || !decoded) return std::nullopt;
    // libjwt read the same header; insist it verified with the algorithm we checked.
    const char* verified_alg = jwt_alg_str(jwt_get_alg(decoded.get()));
    if (verified_alg == nullptr || alg != verified_alg) return std::nullopt;
    const std::unique_ptr<char, MallocDeleter> grants{jwt_get_grants_json(decoded.get(), nullptr)};
    if (!grants) return std::nullopt;
    Json claims = Json::parse(grants.get(), nullptr, false);
    if (claims.is_discarded() || !claims.is_object()) return std::nullopt;
    return claims;
}

// True when `signature` is `key`'s `alg` signature of `signed_part` (header.payload as sent).
// RS*: PKCS#1 v1.5; PS*: PSS with MGF1 and a salt as long as the digest, as RFC 7518 fixes it
// (so a PKCS#1 signature relabelled PS256 fails, and the other way round); ES*: the JOSE r||s
// form; EdDSA: over the message itself.
bool openssl_signature_verifies(std::string_view signed_part, std::string_view signature,
                                EVP_PKEY* key, std::string_view alg) {
    const std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context{EVP_MD_CTX_new(),
                                                                     &EVP_MD_CTX_free};
    if (!context || key == nullptr) return false;
    std::optional<std::string> der;
    if (alg.starts_with("ES")) {
        der = der_of_jose_ecdsa(signature, key);
        if (!der) return false;
        signature = *der;
    }
    EVP_PKEY_CTX* key_context = nullptr;  // owned by context
    if (EVP_DigestVerifyInit(context.get(), &key_context, digest_of(alg), nullptr, key) != 1) {
        return false;
    }
    if (alg.starts_with("RS") &&
        EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PADDING) != 1) {
        return false;
    }
    if (alg.starts_with("PS") &&
        (EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING) != 1 ||
         EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, RSA_PSS_SALTLEN_DIGEST) != 1)) {
        return false;
    }
    return EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(),
                            reinterpret_cast<const unsigned char*>(signed_part.data()),
                            signed_part.size()) == 1;
}

bool audience_matches(const Json& aud, const std::string& wanted) {
    if (aud.is_string()) return aud.get_ref<const std::string&>() == wanted;
    if (!aud.is_array()) return false;
    return std::any_of(aud.begin(), aud.end(), [&](const Json& entry) {
        return entry.is_string() && entry.get_ref<const std::string&>() == wanted;
    });
}

}  // namespace

Verification Verifier::verify(std::string_view token, std::int64_t now_ms) const {
    if (token.size() > settings_.max_token_size) {
        return refuse("token is " + std::to_string(token.size()) +
                      " bytes, more than max_token_size (" +
                      std::to_string(settings_.max_token_size) + ")");
    }
    const std::size_t first_dot = token.find('.');
    const std::size_t second_dot =
        first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
    if (second_dot == std::string_view::npos ||
        token.find('.', second_dot + 1) != std::string_view::npos) {
        return refuse("malformed token: expected header.payload.signature");
    }
    const std::string_view header_part = token.substr(0, first_dot);
    const std::string_view payload_part = token.substr(first_dot + 1, second_dot - first_dot - 1);
    const std::string_view signature_part = token.substr(second_dot + 1);
    if (!is_base64url(header_part) || !is_base64url(payload_part) ||
        !is_base64url(signature_part)) {
        return refuse("malformed token: a part is not base64url");
    }

    Verification failure;
    const auto header = decode_object(header_part, "header", failure);
    if (!header) return failure;
    const auto alg_entry = header->find("alg");
    if (alg_entry == header->end() || !alg_entry->is_string()) {
        return refuse("header has no alg");
    }
    const std::string alg = alg_entry->get<std::string>();
    if (equals_ignoring_case(alg, "none")) return refuse("alg none is not accepted");
    if (!supported(alg)) return refuse("alg " + alg + " is not supported");
    if (header->contains("crit")) return refuse("header crit is not supported");
    std::optional<std::string> kid;
    if (const auto kid_entry = header->find("kid"); kid_entry != header->end()) {
        if (!kid_entry->is_string()) return refuse("header kid must be a string");
        kid = kid_entry->get<std::string>();
    }
    if (const auto typ = header->find("typ"); typ != header->end()) {
        if (!typ->is_string() || !equals_ignoring_case(typ->get_ref<const std::string&>(), "JWT")) {
            return refuse("header typ must be JWT");
        }
    }
    auto payload = decode_object(payload_part, "payload", failure);
    if (!payload) return failure;
    if (signature_part.empty()) return refuse("signature is missing");
    std::optional<std::string> signature;
    if (verified_by_openssl(alg)) {
        signature = base64url_decode(signature_part);
        if (!signature) return refuse("signature is not valid base64url");
    }
    const std::string_view signed_part = token.substr(0, second_dot);

    // Each key is tried only for the algorithms of its kind: this is what refuses an HS256
    // token "signed" with an RSA public key's PEM used as the HMAC secret.
    std::string accepted;
    bool kind_configured = false;
    std::optional<std::int64_t> retired_at;
    bool other_kid = false;  // a key of the kind was left out for its kid
    bool tried = false;      // a key of the kind was tried (or retired)
    std::optional<Json> claims;
    const std::string whole{token};
    for (const VerifyKey& key : settings_.keys) {
        if (!accepts(key.kind, alg)) {
            const std::string_view algorithms = accepted_algorithms(key.kind);
            if (accepted.find(algorithms) == std::string::npos) {
                accepted += (accepted.empty() ? "" : ", ") + std::string{algorithms};
            }
            continue;
        }
        if (!key.alg.empty() && key.alg != alg) {
            if (accepted.find(key.alg) == std::string::npos) {
                accepted += (accepted.empty() ? "" : ", ") + key.alg;
            }
            continue;
        }
        kind_configured = true;
        // A key that names itself is tried only for tokens naming no key or naming it.
        if (kid && !key.kid.empty() && key.kid != *kid) {
            other_kid = true;
            continue;
        }
        tried = true;
        if (key.previous && now_ms >= key.valid_until_ms) {
            retired_at = key.valid_until_ms;
            continue;
        }
        if (!signature) {
            claims = verify_with_libjwt(whole, key, alg);
        } else if (openssl_signature_verifies(signed_part, *signature, key.public_key.get(),
                                              alg)) {
            claims = std::move(*payload);
        }
        if (claims) break;
    }
    if (!claims) {
        if (!kind_configured) {
            return refuse("alg " + alg + " does not match the configured keys (they accept " +
                          accepted + ")");
        }
        if (!tried && other_kid) return refuse("no configured key has kid \"" + *kid + "\"");
        if (retired_at) {
            return refuse("signature does not verify (the previous key retired at " +
                          format_time_ms(*retired_at) + ")");
        }
        return refuse("signature does not verify");
    }

    Verification result;
    result.claims = std::move(*claims);
    const Json& c = result.claims;
    if (const auto exp = c.find("exp"); exp != c.end()) {
        const auto exp_ms = numeric_date_ms(*exp);
        if (!exp_ms) return refuse("exp claim must be a NumericDate");
        if (now_ms >= *exp_ms + settings_.leeway_ms) {
            Verification expired = refuse("token expired at " + format_time_ms(*exp_ms));
            expired.expired = true;
            return expired;
        }
        result.expires_at_ms = *exp_ms;
    }
    if (const auto nbf = c.find("nbf"); nbf != c.end()) {
        const auto nbf_ms = numeric_date_ms(*nbf);
        if (!nbf_ms) return refuse("nbf claim must be a NumericDate");
        if (now_ms + settings_.leeway_ms < *nbf_ms) {
            return refuse("token is not valid before " + format_time_ms(*nbf_ms));
        }
    }
    if (const auto iat = c.find("iat"); iat != c.end()) {
        const auto iat_ms = numeric_date_ms(*iat);
        if (!iat_ms) return refuse("iat claim must be a NumericDate");
        if (*iat_ms > now_ms + settings_.leeway_ms) {
            return refuse("token issued in the future (iat " + format_time_ms(*iat_ms) + ")");
        }
    }
    if (!settings_.issuer.empty()) {
        const auto iss = c.find("iss");
        if (iss == c.end() || !iss->is_string() ||
            iss->get_ref<const std::string&>() != settings_.issuer) {
            return refuse("wrong issuer (iss must be \"" + settings_.issuer + "\")");
        }
    }
    if (!settings_.audience.empty()) {
        const auto aud = c.find("aud");
        if (aud == c.end() || !audience_matches(*aud, settings_.audience)) {
            return refuse("wrong audience (aud must contain \"" + settings_.audience + "\")");
        }
    }
    result.valid = true;
    return result;
}

}  // namespace notify::jwt
