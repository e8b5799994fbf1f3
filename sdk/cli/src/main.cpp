// notify-cli: subscribe, publish and send from scripts. The arguments, output lines and exit
// codes are a contract (README.md).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli_error.hpp"
#include "commands.hpp"
#include "extra_header.hpp"
#include "stream_position.hpp"

namespace {

using notify::cli::CliError;
using notify::cli::ConnectionOptions;
using notify::cli::ExitCode;

constexpr double kMaxTimeoutSeconds = 365.0 * 24 * 3600;
constexpr double kDefaultRequestTimeoutSeconds = 10.0;

void add_timeout(CLI::App& command, std::optional<double>& timeout_seconds) {
    command.add_option("--timeout", timeout_seconds,
                       "Overall deadline in seconds (fractions allowed); exit 1 when it passes")
        ->type_name("SECONDS")
        ->check(CLI::Validator(
            [](const std::string& text) -> std::string {
                double seconds = 0;
                if (!CLI::detail::lexical_cast(text, seconds) || !(seconds > 0) ||
                    seconds > kMaxTimeoutSeconds) {
                    return "--timeout must be a number of seconds above 0 and at most one year, "
                           "not '" + text + "'";
                }
                return {};
            },
            ""));
}

void add_extra_headers_option(CLI::App& command,
                              std::vector<notify::cli::HttpHeader>& extra_headers) {
    command
        .add_option_function<std::vector<std::string>>(
            "--header",
            [&extra_headers](const std::vector<std::string>& texts) {
                if (texts.size() > notify::cli::kMaxExtraHeaders) {
                    throw CLI::ValidationError(
                        "--header", "at most " + std::to_string(notify::cli::kMaxExtraHeaders) +
                                        " headers, not " + std::to_string(texts.size()));
                }
                extra_headers.clear();
                for (const auto& text : texts) {
                    extra_headers.push_back(notify::cli::parse_extra_header(text));
                }
            },
            "Extra HTTP header for the ws/wss upgrade and every http/http+poll request "
            "(repeatable, at most 32; not for tcp, tcps, udp)")
        ->type_name("\"NAME: VALUE\"")
        ->allow_extra_args(false)
        ->check(CLI::Validator(
            [](const std::string& text) { return notify::cli::extra_header_problem(text); },
            ""));
}

void add_connection_options(CLI::App& command, ConnectionOptions& options) {
    auto* token = command.add_option("--token", options.token, "Token for the connect command");
    command
        .add_option("--token-cmd", options.token_command,
                    "Run CMD (/bin/sh -c) for the token at every connect and refresh: its stdout "
                    "without trailing whitespace")
        ->type_name("CMD")
        ->excludes(token);
    add_timeout(command, options.timeout_seconds);
    command.add_flag("--insecure", options.transport.insecure,
                     "wss, tcps: do not verify the server's certificate");
    command.add_option("--cafile", options.transport.cafile,
                       "wss, tcps: trust the PEM certificates in this file instead of the "
                       "system's store")
        ->type_name("FILE");
    add_extra_headers_option(command, options.transport.extra_headers);
}

void add_url(CLI::App& command, ConnectionOptions& options) {
    command.add_option("URL", options.url, "Server URL: ws[s]://HOST:PORT/PATH, tcp[s]://HOST:PORT, "
                       "http://HOST:PORT/PATH (SSE) or http+poll://HOST:PORT/PATH")
        ->required();
}

void add_since(CLI::App& command, std::optional<notify::protocol::Position>& since,
               const std::string& description) {
    command
        .add_option_function<std::string>(
            "--since",
            [&since](const std::string& text) { since = notify::cli::parse_stream_position(text); },
            description)
        ->type_name("OFFSET[:EPOCH]")
        ->check(CLI::Validator(
            [](const std::string& text) -> std::string {
                if (notify::cli::parse_stream_position(text)) return {};
                return "expected OFFSET or OFFSET:EPOCH (OFFSET a whole number from 0, EPOCH "
                       "not empty), not '" + text + "'";
            },
            ""));
}

std::string usage_failure(const CLI::App* app, const CLI::Error& error) {
    return "notify-cli: " + std::string(error.what()) + "\n" + app->help();
}

int report(const CliError& error) {
    std::fprintf(stderr, "notify-cli: %s\n", error.what());
    std::fflush(stderr);
    return static_cast<int>(error.code());
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"notify-cli: subscribe, publish and send to a Notify server, ask for presence and "
                 "history, list its cluster",
                 "notify-cli"};
    app.set_version_flag("--version", std::string("notify-cli ") + NOTIFY_CLI_VERSION);
    app.require_subcommand(1);
    app.failure_message(usage_failure);

    notify::cli::SubOptions sub;
    auto* sub_command = app.add_subcommand(
        "sub", "Subscribe to TOPICs and print each message as one JSON line on stdout");
    add_url(*sub_command, sub.connection);
    sub_command->add_option("TOPIC", sub.topics, "Topics to subscribe to")->required();
    sub_command->add_option("--count", sub.count, "Exit 0 after this many messages")
        ->check(CLI::PositiveNumber);
    add_since(*sub_command, sub.since,
              "Every subscribe recovers the messages after this position (OFFSET alone: of the "
              "current epoch, so 0 is from the start)");
    sub_command->add_flag("--ack", sub.ack,
                          "Acknowledge every printed message (with --count: exit 0 only once "
                          "the server confirmed the acks)");
    auto* client_option = sub_command->add_option(
        "--client", sub.client, "Connect as this client id (from a `client ID TOKEN` line)")
        ->type_name("ID");
    sub_command->add_option("--resume", sub.resume,
                            "The resume token of that client (the TOKEN of its last `client` line)")
        ->type_name("TOKEN")
        ->needs(client_option);
    sub_command
        ->add_option("--sub-token", sub.sub_tokens,
                     "Subscription token sent with the subscribes: TOKEN for every TOPIC, or "
                     "TOPIC=TOKEN for one (repeatable)")
        ->type_name("[TOPIC=]TOKEN")
        ->allow_extra_args(false);
    sub_command->add_flag("--join-leave", sub.join_leave,
                          "Also print join and leave pushes of the TOPICs as {\"join\":{…}} and "
                          "{\"leave\":{…}} lines");
    add_connection_options(*sub_command, sub.connection);

    notify::cli::PubOptions pub;
    pub.connection.timeout_seconds = kDefaultRequestTimeoutSeconds;
    auto* pub_command = app.add_subcommand(
        "pub", "Publish DATA to TOPIC; exit 0 once the server acknowledged it");
    add_url(*pub_command, pub.connection);
    pub_command->add_option("TOPIC", pub.topic, "Topic to publish to")->required();
    pub_command->add_option("DATA", pub.data, "Payload (sent as given)")->required();
    pub_command->add_option("--count", pub.count,
                            "Publish N messages DATA-1 … DATA-N (pipelined); exit 0 once every "
                            "one was acknowledged")
        ->type_name("N")
        ->check(CLI::PositiveNumber);
    add_connection_options(*pub_command, pub.connection);

    notify::cli::SendOptions send;
    send.connection.timeout_seconds = kDefaultRequestTimeoutSeconds;
    auto* send_command = app.add_subcommand(
        "send", "Send DATA to the server's handler plugins; exit 0 once the server replied");
    add_url(*send_command, send.connection);
    send_command->add_option("DATA", send.data, "Payload (sent as given)")->required();
    add_connection_options(*send_command, send.connection);

    notify::cli::PresenceOptions presence;
    presence.connection.timeout_seconds = kDefaultRequestTimeoutSeconds;
    auto* presence_command = app.add_subcommand(
        "presence", "Print the clients present on TOPIC, one JSON line each, and exit 0");
    add_url(*presence_command, presence.connection);
    presence_command->add_option("TOPIC", presence.topic, "Topic to ask about")->required();
    presence_command->add_flag("--stats", presence.stats,
                               "Print only the counts: {\"clients\":C,\"users\":U}");
    add_connection_options(*presence_command, presence.connection);

    notify::cli::HistoryOptions history;
    history.connection.timeout_seconds = kDefaultRequestTimeoutSeconds;
    auto* history_command = app.add_subcommand(
        "history", "Print the messages in TOPIC's history as `sub` prints messages, and exit 0");
    add_url(*history_command, history.connection);
    history_command->add_option("TOPIC", history.topic, "Topic to read")->required();
    history_command
        ->add_option("--limit", history.limit,
                     "At most N messages (default: the server's maximum, limits.max_recovery)")
        ->type_name("N")
        ->check(CLI::PositiveNumber);
    add_since(*history_command, history.since,
              "Only the messages after this position (OFFSET alone: of the current epoch)");
    history_command->add_flag("--reverse", history.reverse,
                              "Newest first");
    add_connection_options(*history_command, history.connection);

    notify::cli::NodesOptions nodes;
    nodes.timeout_seconds = kDefaultRequestTimeoutSeconds;
    auto* nodes_command = app.add_subcommand(
        "nodes", "Print the server's cluster view: one line per node (GET /cluster/nodes)");
    nodes_command
        ->add_option("URL", nodes.url,
                     "Server URL: ws://HOST:PORT[/PATH] or http://HOST:PORT[/PATH] (only HOST "
                     "and PORT are used)")
        ->required();
    nodes_command->add_flag("--json", nodes.json, "Print the server's JSON as it came");
    nodes_command->add_flag("--handout", nodes.handout,
                            "Print the first URL of the node the server hands out to a new "
                            "client (GET /cluster/handout)");
    add_timeout(*nodes_command, nodes.timeout_seconds);

    notify::cli::TokenOptions token;
    auto* token_command = app.add_subcommand(
        "token", "Print a development HS256 JWT signed with the secret of --secret-env");
    token_command
        ->add_option("--secret-env", token.secret_env,
                     "Name of the environment variable holding the HMAC secret")
        ->type_name("NAME")
        ->required();
    token_command->add_option("--sub", token.subject, "The user id (\"sub\" claim)")
        ->type_name("USER");
    token_command
        ->add_option("--ttl", token.ttl,
                     "Lifetime: N[s|m|h|d] (\"exp\" = now + ttl); 0 for a token without exp")
        ->type_name("DURATION")
        ->capture_default_str()
        ->check(CLI::Validator(
            [](const std::string& text) -> std::string {
                if (notify::cli::parse_duration_seconds(text)) return {};
                return "--ttl must be a whole number with an optional unit s, m, h or d (30s, "
                       "5m, 1h, 2d; 0 for no expiry), not '" + text + "'";
            },
            ""));
    token_command
        ->add_option("--topics", token.topics,
                     "Comma-separated topics the connection may use (\"topics\" claim)")
        ->type_name("A,B");
    token_command
        ->add_option("--info", token.info, "A JSON object for the \"info\" claim")
        ->type_name("JSON");
    auto* topic_option =
        token_command
            ->add_option("--topic", token.topic,
                         "Make a subscription token for this topic (\"topic\" claim)")
            ->type_name("TOPIC");
    token_command
        ->add_option("--client", token.client,
                     "Bind the subscription token to this client id (\"client\" claim)")
        ->type_name("ID")
        ->needs(topic_option);
    token_command->add_option("--iss", token.issuer, "The \"iss\" claim")->type_name("ISSUER");
    token_command->add_option("--aud", token.audience, "The \"aud\" claim")
        ->type_name("AUDIENCE");

    notify::cli::ApiOptions api;
    api.timeout_seconds = kDefaultRequestTimeoutSeconds;
    auto* api_command = app.add_subcommand(
        "api", "Call the server API (docs/api.md) and print the result as one JSON line");
    api_command
        ->add_option("URL", api.url,
                     "http://HOST:PORT (the http_api plugin) or grpc[s]://HOST:PORT (grpc_api)")
        ->required();
    api_command->add_option("METHOD", api.method, "publish, broadcast, subscribe, …, batch")
        ->required();
    api_command->add_option("JSON", api.params, "The parameters, a JSON object (default {})");
    api_command->add_option("--key", api.key, "API key (default: $NOTIFY_API_KEY)")
        ->type_name("KEY");
    add_timeout(*api_command, api.timeout_seconds);
    api_command->add_option("--cafile", api.transport.cafile,
                            "grpcs: trust the PEM certificates in this file instead of the "
                            "system's store")
        ->type_name("FILE");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int code = app.exit(error, std::cout, std::cerr);
        return code == 0 ? 0 : static_cast<int>(ExitCode::failure);
    }

    try {
        if (sub_command->parsed()) return notify::cli::run_sub(sub);
        if (pub_command->parsed()) return notify::cli::run_pub(pub);
        if (nodes_command->parsed()) return notify::cli::run_nodes(nodes);
        if (token_command->parsed()) return notify::cli::run_token(token);
        if (presence_command->parsed()) return notify::cli::run_presence(presence);
        if (history_command->parsed()) return notify::cli::run_history(history);
        if (api_command->parsed()) return notify::cli::run_api(api);
        return notify::cli::run_send(send);
    } catch (const CliError& error) {
        return report(error);
    } catch (const std::exception& error) {
        return report(CliError(ExitCode::failure, error.what()));
    }
}
