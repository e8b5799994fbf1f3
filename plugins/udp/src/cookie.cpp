#include "cookie.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

namespace notify::udp {
namespace {

constexpr auto tick = std::chrono::milliseconds(10);

void random_bytes(uint8_t *out, size_t size) {
    if (RAND_bytes(out, static_cast<int>(size)) != 1) {
        throw std::runtime_error("udp: the OpenSSL random generator failed");
    }
}

}  // namespace

CookieJar::CookieJar(std::chrono::milliseconds lifetime)
    : epoch_(Clock::now()),
      lifetime_ticks_(static_cast<uint32_t>((lifetime + tick - std::chrono::milliseconds(1)) /
                                            tick)) {
    random_bytes(secret_.data(), secret_.size());
}

uint32_t CookieJar::now_tick() const {
    return static_cast<uint32_t>((Clock::now() - epoch_) / tick);
}

std::array<uint8_t, wire::cookie_mac_size> CookieJar::mac(uint32_t ipv4, uint16_t port,
                                                          uint32_t at_tick) const {
    wire::Bytes input;
    wire::put_u32(input, ipv4);
    wire::put_u16(input, port);
    wire::put_u32(input, at_tick);
    std::array<uint8_t, wire::cookie_mac_size> out{};
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()), input.data(),
             input.size(), out.data(), &length) == nullptr ||
        length != out.size()) {
        throw std::runtime_error("udp: HMAC-SHA256 failed");
    }
    return out;
}

Cookie CookieJar::make(uint32_t ipv4, uint16_t port) const {
    const uint32_t at_tick = now_tick();
    wire::Bytes stamp;
    wire::put_u32(stamp, at_tick);
    Cookie cookie{};
    std::copy(stamp.begin(), stamp.end(), cookie.begin());
    const auto tag = mac(ipv4, port, at_tick);
    std::copy(tag.begin(), tag.end(), cookie.begin() + 4);
    return cookie;
}

CookieCheck CookieJar::check(uint32_t ipv4, uint16_t port, wire::View cookie) const {
    if (cookie.size() != wire::cookie_size) {
        return CookieCheck::forged;
    }
    const uint32_t at_tick = wire::get_u32(cookie, 0);
    const auto expected = mac(ipv4, port, at_tick);
    if (CRYPTO_memcmp(expected.data(), cookie.data() + 4, expected.size()) != 0) {
        return CookieCheck::forged;
    }
    const uint32_t now = now_tick();
    if (at_tick > now || now - at_tick > lifetime_ticks_) {
        return CookieCheck::expired;
    }
    return CookieCheck::valid;
}

uint64_t random_session_id() {
    uint64_t id = 0;
    while (id == 0) {
        std::array<uint8_t, 8> bytes{};
        random_bytes(bytes.data(), bytes.size());
        id = wire::get_u64(bytes, 0);
    }
    return id;
}

}  // namespace notify::udp
