#include "registry_fetch.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <cctype>

#include "mqtt_connection.hpp"

namespace accord::clients {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

std::string segment(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

std::string fetch_schema(const std::string& registry, const std::string& authorization,
                         const std::string& subject, const std::string& version, int timeout_s) {
  std::string rest = registry;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  else if (rest.find("://") != std::string::npos)
    throw Failure{kUsage, "--registry must be http://HOST:PORT (got '" + registry + "')"};
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size())
    throw Failure{kUsage, "--registry must be http://HOST:PORT (got '" + registry + "')"};
  const std::string host = rest.substr(0, colon), port = rest.substr(colon + 1);
  const auto timeout = std::chrono::seconds(timeout_s);

  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(host, port, ec);
  if (ec) throw Failure{kUnreachable, "cannot resolve the registry " + registry + ": " + ec.message()};
  stream.expires_after(timeout);
  stream.connect(endpoints, ec);
  if (ec) throw Failure{kUnreachable, "cannot reach the registry at " + registry + ": " + ec.message()};
  const std::string target = "/subjects/" + segment(subject) + "/versions/" + segment(version);
  bhttp::request<bhttp::string_body> req{bhttp::verb::get, target, 11};
  req.set(bhttp::field::host, host);
  req.set(bhttp::field::user_agent, "accord-device");
  if (!authorization.empty()) req.set(bhttp::field::authorization, authorization);
  stream.expires_after(timeout);
  bhttp::write(stream, req, ec);
  if (ec) throw Failure{kUnreachable, "registry at " + registry + ": " + ec.message()};
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64u << 20);
  stream.expires_after(timeout);
  bhttp::read(stream, buffer, parser, ec);
  if (ec) throw Failure{kUnreachable, "registry at " + registry + ": no answer (" + ec.message() + ")"};
  auto res = parser.release();
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);

  boost::json::error_code jec;
  const boost::json::value body = boost::json::parse(res.body(), jec);
  const auto* obj = jec ? nullptr : body.if_object();
  if (res.result_int() != 200) {
    std::string message = "HTTP " + std::to_string(res.result_int());
    if (obj)
      if (const auto* m = obj->if_contains("message"); m && m->is_string()) message = std::string(m->as_string());
    throw Failure{res.result_int() == 404 ? kUsage : kFailed,
                  "registry: subject " + subject + " version " + version + ": " + message};
  }
  const auto* schema = obj ? obj->if_contains("schema") : nullptr;
  if (!schema || !schema->is_string())
    throw Failure{kFailed, "registry at " + registry + " answered without a schema"};
  if (const auto* t = obj->if_contains("schemaType"); t && t->is_string() && t->as_string() != "JSON")
    throw Failure{kUsage, "subject " + subject + " holds a " + std::string(t->as_string()) +
                              " schema; only JSON Schema examples can be published"};
  return std::string(schema->as_string());
}

}  // namespace accord::clients
