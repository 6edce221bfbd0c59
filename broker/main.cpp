// accord: the broker daemon. Configuration, logging, signals and wiring only.
#include <csignal>
#include <exception>
#include <iostream>

#include "broker/app/config_loader.hpp"
#include "broker/app/store_routes.hpp"
#include "broker/core/log.hpp"
#include "broker/net/server.hpp"
#include "registry/http/admin_server.hpp"

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
    // Declared after the server: stopped (and its requests finished) before the store closes.
    accord::http::AdminServer admin(std::move(routes));
    if (!config.admin_listen.empty()) {
      const auto listen = accord::parse_listen(config.admin_listen);  // validated at load
      const auto ep = admin.start(listen->address, listen->port);
      const std::string address = ep.address().to_string();
      server.add_port_file_line(address + ' ' + std::to_string(ep.port()) + " admin");
      accord::log::info("listening", {{"address", address}, {"port", ep.port()}, {"protocol", "http-admin"}});
    }
    server.start();
    server.run();
  } catch (const std::exception& e) {
    accord::log::error("fatal", {{"error", e.what()}});
    std::cerr << "accord: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
