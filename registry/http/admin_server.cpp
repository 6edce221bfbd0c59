#include "registry/http/admin_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <thread>

namespace accord::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

struct AdminServer::Impl {
  Router router;
  ServerOptions options;
  std::optional<ssl::context> tls;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;

  Response handle(Request request) const {
    auto m = router.match(request.method, request.path);
    const bool public_route = m.handler && m.access == Access::Public;
    if (options.auth && !public_route && (m.handler || !m.allowed.empty())) {
      auto role = options.auth->authenticate(request.authorization);
      if (!role) {
        auto r = error_response(401, 40101,
                                request.authorization.empty()
                                    ? "authentication required (Basic or Bearer)"
                                    : "invalid credentials");
        r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"accord\", Bearer");
        return r;
      }
      if (m.handler && m.access == Access::Admin && *role != Role::Admin)
        return error_response(403, 40301,
                              request.method + " " + request.path +
                                  " needs the admin role; these credentials have the read role");
    }
    if (m.handler && !request.body.empty() && !acceptable_content_type(request.content_type))
      return error_response(415, 41501,
                            "unsupported content type '" + request.content_type +
                                "': send application/vnd.schemaregistry.v1+json or "
                                "application/json");
    return router.dispatch(std::move(request));
  }
};

namespace {

// One connection: read a request, answer it, repeat while the client keeps the connection.
// Stream: beast::tcp_stream, or an ssl_stream over one (the handshake runs first).
template <class Stream>
class Connection : public std::enable_shared_from_this<Connection<Stream>> {
 public:
  template <class... Args>
  Connection(const AdminServer::Impl& server, const ServerLimits& limits, Args&&... args)
      : stream_(std::forward<Args>(args)...), server_(server), limits_(limits) {}

  void start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read();
    } else {
      beast::get_lowest_layer(stream_).expires_after(limits_.idle_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->read();
                              });
    }
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(limits_.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    beast::get_lowest_layer(stream_).expires_after(limits_.idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        self->on_read(ec);
                      });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted)
      return close();
    if (ec == bhttp::error::body_limit) {
      return reply(error_response(413, 41301, "request body larger than " +
                                                  std::to_string(limits_.max_body_bytes) +
                                                  " bytes"),
                   false);
    }
    if (ec) return reply(error_response(400, 40001, "malformed HTTP request: " + ec.message()), false);
    auto& msg = parser_->get();
    Request request;
    request.method = std::string(msg.method_string());
    const std::string_view target(msg.target().data(), msg.target().size());
    const auto q = target.find('?');
    request.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) request.query = std::string(target.substr(q + 1));
    request.content_type = std::string(msg[bhttp::field::content_type]);
    request.authorization = std::string(msg[bhttp::field::authorization]);
    request.body = std::move(msg.body());
    reply(server_.handle(std::move(request)), msg.keep_alive());
  }

  void reply(Response r, bool keep_alive) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(r.status);
    res->set(bhttp::field::server, "accord");
    res->set(bhttp::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) res->set(name, value);
    res->keep_alive(keep_alive);
    res->body() = std::move(r.body);
    res->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(limits_.idle_timeout);
    bhttp::async_write(stream_, *res,
                       [self = this->shared_from_this(), res, keep_alive](beast::error_code ec,
                                                                          std::size_t) {
                         if (ec || !keep_alive) return self->close();
                         self->read();
                       });
  }

  void close() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const AdminServer::Impl& server_;
  const ServerLimits& limits_;
};

}  // namespace

AdminServer::AdminServer(Router router, ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->router = std::move(router);
  impl_->options = std::move(options);
}

AdminServer::~AdminServer() { stop(); }

Response AdminServer::handle(Request request) const { return impl_->handle(std::move(request)); }

tcp::endpoint AdminServer::start(const std::string& address, std::uint16_t port) {
  const std::string where = "admin API on " + address + ":" + std::to_string(port);
  if (impl_->options.tls) {
    // TLS 1.2 or newer only; the certificate chain and key are read once, here.
    auto& t = impl_->tls.emplace(ssl::context::tls_server);
    t.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                  ssl::context::single_dh_use);
    beast::error_code ec;
    t.use_certificate_chain_file(impl_->options.tls->cert_file, ec);
    if (ec)
      throw std::runtime_error(where + ": cannot load TLS certificate '" +
                               impl_->options.tls->cert_file + "' (" + ec.message() + ")");
    t.use_private_key_file(impl_->options.tls->key_file, ssl::context::pem, ec);
    if (ec)
      throw std::runtime_error(where + ": cannot load TLS key '" + impl_->options.tls->key_file +
                               "' (" + ec.message() + ")");
  }
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
  accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
  return a.local_endpoint();
}

void AdminServer::accept() {
  impl_->acceptor.async_accept(asio::make_strand(impl_->io), [this](beast::error_code ec,
                                                                    tcp::socket s) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      const auto& limits = impl_->options.limits;
      if (impl_->tls) {
        std::make_shared<Connection<ssl::stream<beast::tcp_stream>>>(*impl_, limits, std::move(s),
                                                                      *impl_->tls)
            ->start();
      } else {
        std::make_shared<Connection<beast::tcp_stream>>(*impl_, limits, std::move(s))->start();
      }
    }
    accept();
  });
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
