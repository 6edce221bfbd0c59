// Shared pieces of the integration tests: the per-test broker fixture, a Paho wrapper with
// bounded waits, and a subprocess runner for mosquitto_pub / mosquitto_sub.
#pragma once

#include <gtest/gtest.h>
#include <mqtt/async_client.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker_process.hpp"
#include "raw_client.hpp"

namespace accord::it {

// Every test gets its own broker process (started on first use), so retained messages and
// sessions never leak between tests. On failure the broker log is printed.
class BrokerTest : public ::testing::Test {
 protected:
  void TearDown() override;

  // Starts (once) the default broker and returns it.
  BrokerProcess& broker();
  // Replaces the broker by one started with `options`. Callers check supports() first, see
  // ACCORD_START_BROKER_WITH.
  BrokerProcess& start_broker(BrokerOptions options);
  std::uint16_t port() { return broker().port(); }
  std::string uri() { return broker().uri(); }
  bool is_mosquitto() const { return broker_kind_from_env() == BrokerKind::Mosquitto; }

  ConnectOptions v5(std::string client_id, bool clean = true) {
    ConnectOptions o;
    o.version = 5;
    o.client_id = std::move(client_id);
    o.clean = clean;
    return o;
  }
  ConnectOptions v311(std::string client_id, bool clean = true) {
    ConnectOptions o = v5(std::move(client_id), clean);
    o.version = 4;
    return o;
  }
  // A connected raw client (CONNACK checked for success).
  std::unique_ptr<RawClient> raw(const ConnectOptions& o);

  std::unique_ptr<BrokerProcess> broker_;
};

// A BrokerTest whose broker keeps its state in a RocksDB directory of its own (removed after the
// test), for tests of Accord's durable store; skipped under Mosquitto.
class DurableBrokerTest : public BrokerTest {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Starts the broker on data_dir_ with store.durability `durability` plus `extra` settings.
  BrokerProcess& start_durable(const std::string& durability = "sync",
                               std::vector<std::pair<std::string, std::string>> extra = {});
  std::string data_dir_;
};

// Starts the test's broker with Accord settings; skips under Mosquitto when it has no equivalent.
#define ACCORD_START_BROKER_WITH(...)                                                          \
  do {                                                                                          \
    ::accord::it::BrokerOptions opts__{__VA_ARGS__};                                            \
    std::string unsupported__;                                                                  \
    if (!::accord::it::BrokerProcess::supports(::accord::it::broker_kind_from_env(), opts__,    \
                                                &unsupported__))                                \
      GTEST_SKIP() << "mosquitto has no equivalent of the Accord setting " << unsupported__;   \
    start_broker(std::move(opts__));                                                            \
  } while (0)

#define SKIP_UNDER_MOSQUITTO(reason) \
  do {                               \
    if (is_mosquitto()) GTEST_SKIP() << "mosquitto: " << reason; \
  } while (0)

// Paho async client with the consumer queue enabled; all waits are bounded.
class PahoClient {
 public:
  PahoClient(const std::string& uri, const std::string& client_id, int mqtt_version = 5);
  ~PahoClient();

  // Connects; returns session_present. Throws mqtt::exception on failure.
  bool connect(mqtt::connect_options opts);
  bool connect(bool clean = true, const mqtt::properties& props = {});
  void disconnect();
  // SUBACK reason codes (v5) or granted QoS (v3.1.1).
  std::vector<int> subscribe(const std::string& filter, int qos,
                             const mqtt::subscribe_options& so = {}, const mqtt::properties& props = {});
  void publish(const std::string& topic, const std::string& payload, int qos = 0, bool retain = false,
               const mqtt::properties& props = {});
  void publish(mqtt::message_ptr msg);
  // Next message, nullptr after `timeout`.
  // Positive waits end as soon as the message is there: the default is generous for loaded CI.
  mqtt::const_message_ptr next(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True if no message arrives within `timeout`.
  bool none_for(std::chrono::milliseconds timeout) { return next(timeout) == nullptr; }

  mqtt::async_client& client() { return cli_; }
  int version() const { return version_; }

 private:
  int version_;
  mqtt::async_client cli_;
};

struct ProcessResult {
  int exit_code = -1;  // -1: killed after timeout
  bool timed_out = false;
  std::string out;  // stdout + stderr
};

// A child process with stdout+stderr captured through a pipe.
class Subprocess {
 public:
  explicit Subprocess(const std::vector<std::string>& argv);
  ~Subprocess();  // kills the child if still running
  // Reads output until it contains `needle`; false on timeout or exit.
  bool wait_for_output(const std::string& needle, std::chrono::milliseconds timeout);
  // Waits for exit (kills after timeout) and returns everything printed.
  ProcessResult wait(std::chrono::milliseconds timeout);
  const std::string& output() const { return out_; }

 private:
  bool pump(std::chrono::milliseconds timeout);
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string out_;
};

// Resident set size of a process in KiB (VmRSS from /proc), -1 if unknown.
long rss_kib(pid_t pid);

ProcessResult run_process(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Polls `pred` every 10 ms until true or `timeout`.
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

}  // namespace accord::it
