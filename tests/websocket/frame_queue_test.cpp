// The outgoing ring of a connection: FIFO order across wrap-around and growth, and the timer's
// trim() that gives back only rings nobody used since the previous check.
#include "frame_queue.hpp"

#include <gtest/gtest.h>

#include <array>

namespace notify::websocket {
namespace {

// The queue stores pointers and never follows them.
OutgoingFrame *token(std::array<char, 64> &storage, size_t index) {
    return reinterpret_cast<OutgoingFrame *>(&storage[index]);
}

TEST(FrameQueue, KeepsOrderThroughWrapAroundAndGrowth) {
    std::array<char, 64> storage{};
    FrameQueue queue;
    size_t next_in = 0;
    size_t next_out = 0;
    for (int round = 0; round < 10; ++round) {
        for (int i = 0; i < 3 + round; ++i) queue.push_back(token(storage, next_in++ % 64));
        for (int i = 0; i < 2 + round; ++i) {
            ASSERT_EQ(queue.front(), token(storage, next_out++ % 64));
            queue.pop_front();
        }
    }
    EXPECT_EQ(queue.size(), next_in - next_out);
}

TEST(FrameQueue, TrimKeepsTheRingOfABusyConnection) {
    std::array<char, 64> storage{};
    FrameQueue queue;
    queue.push_back(token(storage, 0));
    queue.pop_front();
    queue.trim();  // empty at the check, but used since the previous one
    EXPECT_TRUE(queue.holds_ring());
    queue.trim();  // idle for a whole interval
    EXPECT_FALSE(queue.holds_ring());
    queue.push_back(token(storage, 1));
    queue.trim();  // not empty: kept
    EXPECT_TRUE(queue.holds_ring());
    EXPECT_EQ(queue.front(), token(storage, 1));
}

}  // namespace
}  // namespace notify::websocket
