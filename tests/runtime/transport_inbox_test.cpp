// The transport inbox must keep the order of what transports report, wake the core thread once
// per batch, and release every owned frame exactly once, taken or not.
#include "runtime/transport_inbox.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace notify::runtime {
namespace {

struct ReleaseCount {
    int released = 0;
};

void count_release(void* context, std::uint8_t*) {
    ++static_cast<ReleaseCount*>(context)->released;
}

notify_owned_bytes owned(std::string& text, ReleaseCount& count) {
    return notify_owned_bytes{reinterpret_cast<std::uint8_t*>(text.data()), text.size(),
                              count_release, &count};
}

TEST(TransportInbox, KeepsOrderAndWakesOncePerBatch) {
    TransportInbox inbox;
    ReleaseCount count;
    std::string big = "an owned frame";
    EXPECT_TRUE(inbox.push_open({1, 7}, "127.0.0.1:5000", NOTIFY_ENCODING_BINARY));
    EXPECT_FALSE(inbox.push_frame({1, 7}, R"({"id":1,"connect":{}})"));
    EXPECT_FALSE(inbox.push_owned_frame({1, 7}, owned(big, count)));
    EXPECT_FALSE(inbox.push_frame({2, 9}, ""));
    EXPECT_FALSE(inbox.push_closed({1, 7}, 1000));

    TransportInbox::Batch batch;
    inbox.take(batch);
    using Kind = TransportInbox::Event::Kind;
    ASSERT_EQ(batch.events().size(), 5U);
    const auto& events = batch.events();
    EXPECT_EQ(events[0].kind, Kind::open);
    EXPECT_EQ(batch.bytes_of(events[0]), "127.0.0.1:5000");
    EXPECT_EQ(events[0].encoding, NOTIFY_ENCODING_BINARY);
    EXPECT_EQ(events[1].kind, Kind::frame);
    EXPECT_EQ(batch.bytes_of(events[1]), R"({"id":1,"connect":{}})");
    EXPECT_EQ(events[2].kind, Kind::owned_frame);
    EXPECT_EQ(batch.bytes_of(events[2]), big);
    EXPECT_EQ(events[3].ref, (core::ConnectionRef{2, 9}));
    EXPECT_EQ(batch.bytes_of(events[3]), "");
    EXPECT_EQ(events[4].kind, Kind::closed);
    EXPECT_EQ(events[4].close_code, 1000);
    EXPECT_EQ(count.released, 0);  // still in use until the batch is cleared

    // Taken: the next push wakes again.
    EXPECT_TRUE(inbox.push_frame({1, 8}, "x"));
    batch.clear();
    EXPECT_EQ(count.released, 1);
    inbox.take(batch);
    ASSERT_EQ(batch.events().size(), 1U);
    EXPECT_EQ(batch.bytes_of(batch.events()[0]), "x");
}

TEST(TransportInbox, AnOpenCarriesItsKeptHeaders) {
    TransportInbox inbox;
    const std::vector<core::RequestHeader> headers{
        {"cookie", "a=1; b=2"}, {"x-empty", ""}, {"x-binary", std::string("\0\xff", 2)}};
    inbox.push_open({1, 7}, "127.0.0.1:5000", NOTIFY_ENCODING_JSON, headers);
    inbox.push_frame({1, 7}, "after");
    inbox.push_open({1, 8}, "127.0.0.1:5001", NOTIFY_ENCODING_JSON);
    TransportInbox::Batch batch;
    inbox.take(batch);
    ASSERT_EQ(batch.events().size(), 3U);
    EXPECT_EQ(batch.bytes_of(batch.events()[0]), "127.0.0.1:5000");
    EXPECT_EQ(batch.headers_of(batch.events()[0]), headers);
    EXPECT_EQ(batch.bytes_of(batch.events()[1]), "after");
    EXPECT_EQ(batch.bytes_of(batch.events()[2]), "127.0.0.1:5001");
    EXPECT_TRUE(batch.headers_of(batch.events()[2]).empty());
}

TEST(TransportInbox, ReleasesOwnedFramesNobodyTook) {
    ReleaseCount count;
    std::string frame = "never handled";
    {
        TransportInbox inbox;
        inbox.push_owned_frame({1, 1}, owned(frame, count));
        inbox.push_owned_frame({1, 1}, owned(frame, count));
        TransportInbox::Batch batch;
        inbox.take(batch);
        inbox.push_owned_frame({1, 2}, owned(frame, count));
        EXPECT_EQ(count.released, 0);
    }
    EXPECT_EQ(count.released, 3);  // two by the batch, one by the inbox
}

}  // namespace
}  // namespace notify::runtime
