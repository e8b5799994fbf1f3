#include "jwks.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "base64url.hpp"
#include "public_key.hpp"

namespace notify::jwt {
namespace {

using Json = nlohmann::json;

// One key of the set, for messages: "key 2 (kid \"a\")".
std::string name_of(std::size_t index, const std::string& kid) {
    std::string name = "key " + std::to_string(index);
    if (!kid.empty()) name += " (kid \"" + kid + "\")";
    return name;
}

class KeyReader {
  public:
    KeyReader(const Json& jwk, std::string name) : jwk_(jwk), name_(std::move(name)) {}

    [[noreturn]] void refuse(const std::string& why) const { throw JwksError{name_ + ": " + why}; }

    std::optional<std::string> text(const char* member) const {
        const auto found = jwk_.find(member);
        if (found == jwk_.end()) return std::nullopt;
        if (!found->is_string()) refuse(std::string{"\""} + member + "\" must be a string");
        return found->get<std::string>();
    }

    // A required base64url member, decoded; `size` when not 0 is the only length accepted.
    std::string bytes(const char* member, std::size_t size = 0) const {
        const auto encoded = text(member);
        if (!encoded || encoded->empty()) refuse(std::string{"\""} + member + "\" is missing");
        auto decoded = base64url_decode(*encoded);
        if (!decoded) refuse(std::string{"\""} + member + "\" is not base64url");
        if (size != 0 && decoded->size() != size) {
            refuse(std::string{"\""} + member + "\" must be " + std::to_string(size) +
                   " bytes, not " + std::to_string(decoded->size()));
        }
        return std::move(*decoded);
    }

  private:
    const Json& jwk_;
    std::string name_;
};

using PkeyContext = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;

// A public key of `type` ("RSA", "EC") from OpenSSL parameters, checked by OpenSSL.
EVP_PKEY* from_parameters(const KeyReader& reader, const char* type, OSSL_PARAM_BLD* builder) {
    const std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> parameters{
        OSSL_PARAM_BLD_to_param(builder), &OSSL_PARAM_free};
    const PkeyContext context{EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr),
                              &EVP_PKEY_CTX_free};
    EVP_PKEY* key = nullptr;
    if (!parameters || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
        EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, parameters.get()) != 1) {
        reader.refuse(std::string{"not a valid "} + type + " public key");
    }
    const PkeyContext check{EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr),
                            &EVP_PKEY_CTX_free};
    if (!check || EVP_PKEY_public_check(check.get()) != 1) {
        EVP_PKEY_free(key);
        reader.refuse(std::string{"not a valid "} + type + " public key");
    }
    return key;
}

using Builder = std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)>;
using Number = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

Number number_of(const std::string& big_endian) {
    return Number{BN_bin2bn(reinterpret_cast<const unsigned char*>(big_endian.data()),
                            static_cast<int>(big_endian.size()), nullptr),
                  &BN_free};
}

EVP_PKEY* rsa_key(const KeyReader& reader) {
    const Number modulus = number_of(reader.bytes("n"));
    const Number exponent = number_of(reader.bytes("e"));
    const Builder builder{OSSL_PARAM_BLD_new(), &OSSL_PARAM_BLD_free};
    if (!modulus || !exponent || !builder ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1) {
        reader.refuse("out of memory");
    }
    return from_parameters(reader, "RSA", builder.get());
}

// nullopt: a curve this plugin does not verify (skipped, not an error).
std::optional<EVP_PKEY*> ec_key(const KeyReader& reader, const std::string& curve) {
    struct Curve {
        const char* jwk_name;
        const char* group;
        std::size_t coordinate_size;
    };
    static constexpr Curve curves[] = {
        {"P-256", "prime256v1", 32}, {"P-384", "secp384r1", 48}, {"P-521", "secp521r1", 66}};
    const auto found = std::find_if(std::begin(curves), std::end(curves),
                                    [&](const Curve& c) { return curve == c.jwk_name; });
    if (found == std::end(curves)) return std::nullopt;
    // The uncompressed point: 0x04, then x and y at the field's size.
    const std::string x = reader.bytes("x", found->coordinate_size);
    const std::string y = reader.bytes("y", found->coordinate_size);
    const std::string point = '\x04' + x + y;
    const Builder builder{OSSL_PARAM_BLD_new(), &OSSL_PARAM_BLD_free};
    if (!builder ||
        OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, found->group,
                                        0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1) {
        reader.refuse("out of memory");
    }
    return from_parameters(reader, "EC", builder.get());
}

// nullopt: a curve this plugin does not verify with (X25519 and X448 are for key agreement).
std::optional<EVP_PKEY*> okp_key(const KeyReader& reader, const std::string& curve) {
    int type = 0;
    std::size_t size = 0;
    if (curve == "Ed25519") {
        type = EVP_PKEY_ED25519;
        size = 32;
    } else if (curve == "Ed448") {
        type = EVP_PKEY_ED448;
        size = 57;
    } else {
        return std::nullopt;
    }
    const std::string x = reader.bytes("x", size);
    EVP_PKEY* key = EVP_PKEY_new_raw_public_key(
        type, nullptr, reinterpret_cast<const unsigned char*>(x.data()), x.size());
    if (key == nullptr) reader.refuse("not a valid " + curve + " public key");
    return key;
}

// One key; nullopt with `skipped` set when the set may hold it but this plugin cannot use it.
std::optional<VerifyKey> read_key(const Json& jwk, std::size_t index, std::string& skipped) {
    if (!jwk.is_object()) throw JwksError{"key " + std::to_string(index) + " is not an object"};
    const auto kid_member = jwk.find("kid");
    if (kid_member != jwk.end() && !kid_member->is_string()) {
        throw JwksError{"key " + std::to_string(index) + ": \"kid\" must be a string"};
    }
    VerifyKey key;
    key.kid = kid_member != jwk.end() ? kid_member->get<std::string>() : "";
    const std::string name = name_of(index, key.kid);
    const KeyReader reader{jwk, name};
    key.source = "jwks_file " + name;

    const auto kty = reader.text("kty");
    if (!kty) reader.refuse("\"kty\" is missing");
    if (const auto use = reader.text("use"); use && *use != "sig") {
        skipped = name + " skipped: use \"" + *use + "\" is not \"sig\"";
        return std::nullopt;
    }
    if (const auto ops = jwk.find("key_ops"); ops != jwk.end()) {
        if (!ops->is_array()) reader.refuse("\"key_ops\" must be an array");
        if (std::find(ops->begin(), ops->end(), Json("verify")) == ops->end()) {
            skipped = name + " skipped: its key_ops do not include \"verify\"";
            return std::nullopt;
        }
    }

    std::optional<EVP_PKEY*> parsed;
    if (*kty == "oct") {
        key.kind = KeyKind::hmac;
        key.material = reader.bytes("k");
    } else if (*kty == "RSA") {
        parsed = rsa_key(reader);
    } else if (*kty == "EC" || *kty == "OKP") {
        const auto curve = reader.text("crv");
        if (!curve) reader.refuse("\"crv\" is missing");
        parsed = *kty == "EC" ? ec_key(reader, *curve) : okp_key(reader, *curve);
        if (!parsed) {
            skipped = name + " skipped: curve \"" + *curve + "\" is not supported";
            return std::nullopt;
        }
    } else {
        skipped = name + " skipped: key type \"" + *kty + "\" is not supported";
        return std::nullopt;
    }
    if (parsed) {
        key.public_key = share_key(*parsed);
        try {
            key.kind = kind_of(key.public_key.get());
            key.material = public_pem_of(key.public_key.get());
        } catch (const UnusableKey& unusable) {
            reader.refuse(std::string{"is "} + unusable.what());
        }
    }
    if (const auto alg = reader.text("alg")) {
        if (!accepts(key.kind, *alg)) {
            reader.refuse("\"alg\" " + *alg + " does not fit the key (it verifies " +
                          std::string{accepted_algorithms(key.kind)} + ")");
        }
        key.alg = *alg;
    }
    return key;
}

}  // namespace

JwksKeys parse_jwks(std::string_view text) {
    const Json set = Json::parse(text, nullptr, false);
    if (set.is_discarded()) throw JwksError{"not JSON"};
    if (!set.is_object()) throw JwksError{"not a JSON object (expected {\"keys\": [...]})"};
    const auto keys = set.find("keys");
    if (keys == set.end() || !keys->is_array()) {
        throw JwksError{"no \"keys\" array (expected {\"keys\": [...]})"};
    }
    if (keys->size() > max_jwks_keys) {
        throw JwksError{"holds " + std::to_string(keys->size()) + " keys, more than " +
                        std::to_string(max_jwks_keys)};
    }
    JwksKeys result;
    std::size_t index = 0;
    for (const Json& jwk : *keys) {
        std::string skipped;
        if (auto key = read_key(jwk, index++, skipped)) {
            result.keys.push_back(std::move(*key));
        } else {
            result.skipped.push_back(std::move(skipped));
        }
    }
    return result;
}

}  // namespace notify::jwt
