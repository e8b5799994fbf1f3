// `notify-cli api URL METHOD [JSON]`: one server API call (docs/api.md) through the http_api
// plugin (http://: POST /api/METHOD) or the grpc_api plugin (grpc://, grpcs://: the rpc of
// notify.api.v1.Api). Either way the parameters and the printed answer are docs/api.md's JSON.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "api_answer.hpp"
#include "cli_error.hpp"
#include "commands.hpp"
#include "http_post.hpp"
#include "url.hpp"

namespace notify::cli {
namespace {

using Json = nlohmann::json;

constexpr std::size_t kMaxQuoted = 200;

void print_line(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

std::string excerpt(const std::string& body) {
    std::string text = body.substr(0, kMaxQuoted);
    std::replace_if(
        text.begin(), text.end(),
        [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }, ' ');
    return text;
}

std::string api_key(const ApiOptions& options) {
    if (!options.key.empty()) return options.key;
    const char* from_env = std::getenv("NOTIFY_API_KEY");
    return from_env == nullptr ? std::string{} : std::string(from_env);
}

bool is_method_name(const std::string& method) {
    return !method.empty() && std::all_of(method.begin(), method.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

// The answer of http_api: 200 with the result, or an error status with {"error": {…}}.
ApiAnswer call_http_api(const Url& url, const std::string& method, const std::string& params,
                        const std::string& key, Deadline deadline) {
    std::string base = url.target;
    while (!base.empty() && base.back() == '/') base.pop_back();
    const std::string target = base + "/api/" + method;
    const HttpPostResult response =
        http_post(url, target, key.empty() ? std::string{} : "apikey " + key, params, deadline);
    const std::string where = "POST " + url.scheme + "://" +
                              (url.host.find(':') != std::string::npos ? "[" + url.host + "]"
                                                                       : url.host) +
                              ":" + url.port + target;
    const Json body = Json::parse(response.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        throw CliError(ExitCode::failure,
                       where + " answered HTTP " + std::to_string(response.status) + " " +
                           response.reason + " without a JSON object" +
                           (response.body.empty() ? "" : ": " + excerpt(response.body)));
    }
    const auto error = body.find("error");
    if (response.status == 200 && error == body.end()) {
        ApiAnswer answer;
        answer.ok = true;
        answer.json = body.dump();
        return answer;
    }
    if (error == body.end() || !error->is_object()) {
        throw CliError(ExitCode::failure, where + " answered HTTP " +
                                              std::to_string(response.status) + " " +
                                              response.reason + ": " + excerpt(response.body));
    }
    ApiAnswer answer;
    answer.json = body.dump();
    answer.code = error->value("code", 0u);
    answer.name = error->value("name", std::string{});
    answer.message = error->value("message", std::string{});
    return answer;
}

}  // namespace

ApiAnswer api_error(std::uint32_t code, const std::string& name, const std::string& message) {
    ApiAnswer answer;
    answer.code = code;
    answer.name = name;
    answer.message = message;
    answer.json =
        nlohmann::ordered_json{
            {"error", nlohmann::ordered_json{{"code", code}, {"name", name}, {"message", message}}}}
            .dump();
    return answer;
}

int run_api(const ApiOptions& options) {
    const Deadline deadline = deadline_from(options.timeout_seconds);
    const Url url = parse_url(options.url);
    if (!is_method_name(options.method)) {
        throw CliError(ExitCode::failure, "METHOD must be a docs/api.md method name such as "
                                          "publish or presence_stats, not '" + options.method +
                                              "'");
    }
    const std::string params = options.params.empty() ? std::string("{}") : options.params;
    const std::string key = api_key(options);
    ApiAnswer answer;
    if (url.scheme == "http") {
        answer = call_http_api(url, options.method, params, key, deadline);
    } else if (url.scheme == "grpc" || url.scheme == "grpcs") {
        if (url.port.empty()) {
            throw CliError(ExitCode::failure, "invalid URL '" + url.text + "': a " + url.scheme +
                                                  " URL needs a port (" + url.scheme +
                                                  "://HOST:PORT)");
        }
        answer = call_grpc_api(url, options.method, params, key, options.transport, deadline);
    } else {
        throw CliError(ExitCode::failure, "api needs an http:// URL (http_api) or a grpc:// or "
                                          "grpcs:// URL (grpc_api), not '" + url.scheme + "://'");
    }
    print_line(answer.json);
    if (!answer.ok) {
        throw CliError(ExitCode::failure, options.method + " refused: " + answer.name + " (" +
                                              std::to_string(answer.code) + "): " +
                                              answer.message);
    }
    return static_cast<int>(ExitCode::success);
}

}  // namespace notify::cli
