#include "broker/net/connection.hpp"

#include <algorithm>
#include <random>

#include <boost/asio/ssl/error.hpp>
#include <boost/beast/websocket/error.hpp>

#include "broker/codec/topic.hpp"
#include "broker/core/log.hpp"
#include "broker/net/server.hpp"
#include "broker/protocol/keep_alive.hpp"

namespace accord::net {

namespace asio = boost::asio;
using mqtt::ProtocolVersion;
using mqtt::ReasonCode;

namespace {
constexpr std::size_t kReadBufferSize = 64 * 1024;
constexpr int kReadsPerWakeup = 4;  // then yield to other connections of the thread
constexpr auto kCloseTimeout = std::chrono::seconds(5);

const char* version_name(ProtocolVersion v) {
  switch (v) {
    case ProtocolVersion::v31: return "3.1";
    case ProtocolVersion::v311: return "3.1.1";
    case ProtocolVersion::v5: return "5.0";
  }
  return "?";
}

std::string assign_client_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string id = "accord-";
  std::uint64_t r = rng();
  for (int i = 0; i < 16; ++i, r >>= 4) id.push_back(hex[r & 0xF]);
  return id;
}
}  // namespace

Connection::Connection(Server& server, IoThread& thread, asio::ip::tcp::socket socket,
                       const Listener& listener)
    : server_(server), thread_(thread), socket_(std::move(socket)), listener_(listener.config) {
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  if (!ec) {
    peer_ = ep.address().to_string() + ":" + std::to_string(ep.port());
    remote_address_ = ep.address();
  }
  if (listener.config.tls || listener.config.protocol != "mqtt") {
    transport_ = make_transport(std::move(socket_), listener.config, listener.tls);
  }
}

Connection::~Connection() = default;

void Connection::start() {
  boost::system::error_code ec;
  tcp_socket().set_option(asio::ip::tcp::no_delay(true), ec);
  if (!transport_) socket_.non_blocking(true, ec);
  // Link into the thread's list for sweeps.
  next = thread_.connections;
  if (next) next->prev = this;
  thread_.connections = this;
  last_activity_ = thread_.now;
  deadline_ = thread_.now + server_.config().connect_timeout;  // TLS/WS handshake included
  if (transport_) {
    begin_handshake();
    return;
  }
  // Read now rather than wait: the CONNECT may have arrived with the handshake, and epoll is
  // edge-triggered, so its edge may be gone before a wait is queued.
  on_readable({});
}

void Connection::begin_handshake() {
  handshaking_ = true;
  transport_->async_handshake([self = shared_from_this()](std::string error) {
    self->handshaking_ = false;
    if (self->state_ >= State::Closing) return;  // closed meanwhile (the timeout logs itself)
    if (!error.empty()) {
      self->handshake_failed(error);
      return;
    }
    self->tls_identity_ = self->transport_->peer_common_name();
    if (self->listener_.tls_identity != "none" && !self->tls_identity_) {
      self->handshake_failed("tls: client certificate has no common name (tls_identity needs one)");
      return;
    }
    self->wait_readable();
  });
}

void Connection::handshake_failed(const std::string& reason) {
  server_.count_handshake_failure();
  accord::log::info("handshake_failed", {{"addr", peer_}, {"listener", transport_->kind()}, {"reason", reason}});
  close_detail_ = reason;
  finish_close();
}

void Connection::apply_tls_identity(mqtt::Connect& connect) const {
  if (!tls_identity_) return;
  // The certificate wins over what the client wrote in its CONNECT.
  if (listener_.tls_identity == "client_id") {
    connect.client_id = *tls_identity_;
  } else if (listener_.tls_identity == "username") {
    connect.username = *tls_identity_;
  }
}

void Connection::on_transport_read(const boost::system::error_code& ec, std::size_t n) {
  if (state_ >= State::Closing) return;
  if (ec) {
    const bool closed = ec == asio::error::eof || ec == boost::beast::websocket::error::closed ||
                        ec == asio::ssl::error::stream_truncated;
    close_detail_ = closed ? "connection closed by client" : ec.message();
    finish_close();
    return;
  }
  thread_.now = core::Clock::now();
  core::Metrics::add(server_.metrics().bytes_received, n);
  last_activity_ = thread_.now;
  take(std::span<const std::uint8_t>(transport_->read_buffer(), n));
  if (state_ >= State::Closing || read_blocked()) return;
  wait_readable();
}

void Connection::take(std::span<const std::uint8_t> data) {
  if (partial_.empty()) {
    const std::size_t used = consume(data);
    if (used < data.size() && state_ < State::Closing) partial_.assign(data.begin() + used, data.end());
  } else {
    partial_.insert(partial_.end(), data.begin(), data.end());
    const std::size_t used = consume(partial_);
    partial_.erase(partial_.begin(), partial_.begin() + static_cast<std::ptrdiff_t>(used));
  }
  if (partial_.empty() && partial_.capacity() > 0) partial_ = {};  // idle: hold nothing
}

void Connection::wait_readable() {
  if (wait_pending_ || state_ >= State::Closing || read_blocked()) return;
  wait_pending_ = true;
  if (transport_) {
    transport_->async_read_some([self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
      self->wait_pending_ = false;
      self->on_transport_read(ec, n);
    });
    return;
  }
  socket_.async_wait(asio::ip::tcp::socket::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       self->wait_pending_ = false;
                       self->on_readable(ec);
                     });
}

void Connection::on_readable(const boost::system::error_code& ec) {
  if (state_ >= State::Closing) return;
  if (ec) {
    close_detail_ = ec.message();
    finish_close();
    return;
  }
  if (transport_) {  // resume_reading(): start a read through the transport
    if (!handshaking_) wait_readable();
    return;
  }
  thread_.now = core::Clock::now();  // keep-alive needs a fresh clock, not the sweep's
  auto& buf = thread_.read_buffer;
  if (buf.size() < kReadBufferSize) buf.resize(kReadBufferSize);
  bool drained = false;
  for (int round = 0; round < kReadsPerWakeup; ++round) {
    boost::system::error_code rec;
    const std::size_t n = socket_.read_some(asio::buffer(buf), rec);
    if (rec == asio::error::would_block || rec == asio::error::try_again) {
      drained = true;
      break;
    }
    if (rec) {
      close_detail_ = rec == asio::error::eof ? "connection closed by client" : rec.message();
      finish_close();
      return;
    }
    core::Metrics::add(server_.metrics().bytes_received, n);
    last_activity_ = thread_.now;
    take(std::span<const std::uint8_t>(buf.data(), n));
    if (state_ >= State::Closing || read_blocked()) return;
    if (n < buf.size()) {
      drained = true;  // a short read on a stream socket: the kernel buffer is empty
      break;
    }
  }
  if (drained) {
    wait_readable();
  } else {
    // More is waiting but other connections get their turn first. Epoll is edge-triggered,
    // so we must come back by ourselves rather than wait.
    asio::post(thread_.context, [self = shared_from_this()] { self->on_readable({}); });
  }
}

std::size_t Connection::output_pause_threshold() const {
  return 2 * server_.config().write_queue_high_water + 64 * 1024;
}

void Connection::resume_reading() {
  reading_paused_ = false;
  // Posted, never inline: the caller may be inside consume() working on partial_.
  asio::post(thread_.context, [self = shared_from_this()] {
    if (self->state_ >= State::Closing || self->read_blocked()) return;
    if (!self->partial_.empty()) {
      const std::size_t used = self->consume(self->partial_);
      self->partial_.erase(self->partial_.begin(),
                           self->partial_.begin() + static_cast<std::ptrdiff_t>(used));
      if (self->state_ >= State::Closing || self->read_blocked()) return;
    }
    // Read until the kernel buffer is empty: an edge that came while reading was paused is
    // not reported again.
    if (!self->wait_pending_) self->on_readable({});
  });
}

std::size_t Connection::consume(std::span<const std::uint8_t> data) {
  const std::uint32_t max_packet = server_.config().max_packet_size;
  std::size_t offset = 0;
  while (offset < data.size() && state_ < State::Closing && !read_blocked()) {
    // Not MQTT at all (an HTTP request, a TLS hello): say nothing and close at once rather
    // than wait for a "packet" whose length is made of someone else's bytes.
    if (state_ == State::AwaitConnect &&
        static_cast<mqtt::PacketType>(data[offset] >> 4) != mqtt::PacketType::Connect) {
      core::Metrics::add(server_.metrics().protocol_errors);
      close_detail_ = "first packet is not CONNECT";
      begin_close();
      break;
    }
    const auto probe = mqtt::probe_frame(data.subspan(offset));
    if (probe.status == mqtt::FrameStatus::Malformed) {
      fail({ReasonCode::MalformedPacket, "invalid remaining length", std::nullopt});
      break;
    }
    if (probe.header.header_length != 0 && probe.header.total_length() > max_packet) {
      fail({ReasonCode::PacketTooLarge,
            "packet of " + std::to_string(probe.header.total_length()) +
                " bytes exceeds maximum packet size " + std::to_string(max_packet),
            std::nullopt});
      break;
    }
    if (probe.status == mqtt::FrameStatus::NeedMore) break;
    const std::size_t total = probe.header.total_length();
    auto decoded = mqtt::decode(data.subspan(offset, total), version_,
                                mqtt::DecodeLimits{server_.config().allow_mqtt31});
    offset += total;
    if (!decoded) {
      fail(decoded.error());
      break;
    }
    handle(std::move(decoded).value());
    // A client that sends faster than it reads its replies (acks, PINGRESPs) stops being read
    // until its output drains: our memory for it stays bounded.
    if (queued_bytes_ > output_pause_threshold()) output_paused_ = true;
  }
  return offset;
}

void Connection::fail(const mqtt::DecodeError& error) {
  core::Metrics::add(server_.metrics().protocol_errors);
  accord::log::info("bad_packet", {{"client_id", client_id()},
                                 {"addr", peer_},
                                 {"reason", mqtt::reason_code_name(static_cast<std::uint8_t>(error.reason))},
                                 {"detail", error.message}});
  if (state_ == State::AwaitConnect) {
    if (error.reason == ReasonCode::UnsupportedProtocolVersion) {
      // Answer in a CONNACK the client can read (3.1.1: return code 1; 5.0: 0x84).
      version_ = error.version.value_or(ProtocolVersion::v311);
      if (version_ != ProtocolVersion::v5) version_ = ProtocolVersion::v311;
      refuse_connect(static_cast<std::uint8_t>(ReasonCode::UnsupportedProtocolVersion),
                     mqtt::ConnectReturnCode::UnacceptableProtocolVersion, error.message);
      return;
    }
    if (error.version == ProtocolVersion::v5 &&
        (error.reason == ReasonCode::ClientIdentifierNotValid ||
         error.reason == ReasonCode::TopicNameInvalid)) {
      version_ = ProtocolVersion::v5;
      refuse_connect(static_cast<std::uint8_t>(error.reason),
                     mqtt::ConnectReturnCode::IdentifierRejected, error.message);
      return;
    }
    close_detail_ = error.message;
    begin_close();
    return;
  }
  disconnect(error.reason, error.message);
}

void Connection::handle(mqtt::Packet&& packet) {
  if (state_ == State::AwaitConnect) {
    if (auto* c = std::get_if<mqtt::Connect>(&packet)) {
      handle_connect(std::move(*c));
    } else {
      close_detail_ = "first packet is not CONNECT";
      core::Metrics::add(server_.metrics().protocol_errors);
      begin_close();
    }
    return;
  }
  auto keep_session = session_;  // a protocol error may end the session inside the call
  std::visit(
      [this](auto&& p) {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, mqtt::Publish>) {
          session_->on_publish(std::move(p));
        } else if constexpr (std::is_same_v<T, mqtt::Puback>) {
          session_->on_puback(p);
        } else if constexpr (std::is_same_v<T, mqtt::Pubrec>) {
          session_->on_pubrec(p);
        } else if constexpr (std::is_same_v<T, mqtt::Pubrel>) {
          session_->on_pubrel(p);
        } else if constexpr (std::is_same_v<T, mqtt::Pubcomp>) {
          session_->on_pubcomp(p);
        } else if constexpr (std::is_same_v<T, mqtt::Subscribe>) {
          session_->on_subscribe(std::move(p));
        } else if constexpr (std::is_same_v<T, mqtt::Unsubscribe>) {
          session_->on_unsubscribe(p);
        } else if constexpr (std::is_same_v<T, mqtt::Pingreq>) {
          send(mqtt::Pingresp{});
        } else if constexpr (std::is_same_v<T, mqtt::Disconnect>) {
          handle_disconnect(p);
        } else if constexpr (std::is_same_v<T, mqtt::Connect>) {
          disconnect(ReasonCode::ProtocolError, "second CONNECT");
        } else if constexpr (std::is_same_v<T, mqtt::Auth>) {
          disconnect(ReasonCode::ProtocolError, "AUTH without an authentication method");
        } else {
          disconnect(ReasonCode::ProtocolError,
                     std::string(mqtt::packet_type_name(mqtt::packet_type(mqtt::Packet(p)))) +
                         " is not sent by clients");
        }
      },
      std::move(packet));
}

void Connection::refuse_connect(std::uint8_t v5_reason, mqtt::ConnectReturnCode v3_code,
                                std::string_view why) {
  mqtt::Connack ack;
  if (version_ == ProtocolVersion::v5) {
    ack.reason_code = v5_reason;
    if (!why.empty()) ack.properties.reason_string = std::string(why);
  } else {
    ack.reason_code = static_cast<std::uint8_t>(v3_code);
  }
  send(ack);
  accord::log::info("connect_refused", {{"client_id", client_id()},
                                      {"addr", peer_},
                                      {"reason", mqtt::reason_code_name(v5_reason)},
                                      {"detail", why}});
  close_detail_ = std::string(why);
  publish_will_on_close_ = false;
  begin_close();
}

void Connection::handle_connect(mqtt::Connect&& received) {
  const Config& cfg = server_.config();
  // Kept until the session is attached; also names the client in refusal logs.
  pending_connect_ = std::make_unique<mqtt::Connect>(std::move(received));
  mqtt::Connect& connect = *pending_connect_;
  apply_tls_identity(connect);
  version_ = connect.version;
    const bool v5 = version_ == ProtocolVersion::v5;

  if (version_ == ProtocolVersion::v31 && !cfg.allow_mqtt31) {
    refuse_connect(static_cast<std::uint8_t>(ReasonCode::UnsupportedProtocolVersion),
                   mqtt::ConnectReturnCode::UnacceptableProtocolVersion, "MQTT 3.1 is disabled");
    return;
  }
  if (connect.properties.authentication_method) {
    // No auth::EnhancedAuthenticator is registered (broker/auth/enhanced.hpp).
    core::Metrics::add(server_.metrics().auth_failed_bad_method);
    refuse_connect(static_cast<std::uint8_t>(ReasonCode::BadAuthenticationMethod),
                   mqtt::ConnectReturnCode::NotAuthorized,
                   "enhanced authentication is not supported");
    return;
  }
  if (!authenticated_) {  // user name and password; comes back here once they are checked
    authenticate(connect);
    return;
  }
  std::optional<std::string> assigned_id;
  if (connect.client_id.empty()) {
    // 3.1.1 allows an empty id only with a clean session (3.1.3-8); 3.1 never; 5.0 always.
    if (version_ == ProtocolVersion::v31 || (!v5 && !connect.clean_start)) {
      refuse_connect(static_cast<std::uint8_t>(ReasonCode::ClientIdentifierNotValid),
                     mqtt::ConnectReturnCode::IdentifierRejected,
                     "empty client id needs a clean session");
      return;
    }
    connect.client_id = assign_client_id();
        if (v5) assigned_id = connect.client_id;
  }
  if (connect.client_id.size() > cfg.max_client_id_length) {
    refuse_connect(static_cast<std::uint8_t>(ReasonCode::ClientIdentifierNotValid),
                   mqtt::ConnectReturnCode::IdentifierRejected, "client id too long");
    return;
  }
  if (connect.will && connect.will->retain && !cfg.retain_available) {
    refuse_connect(static_cast<std::uint8_t>(ReasonCode::RetainNotSupported),
                   mqtt::ConnectReturnCode::NotAuthorized, "retain is not available");
    return;
  }
  if (connect.will && !core::within_topic_levels(connect.will->topic, cfg.max_topic_levels)) {
    refuse_connect(static_cast<std::uint8_t>(ReasonCode::TopicNameInvalid),
                   mqtt::ConnectReturnCode::NotAuthorized, "will topic has too many levels");
    return;
  }
  if (connect.will && connect.will->qos > cfg.maximum_qos) {
    refuse_connect(static_cast<std::uint8_t>(ReasonCode::QosNotSupported),
                   mqtt::ConnectReturnCode::NotAuthorized, "will QoS above the server maximum");
    return;
  }
  // A will is a publish that happens later: the topic's policy checks it now, while the client
  // can still be told (CONNACK 0x99 is MQTT 5's code for a will payload it cannot accept).
  // Topic rules for this client (nullptr: no ACL file). A will the client may not publish is
  // refused now, while the client can be told, rather than dropped when it would fire.
  permissions_ = server_.auth().permissions(auth::Identity{auth_user_, connect.client_id});
  if (connect.will && permissions_ && !permissions_->can_publish(connect.will->topic)) {
    core::Metrics::add(server_.metrics().acl_denied_will);
    refuse_connect(static_cast<std::uint8_t>(ReasonCode::NotAuthorized),
                   mqtt::ConnectReturnCode::NotAuthorized, "not authorized to publish the will topic");
    return;
  }
  if (connect.will) {
    if (core::PublishGate* gate = server_.broker().publish_gate()) {
      mqtt::Will& will = *connect.will;
      core::GateDecision d = gate->check(core::GateRequest{connect.client_id, version_, will.topic,
                                                           &will.properties, will.payload,
                                                           will.qos, true});
      switch (d.action) {
        case core::GateDecision::Action::Deliver:
          break;
        case core::GateDecision::Action::Reject:
          if (v5 || d.disconnect_unacked) {
            refuse_connect(static_cast<std::uint8_t>(ReasonCode::PayloadFormatInvalid),
                           mqtt::ConnectReturnCode::NotAuthorized, "will: " + d.reason);
            return;
          }
          connect.will.reset();  // 3.1.1, drop mode: connected, without the will
          break;
        case core::GateDecision::Action::Drop:
          connect.will.reset();
          break;
        case core::GateDecision::Action::Redirect:
          will.topic = std::move(d.redirect_topic);
          will.retain = false;
          for (auto& prop : d.redirect_properties)
            will.properties.user_properties.push_back(std::move(prop));
          break;
      }
    }
  }

  // Keep-alive: MQTT 5 lets the server lower it (Server Keep Alive).
  std::uint16_t keep_alive = connect.keep_alive;
  std::optional<std::uint16_t> server_keep_alive;
  if (v5) {
    // 65535 is "no limit": a client asking for no keep-alive keeps it.
    if (cfg.max_keep_alive < 65535) {
      server_keep_alive = protocol::choose_server_keep_alive(keep_alive, cfg.max_keep_alive);
    }
    if (server_keep_alive) keep_alive = *server_keep_alive;
  }
  keep_alive_grace_ms_ = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(protocol::keep_alive_deadline(keep_alive))
          .count());

  // Session expiry: 3.1.1 clean session = ends with the connection, otherwise never expires.
  std::optional<std::uint32_t> granted_expiry;
  if (v5) {
    session_expiry_ = connect.properties.session_expiry_interval.value_or(0);
    if (session_expiry_ > cfg.max_session_expiry) {
      session_expiry_ = cfg.max_session_expiry;
      granted_expiry = session_expiry_;
    }
  } else {
    session_expiry_ = connect.clean_start ? 0 : cfg.max_session_expiry;
  }

  state_ = State::Connecting;
  reading_paused_ = true;  // packets pipelined behind CONNECT wait until the session is ready

  mqtt::Connack ack;
  if (v5) {
    auto& p = ack.properties;
    if (assigned_id) p.assigned_client_identifier = assigned_id;
    if (granted_expiry) p.session_expiry_interval = granted_expiry;
    if (server_keep_alive) p.server_keep_alive = server_keep_alive;
    p.receive_maximum = cfg.receive_maximum;
    p.maximum_packet_size = cfg.max_packet_size;
    p.topic_alias_maximum = cfg.topic_alias_maximum;
    if (cfg.maximum_qos < 2) p.maximum_qos = cfg.maximum_qos;
    if (!cfg.retain_available) p.retain_available = 0;
    if (!cfg.wildcard_subscriptions) p.wildcard_subscription_available = 0;
    if (!cfg.subscription_identifiers) p.subscription_identifier_available = 0;
    if (!cfg.shared_subscriptions) p.shared_subscription_available = 0;
  }
  auto self = shared_from_this();
  server_.broker().open_session(
      *pending_connect_, session_expiry_, thread_.index,
      [self, ack = std::move(ack)](core::Broker::OpenResult r) mutable {
        if (self->state_ != State::Connecting) {
          // The connection died while the session was being handed over.
          if (r.session) self->server_.broker().connection_closed(r.session, r.epoch, false);
          return;
        }
        if (!r.session) {  // another connection with the same id took over meanwhile
          self->close_detail_ = "taken over during connect";
          self->publish_will_on_close_ = false;
          self->begin_close();
          return;
        }
        ack.session_present = r.session_present;
        self->send(ack);
        self->on_session_ready(std::move(r.session), r.session_present, r.epoch);
      });
}

namespace {
bool is_loopback(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).is_loopback();
  return a.is_loopback();
}
}  // namespace

// broker/auth decides; a password goes through the slow KDF on the auth worker pool, never on
// this thread, and the answer is posted back here. Reading stays paused meanwhile; the CONNECT
// timeout still applies.
void Connection::authenticate(const mqtt::Connect& connect) {
  auth::Credentials credentials{connect.username, connect.password, is_loopback(remote_address_),
                                std::nullopt, false};
  if (tls_identity_ && listener_.tls_identity == "username") {
    credentials.certified_user = tls_identity_;  // apply_tls_identity() made it the user name
  } else if (tls_identity_ && listener_.tls_identity == "client_id") {
    credentials.certified = true;
  }
  auth::AuthService& service = server_.auth();
  if (auto outcome = service.check_fast(credentials)) {
    on_authenticated(std::move(*outcome));
    return;
  }
  reading_paused_ = true;
  auto done = [self = shared_from_this(), thread = thread_.index](auth::Outcome outcome) {
    self->server_.post(thread, [self, outcome = std::move(outcome)]() mutable {
      self->reading_paused_ = false;
      self->on_authenticated(std::move(outcome));
    });
  };
  if (!service.verify_async(std::move(credentials), std::move(done))) {
    reading_paused_ = false;
    on_authenticated(auth::Outcome{auth::Outcome::Verdict::Busy, std::nullopt,
                                   "too many password checks waiting"});
  }
}

void Connection::on_authenticated(auth::Outcome outcome) {
  if (state_ != State::AwaitConnect || !pending_connect_) return;  // closed meanwhile
  auto& m = server_.metrics();
  using V = auth::Outcome::Verdict;
  switch (outcome.verdict) {
    case V::Allowed:
      authenticated_ = true;
      auth_user_ = std::move(outcome.user);
      handle_connect(std::move(*pending_connect_));
      return;
    case V::BadCredentials:
      core::Metrics::add(m.auth_failed_bad_credentials);
      refuse_connect(static_cast<std::uint8_t>(ReasonCode::BadUserNameOrPassword),
                     mqtt::ConnectReturnCode::BadUserNameOrPassword, outcome.detail);
      return;
    case V::NotAuthorized:
      core::Metrics::add(m.auth_failed_not_authorized);
      refuse_connect(static_cast<std::uint8_t>(ReasonCode::NotAuthorized),
                     mqtt::ConnectReturnCode::NotAuthorized, outcome.detail);
      return;
    case V::Busy:
      core::Metrics::add(m.auth_failed_busy);
      refuse_connect(static_cast<std::uint8_t>(ReasonCode::ServerBusy),
                     mqtt::ConnectReturnCode::ServerUnavailable, outcome.detail);
      return;
  }
}

void Connection::on_session_ready(core::SessionPtr session, bool present, std::uint64_t epoch) {
  session_ = std::move(session);
  epoch_ = epoch;
  state_ = State::Connected;
  last_activity_ = thread_.now;
  const mqtt::Connect& c = *pending_connect_;
  accord::log::info("connect", {{"client_id", client_id()},
                              {"addr", peer_},
                              {"protocol", version_name(version_)},
                              {"clean_start", c.clean_start},
                              {"keep_alive", c.keep_alive},
                              {"session_expiry", session_expiry_},
                              {"session_present", present}});
  session_->set_permissions(std::move(permissions_));
  session_->attach(*this, c, session_expiry_);
  pending_connect_.reset();
  resume_reading();
}

void Connection::handle_disconnect(const mqtt::Disconnect& d) {
  if (version_ == ProtocolVersion::v5) {
    if (d.properties.session_expiry_interval) {
      // Setting a non-zero expiry on DISCONNECT when CONNECT said 0 is a protocol error (3.14.2.2.2).
      if (session_expiry_ == 0 && *d.properties.session_expiry_interval != 0) {
        disconnect(ReasonCode::ProtocolError, "session expiry changed from 0 on DISCONNECT");
        return;
      }
      session_expiry_ = std::min(*d.properties.session_expiry_interval,
                                 server_.config().max_session_expiry);
      // The registry reads the interval when the connection closes.
      server_.broker().update_session_expiry(session_, epoch_, session_expiry_);
    }
  }
  // Only a normal disconnection (0x00) deletes the will (3.1.2.5); 0x04 and error reasons
  // publish it.
  publish_will_on_close_ = d.reason_code != 0;
  close_reason_ = d.reason_code;
  close_detail_ = "client disconnected";
  begin_close();
}

void Connection::disconnect(ReasonCode reason, std::string_view reason_string) {
  if (state_ >= State::Closing) return;
  close_reason_ = static_cast<std::uint8_t>(reason);
  if (close_detail_.empty()) close_detail_ = std::string(reason_string);
  if (reason == ReasonCode::SessionTakenOver) {
    // The will is the new owner's business (Broker::open_session decided already).
    publish_will_on_close_ = false;
  } else if (reason == ReasonCode::ServerShuttingDown) {
    publish_will_on_close_ = false;
  } else {
    core::Metrics::add(server_.metrics().protocol_errors);
  }
  if (version_ == ProtocolVersion::v5 && state_ == State::Connected) {
    mqtt::Disconnect d;
    d.reason_code = static_cast<std::uint8_t>(reason);
    if (!reason_string.empty()) d.properties.reason_string = std::string(reason_string);
    send(d);
  }
  begin_close();
}

void Connection::shutdown() { disconnect(ReasonCode::ServerShuttingDown, "server shutting down"); }

void Connection::sweep(core::Clock::time_point now) {
  switch (state_) {
    case State::AwaitConnect:
      if (now >= deadline_ && handshaking_) {
        handshake_failed("handshake not done within server.connect_timeout_ms");
      } else if (now >= deadline_) {
        close_detail_ = "no CONNECT within the connect timeout";
        begin_close();
      }
      break;
    case State::Connected:
      if (keep_alive_grace_ms_ != 0 &&
          now - last_activity_ > std::chrono::milliseconds(keep_alive_grace_ms_)) {
        close_detail_ = "keep alive timeout";
        disconnect(ReasonCode::KeepAliveTimeout, "keep alive timeout");
      } else if (const auto idle = server_.config().idle_timeout;
                 idle.count() != 0 && now - last_activity_ > idle) {
        // server.idle_timeout_ms: also clients with keep-alive 0 (or a long one) that went quiet.
        close_detail_ = "idle timeout";
        core::Metrics::add(server_.metrics().idle_timeouts);
        disconnect(ReasonCode::KeepAliveTimeout, "idle timeout");
      } else if (!writing_ && queued_.segments.empty() && now - last_activity_ > std::chrono::seconds(1)) {
        // Idle: hand back the output buffers the last writes left behind, so that thousands of
        // quiet devices cost only their bookkeeping.
        queued_ = {};
        write_.reset();
      }
      break;
    case State::Closing:
      if (now >= deadline_) finish_close();  // the peer does not read: give up flushing
      break;
    default:
      break;
  }
}

// ---- output ---------------------------------------------------------------------------

void Connection::send(const mqtt::Packet& packet) {
  if (state_ >= State::Closing) return;  // nothing may follow a DISCONNECT (3.14.4)
  auto& q = queued_;
  const std::size_t before = q.bytes.size();
  mqtt::encode(packet, version_, q.bytes);
  queued_bytes_ += close_byte_segment(before);
  mark_dirty();
}

void Connection::send_publish(const mqtt::PublishHead& head, const core::MessagePtr& message) {
  if (state_ >= State::Closing) return;
  auto& q = queued_;
  const std::size_t before = q.bytes.size();
  mqtt::encode_publish_head(head, q.bytes);
  queued_bytes_ += close_byte_segment(before);
  const bool with_props = head.version == ProtocolVersion::v5;
  const std::size_t tail =
      (with_props ? message->shared_properties.size() : 0) + message->payload.size();
  if (tail > 0) q.segments.push_back(Segment{0, 0, message, with_props});
  queued_bytes_ += tail;
  mark_dirty();
}

std::size_t Connection::close_byte_segment(std::size_t begin) {
  auto& q = queued_;
  const auto end = static_cast<std::uint32_t>(q.bytes.size());
  // Consecutive encoded packets share one segment: one iovec entry for a run of acks.
  if (!q.segments.empty() && !q.segments.back().message && q.segments.back().end == begin) {
    q.segments.back().end = end;
  } else {
    q.segments.push_back(Segment{static_cast<std::uint32_t>(begin), end, nullptr, false});
  }
  return end - begin;
}

void Connection::mark_dirty() {
  if (in_dirty_list_ || writing_) return;
  in_dirty_list_ = true;
  thread_.dirty.push_back(shared_from_this());
  if (!thread_.flush_posted) {
    thread_.flush_posted = true;
    asio::post(thread_.context, [t = &thread_] { t->flush_dirty(); });
  }
}

void IoThread::flush_dirty() {
  flush_posted = false;
  auto batch = std::move(dirty);
  dirty.clear();
  for (auto& c : batch) c->flush();
}

void Connection::flush() {
  in_dirty_list_ = false;
  if (writing_ || state_ == State::Closed || queued_.segments.empty()) return;
  if (!write_) write_ = std::make_unique<WriteState>();
  std::swap(queued_, write_->queue);
  auto& buffers = write_->buffers;
  buffers.clear();
  writing_bytes_ = 0;
  for (const Segment& s : write_->queue.segments) {
    if (s.message) {
      if (s.with_properties && !s.message->shared_properties.empty()) {
        buffers.emplace_back(s.message->shared_properties.data(),
                             s.message->shared_properties.size());
      }
      if (!s.message->payload.empty()) {
        buffers.emplace_back(s.message->payload.data(), s.message->payload.size());
      }
    } else {
      buffers.emplace_back(write_->queue.bytes.data() + s.begin, s.end - s.begin);
    }
  }
  for (const auto& b : buffers) writing_bytes_ += b.size();
  writing_ = true;
  auto done = [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
    self->on_written(ec, n);
  };
  if (transport_) {
    transport_->async_write(write_->buffers, std::move(done));
  } else {
    asio::async_write(socket_, write_->buffers, std::move(done));
  }
}

void Connection::on_written(const boost::system::error_code& ec, std::size_t bytes) {
  writing_ = false;
  queued_bytes_ -= writing_bytes_;
  const std::size_t written = writing_bytes_;
  writing_bytes_ = 0;
  write_->queue.segments.clear();  // releases the messages
  write_->queue.bytes.clear();
  if (writes_done_ < 255) ++writes_done_;
  // Keep the buffers of a busy connection (no allocation per write). Give them back after the
  // CONNACK, since most devices then go quiet for a long time, and after a large write so a
  // burst does not pin memory; the keep-alive sweep trims connections that went quiet later.
  if (queued_.segments.empty() && (writes_done_ == 1 || written > 64 * 1024)) write_.reset();
  core::Metrics::add(server_.metrics().bytes_sent, bytes);
  if (ec) {
    if (state_ != State::Closed) {
      close_detail_ = "write failed: " + ec.message();
      finish_close();
    }
    return;
  }
  if (state_ == State::Closed) return;
  if (output_paused_ && queued_bytes_ <= server_.config().write_queue_high_water) {
    output_paused_ = false;
    resume_reading();
  }
  // Room again: let the session send what it queued while we were above the high-water mark.
  if (state_ == State::Connected && attached_to_session()) session_->pump();
  if (!queued_.segments.empty()) {
    flush();
  } else if (state_ == State::Closing) {
    finish_close();
  }
}

// ---- closing ----------------------------------------------------------------------------

void Connection::begin_close() {
  if (state_ >= State::Closing) return;
  const bool had_session = state_ == State::Connected;
  (void)had_session;
  state_ = State::Closing;
  deadline_ = thread_.now + kCloseTimeout;
  // The session lets go of this connection now, so nothing more is routed to it while the
  // last bytes drain.
  if (attached_to_session()) {
    server_.broker().connection_closed(session_, epoch_, publish_will_on_close_);
  }
  boost::system::error_code ec;
  tcp_socket().shutdown(asio::ip::tcp::socket::shutdown_receive, ec);
  if (!writing_ && queued_.segments.empty()) {
    finish_close();
  } else if (!writing_ && !in_dirty_list_) {
    flush();
  }
}

std::string_view Connection::client_id() const {
  if (session_) return session_->client_id();
  if (pending_connect_) return pending_connect_->client_id;
  return {};
}

bool Connection::attached_to_session() const {
  return session_ && session_->owner() == thread_.index && session_->link() == this;
}

void Connection::finish_close() {
  if (state_ == State::Closed) return;
  const bool was_connected = state_ == State::Connected || (state_ == State::Closing && session_);
  state_ = State::Closed;
  boost::system::error_code ec;
  tcp_socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  tcp_socket().close(ec);
  // Unlink from the thread's list.
  if (prev) prev->next = next; else if (thread_.connections == this) thread_.connections = next;
  if (next) next->prev = prev;
  prev = next = nullptr;
  server_.metrics().connections_current.fetch_sub(1, std::memory_order_relaxed);
  server_.connection_closed(remote_address_);

  if (attached_to_session()) {
    server_.broker().connection_closed(session_, epoch_, publish_will_on_close_);
  }
  if (was_connected) {
    accord::log::info("disconnect", {{"client_id", client_id()},
                                   {"addr", peer_},
                                   {"reason", mqtt::reason_code_name(close_reason_)},
                                   {"detail", close_detail_}});
  } else {
    accord::log::debug("connection_closed", {{"addr", peer_}, {"detail", close_detail_}});
  }
  session_.reset();
  pending_connect_.reset();
  partial_ = {};
  queued_ = {};
}

}  // namespace accord::net
