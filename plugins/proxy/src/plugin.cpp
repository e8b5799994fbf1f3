/*
 * proxy -- an auth plugin that asks the app's backend over HTTP: POST a JSON body to the
 * configured connect/refresh/subscribe/publish URL and turn the JSON answer into ALLOW, DENY or
 * DEFER (README.md). The core thread never waits: a call that needs the backend copies what it
 * needs, answers NOTIFY_PENDING, and the plugin's own Asio thread answers through
 * host->auth_complete. Calls that need no backend (no URL for the step: DEFER; too many
 * pending requests or stopping: DENY) are answered at once.
 */
#include <notify/notify.h>
#include <notify/sdk.h>

#include <boost/system/system_error.hpp>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "answer.hpp"
#include "metrics.hpp"
#include "client.hpp"
#include "settings.hpp"

namespace notify::proxy {
namespace {

using Clock = std::chrono::steady_clock;

// How long stop() waits for cancelled requests to come back before answering them itself.
constexpr std::chrono::milliseconds stop_grace{500};

std::string copy(notify_str text) {
    return text.len == 0 ? std::string{} : std::string{text.data, text.len};
}

// One warning per interval at most; the next line says how many were left out.
class RateLimitedLog {
  public:
    RateLimitedLog(const notify_host_api* host, notify_host_ctx* ctx) : host_(host), ctx_(ctx) {}

    void set_interval(std::chrono::milliseconds interval) { interval_ = interval; }

    // THREAD: any.
    void warn(const std::string& line) {
        const std::lock_guard lock{mutex_};
        const Clock::time_point now = Clock::now();
        if (logged_once_ && now - last_ < interval_) {
            ++suppressed_;
            return;
        }
        std::string text = line;
        if (suppressed_ > 0) {
            text += " (" + std::to_string(suppressed_) + " more since the last such line)";
        }
        logged_once_ = true;
        last_ = now;
        suppressed_ = 0;
        if (NOTIFY_HOST_HAS(host_, log)) {
            host_->log(ctx_, NOTIFY_LOG_WARN, notify_str{text.data(), text.size()});
        }
    }

  private:
    const notify_host_api* host_;
    notify_host_ctx* ctx_;
    std::chrono::milliseconds interval_{10'000};
    std::mutex mutex_;
    bool logged_once_ = false;
    Clock::time_point last_{};
    std::uint64_t suppressed_ = 0;
};

// A request answered NOTIFY_PENDING; answered exactly once (by the client thread, or by stop).
struct Job {
    std::uint64_t request_id = 0;
    Step step = Step::connect;
    std::string user;  // the connection's user (refresh keeps it when the backend names none)
    bool answered = false;  // guarded by Instance::mutex_
    std::chrono::steady_clock::time_point submitted_at;
};

class Instance {
  public:
    Instance(const notify_host_api* host, notify_host_ctx* ctx)
        : host_(host), ctx_(ctx), log_(host, ctx), overflow_log_(host, ctx) {}

    ~Instance() { stop(); }

    notify_status create(const notify_config* config, notify_error* err) {
        if (!NOTIFY_HOST_HAS(host_, auth_complete)) {
            notify_error_setf(err, "proxy: the host has no auth_complete");
            return NOTIFY_ERR_UNSUPPORTED;
        }
        const notify_status status = load_settings(host_, config, settings_, err);
        if (status != NOTIFY_OK) return status;
        host_replaces_data_ = NOTIFY_HOST_HAS(host_, keep_headers);
        if (!settings_.forward_headers.empty()) {
            if (!NOTIFY_HOST_HAS(host_, keep_headers)) {
                notify_error_setf(err, "proxy: config key 'forward_headers' needs a host with "
                                       "ABI 1.7 or newer (host->keep_headers)");
                return NOTIFY_ERR_UNSUPPORTED;
            }
            std::vector<notify_str> names;
            for (const std::string& name : settings_.forward_headers) {
                names.push_back(notify_str{name.data(), name.size()});
            }
            const notify_status kept = host_->keep_headers(ctx_, names.data(), names.size());
            if (kept != NOTIFY_OK) {
                notify_error_setf(err, "proxy: config key 'forward_headers': the host refused "
                                       "the names (status %d, see its log)",
                                  static_cast<int>(kept));
                return kept;
            }
        }
        log_.set_interval(std::chrono::milliseconds{settings_.log_interval_ms});
        overflow_log_.set_interval(std::chrono::milliseconds{settings_.log_interval_ms});
        try {
            metrics_ = Metrics{host_, ctx_};
            client_ = std::make_unique<Client>(settings_);
        } catch (const boost::system::system_error& error) {
            notify_error_setf(err, "proxy: config key 'tls_ca_file': cannot load \"%s\": %s",
                              settings_.tls_ca_file.c_str(), error.what());
            return NOTIFY_ERR_INVALID_ARGUMENT;
        }
        return NOTIFY_OK;
    }

    notify_status authenticate(const notify_auth_request& request, notify_auth_result& result) {
        const bool refresh = PROXY_HAS_FIELD(request, notify_auth_request, purpose) &&
                             request.purpose == NOTIFY_AUTH_PURPOSE_REFRESH;
        const Step step = refresh ? Step::refresh : Step::connect;
        const std::optional<Url>& url = refresh ? settings_.refresh_url : settings_.connect_url;
        if (!url) return answer_now(deferred(), result);
        return ask(step, *url, request.request_id, copy(request.user_id),
                   connect_body(request, refresh, settings_.forward_headers), result);
    }

    notify_status authorize(Step step, const notify_authz_request& request,
                            notify_auth_result& result) {
        const std::optional<Url>& url =
            step == Step::subscribe ? settings_.subscribe_url : settings_.publish_url;
        if (!url) return answer_now(deferred(), result);
        return ask(step, *url, request.request_id, copy(request.user_id),
                   authz_body(request, step, settings_.forward_headers), result);
    }

    // Cancels what is in flight, answers every request still pending with DENY, and stops the
    // client thread; returns within about stop_grace. Idempotent.
    void stop() {
        {
            const std::lock_guard lock{mutex_};
            if (stopped_) return;
            stopping_ = true;
        }
        if (client_) {
            client_->cancel_all();
            std::unique_lock lock{mutex_};
            drained_.wait_for(lock, stop_grace, [this] { return jobs_.empty(); });
        }
        if (client_) client_->shutdown();  // no client callback runs after this
        std::vector<std::shared_ptr<Job>> left;
        {
            const std::lock_guard lock{mutex_};
            stopped_ = true;
            for (auto& [key, job] : jobs_) left.push_back(job);
        }
        for (const auto& job : left) {
            complete(job, refused(job->step, "proxy: stopping"), RequestOutcome::rejected);
        }
    }

  private:
    // Answers synchronously (NOTIFY_OK); the strings live in the instance until the next call
    // (the host calls an instance from the core thread only, one call at a time).
    notify_status answer_now(Answer answer, notify_auth_result& result) {
        now_answer_ = std::move(answer);
        const std::uint32_t size = result.size;
        notify_auth_result filled{};
        now_answer_.fill(filled, now_topic_views_);
        // Write only the members the host's struct has.
        result.decision = filled.decision;
        result.client_id = filled.client_id;
        result.user_id = filled.user_id;
        result.reason = filled.reason;
        if (size >= NOTIFY_FIELD_END_(notify_auth_result, error_code)) {
            result.error_code = filled.error_code;
        }
        if (size >= NOTIFY_FIELD_END_(notify_auth_result, close_code)) {
            result.close_code = filled.close_code;
        }
        return NOTIFY_OK;
    }

    notify_status ask(Step step, const Url& url, std::uint64_t request_id, std::string user,
                      std::string body, notify_auth_result& result) {
        auto job = std::make_shared<Job>();
        job->request_id = request_id;
        job->step = step;
        job->user = std::move(user);
        bool full = false;
        {
            // Registered under the lock that stop() takes to set stopping_: either stop() sees
            // this job (and answers it) or this call sees stopping_.
            const std::lock_guard lock{mutex_};
            if (stopping_) {
                metrics_.ended(step, RequestOutcome::rejected);
                return answer_now(refused(step, "proxy: stopping"), result);
            }
            full = jobs_.size() >= settings_.max_concurrency + settings_.max_queue;
            if (!full) jobs_.emplace(job.get(), job);
        }
        if (full) {
            metrics_.ended(step, RequestOutcome::rejected);
            overflow_log_.warn("proxy: too many pending requests (max_concurrency " +
                               std::to_string(settings_.max_concurrency) + " + max_queue " +
                               std::to_string(settings_.max_queue) + "); denying " +
                               step_name(step) + " requests");
            return answer_now(refused(step, "proxy: too many pending requests"), result);
        }
        metrics_.pending(1);
        job->submitted_at = std::chrono::steady_clock::now();
        try {
            client_->submit(url, std::move(body), [this, job](Outcome&& outcome) {
                on_outcome(job, std::move(outcome));
            });
        } catch (...) {
            // Not queued: the caller's error answer is the only one (stop() must not add one).
            const std::lock_guard lock{mutex_};
            job->answered = true;
            jobs_.erase(job.get());
            metrics_.pending(-1);
            throw;
        }
        return NOTIFY_PENDING;
    }

    // From the client thread: the backend's outcome for `job`.
    void on_outcome(const std::shared_ptr<Job>& job, Outcome&& outcome) {
        if (outcome.stopped) {
            complete(job, refused(job->step, "proxy: stopping"), RequestOutcome::rejected);
            return;
        }
        metrics_.answered_after(
            job->step, std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                     job->submitted_at)
                           .count());
        Answer answer;
        if (!outcome.error.empty()) {
            answer = unavailable(job->step, outcome.error);
        } else {
            answer = parse_answer(job->step, outcome.body, job->user, now_ms(), settings_);
        }
        if (answer.data && !host_replaces_data_) {
            // Publishing the unmoderated payload would be worse than refusing it.
            answer = refused(job->step, "proxy: the backend replaced the publish data, which a "
                                        "host older than ABI 1.7 cannot apply");
        }
        if (answer.temporary) {
            log_.warn(answer.reason + " (" + step_name(job->step) + " denied)");
        }
        complete(job, answer, outcome_of(answer));
    }

    // Exactly once per job: host->auth_complete, then forget the job.
    void complete(const std::shared_ptr<Job>& job, const Answer& answer,
                  RequestOutcome outcome) {
        {
            const std::lock_guard lock{mutex_};
            if (job->answered) return;
            job->answered = true;
        }
        metrics_.ended(job->step, outcome);
        metrics_.pending(-1);
        notify_auth_result result{};
        std::vector<notify_str> topic_views;
        answer.fill(result, topic_views);
        host_->auth_complete(ctx_, job->request_id, &result);
        const std::lock_guard lock{mutex_};
        jobs_.erase(job.get());
        if (jobs_.empty()) drained_.notify_all();
    }

    std::int64_t now_ms() const {
        if (NOTIFY_HOST_HAS(host_, now_ms)) return host_->now_ms(ctx_);
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }

    const notify_host_api* host_;
    notify_host_ctx* ctx_;
    Settings settings_;
    bool host_replaces_data_ = false;  // the host reads notify_auth_result.data (ABI 1.7)
    RateLimitedLog log_;           // backend unavailable
    RateLimitedLog overflow_log_;  // too many pending requests
    Metrics metrics_;              // set in create(), before the client's thread starts

    std::mutex mutex_;
    std::condition_variable drained_;
    bool stopping_ = false;
    bool stopped_ = false;
    std::unordered_map<Job*, std::shared_ptr<Job>> jobs_;

    // core thread only: the strings of the last synchronous answer
    Answer now_answer_;
    std::vector<notify_str> now_topic_views_;

    // Last, so it goes first: its thread is joined (by stop()) before anything above dies.
    std::unique_ptr<Client> client_;
};

// ---- the C ABI: nothing thrown inside may cross it -------------------------------------------

notify_status proxy_create(const notify_host_api* host, notify_host_ctx* ctx,
                           const notify_config* config, void** instance, notify_error* err) {
    try {
        auto created = std::make_unique<Instance>(host, ctx);
        const notify_status status = created->create(config, err);
        if (status != NOTIFY_OK) return status;
        *instance = created.release();
        return NOTIFY_OK;
    } catch (const std::exception& error) {
        notify_error_setf(err, "proxy: %s", error.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

void proxy_stop(void* instance) {
    try {
        static_cast<Instance*>(instance)->stop();
    } catch (...) {
        // stop() only fails on allocation; the destructor retries the sweep.
    }
}

void proxy_destroy(void* instance) {
    delete static_cast<Instance*>(instance);
}

notify_status proxy_authenticate(void* instance, const notify_auth_request* request,
                                 notify_auth_result* result, notify_error* err) {
    try {
        return static_cast<Instance*>(instance)->authenticate(*request, *result);
    } catch (const std::exception& error) {
        notify_error_setf(err, "proxy: %s", error.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

notify_status proxy_authorize_subscribe(void* instance, const notify_authz_request* request,
                                        notify_auth_result* result, notify_error* err) {
    try {
        return static_cast<Instance*>(instance)->authorize(Step::subscribe, *request, *result);
    } catch (const std::exception& error) {
        notify_error_setf(err, "proxy: %s", error.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

notify_status proxy_authorize_publish(void* instance, const notify_authz_request* request,
                                      notify_auth_result* result, notify_error* err) {
    try {
        return static_cast<Instance*>(instance)->authorize(Step::publish, *request, *result);
    } catch (const std::exception& error) {
        notify_error_setf(err, "proxy: %s", error.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

const notify_auth_vtable proxy_auth_vtable = {
    sizeof(notify_auth_vtable),
    proxy_authenticate,
    proxy_authorize_subscribe,
    proxy_authorize_publish,
};

const notify_plugin_descriptor proxy_descriptor = {
    sizeof(notify_plugin_descriptor),
    NOTIFY_ABI_MAJOR,
    NOTIFY_ABI_MINOR,
    "proxy",
    "0.1.0",
    "Auth that asks the app's backend over HTTP (connect, refresh, subscribe, publish)",
    NOTIFY_KIND_AUTH,
    config_keys,
    config_key_count,
    proxy_create,
    nullptr,
    proxy_stop,
    proxy_destroy,
    nullptr,
    &proxy_auth_vtable,
    nullptr,
    nullptr,
    // No reconfigure: the HTTP client binds the settings (endpoints, timeouts, TLS context,
    // connection pools) for its life, so a changed table needs a restart (README.md, Reload).
    nullptr,
};

}  // namespace
}  // namespace notify::proxy

extern "C" NOTIFY_EXPORT const notify_plugin_descriptor* NOTIFY_PLUGIN_ENTRY(void) {
    return &notify::proxy::proxy_descriptor;
}
