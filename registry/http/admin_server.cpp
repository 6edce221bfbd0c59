#include "registry/http/admin_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <optional>
#include <stdexcept>
#include <thread>

namespace accord::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

Response error_response(unsigned status, int error_code, std::string_view message) {
  boost::json::object body;
  body["error_code"] = error_code;
  body["message"] = message;
  return Response{status, boost::json::serialize(body)};
}

void Router::add(std::string method, std::string path, Handler handler) {
  routes_[std::move(path)][std::move(method)] = std::move(handler);
}

Response Router::dispatch(const Request& request) const {
  auto path = routes_.find(request.path);
  if (path == routes_.end())
    return error_response(404, 40400, "no such endpoint: " + request.path);
  auto method = path->second.find(request.method);
  if (method == path->second.end()) {
    std::string allowed;
    for (const auto& [m, h] : path->second) allowed += (allowed.empty() ? "" : ", ") + m;
    return error_response(405, 40500,
                          request.method + " is not allowed on " + request.path + " (allowed: " +
                              allowed + ")");
  }
  try {
    return method->second(request);
  } catch (const std::exception& e) {
    // A handler bug must cost one request, not the server.
    return error_response(500, 50001, std::string("internal error: ") + e.what());
  }
}

namespace {

// One connection: read a request, answer it, repeat while the client keeps the connection.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, const Router& router, const ServerLimits& limits)
      : stream_(std::move(socket)), router_(router), limits_(limits) {}

  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(limits_.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    stream_.expires_after(limits_.idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->on_read(ec);
                      });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted)
      return close();
    if (ec == bhttp::error::body_limit) {
      return reply(error_response(413, 41300, "request body larger than " +
                                                  std::to_string(limits_.max_body_bytes) +
                                                  " bytes"),
                   false);
    }
    if (ec) return reply(error_response(400, 40000, "malformed HTTP request: " + ec.message()), false);
    auto& msg = parser_->get();
    Request request;
    request.method = std::string(msg.method_string());
    const std::string_view target(msg.target().data(), msg.target().size());
    const auto q = target.find('?');
    request.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) request.query = std::string(target.substr(q + 1));
    request.body = std::move(msg.body());
    reply(router_.dispatch(request), msg.keep_alive());
  }

  void reply(Response r, bool keep_alive) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(r.status);
    res->set(bhttp::field::server, "accord");
    res->set(bhttp::field::content_type, r.content_type);
    res->keep_alive(keep_alive);
    res->body() = std::move(r.body);
    res->prepare_payload();
    stream_.expires_after(limits_.idle_timeout);
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res, keep_alive](beast::error_code ec,
                                                                    std::size_t) {
                         if (ec || !keep_alive) return self->close();
                         self->read();
                       });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const Router& router_;
  const ServerLimits& limits_;
};

}  // namespace

struct AdminServer::Impl {
  Router router;
  ServerLimits limits;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;

  void accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<Connection>(std::move(s), router, limits)->start();
      accept();
    });
  }
};

AdminServer::AdminServer(Router router, ServerLimits limits) : impl_(std::make_unique<Impl>()) {
  impl_->router = std::move(router);
  impl_->limits = limits;
}

AdminServer::~AdminServer() { stop(); }

tcp::endpoint AdminServer::start(const std::string& address, std::uint16_t port) {
  const std::string where = "admin API on " + address + ":" + std::to_string(port);
  beast::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) throw std::runtime_error(where + ": invalid address (" + ec.message() + ")");
  const tcp::endpoint endpoint(ip, port);
  auto& a = impl_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error(where + ": cannot listen (" + ec.message() + ")");
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
  return a.local_endpoint();
}

void AdminServer::stop() {
  if (!impl_->thread.joinable()) return;
  // Connections hold no state worth finishing: stopping the context drops them.
  asio::post(impl_->io, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  impl_->io.stop();
  impl_->thread.join();
}

}  // namespace accord::http
