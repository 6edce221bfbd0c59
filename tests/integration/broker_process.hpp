// Runs the broker under test as a child process: Accord (default) or, with
// ACCORD_TEST_BROKER=mosquitto, the system's Mosquitto as a reference implementation.
//
//   Accord:    $ACCORD_BIN (default: the ACCORD_BIN_PATH compile definition)
//              --listen 127.0.0.1:0 --port-file DIR/port --log-level debug [--set k=v ...]
//              The port is read from the port file ("127.0.0.1 PORT").
//   Mosquitto: mosquitto -c DIR/mosquitto.conf on a free port picked here; the Accord --set keys
//              that Mosquitto has an equivalent for are translated (see supports()).
//
// Every instance owns a fresh temporary directory; the broker's stdout+stderr go to
// DIR/broker.log, which tests dump on failure (log_text()).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace accord::it {

enum class BrokerKind { Accord, Mosquitto };

// ACCORD_TEST_BROKER=mosquitto selects Mosquitto, anything else (or unset) Accord.
BrokerKind broker_kind_from_env();
const char* broker_kind_name(BrokerKind k);

struct BrokerOptions {
  // Accord --set section.key=value pairs, e.g. {"limits.max_packet_size", "1024"}.
  std::vector<std::pair<std::string, std::string>> settings;
  // Accord only: a config file (written to DIR/accord.toml, given with --config), for what
  // --set cannot say, like [[policies]] tables. Settings above still win over it.
  std::string config_toml;
  // Accord only: more [[listeners]] tables (TLS, WebSocket) besides the plain MQTT listener on
  // 127.0.0.1, e.g. "[[listeners]]\naddress = \"127.0.0.1\"\nport = 0\nprotocol = \"ws\"\n".
  // Their ports: port(kind).
  std::string listeners_toml;
};

class BrokerProcess {
 public:
  explicit BrokerProcess(BrokerOptions options = {}, BrokerKind kind = broker_kind_from_env());
  ~BrokerProcess();  // stop()s and removes the temporary directory
  BrokerProcess(const BrokerProcess&) = delete;
  BrokerProcess& operator=(const BrokerProcess&) = delete;

  // Whether every setting of `options` can be applied to a broker of `kind`. Always true for
  // Accord (unknown keys make it fail to start, which is a test failure).
  static bool supports(BrokerKind kind, const BrokerOptions& options, std::string* unsupported = nullptr);

  // Starts the process and waits (bounded) until it accepts connections; throws
  // std::runtime_error with the broker log on failure. After a restart the same port is reused.
  void start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // SIGTERM, then SIGKILL after `grace`. Returns the wait status (or -1 if not running).
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // SIGKILL right away.
  void kill_hard();
  void restart() { stop(); start(); }

  bool running();
  pid_t pid() const { return pid_; }
  std::uint16_t port() const { return port_; }
  // Accord's admin HTTP API (0 under Mosquitto).
  std::uint16_t admin_port() const { return admin_port_; }
  // The port of the first listener of that kind from the port file: "tls", "ws", "wss"
  // (options.listeners_toml); 0 if there is none.
  std::uint16_t port(const std::string& kind) const {
    const auto it = kind_ports_.find(kind);
    return it == kind_ports_.end() ? 0 : it->second;
  }
  std::string host() const { return "127.0.0.1"; }
  std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  BrokerKind kind() const { return kind_; }
  const std::string& dir() const { return dir_; }
  std::string log_path() const { return dir_ + "/broker.log"; }
  std::string log_text() const;
  void dump_log(std::ostream& out) const;

 private:
  void spawn(const std::vector<std::string>& argv);
  bool wait_port_file(std::chrono::steady_clock::time_point deadline);
  bool wait_accepting(std::chrono::steady_clock::time_point deadline);
  void write_mosquitto_conf();

  BrokerOptions options_;
  BrokerKind kind_;
  std::string dir_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t admin_port_ = 0;
  std::map<std::string, std::uint16_t> kind_ports_;  // from the port file, but the plain one
};

// The accord binary under test: $ACCORD_BIN, else the one this build made.
std::string accord_binary();

// A free TCP port on 127.0.0.1 (bound, then released: a small race remains, start() retries).
std::uint16_t pick_free_port();

}  // namespace accord::it
