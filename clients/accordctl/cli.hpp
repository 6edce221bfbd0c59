// What every accordctl command shares: exit codes, failures, global options, the admin API
// client and output helpers. Commands live in *_commands.cpp, each adding its subcommands with
// an add_*_commands() function; main.cpp parses and runs the one chosen.
//
// Exit codes (docs/operations.md): 0 done; 1 the broker refused or failed the operation (its
// message is printed), or a check failed; 2 usage error or unreadable/invalid input file;
// 3 the admin API (or broker) cannot be reached (refused, timeout, bad URL); 4 the data
// directory cannot be opened.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <functional>
#include <span>
#include <string>
#include <utility>

namespace accordctl {

enum Exit { kOk = 0, kFailed = 1, kUsage = 2, kUnreachable = 3, kDataDir = 4 };

// Thrown by commands; main prints "accordctl: <message>" and exits with `code`.
struct Failure {
  int code;
  std::string message;
};

struct Context {
  std::string admin;          // http://HOST:PORT
  std::string authorization;  // whole Authorization header value, "" = none
  std::string output = "table";
  int timeout_s = 60;
  bool json() const { return output == "json"; }
  std::chrono::seconds timeout() const { return std::chrono::seconds(timeout_s); }
  // Set by the chosen subcommand's callback; run after parsing.
  std::function<int()> action;
};

struct HttpResult {
  unsigned status = 0;
  boost::json::value body;  // null when the body was empty
};

// One request to the admin API, every step bounded by the context's timeout. Throws Failure
// (kUnreachable) when the API cannot be reached, (kFailed) when the body is not JSON.
HttpResult call(const Context& ctx, const std::string& method, const std::string& path,
                const std::string& body = {});
// A 4xx/5xx answer becomes a Failure (kFailed) carrying the broker's own message.
void check(const HttpResult& result);
// call() + check(): the body of a successful answer.
boost::json::value request(const Context& ctx, const std::string& method, const std::string& path,
                           const std::string& body = {});

// Percent-encodes one path segment (subject names may hold '/', ':' ...).
std::string path_segment(std::string_view text);

std::string human_bytes(std::uint64_t bytes);
using Row = std::pair<const char*, const char*>;  // JSON key, label
// "label    value" lines for the keys of `o` named in `rows`.
void print_fields(const boost::json::object& o, std::span<const Row> rows);
// A table with a header line; cells are already text.
void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows);
// A JSON value as one line of text for a table cell (strings without quotes).
std::string cell(const boost::json::value& v);

void add_store_commands(CLI::App& app, Context& ctx);
void add_admin_commands(CLI::App& app, Context& ctx);
void add_schema_commands(CLI::App& app, Context& ctx);  // schema ... and compat ...
void add_policy_commands(CLI::App& app, Context& ctx);
void add_registry_commands(CLI::App& app, Context& ctx);
void add_contract_commands(CLI::App& app, Context& ctx);  // contract test|can-deploy|publish
void add_user_commands(CLI::App& app, Context& ctx);  // user add|remove|list (MQTT password file)

}  // namespace accordctl
