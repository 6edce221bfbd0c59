// accordctl: the operator command line. Today: the durable store's operations (docs/durability.md)
//
//   accordctl store inspect [--admin URL | --data-dir DIR] [-o table|json]
//   accordctl store backup DIR [--admin URL] [-o table|json]
//
// Exit codes (docs/operations.md): 0 done; 1 the broker refused or failed the operation (its
// message is printed); 2 usage error; 3 the admin API cannot be reached (refused, timeout, bad
// URL); 4 the data directory cannot be opened.
#include <CLI/CLI.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <span>
#include <string>

#include "broker/store/store.hpp"
#include "registry/http/auth.hpp"

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

enum Exit { kOk = 0, kFailed = 1, kUsage = 2, kUnreachable = 3, kDataDir = 4 };

struct Failure {
  int code;
  std::string message;
};

struct AdminUrl {
  std::string host;
  std::string port;
};

std::optional<AdminUrl> parse_admin_url(const std::string& url) {
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  else if (rest.find("://") != std::string::npos) return std::nullopt;  // https comes with TLS
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) return std::nullopt;
  return AdminUrl{rest.substr(0, colon), rest.substr(colon + 1)};
}

struct HttpResult {
  unsigned status;
  boost::json::value body;
};

// One request to the admin API, every step bounded by `timeout`. Throws Failure.
HttpResult call(const std::string& admin, bhttp::verb verb, const std::string& path,
                const std::string& body, std::chrono::seconds timeout) {
  const auto url = parse_admin_url(admin);
  if (!url) throw Failure{kUnreachable, "invalid admin URL '" + admin + "' (expected http://HOST:PORT)"};
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(url->host, url->port, ec);
  if (ec) throw Failure{kUnreachable, "cannot resolve " + admin + ": " + ec.message()};
  stream.expires_after(timeout);
  stream.connect(endpoints, ec);
  if (ec) throw Failure{kUnreachable, "cannot reach the admin API at " + admin + ": " + ec.message()};
  bhttp::request<bhttp::string_body> req{verb, path, 11};
  req.set(bhttp::field::host, url->host);
  req.set(bhttp::field::user_agent, "accordctl");
  req.set(bhttp::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  stream.expires_after(timeout);
  bhttp::write(stream, req, ec);
  if (ec) throw Failure{kUnreachable, "admin API at " + admin + ": " + ec.message()};
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  stream.expires_after(timeout);
  bhttp::read(stream, buffer, res, ec);
  if (ec) throw Failure{kUnreachable, "admin API at " + admin + ": no answer (" + ec.message() + ")"};
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  boost::json::value parsed = boost::json::parse(res.body(), ec);
  if (ec) throw Failure{kFailed, "admin API at " + admin + " answered HTTP " +
                                     std::to_string(res.result_int()) + " with a body that is not JSON"};
  return {res.result_int(), std::move(parsed)};
}

// A 4xx/5xx answer becomes a Failure carrying the broker's own message.
void check(const HttpResult& r) {
  if (r.status < 300) return;
  std::string message = "HTTP " + std::to_string(r.status);
  if (const auto* obj = r.body.if_object()) {
    if (const auto* m = obj->if_contains("message"); m && m->is_string())
      message = std::string(m->as_string());
  }
  throw Failure{kFailed, message};
}

std::string human_bytes(std::uint64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", v, units[u]);
  return buf;
}

using Row = std::pair<const char*, const char*>;  // JSON key, label

void print_table(const boost::json::object& o, std::span<const Row> rows) {
  for (const auto& [key, label] : rows) {
    const auto* v = o.if_contains(key);
    if (!v) continue;
    std::string text;
    if (v->is_string()) text = std::string(v->as_string());
    else if (std::string_view(key).find("bytes") != std::string_view::npos && v->is_number())
      text = human_bytes(v->to_number<std::uint64_t>()) + " (" + boost::json::serialize(*v) + ")";
    else text = boost::json::serialize(*v);
    std::printf("%-16s %s\n", label, text.c_str());
  }
}

const Row kStatsRows[] = {
    {"data_dir", "data directory"}, {"durability", "durability"},
    {"retained", "retained"},       {"sessions", "sessions"},
    {"queue_entries", "queued"},    {"messages", "message bodies"},
    {"inbound_qos2", "inbound QoS 2"}, {"registry_schemas", "registry schemas"},
    {"registry_versions", "registry versions"}, {"bytes_on_disk", "size on disk"},
    {"batches", "batches"},         {"writes", "writes"},
    {"failed_writes", "failed writes"}};

boost::json::object inspect_offline(const std::string& dir) {
  accord::store::StoreOptions o;
  o.path = dir;
  o.durability = accord::store::Durability::Async;
  o.create_if_missing = false;
  o.read_only = true;
  auto opened = accord::store::open_store(o);
  if (!opened.status.ok) throw Failure{kDataDir, opened.status.message};
  const auto st = opened.store->stats();
  opened.store->close();
  boost::json::object body;
  body["data_dir"] = dir;
  body["retained"] = st.retained;
  body["sessions"] = st.sessions;
  body["queue_entries"] = st.queue_entries;
  body["messages"] = st.messages;
  body["inbound_qos2"] = st.inbound_qos2;
  body["registry_schemas"] = st.registry_schemas;
  body["registry_versions"] = st.registry_versions;
  body["bytes_on_disk"] = st.bytes_on_disk;
  return body;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"accordctl: operate an Accord broker"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand
  const char* env_admin = std::getenv("ACCORD_ADMIN");
  std::string admin = env_admin ? env_admin : "http://127.0.0.1:8081";
  std::string output = "table";
  int timeout_s = 60;
  app.add_option("--admin", admin, "admin API of the broker (default $ACCORD_ADMIN or http://127.0.0.1:8081)");
  app.add_option("-o,--output", output, "table or json")->check(CLI::IsMember({"table", "json"}));
  app.add_option("--timeout", timeout_s, "seconds to wait for each network step")->check(CLI::Range(1, 3600));

  auto* store_cmd = app.add_subcommand("store", "the broker's durable store")->require_subcommand(1);
  store_cmd->fallthrough();
  std::string data_dir;
  auto* inspect = store_cmd->add_subcommand(
      "inspect", "records per kind and size on disk (from the running broker, or --data-dir)");
  inspect->add_option("--data-dir", data_dir,
                      "read this data directory (a stopped broker's, or a backup) instead of "
                      "asking the broker");
  std::string backup_dir;
  auto* backup = store_cmd->add_subcommand(
      "backup", "consistent online copy (RocksDB checkpoint) into a new directory, written by the broker");
  backup->add_option("DIR", backup_dir, "directory to create (on the broker's machine)")->required();

  auto* admin_cmd = app.add_subcommand("admin", "the admin API itself")->require_subcommand(1);
  auto* credential = admin_cmd->add_subcommand(
      "credential",
      "print a line for admin.credentials_file: basic NAME ROLE reads the password from stdin; "
      "bearer NAME ROLE makes a new token (shown once)");
  std::string cred_kind, cred_name, cred_role;
  credential->add_option("KIND", cred_kind, "basic or bearer")->required()->check(CLI::IsMember({"basic", "bearer"}));
  credential->add_option("NAME", cred_name, "user or token name (no spaces)")->required();
  credential->add_option("ROLE", cred_role, "read or admin")->required()->check(CLI::IsMember({"read", "admin"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kOk : kUsage;
  }

  if (credential->parsed()) {
    if (cred_name.find_first_of(" \t#") != std::string::npos) {
      std::cerr << "accordctl: NAME must not contain spaces or '#'\n";
      return kUsage;
    }
    if (cred_kind == "basic") {
      std::string password;
      std::getline(std::cin, password);
      if (password.empty()) {
        std::cerr << "accordctl: no password on stdin (echo -n \"$PASSWORD\" | accordctl admin credential basic NAME ROLE)\n";
        return kUsage;
      }
      std::cout << "basic " << cred_name << ' ' << cred_role << ' '
                << accord::http::hash_password(password) << '\n';
    } else {
      const std::string token = accord::http::random_token();
      std::cerr << "token (store it now; only its hash is kept): " << token << '\n';
      std::cout << "bearer " << cred_name << ' ' << cred_role << ' ' << accord::http::hash_token(token)
                << '\n';
    }
    return kOk;
  }

  const std::chrono::seconds timeout(timeout_s);
  try {
    boost::json::object result;
    if (inspect->parsed()) {
      if (!data_dir.empty()) {
        result = inspect_offline(data_dir);
      } else {
        auto r = call(admin, bhttp::verb::get, "/v1/store", "", timeout);
        check(r);
        result = r.body.as_object();
      }
    } else if (backup->parsed()) {
      // Relative to where the operator stands, not to the broker's working directory.
      const std::string absolute = std::filesystem::absolute(backup_dir).lexically_normal().string();
      boost::json::object req;
      req["directory"] = absolute;
      auto r = call(admin, bhttp::verb::post, "/v1/store/checkpoint", boost::json::serialize(req), timeout);
      check(r);
      result = r.body.as_object();
    }
    if (output == "json") {
      std::cout << boost::json::serialize(result) << '\n';
    } else if (inspect->parsed()) {
      print_table(result, kStatsRows);
    } else {
      const Row rows[] = {{"directory", "backup"}, {"bytes", "size"}, {"ms", "took (ms)"}};
      print_table(result, rows);
    }
    return kOk;
  } catch (const Failure& f) {
    std::cerr << "accordctl: " << f.message << '\n';
    return f.code;
  } catch (const std::exception& e) {
    std::cerr << "accordctl: " << e.what() << '\n';
    return kFailed;
  }
}
