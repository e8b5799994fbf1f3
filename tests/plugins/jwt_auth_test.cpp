#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fake_host.hpp"
#include "jwt_tokens.hpp"
#include "plugin_library.hpp"

namespace notify::test {
namespace {

namespace tokens = jwt_tokens;

// 2027-01-15T08:00:00Z: every test runs at this instant of the fake host's clock.
constexpr std::int64_t now_s = 1'800'000'000;
constexpr std::int64_t now_ms = now_s * 1000;
const std::string secret = "0123456789abcdef0123456789abcdef-test-secret";
const std::string previous_secret = "fedcba9876543210fedcba9876543210-old-secret";
constexpr const char* secret_env = "NOTIFY_JWT_TEST_SECRET";
constexpr const char* previous_secret_env = "NOTIFY_JWT_TEST_PREVIOUS_SECRET";
const std::string rotated_secret = "89abcdef0123456789abcdef01234567-rotated-secret";
constexpr const char* rotated_secret_env = "NOTIFY_JWT_TEST_ROTATED_SECRET";

struct Answer {
    notify_status status = NOTIFY_OK;
    notify_auth_decision decision = NOTIFY_AUTH_DEFER;
    std::string client_id;
    std::string user_id;
    std::string reason;
    std::uint32_t error_code = 0;
    std::int64_t expires_at_ms = 0;
    std::string info;
    std::vector<std::string> topics;
};

notify_str view(const std::string& text) {
    return notify_str{text.data(), text.size()};
}

std::string copy(notify_str text) {
    return text.len == 0 ? std::string{} : std::string{text.data, text.len};
}

Answer answer_of(notify_status status, const notify_auth_result& result) {
    Answer answer;
    answer.status = status;
    answer.decision = result.decision;
    answer.client_id = copy(result.client_id);
    answer.user_id = copy(result.user_id);
    answer.reason = copy(result.reason);
    answer.error_code = result.error_code;
    answer.expires_at_ms = result.expires_at_ms;
    answer.info = copy(result.info);
    for (std::size_t i = 0; i < result.topic_count; ++i) {
        answer.topics.push_back(copy(result.topics[i]));
    }
    return answer;
}

// The result as the host prepares it (ABI 1.4): size preset, zeroed, DEFER.
notify_auth_result fresh_result() {
    notify_auth_result result{};
    result.size = sizeof result;
    result.decision = NOTIFY_AUTH_DEFER;
    return result;
}

std::string claims(const std::string& sub, const std::string& extra = "") {
    std::string json = R"({"sub":")" + sub + R"(","exp":)" + std::to_string(now_s + 600) +
                       R"(,"iat":)" + std::to_string(now_s - 10);
    if (!extra.empty()) json += "," + extra;
    return json + "}";
}

std::string with(const std::string& key, std::int64_t value) {
    return "\"" + key + "\":" + std::to_string(value);
}

class JwtAuthTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        folder_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                            ("notify-jwt-test-" + std::to_string(getpid())));
        std::filesystem::create_directories(*folder_);
        rsa_ = new tokens::KeyPair(tokens::generate_rsa(2048, *folder_, "rsa.pem"));
        other_rsa_ = new tokens::KeyPair(tokens::generate_rsa(2048, *folder_, "other_rsa.pem"));
        p256_ = new tokens::KeyPair(tokens::generate_ec("P-256", *folder_, "p256.pem"));
        p384_ = new tokens::KeyPair(tokens::generate_ec("P-384", *folder_, "p384.pem"));
        ed25519_ = new tokens::KeyPair(tokens::generate_ed("ED25519", *folder_, "ed25519.pem"));
        ed448_ = new tokens::KeyPair(tokens::generate_ed("ED448", *folder_, "ed448.pem"));
        other_ed25519_ =
            new tokens::KeyPair(tokens::generate_ed("ED25519", *folder_, "other_ed25519.pem"));
    }

    static void TearDownTestSuite() {
        std::filesystem::remove_all(*folder_);
        delete rsa_;
        delete other_rsa_;
        delete p256_;
        delete p384_;
        delete ed25519_;
        delete ed448_;
        delete other_ed25519_;
        delete folder_;
    }

    void SetUp() override {
        ASSERT_NE(library_.descriptor(), nullptr);
        ::setenv(secret_env, secret.c_str(), 1);
        ::setenv(previous_secret_env, previous_secret.c_str(), 1);
        ::setenv(rotated_secret_env, rotated_secret.c_str(), 1);
        host_.now_ms = now_ms;
    }

    void TearDown() override {
        ::unsetenv(secret_env);
        ::unsetenv(previous_secret_env);
        ::unsetenv(rotated_secret_env);
    }

    // An instance of the current config_values; the test fails when create() does.
    PluginInstance& make() {
        instance_ = std::make_unique<PluginInstance>(library_, host_);
        EXPECT_TRUE(instance_->created()) << instance_->create_error();
        return *instance_;
    }

    PluginInstance& make_hmac() {
        host_.config_values["hmac_secret_env"] = std::string{secret_env};
        return make();
    }

    // create() must fail; returns its message.
    std::string create_error() {
        PluginInstance instance{library_, host_};
        EXPECT_FALSE(instance.created());
        EXPECT_LT(instance.create_status(), 0);
        return instance.create_error();
    }

    struct Reconfigured {
        notify_status status = NOTIFY_OK;
        std::string error;
    };

    // What a SIGHUP does to the instance: descriptor->reconfigure with the current config_values.
    Reconfigured reconfigure() {
        notify_error err{};
        const notify_status status =
            library_.descriptor()->reconfigure(instance_->get(), host_.config(), &err);
        return Reconfigured{status, err.message};
    }

    // The log lines that start with `prefix`.
    std::vector<std::string> logs_starting(const std::string& prefix) const {
        std::vector<std::string> found;
        for (const std::string& line : host_.logs()) {
            if (line.starts_with(prefix)) found.push_back(line);
        }
        return found;
    }

    Answer authenticate(const std::string& token,
                        std::uint32_t purpose = NOTIFY_AUTH_PURPOSE_CONNECT,
                        const std::string& user_id = "") {
        notify_auth_request request{};
        request.size = sizeof request;
        request.request_id = 7;
        request.token = view(token);
        request.user_id = view(user_id);
        request.purpose = purpose;
        notify_auth_result result = fresh_result();
        notify_error err{};
        const notify_status status =
            library_.descriptor()->auth->authenticate(instance_->get(), &request, &result, &err);
        return answer_of(status, result);
    }

    Answer subscribe(const std::string& token, const std::string& topic, const std::string& user,
                     const std::string& client = "client-1") {
        notify_authz_request request{};
        request.size = sizeof request;
        request.request_id = 9;
        request.client_id = view(client);
        request.user_id = view(user);
        request.topic = view(topic);
        request.token = view(token);
        notify_auth_result result = fresh_result();
        notify_error err{};
        const notify_status status = library_.descriptor()->auth->authorize_subscribe(
            instance_->get(), &request, &result, &err);
        return answer_of(status, result);
    }

    std::string hs256(const std::string& payload) { return tokens::sign("HS256", secret, payload); }

    // Writes a JWK Set of `keys` (JSON objects as text) to `name` and returns its path.
    static std::string write_jwks(const std::string& name, const std::vector<std::string>& keys) {
        std::string set = R"({"keys":[)";
        for (std::size_t i = 0; i < keys.size(); ++i) set += (i == 0 ? "" : ",") + keys[i];
        set += "]}";
        const auto file = *folder_ / name;
        std::ofstream{file, std::ios::trunc} << set;
        return file.string();
    }

    // create() with `jwks_file` holding `text` must fail; returns its message.
    std::string jwks_create_error(const std::string& text) {
        const auto file = *folder_ / "bad_jwks.json";
        std::ofstream{file, std::ios::trunc} << text;
        host_.config_values["jwks_file"] = file.string();
        return create_error();
    }

    static void expect_denied(const Answer& answer, const std::string& reason_part,
                              std::uint32_t code = NOTIFY_AUTH_ERROR_UNAUTHORIZED) {
        EXPECT_EQ(answer.status, NOTIFY_OK);
        EXPECT_EQ(answer.decision, NOTIFY_AUTH_DENY);
        EXPECT_NE(answer.reason.find(reason_part), std::string::npos)
            << "reason: " << answer.reason << "\nexpected to contain: " << reason_part;
        EXPECT_EQ(answer.error_code, code) << answer.reason;
        EXPECT_EQ(answer.user_id, "");
    }

    static void expect_allowed(const Answer& answer, const std::string& user) {
        EXPECT_EQ(answer.status, NOTIFY_OK);
        EXPECT_EQ(answer.decision, NOTIFY_AUTH_ALLOW) << answer.reason;
        EXPECT_EQ(answer.user_id, user);
        EXPECT_EQ(answer.client_id, "");
    }

    static std::filesystem::path* folder_;
    static tokens::KeyPair* rsa_;
    static tokens::KeyPair* other_rsa_;
    static tokens::KeyPair* p256_;
    static tokens::KeyPair* p384_;
    static tokens::KeyPair* ed25519_;
    static tokens::KeyPair* ed448_;
    static tokens::KeyPair* other_ed25519_;

    PluginLibrary library_{"jwt"};
    FakeHost host_;
    std::unique_ptr<PluginInstance> instance_;
};

std::filesystem::path* JwtAuthTest::folder_ = nullptr;
tokens::KeyPair* JwtAuthTest::rsa_ = nullptr;
tokens::KeyPair* JwtAuthTest::other_rsa_ = nullptr;
tokens::KeyPair* JwtAuthTest::p256_ = nullptr;
tokens::KeyPair* JwtAuthTest::p384_ = nullptr;
tokens::KeyPair* JwtAuthTest::ed25519_ = nullptr;
tokens::KeyPair* JwtAuthTest::ed448_ = nullptr;
tokens::KeyPair* JwtAuthTest::other_ed25519_ = nullptr;

// ---- the descriptor ------------------------------------------------------------------------

TEST_F(JwtAuthTest, DeclaresAnAuthPluginThatVerifiesSubscribeAndDefersPublish) {
    EXPECT_EQ(library_.descriptor()->kinds, static_cast<std::uint32_t>(NOTIFY_KIND_AUTH));
    ASSERT_NE(library_.descriptor()->auth, nullptr);
    EXPECT_NE(library_.descriptor()->auth->authorize_subscribe, nullptr);
    EXPECT_EQ(library_.descriptor()->auth->authorize_publish, nullptr);
    EXPECT_TRUE(NOTIFY_HAS_FIELD(library_.descriptor(), notify_plugin_descriptor, reconfigure));
    EXPECT_NE(library_.descriptor()->reconfigure, nullptr);
}

// ---- positives -----------------------------------------------------------------------------

TEST_F(JwtAuthTest, HmacTokensOfEachSizeAllowTheirSubject) {
    make_hmac();
    for (const char* alg : {"HS256", "HS384", "HS512"}) {
        const Answer answer = authenticate(tokens::sign(alg, secret, claims("alice")));
        expect_allowed(answer, "alice");
        EXPECT_EQ(answer.expires_at_ms, (now_s + 600) * 1000) << alg;
    }
}

TEST_F(JwtAuthTest, Rs256TokenAllowsItsSubject) {
    host_.config_values["public_key_file"] = rsa_->public_file.string();
    make();
    expect_allowed(authenticate(tokens::sign("RS256", rsa_->private_pem, claims("bob"))), "bob");
}

TEST_F(JwtAuthTest, Es256AndEs384TokensAllowWithTheirCurvesKey) {
    host_.config_values["public_key_file"] = p256_->public_file.string();
    make();
    expect_allowed(authenticate(tokens::sign("ES256", p256_->private_pem, claims("carol"))),
                   "carol");
    host_.config_values["public_key_file"] = p384_->public_file.string();
    make();
    expect_allowed(authenticate(tokens::sign("ES384", p384_->private_pem, claims("dave"))), "dave");
}

TEST_F(JwtAuthTest, PsTokensOfEachSizeAllowWithTheRsaKey) {
    host_.config_values["public_key_file"] = rsa_->public_file.string();
    make();
    for (const char* alg : {"PS256", "PS384", "PS512"}) {
        expect_allowed(authenticate(tokens::sign(alg, rsa_->private_pem, claims("bob"))), "bob");
    }
}

TEST_F(JwtAuthTest, PsTokenSignedByAnotherRsaKeyIsRefused) {
    host_.config_values["public_key_file"] = rsa_->public_file.string();
    make();
    expect_denied(authenticate(tokens::sign("PS256", other_rsa_->private_pem, claims("bob"))),
                  "signature does not verify");
}

TEST_F(JwtAuthTest, PkcsSignatureUnderAPsHeaderIsRefused) {
    // An RS256 signature (PKCS#1 v1.5) presented as PS256: the padding must be PSS.
    host_.config_values["public_key_file"] = rsa_->public_file.string();
    make();
    const std::string rs256 = tokens::sign("RS256", rsa_->private_pem, claims("bob"));
    const std::string ps256_header = tokens::base64url(R"({"alg":"PS256","typ":"JWT"})");
    const std::string relabelled = ps256_header + rs256.substr(rs256.find('.'));
    expect_denied(authenticate(relabelled), "signature does not verify");
}

TEST_F(JwtAuthTest, EdDsaTokensAllowWithTheirEd25519OrEd448Key) {
    host_.config_values["public_key_file"] = ed25519_->public_file.string();
    make();
    expect_allowed(authenticate(tokens::sign("EdDSA", ed25519_->private_pem, claims("erin"))),
                   "erin");
    host_.config_values["public_key_file"] = ed448_->public_file.string();
    make();
    expect_allowed(authenticate(tokens::sign("EdDSA", ed448_->private_pem, claims("frank"))),
                   "frank");
}

TEST_F(JwtAuthTest, EdDsaTokenSignedByAnotherKeyOrTamperedIsRefused) {
    host_.config_values["public_key_file"] = ed25519_->public_file.string();
    make();
    expect_denied(
        authenticate(tokens::sign("EdDSA", other_ed25519_->private_pem, claims("erin"))),
        "signature does not verify");
    const std::string token = tokens::sign("EdDSA", ed25519_->private_pem, claims("erin"));
    const std::size_t first_dot = token.find('.');
    const std::size_t second_dot = token.find('.', first_dot + 1);
    const std::string tampered = token.substr(0, first_dot + 1) +
                                 tokens::base64url(claims("mallory")) + token.substr(second_dot);
    expect_denied(authenticate(tampered), "signature does not verify");
}

TEST_F(JwtAuthTest, EdDsaIsRefusedWithoutAnEdwardsKeyAndPsWithoutAnRsaKey) {
    host_.config_values["public_key_file"] = rsa_->public_file.string();
    make();
    expect_denied(authenticate(tokens::sign("EdDSA", ed25519_->private_pem, claims("erin"))),
                  "alg EdDSA does not match the configured keys");
    host_.config_values["public_key_file"] = ed25519_->public_file.string();
    make();
    expect_denied(authenticate(tokens::sign("PS256", rsa_->private_pem, claims("bob"))),
                  "alg PS256 does not match the configured keys");
    expect_denied(authenticate(tokens::sign("RS256", rsa_->private_pem, claims("bob"))),
                  "alg RS256 does not match the configured keys");
}

// ---- JSON Web Key Sets -----------------------------------------------------------------------

TEST_F(JwtAuthTest, JwksKeysOfEachKindVerifyWithAndWithoutKid) {
    host_.config_values["jwks_file"] = write_jwks(
        "set.json", {tokens::jwk_of(*rsa_, "r1"), tokens::jwk_of(*p256_, "e1"),
                     tokens::jwk_of(*p384_, "e2"), tokens::jwk_of(*ed25519_, "d1"),
                     tokens::jwk_of(*ed448_, "d2")});
    make();
    struct Case {
        const char* alg;
        const tokens::KeyPair* pair;
        const char* kid;
    };
    for (const Case& c : {Case{"RS256", rsa_, "r1"}, Case{"PS384", rsa_, "r1"},
                          Case{"ES256", p256_, "e1"}, Case{"ES384", p384_, "e2"},
                          Case{"EdDSA", ed25519_, "d1"}, Case{"EdDSA", ed448_, "d2"}}) {
        SCOPED_TRACE(std::string{c.alg} + " " + c.kid);
        expect_allowed(authenticate(tokens::sign(c.alg, c.pair->private_pem, claims("kim"), c.kid)),
                       "kim");
        expect_allowed(authenticate(tokens::sign(c.alg, c.pair->private_pem, claims("kim"))),
                       "kim");
    }
}

TEST_F(JwtAuthTest, JwksKidPicksTheKeyAndAnUnknownKidIsNamed) {
    host_.config_values["jwks_file"] =
        write_jwks("two.json", {tokens::jwk_of(*rsa_, "a"), tokens::jwk_of(*other_rsa_, "b")});
    make();
    expect_allowed(authenticate(tokens::sign("RS256", other_rsa_->private_pem, claims("bob"), "b")),
                   "bob");
    // Signed by b's key but naming a: only a is tried.
    expect_denied(authenticate(tokens::sign("RS256", other_rsa_->private_pem, claims("bob"), "a")),
                  "signature does not verify");
    expect_denied(authenticate(tokens::sign("RS256", rsa_->private_pem, claims("bob"), "zzz")),
                  "no configured key has kid \"zzz\"");
    const std::string numeric_kid =
        tokens::base64url(R"({"alg":"RS256","kid":7})") + "." + tokens::base64url(claims("bob")) +
        ".c2ln";
    expect_denied(authenticate(numeric_kid), "header kid must be a string");
}

TEST_F(JwtAuthTest, JwksManifestKeysWithoutKidAreStillTriedForATokenWithKid) {
    host_.config_values["public_key_file"] = rsa_->public_file.string();
    host_.config_values["jwks_file"] = write_jwks("b.json", {tokens::jwk_of(*other_rsa_, "b")});
    make();
    expect_allowed(authenticate(tokens::sign("RS256", rsa_->private_pem, claims("bob"), "x")),
                   "bob");
}

TEST_F(JwtAuthTest, JwksAlgLimitsTheKeyToThatAlgorithm) {
    host_.config_values["jwks_file"] =
        write_jwks("alg.json", {tokens::jwk_of(*rsa_, "r", "RS256")});
    make();
    expect_allowed(authenticate(tokens::sign("RS256", rsa_->private_pem, claims("bob"))), "bob");
    expect_denied(authenticate(tokens::sign("PS256", rsa_->private_pem, claims("bob"))),
                  "alg PS256 does not match the configured keys (they accept RS256)");
}

TEST_F(JwtAuthTest, JwksOctKeyIsAnHmacSecret) {
    host_.config_values["jwks_file"] = write_jwks(
        "oct.json", {R"({"kty":"oct","kid":"h","k":")" + tokens::base64url(secret) + "\"}"});
    make();
    expect_allowed(authenticate(tokens::sign("HS512", secret, claims("alice"), "h")), "alice");
    // The public keys of the set are never HMAC secrets, the secret never a public key.
    expect_denied(authenticate(tokens::sign("RS256", rsa_->private_pem, claims("alice"))),
                  "alg RS256 does not match the configured keys");
}

TEST_F(JwtAuthTest, JwksKeysOfUnknownTypeOrUseAreSkippedWithAWarning) {
    host_.config_values["jwks_file"] = write_jwks(
        "mixed.json",
        {R"({"kty":"OKP","crv":"X25519","kid":"agree","x":"AAAA"})",
         R"({"kty":"XYZ","kid":"future"})", tokens::jwk_of(*rsa_, "enc-key").insert(1, R"("use":"enc",)"),
         tokens::jwk_of(*rsa_, "r")});
    make();
    expect_allowed(authenticate(tokens::sign("RS256", rsa_->private_pem, claims("bob"))), "bob");
    const auto warnings = logs_starting("jwt: jwks_file '");
    ASSERT_EQ(warnings.size(), 3u) << ::testing::PrintToString(host_.logs());
    EXPECT_NE(warnings[0].find("key 0 (kid \"agree\") skipped: curve \"X25519\""),
              std::string::npos)
        << warnings[0];
    EXPECT_NE(warnings[1].find("key type \"XYZ\" is not supported"), std::string::npos)
        << warnings[1];
    EXPECT_NE(warnings[2].find("use \"enc\""), std::string::npos) << warnings[2];
}

TEST_F(JwtAuthTest, JwksThatCannotBeUsedIsRefusedAtCreateNamingTheKey) {
    struct Case {
        std::string text;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"not json", "jwks_file: '"},
        {"[]", "not a JSON object"},
        {R"({"keys":{}})", "no \"keys\" array"},
        {R"({"keys":[{"kid":"k"}]})", "key 0 (kid \"k\"): \"kty\" is missing"},
        {R"({"keys":[{"kty":"RSA","n":"!!","e":"AQAB"}]})", "key 0: \"n\" is not base64url"},
        {R"({"keys":[{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}]})",
         "\"x\" must be 32 bytes, not 3"},
        {R"({"keys":[{"kty":"EC","crv":"P-256","x":")" + tokens::base64url(std::string(32, 'x')) +
             R"(","y":")" + tokens::base64url(std::string(32, 'y')) + R"("}]})",
         "not a valid EC public key"},
        {R"({"keys":[{"kty":"OKP","crv":"Ed25519"}]})", "\"x\" is missing"},
        {"{\"keys\":[" + tokens::jwk_of(*rsa_, "r", "ES256") + "]}",
         "\"alg\" ES256 does not fit the key"},
        {R"({"keys":[{"kty":"OKP","crv":"X448","x":"AAAA"}]})",
         "holds no key this plugin can verify with; key 0 skipped"},
        {R"({"keys":[]})", "holds no key this plugin can verify with"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text.substr(0, 80));
        const std::string error = jwks_create_error(c.text);
        EXPECT_NE(error.find("jwks_file"), std::string::npos) << error;
        EXPECT_NE(error.find(c.expected), std::string::npos) << error;
    }
    const auto small = tokens::generate_rsa(1024, *folder_, "small.pem");
    const std::string error = jwks_create_error("{\"keys\":[" + tokens::jwk_of(small, "s") + "]}");
    EXPECT_NE(error.find("RSA key of 1024 bits"), std::string::npos) << error;
}

TEST_F(JwtAuthTest, ReconfigureReadsTheJwksFileAgain) {
    host_.config_values["jwks_file"] = write_jwks("rotating.json", {tokens::jwk_of(*rsa_, "a")});
    make();
    const std::string old_token = tokens::sign("RS256", rsa_->private_pem, claims("bob"), "a");
    expect_allowed(authenticate(old_token), "bob");

    // The identity provider rotated: the set now holds b only. SIGHUP with the table unchanged.
    write_jwks("rotating.json", {tokens::jwk_of(*other_rsa_, "b")});
    const Reconfigured reconfigured = reconfigure();
    ASSERT_EQ(reconfigured.status, NOTIFY_OK) << reconfigured.error;
    expect_allowed(
        authenticate(tokens::sign("RS256", other_rsa_->private_pem, claims("bob"), "b")), "bob");
    expect_denied(authenticate(old_token), "no configured key has kid \"a\"");
    const auto lines = logs_starting("jwt: reconfigured: ");
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_NE(lines[0].find("jwks_file key 0 (kid \"a\") removed"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("jwks_file key 0 (kid \"b\") added"), std::string::npos) << lines[0];

    // A broken set is refused and the keys in use stay.
    std::ofstream{*folder_ / "rotating.json", std::ios::trunc} << "{";
    const Reconfigured broken = reconfigure();
    EXPECT_LT(broken.status, 0);
    EXPECT_NE(broken.error.find("jwks_file"), std::string::npos) << broken.error;
    expect_allowed(
        authenticate(tokens::sign("RS256", other_rsa_->private_pem, claims("bob"), "b")), "bob");
}

TEST_F(JwtAuthTest, Es512TokenAllowsWithAP521KeyAndAShortenedSignatureIsRefused) {
    const auto p521 = tokens::generate_ec("P-521", *folder_, "p521.pem");
    host_.config_values["public_key_file"] = p521.public_file.string();
    make();
    const std::string token = tokens::sign("ES512", p521.private_pem, claims("gus"));
    expect_allowed(authenticate(token), "gus");
    // r||s must be 2 × 66 bytes for P-521: one byte less is refused, never read past.
    const std::string signature = token.substr(token.rfind('.') + 1);
    const std::string shortened = token.substr(0, token.rfind('.') + 1) +
                                  tokens::base64url(std::string(131, 'x'));
    expect_denied(authenticate(shortened), "signature does not verify");
    EXPECT_EQ(signature.size(), 176u) << "132 bytes (r||s) in unpadded base64url";
}

TEST_F(JwtAuthTest, EcKeyAcceptsOnlyItsCurvesAlgorithm) {
    host_.config_values["public_key_file"] = p384_->public_file.string();
    make();
    expect_denied(authenticate(tokens::sign("ES256", p256_->private_pem, claims("carol"))),
                  "alg ES256 does not match the configured keys");
}

TEST_F(JwtAuthTest, ExpiresAtIsExpInMillisecondsAndZeroWithoutExp) {
    make_hmac();
    EXPECT_EQ(authenticate(hs256(claims("alice"))).expires_at_ms, (now_s + 600) * 1000);
    const Answer forever = authenticate(hs256(R"({"sub":"alice"})"));
    expect_allowed(forever, "alice");
    EXPECT_EQ(forever.expires_at_ms, 0);
}

TEST_F(JwtAuthTest, InfoIsPassedAsCompactJsonAndTopicsAsServerSideSubscriptions) {
    make_hmac();
    const Answer answer = authenticate(hs256(claims(
        "alice", R"("info": { "name" : "Alice", "tags": [1, 2] }, "topics":["news","chat:42"])")));
    expect_allowed(answer, "alice");
    EXPECT_EQ(answer.info, R"({"name":"Alice","tags":[1,2]})");
    EXPECT_EQ(answer.topics, (std::vector<std::string>{"news", "chat:42"}));
}

TEST_F(JwtAuthTest, IssuerAndAudienceAreCheckedWhenConfigured) {
    host_.config_values["issuer"] = std::string{"https://auth.example"};
    host_.config_values["audience"] = std::string{"notify"};
    make_hmac();
    expect_allowed(authenticate(hs256(claims(
                       "alice", R"("iss":"https://auth.example","aud":["other","notify"])"))),
                   "alice");
    expect_allowed(
        authenticate(hs256(claims("alice", R"("iss":"https://auth.example","aud":"notify")"))),
        "alice");
}

TEST_F(JwtAuthTest, LeewayForgivesSmallClockSkew) {
    host_.config_values["leeway"] = std::string{"30s"};
    make_hmac();
    expect_allowed(authenticate(hs256(R"({"sub":"alice",)" + with("exp", now_s - 10) + "}")),
                   "alice");
    expect_allowed(authenticate(hs256(R"({"sub":"alice",)" + with("nbf", now_s + 10) + "}")),
                   "alice");
}

// ---- key rotation ----------------------------------------------------------------------------

TEST_F(JwtAuthTest, PreviousKeyVerifiesOnlyBeforePreviousValidUntil) {
    host_.config_values["previous_hmac_secret_env"] = std::string{previous_secret_env};
    host_.config_values["previous_valid_until"] = std::to_string(now_s + 3600);
    make_hmac();
    const std::string payload = R"({"sub":"alice",)" + with("exp", now_s + 7200) + "}";
    const std::string old_token = tokens::sign("HS256", previous_secret, payload);
    expect_allowed(authenticate(old_token), "alice");
    expect_allowed(authenticate(hs256(payload)), "alice");

    host_.now_ms = (now_s + 3600) * 1000;
    expect_denied(authenticate(old_token), "previous key retired at 2027-01-15T09:00:00Z");
    expect_allowed(authenticate(hs256(payload)), "alice");
}

TEST_F(JwtAuthTest, PreviousPublicKeyWithRfc3339ValidUntil) {
    host_.config_values["public_key_file"] = rsa_->public_file.string();
    host_.config_values["previous_public_key_file"] = other_rsa_->public_file.string();
    host_.config_values["previous_valid_until"] = std::string{"2027-01-15T09:00:00+01:00"};
    make();  // 08:00Z: the previous key retired at 08:00Z, just now
    expect_denied(authenticate(tokens::sign("RS256", other_rsa_->private_pem, claims("bob"))),
                  "signature does not verify");
    host_.now_ms = now_ms - 1;
    expect_allowed(authenticate(tokens::sign("RS256", other_rsa_->private_pem, claims("bob"))),
                   "bob");
}

// ---- anonymous and refresh -----------------------------------------------------------------

TEST_F(JwtAuthTest, NoTokenDefersToTheNextPluginUnlessAnonymousIsAllowed) {
    make_hmac();
    const Answer deferred = authenticate("");
    EXPECT_EQ(deferred.status, NOTIFY_OK);
    EXPECT_EQ(deferred.decision, NOTIFY_AUTH_DEFER);

    host_.config_values["allow_anonymous"] = true;
    make_hmac();
    expect_allowed(authenticate(""), "");
}

TEST_F(JwtAuthTest, TokenWithoutSubIsAnonymousOnlyWhenAllowed) {
    make_hmac();
    expect_denied(authenticate(hs256(R"({"info":{}})")), "allow_anonymous is false");
    expect_denied(authenticate(hs256(claims(""))), "allow_anonymous is false");
    host_.config_values["allow_anonymous"] = true;
    make_hmac();
    expect_allowed(authenticate(hs256(R"({"info":{}})")), "");
}

TEST_F(JwtAuthTest, RefreshKeepsTheUserAndRefusesAnotherOne) {
    make_hmac();
    const std::string later = R"({"sub":"alice",)" + with("exp", now_s + 7200) + "}";
    const Answer same = authenticate(hs256(later), NOTIFY_AUTH_PURPOSE_REFRESH, "alice");
    expect_allowed(same, "alice");
    EXPECT_EQ(same.expires_at_ms, (now_s + 7200) * 1000);
    expect_denied(authenticate(hs256(later), NOTIFY_AUTH_PURPOSE_REFRESH, "mallory"),
                  "refresh token is for another user");
}

TEST_F(JwtAuthTest, RefreshWithAnExpiredTokenSaysTokenExpired) {
    make_hmac();
    expect_denied(authenticate(hs256(R"({"sub":"alice",)" + with("exp", now_s - 1) + "}"),
                               NOTIFY_AUTH_PURPOSE_REFRESH, "alice"),
                  "token expired", NOTIFY_AUTH_ERROR_TOKEN_EXPIRED);
}

// ---- the hostile suite -----------------------------------------------------------------------

TEST_F(JwtAuthTest, AlgNoneIsRefused) {
    make_hmac();
    expect_denied(authenticate(tokens::sign("none", "", claims("alice"))),
                  "jwt: alg none is not accepted");
    const std::string shouting =
        tokens::base64url(R"({"alg":"NONE"})") + "." + tokens::base64url(claims("alice")) + ".";
    expect_denied(authenticate(shouting), "alg none is not accepted");
}

TEST_F(JwtAuthTest, Hs256SignedWithTheRsaPublicPemIsRefused) {
    host_.config_values["public_key_file"] = rsa_->public_file.string();
    make();
    expect_denied(authenticate(tokens::sign("HS256", rsa_->public_pem, claims("alice"))),
                  "alg HS256 does not match the configured keys (they accept RS256, RS384, RS512, "
                  "PS256, PS384, PS512)");
    // With an HMAC secret configured too, the PEM is still never used as an HMAC secret.
    host_.config_values["hmac_secret_env"] = std::string{secret_env};
    make();
    expect_denied(authenticate(tokens::sign("HS256", rsa_->public_pem, claims("alice"))),
                  "signature does not verify");
}

TEST_F(JwtAuthTest, RsaTokenSignedByAnotherKeyIsRefused) {
    host_.config_values["public_key_file"] = rsa_->public_file.string();
    make();
    expect_denied(authenticate(tokens::sign("RS256", other_rsa_->private_pem, claims("bob"))),
                  "signature does not verify");
}

TEST_F(JwtAuthTest, ExpiredTokenIsRefusedWithTokenExpired) {
    make_hmac();
    expect_denied(authenticate(hs256(R"({"sub":"alice",)" + with("exp", now_s - 60) + "}")),
                  "jwt: token expired at 2027-01-15T07:59:00Z", NOTIFY_AUTH_ERROR_TOKEN_EXPIRED);
}

TEST_F(JwtAuthTest, NotBeforeInTheFutureIsRefused) {
    make_hmac();
    expect_denied(authenticate(hs256(claims("alice", with("nbf", now_s + 60)))),
                  "not valid before 2027-01-15T08:01:00Z");
}

TEST_F(JwtAuthTest, IssuedInTheFutureIsRefused) {
    make_hmac();
    expect_denied(authenticate(hs256(R"({"sub":"alice",)" + with("iat", now_s + 60) + "}")),
                  "issued in the future");
}

TEST_F(JwtAuthTest, WrongIssuerIsRefused) {
    host_.config_values["issuer"] = std::string{"https://auth.example"};
    make_hmac();
    expect_denied(authenticate(hs256(claims("alice", R"("iss":"https://evil.example")"))),
                  "wrong issuer");
    expect_denied(authenticate(hs256(claims("alice"))), "wrong issuer");
}

TEST_F(JwtAuthTest, WrongAudienceIsRefused) {
    host_.config_values["audience"] = std::string{"notify"};
    make_hmac();
    expect_denied(authenticate(hs256(claims("alice", R"("aud":"other")"))), "wrong audience");
    expect_denied(authenticate(hs256(claims("alice", R"("aud":["a","b"])"))), "wrong audience");
    expect_denied(authenticate(hs256(claims("alice"))), "wrong audience");
}

TEST_F(JwtAuthTest, TamperedPayloadWithTheOldSignatureIsRefused) {
    make_hmac();
    const std::string token = hs256(claims("alice"));
    const std::size_t first = token.find('.');
    const std::size_t second = token.find('.', first + 1);
    const std::string forged =
        token.substr(0, first + 1) + tokens::base64url(claims("admin")) + token.substr(second);
    expect_denied(authenticate(forged), "signature does not verify");
}

TEST_F(JwtAuthTest, TruncatedTokensAreRefused) {
    make_hmac();
    const std::string token = hs256(claims("alice"));
    expect_denied(authenticate(token.substr(0, token.size() - 5)), "signature does not verify");
    expect_denied(authenticate(token.substr(0, token.rfind('.'))), "malformed token");
    expect_denied(authenticate(token.substr(0, token.rfind('.') + 1)), "signature is missing");
    expect_denied(authenticate(token.substr(0, 10)), "malformed token");
}

TEST_F(JwtAuthTest, GarbageIsRefused) {
    make_hmac();
    expect_denied(authenticate("not a token at all"), "malformed token");
    expect_denied(authenticate("%%%.$$$.!!!"), "not base64url");
    expect_denied(authenticate("a.b.c"), "header is not valid base64url");
    expect_denied(authenticate(std::string("eyJ\0hbGc.x.y", 12)), "not base64url");
    expect_denied(authenticate("...."), "malformed token");
}

TEST_F(JwtAuthTest, NonJsonHeaderIsRefused) {
    make_hmac();
    const std::string token = hs256(claims("alice"));
    expect_denied(authenticate(tokens::base64url("{alg: HS256") + token.substr(token.find('.'))),
                  "header is not a JSON object");
    expect_denied(authenticate(tokens::base64url("[1,2]") + token.substr(token.find('.'))),
                  "header is not a JSON object");
}

TEST_F(JwtAuthTest, NonJsonPayloadIsRefused) {
    make_hmac();
    const std::string token = hs256(claims("alice"));
    const std::string forged = token.substr(0, token.find('.') + 1) +
                               tokens::base64url("sub=alice") + token.substr(token.rfind('.'));
    expect_denied(authenticate(forged), "payload is not a JSON object");
}

TEST_F(JwtAuthTest, SubThatIsNotAStringIsRefused) {
    make_hmac();
    expect_denied(authenticate(hs256(R"({"sub":42})")), "sub claim must be a string");
    expect_denied(authenticate(hs256(R"({"sub":["alice"]})")), "sub claim must be a string");
}

TEST_F(JwtAuthTest, ClaimsOfTheWrongTypeAreRefused) {
    make_hmac();
    expect_denied(authenticate(hs256(R"({"sub":"alice","exp":"tomorrow"})")),
                  "exp claim must be a NumericDate");
    expect_denied(authenticate(hs256(claims("alice", R"("topics":"news")"))),
                  "topics claim must be an array of strings");
}

TEST_F(JwtAuthTest, OneMebibyteTokenIsRefusedBySizeBeforeDecoding) {
    make_hmac();
    const std::string huge(1 << 20, 'A');
    expect_denied(authenticate(huge + "." + huge + "." + huge), "more than max_token_size (8192)");
}

TEST_F(JwtAuthTest, InfoThatIsNotAnObjectIsRefused) {
    make_hmac();
    expect_denied(authenticate(hs256(claims("alice", R"("info":"Alice")"))),
                  "info claim must be a JSON object");
    expect_denied(authenticate(hs256(claims("alice", R"("info":[1])"))),
                  "info claim must be a JSON object");
}

TEST_F(JwtAuthTest, InfoLargerThanMaxInfoSizeIsRefused) {
    host_.config_values["max_info_size"] = std::int64_t{64};
    make_hmac();
    const std::string big = R"("info":{"bio":")" + std::string(100, 'x') + R"("})";
    expect_denied(authenticate(hs256(claims("alice", big))), "more than max_info_size (64)");
}

TEST_F(JwtAuthTest, SubscriptionTokenCannotBeUsedToConnect) {
    make_hmac();
    expect_denied(authenticate(hs256(claims("alice", R"("topic":"private:1")"))),
                  "a subscription token cannot be used to connect");
}

// ---- subscription tokens -------------------------------------------------------------------

TEST_F(JwtAuthTest, SubscriptionTokenForThisTopicUserAndClientIsAllowed) {
    make_hmac();
    const Answer answer = subscribe(
        hs256(claims("alice", R"("topic":"private:1","client":"client-1")")), "private:1", "alice");
    EXPECT_EQ(answer.status, NOTIFY_OK);
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_ALLOW) << answer.reason;
    const Answer unbound = subscribe(hs256(claims("alice", R"("topic":"private:1")")), "private:1",
                                     "alice", "any-client");
    EXPECT_EQ(unbound.decision, NOTIFY_AUTH_ALLOW) << unbound.reason;
}

TEST_F(JwtAuthTest, SubscribeWithoutATokenDefers) {
    make_hmac();
    const Answer answer = subscribe("", "private:1", "alice");
    EXPECT_EQ(answer.status, NOTIFY_OK);
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_DEFER);
}

TEST_F(JwtAuthTest, SubscriptionTokenForAnotherUserIsRefused) {
    make_hmac();
    expect_denied(subscribe(hs256(claims("alice", R"("topic":"private:1")")), "private:1", "bob"),
                  "subscription token is for another user", NOTIFY_AUTH_ERROR_PERMISSION_DENIED);
}

TEST_F(JwtAuthTest, SubscriptionTokenForAnotherTopicIsRefused) {
    make_hmac();
    expect_denied(subscribe(hs256(claims("alice", R"("topic":"private:1")")), "private:2", "alice"),
                  "subscription token is for another topic", NOTIFY_AUTH_ERROR_PERMISSION_DENIED);
}

TEST_F(JwtAuthTest, SubscriptionTokenBoundToAnotherClientIsRefused) {
    make_hmac();
    expect_denied(subscribe(hs256(claims("alice", R"("topic":"private:1","client":"client-2")")),
                            "private:1", "alice", "client-1"),
                  "bound to another client", NOTIFY_AUTH_ERROR_PERMISSION_DENIED);
}

TEST_F(JwtAuthTest, ConnectionTokenCannotBeUsedAsASubscriptionToken) {
    make_hmac();
    expect_denied(subscribe(hs256(claims("alice")), "private:1", "alice"),
                  "a connection token cannot be used as a subscription token",
                  NOTIFY_AUTH_ERROR_PERMISSION_DENIED);
}

TEST_F(JwtAuthTest, ExpiredSubscriptionTokenSaysTokenExpired) {
    make_hmac();
    expect_denied(
        subscribe(hs256(R"({"sub":"alice","topic":"private:1",)" + with("exp", now_s - 1) + "}"),
                  "private:1", "alice"),
        "token expired", NOTIFY_AUTH_ERROR_TOKEN_EXPIRED);
}

TEST_F(JwtAuthTest, ForgedSubscriptionTokenIsRefused) {
    make_hmac();
    expect_denied(subscribe(tokens::sign("HS256", "not-the-secret",
                                         claims("alice", R"("topic":"private:1")")),
                            "private:1", "alice"),
                  "signature does not verify", NOTIFY_AUTH_ERROR_PERMISSION_DENIED);
}

// ---- create() errors name the key ------------------------------------------------------------

TEST_F(JwtAuthTest, CreateWithoutAnyKeyNamesTheKeys) {
    const std::string error = create_error();
    EXPECT_NE(error.find("hmac_secret_env"), std::string::npos) << error;
    EXPECT_NE(error.find("hmac_secret_file"), std::string::npos) << error;
    EXPECT_NE(error.find("public_key_file"), std::string::npos) << error;
}

TEST_F(JwtAuthTest, CreateWithAMissingEnvironmentVariableNamesIt) {
    host_.config_values["hmac_secret_env"] = std::string{"NOTIFY_JWT_TEST_UNSET_VARIABLE"};
    const std::string error = create_error();
    EXPECT_NE(error.find("hmac_secret_env"), std::string::npos) << error;
    EXPECT_NE(error.find("NOTIFY_JWT_TEST_UNSET_VARIABLE"), std::string::npos) << error;
}

TEST_F(JwtAuthTest, CreateWithAnUnreadableFileNamesTheKeyAndPath) {
    host_.config_values["hmac_secret_file"] = std::string{"/nonexistent/jwt-secret"};
    std::string error = create_error();
    EXPECT_NE(error.find("hmac_secret_file"), std::string::npos) << error;
    EXPECT_NE(error.find("/nonexistent/jwt-secret"), std::string::npos) << error;
    host_.config_values.clear();
    host_.config_values["public_key_file"] = std::string{"/nonexistent/key.pem"};
    error = create_error();
    EXPECT_NE(error.find("public_key_file"), std::string::npos) << error;
}

TEST_F(JwtAuthTest, CreateWithABadPemNamesTheKey) {
    const auto bad = *folder_ / "bad.pem";
    std::ofstream{bad} << "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n";
    host_.config_values["public_key_file"] = bad.string();
    std::string error = create_error();
    EXPECT_NE(error.find("public_key_file"), std::string::npos) << error;
    EXPECT_NE(error.find("not a PEM public key"), std::string::npos) << error;

    // A private key where the public one belongs is refused too.
    const auto private_file = *folder_ / "private.pem";
    std::ofstream{private_file} << rsa_->private_pem;
    host_.config_values["public_key_file"] = private_file.string();
    error = create_error();
    EXPECT_NE(error.find("not a PEM public key"), std::string::npos) << error;
}

TEST_F(JwtAuthTest, CreateRefusesAPreviousKeyWithoutValidUntil) {
    host_.config_values["hmac_secret_env"] = std::string{secret_env};
    host_.config_values["previous_hmac_secret_env"] = std::string{previous_secret_env};
    std::string error = create_error();
    EXPECT_NE(error.find("previous_valid_until"), std::string::npos) << error;
    host_.config_values["previous_valid_until"] = std::string{"next tuesday"};
    error = create_error();
    EXPECT_NE(error.find("previous_valid_until"), std::string::npos) << error;
}

TEST_F(JwtAuthTest, HmacSecretFileIgnoresOneTrailingNewline) {
    const auto file = *folder_ / "secret.txt";
    std::ofstream{file} << secret << "\n";
    host_.config_values["hmac_secret_file"] = file.string();
    make();
    expect_allowed(authenticate(hs256(claims("alice"))), "alice");
}

// ---- reconfigure (SIGHUP): keys and checks change live, all or nothing ----------------------

TEST_F(JwtAuthTest, ReconfigureWithARotatedSecretVerifiesTheNewOneAndRefusesTheOld) {
    make_hmac();
    const std::string old_token = hs256(claims("alice"));
    expect_allowed(authenticate(old_token), "alice");

    host_.config_values["hmac_secret_env"] = std::string{rotated_secret_env};
    const Reconfigured reconfigured = reconfigure();
    ASSERT_EQ(reconfigured.status, NOTIFY_OK) << reconfigured.error;

    expect_allowed(authenticate(tokens::sign("HS256", rotated_secret, claims("alice"))), "alice");
    expect_denied(authenticate(old_token), "signature does not verify");
    const auto lines = logs_starting("jwt: reconfigured: ");
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_NE(lines[0].find("keys: hmac_secret_env replaced"), std::string::npos) << lines[0];
    for (const std::string& line : host_.logs()) {
        EXPECT_EQ(line.find(secret), std::string::npos) << "a secret was logged: " << line;
        EXPECT_EQ(line.find(rotated_secret), std::string::npos) << "a secret was logged: " << line;
    }
}

TEST_F(JwtAuthTest, ReconfigureKeepsTheOldSecretAsPreviousKeyUntilValidUntil) {
    make_hmac();
    const std::string payload = R"({"sub":"alice",)" + with("exp", now_s + 7200) + "}";
    const std::string old_token = hs256(payload);

    host_.config_values["hmac_secret_env"] = std::string{rotated_secret_env};
    host_.config_values["previous_hmac_secret_env"] = std::string{secret_env};
    host_.config_values["previous_valid_until"] = std::to_string(now_s + 3600);
    const Reconfigured reconfigured = reconfigure();
    ASSERT_EQ(reconfigured.status, NOTIFY_OK) << reconfigured.error;

    expect_allowed(authenticate(old_token), "alice");
    expect_allowed(authenticate(tokens::sign("HS256", rotated_secret, payload)), "alice");
    host_.now_ms = (now_s + 3600) * 1000;
    expect_denied(authenticate(old_token), "previous key retired at 2027-01-15T09:00:00Z");
    const auto lines = logs_starting("jwt: reconfigured: ");
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_NE(lines[0].find("previous_hmac_secret_env added (until 2027-01-15T09:00:00Z)"),
              std::string::npos)
        << lines[0];
}

TEST_F(JwtAuthTest, ReconfigureWithAnUnsetVariableIsRefusedAndKeepsTheWholeOldConfig) {
    make_hmac();
    const std::string old_token = hs256(claims("alice"));
    host_.config_values["hmac_secret_env"] = std::string{"NOTIFY_JWT_TEST_UNSET_VARIABLE"};
    host_.config_values["issuer"] = std::string{"https://auth.example"};

    const Reconfigured refused = reconfigure();
    EXPECT_EQ(refused.status, NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_NE(refused.error.find("NOTIFY_JWT_TEST_UNSET_VARIABLE"), std::string::npos)
        << refused.error;
    // The old secret still verifies, and the issuer of the refused table was not applied.
    expect_allowed(authenticate(old_token), "alice");
    EXPECT_TRUE(logs_starting("jwt: reconfigured").empty());
}

TEST_F(JwtAuthTest, ReconfigureWithAnUnreadableOrPrivatePemIsRefusedAndTheOldKeyStays) {
    host_.config_values["public_key_file"] = rsa_->public_file.string();
    make();
    const std::string token = tokens::sign("RS256", rsa_->private_pem, claims("bob"));

    host_.config_values["public_key_file"] = std::string{"/nonexistent/rotated.pem"};
    Reconfigured refused = reconfigure();
    EXPECT_EQ(refused.status, NOTIFY_ERR_IO);
    EXPECT_NE(refused.error.find("public_key_file"), std::string::npos) << refused.error;
    EXPECT_NE(refused.error.find("/nonexistent/rotated.pem"), std::string::npos) << refused.error;
    expect_allowed(authenticate(token), "bob");

    const auto private_file = *folder_ / "reload-private.pem";
    std::ofstream{private_file} << other_rsa_->private_pem;
    host_.config_values["public_key_file"] = private_file.string();
    refused = reconfigure();
    EXPECT_EQ(refused.status, NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_NE(refused.error.find("not a PEM public key"), std::string::npos) << refused.error;
    expect_allowed(authenticate(token), "bob");
}

TEST_F(JwtAuthTest, ReconfigureReadsTheKeyFileAgain) {
    const auto file = *folder_ / "rotating.pem";
    std::ofstream{file} << rsa_->public_pem;
    host_.config_values["public_key_file"] = file.string();
    make();
    const std::string old_token = tokens::sign("RS256", rsa_->private_pem, claims("bob"));
    expect_allowed(authenticate(old_token), "bob");

    // The operator replaced the key file in place and touched the table (leeway) to reload.
    std::ofstream{file, std::ios::trunc} << other_rsa_->public_pem;
    host_.config_values["leeway"] = std::string{"2s"};
    const Reconfigured reconfigured = reconfigure();
    ASSERT_EQ(reconfigured.status, NOTIFY_OK) << reconfigured.error;

    expect_allowed(authenticate(tokens::sign("RS256", other_rsa_->private_pem, claims("bob"))),
                   "bob");
    expect_denied(authenticate(old_token), "signature does not verify");
    const auto lines = logs_starting("jwt: reconfigured: ");
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_NE(lines[0].find("keys: public_key_file replaced"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("leeway 0ms -> 2000ms"), std::string::npos) << lines[0];
}

TEST_F(JwtAuthTest, ReconfigureAppliesIssuerAndAnonymousSettings) {
    make_hmac();
    EXPECT_EQ(authenticate("").decision, NOTIFY_AUTH_DEFER);
    const std::string without_issuer = hs256(claims("alice"));
    expect_allowed(authenticate(without_issuer), "alice");

    host_.config_values["issuer"] = std::string{"https://auth.example"};
    host_.config_values["allow_anonymous"] = true;
    const Reconfigured reconfigured = reconfigure();
    ASSERT_EQ(reconfigured.status, NOTIFY_OK) << reconfigured.error;

    expect_denied(authenticate(without_issuer), "wrong issuer");
    expect_allowed(authenticate(hs256(claims("alice", R"("iss":"https://auth.example")"))),
                   "alice");
    expect_allowed(authenticate(""), "");
    const auto lines = logs_starting("jwt: reconfigured: ");
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_NE(lines[0].find(R"(issuer "" -> "https://auth.example")"), std::string::npos)
        << lines[0];
    EXPECT_NE(lines[0].find("allow_anonymous false -> true"), std::string::npos) << lines[0];
    EXPECT_EQ(lines[0].find("keys:"), std::string::npos) << lines[0];
}

// The core thread verifies while the main thread swaps the keys: every verification sees a
// whole key set, the old or the new (run under ThreadSanitizer this also proves the handover).
TEST_F(JwtAuthTest, VerificationsDuringReconfigureSeeTheOldOrTheNewKeysWhole) {
    make_hmac();
    const std::string token = hs256(R"({"sub":"alice",)" + with("exp", now_s + 7200) + "}");
    std::atomic<bool> done{false};
    std::atomic<int> verified{0};
    std::atomic<int> refused{0};
    std::thread core{[&] {
        while (!done.load()) {
            const Answer answer = authenticate(token);
            (answer.decision == NOTIFY_AUTH_ALLOW ? verified : refused).fetch_add(1);
        }
    }};
    // Alternate between the secret alone and a rotated secret keeping it as previous key: the
    // token verifies under both, so any refusal is a torn or missing key set.
    // Until the core thread verified many times across many swaps (bounded in time).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (int round = 0;
         (round < 100 || verified.load() + refused.load() < 500) &&
         std::chrono::steady_clock::now() < deadline;
         ++round) {
        if (round % 2 == 0) {
            host_.config_values["hmac_secret_env"] = std::string{rotated_secret_env};
            host_.config_values["previous_hmac_secret_env"] = std::string{secret_env};
            host_.config_values["previous_valid_until"] = std::to_string(now_s + 3600);
        } else {
            host_.config_values = {{"hmac_secret_env", std::string{secret_env}}};
        }
        const Reconfigured reconfigured = reconfigure();
        EXPECT_EQ(reconfigured.status, NOTIFY_OK) << reconfigured.error;
        if (reconfigured.status != NOTIFY_OK) break;
    }
    done = true;
    core.join();
    EXPECT_GE(verified.load(), 500);
    EXPECT_EQ(refused.load(), 0);
}

}  // namespace
}  // namespace notify::test
