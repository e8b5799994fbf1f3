// Stateless handshake cookies: HMAC-SHA256 over the client's address and a coarse timestamp,
// keyed by a secret made when the instance starts. Nothing is stored per client.
#pragma once

#include <notify/udp/wire.hpp>

#include <array>
#include <chrono>
#include <cstdint>

namespace notify::udp {

using Cookie = std::array<uint8_t, wire::cookie_size>;

enum class CookieCheck { valid, forged, expired };

class CookieJar {
public:
    // Draws the secret from OpenSSL's CSPRNG; throws std::runtime_error if it cannot.
    explicit CookieJar(std::chrono::milliseconds lifetime);

    Cookie make(uint32_t ipv4, uint16_t port) const;
    CookieCheck check(uint32_t ipv4, uint16_t port, wire::View cookie) const;

private:
    using Clock = std::chrono::steady_clock;
    // 10 ms ticks since the jar was made: a u32 covers 497 days.
    uint32_t now_tick() const;
    std::array<uint8_t, wire::cookie_mac_size> mac(uint32_t ipv4, uint16_t port,
                                                   uint32_t tick) const;

    std::array<uint8_t, 32> secret_{};
    Clock::time_point epoch_;
    uint32_t lifetime_ticks_;
};

// 64 random bits from OpenSSL's CSPRNG, never 0; throws std::runtime_error if it cannot.
uint64_t random_session_id();

}  // namespace notify::udp
