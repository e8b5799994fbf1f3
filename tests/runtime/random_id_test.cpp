#include "runtime/random_id.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace notify::runtime::test {
namespace {

TEST(RandomId, HasTheRequestedNumberOfLowercaseHexDigits) {
    for (const std::size_t length : {16u, 32u, 7u}) {
        const std::string id = random_hex(length);
        EXPECT_EQ(id.size(), length);
        EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    }
}

TEST(RandomId, DoesNotRepeat) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) seen.insert(random_hex(16));
    EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace notify::runtime::test
