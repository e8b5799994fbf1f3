// A transport carries whole protocol frames between notify-cli and a server. Each URL scheme has
// one small implementation; the subcommands know only this interface.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "extra_header.hpp"

namespace notify::cli {

struct Url;

using Clock = std::chrono::steady_clock;
using Deadline = std::optional<Clock::time_point>;  // no value: wait for ever

struct TransportOptions {
    bool insecure = false;  // TLS: accept any server certificate
    std::string cafile;     // TLS: trust these PEM certificates instead of the system's store
    // --header: sent on the WebSocket upgrade and on every HTTP request of an http session.
    std::vector<HttpHeader> extra_headers;
};

// How the session layer encodes commands and decodes frames on a transport.
enum class Encoding { json, binary };

// Every call throws CliError: `timeout` when the deadline passes first, `failure` when the
// connection fails, the server refuses the handshake or closes the connection. After a throw
// the transport is unusable.
class Transport {
public:
    virtual ~Transport() = default;

    virtual Encoding encoding() const = 0;
    // Opens the connection (and the session, where the transport has one) for encoding().
    virtual void connect(Deadline deadline) = 0;
    // One encoded command.
    virtual void send_frame(std::string_view frame, Deadline deadline) = 0;
    // The next whole frame from the server.
    virtual std::string receive(Deadline deadline) = 0;
    // The next whole frame, or nullopt once `wake` passed without one; unlike a deadline,
    // `wake` leaves the transport usable (an operation in flight stays pending for the next
    // call). The default cannot wake early: it waits for a frame as receive() does.
    virtual std::optional<std::string> receive_until(Deadline deadline, Clock::time_point wake) {
        (void)wake;
        return receive(deadline);
    }
    // After receive() or receive_until() returned an empty string: what the transport lost for
    // good there, in the place of the stream where it was lost (UDP: datagrams the server
    // answered with GAP_LOST); the call clears it. nullopt from transports that never lose
    // frames (they never return an empty frame).
    virtual std::optional<std::string> take_lost_frames() { return std::nullopt; }
    // Orderly close, bounded in time; never throws.
    virtual void close() noexcept = 0;
};

// Throws CliError(failure) when `options` ask for something the URL's transport cannot do
// (extra headers over tcp, tcps or udp, which have no HTTP headers). Called before anything
// runs, so a --token-cmd is not run for a connection that cannot be made.
void check_transport_options(const Url& url, const TransportOptions& options);

// Picks the implementation by the URL's scheme; throws CliError(failure) for an unknown scheme.
std::unique_ptr<Transport> make_transport(const Url& url, const TransportOptions& options);

}  // namespace notify::cli
