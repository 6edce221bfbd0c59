#include "broker/net/transport.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace accord::net {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using TlsStream = ssl::stream<tcp::socket>;

namespace {

// OpenSSL's own words for a failed TLS operation ("unsupported protocol", "no start line").
std::string describe(const boost::system::error_code& ec) {
  std::string text = ec.message();
  if (ec.category() == asio::error::get_ssl_category()) {
    if (const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()))) text = reason;
  }
  return text;
}

// The CN of a verified client certificate.
std::optional<std::string> verified_common_name(SSL* ssl) {
  if (SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  X509* cert = SSL_get_peer_certificate(ssl);
  if (!cert) return std::nullopt;
  std::optional<std::string> out;
  X509_NAME* subject = X509_get_subject_name(cert);
  const int index = subject ? X509_NAME_get_index_by_NID(subject, NID_commonName, -1) : -1;
  if (index >= 0) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    unsigned char* utf8 = nullptr;
    const int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len > 0) out = std::string(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
    OPENSSL_free(utf8);
  }
  X509_free(cert);
  return out;
}

class TlsTransport final : public Transport {
 public:
  TlsTransport(tcp::socket socket, std::shared_ptr<ssl::context> context)
      : context_(std::move(context)), stream_(std::move(socket), *context_) {}

  tcp::socket& socket() override { return stream_.next_layer(); }
  const char* kind() const override { return "tls"; }
  void async_handshake(HandshakeHandler done) override {
    stream_.async_handshake(ssl::stream_base::server,
                            [done = std::move(done)](const boost::system::error_code& ec) {
                              done(ec ? "tls: " + describe(ec) : std::string());
                            });
  }
  void async_read_some(IoHandler done) override {
    stream_.async_read_some(asio::buffer(read_buffer_), std::move(done));
  }
  void async_write(const std::vector<asio::const_buffer>& buffers, IoHandler done) override {
    // The SSL stream packs small buffers together into records (asio linearises them).
    asio::async_write(stream_, buffers, std::move(done));
  }
  std::optional<std::string> peer_common_name() const override {
    return verified_common_name(const_cast<TlsStream&>(stream_).native_handle());
  }

 private:
  std::shared_ptr<ssl::context> context_;  // before stream_: outlives the SSL object
  TlsStream stream_;
};

// MQTT over WebSocket (MQTT 5, section 6): binary frames, subprotocol "mqtt", on one HTTP path.
template <class Next>
class WsTransport final : public Transport {
  static constexpr bool kTls = std::is_same_v<Next, TlsStream>;

 public:
  WsTransport(tcp::socket socket, std::shared_ptr<ssl::context> context, std::string path)
      : context_(std::move(context)), ws_(make(std::move(socket), context_.get())), path_(std::move(path)) {}

  tcp::socket& socket() override { return beast::get_lowest_layer(ws_); }
  const char* kind() const override { return kTls ? "wss" : "ws"; }

  void async_handshake(HandshakeHandler done) override {
    if constexpr (kTls) {
      ws_.next_layer().async_handshake(
          ssl::stream_base::server, [this, done = std::move(done)](const boost::system::error_code& ec) mutable {
            if (ec) return done("tls: " + describe(ec));
            read_upgrade(std::move(done));
          });
    } else {
      read_upgrade(std::move(done));
    }
  }
  void async_read_some(IoHandler done) override {
    ws_.async_read_some(asio::buffer(read_buffer_), std::move(done));
  }
  void async_write(const std::vector<asio::const_buffer>& buffers, IoHandler done) override {
    ws_.async_write(buffers, std::move(done));
  }
  std::optional<std::string> peer_common_name() const override {
    if constexpr (kTls) {
      return verified_common_name(const_cast<WsTransport*>(this)->ws_.next_layer().native_handle());
    } else {
      return std::nullopt;
    }
  }

 private:
  static websocket::stream<Next> make(tcp::socket socket, ssl::context* context) {
    if constexpr (kTls) {
      return websocket::stream<Next>(std::move(socket), *context);
    } else {
      return websocket::stream<Next>(std::move(socket));
    }
  }

  void read_upgrade(HandshakeHandler done) {
    parser_.emplace();
    parser_->header_limit(8 * 1024);
    parser_->body_limit(0);
    http::async_read(ws_.next_layer(), buffer_, *parser_,
                     [this, done = std::move(done)](const boost::system::error_code& ec, std::size_t) mutable {
                       if (ec) return done("websocket: reading the upgrade request: " + describe(ec));
                       on_upgrade(std::move(done));
                     });
  }

  void on_upgrade(HandshakeHandler done) {
    const auto& req = parser_->get();
    const std::string_view target = req.target();
    const std::string_view path = target.substr(0, target.find('?'));
    if (!websocket::is_upgrade(req) || path != path_) {
      // A plain answer for a browser or a misconfigured client, then the connection closes.
      const bool wrong_path = path != path_;
      response_.emplace(wrong_path ? http::status::not_found : http::status::upgrade_required, req.version());
      response_->set(http::field::connection, "close");
      response_->body() = wrong_path ? "no MQTT WebSocket endpoint here\n" : "WebSocket upgrade required\n";
      response_->prepare_payload();
      std::string why = wrong_path ? "websocket: path '" + std::string(path) + "' is not " + path_
                                   : "websocket: not an upgrade request";
      http::async_write(ws_.next_layer(), *response_,
                        [done = std::move(done), why = std::move(why)](const boost::system::error_code&,
                                                                       std::size_t) { done(why); });
      return;
    }
    // Echo the MQTT subprotocol the client asked for ("mqtt"; "mqttv3.1" from MQTT 3.1 clients).
    std::string chosen;
    const std::string_view offered = req[http::field::sec_websocket_protocol];
    for (std::size_t start = 0; start < offered.size() && chosen.empty();) {
      std::size_t end = offered.find(',', start);
      if (end == std::string_view::npos) end = offered.size();
      std::string_view item = offered.substr(start, end - start);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (item == "mqtt" || item == "mqttv3.1") chosen = std::string(item);
      start = end + 1;
    }
    if (!offered.empty() && chosen.empty()) {
      response_.emplace(http::status::bad_request, req.version());
      response_->set(http::field::connection, "close");
      response_->body() = "subprotocol must be mqtt\n";
      response_->prepare_payload();
      std::string why = "websocket: subprotocol '" + std::string(offered) + "' is not mqtt";
      http::async_write(ws_.next_layer(), *response_,
                        [done = std::move(done), why = std::move(why)](const boost::system::error_code&,
                                                                       std::size_t) { done(why); });
      return;
    }
    ws_.set_option(websocket::stream_base::decorator([chosen](websocket::response_type& res) {
      if (!chosen.empty()) res.set(http::field::sec_websocket_protocol, chosen);
      res.set(http::field::server, "accord");
    }));
    ws_.binary(true);
    ws_.read_message_max(0);  // MQTT's own maximum packet size applies to what is inside
    ws_.async_accept(parser_->get(), [this, done = std::move(done)](const boost::system::error_code& ec) {
      parser_.reset();
      buffer_ = {};
      done(ec ? "websocket: " + describe(ec) : std::string());
    });
  }

  std::shared_ptr<ssl::context> context_;  // wss only; before ws_: outlives the SSL object
  websocket::stream<Next> ws_;
  std::string path_;
  beast::flat_buffer buffer_;  // only during the upgrade
  std::optional<http::request_parser<http::empty_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
};

std::string readable(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return std::strerror(errno);
  std::fclose(f);
  return {};
}

}  // namespace

const char* listener_kind(const ListenerConfig& l) {
  if (l.protocol == "ws") return l.tls ? "wss" : "ws";
  return l.tls ? "tls" : "mqtt";
}

std::unique_ptr<Transport> make_transport(tcp::socket socket, const ListenerConfig& l,
                                          std::shared_ptr<ssl::context> tls) {
  if (l.protocol == "ws") {
    if (l.tls) return std::make_unique<WsTransport<TlsStream>>(std::move(socket), std::move(tls), l.ws_path);
    return std::make_unique<WsTransport<tcp::socket>>(std::move(socket), nullptr, l.ws_path);
  }
  if (l.tls) return std::make_unique<TlsTransport>(std::move(socket), std::move(tls));
  return nullptr;
}

std::shared_ptr<ssl::context> make_tls_context(const ListenerConfig& l, const std::string& name,
                                               std::string& error) {
  auto fail = [&](std::string_view key, const std::string& path, const std::string& reason) {
    error = name + "." + std::string(key) + " '" + path + "': " + reason;
    ERR_clear_error();
    return nullptr;
  };
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  // TLS 1.2 at least, whatever the system's OpenSSL configuration says.
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use |
                       ssl::context::no_compression);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_min_proto_version(ctx, l.tls_min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION);
  if (!l.tls_ciphers.empty() && SSL_CTX_set_cipher_list(ctx, l.tls_ciphers.c_str()) != 1) {
    return fail("tls_ciphers", l.tls_ciphers, "no usable cipher in the list");
  }
  if (!l.tls_ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx, l.tls_ciphersuites.c_str()) != 1) {
    return fail("tls_ciphersuites", l.tls_ciphersuites, "no usable TLS 1.3 cipher suite in the list");
  }
  boost::system::error_code ec;
  if (auto why = readable(l.tls_cert_file); !why.empty()) return fail("tls_cert_file", l.tls_cert_file, why);
  context->use_certificate_chain_file(l.tls_cert_file, ec);
  if (ec) return fail("tls_cert_file", l.tls_cert_file, describe(ec));
  if (auto why = readable(l.tls_key_file); !why.empty()) return fail("tls_key_file", l.tls_key_file, why);
  context->use_private_key_file(l.tls_key_file, ssl::context::pem, ec);
  if (ec) return fail("tls_key_file", l.tls_key_file, describe(ec));
  if (SSL_CTX_check_private_key(ctx) != 1) {
    const unsigned long e = ERR_peek_last_error();
    const char* reason = e ? ERR_reason_error_string(e) : nullptr;
    return fail("tls_key_file", l.tls_key_file,
                std::string("does not match the certificate") + (reason ? std::string(" (") + reason + ")" : ""));
  }
  if (!l.tls_ca_file.empty()) {
    if (auto why = readable(l.tls_ca_file); !why.empty()) return fail("tls_ca_file", l.tls_ca_file, why);
    context->load_verify_file(l.tls_ca_file, ec);
    if (ec) return fail("tls_ca_file", l.tls_ca_file, describe(ec));
    // Tells clients which CAs we accept, so they pick the right certificate.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(l.tls_ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(ctx, names);
    }
    // A certificate is checked whenever one is presented; required only if configured.
    context->set_verify_mode(l.tls_require_client_cert
                                 ? ssl::verify_peer | ssl::verify_fail_if_no_peer_cert
                                 : ssl::verify_peer);
    // Session resumption with client certificates needs an id context.
    static const unsigned char kSessionContext[] = "accord";
    SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);
  }
  ERR_clear_error();
  return context;
}

}  // namespace accord::net
