// MQTT packets <-> bytes. Pure functions over buffers: no sockets, no clocks, no allocation
// beyond the values they return.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/codec/packets.hpp"

namespace accord::mqtt {

// Why bytes could not be turned into a packet. `reason` is the MQTT 5 reason code the broker
// sends in its DISCONNECT (or CONNACK) before closing: MalformedPacket, ProtocolError,
// PacketTooLarge, UnsupportedProtocolVersion, TopicNameInvalid, ClientIdentifierNotValid...
struct DecodeError {
  ReasonCode reason = ReasonCode::MalformedPacket;
  std::string message;  // human readable, names the field that is wrong
  // For CONNECT only: the protocol version that was read, if it got that far, so the broker can
  // answer an unsupported version in a CONNACK the client understands.
  std::optional<ProtocolVersion> version;
};

// A value or a DecodeError. Deliberately tiny; errors on the data path are values.
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}                 // NOLINT(implicit)
  Result(DecodeError error) : error_(std::move(error)) {}       // NOLINT(implicit)
  bool has_value() const { return value_.has_value(); }
  explicit operator bool() const { return has_value(); }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const DecodeError& error() const { return error_; }

 private:
  std::optional<T> value_;
  DecodeError error_;
};

// Largest value a Variable Byte Integer can hold (spec 1.5.5).
inline constexpr std::uint32_t kMaxVariableByteInteger = 268'435'455;

// The fixed header of the packet at the start of a byte stream.
struct FrameHeader {
  std::uint8_t first_byte = 0;         // packet type << 4 | flags
  std::uint32_t remaining_length = 0;  // bytes after the fixed header
  std::uint8_t header_length = 0;      // 2..5: first byte + length bytes
  PacketType type() const { return static_cast<PacketType>(first_byte >> 4); }
  std::uint8_t flags() const { return first_byte & 0x0F; }
  std::size_t total_length() const { return header_length + std::size_t{remaining_length}; }
};

enum class FrameStatus { Complete, NeedMore, Malformed };

struct FrameProbe {
  FrameStatus status = FrameStatus::NeedMore;
  FrameHeader header;  // valid when status == Complete; header_length valid once known
};

// Looks at the start of a stream. Complete: `buf` holds at least one whole packet (the header says
// how long). NeedMore: wait for more bytes. Malformed: the remaining length is not a valid
// Variable Byte Integer (more than 4 bytes, or packet type 0) -- close the connection.
FrameProbe probe_frame(std::span<const std::uint8_t> buf);

// Limits the decoder enforces. The maximum packet size is checked by the caller against
// FrameHeader::total_length() before decoding (the broker answers PacketTooLarge).
struct DecodeLimits {
  bool allow_mqtt31 = true;
};

// Decodes one whole packet (fixed header included) received by a server or a client.
// `version` is the connection's negotiated version; it is ignored for CONNECT, which carries its
// own. Every malformed-packet rule of 3.1.1 and 5.0 that can be checked from the bytes alone is
// enforced here: reserved flag bits, QoS 3, packet id 0 where one is required, UTF-8 rules,
// topic name syntax, property identifiers not allowed in the packet type, duplicated
// properties, lengths that overrun the packet, trailing bytes, empty SUBSCRIBE payloads...
//
// How errors are classified (the same for 3.1/3.1.1, where the broker simply closes):
// - MalformedPacket: cannot be parsed -- bad fixed-header flags, QoS 3, DUP on QoS 0, overruns,
//   trailing bytes, invalid UTF-8 anywhere, a non-minimal or 5-byte Variable Byte Integer
//   (spec 1.5.5 "MUST use the minimum number of bytes"), an unknown property or one not allowed
//   in the packet type, reserved CONNECT/CONNACK/subscription-option bits, will QoS/retain
//   without the will flag, a 3.1.1 password without a user name, AUTH before MQTT 5, an unknown
//   protocol name in CONNECT, an empty SUBSCRIBE/UNSUBSCRIBE/SUBACK in 3.1.1.
// - ProtocolError: parses but breaks a rule -- packet id 0, a property repeated where the spec
//   forbids it, Subscription Identifier 0, Receive Maximum 0, Maximum Packet Size 0, boolean
//   properties (and Maximum QoS) other than 0/1, Authentication Data without Method, a Response
//   Topic with wildcards, retain handling 3, an empty MQTT 5 SUBSCRIBE/UNSUBSCRIBE/SUBACK/
//   UNSUBACK, a reason code the packet type cannot carry, an MQTT 5 PUBLISH with an empty topic
//   and no alias, CONNACK with session present and a failure code.
// - TopicNameInvalid (MQTT 5; MalformedPacket before): PUBLISH topic or will topic containing
//   '+'/'#', or an empty will topic. TopicAliasInvalid: Topic Alias 0.
// - UnsupportedProtocolVersion: CONNECT "MQTT" with a level other than 4/5, "MQIsdp" with a level
//   other than 3, or 3.1 when DecodeLimits::allow_mqtt31 is false. DecodeError::version is set
//   for every CONNECT error after the level was read and recognised (nullopt otherwise).
// Not checked here because they need connection state: topic alias > maximum, no-local on a
// shared subscription, a client-sent Subscription Identifier in PUBLISH, AUTH without an
// Authentication Method, a non-zero session expiry in DISCONNECT after 0 in CONNECT.
//
// SUBSCRIBE and UNSUBSCRIBE filters are only checked for the UTF-8 rules (invalid UTF-8 is
// MalformedPacket). Wildcard/`$share` syntax errors and empty filters are passed through
// unchanged so that the broker answers them per filter (SUBACK 0x8F, or 0x80 in 3.1.1) and keeps
// the connection: callers must run is_valid_topic_filter() on every filter.
//
// Leniency: MQTT 3.1 PUBREL/SUBSCRIBE/UNSUBSCRIBE may carry any fixed-header flags, and a 3.1
// CONNECT may set the password flag without a password (as Mosquitto accepts). MQTT 5 short
// forms are decoded: PUBACK/PUBREC/PUBREL/PUBCOMP with Remaining Length 2 or 3, DISCONNECT with
// 0 or 1, AUTH with 0 (AUTH has no reason-code-only form in the spec: Remaining Length 1 is
// MalformedPacket).
Result<Packet> decode(std::span<const std::uint8_t> frame, ProtocolVersion version,
                      const DecodeLimits& limits = {});

// Appends the encoding of `p` for a connection speaking `version`. MQTT 5-only fields are
// dropped when encoding for 3.1.1. Encoding never fails for packets the broker builds; a packet
// whose remaining length would exceed kMaxVariableByteInteger is a programming error (asserted).
// CONNECT is written with its own `Connect::version`. Properties the packet type may not carry
// are silently left out. MQTT 5 acknowledgements use the shortest form the spec allows: no
// reason code and property length when the reason is 0 and there are no properties, and no
// property length when only the properties are empty (AUTH always writes the property length).
// AUTH for 3.1/3.1.1 writes nothing.
void encode(const Packet& p, ProtocolVersion version, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> encode(const Packet& p, ProtocolVersion version);

// ---- Encode once, write many -------------------------------------------------------------
// A forwarded PUBLISH is written as three pieces: a small per-recipient head, the properties that
// every recipient shares (MQTT 5 only), and the payload. The last two are encoded once per
// message and referenced by every recipient's write.

// Encodes the properties every copy of a forwarded message carries unchanged: payload format
// indicator, content type, response topic, correlation data, user properties. Everything else in
// `props` (topic alias, subscription identifiers, message expiry) is ignored: those are
// per-recipient and go into the head.
std::string encode_shared_publish_properties(const Properties& props);

struct PublishHead {
  ProtocolVersion version = ProtocolVersion::v311;
  std::uint8_t qos = 0;
  bool retain = false;
  bool dup = false;
  std::string_view topic;  // empty when sending only a topic alias
  std::uint16_t packet_id = 0;
  // MQTT 5 per-recipient properties:
  std::optional<std::uint16_t> topic_alias;
  std::span<const std::uint32_t> subscription_identifiers;
  std::optional<std::uint32_t> message_expiry_interval;  // remaining lifetime
  // Sizes of the shared pieces that follow the head on the wire.
  std::size_t shared_properties_length = 0;  // ignored (treated as 0) for 3.1/3.1.1
  std::size_t payload_length = 0;
};

// Appends the head of a PUBLISH: fixed header, topic, packet id and, for MQTT 5, the property
// length followed by the per-recipient properties. Writing head + shared properties (v5 only) +
// payload gives exactly the bytes encode(Publish) would.
void encode_publish_head(const PublishHead& head, std::vector<std::uint8_t>& out);

// Total bytes on the wire for that PUBLISH (head + shared properties + payload).
std::size_t publish_wire_size(const PublishHead& head);

// Variable Byte Integer helpers (spec 1.5.5), exposed for tests and the frame reader.
void encode_variable_byte_integer(std::uint32_t value, std::vector<std::uint8_t>& out);
std::size_t variable_byte_integer_size(std::uint32_t value);

}  // namespace accord::mqtt
