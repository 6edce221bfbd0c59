// A tiny, deliberately independent MQTT 3.1.1/5.0 client for the integration tests: encodes
// hand-built packets, sends arbitrary bytes (also malformed ones) over a plain TCP socket and
// decodes what the broker answers. It never acknowledges anything on its own, so tests can
// observe redelivery, DUP flags, receive-maximum windows and exact reason codes.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace accord::it {

using Bytes = std::string;  // raw packet bytes
using namespace std::chrono_literals;

enum PacketType : std::uint8_t {
  CONNECT = 1, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK,
  UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT, AUTH
};

// MQTT 5 property identifiers.
namespace prop {
constexpr std::uint8_t PayloadFormat = 0x01, MessageExpiry = 0x02, ContentType = 0x03,
                       ResponseTopic = 0x08, CorrelationData = 0x09, SubscriptionId = 0x0B,
                       SessionExpiry = 0x11, AssignedClientId = 0x12, ServerKeepAlive = 0x13,
                       RequestProblemInfo = 0x17, WillDelay = 0x18, ReasonString = 0x1F,
                       ReceiveMaximum = 0x21, TopicAliasMaximum = 0x22, TopicAlias = 0x23,
                       MaximumQos = 0x24, RetainAvailable = 0x25, UserProperty = 0x26,
                       MaximumPacketSize = 0x27, WildcardAvailable = 0x28,
                       SubIdAvailable = 0x29, SharedAvailable = 0x2A;
}

struct Property {
  std::uint8_t id = 0;
  std::uint32_t num = 0;  // byte, two-byte, four-byte and varint properties
  std::string str;        // string / binary data; the key of a user property
  std::string str2;       // the value of a user property
};

struct Properties {
  std::vector<Property> items;

  Properties& add_num(std::uint8_t id, std::uint32_t v) { items.push_back({id, v, {}, {}}); return *this; }
  Properties& add_str(std::uint8_t id, std::string v) { items.push_back({id, 0, std::move(v), {}}); return *this; }
  Properties& add_user(std::string k, std::string v) {
    items.push_back({prop::UserProperty, 0, std::move(k), std::move(v)});
    return *this;
  }
  const Property* find(std::uint8_t id) const;
  bool has(std::uint8_t id) const { return find(id) != nullptr; }
  std::optional<std::uint32_t> num(std::uint8_t id) const;
  std::optional<std::string> str(std::uint8_t id) const;
  std::vector<std::uint32_t> all_nums(std::uint8_t id) const;
  std::vector<std::pair<std::string, std::string>> user() const;

  Bytes encode() const;  // including the leading property length
  // Decodes properties at data[pos], advancing pos; false if malformed.
  static bool decode(const std::string& data, std::size_t& pos, Properties& out);
};

struct Will {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retain = false;
  Properties props;  // MQTT 5 only
};

struct ConnectOptions {
  int version = 5;  // 4 = MQTT 3.1.1, 5 = MQTT 5.0
  std::string client_id;
  bool clean = true;
  std::uint16_t keep_alive = 60;
  Properties props;
  std::optional<Will> will;
  std::optional<std::string> username;
  std::optional<std::string> password;
};

struct Packet {
  std::uint8_t type = 0;
  std::uint8_t flags = 0;
  std::string body;  // everything after the fixed header
  std::size_t wire_size = 0;  // fixed header included
};

struct Connack {
  bool session_present = false;
  std::uint8_t code = 0;
  Properties props;
};

struct Publish {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;
  Properties props;
};

struct Ack {  // PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK
  std::uint16_t packet_id = 0;
  std::uint8_t reason = 0;            // PUB*: reason code (0 when omitted)
  std::vector<std::uint8_t> reasons;  // SUBACK / UNSUBACK: one per filter
  Properties props;
};

struct Disconnect {
  std::uint8_t reason = 0;
  Properties props;
};

struct SubscribeEntry {
  std::string filter;
  std::uint8_t options = 0;  // bits 0-1 QoS, 2 no-local, 3 retain-as-published, 4-5 retain handling
};

// ---- encoders -----------------------------------------------------------------------------------
Bytes encode_varint(std::uint32_t v);
Bytes encode_str(const std::string& s);
Bytes encode_u16(std::uint16_t v);
Bytes make_packet(std::uint8_t first_byte, const Bytes& body);
Bytes encode_connect(const ConnectOptions& o);
Bytes encode_publish(int version, const Publish& p);
Bytes encode_subscribe(int version, std::uint16_t packet_id, const std::vector<SubscribeEntry>& subs,
                       const Properties& props = {});
Bytes encode_unsubscribe(int version, std::uint16_t packet_id, const std::vector<std::string>& filters);
Bytes encode_ack(int version, std::uint8_t type, std::uint16_t packet_id, std::uint8_t reason = 0);
Bytes encode_disconnect(int version, std::uint8_t reason = 0, const Properties& props = {});
Bytes encode_pingreq();

// ---- decoders (throw std::runtime_error on malformed input) --------------------------------------
Connack decode_connack(int version, const Packet& p);
Publish decode_publish(int version, const Packet& p);
Ack decode_ack(int version, const Packet& p);
Disconnect decode_disconnect(int version, const Packet& p);

std::string packet_name(std::uint8_t type);

class RawClient {
 public:
  RawClient() = default;
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  ~RawClient();

  // Opens the TCP connection; throws on failure.
  void open(std::uint16_t port, const std::string& host = "127.0.0.1");
  // Sends CONNECT and waits for CONNACK (throws if none arrives in time).
  Connack connect(std::uint16_t port, const ConnectOptions& o, std::chrono::milliseconds timeout = 5s);

  void send(const Bytes& bytes);
  // Next complete packet, nullopt on timeout or when the connection closed (see closed()).
  std::optional<Packet> read(std::chrono::milliseconds timeout = 3s);
  // Next packet of `type`, skipping PINGRESP only; throws on anything else, timeout or EOF.
  Packet expect(std::uint8_t type, std::chrono::milliseconds timeout = 3s);
  Publish expect_publish(std::chrono::milliseconds timeout = 3s);
  // Reads until EOF; returns the packets seen before it, nullopt when the connection stayed
  // open for `timeout`.
  std::optional<std::vector<Packet>> wait_closed(std::chrono::milliseconds timeout = 3s);
  // True when nothing (other than PINGRESP) arrives within `timeout`.
  bool quiet_for(std::chrono::milliseconds timeout);

  // Convenience wrappers using the version negotiated by connect().
  void publish(const std::string& topic, const std::string& payload, int qos = 0, bool retain = false,
               std::uint16_t packet_id = 0, const Properties& props = {}, bool dup = false);
  Ack subscribe(const std::vector<SubscribeEntry>& subs, const Properties& props = {},
                std::uint16_t packet_id = 0);
  Ack subscribe(const std::string& filter, int qos, const Properties& props = {});
  Ack unsubscribe(const std::vector<std::string>& filters);
  void ack(std::uint8_t type, std::uint16_t packet_id, std::uint8_t reason = 0);
  // Publishes and completes the QoS 1/2 flow (waits for PUBACK or PUBREC+PUBCOMP).
  void publish_and_wait(const std::string& topic, const std::string& payload, int qos,
                        bool retain = false, const Properties& props = {});
  void disconnect(std::uint8_t reason = 0, const Properties& props = {});
  // Drops the connection without DISCONNECT. `reset`: send RST instead of FIN.
  void drop(bool reset = false);

  bool closed() const { return closed_; }
  bool is_open() const { return fd_ >= 0; }
  int version() const { return version_; }
  void set_version(int v) { version_ = v; }
  std::uint16_t next_id() { return ++next_id_ == 0 ? ++next_id_ : next_id_; }

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  bool closed_ = false;
  int version_ = 5;
  std::uint16_t next_id_ = 0;
  std::string buf_;
  std::deque<Packet> stash_;  // PUBLISHes that arrived while expect() waited for something else
};

}  // namespace accord::it
