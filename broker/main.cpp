// accord: the broker daemon. Configuration, logging, signals and wiring only.
#include <csignal>
#include <exception>
#include <iostream>

#include "broker/app/config_loader.hpp"
#include "broker/core/log.hpp"
#include "broker/net/server.hpp"

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
    server.start();
    server.run();
  } catch (const std::exception& e) {
    accord::log::error("fatal", {{"error", e.what()}});
    std::cerr << "accord: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
