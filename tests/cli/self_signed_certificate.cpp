#include "self_signed_certificate.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace notify::cli::testing {
namespace {

template <auto Free>
struct OpenSslDeleter {
    template <class T>
    void operator()(T* object) const { Free(object); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using CertificatePtr = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION_free>>;

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("OpenSSL: ") + what + " failed");
}

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

PemCertificate make_self_signed_certificate(const std::string& host) {
    KeyPtr key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EVP_EC_gen");
    CertificatePtr certificate(X509_new());
    check(certificate != nullptr, "X509_new");
    check(X509_set_version(certificate.get(), 2) == 1, "X509_set_version");
    check(ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), 1) == 1, "serial");
    check(X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 24 * 3600) != nullptr, "notAfter");
    check(X509_set_pubkey(certificate.get(), key.get()) == 1, "X509_set_pubkey");
    X509_NAME* name = X509_get_subject_name(certificate.get());
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(host.c_str()), -1,
                                     -1, 0) == 1,
          "subject CN");
    check(X509_set_issuer_name(certificate.get(), name) == 1, "X509_set_issuer_name");
    const std::string alt_name = "DNS:" + host;
    ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name,
                                               alt_name.c_str()));
    check(extension != nullptr, "subjectAltName");
    check(X509_add_ext(certificate.get(), extension.get(), -1) == 1, "X509_add_ext");
    check(X509_sign(certificate.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

    BioPtr certificate_bio(BIO_new(BIO_s_mem()));
    BioPtr key_bio(BIO_new(BIO_s_mem()));
    check(certificate_bio && key_bio, "BIO_new");
    check(PEM_write_bio_X509(certificate_bio.get(), certificate.get()) == 1, "PEM certificate");
    check(PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                   nullptr) == 1,
          "PEM key");
    return {bio_text(certificate_bio.get()), bio_text(key_bio.get())};
}

}  // namespace notify::cli::testing
