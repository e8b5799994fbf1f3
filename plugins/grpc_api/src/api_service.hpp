// The generated notify.api.v1.Api callback service: every rpc goes to the Gateway under its
// docs/api.md method name.
#pragma once

#include "gateway.hpp"
#include "notify_api.grpc.pb.h"

namespace notify::grpc_api {

class ApiService final : public notify::api::v1::Api::CallbackService {
public:
    explicit ApiService(Gateway& gateway) : gateway_(gateway) {}

// One override per rpc: Name(context, NameRequest, NameResult) -> gateway_.start(…, "method").
#define NOTIFY_GRPC_API_RPC(Name, method)                                                     \
    grpc::ServerUnaryReactor* Name(grpc::CallbackServerContext* context,                      \
                                   const notify::api::v1::Name##Request* request,             \
                                   notify::api::v1::Name##Result* result) override {          \
        return gateway_.start(context, *request, *result, method);                            \
    }
    NOTIFY_GRPC_API_RPC(Publish, "publish")
    NOTIFY_GRPC_API_RPC(Broadcast, "broadcast")
    NOTIFY_GRPC_API_RPC(Subscribe, "subscribe")
    NOTIFY_GRPC_API_RPC(Unsubscribe, "unsubscribe")
    NOTIFY_GRPC_API_RPC(Disconnect, "disconnect")
    NOTIFY_GRPC_API_RPC(Refresh, "refresh")
    NOTIFY_GRPC_API_RPC(Presence, "presence")
    NOTIFY_GRPC_API_RPC(PresenceStats, "presence_stats")
    NOTIFY_GRPC_API_RPC(History, "history")
    NOTIFY_GRPC_API_RPC(HistoryRemove, "history_remove")
    NOTIFY_GRPC_API_RPC(Topics, "topics")
    NOTIFY_GRPC_API_RPC(Info, "info")
    NOTIFY_GRPC_API_RPC(Batch, "batch")
#undef NOTIFY_GRPC_API_RPC

private:
    Gateway& gateway_;
};

}  // namespace notify::grpc_api
