// The admin HTTP API server (Boost.Beast): one thread of its own (the control context), so
// that a slow admin request (a checkpoint, a schema compilation) never delays MQTT traffic.
// Routes are plain functions from a request to a response, registered by the modules that own
// the data (store operations, the schema registry); this file knows none of them. It does know
// what every route shares: path patterns, who may call (auth.hpp), body and content-type rules,
// TLS.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "registry/http/auth.hpp"
#include "registry/http/router.hpp"

namespace accord::http {

struct ServerLimits {
  std::size_t max_body_bytes = 1u << 20;
  std::size_t max_header_bytes = 16u << 10;
  std::chrono::seconds idle_timeout{30};  // per read or write
};

struct ServerTls {
  std::string cert_file;  // PEM chain
  std::string key_file;   // PEM private key
};

struct ServerOptions {
  ServerLimits limits;
  std::optional<ServerTls> tls;  // HTTPS only when set
  // Who may call; nullptr: everyone (admin API bound to loopback, the default).
  std::shared_ptr<const Authenticator> auth;
};

class AdminServer {
 public:
  explicit AdminServer(Router router, ServerOptions options = {});
  ~AdminServer();  // stop()s
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds `address`:`port` (port 0: any free port) and starts serving on the server's thread.
  // Returns the bound endpoint; throws std::runtime_error naming the address and the cause
  // (also for unreadable TLS files).
  boost::asio::ip::tcp::endpoint start(const std::string& address, std::uint16_t port);
  // Closes the listener and every connection, joins the thread. Idempotent.
  void stop();

  // The whole request pipeline without a socket: credentials, content type, routing. What a
  // connection runs for each request; public so tests can check the rules directly.
  Response handle(Request request) const;

  struct Impl;  // public only so the connection type in the .cpp can name it

 private:
  void accept();
  std::unique_ptr<Impl> impl_;
};

}  // namespace accord::http
