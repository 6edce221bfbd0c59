// One client's TCP connection: reads and frames packets, handles CONNECT / PINGREQ / DISCONNECT
// itself, hands the rest to its session, and owns the bounded, gathered write queue.
// Thread ownership: created by the Server, then touched only on its IoThread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/asio.hpp>

#include "broker/auth/service.hpp"
#include "broker/codec/codec.hpp"
#include "broker/core/link.hpp"
#include "broker/core/session.hpp"
#include "broker/net/transport.hpp"

namespace accord::net {

class Server;
struct IoThread;
struct Listener;

class Connection final : public std::enable_shared_from_this<Connection>, public core::Link {
 public:
  // A plain MQTT listener's connection reads the socket directly; TLS and WebSocket listeners
  // wrap it in a Transport.
  Connection(Server& server, IoThread& thread, boost::asio::ip::tcp::socket socket,
             const Listener& listener);
  ~Connection() override;

  void start();
  // Keep-alive, CONNECT timeout and stuck-close checks; called by the thread's sweep.
  void sweep(core::Clock::time_point now);
  // Server shutdown: DISCONNECT 0x8B for MQTT 5, then close.
  void shutdown();
  // Writes what is queued (called by IoThread::flush_dirty).
  void flush();

  // core::Link
  mqtt::ProtocolVersion version() const override { return version_; }
  void send(const mqtt::Packet& packet) override;
  void send_publish(const mqtt::PublishHead& head, const core::MessagePtr& message) override;
  std::size_t queued_bytes() const override { return queued_bytes_; }
  void disconnect(mqtt::ReasonCode reason, std::string_view reason_string = {}) override;
  std::string_view peer() const override { return peer_; }

  // The common name of the client certificate, when the client presented one and it verified
  // against the listener's tls_ca_file (set once the TLS handshake is done). With
  // tls_identity = "username" / "client_id" it has already replaced that CONNECT field.
  const std::optional<std::string>& tls_identity() const { return tls_identity_; }
  // "mqtt", "tls", "ws" or "wss".
  const char* transport_kind() const { return transport_ ? transport_->kind() : "mqtt"; }

  // Intrusive list links (IoThread::connections).
  Connection* prev = nullptr;
  Connection* next = nullptr;

 private:
  enum class State : std::uint8_t { AwaitConnect, Connecting, Connected, Closing, Closed };

  void wait_readable();
  void on_readable(const boost::system::error_code& ec);
  // TLS / WebSocket: the handshake, then reads through the transport.
  void begin_handshake();
  void handshake_failed(const std::string& reason);
  void on_transport_read(const boost::system::error_code& ec, std::size_t n);
  // Frames and handles freshly read bytes (after partial_, if any).
  void take(std::span<const std::uint8_t> data);
  // tls_identity = "username" / "client_id": the certificate's CN replaces the CONNECT's field.
  void apply_tls_identity(mqtt::Connect& connect) const;
  boost::asio::ip::tcp::socket& tcp_socket() { return transport_ ? transport_->socket() : socket_; }
  void resume_reading();
  // Parses and handles every whole packet in `data`; returns the bytes consumed.
  std::size_t consume(std::span<const std::uint8_t> data);
  void handle(mqtt::Packet&& packet);
  void handle_connect(mqtt::Connect&& connect);
  // MQTT authentication (broker/auth), between the first CONNECT checks and the rest of
  // handle_connect(), which on_authenticated() resumes.
  void authenticate(const mqtt::Connect& connect);
  void on_authenticated(auth::Outcome outcome);
  void refuse_connect(std::uint8_t v5_reason, mqtt::ConnectReturnCode v3_code, std::string_view why);
  void on_session_ready(core::SessionPtr session, bool present, std::uint64_t epoch);
  void handle_disconnect(const mqtt::Disconnect& d);
  void fail(const mqtt::DecodeError& error);
  // Ends the byte range [begin, end of queue) as a segment; returns its length.
  std::size_t close_byte_segment(std::size_t begin);
  void mark_dirty();
  void on_written(const boost::system::error_code& ec, std::size_t bytes);
  void begin_close();
  void finish_close();
  bool attached_to_session() const;
  bool read_blocked() const { return reading_paused_ || output_paused_; }
  std::size_t output_pause_threshold() const;
  std::string_view client_id() const;

  Server& server_;
  IoThread& thread_;
  boost::asio::ip::tcp::socket socket_;  // moved into transport_ when there is one
  std::unique_ptr<Transport> transport_;  // null: plain TCP
  const ListenerConfig& listener_;
  std::optional<std::string> tls_identity_;
  std::string peer_;
  boost::asio::ip::address remote_address_;  // for Server::connection_closed
  State state_ = State::AwaitConnect;
  mqtt::ProtocolVersion version_ = mqtt::ProtocolVersion::v311;
  bool reading_paused_ = false;  // until the session is attached
  bool output_paused_ = false;   // until our replies drain (see output_pause_threshold)
  bool wait_pending_ = false;  // plain: readiness wait; transport: read pending
  bool handshaking_ = false;
  bool in_dirty_list_ = false;
  bool writing_ = false;
  bool publish_will_on_close_ = true;
  std::uint8_t close_reason_ = 0;
  std::string close_detail_;

  core::Clock::time_point last_activity_;
  core::Clock::time_point deadline_;  // CONNECT timeout, then stuck-close limit
  std::uint32_t keep_alive_grace_ms_ = 0;  // 0: no keep-alive
  std::uint32_t session_expiry_ = 0;

  core::SessionPtr session_;
  std::uint64_t epoch_ = 0;
  std::unique_ptr<mqtt::Connect> pending_connect_;
  bool authenticated_ = false;
  std::optional<std::string> auth_user_;  // nullopt: anonymous
  std::shared_ptr<const auth::Permissions> permissions_;  // until handed to the session

  // Bytes of an incomplete packet (only between reads).
  std::vector<std::uint8_t> partial_;

  // Output: bytes for control packets and PUBLISH heads, and references to the shared parts of
  // forwarded messages, in wire order. `queued_` is appended to while `writing_` goes out.
  struct Segment {
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
    core::MessagePtr message;  // when set: [shared properties] + payload of this message
    bool with_properties = false;
  };
  struct OutputQueue {
    std::vector<std::uint8_t> bytes;
    std::vector<Segment> segments;
  };
  OutputQueue queued_;
  // What is on its way to the socket. Allocated while the connection writes, released when it
  // goes quiet: an idle connection holds no output buffers at all.
  struct WriteState {
    OutputQueue queue;
    std::vector<boost::asio::const_buffer> buffers;
  };
  std::unique_ptr<WriteState> write_;
  std::size_t queued_bytes_ = 0;  // queued_ + writing_queue_
  std::size_t writing_bytes_ = 0;
  std::uint8_t writes_done_ = 0;  // saturating count of completed writes
};

}  // namespace accord::net
