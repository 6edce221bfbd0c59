#include "broker/net/server.hpp"

#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "broker/core/log.hpp"
#include "broker/net/connection.hpp"

namespace accord::net {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
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
      stop_timer_(control_) {
  const unsigned n = resolve_thread_count(config_.io_threads);
  threads_.reserve(n);
  for (unsigned i = 0; i < n; ++i) threads_.push_back(std::make_unique<IoThread>(i));
}

Server::~Server() {
  for (auto& t : threads_) t->context.stop();
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
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
  for (const auto& l : config_.listeners) {
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
                                  {"protocol", "mqtt"}});
    acceptors_.push_back(std::move(acceptor));
  }
  write_port_file();
  for (std::size_t i = 0; i < acceptors_.size(); ++i) accept(i);

  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    accord::log::info("signal", {{"signal", signo == SIGINT ? "SIGINT" : "SIGTERM"}});
    stop();
  });
  schedule_tick();
  for (auto& t : threads_) schedule_sweep(*t);
}

void Server::write_port_file() const {
  if (config_.port_file.empty()) return;
  const std::string tmp = config_.port_file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write port file '" + tmp + "'");
    for (const auto& a : acceptors_) {
      auto ep = a->local_endpoint();
      out << ep.address().to_string() << ' ' << ep.port() << '\n';
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
        if (metrics_.connections_current.load(std::memory_order_relaxed) >=
                   static_cast<std::int64_t>(config_.max_connections)) {
          core::Metrics::add(metrics_.connections_refused);
          boost::system::error_code ignored;
          socket.close(ignored);
        } else {
          core::Metrics::add(metrics_.connections_accepted);
          metrics_.connections_current.fetch_add(1, std::memory_order_relaxed);
          auto connection = std::make_shared<Connection>(*this, target, std::move(socket));
          asio::post(target.context, [connection] { connection->start(); });
        }
        accept(listener);
      });
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
    for (auto& hook : tick_hooks_) hook();
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
                    {{"messages_received", metrics_.messages_received.load()},
                     {"messages_sent", metrics_.messages_sent.load()},
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
