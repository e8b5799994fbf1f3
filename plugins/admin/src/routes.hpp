// What the admin listener answers, path by path (README.md "Endpoints"). Pure request ->
// response: the HTTP session (http_session.cpp) does the I/O.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "access_token.hpp"
#include "host_views.hpp"
#include "sampler.hpp"
#include "topic_board.hpp"

namespace notify::admin {

struct AdminRequest {
    std::string_view method;  // "GET", "HEAD", ...
    std::string_view target;  // path and query
    std::string_view authorization;
};

struct AdminResponse {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

class Routes {
  public:
    Routes(const HostViews& views, const Sampler& sampler, const TopicBoard& topics,
           const AccessToken& token, std::chrono::milliseconds sample_interval)
        : views_(views),
          sampler_(sampler),
          topics_(topics),
          token_(token),
          sample_interval_(sample_interval) {}

    // THREAD: any (the listener's I/O thread).
    AdminResponse answer(const AdminRequest& request) const;

  private:
    AdminResponse metrics() const;
    AdminResponse readiness() const;
    AdminResponse page(std::string_view name) const;

    const HostViews& views_;
    const Sampler& sampler_;
    const TopicBoard& topics_;
    const AccessToken& token_;
    const std::chrono::milliseconds sample_interval_;
};

}  // namespace notify::admin
