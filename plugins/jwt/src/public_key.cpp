#include "public_key.hpp"

#include <openssl/bio.h>
#include <openssl/pem.h>

#include <string_view>

namespace notify::jwt {

KeyKind kind_of(EVP_PKEY* key) {
    const int type = EVP_PKEY_get_base_id(key);
    if (type == EVP_PKEY_RSA) {
        const int bits = EVP_PKEY_get_bits(key);
        if (bits < 2048) {
            throw UnusableKey{"an RSA key of " + std::to_string(bits) +
                              " bits; at least 2048 are required"};
        }
        return KeyKind::rsa;
    }
    if (type == EVP_PKEY_EC) {
        char group[64] = {};
        std::size_t group_len = 0;
        if (EVP_PKEY_get_group_name(key, group, sizeof group, &group_len) != 1) {
            throw UnusableKey{"an EC key of unknown curve"};
        }
        const std::string_view name{group, group_len};
        if (name == "prime256v1" || name == "P-256") return KeyKind::ec_p256;
        if (name == "secp384r1" || name == "P-384") return KeyKind::ec_p384;
        if (name == "secp521r1" || name == "P-521") return KeyKind::ec_p521;
        throw UnusableKey{"an EC key on curve " + std::string{name} +
                          "; only P-256, P-384 and P-521 are supported"};
    }
    if (type == EVP_PKEY_ED25519) return KeyKind::ed25519;
    if (type == EVP_PKEY_ED448) return KeyKind::ed448;
    throw UnusableKey{"neither an RSA, an EC, an Ed25519 nor an Ed448 public key"};
}

std::string public_pem_of(EVP_PKEY* key) {
    const std::unique_ptr<BIO, int (*)(BIO*)> bio{BIO_new(BIO_s_mem()), &BIO_free};
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) {
        throw UnusableKey{"a key OpenSSL cannot write as PEM"};
    }
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return std::string{data, static_cast<std::size_t>(len)};
}

}  // namespace notify::jwt
