// What every admin API route shares, without any I/O: requests, responses, Confluent-shaped
// errors, path patterns with placeholders, access levels. Modules that own data (the store
// routes, the schema registry) register handlers here without depending on Asio or Beast; the
// server (admin_server.hpp) runs them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace accord::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string, undecoded
  std::string query;   // after '?', undecoded ("" when absent)
  std::string body;
  std::string content_type;   // the Content-Type header, "" when absent
  std::string authorization;  // the Authorization header, "" when absent
  // Filled by the router: the path's {placeholders}, percent-decoded, and the decoded query.
  std::map<std::string, std::string> params;
  std::map<std::string, std::string> query_params;

  const std::string& param(const std::string& name) const;  // "" when absent
  // The query parameter, or `fallback` when absent.
  std::string query_param(const std::string& name, std::string_view fallback = {}) const;
  // "true"/"false" (any case); absent -> fallback.
  bool query_flag(const std::string& name, bool fallback = false) const;
};

struct Response {
  unsigned status = 200;
  std::string body;  // JSON unless content_type says otherwise
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. WWW-Authenticate
};

// Error bodies follow Confluent Schema Registry's shape so that one client handles every
// endpoint: {"error_code": <HTTP status * 100 + detail>, "message": "..."}.
Response error_response(unsigned status, int error_code, std::string_view message);

using Handler = std::function<Response(const Request&)>;

// Who may call a route. Reads (GET, and POSTs that only compute, like a compatibility check)
// need Role::Read; everything that changes state needs Role::Admin. Public routes need no
// credentials at all (health probes: /healthz, /readyz); they must reveal nothing.
enum class Access : std::uint8_t { Read, Admin, Public };

class Router {
 public:
  // `pattern`: a path whose segments may be "{name}" placeholders matching one segment,
  // e.g. "/subjects/{subject}/versions/{version}". Exact segments win over placeholders.
  // Access defaults to Read for GET/HEAD and Admin for every other method.
  void add(std::string method, std::string pattern, Handler handler);
  void add(std::string method, std::string pattern, Access access, Handler handler);

  struct Match {
    const Handler* handler = nullptr;
    Access access = Access::Admin;
    std::map<std::string, std::string> params;
    std::string allowed;  // methods of a matching pattern, when the method did not match
  };
  Match match(const std::string& method, std::string_view path) const;

  // 404 for an unknown path, 405 (with the allowed methods) for a known path and another
  // method, else the handler's response (a handler that throws gives 500, not a dead server).
  // Checks neither credentials nor content type: AdminServer does, before calling this.
  Response dispatch(Request request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{x}" = placeholder
    Access access;
    Handler handler;
  };
  std::vector<Route> routes_;
};

// Content types a request body may have: JSON in Confluent's spellings, plus octet-stream for
// payloads. Anything else (a form post from a bare `curl -d`) gets 415 instead of a guess.
bool acceptable_content_type(std::string_view content_type);

}  // namespace accord::http
