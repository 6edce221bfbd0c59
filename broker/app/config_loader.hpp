// Builds the effective Config from, later wins:
//   1. built-in defaults (Config{}),
//   2. a TOML file, only when --config FILE is given,
//   3. command-line flags, applied in command-line order (--listen, --port-file, --io-threads,
//      --log-level, --log-format, --log-file and the generic --set section.key=value).
// Never prints and never exits: --help, --version, --print-config and --check-config come back
// as LoadResult::Status::Exit with the text to print, errors as Status::Error with one line that
// names the source (file:line:column or the flag), the key and the problem. main decides.
//
// Every key is described once, in the table in config_loader.cpp; the TOML reader, --set,
// --print-config and the key list below all use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/config.hpp"

#ifndef ACCORD_VERSION
#define ACCORD_VERSION "0.1.0"  // keep in sync with project(VERSION) until CMake passes it
#endif

namespace accord {

struct LoadResult {
  enum class Status {
    Run,    // start the broker with `config`
    Exit,   // print `message` to stdout and exit with exit_code (0)
    Error,  // print `message` (one line, no trailing newline) to stderr, exit with exit_code (2)
  };
  Status status = Status::Run;
  Config config;        // the effective configuration (valid for Run, and for Exit after checks)
  std::string message;  // Exit: complete stdout text, ends with '\n'. Error: the error line.
  int exit_code = 0;

  bool ok() const { return status == Status::Run; }
};

// argv[0] is the program name. Typical main:
//   auto r = accord::load_config(argc, argv);
//   if (r.status == LoadResult::Status::Error) { std::cerr << "accord: " << r.message << '\n'; return r.exit_code; }
//   if (r.status == LoadResult::Status::Exit) { std::cout << r.message; return r.exit_code; }
LoadResult load_config(int argc, const char* const* argv);
// Same, without the program name (handy for tests): load_config({"--config", "x.toml"}).
LoadResult load_config(const std::vector<std::string>& args);

// ---- building blocks, used by load_config and by tests ------------------------------------------
// Each returns std::nullopt on success or the complete one-line error message.

// Applies a TOML file on top of `config` (unreadable file, syntax error, unknown key, wrong type
// and out-of-range value are errors; keys absent from the file keep their current value).
std::optional<std::string> apply_toml_file(Config& config, const std::string& path);
// Same for TOML text; `source` names it in error messages.
std::optional<std::string> apply_toml_string(Config& config, std::string_view toml,
                                             std::string_view source);
// One `section.key` = `value` as given to --set (value is unquoted text: 42, true, /var/log/x).
// "listeners" takes a comma-separated list of ADDR:PORT and replaces all listeners.
std::optional<std::string> apply_setting(Config& config, std::string_view key, std::string_view value);
// Checks that span several keys (e.g. at least one listener, no duplicate listener).
std::optional<std::string> validate(const Config& config);

// "0.0.0.0:1883", "127.0.0.1:0", "[::1]:1883", "[::]:8883". Address must be an IP literal.
std::optional<ListenerConfig> parse_listen(std::string_view text, std::string* error = nullptr);

// The effective configuration as a TOML document, one commented line per key (--print-config).
// apply_toml_string(Config{}, config_to_toml(c), ...) yields c again.
std::string config_to_toml(const Config& config);

// Every settable key, "listeners" then "section.key", in table order.
std::vector<std::string> config_keys();

}  // namespace accord
