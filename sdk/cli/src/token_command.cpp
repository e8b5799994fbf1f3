// notify-cli token: a development HS256 JWT (RFC 7519) for the jwt auth plugin's tokens:
// connection tokens (sub, topics, info) and subscription tokens (topic, client).
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>
#include <notify/protocol/json.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "cli_error.hpp"
#include "commands.hpp"

namespace notify::cli {
namespace {

// base64url without padding (RFC 7515 §2): the standard alphabet's + and / become - and _.
std::string base64url(std::string_view bytes) {
    std::string text = protocol::base64_encode(bytes);
    while (!text.empty() && text.back() == '=') text.pop_back();
    for (char& c : text) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
    }
    return text;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (key.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
        HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data(),
             &size) == nullptr) {
        throw CliError(ExitCode::failure, "token: HMAC-SHA256 failed");
    }
    return std::string(reinterpret_cast<const char*>(digest.data()), size);
}

std::vector<std::string> split_topics(const std::string& text) {
    std::vector<std::string> topics;
    std::size_t start = 0;
    for (;;) {
        const auto comma = text.find(',', start);
        std::string topic = text.substr(start, comma == std::string::npos ? std::string::npos
                                                                           : comma - start);
        if (!protocol::is_valid_topic(topic)) {
            throw CliError(ExitCode::failure,
                           "--topics: '" + topic + "' is not a topic name (in '" + text + "')");
        }
        topics.push_back(std::move(topic));
        if (comma == std::string::npos) return topics;
        start = comma + 1;
    }
}

}  // namespace

std::optional<std::uint64_t> parse_duration_seconds(const std::string& text) {
    if (text.empty()) return std::nullopt;
    std::uint64_t unit = 1;
    std::string digits = text;
    switch (text.back()) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        default: unit = 0; break;
    }
    if (unit != 0) {
        digits.pop_back();
    } else {
        unit = 1;
    }
    if (digits.empty() || digits.size() > 12) return std::nullopt;
    std::uint64_t value = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return value * unit;
}

int run_token(const TokenOptions& options) {
    const char* secret = std::getenv(options.secret_env.c_str());
    if (secret == nullptr || *secret == '\0') {
        throw CliError(ExitCode::failure, "token: the environment variable " + options.secret_env +
                                              " (--secret-env) is not set or empty");
    }
    const auto ttl = parse_duration_seconds(options.ttl);
    if (!ttl) throw CliError(ExitCode::failure, "token: invalid --ttl '" + options.ttl + "'");

    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    nlohmann::json claims = nlohmann::json::object();
    claims["iat"] = now;
    if (*ttl != 0) claims["exp"] = static_cast<std::uint64_t>(now) + *ttl;
    if (!options.subject.empty()) claims["sub"] = options.subject;
    if (!options.topics.empty()) claims["topics"] = split_topics(options.topics);
    if (!options.info.empty()) {
        const auto info = nlohmann::json::parse(options.info, nullptr, false);
        if (info.is_discarded() || !info.is_object()) {
            throw CliError(ExitCode::failure,
                           "--info must be a JSON object, not '" + options.info + "'");
        }
        claims["info"] = info;
    }
    if (!options.topic.empty()) {
        if (!protocol::is_valid_topic(options.topic)) {
            throw CliError(ExitCode::failure,
                           "--topic: '" + options.topic + "' is not a topic name");
        }
        claims["topic"] = options.topic;
    }
    if (!options.client.empty()) claims["client"] = options.client;
    if (!options.issuer.empty()) claims["iss"] = options.issuer;
    if (!options.audience.empty()) claims["aud"] = options.audience;

    const std::string signing_input = base64url(R"({"alg":"HS256","typ":"JWT"})") + "." +
                                      base64url(claims.dump());
    const std::string token =
        signing_input + "." + base64url(hmac_sha256(secret, signing_input));
    std::fwrite(token.data(), 1, token.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
    return static_cast<int>(ExitCode::success);
}

}  // namespace notify::cli
