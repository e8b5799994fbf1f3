#include "runtime/random_id.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <random>
#include <vector>

namespace notify::runtime {
namespace {

void fill_random(std::vector<std::uint8_t>& bytes) {
    std::size_t filled = 0;
    while (filled < bytes.size()) {
        const ssize_t got = getrandom(bytes.data() + filled, bytes.size() - filled, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            break;
        }
        filled += static_cast<std::size_t>(got);
    }
    if (filled == bytes.size()) return;
    std::random_device device;
    for (std::size_t i = filled; i < bytes.size(); ++i) {
        bytes[i] = static_cast<std::uint8_t>(device() & 0xffu);
    }
}

}  // namespace

std::string random_hex(std::size_t hex_chars) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::vector<std::uint8_t> bytes((hex_chars + 1) / 2);
    fill_random(bytes);
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const std::uint8_t byte : bytes) {
        out.push_back(kDigits[byte >> 4]);
        out.push_back(kDigits[byte & 0x0f]);
    }
    out.resize(hex_chars);
    return out;
}

}  // namespace notify::runtime
