#include "gateway.hpp"

#include <notify/api_grpc/json_mapping.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <string_view>
#include <utility>
#include <vector>

#include "status_mapping.hpp"

namespace notify::grpc_api {
namespace {

constexpr std::uint32_t kInternal = 100;
constexpr std::uint32_t kUnauthorized = 101;
constexpr std::uint32_t kBadRequest = 102;

void finish_error(grpc::CallbackServerContext& context, grpc::ServerUnaryReactor& reactor,
                  grpc::StatusCode status, std::uint32_t notify_code, const std::string& message) {
    context.AddTrailingMetadata(kErrorCodeMetadata, std::to_string(notify_code));
    context.AddTrailingMetadata(kErrorNameMetadata, std::string(api_grpc::error_name(notify_code)));
    reactor.Finish(grpc::Status(status, message));
}

void finish_unavailable(grpc::ServerUnaryReactor& reactor) {
    reactor.Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "notifyd is shutting down"));
}

}  // namespace

// One call between start() and its reactor's Finish. Owned by the host's answer: freed by
// on_answer() or by the reply thread it hands the call to.
struct Gateway::Call {
    std::shared_ptr<Gateway> gateway;
    grpc::CallbackServerContext* context = nullptr;  // gRPC's; valid until finished
    grpc::ServerUnaryReactor* reactor = nullptr;
    const google::protobuf::Message* request = nullptr;
    google::protobuf::Message* result = nullptr;
    bool finished = false;  // guarded by Gateway::mutex_

    // The host's answer, copied on the host's thread.
    notify_status status = NOTIFY_OK;
    std::uint32_t error_code = 0;
    std::string error_message;
    std::string result_json;
};

Gateway::Gateway(const notify_host_api* host, notify_host_ctx* ctx, plugin_common::ApiKeys keys,
                 boost::asio::thread_pool& replies)
    : host_(host), ctx_(ctx),
      keys_(std::make_shared<const plugin_common::ApiKeys>(std::move(keys))),
      replies_(&replies) {}

void Gateway::replace_keys(plugin_common::ApiKeys keys) {
    keys_.store(std::make_shared<const plugin_common::ApiKeys>(std::move(keys)));
}

bool Gateway::authorized(const grpc::CallbackServerContext& context) const {
    const std::shared_ptr<const plugin_common::ApiKeys> keys = keys_.load();
    if (keys->open()) return true;
    const auto& metadata = context.client_metadata();
    const auto found = metadata.find("authorization");
    if (found == metadata.end()) return false;
    return keys->accepts(plugin_common::key_of_authorization(
        std::string_view(found->second.data(), found->second.size())));
}

grpc::ServerUnaryReactor* Gateway::start(grpc::CallbackServerContext* context,
                                         const google::protobuf::Message& request,
                                         google::protobuf::Message& result, const char* method) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (!authorized(*context)) {
        finish_error(*context, *reactor, grpc::StatusCode::UNAUTHENTICATED, kUnauthorized,
                     "missing or unknown API key (metadata authorization: apikey KEY)");
        return reactor;
    }
    std::string params;
    try {
        params = api_grpc::request_to_api_json(request);
    } catch (const api_grpc::MappingError& error) {
        finish_error(*context, *reactor, grpc::StatusCode::INVALID_ARGUMENT, kBadRequest,
                     std::string(method) + ": " + error.what());
        return reactor;
    }

    auto call = std::make_unique<Call>();
    call->gateway = shared_from_this();
    call->context = context;
    call->reactor = reactor;
    call->request = &request;
    call->result = &result;
    {
        const std::lock_guard lock{mutex_};
        if (stopping_) {
            finish_unavailable(*reactor);
            return reactor;
        }
        pending_.insert(call.get());
    }

    const std::string request_id = "grpc-" + std::to_string(next_request_id_++);
    notify_api_request api_request{};
    api_request.size = sizeof api_request;
    api_request.method = notify_str{method, std::char_traits<char>::length(method)};
    api_request.params = notify_bytes{reinterpret_cast<const std::uint8_t*>(params.data()),
                                      params.size()};
    api_request.request_id = notify_str{request_id.data(), request_id.size()};
    Call* sent = call.release();  // the answer owns it from here
    const notify_status status = host_->api_call(ctx_, &api_request, &Gateway::on_answer, sent);
    if (status != NOTIFY_OK) {
        // Refused: `done` will not run, so the call is still ours.
        std::unique_ptr<Call> refused(sent);
        {
            const std::lock_guard lock{mutex_};
            pending_.erase(sent);
            if (pending_.empty()) drained_.notify_all();
        }
        if (status == NOTIFY_ERR_CLOSED) {
            finish_unavailable(*reactor);
        } else {
            finish_error(*context, *reactor, grpc::StatusCode::INTERNAL, kInternal,
                         std::string(method) + ": the host refused the call (status " +
                             std::to_string(status) + ")");
        }
    }
    return reactor;
}

void Gateway::on_answer(void* user_data, const notify_api_reply* reply) {
    std::unique_ptr<Call> call(static_cast<Call*>(user_data));
    if (reply == nullptr) {
        call->status = NOTIFY_ERR_INTERNAL;
        call->error_code = kInternal;
        call->error_message = "the host answered without a reply";
    } else {
        call->status = reply->status;
        call->error_code = reply->error_code;
        if (reply->error_message.len > 0) {
            call->error_message.assign(reply->error_message.data, reply->error_message.len);
        }
        if (reply->result.len > 0) {
            call->result_json.assign(reinterpret_cast<const char*>(reply->result.data),
                                     reply->result.len);
        }
    }
    Gateway& gateway = *call->gateway;
    const std::lock_guard lock{gateway.mutex_};
    if (call->finished || gateway.replies_ == nullptr) return;  // drained, or the plugin is gone
    Call* handed = call.release();
    boost::asio::post(*gateway.replies_, [handed] { handed->gateway->complete(handed); });
}

void Gateway::complete(Call* raw) {
    const std::unique_ptr<Call> call(raw);
    {
        const std::lock_guard lock{mutex_};
        if (call->finished) return;
        call->finished = true;
        pending_.erase(raw);
        if (pending_.empty()) drained_.notify_all();
    }
    grpc::CallbackServerContext& context = *call->context;
    grpc::ServerUnaryReactor& reactor = *call->reactor;
    if (call->status != NOTIFY_OK) {
        const std::uint32_t code = call->error_code != 0 ? call->error_code : kInternal;
        finish_error(context, reactor, status_for(code), code, call->error_message);
        return;
    }
    try {
        api_grpc::api_json_to_result(call->result_json, *call->request, *call->result);
    } catch (const api_grpc::MappingError& error) {
        const std::string message = std::string("grpc_api: ") + error.what();
        host_->log(ctx_, NOTIFY_LOG_ERROR, notify_str{message.data(), message.size()});
        finish_error(context, reactor, grpc::StatusCode::INTERNAL, kInternal, message);
        return;
    }
    reactor.Finish(grpc::Status::OK);
}

void Gateway::drain(std::chrono::milliseconds grace) {
    std::vector<grpc::ServerUnaryReactor*> left;
    {
        std::unique_lock lock{mutex_};
        stopping_ = true;
        drained_.wait_for(lock, grace, [this] { return pending_.empty(); });
        for (Call* call : pending_) {
            call->finished = true;
            left.push_back(call->reactor);
        }
        pending_.clear();
    }
    // Only the reactors: a Call marked finished may be freed by its answer at any moment.
    for (grpc::ServerUnaryReactor* reactor : left) finish_unavailable(*reactor);
}

void Gateway::close() {
    const std::lock_guard lock{mutex_};
    stopping_ = true;
    replies_ = nullptr;
}

}  // namespace notify::grpc_api
