#include "broker/net/server.hpp"

#include <sys/resource.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <fstream>
#include <stdexcept>

#include "broker/core/log.hpp"
#include "broker/net/connection.hpp"
#include "broker/net/transport.hpp"

#include <boost/asio/ssl/context.hpp>

namespace accord::net {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
std::string listener_name(std::size_t i) { return "listeners[" + std::to_string(i) + "]"; }

// Modification times of a TLS listener's files (a missing file reads as the minimum).
std::array<std::filesystem::file_time_type, 3> tls_file_times(const ListenerConfig& l) {
  std::array<std::filesystem::file_time_type, 3> out{};
  const std::string* files[] = {&l.tls_cert_file, &l.tls_key_file, &l.tls_ca_file};
  for (std::size_t i = 0; i < 3; ++i) {
    std::error_code ec;
    if (!files[i]->empty()) out[i] = std::filesystem::last_write_time(*files[i], ec);
  }
  return out;
}

unsigned resolve_thread_count(unsigned configured) {
  if (configured != 0) return configured;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : hw;
}

// Lets the broker hold max_connections sockets without EMFILE when the hard limit allows.
void raise_file_limit(std::uint32_t wanted) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  const rlim_t target = std::min<rlim_t>(rl.rlim_max, static_cast<rlim_t>(wanted) + 64);
  if (rl.rlim_cur < target) {
    rl.rlim_cur = target;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}
}  // namespace

Server::Server(const Config& config)
    : config_(config),
      broker_(config_, *this, metrics_),
      signals_(control_),
      tick_timer_(control_),
      stop_timer_(control_),
      admission_(config_.max_connections_per_address, config_.connect_rate_per_address) {
  const unsigned n = resolve_thread_count(config_.io_threads);
  threads_.reserve(n);
  for (unsigned i = 0; i < n; ++i) threads_.push_back(std::make_unique<IoThread>(i));
  // MQTT authentication and ACLs: bad files throw auth::LoadError naming FILE:LINE.
  auth_ = std::make_unique<auth::AuthService>(auth::AuthOptions{
      auth::parse_anonymous(config_.auth_anonymous).value_or(auth::Anonymous::Deny),
      config_.auth_password_file, config_.auth_acl_file});
  broker_.set_auth(auth_.get());
  add_reload_hook([this] {
    const auth::ReloadResult r = auth_->reload();
    for (const auto& error : r.errors)
      accord::log::error("auth_reload_failed", {{"error", error}, {"kept", "previous rules"}});
    accord::log::info("auth_reloaded", {{"users", r.users}, {"acl", r.acl}, {"errors", r.errors.size()}});
  });
}

Server::~Server() {
  for (auto& t : threads_) t->context.stop();
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
  // Password checks still queued hold connections: drop them while the I/O contexts exist
  // (and after the I/O threads, which read broker_.auth(), have stopped).
  broker_.set_auth(nullptr);
  auth_.reset();
  // A cancelled accept still queued on the control loop owns a socket of an I/O context: let it
  // complete while those contexts exist.
  for (auto& a : acceptors_) {
    boost::system::error_code ec;
    a->close(ec);
  }
  signals_.cancel();
  tick_timer_.cancel();
  stop_timer_.cancel();
  control_.restart();
  control_.poll();
  acceptors_.clear();
  // Handlers still queued hold connections, and connections hold sessions that talk to the
  // broker as they go: drop them while the broker is still alive.
  threads_.clear();
  if (store_) store_->close();  // commits what is queued
}

void Server::post(unsigned thread, std::function<void()> fn) {
  asio::post(threads_[thread % threads_.size()]->context, std::move(fn));
}

void Server::open_store() {
  if (store_) return;
  const auto durability = store::parse_durability(config_.durability);
  if (!durability) throw std::runtime_error("store.durability: unknown mode '" + config_.durability + "'");
  const auto started = std::chrono::steady_clock::now();
  auto opened = store::open_store(store::StoreOptions{config_.data_dir, *durability});
  if (!opened.status.ok) throw std::runtime_error(opened.status.message);
  store_ = std::move(opened.store);
  const auto now_unix = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  store::Recovered recovered = store_->recover(now_unix);
  if (!recovered.status.ok) throw std::runtime_error(recovered.status.message);
  const std::size_t retained = recovered.retained.size();
  const std::size_t sessions = recovered.sessions.size();
  const std::size_t queued = recovered.queue.size();
  const std::size_t inbound_qos2 = recovered.inbound_qos2.size();
  const std::uint64_t purged = recovered.purged_expired;
  const std::uint64_t undecodable = recovered.undecodable;
  broker_.restore(std::move(recovered), now_unix);
  broker_.attach_store(store_.get());
  store_ptr_.store(store_.get(), std::memory_order_release);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  if (*durability != store::Durability::Memory) {
    accord::log::info("recovered", {{"data_dir", config_.data_dir},
                                    {"durability", config_.durability},
                                    {"retained", retained},
                                    {"sessions", sessions},
                                    {"queued", queued},
                                    {"inbound_qos2", inbound_qos2},
                                    {"purged", purged},
                                    {"undecodable", undecodable},
                                    {"ms", ms}});
  }
}

void Server::start() {
  open_store();
  raise_file_limit(config_.max_connections);
  for (std::size_t i = 0; i < config_.listeners.size(); ++i) {
    const ListenerConfig& l = config_.listeners[i];
    Listener listener{l, nullptr, {}};
    if (l.tls) {
      // Before binding: a bad certificate stops the start, naming the file and OpenSSL's reason.
      listener.tls_files = tls_file_times(l);
      std::string error;
      listener.tls = make_tls_context(l, listener_name(i), error);
      if (!listener.tls) throw std::runtime_error(error);
    }
    listeners_.push_back(std::move(listener));
    boost::system::error_code ec;
    auto address = asio::ip::make_address(l.address, ec);
    if (ec) throw std::runtime_error("listener address '" + l.address + "' is not valid: " + ec.message());
    tcp::endpoint endpoint(address, l.port);
    auto acceptor = std::make_unique<tcp::acceptor>(control_);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw std::runtime_error("cannot listen on " + l.address + ":" + std::to_string(l.port) +
                               ": " + ec.message());
    }
    auto bound = acceptor->local_endpoint();
    accord::log::info("listening", {{"address", bound.address().to_string()},
                                  {"port", bound.port()},
                                  {"protocol", listener_kind(l)}});
    acceptors_.push_back(std::move(acceptor));
  }
  write_port_file();
  add_reload_hook([this] { reload_tls(false); });  // SIGHUP: certificates too
  for (std::size_t i = 0; i < acceptors_.size(); ++i) accept(i);

  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.add(SIGHUP);
  wait_signal();
  schedule_tick();
  for (auto& t : threads_) schedule_sweep(*t);
  listening_.store(true, std::memory_order_release);
}

void Server::wait_signal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    if (signo == SIGHUP) {
      accord::log::info("signal", {{"signal", "SIGHUP"}});
      reload();
      wait_signal();
      return;
    }
    accord::log::info("signal", {{"signal", signo == SIGINT ? "SIGINT" : "SIGTERM"}});
    stop();
  });
}

void Server::reload() {
  for (auto& hook : reload_hooks_) hook();
}

void Server::reload_tls(bool only_changed) {
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    Listener& listener = listeners_[i];
    if (!listener.config.tls) continue;
    const auto times = tls_file_times(listener.config);
    if (only_changed && times == listener.tls_files) continue;
    // Remembered even when the reload fails: a bad file is reported once, not every second;
    // the next change (say, the matching key written after the certificate) tries again.
    listener.tls_files = times;
    std::string error;
    auto context = make_tls_context(listener.config, listener_name(i), error);
    if (!context) {
      accord::log::error("tls_reload_failed", {{"listener", listener_name(i)}, {"error", error},
                                               {"note", "keeping the previous certificate"}});
      continue;
    }
    listener.tls = std::move(context);  // new connections; open ones keep theirs
    accord::log::info("tls_reloaded", {{"listener", listener_name(i)}, {"cert", listener.config.tls_cert_file}});
  }
}

void Server::write_port_file() const {
  if (config_.port_file.empty()) return;
  const std::string tmp = config_.port_file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write port file '" + tmp + "'");
    for (std::size_t i = 0; i < acceptors_.size(); ++i) {
      auto ep = acceptors_[i]->local_endpoint();
      // Plain MQTT: "address port" as always; others name their kind ("... tls", "... wss").
      const std::string kind = listener_kind(listeners_[i].config);
      out << ep.address().to_string() << ' ' << ep.port() << (kind == "mqtt" ? "" : " " + kind) << '\n';
    }
    for (const auto& line : extra_port_lines_) out << line << '\n';
  }
  if (std::rename(tmp.c_str(), config_.port_file.c_str()) != 0) {
    throw std::runtime_error("cannot write port file '" + config_.port_file + "'");
  }
}

std::vector<tcp::endpoint> Server::local_endpoints() const {
  std::vector<tcp::endpoint> out;
  for (const auto& a : acceptors_) out.push_back(a->local_endpoint());
  return out;
}

void Server::accept(std::size_t listener) {
  IoThread& target = *threads_[next_thread_++ % threads_.size()];
  acceptors_[listener]->async_accept(
      target.context, [this, listener, &target](const boost::system::error_code& ec, tcp::socket socket) {
        if (stopping_) return;
        if (ec) {
          if (ec == asio::error::operation_aborted) return;
          // EMFILE and friends: log, back off briefly (no busy loop), keep serving.
          accord::log::warn("accept_failed", {{"error", ec.message()}});
          auto timer = std::make_shared<asio::steady_timer>(control_, std::chrono::milliseconds(100));
          timer->async_wait([this, listener, timer](const boost::system::error_code& e) {
            if (!e && !stopping_) accept(listener);
          });
          return;
        }
        boost::system::error_code addr_ec;
        const auto remote = socket.remote_endpoint(addr_ec);
        auto verdict = Admission::Verdict::Admit;
        if (metrics_.connections_current.load(std::memory_order_relaxed) >=
                   static_cast<std::int64_t>(config_.max_connections)) {
          refuse(socket, core::Metrics::RefusedReason::MaxConnections);
        } else if (!addr_ec && (verdict = admission_.admit(remote.address(), Admission::Clock::now())) ==
                                   Admission::Verdict::PerAddressLimit) {
          refuse(socket, core::Metrics::RefusedReason::PerAddress);
        } else if (verdict == Admission::Verdict::RateLimit) {
          refuse(socket, core::Metrics::RefusedReason::Rate);
        } else {
          core::Metrics::add(metrics_.connections_accepted);
          metrics_.connections_current.fetch_add(1, std::memory_order_relaxed);
          auto connection = std::make_shared<Connection>(*this, target, std::move(socket), listeners_[listener]);
          asio::post(target.context, [connection] { connection->start(); });
        }
        accept(listener);
      });
}

// Refused connections are closed before anything is read: no CONNECT is parsed, so a flood
// costs an accept and a close. Logged at most once a second per reason, with the count since.
void Server::refuse(tcp::socket& socket, core::Metrics::RefusedReason reason) {
  const auto i = static_cast<std::size_t>(reason);
  core::Metrics::add(metrics_.connections_refused[i]);
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  socket.close(ec);
  ++refused_unlogged_[i];
  const auto now = core::Clock::now();
  if (now - refused_logged_[i] >= std::chrono::seconds(1)) {
    accord::log::warn("connection_refused",
                      {{"reason", core::Metrics::refused_reason_name(reason)},
                       {"addr", remote.address().to_string()},
                       {"refused_since_last_log", refused_unlogged_[i]}});
    refused_logged_[i] = now;
    refused_unlogged_[i] = 0;
  }
}

void Server::connection_closed(const asio::ip::address& address) {
  if (config_.max_connections_per_address == 0 && config_.connect_rate_per_address == 0) return;
  asio::post(control_, [this, address] { admission_.release(address); });
}

bool Server::event_loops_respond(std::chrono::milliseconds timeout) {
  // Shared with the posted handlers: a loop that answers after we gave up writes into it safely.
  struct Pending {
    std::mutex mu;
    std::condition_variable cv;
    std::size_t left = 0;
  };
  auto pending = std::make_shared<Pending>();
  pending->left = threads_.size() + 1;
  auto answer = [pending] {
    std::lock_guard lock(pending->mu);
    if (--pending->left == 0) pending->cv.notify_all();
  };
  for (auto& t : threads_) asio::post(t->context, answer);
  asio::post(control_, answer);
  std::unique_lock lock(pending->mu);
  return pending->cv.wait_for(lock, timeout, [&] { return pending->left == 0; });
}

void Server::schedule_sweep(IoThread& thread) {
  thread.sweep_timer.expires_after(std::chrono::milliseconds(500));
  thread.sweep_timer.async_wait([this, &thread](const boost::system::error_code& ec) {
    if (ec) return;
    thread.now = core::Clock::now();
    for (Connection* c = thread.connections; c != nullptr;) {
      Connection* next = c->next;  // sweep may unlink c
      auto keep = c->shared_from_this();
      c->sweep(thread.now);
      c = next;
    }
    schedule_sweep(thread);
  });
}

void Server::schedule_tick() {
  tick_timer_.expires_after(std::chrono::seconds(1));
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    broker_.tick();
    admission_.prune(Admission::Clock::now());
    for (auto& hook : tick_hooks_) hook();
    reload_tls(true);  // certificate files replaced in place (e.g. by an ACME client)
    // Once a minute the store drops what expired on disk (sessions, retained messages,
    // unreferenced bodies), so disk use stays bounded under client churn.
    if (store_ && store_->durability() != store::Durability::Memory && ++ticks_ % 60 == 0) {
      const auto now_unix = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
      if (const auto purged = store_->purge_expired(now_unix)) {
        accord::log::debug("store_purged", {{"records", purged}});
      }
    }
    schedule_tick();
  });
}

void Server::run() {
  accord::log::info("started", {{"io_threads", threads_.size()},
                              {"version", "0.1.0"}});
  for (auto& t : threads_) {
    IoThread* thread = t.get();
    workers_.emplace_back([thread] {
      core::current_io_thread = static_cast<int>(thread->index);
      auto guard = asio::make_work_guard(thread->context);
      thread->context.run();
    });
  }
  control_.run();
  for (auto& t : threads_) t->context.stop();
  for (auto& w : workers_) w.join();
  workers_.clear();
  accord::log::info("stopped",
                    {{"messages_received", metrics_.messages_received()},
                     {"messages_sent", metrics_.messages_sent()},
                     {"dropped_qos0_slow_subscriber", metrics_.dropped_qos0_slow_subscriber.load()},
                     {"dropped_queue_full", metrics_.dropped_queue_full.load()},
                     {"dropped_expired", metrics_.dropped_expired.load()},
                     {"dropped_too_large", metrics_.dropped_too_large.load()},
                     {"protocol_errors", metrics_.protocol_errors.load()}});
}

void Server::stop() {
  if (stopping_.exchange(true)) return;
  asio::post(control_, [this] {
    for (auto& a : acceptors_) {
      boost::system::error_code ec;
      a->close(ec);
    }
    signals_.cancel();
    tick_timer_.cancel();
    for (auto& t : threads_) {
      IoThread* thread = t.get();
      asio::post(thread->context, [thread] {
        thread->sweep_timer.cancel();
        for (Connection* c = thread->connections; c != nullptr;) {
          Connection* next = c->next;
          auto keep = c->shared_from_this();
          c->shutdown();
          c = next;
        }
      });
    }
    // Give queued DISCONNECTs and data up to shutdown_grace to go out, then stop everything.
    stop_deadline_ = core::Clock::now() + config_.shutdown_grace;
    wait_for_drain();
  });
}

void Server::wait_for_drain() {
  if (metrics_.connections_current.load() <= 0 || core::Clock::now() >= stop_deadline_) {
    for (auto& t : threads_) t->context.stop();
    control_.stop();
    return;
  }
  stop_timer_.expires_after(std::chrono::milliseconds(20));
  stop_timer_.async_wait([this](const boost::system::error_code&) { wait_for_drain(); });
}

}  // namespace accord::net
