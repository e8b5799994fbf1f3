#pragma once

#include <string>

namespace notify::cli::testing {

struct PemCertificate {
    std::string certificate_pem;
    std::string private_key_pem;
};

// A fresh P-256 key and a one-day certificate for `host` (CN and DNS SAN), signed by itself:
// trusted by nobody, so clients that verify certificates must refuse it.
PemCertificate make_self_signed_certificate(const std::string& host);

}  // namespace notify::cli::testing
