// accordctl: the operator command line (docs/operations.md).
//
//   accordctl store inspect [--data-dir DIR]      records per kind, size on disk
//   accordctl store backup DIR                    online RocksDB checkpoint
//   accordctl admin credential basic|bearer NAME ROLE
//   accordctl user add|remove|list --file FILE [NAME]   MQTT password file
//
// Global options: --admin URL ($ACCORD_ADMIN, default http://127.0.0.1:8081), --auth HEADER
// ($ACCORD_ADMIN_AUTH, the Authorization header), -o table|json, --timeout SECONDS (every
// network step). Exit codes: cli.hpp.
#include <cstdlib>
#include <iostream>

#include "cli.hpp"

int main(int argc, char** argv) {
  using namespace accordctl;
  CLI::App app{"accordctl: operate an Accord broker"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand
  Context ctx;
  const char* env_admin = std::getenv("ACCORD_ADMIN");
  ctx.admin = env_admin ? env_admin : "http://127.0.0.1:8081";
  if (const char* auth = std::getenv("ACCORD_ADMIN_AUTH")) ctx.authorization = auth;
  app.add_option("--admin", ctx.admin, "admin API of the broker (default $ACCORD_ADMIN or http://127.0.0.1:8081)");
  app.add_option("--auth", ctx.authorization,
                 "Authorization header for the admin API, e.g. 'Bearer TOKEN' (default $ACCORD_ADMIN_AUTH)");
  app.add_option("-o,--output", ctx.output, "table or json")->check(CLI::IsMember({"table", "json"}));
  app.add_option("--timeout", ctx.timeout_s, "seconds to wait for each network step")->check(CLI::Range(1, 3600));

  add_store_commands(app, ctx);
  add_admin_commands(app, ctx);
  add_schema_commands(app, ctx);
  add_policy_commands(app, ctx);
  add_registry_commands(app, ctx);
  add_contract_commands(app, ctx);
  add_user_commands(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kOk : kUsage;
  }
  if (!ctx.action) {
    std::cerr << "accordctl: nothing to do\n";
    return kUsage;
  }
  try {
    return ctx.action();
  } catch (const Failure& f) {
    std::cerr << "accordctl: " << f.message << '\n';
    return f.code;
  } catch (const std::exception& e) {
    std::cerr << "accordctl: " << e.what() << '\n';
    return kFailed;
  }
}
