#include "jwt_tokens.hpp"

#include <gtest/gtest.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <memory>

namespace notify::test::jwt_tokens {
namespace {

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

std::string pem_of(EVP_PKEY* pkey, bool private_part) {
    const std::unique_ptr<BIO, decltype(&BIO_free)> bio{BIO_new(BIO_s_mem()), &BIO_free};
    const int written = private_part ? PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr,
                                                                0, nullptr, nullptr)
                                     : PEM_write_bio_PUBKEY(bio.get(), pkey);
    EXPECT_EQ(written, 1);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return std::string{data, static_cast<std::size_t>(len)};
}

KeyPair finish(EVP_PKEY* raw, const std::filesystem::path& folder, const std::string& file_name) {
    const PkeyPtr pkey{raw, &EVP_PKEY_free};
    EXPECT_NE(raw, nullptr);
    KeyPair pair;
    if (raw == nullptr) return pair;
    pair.private_pem = pem_of(raw, true);
    pair.public_pem = pem_of(raw, false);
    pair.public_file = folder / file_name;
    std::ofstream{pair.public_file} << pair.public_pem;
    return pair;
}

// PS* (RSA-PSS, salt as long as the digest) and EdDSA, which libjwt 1.10 cannot sign.
std::string sign_with_openssl(std::string_view alg, std::string_view private_pem,
                              const std::string& claims_json, const std::string& kid) {
    const std::string kid_member = kid.empty() ? "" : R"(,"kid":")" + kid + "\"";
    const std::string signed_part =
        base64url(R"({"alg":")" + std::string{alg} + R"(","typ":"JWT")" + kid_member + "}") +
        "." + base64url(claims_json);
    const std::unique_ptr<BIO, decltype(&BIO_free)> bio{
        BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size())), &BIO_free};
    const PkeyPtr key{PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr),
                      &EVP_PKEY_free};
    EXPECT_NE(key, nullptr);
    if (!key) return {};
    const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context{EVP_MD_CTX_new(),
                                                                          &EVP_MD_CTX_free};
    const EVP_MD* digest = alg == "PS256"   ? EVP_sha256()
                           : alg == "PS384" ? EVP_sha384()
                           : alg == "PS512" ? EVP_sha512()
                                            : nullptr;
    EVP_PKEY_CTX* key_context = nullptr;
    EXPECT_EQ(EVP_DigestSignInit(context.get(), &key_context, digest, nullptr, key.get()), 1);
    if (digest != nullptr) {
        EXPECT_EQ(EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING), 1);
        EXPECT_EQ(EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, RSA_PSS_SALTLEN_DIGEST), 1);
    }
    std::size_t size = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(signed_part.data());
    EXPECT_EQ(EVP_DigestSign(context.get(), nullptr, &size, data, signed_part.size()), 1);
    std::string signature(size, '\0');
    EXPECT_EQ(EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()),
                             &size, data, signed_part.size()),
              1);
    signature.resize(size);
    return signed_part + "." + base64url(signature);
}

}  // namespace

KeyPair generate_rsa(int bits, const std::filesystem::path& folder, const std::string& file_name) {
    return finish(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits)),
                  folder, file_name);
}

KeyPair generate_ec(const char* curve, const std::filesystem::path& folder,
                    const std::string& file_name) {
    return finish(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve), folder, file_name);
}

KeyPair generate_ed(const char* type, const std::filesystem::path& folder,
                    const std::string& file_name) {
    return finish(EVP_PKEY_Q_keygen(nullptr, nullptr, type), folder, file_name);
}

std::string sign(std::string_view alg, std::string_view key, const std::string& claims_json,
                 const std::string& kid) {
    if (alg == "PS256" || alg == "PS384" || alg == "PS512" || alg == "EdDSA") {
        return sign_with_openssl(alg, key, claims_json, kid);
    }
    jwt_t* raw = nullptr;
    EXPECT_EQ(jwt_new(&raw), 0);
    const std::unique_ptr<jwt_t, decltype(&jwt_free)> token{raw, &jwt_free};
    EXPECT_EQ(jwt_add_grants_json(token.get(), claims_json.c_str()), 0) << claims_json;
    if (!kid.empty()) {
        EXPECT_EQ(jwt_add_header(token.get(), "kid", kid.c_str()), 0);
    }
    const std::string alg_text{alg};
    const jwt_alg_t alg_id = jwt_str_alg(alg_text.c_str());
    EXPECT_EQ(
        jwt_set_alg(token.get(), alg_id,
                    key.empty() ? nullptr : reinterpret_cast<const unsigned char*>(key.data()),
                    static_cast<int>(key.size())),
        0)
        << alg;
    char* encoded = jwt_encode_str(token.get());
    EXPECT_NE(encoded, nullptr);
    std::string text = encoded != nullptr ? encoded : "";
    std::free(encoded);
    return text;
}

std::string jwk_of(const KeyPair& pair, const std::string& kid, const std::string& alg) {
    const std::unique_ptr<BIO, decltype(&BIO_free)> bio{
        BIO_new_mem_buf(pair.public_pem.data(), static_cast<int>(pair.public_pem.size())),
        &BIO_free};
    const PkeyPtr key{PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free};
    EXPECT_NE(key, nullptr);
    if (!key) return "{}";
    std::string members;
    const auto big_number = [&](const char* parameter) {
        BIGNUM* raw = nullptr;
        EXPECT_EQ(EVP_PKEY_get_bn_param(key.get(), parameter, &raw), 1) << parameter;
        const std::unique_ptr<BIGNUM, decltype(&BN_free)> number{raw, &BN_free};
        std::string bytes(static_cast<std::size_t>(BN_num_bytes(raw)), '\0');
        BN_bn2bin(raw, reinterpret_cast<unsigned char*>(bytes.data()));
        return base64url(bytes);
    };
    switch (EVP_PKEY_get_base_id(key.get())) {
        case EVP_PKEY_RSA:
            members = R"("kty":"RSA","n":")" + big_number(OSSL_PKEY_PARAM_RSA_N) + R"(","e":")" +
                      big_number(OSSL_PKEY_PARAM_RSA_E) + "\"";
            break;
        case EVP_PKEY_EC: {
            char group[64] = {};
            std::size_t group_len = 0;
            EXPECT_EQ(EVP_PKEY_get_group_name(key.get(), group, sizeof group, &group_len), 1);
            const std::string name{group, group_len};
            const std::string crv = name == "prime256v1" ? "P-256"
                                    : name == "secp384r1" ? "P-384"
                                                          : "P-521";
            unsigned char point[200] = {};
            std::size_t point_len = 0;
            EXPECT_EQ(EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, point,
                                                      sizeof point, &point_len),
                      1);
            EXPECT_EQ(point[0], 0x04) << "not an uncompressed point";
            const std::size_t half = (point_len - 1) / 2;
            const std::string_view bytes{reinterpret_cast<const char*>(point) + 1, point_len - 1};
            members = R"("kty":"EC","crv":")" + crv + R"(","x":")" +
                      base64url(bytes.substr(0, half)) + R"(","y":")" +
                      base64url(bytes.substr(half)) + "\"";
            break;
        }
        default: {
            const bool ed25519 = EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_ED25519;
            unsigned char raw[64] = {};
            std::size_t raw_len = sizeof raw;
            EXPECT_EQ(EVP_PKEY_get_raw_public_key(key.get(), raw, &raw_len), 1);
            members = R"("kty":"OKP","crv":")" + std::string{ed25519 ? "Ed25519" : "Ed448"} +
                      R"(","x":")" +
                      base64url(std::string_view{reinterpret_cast<const char*>(raw), raw_len}) +
                      "\"";
        }
    }
    if (!kid.empty()) members += R"(,"kid":")" + kid + "\"";
    if (!alg.empty()) members += R"(,"alg":")" + alg + "\"";
    return "{" + members + "}";
}

std::string base64url(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                    reinterpret_cast<const unsigned char*>(bytes.data()),
                                    static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(len));
    while (!out.empty() && out.back() == '=') out.pop_back();
    std::replace(out.begin(), out.end(), '+', '-');
    std::replace(out.begin(), out.end(), '/', '_');
    return out;
}

}  // namespace notify::test::jwt_tokens
