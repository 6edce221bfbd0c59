// accordctl store inspect|backup (docs/operations.md) and accordctl admin credential.
#include <filesystem>
#include <iostream>

#include "broker/store/store.hpp"
#include "cli.hpp"
#include "registry/http/auth.hpp"

namespace accordctl {

namespace {

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

int emit(const Context& ctx, const boost::json::object& result, std::span<const Row> rows) {
  if (ctx.json()) std::cout << boost::json::serialize(result) << '\n';
  else print_fields(result, rows);
  return kOk;
}

}  // namespace

void add_store_commands(CLI::App& app, Context& ctx) {
  auto* store_cmd = app.add_subcommand("store", "the broker's durable store")->require_subcommand(1);
  store_cmd->fallthrough();

  auto data_dir = std::make_shared<std::string>();
  auto* inspect = store_cmd->add_subcommand(
      "inspect", "records per kind and size on disk (from the running broker, or --data-dir)");
  inspect->add_option("--data-dir", *data_dir,
                      "read this data directory (a stopped broker's, or a backup) instead of "
                      "asking the broker");
  inspect->callback([&ctx, data_dir] {
    ctx.action = [&ctx, data_dir] {
      boost::json::object result = data_dir->empty() ? request(ctx, "GET", "/v1/store").as_object()
                                                     : inspect_offline(*data_dir);
      return emit(ctx, result, kStatsRows);
    };
  });

  auto backup_dir = std::make_shared<std::string>();
  auto* backup = store_cmd->add_subcommand(
      "backup", "consistent online copy (RocksDB checkpoint) into a new directory, written by the broker");
  backup->add_option("DIR", *backup_dir, "directory to create (on the broker's machine)")->required();
  backup->callback([&ctx, backup_dir] {
    ctx.action = [&ctx, backup_dir] {
      // Relative to where the operator stands, not to the broker's working directory.
      boost::json::object req;
      req["directory"] = std::filesystem::absolute(*backup_dir).lexically_normal().string();
      auto result = request(ctx, "POST", "/v1/store/checkpoint", boost::json::serialize(req));
      static const Row rows[] = {{"directory", "backup"}, {"bytes", "size"}, {"ms", "took (ms)"}};
      return emit(ctx, result.as_object(), rows);
    };
  });
}

void add_admin_commands(CLI::App& app, Context& ctx) {
  auto* admin_cmd = app.add_subcommand("admin", "the admin API itself")->require_subcommand(1);
  auto* credential = admin_cmd->add_subcommand(
      "credential",
      "print a line for admin.credentials_file: basic NAME ROLE reads the password from stdin; "
      "bearer NAME ROLE makes a new token (shown once)");
  struct Args {
    std::string kind, name, role;
  };
  auto a = std::make_shared<Args>();
  credential->add_option("KIND", a->kind, "basic or bearer")->required()->check(CLI::IsMember({"basic", "bearer"}));
  credential->add_option("NAME", a->name, "user or token name (no spaces)")->required();
  credential->add_option("ROLE", a->role, "read or admin")->required()->check(CLI::IsMember({"read", "admin"}));
  credential->callback([&ctx, a] {
    ctx.action = [a] {
      if (a->name.find_first_of(" \t#") != std::string::npos)
        throw Failure{kUsage, "NAME must not contain spaces or '#'"};
      if (a->kind == "basic") {
        std::string password;
        std::getline(std::cin, password);
        if (password.empty())
          throw Failure{kUsage, "no password on stdin (echo -n \"$PASSWORD\" | accordctl admin credential basic NAME ROLE)"};
        std::cout << "basic " << a->name << ' ' << a->role << ' '
                  << accord::http::hash_password(password) << '\n';
      } else {
        const std::string token = accord::http::random_token();
        std::cerr << "token (store it now; only its hash is kept): " << token << '\n';
        std::cout << "bearer " << a->name << ' ' << a->role << ' ' << accord::http::hash_token(token)
                  << '\n';
      }
      return static_cast<int>(kOk);
    };
  });
}

}  // namespace accordctl
