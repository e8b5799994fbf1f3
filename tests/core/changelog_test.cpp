#include <algorithm>
#include <tuple>

#include "core_fixture.hpp"

namespace notify::core::testing {
namespace {

using Change = std::tuple<notify_change_subject, std::string, bool>;

class ChangelogTest : public CoreTest {
  protected:
    ChangelogTest() { config.clients.ttl = std::chrono::milliseconds(1'000); }

    std::vector<Change> changes() const {
        std::vector<Change> found;
        for (const RecordedEvent& event : env.events_of(NOTIFY_EVENT_CHANGE)) {
            found.emplace_back(event.change_subject, event.topic, event.change_up);
        }
        return found;
    }
};

TEST_F(ChangelogTest, FirstClientOfAUserBringsUpTheClientAndTheUser) {
    const ConnectedClient phone = open_client(1, "user:ann");
    EXPECT_EQ(changes(), (std::vector<Change>{{NOTIFY_CHANGE_CLIENT, phone.client, true},
                                              {NOTIFY_CHANGE_USER, "ann", true}}));
    env.clear_records();
    const ConnectedClient laptop = open_client(2, "user:ann");
    EXPECT_EQ(changes(), (std::vector<Change>{{NOTIFY_CHANGE_CLIENT, laptop.client, true}}));
}

TEST_F(ChangelogTest, AnonymousClientBringsUpNoUser) {
    const ConnectedClient anonymous = open_client(1);
    EXPECT_EQ(changes(), (std::vector<Change>{{NOTIFY_CHANGE_CLIENT, anonymous.client, true}}));
}

TEST_F(ChangelogTest, TopicsComeUpOnFirstSubscribeAndGoDownWhenEmpty) {
    const ConnectedClient ann = open_client(1);
    const ConnectedClient bob = open_client(2);
    env.clear_records();
    subscribe(ann.conn, "news");
    subscribe(bob.conn, "news");
    unsubscribe(ann.conn, "news");
    EXPECT_EQ(changes(), (std::vector<Change>{{NOTIFY_CHANGE_TOPIC, "news", true}}));
    unsubscribe(bob.conn, "news");
    EXPECT_EQ(changes(), (std::vector<Change>{{NOTIFY_CHANGE_TOPIC, "news", true},
                                              {NOTIFY_CHANGE_TOPIC, "news", false}}));
}

TEST_F(ChangelogTest, InactivationChangesNothingButExpiryBringsEverythingDown) {
    const ConnectedClient phone = open_client(1, "user:ann");
    const ConnectedClient laptop = open_client(2, "user:ann");
    subscribe(phone.conn, "news");
    env.clear_records();
    core().connection_closed(phone.conn, NOTIFY_CLOSE_NORMAL);
    core().connection_closed(laptop.conn, NOTIFY_CLOSE_NORMAL);
    EXPECT_TRUE(changes().empty());

    env.clock_ms += 1'000;
    core().clean();
    const std::vector<Change> found = changes();
    EXPECT_EQ(std::count(found.begin(), found.end(), Change{NOTIFY_CHANGE_TOPIC, "news", false}),
              1);
    EXPECT_EQ(
        std::count(found.begin(), found.end(), Change{NOTIFY_CHANGE_CLIENT, phone.client, false}),
        1);
    EXPECT_EQ(
        std::count(found.begin(), found.end(), Change{NOTIFY_CHANGE_CLIENT, laptop.client, false}),
        1);
    EXPECT_EQ(found.back(), (Change{NOTIFY_CHANGE_USER, "ann", false}));
    EXPECT_EQ(std::count(found.begin(), found.end(), Change{NOTIFY_CHANGE_USER, "ann", false}), 1);
    EXPECT_EQ(found.size(), 4U);
    EXPECT_EQ(core().stats().users, 0U);
}

TEST_F(ChangelogTest, UserGoesDownOnlyWithItsLastClient) {
    const ConnectedClient phone = open_client(1, "user:ann");
    const ConnectedClient laptop = open_client(2, "user:ann");
    env.clear_records();
    core().disconnect(NOTIFY_TARGET_CLIENT, phone.client, NOTIFY_CLOSE_DISCONNECTED, "x");
    EXPECT_EQ(changes(), (std::vector<Change>{{NOTIFY_CHANGE_CLIENT, phone.client, false}}));
    core().disconnect(NOTIFY_TARGET_CLIENT, laptop.client, NOTIFY_CLOSE_DISCONNECTED, "x");
    EXPECT_EQ(changes(), (std::vector<Change>{{NOTIFY_CHANGE_CLIENT, phone.client, false},
                                              {NOTIFY_CHANGE_CLIENT, laptop.client, false},
                                              {NOTIFY_CHANGE_USER, "ann", false}}));
}

TEST_F(ChangelogTest, ChangeEventsCarryTheirTime) {
    env.clock_ms = 42'000;
    open_client(1);
    for (const RecordedEvent& event : env.events_of(NOTIFY_EVENT_CHANGE)) {
        EXPECT_EQ(event.time_ms, 42'000);
        EXPECT_TRUE(event.client_id.empty());
    }
}

}  // namespace
}  // namespace notify::core::testing
