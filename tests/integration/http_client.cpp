#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

namespace accord::it {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr const char* kRegistryJson = "application/vnd.schemaregistry.v1+json";

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Runs the context until the operation started just before has completed. The stream's own
// expiry (expires_at) cancels the operation at the deadline; run_for is a second fence in case
// an operation ignores it (the TLS layer's internal steps run on the same expiry).
void run_until_done(asio::io_context& io, std::chrono::steady_clock::time_point deadline) {
  io.restart();
  const auto left = deadline - std::chrono::steady_clock::now() + std::chrono::seconds(1);
  io.run_for(std::chrono::duration_cast<std::chrono::milliseconds>(
      std::max<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(10))));
  if (!io.stopped()) {
    io.stop();
    throw HttpError("HTTP operation did not finish by the deadline");
  }
}

bhttp::request<bhttp::string_body> make_request(const HttpRequest& in, const std::string& host,
                                                std::uint16_t port, const std::string& auth) {
  bhttp::request<bhttp::string_body> req;
  const auto verb = bhttp::string_to_verb(in.method);
  if (verb == bhttp::verb::unknown) req.method_string(in.method);
  else req.method(verb);
  req.target(in.target);
  req.version(11);
  req.set(bhttp::field::host, host + ":" + std::to_string(port));
  req.set(bhttp::field::user_agent, "accord-integration-tests");
  req.set(bhttp::field::connection, "close");
  if (!in.content_type.empty()) req.set(bhttp::field::content_type, in.content_type);
  const std::string& authorization = in.authorization.empty() ? auth : in.authorization;
  if (!authorization.empty()) req.set(bhttp::field::authorization, authorization);
  for (const auto& [name, value] : in.headers) req.set(name, value);
  req.body() = in.body;
  // Content-Length even for an empty body of a POST: servers may insist on one.
  if (!in.body.empty() || in.method == "POST" || in.method == "PUT") req.prepare_payload();
  return req;
}

// Writes the request and reads the answer on an established stream. A server may answer (413,
// 401) before it has read a large body and then close: the write fails, but the answer may
// already be waiting, so a failed write is followed by a read all the same.
template <class Stream>
HttpResponse exchange(asio::io_context& io, Stream& stream,
                      const bhttp::request<bhttp::string_body>& req,
                      std::chrono::steady_clock::time_point deadline) {
  beast::error_code write_ec;
  bhttp::async_write(stream, req, [&](beast::error_code ec, std::size_t) { write_ec = ec; });
  run_until_done(io, deadline);
  if (write_ec == beast::error::timeout) throw HttpError("timed out writing the request");

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(256u << 20);
  parser.header_limit(1u << 20);
  beast::error_code read_ec;
  bhttp::async_read(stream, buffer, parser, [&](beast::error_code ec, std::size_t) { read_ec = ec; });
  run_until_done(io, deadline);
  if (read_ec) {
    std::string what = "reading the response failed: " + read_ec.message();
    if (write_ec) what = "writing the request failed (" + write_ec.message() + "), then " + what;
    throw HttpError(what);
  }
  auto msg = parser.release();
  HttpResponse out;
  out.status = msg.result_int();
  for (const auto& field : msg) out.headers[lower(field.name_string())] = std::string(field.value());
  out.body = std::move(msg.body());
  return out;
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

boost::json::value HttpResponse::json() const {
  boost::system::error_code ec;
  // Deep enough for anything the registry sends back; the default of 32 is not.
  boost::json::parse_options opts;
  opts.max_depth = 4096;
  auto v = boost::json::parse(body, ec, {}, opts);
  if (ec) throw std::runtime_error("response body is not JSON (" + ec.message() + "): " + describe());
  return v;
}

std::int64_t HttpResponse::error_code() const {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return 0;
  const auto* code = v.get_object().if_contains("error_code");
  if (!code) return 0;
  if (code->is_int64()) return code->get_int64();
  if (code->is_uint64()) return static_cast<std::int64_t>(code->get_uint64());
  return 0;
}

std::string HttpResponse::describe() const {
  constexpr std::size_t kMax = 2000;
  std::string b = body.size() > kMax ? body.substr(0, kMax) + "...[" + std::to_string(body.size()) + " bytes]" : body;
  return "HTTP " + std::to_string(status) + " " + b;
}

HttpClient::HttpClient(std::string host, std::uint16_t port, std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(port), timeout_(timeout) {}

HttpResponse HttpClient::request(const HttpRequest& in) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  asio::io_context io;
  beast::error_code ec;
  const auto address = asio::ip::make_address(host_, ec);
  if (ec) throw HttpError("HttpClient takes an IP address, not '" + host_ + "'");
  const tcp::endpoint endpoint(address, port_);
  const auto req = make_request(in, host_, port_, authorization_);

  auto connect = [&](beast::tcp_stream& s) {
    s.expires_at(deadline);
    beast::error_code cec;
    s.async_connect(endpoint, [&](beast::error_code e) { cec = e; });
    run_until_done(io, deadline);
    if (cec)
      throw HttpError("cannot connect to " + host_ + ":" + std::to_string(port_) + ": " + cec.message());
  };

  if (!tls_) {
    beast::tcp_stream stream(io);
    connect(stream);
    auto r = exchange(io, stream, req, deadline);
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return r;
  }

  ssl::context ctx(ssl::context::tls_client);
  if (!tls_->ca_file.empty()) {
    ctx.load_verify_file(tls_->ca_file);
    ctx.set_verify_mode(ssl::verify_peer);
  } else {
    ctx.set_verify_mode(ssl::verify_none);
  }
  ssl::stream<beast::tcp_stream> stream(io, ctx);
  if (!tls_->sni.empty()) SSL_set_tlsext_host_name(stream.native_handle(), tls_->sni.c_str());
  connect(beast::get_lowest_layer(stream));
  beast::error_code hec;
  stream.async_handshake(ssl::stream_base::client, [&](beast::error_code e) { hec = e; });
  run_until_done(io, deadline);
  if (hec) throw HttpError("TLS handshake failed: " + hec.message());
  auto r = exchange(io, stream, req, deadline);
  // No close_notify exchange: the server closes after the answer, and waiting for its
  // close_notify would only add a way to hang.
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ec);
  return r;
}

HttpResponse HttpClient::get(const std::string& target) const {
  HttpRequest r;
  r.method = "GET";
  r.target = target;
  return request(r);
}

HttpResponse HttpClient::del(const std::string& target) const {
  HttpRequest r;
  r.method = "DELETE";
  r.target = target;
  return request(r);
}

HttpResponse HttpClient::post(const std::string& target, std::string body) const {
  HttpRequest r;
  r.method = "POST";
  r.target = target;
  r.body = std::move(body);
  r.content_type = kRegistryJson;
  return request(r);
}

HttpResponse HttpClient::post(const std::string& target, const boost::json::value& body) const {
  return post(target, boost::json::serialize(body));
}

HttpResponse HttpClient::put(const std::string& target, const boost::json::value& body) const {
  HttpRequest r;
  r.method = "PUT";
  r.target = target;
  r.body = boost::json::serialize(body);
  r.content_type = kRegistryJson;
  return request(r);
}

std::string basic_authorization(std::string_view user, std::string_view password) {
  const std::string plain = std::string(user) + ":" + std::string(password);
  std::string out(4 * ((plain.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(plain.data()),
                                static_cast<int>(plain.size()));
  out.resize(static_cast<std::size_t>(n));
  return "Basic " + out;
}

std::string url_segment(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace accord::it
