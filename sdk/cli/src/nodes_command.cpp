// `notify-cli nodes URL`: the cluster view of a server (GET /cluster/nodes, /cluster/handout on
// the URL's host and port; docs/cluster.md has the JSON).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "cli_error.hpp"
#include "commands.hpp"
#include "http_get.hpp"
#include "url.hpp"

namespace notify::cli {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kNodesPath = "/cluster/nodes";
constexpr std::string_view kHandoutPath = "/cluster/handout";
constexpr std::size_t kMaxQuoted = 200;

void print(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

std::string excerpt(const std::string& body) {
    std::string text = body.substr(0, kMaxQuoted);
    std::replace_if(
        text.begin(), text.end(),
        [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }, ' ');
    return text;
}

// A table cell: one word, so that `awk '{print $1}'` and friends keep working; "-" when empty.
std::string cell(std::string text) {
    if (text.empty()) return "-";
    std::replace_if(
        text.begin(), text.end(),
        [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }, '_');
    return text;
}

std::string string_member(const Json& node, const char* key) {
    const auto member = node.find(key);
    return member != node.end() && member->is_string() ? member->get<std::string>() : "";
}

std::string first_url(const Json& node) {
    const auto urls = node.find("urls");
    if (urls == node.end() || !urls->is_array() || urls->empty() || !(*urls)[0].is_string()) {
        return "";
    }
    return (*urls)[0].get<std::string>();
}

std::string count_member(const Json& node, const char* key) {
    const auto member = node.find(key);
    if (member == node.end() || !member->is_number_unsigned()) return "-";
    return std::to_string(member->get<std::uint64_t>());
}

std::string cpu_member(const Json& node) {
    const auto member = node.find("cpu");
    if (member == node.end() || !member->is_number()) return "-";
    std::array<char, 32> text{};
    std::snprintf(text.data(), text.size(), "%.2f", member->get<double>());
    return text.data();
}

// 45s, 12m05s, 3h04m, 2d03h: two units at most, the larger one unpadded.
std::string format_uptime(std::uint64_t ms) {
    const std::uint64_t seconds = ms / 1000;
    std::array<char, 48> text{};
    if (seconds < 60) {
        std::snprintf(text.data(), text.size(), "%llus", static_cast<unsigned long long>(seconds));
    } else if (seconds < 3600) {
        std::snprintf(text.data(), text.size(), "%llum%02llus",
                      static_cast<unsigned long long>(seconds / 60),
                      static_cast<unsigned long long>(seconds % 60));
    } else if (seconds < 86400) {
        std::snprintf(text.data(), text.size(), "%lluh%02llum",
                      static_cast<unsigned long long>(seconds / 3600),
                      static_cast<unsigned long long>(seconds % 3600 / 60));
    } else {
        std::snprintf(text.data(), text.size(), "%llud%02lluh",
                      static_cast<unsigned long long>(seconds / 86400),
                      static_cast<unsigned long long>(seconds % 86400 / 3600));
    }
    return text.data();
}

std::string uptime_member(const Json& node) {
    const auto member = node.find("uptime_ms");
    if (member == node.end() || !member->is_number_integer() || member->get<std::int64_t>() < 0) {
        return "-";
    }
    return format_uptime(member->get<std::uint64_t>());
}

std::vector<std::string> node_row(const Json& node) {
    return {cell(string_member(node, "name")),
            cell(string_member(node, "id")),
            cell(first_url(node)),
            count_member(node, "connections"),
            count_member(node, "clients"),
            count_member(node, "users"),
            count_member(node, "topics"),
            count_member(node, "subscriptions"),
            cpu_member(node),
            uptime_member(node)};
}

// One header line and one line per row, columns left-aligned and two spaces apart.
std::string format_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths(rows.front().size(), 0);
    for (const auto& row : rows) {
        for (std::size_t column = 0; column < row.size(); ++column) {
            widths[column] = std::max(widths[column], row[column].size());
        }
    }
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t column = 0; column < row.size(); ++column) {
            line += row[column];
            if (column + 1 < row.size()) line.append(widths[column] - row[column].size() + 2, ' ');
        }
        out += line + "\n";
    }
    return out;
}

class ClusterView {
public:
    ClusterView(const NodesOptions& options)
        : options_(options),
          deadline_(deadline_from(options.timeout_seconds)),
          url_(parse_url(options.url)) {
        if (url_.scheme == "wss" || url_.scheme == "https") {
            throw CliError(ExitCode::failure,
                           "nodes over TLS (" + url_.scheme + "://) is not supported yet");
        }
        if (url_.scheme != "ws" && url_.scheme != "http" && url_.scheme != "http+poll") {
            throw CliError(ExitCode::failure, "nodes needs a ws:// or http:// URL (the server's "
                                              "HTTP side), not '" + url_.scheme + "://'");
        }
    }

    // The body of a 200 answer to GET `path`, parsed; the raw text in `raw`.
    Json fetch(std::string_view path, std::string& raw) {
        const std::string target(path);
        const HttpGetResult response = http_get(url_, target, deadline_);
        const std::string where = "http://" + host_port() + target;
        if (response.status != 200) {
            std::string message = "GET " + where + " answered HTTP " +
                                  std::to_string(response.status);
            if (!response.reason.empty()) message += " " + response.reason;
            if (response.status == 404) {
                message += " (the server does not serve the cluster view there)";
            } else if (!response.body.empty()) {
                message += ": " + excerpt(response.body);
            }
            throw CliError(ExitCode::failure, message);
        }
        Json body = Json::parse(response.body, nullptr, false);
        if (body.is_discarded()) {
            throw CliError(ExitCode::failure, "protocol error: " + where +
                                                  " answered invalid JSON: " +
                                                  excerpt(response.body));
        }
        if (!body.is_object()) {
            throw CliError(ExitCode::failure,
                           "protocol error: " + where + " answered JSON that is not an object");
        }
        raw = response.body;
        return body;
    }

    int nodes() {
        std::string raw;
        const Json body = fetch(kNodesPath, raw);
        const auto nodes = body.find("nodes");
        if (nodes == body.end() || !nodes->is_array()) {
            throw CliError(ExitCode::failure, "protocol error: http://" + host_port() +
                                                  std::string(kNodesPath) +
                                                  " answered JSON without a \"nodes\" array");
        }
        if (options_.json) return print_raw(raw);
        std::vector<std::vector<std::string>> rows{{"NAME", "ID", "URL", "CONNECTIONS", "CLIENTS",
                                                    "USERS", "TOPICS", "SUBSCRIPTIONS", "CPU",
                                                    "UPTIME"}};
        for (const Json& node : *nodes) {
            if (!node.is_object()) {
                throw CliError(ExitCode::failure, "protocol error: http://" + host_port() +
                                                      std::string(kNodesPath) +
                                                      " answered a node that is not an object");
            }
            rows.push_back(node_row(node));
        }
        print(format_table(rows));
        return static_cast<int>(ExitCode::success);
    }

    int handout() {
        std::string raw;
        const Json body = fetch(kHandoutPath, raw);
        if (options_.json) return print_raw(raw);
        const std::string where = "http://" + host_port() + std::string(kHandoutPath);
        const auto node = body.find("node");
        if (node == body.end() || !node->is_object()) {
            throw CliError(ExitCode::failure, where + " handed out no node");
        }
        const std::string url = first_url(*node);
        if (url.empty()) {
            throw CliError(ExitCode::failure, where + " handed out node '" +
                                                  string_member(*node, "name") +
                                                  "', which announces no URL");
        }
        print(url + "\n");
        return static_cast<int>(ExitCode::success);
    }

private:
    static int print_raw(std::string raw) {
        if (raw.empty() || raw.back() != '\n') raw += '\n';
        print(raw);
        return static_cast<int>(ExitCode::success);
    }

    std::string host_port() const {
        const bool ipv6 = url_.host.find(':') != std::string::npos;
        return (ipv6 ? "[" + url_.host + "]" : url_.host) + ":" + url_.port;
    }

    const NodesOptions& options_;
    Deadline deadline_;
    Url url_;
};

}  // namespace

int run_nodes(const NodesOptions& options) {
    ClusterView view(options);
    return options.handout ? view.handout() : view.nodes();
}

}  // namespace notify::cli
