// The network side of the broker: TCP listeners, one io_context per I/O thread (each connection
// pinned to one thread for its whole life), a control context for accepting, signals and
// timers. Implements core::Executor so core can hand work to the I/O threads.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio.hpp>

#include "broker/auth/service.hpp"
#include "broker/core/broker.hpp"
#include "broker/core/config.hpp"
#include "broker/core/executor.hpp"
#include "broker/core/metrics.hpp"
#include "broker/net/admission.hpp"
#include "broker/store/store.hpp"

namespace boost::asio::ssl {
class context;
}

namespace accord::net {

class Connection;

// One configured listener and, with TLS, its current certificate context. A reload replaces
// `tls`; connections keep the context they started with. Control thread only.
struct Listener {
  ListenerConfig config;
  std::shared_ptr<boost::asio::ssl::context> tls;
  // Modification times of cert, key and CA file when `tls` was last (re)built.
  std::array<std::filesystem::file_time_type, 3> tls_files{};
};

// Per I/O thread state. Owned by the Server; touched only by its own thread (and the Server
// before threads start / after they stop).
struct IoThread {
  explicit IoThread(unsigned index) : index(index), sweep_timer(context) {}
  unsigned index;
  boost::asio::io_context context{1};
  boost::asio::steady_timer sweep_timer;
  // Scratch buffer every connection of this thread reads into; only partial packets are
  // copied into a connection's own storage, so an idle connection holds no read buffer.
  std::vector<std::uint8_t> read_buffer;
  // Connections with queued output, flushed together once the current handler returns.
  std::vector<std::shared_ptr<Connection>> dirty;
  bool flush_posted = false;
  // Intrusive list of this thread's connections, for keep-alive and shutdown sweeps.
  Connection* connections = nullptr;
  core::Clock::time_point now = core::Clock::now();  // refreshed by the sweep and reads
  void flush_dirty();
};

class Server final : public core::Executor {
 public:
  explicit Server(const Config& config);
  ~Server() override;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the data directory and restores what it holds (throws std::runtime_error naming the
  // path and the cause). Done by start() if not called before.
  void open_store();
  // Binds every listener (throws naming the address) and writes the port file.
  void start();
  // An extra "address port kind" line for the port file (e.g. the admin API), before start().
  void add_port_file_line(std::string line) { extra_port_lines_.push_back(std::move(line)); }
  // The open store (memory or RocksDB), nullptr before open_store(). Any thread.
  store::Store* store() const { return store_ptr_.load(std::memory_order_acquire); }
  // Runs the I/O threads and the control loop on the calling thread until stop() completes.
  void run();
  // Graceful stop: no new connections, MQTT 5 clients get DISCONNECT 0x8B, writes get up to
  // shutdown_grace to flush, then everything closes. Thread-safe, idempotent.
  void stop();

  // Before run(): `hook` runs on the control thread once a second (with the broker's tick).
  void add_tick_hook(std::function<void()> hook) { tick_hooks_.push_back(std::move(hook)); }

  // Failed TLS / WebSocket handshakes (including timeouts). Any thread.
  void count_handshake_failure() { handshake_failures_.fetch_add(1, std::memory_order_relaxed); }
  std::uint64_t handshake_failures() const { return handshake_failures_.load(std::memory_order_relaxed); }
  // Before run(): `hook` runs on the control thread on SIGHUP (re-read files: passwords, ACLs,
  // certificates). A hook keeps what it had when its files are bad, and logs why.
  void add_reload_hook(std::function<void()> hook) { reload_hooks_.push_back(std::move(hook)); }
  // Runs the reload hooks now (what SIGHUP does). Control thread, or before run().
  void reload();
  // MQTT authentication and ACLs (auth.* settings).
  auth::AuthService& auth() { return *auth_; }

  std::vector<boost::asio::ip::tcp::endpoint> local_endpoints() const;
  core::Broker& broker() { return broker_; }
  core::Metrics& metrics() { return metrics_; }
  const Config& config() const { return config_; }

  // A connection admitted by accept() closed: gives its address's slot back (any thread).
  void connection_closed(const boost::asio::ip::address& address);
  // Health: every I/O thread and the control loop run a posted no-op within `timeout`. Any
  // thread but those (the admin API's).
  bool event_loops_respond(std::chrono::milliseconds timeout);
  // Readiness: listeners bound (start() done) and not stopping. Any thread.
  bool listening() const { return listening_.load(std::memory_order_acquire); }
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }

  unsigned thread_count() const override { return static_cast<unsigned>(threads_.size()); }
  void post(unsigned thread, std::function<void()> fn) override;

 private:
  void accept(std::size_t listener);
  void schedule_sweep(IoThread& thread);
  void schedule_tick();
  void write_port_file() const;
  void wait_for_drain();
  void wait_signal();
  // Rebuilds the TLS contexts: all of them (SIGHUP), or those whose files changed.
  void reload_tls(bool only_changed);
  void refuse(boost::asio::ip::tcp::socket& socket, core::Metrics::RefusedReason reason);

  const Config config_;
  core::Metrics metrics_;
  std::unique_ptr<store::Store> store_;  // before broker_: the broker writes to it until it dies
  std::atomic<store::Store*> store_ptr_{nullptr};  // store_, published to other threads
  std::vector<std::string> extra_port_lines_;
  std::vector<std::unique_ptr<IoThread>> threads_;
  core::Broker broker_;
  boost::asio::io_context control_{1};
  boost::asio::signal_set signals_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer stop_timer_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  unsigned next_thread_ = 0;
  std::uint64_t ticks_ = 0;
  std::vector<std::function<void()>> tick_hooks_;
  std::vector<Listener> listeners_;  // parallel to acceptors_; not resized after start()
  std::atomic<std::uint64_t> handshake_failures_{0};
  std::vector<std::function<void()>> reload_hooks_;
  std::unique_ptr<auth::AuthService> auth_;  // built from config_; reset first in ~Server
  Admission admission_;  // control thread only
  // Per refusal reason: when it was last logged (control thread; one line a second at most).
  std::array<core::Clock::time_point, core::Metrics::kRefusedReasons> refused_logged_{};
  std::array<std::uint64_t, core::Metrics::kRefusedReasons> refused_unlogged_{};
  std::atomic<bool> listening_{false};
  std::atomic<bool> stopping_{false};
  core::Clock::time_point stop_deadline_;
  std::vector<std::thread> workers_;
};

}  // namespace accord::net
