// The byte stream under a Connection when it is not a plain TCP socket: TLS, WebSocket, or
// WebSocket over TLS. Chosen once per connection; the plain TCP path does not go through here
// at all (it keeps its readiness wait + non-blocking reads into the thread's scratch buffer).
// Thread ownership: that of its Connection.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "broker/core/config.hpp"

namespace boost::asio::ssl {
class context;
}

namespace accord::net {

class Transport {
 public:
  using IoHandler = std::function<void(const boost::system::error_code&, std::size_t)>;
  // Empty: handshake done. Otherwise why it failed ("tls: ...", "websocket: ...").
  using HandshakeHandler = std::function<void(std::string error)>;

  virtual ~Transport() = default;

  // The TCP socket underneath (options, shutdown, close).
  virtual boost::asio::ip::tcp::socket& socket() = 0;
  // "tls", "ws" or "wss".
  virtual const char* kind() const = 0;
  // TLS handshake, then the WebSocket upgrade where there is one.
  virtual void async_handshake(HandshakeHandler done) = 0;
  // Reads into read_buffer(). The buffer is the connection's own, not the thread's scratch
  // buffer: TLS and WebSocket may fill it before the completion runs, while other connections
  // of the thread use the scratch buffer.
  virtual void async_read_some(IoHandler done) = 0;
  const std::uint8_t* read_buffer() const { return read_buffer_.data(); }
  // Writes all of `buffers` (one WebSocket message). They must stay valid until `done`.
  virtual void async_write(const std::vector<boost::asio::const_buffer>& buffers, IoHandler done) = 0;
  // The common name of the client certificate, if the client presented one that verified.
  virtual std::optional<std::string> peer_common_name() const { return std::nullopt; }

 protected:
  // A TLS record's worth: allocated per connection (OpenSSL holds more than that anyway).
  std::vector<std::uint8_t> read_buffer_ = std::vector<std::uint8_t>(16 * 1024);
};

// nullptr for a plain MQTT listener (protocol "mqtt", no TLS). `tls` must be set when the
// listener has tls = true; the transport keeps it alive (a reload does not affect it).
std::unique_ptr<Transport> make_transport(boost::asio::ip::tcp::socket socket, const ListenerConfig& listener,
                                          std::shared_ptr<boost::asio::ssl::context> tls);

// "mqtt", "tls", "ws" or "wss".
const char* listener_kind(const ListenerConfig& listener);

// A server TLS context for the listener (certificate, key, client CAs, versions, ciphers).
// nullptr on failure, with `error` naming the key, the file and OpenSSL's reason;
// `name` is how to call the listener in it ("listeners[0]").
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const ListenerConfig& listener,
                                                            const std::string& name, std::string& error);

}  // namespace accord::net
