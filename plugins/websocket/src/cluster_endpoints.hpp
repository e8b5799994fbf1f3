// The cluster view on the WebSocket port's plain HTTP side: GET /cluster/nodes and
// GET /cluster/handout answer the host's JSON (host->cluster_view, ABI 1.3), for notify-cli,
// load balancers and clients that pick a node.
#pragma once

#include "http_request.hpp"

#include <notify/notify.h>

#include <optional>
#include <string>

namespace notify::websocket {

// The complete HTTP response (the request's version, Connection: close) when `request` targets
// one of the cluster paths, else nullopt (the static files answer it). GET and HEAD (HEAD: the
// GET headers, real Content-Length, no body); other methods 405. 200 application/json with
// Cache-Control: no-store and the bytes of host.cluster_view, released before returning; 404
// when the host table has no cluster_view (a host older than ABI 1.3); 503 when it fails.
// THREAD: any (cluster_view is callable from any thread). Never throws.
std::optional<std::string> cluster_response(const notify_host_api &host, notify_host_ctx *ctx,
                                            const HttpRequest &request);

}  // namespace notify::websocket
