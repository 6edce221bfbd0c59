#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <optional>

#include "cli.hpp"

namespace accordctl {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

struct AdminUrl {
  std::string host;
  std::string port;
};

std::optional<AdminUrl> parse_admin_url(const std::string& url) {
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  else if (rest.find("://") != std::string::npos) return std::nullopt;  // https comes with TLS
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) return std::nullopt;
  return AdminUrl{rest.substr(0, colon), rest.substr(colon + 1)};
}

}  // namespace

HttpResult call(const Context& ctx, const std::string& method, const std::string& path,
                const std::string& body) {
  const std::string& admin = ctx.admin;
  const auto url = parse_admin_url(admin);
  if (!url) throw Failure{kUnreachable, "invalid admin URL '" + admin + "' (expected http://HOST:PORT)"};
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(url->host, url->port, ec);
  if (ec) throw Failure{kUnreachable, "cannot resolve " + admin + ": " + ec.message()};
  stream.expires_after(ctx.timeout());
  stream.connect(endpoints, ec);
  if (ec) throw Failure{kUnreachable, "cannot reach the admin API at " + admin + ": " + ec.message()};
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), path, 11};
  req.set(bhttp::field::host, url->host);
  req.set(bhttp::field::user_agent, "accordctl");
  req.set(bhttp::field::content_type, "application/json");
  if (!ctx.authorization.empty()) req.set(bhttp::field::authorization, ctx.authorization);
  req.body() = body;
  req.prepare_payload();
  stream.expires_after(ctx.timeout());
  bhttp::write(stream, req, ec);
  if (ec) throw Failure{kUnreachable, "admin API at " + admin + ": " + ec.message()};
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(256u << 20);  // a whole registry export
  stream.expires_after(ctx.timeout());
  bhttp::read(stream, buffer, parser, ec);
  if (ec) throw Failure{kUnreachable, "admin API at " + admin + ": no answer (" + ec.message() + ")"};
  auto res = parser.release();
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  HttpResult out{res.result_int(), nullptr};
  if (!res.body().empty()) {
    out.body = boost::json::parse(res.body(), ec);
    if (ec)
      throw Failure{kFailed, "admin API at " + admin + " answered HTTP " +
                                 std::to_string(res.result_int()) + " with a body that is not JSON"};
  }
  return out;
}

void check(const HttpResult& r) {
  if (r.status < 300) return;
  std::string message = "HTTP " + std::to_string(r.status);
  if (const auto* obj = r.body.if_object()) {
    if (const auto* m = obj->if_contains("message"); m && m->is_string())
      message = std::string(m->as_string());
  }
  throw Failure{kFailed, message};
}

boost::json::value request(const Context& ctx, const std::string& method, const std::string& path,
                           const std::string& body) {
  auto r = call(ctx, method, path, body);
  check(r);
  return std::move(r.body);
}

std::string path_segment(std::string_view text) {
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

}  // namespace accordctl
