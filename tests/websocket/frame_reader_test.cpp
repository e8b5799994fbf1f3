// The client frame reader, the UTF-8 validator and the server frame writers, fed the way a socket
// delivers bytes: whole, one at a time, split at every position and in random chunks.
#include "frame_reader.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "control_frames.hpp"
#include "utf8_validator.hpp"

// Counting every allocation of the test binary shows whether the reader copies or keeps memory.
namespace {
std::atomic<size_t> allocation_count{0};
std::atomic<long> live_allocations{0};
}  // namespace

void* operator new(size_t size) {
    if (void* memory = std::malloc(size == 0 ? 1 : size)) {
        ++allocation_count;
        ++live_allocations;
        return memory;
    }
    throw std::bad_alloc();
}
void operator delete(void* memory) noexcept {
    if (memory != nullptr) {
        --live_allocations;
        std::free(memory);
    }
}
void operator delete(void* memory, size_t) noexcept {
    operator delete(memory);
}

namespace notify::websocket {
namespace {

using Bytes = std::vector<uint8_t>;
using Kind = ReadResult::Kind;

Bytes bytes_of(std::string_view text) {
    return Bytes(text.begin(), text.end());
}

Bytes pattern_bytes(size_t size, uint8_t seed) {
    Bytes out(size);
    for (size_t i = 0; i < size; ++i) {
        out[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 8));
    }
    return out;
}

enum class LengthForm { minimal, bits16, bits64 };

struct ClientFrame {
    uint8_t opcode = 0x1;
    Bytes payload;
    bool fin = true;
    uint8_t rsv = 0;  // the three RSV bits, already shifted into place (0x40, 0x20, 0x10)
    bool masked = true;
    LengthForm length_form = LengthForm::minimal;
    std::array<uint8_t, 4> key{0x37, 0xFA, 0x21, 0x3D};
    std::optional<uint64_t> declared_length{};  // a lie about the payload length
};

Bytes encode(const ClientFrame& frame) {
    Bytes out;
    out.push_back(static_cast<uint8_t>((frame.fin ? 0x80 : 0) | frame.rsv | frame.opcode));
    const uint64_t length = frame.declared_length.value_or(frame.payload.size());
    const uint8_t mask_bit = frame.masked ? 0x80 : 0;
    LengthForm form = frame.length_form;
    if (form == LengthForm::minimal) {
        form = length < 126 ? LengthForm::minimal
                            : (length <= 0xFFFF ? LengthForm::bits16 : LengthForm::bits64);
    }
    if (form == LengthForm::minimal) {
        out.push_back(static_cast<uint8_t>(mask_bit | length));
    } else if (form == LengthForm::bits16) {
        out.push_back(static_cast<uint8_t>(mask_bit | 126));
        out.push_back(static_cast<uint8_t>(length >> 8));
        out.push_back(static_cast<uint8_t>(length & 0xFF));
    } else {
        out.push_back(static_cast<uint8_t>(mask_bit | 127));
        for (int byte = 7; byte >= 0; --byte) {
            out.push_back(static_cast<uint8_t>(length >> (8 * byte)));
        }
    }
    if (frame.masked) {
        out.insert(out.end(), frame.key.begin(), frame.key.end());
    }
    for (size_t i = 0; i < frame.payload.size(); ++i) {
        out.push_back(frame.masked ? static_cast<uint8_t>(frame.payload[i] ^ frame.key[i % 4])
                                   : frame.payload[i]);
    }
    return out;
}

ClientFrame text(std::string_view payload, bool fin = true) {
    return ClientFrame{.opcode = 0x1, .payload = bytes_of(payload), .fin = fin};
}
ClientFrame binary(Bytes payload, bool fin = true) {
    return ClientFrame{.opcode = 0x2, .payload = std::move(payload), .fin = fin};
}
ClientFrame continuation(Bytes payload, bool fin) {
    return ClientFrame{.opcode = 0x0, .payload = std::move(payload), .fin = fin};
}
ClientFrame control(uint8_t opcode, Bytes payload) {
    return ClientFrame{.opcode = opcode, .payload = std::move(payload)};
}
Bytes close_payload(uint16_t code, std::string_view reason) {
    Bytes out{static_cast<uint8_t>(code >> 8), static_cast<uint8_t>(code & 0xFF)};
    out.insert(out.end(), reason.begin(), reason.end());
    return out;
}

Bytes stream_of(const std::vector<ClientFrame>& frames) {
    Bytes out;
    for (const ClientFrame& frame : frames) {
        const Bytes encoded = encode(frame);
        out.insert(out.end(), encoded.begin(), encoded.end());
    }
    return out;
}

struct Event {
    Kind kind;
    Bytes data;
    uint16_t code = 0;
    bool operator==(const Event&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Event& event) {
    os << "{kind " << static_cast<int>(event.kind) << ", code " << event.code << ", "
       << event.data.size() << " bytes:";
    for (size_t i = 0; i < event.data.size() && i < 16; ++i) {
        os << ' ' << static_cast<int>(event.data[i]);
    }
    return os << (event.data.size() > 16 ? " ...}" : "}");
}

Event ev(Kind kind, Bytes data = {}, uint16_t code = 0) {
    return Event{kind, std::move(data), code};
}
Event ev(Kind kind, std::string_view data, uint16_t code = 0) {
    return Event{kind, bytes_of(data), code};
}

// Feeds the stream in chunks of the given sizes (the last chunk takes the rest), each chunk in its
// own allocation so that a reader keeping pointers into earlier input would be caught by ASan.
// Stops at the first violation.
std::vector<Event> feed(FrameReader& reader, const Bytes& stream,
                        const std::vector<size_t>& sizes) {
    std::vector<Event> events;
    size_t offset = 0;
    size_t chunk_index = 0;
    while (offset < stream.size()) {
        size_t size = stream.size() - offset;
        if (chunk_index < sizes.size()) {
            size = std::min(size, sizes[chunk_index]);
        }
        ++chunk_index;
        Bytes chunk(stream.begin() + static_cast<std::ptrdiff_t>(offset),
                    stream.begin() + static_cast<std::ptrdiff_t>(offset + size));
        offset += size;
        size_t done = 0;
        while (done < chunk.size()) {
            const size_t left = chunk.size() - done;
            const ReadResult result = reader.read(chunk.data() + done, left);
            EXPECT_GT(result.consumed, 0u) << "a call must make progress";
            EXPECT_LE(result.consumed, left);
            done += result.consumed;
            if (result.kind == Kind::need_more) {
                EXPECT_EQ(result.consumed, left);
                continue;
            }
            if (result.kind == Kind::violation) {
                EXPECT_NE(result.reason, nullptr);
                events.push_back(ev(Kind::violation, Bytes{}, result.close_code));
                return events;
            }
            Bytes data;
            if (result.size != 0) {
                data.assign(result.data, result.data + result.size);
            }
            if ((result.kind == Kind::text || result.kind == Kind::binary) && result.owned) {
                EXPECT_EQ(reader.take_message(), data);
            }
            events.push_back(ev(result.kind, std::move(data), result.close_code));
        }
    }
    return events;
}

std::vector<Event> feed_whole(const Bytes& stream, size_t max = 1 << 20) {
    FrameReader reader(max);
    return feed(reader, stream, {});
}
std::vector<Event> feed_bytewise(const Bytes& stream, size_t max = 1 << 20) {
    FrameReader reader(max);
    return feed(reader, stream, std::vector<size_t>(stream.size(), 1));
}

Event violation(uint16_t code) {
    return ev(Kind::violation, Bytes{}, code);
}

// ---------------------------------------------------------------------------------------------
// Reading whole frames

TEST(FrameReader, UnmasksTheRfcExampleInPlace) {
    // RFC 6455 5.7: a single-frame masked text message containing "Hello".
    Bytes input{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    FrameReader reader(100);
    const ReadResult result = reader.read(input.data(), input.size());
    ASSERT_EQ(result.kind, Kind::text);
    EXPECT_EQ(result.consumed, input.size());
    EXPECT_FALSE(result.owned);
    EXPECT_EQ(result.data, input.data() + 6) << "the payload is handed out where it lies";
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(result.data), result.size), "Hello");
    EXPECT_TRUE(reader.idle());
    EXPECT_TRUE(reader.take_message().empty()) << "nothing owned to take";
}

TEST(FrameReader, StopsAtTheFirstEventAndReportsWhatItUsed) {
    Bytes stream = stream_of({text("one"), binary(Bytes{1, 2}), control(0x9, bytes_of("p"))});
    FrameReader reader(100);
    ReadResult first = reader.read(stream.data(), stream.size());
    ASSERT_EQ(first.kind, Kind::text);
    EXPECT_EQ(first.consumed, 2u + 4u + 3u);
    ReadResult second = reader.read(stream.data() + first.consumed, stream.size() - first.consumed);
    ASSERT_EQ(second.kind, Kind::binary);
    EXPECT_EQ(second.consumed, 2u + 4u + 2u);
    EXPECT_EQ(Bytes(second.data, second.data + second.size), (Bytes{1, 2}));
    const size_t done = first.consumed + second.consumed;
    ReadResult third = reader.read(stream.data() + done, stream.size() - done);
    ASSERT_EQ(third.kind, Kind::ping);
    EXPECT_EQ(third.consumed, stream.size() - done);
    EXPECT_EQ(Bytes(third.data, third.data + third.size), bytes_of("p"));
    // The ping payload is handed out in place as well.
    EXPECT_EQ(third.data, stream.data() + stream.size() - 1);
}

TEST(FrameReader, EmptyInputNeedsMore) {
    FrameReader reader(100);
    uint8_t byte = 0;
    const ReadResult result = reader.read(&byte, 0);
    EXPECT_EQ(result.kind, Kind::need_more);
    EXPECT_EQ(result.consumed, 0u);
    EXPECT_TRUE(reader.idle());
}

TEST(FrameReader, UnmasksEveryKeyOffsetAndLength) {
    // Lengths around the 8-byte unmasking step, keys with every byte distinct or zero.
    const std::array<std::array<uint8_t, 4>, 3> keys{
        {{0x01, 0x80, 0xFF, 0x5A}, {0x00, 0x00, 0x00, 0x00}, {0xA5, 0xC3, 0x3C, 0x96}}};
    for (const auto& key : keys) {
        for (size_t length = 0; length < 40; ++length) {
            ClientFrame frame = binary(pattern_bytes(length, static_cast<uint8_t>(length)));
            frame.key = key;
            const Bytes stream = encode(frame);
            const std::vector<Event> expected{ev(Kind::binary, frame.payload)};
            EXPECT_EQ(feed_whole(stream), expected) << "length " << length;
            EXPECT_EQ(feed_bytewise(stream), expected) << "length " << length;
            // The payload split at every position: unmasking resumes at the right key byte.
            for (size_t split = 1; split < stream.size(); ++split) {
                FrameReader reader(100);
                EXPECT_EQ(feed(reader, stream, {split}), expected)
                    << "length " << length << " split " << split;
            }
        }
    }
}

TEST(FrameReader, SixteenAndSixtyFourBitLengths) {
    for (size_t length : {126u, 300u, 65535u, 65536u, 70000u}) {
        const Bytes payload = pattern_bytes(length, 3);
        const Bytes stream = encode(binary(payload));
        const size_t header = length <= 0xFFFF ? 2 + 2 + 4 : 2 + 8 + 4;
        ASSERT_EQ(stream.size(), header + length);
        Bytes input = stream;
        FrameReader reader(1 << 20);
        const ReadResult result = reader.read(input.data(), input.size());
        ASSERT_EQ(result.kind, Kind::binary) << length;
        EXPECT_EQ(result.consumed, input.size());
        EXPECT_EQ(result.data, input.data() + header);
        EXPECT_EQ(Bytes(result.data, result.data + result.size), payload);
        // Split inside the extended length and inside the mask.
        for (size_t split = 1; split < header + 1; ++split) {
            FrameReader split_reader(1 << 20);
            EXPECT_EQ(feed(split_reader, stream, {split}),
                      (std::vector<Event>{ev(Kind::binary, payload)}))
                << length << " split " << split;
        }
    }
}

TEST(FrameReader, AcceptsNonMinimalLengthEncodings) {
    ClientFrame short_in_16 = text("hello");
    short_in_16.length_form = LengthForm::bits16;
    ClientFrame short_in_64 = binary(Bytes{9, 8, 7});
    short_in_64.length_form = LengthForm::bits64;
    ClientFrame medium_in_64 = binary(pattern_bytes(1000, 1));
    medium_in_64.length_form = LengthForm::bits64;
    ClientFrame ping_in_16 = control(0x9, bytes_of("hi"));
    ping_in_16.length_form = LengthForm::bits16;
    const Bytes stream = stream_of({short_in_16, short_in_64, medium_in_64, ping_in_16});
    const std::vector<Event> expected{ev(Kind::text, "hello"), ev(Kind::binary, Bytes{9, 8, 7}),
                                      ev(Kind::binary, pattern_bytes(1000, 1)),
                                      ev(Kind::ping, "hi")};
    EXPECT_EQ(feed_whole(stream), expected);
    EXPECT_EQ(feed_bytewise(stream), expected);
}

TEST(FrameReader, EmptyMessagesAreMessages) {
    const Bytes stream = stream_of({text(""), binary({}), text("", false), continuation({}, false),
                                    continuation({}, true), binary({}, false),
                                    continuation({}, true), control(0x9, {}), control(0xA, {})});
    const std::vector<Event> expected{ev(Kind::text),   ev(Kind::binary), ev(Kind::text),
                                      ev(Kind::binary), ev(Kind::ping),   ev(Kind::pong)};
    EXPECT_EQ(feed_whole(stream), expected);
    EXPECT_EQ(feed_bytewise(stream), expected);
}

// ---------------------------------------------------------------------------------------------
// Fragmentation and control frames between fragments

TEST(FrameReader, JoinsFragmentsAndDeliversInterleavedControlFrames) {
    Bytes stream = stream_of({text("frag", false), control(0x9, bytes_of("p1")),
                              continuation(bytes_of("mented "), false), control(0xA, {}),
                              continuation(bytes_of("text"), true), text("after")});
    FrameReader reader(100);
    size_t done = 0;
    ReadResult ping = reader.read(stream.data(), stream.size());
    ASSERT_EQ(ping.kind, Kind::ping);
    EXPECT_EQ(Bytes(ping.data, ping.data + ping.size), bytes_of("p1"));
    EXPECT_FALSE(reader.idle()) << "a message is in progress";
    done += ping.consumed;
    ReadResult pong = reader.read(stream.data() + done, stream.size() - done);
    ASSERT_EQ(pong.kind, Kind::pong);
    EXPECT_EQ(pong.size, 0u);
    done += pong.consumed;
    ReadResult message = reader.read(stream.data() + done, stream.size() - done);
    ASSERT_EQ(message.kind, Kind::text);
    EXPECT_TRUE(message.owned);
    EXPECT_EQ(Bytes(message.data, message.data + message.size), bytes_of("fragmented text"));
    EXPECT_TRUE(reader.idle());
    EXPECT_EQ(reader.take_message(), bytes_of("fragmented text"));
    EXPECT_TRUE(reader.take_message().empty()) << "taken once";
    done += message.consumed;
    ReadResult after = reader.read(stream.data() + done, stream.size() - done);
    ASSERT_EQ(after.kind, Kind::text);
    EXPECT_FALSE(after.owned);
    EXPECT_EQ(Bytes(after.data, after.data + after.size), bytes_of("after"));
    EXPECT_EQ(done + after.consumed, stream.size());
}

TEST(FrameReader, ControlPayloadSplitAcrossReadsInsideAFragmentedMessage) {
    const Bytes ping_payload = pattern_bytes(125, 40);
    const Bytes stream =
        stream_of({binary(Bytes{1, 2, 3}, false), control(0x9, ping_payload),
                   continuation(Bytes{4, 5}, false), control(0x8, close_payload(1001, "going")),
                   continuation(Bytes{6}, true)});
    const std::vector<Event> expected{ev(Kind::ping, ping_payload), ev(Kind::close, "going", 1001),
                                      ev(Kind::binary, Bytes{1, 2, 3, 4, 5, 6})};
    EXPECT_EQ(feed_bytewise(stream), expected);
    for (size_t split = 1; split < stream.size(); ++split) {
        FrameReader reader(100);
        EXPECT_EQ(feed(reader, stream, {split}), expected) << "split " << split;
    }
}

TEST(FrameReader, AnUntakenMessageIsDroppedByTheNextRead) {
    const Bytes stream = stream_of({text("ab", false), continuation(bytes_of("cd"), true),
                                    text("ef", false), continuation(bytes_of("gh"), true)});
    Bytes input = stream;
    FrameReader reader(100);
    ReadResult first = reader.read(input.data(), input.size());
    ASSERT_EQ(first.kind, Kind::text);
    EXPECT_EQ(Bytes(first.data, first.data + first.size), bytes_of("abcd"));
    ReadResult second = reader.read(input.data() + first.consumed, input.size() - first.consumed);
    ASSERT_EQ(second.kind, Kind::text);
    EXPECT_EQ(Bytes(second.data, second.data + second.size), bytes_of("efgh"));
    EXPECT_EQ(reader.take_message(), bytes_of("efgh"));
}

TEST(FrameReader, IdleOnlyBetweenFramesWithoutAMessageInProgress) {
    Bytes stream = stream_of({text("hello"), binary(Bytes{1, 2}, false), control(0x9, {}),
                              continuation(Bytes{3}, true)});
    FrameReader reader(100);
    EXPECT_TRUE(reader.idle());
    ASSERT_EQ(reader.read(stream.data(), 1).kind, Kind::need_more);
    EXPECT_FALSE(reader.idle()) << "partial header";
    ASSERT_EQ(reader.read(stream.data() + 1, 7).kind, Kind::need_more);
    EXPECT_FALSE(reader.idle()) << "partial payload";
    ASSERT_EQ(reader.read(stream.data() + 8, 3).kind, Kind::text);
    EXPECT_TRUE(reader.idle());
    size_t done = 11;
    ReadResult ping = reader.read(stream.data() + done, stream.size() - done);
    ASSERT_EQ(ping.kind, Kind::ping);
    EXPECT_FALSE(reader.idle()) << "between fragments";
    done += ping.consumed;
    ReadResult last = reader.read(stream.data() + done, stream.size() - done);
    ASSERT_EQ(last.kind, Kind::binary);
    EXPECT_TRUE(reader.idle());
    EXPECT_EQ(reader.take_message(), (Bytes{1, 2, 3}));
    EXPECT_TRUE(reader.idle());
}

// ---------------------------------------------------------------------------------------------
// A long stream of every kind of frame, cut every way

std::vector<ClientFrame> mixed_frames(bool with_large_frame) {
    ClientFrame non_minimal = text("nonminimal");
    non_minimal.length_form = LengthForm::bits64;
    ClientFrame zero_key = binary(pattern_bytes(33, 0));
    zero_key.key = {0, 0, 0, 0};
    std::vector<ClientFrame> frames{
        text("hello"),
        binary(pattern_bytes(300, 1)),
        text("frag", false),
        control(0x9, bytes_of("p1")),
        continuation(bytes_of("mented \xF0\x9F"), false),  // the emoji is split between fragments
        control(0xA, {}),
        continuation(bytes_of("\x98\x80 text"), true),
        text(""),
        binary({}),
        non_minimal,
        zero_key,
        control(0x9, pattern_bytes(125, 9)),
        binary({}, false),
        continuation(pattern_bytes(200, 5), false),
        continuation(Bytes{0xFF}, true),
        text("\xE2\x82\xAC caf\xC3\xA9"),
    };
    if (with_large_frame) {
        frames.push_back(binary(pattern_bytes(70000, 2)));
    }
    frames.push_back(control(0x8, close_payload(1000, "bye")));
    return frames;
}

std::vector<Event> mixed_events(bool with_large_frame) {
    Bytes joined = pattern_bytes(200, 5);
    joined.push_back(0xFF);
    std::vector<Event> events{
        ev(Kind::text, "hello"),
        ev(Kind::binary, pattern_bytes(300, 1)),
        ev(Kind::ping, "p1"),
        ev(Kind::pong),
        ev(Kind::text, "fragmented \xF0\x9F\x98\x80 text"),
        ev(Kind::text),
        ev(Kind::binary),
        ev(Kind::text, "nonminimal"),
        ev(Kind::binary, pattern_bytes(33, 0)),
        ev(Kind::ping, pattern_bytes(125, 9)),
        ev(Kind::binary, joined),
        ev(Kind::text, "\xE2\x82\xAC caf\xC3\xA9"),
    };
    if (with_large_frame) {
        events.push_back(ev(Kind::binary, pattern_bytes(70000, 2)));
    }
    events.push_back(ev(Kind::close, "bye", 1000));
    return events;
}

TEST(FrameReader, MixedStreamWholeAndOneByteAtATime) {
    const Bytes stream = stream_of(mixed_frames(true));
    const std::vector<Event> expected = mixed_events(true);
    EXPECT_EQ(feed_whole(stream), expected);
    EXPECT_EQ(feed_bytewise(stream), expected);
}

TEST(FrameReader, MixedStreamSplitAtEveryByteBoundary) {
    const Bytes stream = stream_of(mixed_frames(false));
    const std::vector<Event> expected = mixed_events(false);
    for (size_t split = 1; split < stream.size(); ++split) {
        FrameReader reader(1 << 20);
        ASSERT_EQ(feed(reader, stream, {split}), expected) << "split " << split;
    }
}

TEST(FrameReader, MixedStreamInRandomChunks) {
    const Bytes stream = stream_of(mixed_frames(true));
    const std::vector<Event> expected = mixed_events(true);
    std::mt19937 random(20240611);
    for (int round = 0; round < 60; ++round) {
        // Small chunks cut headers and payloads; large ones also hit the in-place path.
        const size_t largest = round % 3 == 0 ? 8 : (round % 3 == 1 ? 64 : 4096);
        std::uniform_int_distribution<size_t> size_of(1, largest);
        std::vector<size_t> sizes;
        for (size_t total = 0; total < stream.size(); total += sizes.back()) {
            sizes.push_back(size_of(random));
        }
        FrameReader reader(1 << 20);
        ASSERT_EQ(feed(reader, stream, sizes), expected) << "round " << round;
    }
}

// ---------------------------------------------------------------------------------------------
// Memory: in place when possible, nothing kept when idle

TEST(FrameReader, WholeFramesAreReadWithoutAllocating) {
    Bytes stream =
        stream_of({text("hello"), binary(pattern_bytes(1000, 1)), control(0x9, bytes_of("ping")),
                   control(0x8, close_payload(1000, ""))});
    FrameReader reader(1 << 20);
    std::array<Kind, 4> kinds{};
    const size_t before = allocation_count.load();
    size_t done = 0;
    for (Kind& kind : kinds) {
        const ReadResult result = reader.read(stream.data() + done, stream.size() - done);
        kind = result.kind;
        done += result.consumed;
    }
    const size_t allocations = allocation_count.load() - before;
    EXPECT_EQ(kinds, (std::array<Kind, 4>{Kind::text, Kind::binary, Kind::ping, Kind::close}));
    EXPECT_EQ(allocations, 0u);
}

TEST(FrameReader, HoldsNoMemoryOnceResultsAreTakenOrPassed) {
    Bytes stream =
        stream_of({binary(pattern_bytes(500, 1)), control(0x9, bytes_of("ping")), text("whole")});
    FrameReader reader(1 << 20);
    const long before = live_allocations.load();
    // The message split in two reads: assembled in the reader, then moved out and freed.
    ReadResult part = reader.read(stream.data(), 100);
    ReadResult message = reader.read(stream.data() + 100, stream.size() - 100);
    const long while_owned = live_allocations.load();
    { const Bytes taken = reader.take_message(); }
    const long after_take = live_allocations.load();
    // The ping split in two reads: buffered, and released by the next read.
    size_t done = 100 + message.consumed;
    ReadResult ping_start = reader.read(stream.data() + done, 8);  // header and half the payload
    done += 8;
    ReadResult ping = reader.read(stream.data() + done, 2);
    done += ping.consumed;
    const long while_ping = live_allocations.load();
    ReadResult whole = reader.read(stream.data() + done, stream.size() - done);
    const long at_end = live_allocations.load();

    EXPECT_EQ(part.kind, Kind::need_more);
    ASSERT_EQ(message.kind, Kind::binary);
    EXPECT_TRUE(message.owned);
    EXPECT_EQ(ping_start.kind, Kind::need_more);
    ASSERT_EQ(ping.kind, Kind::ping);
    EXPECT_EQ(whole.kind, Kind::text);
    EXPECT_GT(while_owned, before);
    EXPECT_EQ(after_take, before);
    EXPECT_GT(while_ping, before);
    EXPECT_EQ(at_end, before);
    EXPECT_TRUE(reader.idle());
}

// ---------------------------------------------------------------------------------------------
// Protocol violations (1002)

// Feeds only the first bytes of the frame: the violation must not wait for the rest.
void expect_early_violation(const Bytes& prefix_stream, const Bytes& frame, size_t bytes_needed,
                            uint16_t code, const std::string& what) {
    Bytes stream = prefix_stream;
    stream.insert(stream.end(), frame.begin(),
                  frame.begin() + static_cast<std::ptrdiff_t>(bytes_needed));
    FrameReader reader(1000);
    const std::vector<Event> events = feed(reader, stream, {});
    ASSERT_FALSE(events.empty()) << what;
    EXPECT_EQ(events.back(), violation(code)) << what;
    FrameReader bytewise(1000);
    const std::vector<Event> bytewise_events =
        feed(bytewise, stream, std::vector<size_t>(stream.size(), 1));
    ASSERT_FALSE(bytewise_events.empty()) << what;
    EXPECT_EQ(bytewise_events.back(), violation(code)) << what;
}

TEST(FrameReader, ReservedBitsAreAViolation) {
    for (uint8_t rsv : {uint8_t{0x40}, uint8_t{0x20}, uint8_t{0x10}, uint8_t{0x70}}) {
        ClientFrame frame = text("x");
        frame.rsv = rsv;
        expect_early_violation({}, encode(frame), 2, 1002, "rsv " + std::to_string(rsv));
        ClientFrame ping = control(0x9, {});
        ping.rsv = rsv;
        expect_early_violation({}, encode(ping), 2, 1002, "ping rsv " + std::to_string(rsv));
    }
}

TEST(FrameReader, UnknownOpcodesAreAViolation) {
    for (uint8_t opcode : Bytes{3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
        ClientFrame frame = control(opcode, {});
        expect_early_violation({}, encode(frame), 2, 1002, "opcode " + std::to_string(opcode));
    }
}

TEST(FrameReader, UnmaskedClientFramesAreAViolation) {
    for (uint8_t opcode : Bytes{0x1, 0x2, 0x8, 0x9, 0xA}) {
        ClientFrame frame = control(opcode, {});
        frame.masked = false;
        expect_early_violation({}, encode(frame), 2, 1002, "opcode " + std::to_string(opcode));
    }
    ClientFrame fragment = continuation(bytes_of("x"), true);
    fragment.masked = false;
    expect_early_violation(encode(text("a", false)), encode(fragment), 2, 1002, "continuation");
}

TEST(FrameReader, FragmentedControlFramesAreAViolation) {
    for (uint8_t opcode : Bytes{0x8, 0x9, 0xA}) {
        ClientFrame frame = control(opcode, {});
        frame.fin = false;
        expect_early_violation({}, encode(frame), 2, 1002, "opcode " + std::to_string(opcode));
    }
}

TEST(FrameReader, ControlFramesLongerThan125AreAViolation) {
    for (uint8_t opcode : Bytes{0x8, 0x9, 0xA}) {
        ClientFrame frame = control(opcode, pattern_bytes(126, 0));
        expect_early_violation({}, encode(frame), 4 + 4, 1002, "opcode " + std::to_string(opcode));
        frame.length_form = LengthForm::bits64;
        expect_early_violation({}, encode(frame), 10 + 4, 1002,
                               "64-bit opcode " + std::to_string(opcode));
    }
    const Bytes longest = pattern_bytes(125, 0);
    EXPECT_EQ(feed_whole(encode(control(0xA, longest))),
              (std::vector<Event>{ev(Kind::pong, longest)}));
}

TEST(FrameReader, ContinuationWithoutAMessageIsAViolation) {
    expect_early_violation({}, encode(continuation(bytes_of("x"), true)), 2, 1002, "first frame");
    expect_early_violation({}, encode(continuation({}, false)), 2, 1002, "first frame, not fin");
    expect_early_violation(encode(text("done")), encode(continuation(bytes_of("x"), true)), 2, 1002,
                           "after a complete message");
    expect_early_violation(stream_of({text("a", false), continuation(bytes_of("b"), true)}),
                           encode(continuation(bytes_of("x"), true)), 2, 1002,
                           "after a complete fragmented message");
}

TEST(FrameReader, NewMessageInsideAFragmentedMessageIsAViolation) {
    expect_early_violation(encode(text("a", false)), encode(text("b")), 2, 1002, "text in text");
    expect_early_violation(encode(text("a", false)), encode(binary({1})), 2, 1002,
                           "binary in text");
    expect_early_violation(stream_of({binary({1}, false), continuation({2}, false)}),
                           encode(binary({3}, false)), 2, 1002, "binary in binary");
}

TEST(FrameReader, SixtyFourBitLengthWithTheTopBitIsAViolation) {
    ClientFrame frame = binary({});
    frame.declared_length = uint64_t{1} << 63;
    expect_early_violation({}, encode(frame), 2 + 8 + 4, 1002, "top bit");
    frame.declared_length = ~uint64_t{0};
    expect_early_violation({}, encode(frame), 2 + 8 + 4, 1002, "all bits");
}

TEST(FrameReader, ViolationIsRepeatedByLaterCalls) {
    Bytes stream = encode(control(0x3, {}));
    FrameReader reader(100);
    const ReadResult first = reader.read(stream.data(), stream.size());
    ASSERT_EQ(first.kind, Kind::violation);
    EXPECT_EQ(first.close_code, 1002);
    EXPECT_STREQ(first.reason, "unknown opcode");
    Bytes more = encode(text("fine"));
    const ReadResult again = reader.read(more.data(), more.size());
    EXPECT_EQ(again.kind, Kind::violation);
    EXPECT_EQ(again.close_code, 1002);
    EXPECT_EQ(again.consumed, more.size()) << "a caller looping on input still terminates";
}

TEST(FrameReader, ViolationReasonsNameTheProblem) {
    ClientFrame unmasked = text("x");
    unmasked.masked = false;
    Bytes stream = encode(unmasked);
    FrameReader reader(100);
    const ReadResult result = reader.read(stream.data(), stream.size());
    ASSERT_EQ(result.kind, Kind::violation);
    EXPECT_STREQ(result.reason, "unmasked client frame");
    EXPECT_EQ(result.consumed, 2u) << "stopped at the header";
}

// ---------------------------------------------------------------------------------------------
// Close frames

TEST(FrameReader, CloseWithCodeAndReason) {
    const Bytes stream = encode(control(0x8, close_payload(1000, "normal \xC3\xA9")));
    const std::vector<Event> expected{ev(Kind::close, "normal \xC3\xA9", 1000)};
    EXPECT_EQ(feed_whole(stream), expected);
    EXPECT_EQ(feed_bytewise(stream), expected);
}

TEST(FrameReader, EmptyCloseReportsNoStatus) {
    const Bytes stream = encode(control(0x8, {}));
    EXPECT_EQ(feed_whole(stream), (std::vector<Event>{ev(Kind::close, Bytes{}, 1005)}));
    EXPECT_EQ(feed_bytewise(stream), (std::vector<Event>{ev(Kind::close, Bytes{}, 1005)}));
}

TEST(FrameReader, CloseCodeOnlyHasAnEmptyReason) {
    EXPECT_EQ(feed_whole(encode(control(0x8, close_payload(4999, "")))),
              (std::vector<Event>{ev(Kind::close, Bytes{}, 4999)}));
}

TEST(FrameReader, OneByteClosePayloadIsAViolation) {
    const Bytes stream = encode(control(0x8, Bytes{0x03}));
    EXPECT_EQ(feed_whole(stream), (std::vector<Event>{violation(1002)}));
    EXPECT_EQ(feed_bytewise(stream), (std::vector<Event>{violation(1002)}));
    // Followed by a byte that would complete code 1000 if the reader looked past the payload.
    Bytes followed = stream;
    followed.push_back(0xE8);
    EXPECT_EQ(feed_whole(followed), (std::vector<Event>{violation(1002)}));
}

TEST(FrameReader, CloseCodesOutsideTheAllowedRangesAreViolations) {
    for (uint16_t code : std::vector<uint16_t>{0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000,
                                               2999, 5000, 65535}) {
        const Bytes stream = encode(control(0x8, close_payload(code, "")));
        EXPECT_EQ(feed_whole(stream), (std::vector<Event>{violation(1002)})) << code;
        EXPECT_EQ(feed_bytewise(stream), (std::vector<Event>{violation(1002)})) << code;
    }
    for (uint16_t code : std::vector<uint16_t>{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011,
                                               1012, 1013, 1014, 3000, 3999, 4000, 4999}) {
        const Bytes stream = encode(control(0x8, close_payload(code, "r")));
        EXPECT_EQ(feed_whole(stream), (std::vector<Event>{ev(Kind::close, "r", code)})) << code;
        EXPECT_EQ(feed_bytewise(stream), (std::vector<Event>{ev(Kind::close, "r", code)})) << code;
    }
}

TEST(FrameReader, InvalidUtf8InTheCloseReasonIs1007) {
    for (std::string_view reason :
         {std::string_view("bad \xFF"), std::string_view("\xC0\x80"),
          std::string_view("cut \xE2\x82"), std::string_view("\xED\xA0\x80")}) {
        const Bytes stream = encode(control(0x8, close_payload(1000, reason)));
        EXPECT_EQ(feed_whole(stream), (std::vector<Event>{violation(1007)}));
        EXPECT_EQ(feed_bytewise(stream), (std::vector<Event>{violation(1007)}));
    }
}

// ---------------------------------------------------------------------------------------------
// UTF-8 in text messages (1007)

TEST(FrameReader, InvalidUtf8InATextFrameIs1007) {
    const Bytes stream = encode(text("abc\xC0\x80"));
    EXPECT_EQ(feed_whole(stream), (std::vector<Event>{violation(1007)}));
    EXPECT_EQ(feed_bytewise(stream), (std::vector<Event>{violation(1007)}));
}

TEST(FrameReader, TextEndingInsideASequenceIs1007) {
    const Bytes single = encode(text("euro \xE2\x82"));
    EXPECT_EQ(feed_whole(single), (std::vector<Event>{violation(1007)}));
    EXPECT_EQ(feed_bytewise(single), (std::vector<Event>{violation(1007)}));
    const Bytes fragmented =
        stream_of({text("a", false), continuation(bytes_of("\xF0\x9F"), true)});
    EXPECT_EQ(feed_whole(fragmented), (std::vector<Event>{violation(1007)}));
    EXPECT_EQ(feed_bytewise(fragmented), (std::vector<Event>{violation(1007)}));
}

TEST(FrameReader, Utf8IsCheckedAsBytesArrive) {
    // An invalid byte early in a large text frame is refused without waiting for the rest.
    Bytes payload(1000, 'a');
    payload[5] = 0xFF;
    const Bytes frame = encode(ClientFrame{.opcode = 0x1, .payload = payload});
    Bytes first_part(frame.begin(), frame.begin() + 4 + 4 + 10);
    FrameReader reader(5000);
    const ReadResult result = reader.read(first_part.data(), first_part.size());
    EXPECT_EQ(result.kind, Kind::violation);
    EXPECT_EQ(result.close_code, 1007);

    // Across fragments: a sequence cut by a fragment boundary continues with a wrong byte.
    Bytes stream = stream_of({text("ok \xF0\x9F", false), continuation(bytes_of("A"), true)});
    FrameReader fragments(100);
    EXPECT_EQ(feed(fragments, stream, {}), (std::vector<Event>{violation(1007)}));
    // The second fragment's header and its first payload byte suffice.
    const size_t first_fragment = 2 + 4 + 5;
    Bytes prefix(stream.begin(), stream.begin() + first_fragment + 2 + 4 + 1);
    FrameReader early(100);
    EXPECT_EQ(feed(early, prefix, {first_fragment}), (std::vector<Event>{violation(1007)}));
}

TEST(FrameReader, BinaryMessagesAreNotUtf8Checked) {
    const Bytes stream = stream_of({binary(Bytes{0xFF, 0xC0, 0x80}), binary(Bytes{0xE2}, false),
                                    continuation(Bytes{0xED, 0xA0, 0x80}, true)});
    EXPECT_EQ(feed_bytewise(stream),
              (std::vector<Event>{ev(Kind::binary, Bytes{0xFF, 0xC0, 0x80}),
                                  ev(Kind::binary, Bytes{0xE2, 0xED, 0xA0, 0x80})}));
}

TEST(FrameReader, PingPayloadsAreNotUtf8Checked) {
    const Bytes stream = encode(control(0x9, Bytes{0xFF, 0xFE}));
    EXPECT_EQ(feed_whole(stream), (std::vector<Event>{ev(Kind::ping, Bytes{0xFF, 0xFE})}));
}

// ---------------------------------------------------------------------------------------------
// Message size limit (1009)

TEST(FrameReader, MessageOfExactlyTheLimitIsAccepted) {
    const Bytes payload = pattern_bytes(10, 0);
    EXPECT_EQ(feed_whole(encode(binary(payload)), 10),
              (std::vector<Event>{ev(Kind::binary, payload)}));
    EXPECT_EQ(feed_bytewise(encode(binary(payload)), 10),
              (std::vector<Event>{ev(Kind::binary, payload)}));
    const Bytes fragmented =
        stream_of({binary(Bytes{1, 2, 3, 4}, false), control(0x9, pattern_bytes(100, 0)),
                   continuation(Bytes{5, 6, 7, 8, 9, 10}, true)});
    const std::vector<Event> expected{ev(Kind::ping, pattern_bytes(100, 0)),
                                      ev(Kind::binary, Bytes{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})};
    EXPECT_EQ(feed_whole(fragmented, 10), expected) << "control frames do not count";
    EXPECT_EQ(feed_bytewise(fragmented, 10), expected);
}

TEST(FrameReader, MessageOverTheLimitIsRefusedOnItsHeader) {
    const Bytes frame = encode(binary(pattern_bytes(11, 0)));
    Bytes header_only(frame.begin(), frame.begin() + 6);
    FrameReader reader(10);
    const ReadResult result = reader.read(header_only.data(), header_only.size());
    EXPECT_EQ(result.kind, Kind::violation);
    EXPECT_EQ(result.close_code, 1009);

    const Bytes fragments = stream_of({text("abcd", false), continuation(bytes_of("efgh"), false),
                                       continuation(bytes_of("ijk"), true)});
    const size_t before_last = 2 * (2 + 4 + 4);
    Bytes up_to_last_header(fragments.begin(),
                            fragments.begin() + static_cast<std::ptrdiff_t>(before_last + 6));
    FrameReader fragmented(10);
    EXPECT_EQ(feed(fragmented, up_to_last_header, {}), (std::vector<Event>{violation(1009)}));
}

TEST(FrameReader, HugeDeclaredLengthsAreRefusedWithoutAllocating) {
    ClientFrame frame = binary({});
    frame.declared_length = uint64_t{1} << 62;
    Bytes header = encode(frame);
    FrameReader reader(1 << 20);
    const size_t before = allocation_count.load();
    const ReadResult result = reader.read(header.data(), header.size());
    const size_t allocations = allocation_count.load() - before;
    EXPECT_EQ(result.kind, Kind::violation);
    EXPECT_EQ(result.close_code, 1009);
    EXPECT_EQ(allocations, 0u);
}

TEST(FrameReader, ZeroLimitAllowsOnlyEmptyMessages) {
    EXPECT_EQ(feed_whole(stream_of({text(""), binary({}, false), continuation({}, true)}), 0),
              (std::vector<Event>{ev(Kind::text), ev(Kind::binary)}));
    EXPECT_EQ(feed_whole(encode(text("x")), 0), (std::vector<Event>{violation(1009)}));
}

// ---------------------------------------------------------------------------------------------
// UTF-8 validator

bool valid_whole(std::string_view text) {
    Utf8Validator validator;
    return validator.feed(reinterpret_cast<const uint8_t*>(text.data()), text.size()) &&
           validator.complete();
}

bool valid_bytewise(std::string_view text) {
    Utf8Validator validator;
    for (char c : text) {
        const auto byte = static_cast<uint8_t>(c);
        if (!validator.feed(&byte, 1)) {
            return false;
        }
    }
    return validator.complete();
}

// A second opinion written the other way round: decode each code point, then judge it.
bool reference_valid(const uint8_t* data, size_t size) {
    size_t i = 0;
    while (i < size) {
        const uint8_t lead = data[i];
        size_t length;
        uint32_t code_point;
        if (lead < 0x80) {
            length = 1;
            code_point = lead;
        } else if ((lead & 0xE0) == 0xC0) {
            length = 2;
            code_point = lead & 0x1Fu;
        } else if ((lead & 0xF0) == 0xE0) {
            length = 3;
            code_point = lead & 0x0Fu;
        } else if ((lead & 0xF8) == 0xF0) {
            length = 4;
            code_point = lead & 0x07u;
        } else {
            return false;
        }
        if (size - i < length) {
            return false;
        }
        for (size_t k = 1; k < length; ++k) {
            if ((data[i + k] & 0xC0) != 0x80) {
                return false;
            }
            code_point = (code_point << 6) | (data[i + k] & 0x3Fu);
        }
        const uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
        if (code_point < smallest[length] || code_point > 0x10FFFF ||
            (code_point >= 0xD800 && code_point <= 0xDFFF)) {
            return false;
        }
        i += length;
    }
    return true;
}

TEST(Utf8Validator, AcceptsValidText) {
    EXPECT_TRUE(valid_whole(""));
    EXPECT_TRUE(valid_whole("plain ASCII that is longer than one word of eight"));
    EXPECT_TRUE(valid_whole("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
    EXPECT_TRUE(valid_whole("\xC2\x80"));          // U+0080
    EXPECT_TRUE(valid_whole("\xDF\xBF"));          // U+07FF
    EXPECT_TRUE(valid_whole("\xE0\xA0\x80"));      // U+0800
    EXPECT_TRUE(valid_whole("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
    EXPECT_TRUE(valid_whole("\xEE\x80\x80"));      // U+E000, just above them
    EXPECT_TRUE(valid_whole("\xEF\xBF\xBF"));      // U+FFFF
    EXPECT_TRUE(valid_whole("\xF0\x90\x80\x80"));  // U+10000
    EXPECT_TRUE(valid_whole("\xF4\x8F\xBF\xBF"));  // U+10FFFF
    EXPECT_TRUE(valid_whole(std::string_view("\0nul", 4)));
}

TEST(Utf8Validator, RefusesOverlongsSurrogatesAndOutOfRange) {
    for (std::string_view bad :
         {"\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xE0\x9F\xBF", "\xF0\x80\x80\x80",
          "\xF0\x8F\xBF\xBF", "\xED\xA0\x80", "\xED\xBF\xBF", "\xF4\x90\x80\x80",
          "\xF5\x80\x80\x80", "\xFF", "\xFE", "\x80", "\xBF", "a\x80", "\xC2\x41", "\xE2\x82\x41",
          "\xF0\x9F\x98\x41"}) {
        EXPECT_FALSE(valid_whole(bad)) << testing::PrintToString(std::string(bad));
        EXPECT_FALSE(valid_bytewise(bad)) << testing::PrintToString(std::string(bad));
    }
}

TEST(Utf8Validator, TruncatedSequenceIsFedButNotComplete) {
    for (std::string_view cut : {"\xC3", "\xE2\x82", "\xF0\x9F\x98", "ok \xF4"}) {
        Utf8Validator validator;
        EXPECT_TRUE(validator.feed(reinterpret_cast<const uint8_t*>(cut.data()), cut.size()));
        EXPECT_FALSE(validator.complete());
    }
}

TEST(Utf8Validator, FourByteSequenceSplitAtEveryPosition) {
    const std::string_view text = "x\xF0\x9F\x98\x80y";
    const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
    for (size_t first = 0; first <= text.size(); ++first) {
        for (size_t second = first; second <= text.size(); ++second) {
            Utf8Validator validator;
            EXPECT_TRUE(validator.feed(bytes, first));
            EXPECT_EQ(validator.complete(), first < 2 || first > 4);
            EXPECT_TRUE(validator.feed(bytes + first, second - first));
            EXPECT_TRUE(validator.feed(bytes + second, text.size() - second));
            EXPECT_TRUE(validator.complete()) << first << ' ' << second;
        }
    }
}

TEST(Utf8Validator, FailureIsStickyUntilReset) {
    Utf8Validator validator;
    const uint8_t bad = 0xFF;
    const uint8_t good = 'a';
    EXPECT_FALSE(validator.feed(&bad, 1));
    EXPECT_FALSE(validator.feed(&good, 1));
    EXPECT_FALSE(validator.complete());
    validator.reset();
    EXPECT_TRUE(validator.feed(&good, 1));
    EXPECT_TRUE(validator.complete());
    const uint8_t lead = 0xE2;
    EXPECT_TRUE(validator.feed(&lead, 1));
    validator.reset();
    EXPECT_TRUE(validator.complete()) << "reset forgets a pending sequence";
}

TEST(Utf8Validator, InvalidByteAtEveryPositionOfAnAsciiRun) {
    for (size_t length = 1; length < 40; ++length) {
        for (size_t bad_at = 0; bad_at < length; ++bad_at) {
            std::string text(length, 'a');
            text[bad_at] = '\x80';
            EXPECT_FALSE(valid_whole(text)) << length << ' ' << bad_at;
        }
        EXPECT_TRUE(valid_whole(std::string(length, 'z')));
    }
}

TEST(Utf8Validator, AgreesWithAReferenceOnAllShortSequences) {
    std::array<uint8_t, 4> buffer{};
    const auto agree = [&](size_t size) {
        Utf8Validator validator;
        const bool ours = validator.feed(buffer.data(), size) && validator.complete();
        return ours == reference_valid(buffer.data(), size);
    };
    size_t disagreements = 0;
    for (unsigned a = 0; a < 256; ++a) {
        buffer[0] = static_cast<uint8_t>(a);
        disagreements += agree(1) ? 0 : 1;
        for (unsigned b = 0; b < 256; ++b) {
            buffer[1] = static_cast<uint8_t>(b);
            disagreements += agree(2) ? 0 : 1;
        }
    }
    // Every three-byte string with a multi-byte lead, every four-byte one with a 4-byte lead
    // and continuation bytes near the edges of their range.
    for (unsigned a = 0xC0; a < 0x100; ++a) {
        buffer[0] = static_cast<uint8_t>(a);
        for (unsigned b = 0; b < 256; ++b) {
            buffer[1] = static_cast<uint8_t>(b);
            for (unsigned c = 0; c < 256; ++c) {
                buffer[2] = static_cast<uint8_t>(c);
                disagreements += agree(3) ? 0 : 1;
                if (a >= 0xF0 && a <= 0xF7 && (c == 0x7F || c == 0x80 || c == 0xBF || c == 0xC0)) {
                    for (uint8_t d : Bytes{0x00, 0x7F, 0x80, 0x9F, 0xBF, 0xC0}) {
                        buffer[3] = d;
                        disagreements += agree(4) ? 0 : 1;
                    }
                }
            }
        }
    }
    EXPECT_EQ(disagreements, 0u);
}

TEST(Utf8Validator, EveryCodePointEncodesToValidUtf8ExceptSurrogates) {
    size_t wrong = 0;
    for (uint32_t code_point = 0; code_point <= 0x10FFFF; ++code_point) {
        std::array<uint8_t, 4> bytes{};
        size_t size;
        if (code_point < 0x80) {
            bytes[0] = static_cast<uint8_t>(code_point);
            size = 1;
        } else if (code_point < 0x800) {
            bytes[0] = static_cast<uint8_t>(0xC0 | (code_point >> 6));
            bytes[1] = static_cast<uint8_t>(0x80 | (code_point & 0x3F));
            size = 2;
        } else if (code_point < 0x10000) {
            bytes[0] = static_cast<uint8_t>(0xE0 | (code_point >> 12));
            bytes[1] = static_cast<uint8_t>(0x80 | ((code_point >> 6) & 0x3F));
            bytes[2] = static_cast<uint8_t>(0x80 | (code_point & 0x3F));
            size = 3;
        } else {
            bytes[0] = static_cast<uint8_t>(0xF0 | (code_point >> 18));
            bytes[1] = static_cast<uint8_t>(0x80 | ((code_point >> 12) & 0x3F));
            bytes[2] = static_cast<uint8_t>(0x80 | ((code_point >> 6) & 0x3F));
            bytes[3] = static_cast<uint8_t>(0x80 | (code_point & 0x3F));
            size = 4;
        }
        Utf8Validator validator;
        const bool valid = validator.feed(bytes.data(), size) && validator.complete();
        const bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
        wrong += valid == !surrogate ? 0 : 1;
    }
    EXPECT_EQ(wrong, 0u);
}

// ---------------------------------------------------------------------------------------------
// Server frame writers

TEST(ServerFrames, HeaderLengthForms) {
    const auto header = [](bool is_binary, size_t length) {
        Bytes out{0xEE};  // appended after what is already there
        append_ws_header(out, is_binary, length);
        return out;
    };
    EXPECT_EQ(header(false, 0), (Bytes{0xEE, 0x81, 0x00}));
    EXPECT_EQ(header(true, 0), (Bytes{0xEE, 0x82, 0x00}));
    EXPECT_EQ(header(false, 125), (Bytes{0xEE, 0x81, 125}));
    EXPECT_EQ(header(true, 126), (Bytes{0xEE, 0x82, 126, 0x00, 126}));
    EXPECT_EQ(header(false, 65535), (Bytes{0xEE, 0x81, 126, 0xFF, 0xFF}));
    EXPECT_EQ(header(true, 65536),
              (Bytes{0xEE, 0x82, 127, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}));
    EXPECT_EQ(header(false, 0x0123456789ULL),
              (Bytes{0xEE, 0x81, 127, 0x00, 0x00, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89}));
}

TEST(ServerFrames, ControlFrames) {
    Bytes out;
    const Bytes abc = bytes_of("abc");
    append_control_frame(out, ws_opcode_ping, abc.data(), abc.size());
    append_control_frame(out, ws_opcode_pong, nullptr, 0);
    EXPECT_EQ(out, (Bytes{0x89, 0x03, 'a', 'b', 'c', 0x8A, 0x00}));

    const Bytes long_payload = pattern_bytes(200, 0);
    Bytes cut;
    append_control_frame(cut, ws_opcode_pong, long_payload.data(), long_payload.size());
    ASSERT_EQ(cut.size(), 2u + 125u);
    EXPECT_EQ(cut[0], 0x8A);
    EXPECT_EQ(cut[1], 125);
    EXPECT_EQ(Bytes(cut.begin() + 2, cut.end()),
              Bytes(long_payload.begin(), long_payload.begin() + 125));
}

TEST(ServerFrames, CloseFrame) {
    Bytes out;
    append_close_frame(out, 1000, "bye");
    EXPECT_EQ(out, (Bytes{0x88, 0x05, 0x03, 0xE8, 'b', 'y', 'e'}));
    Bytes empty;
    append_close_frame(empty, 1009, "");
    EXPECT_EQ(empty, (Bytes{0x88, 0x02, 0x03, 0xF1}));
}

std::string reason_of_close_frame(const Bytes& frame) {
    EXPECT_EQ(frame[0], 0x88);
    EXPECT_EQ(frame[1], frame.size() - 2);
    EXPECT_LE(frame[1], 125);
    return std::string(frame.begin() + 4, frame.end());
}

TEST(ServerFrames, CloseReasonIsCutAtACharacterBoundary) {
    const std::string ascii(200, 'a');
    Bytes out;
    append_close_frame(out, 1001, ascii);
    EXPECT_EQ(reason_of_close_frame(out), ascii.substr(0, 123));

    // A multi-byte character ending just past byte 123 is dropped whole.
    const std::vector<std::pair<std::string, size_t>> cases{
        {std::string(122, 'a') + "\xC3\xA9", 122},          // 2-byte char at 122..123
        {std::string(121, 'a') + "\xE2\x82\xAC", 121},      // 3-byte char at 121..123
        {std::string(122, 'a') + "\xE2\x82\xAC", 122},      // 3-byte char at 122..124
        {std::string(120, 'a') + "\xF0\x9F\x98\x80", 120},  // 4-byte char at 120..123
        {std::string(123, 'a') + "\xF0\x9F\x98\x80", 123},  // starts right at the limit
        {std::string(119, 'a') + "\xF0\x9F\x98\x80", 123},  // fits exactly
        {std::string(121, 'a') + "\xC3\xA9", 123},          // fits exactly
    };
    for (const auto& [reason, kept] : cases) {
        Bytes frame;
        append_close_frame(frame, 1000, reason);
        EXPECT_EQ(reason_of_close_frame(frame), reason.substr(0, kept)) << reason.size();
    }
    // Long runs of multi-byte characters stay valid whatever the alignment.
    for (size_t prefix = 0; prefix < 4; ++prefix) {
        std::string reason(prefix, 'a');
        for (int i = 0; i < 60; ++i) {
            reason += "\xF0\x9F\x98\x80\xC3\xA9\xE2\x82\xAC";
        }
        Bytes frame;
        append_close_frame(frame, 1000, reason);
        const std::string kept = reason_of_close_frame(frame);
        EXPECT_TRUE(valid_whole(kept)) << prefix;
        EXPECT_GE(kept.size(), 120u) << "at most one character dropped";
        EXPECT_EQ(reason.substr(0, kept.size()), kept);
    }
}

// Server frames read back by the client reader once masked, as a client would send them.
Bytes as_client_frame(const Bytes& server_frame, std::array<uint8_t, 4> key) {
    size_t header = 2;
    const uint8_t length_code = server_frame[1] & 0x7F;
    header += length_code == 126 ? 2 : (length_code == 127 ? 8 : 0);
    Bytes out(server_frame.begin(), server_frame.begin() + static_cast<std::ptrdiff_t>(header));
    out[1] = static_cast<uint8_t>(out[1] | 0x80);
    out.insert(out.end(), key.begin(), key.end());
    for (size_t i = header; i < server_frame.size(); ++i) {
        out.push_back(static_cast<uint8_t>(server_frame[i] ^ key[(i - header) % 4]));
    }
    return out;
}

TEST(ServerFrames, ReadBackByTheReader) {
    Bytes stream;
    const Bytes big = pattern_bytes(65536, 4);
    for (const Bytes& payload : {Bytes{}, bytes_of("x"), pattern_bytes(126, 1), big}) {
        Bytes frame;
        append_ws_header(frame, true, payload.size());
        frame.insert(frame.end(), payload.begin(), payload.end());
        const Bytes client = as_client_frame(frame, {1, 2, 3, 4});
        stream.insert(stream.end(), client.begin(), client.end());
    }
    Bytes close_frame;
    append_close_frame(close_frame, 4000, std::string(120, 'a') + "\xF0\x9F\x98\x80");
    const Bytes client_close = as_client_frame(close_frame, {9, 8, 7, 6});
    stream.insert(stream.end(), client_close.begin(), client_close.end());
    EXPECT_EQ(feed_whole(stream),
              (std::vector<Event>{ev(Kind::binary), ev(Kind::binary, "x"),
                                  ev(Kind::binary, pattern_bytes(126, 1)), ev(Kind::binary, big),
                                  ev(Kind::close, std::string(120, 'a'), 4000)}));
}

}  // namespace
}  // namespace notify::websocket
