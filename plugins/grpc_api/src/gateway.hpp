// Carries gRPC calls to host->api_call and the host's answers back, without a thread ever
// waiting for the core: a call registers, goes to the host, and the host's callback hands the
// answer to the reply threads, which fill the result and finish the call's reactor.
//
// Lifetime: every call in flight holds a reference to the Gateway, and the host may answer after
// the instance is gone (it answers exactly once, but not necessarily before destroy()). So the
// state the callback needs lives here, shared, and each call is finished exactly once: by its
// answer, or by drain() at shutdown; whichever comes second only frees the call.
#pragma once

#include <notify/notify.h>

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

#include <notify_plugin_common/api_keys.hpp>
#include <notify_plugin_common/current.hpp>

namespace google::protobuf {
class Message;
}

namespace boost::asio {
class thread_pool;
}

namespace notify::grpc_api {

class Gateway : public std::enable_shared_from_this<Gateway> {
public:
    // `replies` runs the conversion of answers; it must outlive every call until close().
    Gateway(const notify_host_api* host, notify_host_ctx* ctx, plugin_common::ApiKeys keys,
            boost::asio::thread_pool& replies);

    // THREAD: any (main, in reconfigure). Calls that arrive from now on are checked against
    // `keys`; calls already let in go on.
    void replace_keys(plugin_common::ApiKeys keys);
    std::shared_ptr<const plugin_common::ApiKeys> keys() const { return keys_.load(); }

    // THREAD: gRPC's. Checks the API key, sends `request` to the host as `method` and returns
    // the reactor that is finished once the answer has filled `result`.
    grpc::ServerUnaryReactor* start(grpc::CallbackServerContext* context,
                                    const google::protobuf::Message& request,
                                    google::protobuf::Message& result, const char* method);

    // THREAD: main (stop()). New calls are refused (UNAVAILABLE) from now on; calls in flight
    // get up to `grace` to be answered, the rest are finished UNAVAILABLE.
    void drain(std::chrono::milliseconds grace);

    // THREAD: main (destroy()), after the gRPC server is shut down and before the reply pool is
    // joined. Answers that arrive later are dropped without touching anything but the Gateway.
    void close();

private:
    struct Call;

    static void on_answer(void* user_data, const notify_api_reply* reply);
    void complete(Call* call);
    bool authorized(const grpc::CallbackServerContext& context) const;

    const notify_host_api* host_;
    notify_host_ctx* ctx_;
    plugin_common::Current<plugin_common::ApiKeys> keys_;
    std::atomic<std::uint64_t> next_request_id_{1};

    std::mutex mutex_;
    std::condition_variable drained_;
    boost::asio::thread_pool* replies_;  // null once closed
    bool stopping_ = false;
    std::unordered_set<Call*> pending_;  // sent to the host, reactor not finished yet
};

}  // namespace notify::grpc_api
