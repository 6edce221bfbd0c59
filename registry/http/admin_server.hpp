// The admin HTTP API server (Boost.Beast): one thread of its own (the control context), so
// that a slow admin request (a checkpoint, a registry scan) never delays MQTT traffic. Routes
// are plain functions from a request to a response, registered by the modules that own the
// data (store operations today, the schema registry next); this file knows none of them.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace accord::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string
  std::string query;   // after '?', undecoded ("" when absent)
  std::string body;
};

struct Response {
  unsigned status = 200;
  std::string body;  // JSON unless content_type says otherwise
  std::string content_type = "application/json";
};

// Error bodies follow Confluent Schema Registry's shape so that one client handles every
// endpoint: {"error_code": <HTTP status * 100 + detail>, "message": "..."}.
Response error_response(unsigned status, int error_code, std::string_view message);

using Handler = std::function<Response(const Request&)>;

class Router {
 public:
  void add(std::string method, std::string path, Handler handler);
  // 404 for an unknown path, 405 (with the allowed methods) for a known path and another method.
  Response dispatch(const Request& request) const;

 private:
  std::map<std::string, std::map<std::string, Handler>> routes_;  // path -> method -> handler
};

struct ServerLimits {
  std::size_t max_body_bytes = 1u << 20;
  std::size_t max_header_bytes = 16u << 10;
  std::chrono::seconds idle_timeout{30};  // per read or write
};

class AdminServer {
 public:
  explicit AdminServer(Router router, ServerLimits limits = {});
  ~AdminServer();  // stop()s
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds `address`:`port` (port 0: any free port) and starts serving on the server's thread.
  // Returns the bound endpoint; throws std::runtime_error naming the address and the cause.
  boost::asio::ip::tcp::endpoint start(const std::string& address, std::uint16_t port);
  // Closes the listener and every connection, joins the thread. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace accord::http
