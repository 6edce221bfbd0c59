// accord: the broker daemon. Configuration, logging, signals and wiring only.
#include <csignal>
#include <exception>
#include <boost/json/parse.hpp>
#include <iostream>

#include "broker/app/config_loader.hpp"
#include "broker/app/health_routes.hpp"
#include "broker/app/observability.hpp"
#include "broker/app/store_routes.hpp"
#include "broker/core/log.hpp"
#include "broker/gate/policy_gate.hpp"
#include "broker/gate/policy_routes.hpp"
#include "broker/net/server.hpp"
#include "registry/core/registry.hpp"
#include "registry/core/routes.hpp"
#include "registry/enforcement/policy_json.hpp"
#include "registry/http/admin_server.hpp"

namespace {

accord::registry::RegistryOptions registry_options(const accord::Config& config) {
  accord::registry::RegistryOptions o;
  o.default_compatibility =  // validated at load
      *accord::registry::parse_compatibility_level(config.registry_default_compatibility);
  o.formats.json_format_assertion = config.registry_json_format_assertion;
  o.formats.protobuf_reject_unknown_fields = config.registry_protobuf_unknown_fields == "reject";
  o.max_subjects = config.registry_max_subjects;
  o.max_versions_per_subject = config.registry_max_versions_per_subject;
  return o;
}

accord::http::ServerOptions admin_options(const accord::Config& config) {
  accord::http::ServerOptions o;
  o.limits.max_body_bytes = config.admin_max_body_bytes;
  if (!config.admin_tls_cert_file.empty())
    o.tls = accord::http::ServerTls{config.admin_tls_cert_file, config.admin_tls_key_file};
  if (!config.admin_credentials_file.empty())
    o.auth = accord::http::Authenticator::load_file(config.admin_credentials_file);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  auto loaded = accord::load_config(argc, argv);
  if (loaded.status == accord::LoadResult::Status::Error) {
    std::cerr << "accord: " << loaded.message << '\n';
    return loaded.exit_code;
  }
  if (loaded.status == accord::LoadResult::Status::Exit) {
    std::cout << loaded.message;
    return loaded.exit_code;
  }
  const accord::Config& config = loaded.config;
  try {
    accord::log::init(config.log_level,
                      config.log_format == "json" ? accord::log::Format::Json
                                                  : accord::log::Format::Text,
                      config.log_file);
  } catch (const std::exception& e) {
    std::cerr << "accord: " << e.what() << '\n';
    return 2;
  }
  // A peer closing mid-write must be an error code on that connection, not a process signal.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    accord::net::Server server(config);
    server.open_store();
    accord::http::Router routes;
    accord::add_store_routes(routes, [&server] { return server.store(); }, config);
    // The registry lives in the broker's store (its own column families).
    std::unique_ptr<accord::registry::Registry> registry;
    if (config.registry_enabled) {
      auto opened = accord::registry::Registry::open(*server.store(), registry_options(config));
      if (!opened) throw std::runtime_error(opened.error().message);
      registry = std::move(opened.value());
      accord::registry::add_registry_routes(routes, *registry);
      const auto counts = registry->counts();
      accord::log::info("registry_loaded", {{"schemas", counts.schemas},
                                            {"subjects", counts.subjects},
                                            {"versions", counts.versions}});
    }
    // Contract policies: the gate every publish passes. Declared after the registry it reads.
    std::unique_ptr<accord::gate::PolicyGate> gate;
    std::unique_ptr<accord::gate::PolicyControl> policy_control;
    if (registry) {
      std::vector<accord::enforcement::Policy> file_policies;
      if (!config.policies_json.empty()) {
        std::string error;  // validated at load
        file_policies = *accord::enforcement::policies_from_json(
            boost::json::parse(config.policies_json), error);
      }
      policy_control = std::make_unique<accord::gate::PolicyControl>(registry.get(), file_policies);
      auto initial = policy_control->initial();
      gate = std::make_unique<accord::gate::PolicyGate>(*registry, initial.policies);
      policy_control->attach(*gate);
      policy_control->add_routes(routes);
      server.broker().set_publish_gate(gate.get());
      accord::log::info("policies_loaded", {{"policies", initial.policies.size()},
                                            {"source", initial.source},
                                            {"note", initial.note}});
    } else if (!config.policies_json.empty()) {
      throw std::runtime_error("[[policies]] need the schema registry (registry.enabled = true)");
    }
    const accord::gate::GateMetrics* gate_metrics = gate ? &gate->metrics() : nullptr;
    accord::add_metrics_route(routes, server.metrics(), server.broker(), gate_metrics,
                              [&server] { return server.store(); });
    accord::add_health_routes(routes, server);
    if (config.sys_interval > 0) {
      server.add_tick_hook([&server, gate_metrics, every = config.sys_interval, n = 0u]() mutable {
        if (++n % every == 0) accord::publish_sys_topics(server.broker(), server.metrics(), gate_metrics);
      });
    }
    // Declared after the server and the registry: stopped (and its requests finished) before
    // either goes away.
    accord::http::AdminServer admin(std::move(routes), admin_options(config));
    if (!config.admin_listen.empty()) {
      const auto listen = accord::parse_listen(config.admin_listen);  // validated at load
      const auto ep = admin.start(listen->address, listen->port);
      const std::string address = ep.address().to_string();
      server.add_port_file_line(address + ' ' + std::to_string(ep.port()) + " admin");
      accord::log::info("listening", {{"address", address}, {"port", ep.port()}, {"protocol", "http-admin"}});
    }
    server.start();
    server.run();
  } catch (const accord::auth::LoadError& e) {  // auth.password_file / acl_file: a config error
    accord::log::error("fatal", {{"error", e.what()}});
    std::cerr << "accord: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    accord::log::error("fatal", {{"error", e.what()}});
    std::cerr << "accord: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
