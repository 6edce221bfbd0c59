// A small synchronous HTTP/1.1 client (Boost.Beast) for tests of the admin HTTP API.
//
// One connection per request ("Connection: close"): a test never depends on how the server
// handles keep-alive, and a request that went wrong cannot poison the next one. Every step
// (connect, TLS handshake, write, read) runs under one deadline, so a server that stops
// answering fails the test with an exception instead of hanging it.
#pragma once

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace accord::it {

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";  // path and query, already percent-encoded
  std::string body;
  // Sent only when not empty; a body without it goes out with no Content-Type at all.
  std::string content_type;
  std::string authorization;  // the whole header value, e.g. "Basic dTpw"; "" = none
  std::vector<std::pair<std::string, std::string>> headers;  // any others
};

struct HttpResponse {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;

  // "" when absent; `name` in any case.
  std::string header(std::string_view name) const;
  // The body as JSON; throws std::runtime_error naming the body when it is not JSON.
  boost::json::value json() const;
  // Confluent's error shape: {"error_code": n, ...}; 0 when the body has none.
  std::int64_t error_code() const;
  // For assertion messages: "HTTP 404 {...}".
  std::string describe() const;
};

// Thrown when the server did not answer within the deadline or the connection failed.
struct HttpError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct HttpTls {
  // PEM file the server certificate must chain to; "" = no verification (never in a test
  // that checks TLS itself).
  std::string ca_file;
  std::string sni;  // server name to send, "" = none
};

class HttpClient {
 public:
  HttpClient(std::string host, std::uint16_t port,
             std::chrono::milliseconds timeout = std::chrono::seconds(20));

  // Speak HTTPS from now on.
  void use_tls(HttpTls tls) { tls_ = std::move(tls); }
  // Sent with every request that does not carry its own.
  void set_authorization(std::string value) { authorization_ = std::move(value); }
  void set_timeout(std::chrono::milliseconds t) { timeout_ = t; }

  HttpResponse request(const HttpRequest& req) const;

  // Shorthands; bodies go out as application/vnd.schemaregistry.v1+json.
  HttpResponse get(const std::string& target) const;
  HttpResponse del(const std::string& target) const;
  HttpResponse post(const std::string& target, std::string body) const;
  HttpResponse post(const std::string& target, const boost::json::value& body) const;
  HttpResponse put(const std::string& target, const boost::json::value& body) const;

  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }

 private:
  std::string host_;
  std::uint16_t port_;
  std::chrono::milliseconds timeout_;
  std::optional<HttpTls> tls_;
  std::string authorization_;
};

// "Basic " + base64(user ":" password).
std::string basic_authorization(std::string_view user, std::string_view password);
// Percent-encodes one path segment (subject names with '/', ' ', ...).
std::string url_segment(std::string_view s);

}  // namespace accord::it
