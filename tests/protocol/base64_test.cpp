#include <notify/protocol/json.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using notify::protocol::base64_decode;
using notify::protocol::base64_encode;

TEST(Base64, EncodesTheRfc4648TestVectors) {
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
    EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesTheRfc4648TestVectors) {
    EXPECT_EQ(base64_decode(""), "");
    EXPECT_EQ(base64_decode("Zg=="), "f");
    EXPECT_EQ(base64_decode("Zm8="), "fo");
    EXPECT_EQ(base64_decode("Zm9v"), "foo");
    EXPECT_EQ(base64_decode("Zm9vYg=="), "foob");
    EXPECT_EQ(base64_decode("Zm9vYmE="), "fooba");
    EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
}

TEST(Base64, UsesTheStandardAlphabetForTheHighSextets) {
    EXPECT_EQ(base64_encode("\xFB\xFF\xBF"), "+/+/");
    EXPECT_EQ(base64_decode("+/+/"), "\xFB\xFF\xBF");
}

TEST(Base64, RoundTripsAllByteValuesAtEveryTailLength) {
    std::string all_bytes;
    for (int value = 0; value < 256; ++value) {
        all_bytes += static_cast<char>(value);
    }
    for (std::size_t length = 0; length <= all_bytes.size(); ++length) {
        const std::string bytes = all_bytes.substr(all_bytes.size() - length);
        EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes) << "length " << length;
    }
}

TEST(Base64, RejectsLengthsThatAreNotAMultipleOfFour) {
    EXPECT_EQ(base64_decode("Zg"), std::nullopt);
    EXPECT_EQ(base64_decode("Zg="), std::nullopt);
    EXPECT_EQ(base64_decode("Zm9vY"), std::nullopt);
}

TEST(Base64, RejectsMisplacedPadding) {
    EXPECT_EQ(base64_decode("===="), std::nullopt);
    EXPECT_EQ(base64_decode("Z==="), std::nullopt);
    EXPECT_EQ(base64_decode("Zg==Zg=="), std::nullopt);
    EXPECT_EQ(base64_decode("Z=g="), std::nullopt);
}

TEST(Base64, RejectsCharactersOutsideTheStandardAlphabet) {
    EXPECT_EQ(base64_decode("Zm-_"), std::nullopt);   // URL-safe alphabet
    EXPECT_EQ(base64_decode("Zm9v\n"), std::nullopt);
    EXPECT_EQ(base64_decode("Zm 9"), std::nullopt);
    EXPECT_EQ(base64_decode(std::string("Zm\0v", 4)), std::nullopt);
    EXPECT_EQ(base64_decode("Zm\xC3\xA9"), std::nullopt);
}

TEST(Base64, RejectsNonZeroUnusedBitsSoEachByteStringHasOneEncoding) {
    EXPECT_EQ(base64_decode("Zh=="), std::nullopt);
    EXPECT_EQ(base64_decode("Zm9="), std::nullopt);
}

}  // namespace
