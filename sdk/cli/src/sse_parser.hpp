// Cuts a text/event-stream body (already de-chunked) into events.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace notify::cli {

struct SseEvent {
    std::string type;  // "message" when the stream named none
    std::string data;  // the data lines joined with '\n'
};

class SseParser {
public:
    // Takes the next bytes of the stream; returns the events they completed.
    std::vector<SseEvent> feed(std::string_view bytes);

private:
    void take_line(std::string_view line, std::vector<SseEvent>& events);

    std::string partial_line_;
    std::string type_;
    std::string data_;
    bool has_data_ = false;
};

// Splits a long-poll body, a JSON array of frames `[f1,f2,...]`, into the frames' texts as sent;
// false when the body is not such an array.
bool split_json_array(std::string_view body, std::vector<std::string>& frames);

}  // namespace notify::cli
