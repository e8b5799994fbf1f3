// The JSON mapping between docs/api.md's JSON and notify_api.proto, without a server.
#include <gtest/gtest.h>

#include <google/protobuf/descriptor.h>
#include <nlohmann/json.hpp>

#include <notify/api_grpc/base64.hpp>
#include <notify/api_grpc/json_mapping.hpp>

#include "notify_api.pb.h"

namespace notify::api_grpc {
namespace {

namespace v1 = notify::api::v1;
using Json = nlohmann::json;

TEST(ApiGrpcMapping, Base64RoundTripsEveryLength) {
    std::string bytes;
    for (int i = 0; i < 40; ++i) {
        EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes);
        bytes += static_cast<char>(i * 37);
    }
    EXPECT_EQ(base64_encode("hi"), "aGk=");
    EXPECT_FALSE(base64_decode("a"));
    EXPECT_FALSE(base64_decode("a!==").has_value());
}

TEST(ApiGrpcMapping, Utf8CheckRefusesOverlongAndSurrogates) {
    EXPECT_TRUE(is_valid_utf8("h\xc3\xa9"));
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));
    EXPECT_FALSE(is_valid_utf8("\xff"));
}

TEST(ApiGrpcMapping, PublishRequestBecomesTheHostsJsonWithTextOrBase64Data) {
    v1::PublishRequest request;
    request.set_topic("chat");
    request.set_data("hi");
    EXPECT_EQ(Json::parse(request_to_api_json(request)), Json::parse(R"({"topic":"chat","data":"hi"})"));
    request.set_data(std::string("\xff\x00", 2));
    EXPECT_EQ(Json::parse(request_to_api_json(request)),
              Json::parse(R"({"topic":"chat","data_b64":"/wA="})"));
}

TEST(ApiGrpcMapping, ZeroThatIsSetReachesTheHost) {
    v1::RefreshRequest request;
    request.set_client("c1");
    request.set_expire_at_ms(0);
    EXPECT_EQ(Json::parse(request_to_api_json(request)),
              Json::parse(R"({"client":"c1","expire_at_ms":0})"));
}

TEST(ApiGrpcMapping, HistoryResultTakesNumbersAndBothPayloadForms) {
    v1::HistoryRequest request;
    v1::HistoryResult result;
    api_json_to_result(
        R"({"publications":[{"offset":41,"data":"hi"},{"offset":42,"data_b64":"/wA="}],"offset":42,"epoch":"e"})",
        request, result);
    ASSERT_EQ(result.publications_size(), 2);
    EXPECT_EQ(result.publications(0).data(), "hi");
    EXPECT_EQ(result.publications(1).data(), std::string("\xff\x00", 2));
    EXPECT_EQ(result.offset(), 42u);
    // And back, as notify-cli prints it: numbers, data or data_b64.
    EXPECT_EQ(Json::parse(result_to_api_json(result)),
              Json::parse(R"({"publications":[{"offset":41,"data":"hi"},{"offset":42,"data_b64":"/wA="}],"offset":42,"epoch":"e"})"));
}

TEST(ApiGrpcMapping, UnknownFieldInTheHostsResultIsAnError) {
    v1::PublishRequest request;
    v1::PublishResult result;
    EXPECT_THROW(api_json_to_result(R"({"positions":[],"surprise":1})", request, result),
                 MappingError);
}

TEST(ApiGrpcMapping, BatchCommandsAndRepliesMapToTheirOneofs) {
    v1::BatchRequest request;
    api_json_to_request(
        R"({"commands":[{"method":"publish","params":{"topic":"a","data":"x"}},{"method":"presence_stats","params":{"topic":"b"}}],"parallel":true})",
        request);
    ASSERT_EQ(request.commands_size(), 2);
    EXPECT_EQ(request.commands(0).publish().data(), "x");
    EXPECT_EQ(request.commands(1).presence_stats().topic(), "b");
    EXPECT_EQ(Json::parse(request_to_api_json(request)),
              Json::parse(R"({"commands":[{"method":"publish","params":{"topic":"a","data":"x"}},{"method":"presence_stats","params":{"topic":"b"}}],"parallel":true})"));

    v1::BatchResult result;
    api_json_to_result(
        R"({"replies":[{"result":{"positions":[{"topic":"a","offset":1,"epoch":"e"}]}},{"error":{"code":108,"name":"not_found","message":"no presence"}}]})",
        request, result);
    ASSERT_EQ(result.replies_size(), 2);
    EXPECT_EQ(result.replies(0).publish().positions(0).offset(), 1u);
    EXPECT_EQ(result.replies(1).error().code(), 108u);
    EXPECT_EQ(Json::parse(result_to_api_json(result)),
              Json::parse(R"({"replies":[{"result":{"positions":[{"topic":"a","offset":1,"epoch":"e"}]}},{"error":{"code":108,"name":"not_found","message":"no presence"}}]})"));
}

TEST(ApiGrpcMapping, UnknownFieldOrMethodFromTheClientIsAnError) {
    v1::PublishRequest publish;
    EXPECT_THROW(api_json_to_request(R"({"topic":"a","bogus":1})", publish), MappingError);
    EXPECT_THROW(api_json_to_request(R"({"data":"x","data_b64":"eA=="})", publish), MappingError);
    v1::BatchRequest batch;
    EXPECT_THROW(api_json_to_request(R"({"commands":[{"method":"batch"}]})", batch), MappingError);
}

TEST(ApiGrpcMapping, EveryRpcHasItsApiMethodName) {
    EXPECT_EQ(find_method("presence_stats")->name(), "PresenceStats");
    EXPECT_EQ(find_method("history_remove")->name(), "HistoryRemove");
    EXPECT_EQ(find_method("nope"), nullptr);
}

}  // namespace
}  // namespace notify::api_grpc
