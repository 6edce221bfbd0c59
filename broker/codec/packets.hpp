// MQTT 3.1, 3.1.1 and 5.0 control packets as plain values. No I/O, no clocks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace accord::mqtt {

// The protocol level byte of CONNECT.
enum class ProtocolVersion : std::uint8_t { v31 = 3, v311 = 4, v5 = 5 };

enum class PacketType : std::uint8_t {
  Connect = 1,
  Connack = 2,
  Publish = 3,
  Puback = 4,
  Pubrec = 5,
  Pubrel = 6,
  Pubcomp = 7,
  Subscribe = 8,
  Suback = 9,
  Unsubscribe = 10,
  Unsuback = 11,
  Pingreq = 12,
  Pingresp = 13,
  Disconnect = 14,
  Auth = 15,
};

// MQTT 5 reason codes (spec 2.4). Several names share a value, as in the spec.
enum class ReasonCode : std::uint8_t {
  Success = 0x00,
  NormalDisconnection = 0x00,
  GrantedQos0 = 0x00,
  GrantedQos1 = 0x01,
  GrantedQos2 = 0x02,
  DisconnectWithWillMessage = 0x04,
  NoMatchingSubscribers = 0x10,
  NoSubscriptionExisted = 0x11,
  ContinueAuthentication = 0x18,
  ReAuthenticate = 0x19,
  UnspecifiedError = 0x80,
  MalformedPacket = 0x81,
  ProtocolError = 0x82,
  ImplementationSpecificError = 0x83,
  UnsupportedProtocolVersion = 0x84,
  ClientIdentifierNotValid = 0x85,
  BadUserNameOrPassword = 0x86,
  NotAuthorized = 0x87,
  ServerUnavailable = 0x88,
  ServerBusy = 0x89,
  Banned = 0x8A,
  ServerShuttingDown = 0x8B,
  BadAuthenticationMethod = 0x8C,
  KeepAliveTimeout = 0x8D,
  SessionTakenOver = 0x8E,
  TopicFilterInvalid = 0x8F,
  TopicNameInvalid = 0x90,
  PacketIdentifierInUse = 0x91,
  PacketIdentifierNotFound = 0x92,
  ReceiveMaximumExceeded = 0x93,
  TopicAliasInvalid = 0x94,
  PacketTooLarge = 0x95,
  MessageRateTooHigh = 0x96,
  QuotaExceeded = 0x97,
  AdministrativeAction = 0x98,
  PayloadFormatInvalid = 0x99,
  RetainNotSupported = 0x9A,
  QosNotSupported = 0x9B,
  UseAnotherServer = 0x9C,
  ServerMoved = 0x9D,
  SharedSubscriptionsNotSupported = 0x9E,
  ConnectionRateExceeded = 0x9F,
  MaximumConnectTime = 0xA0,
  SubscriptionIdentifiersNotSupported = 0xA1,
  WildcardSubscriptionsNotSupported = 0xA2,
};

// MQTT 3.1/3.1.1 CONNACK return codes.
enum class ConnectReturnCode : std::uint8_t {
  Accepted = 0,
  UnacceptableProtocolVersion = 1,
  IdentifierRejected = 2,
  ServerUnavailable = 3,
  BadUserNameOrPassword = 4,
  NotAuthorized = 5,
};

struct UserProperty {
  std::string key;
  std::string value;
  bool operator==(const UserProperty&) const = default;
};

// Every MQTT 5 property (spec 2.2.2.2). Which ones a packet may carry is checked by the codec.
// Binary Data properties (correlation data, authentication data) are held in std::string.
struct Properties {
  std::optional<std::uint8_t> payload_format_indicator;           // 0x01
  std::optional<std::uint32_t> message_expiry_interval;           // 0x02
  std::optional<std::string> content_type;                        // 0x03
  std::optional<std::string> response_topic;                      // 0x08
  std::optional<std::string> correlation_data;                    // 0x09
  std::vector<std::uint32_t> subscription_identifiers;            // 0x0B (several only in PUBLISH)
  std::optional<std::uint32_t> session_expiry_interval;           // 0x11
  std::optional<std::string> assigned_client_identifier;          // 0x12
  std::optional<std::uint16_t> server_keep_alive;                 // 0x13
  std::optional<std::string> authentication_method;               // 0x15
  std::optional<std::string> authentication_data;                 // 0x16
  std::optional<std::uint8_t> request_problem_information;        // 0x17
  std::optional<std::uint32_t> will_delay_interval;               // 0x18
  std::optional<std::uint8_t> request_response_information;       // 0x19
  std::optional<std::string> response_information;                // 0x1A
  std::optional<std::string> server_reference;                    // 0x1C
  std::optional<std::string> reason_string;                       // 0x1F
  std::optional<std::uint16_t> receive_maximum;                   // 0x21
  std::optional<std::uint16_t> topic_alias_maximum;               // 0x22
  std::optional<std::uint16_t> topic_alias;                       // 0x23
  std::optional<std::uint8_t> maximum_qos;                        // 0x24
  std::optional<std::uint8_t> retain_available;                   // 0x25
  std::vector<UserProperty> user_properties;                      // 0x26
  std::optional<std::uint32_t> maximum_packet_size;               // 0x27
  std::optional<std::uint8_t> wildcard_subscription_available;    // 0x28
  std::optional<std::uint8_t> subscription_identifier_available;  // 0x29
  std::optional<std::uint8_t> shared_subscription_available;      // 0x2A

  bool operator==(const Properties&) const = default;
};

struct Will {
  std::string topic;
  std::string payload;
  std::uint8_t qos = 0;
  bool retain = false;
  Properties properties;  // MQTT 5 will properties
  bool operator==(const Will&) const = default;
};

struct Connect {
  ProtocolVersion version = ProtocolVersion::v311;
  bool clean_start = true;  // "clean session" in 3.1.1
  std::uint16_t keep_alive = 60;
  std::string client_id;
  std::optional<Will> will;
  std::optional<std::string> username;
  std::optional<std::string> password;  // binary data
  Properties properties;
  bool operator==(const Connect&) const = default;
};

struct Connack {
  bool session_present = false;
  // MQTT 5: a ReasonCode value. 3.1/3.1.1: a ConnectReturnCode value.
  std::uint8_t reason_code = 0;
  Properties properties;
  bool operator==(const Connack&) const = default;
};

struct Publish {
  std::uint8_t qos = 0;
  bool retain = false;
  bool dup = false;
  std::string topic;  // may be empty in MQTT 5 when a topic alias is set
  std::uint16_t packet_id = 0;  // 0 when qos == 0
  Properties properties;
  std::string payload;
  bool operator==(const Publish&) const = default;
};

// PUBACK, PUBREC, PUBREL and PUBCOMP share one shape. In 3.1.1 the reason code is always 0
// and properties are empty; in MQTT 5 both may be omitted on the wire when they are defaults.
template <PacketType Type>
struct Acknowledgement {
  static constexpr PacketType type = Type;
  std::uint16_t packet_id = 0;
  std::uint8_t reason_code = 0;
  Properties properties;
  bool operator==(const Acknowledgement&) const = default;
};
using Puback = Acknowledgement<PacketType::Puback>;
using Pubrec = Acknowledgement<PacketType::Pubrec>;
using Pubrel = Acknowledgement<PacketType::Pubrel>;
using Pubcomp = Acknowledgement<PacketType::Pubcomp>;

struct SubscriptionOptions {
  std::uint8_t max_qos = 0;
  bool no_local = false;             // MQTT 5
  bool retain_as_published = false;  // MQTT 5
  std::uint8_t retain_handling = 0;  // MQTT 5: 0 send, 1 send if new, 2 never
  bool operator==(const SubscriptionOptions&) const = default;
};

struct TopicSubscription {
  std::string filter;
  SubscriptionOptions options;
  bool operator==(const TopicSubscription&) const = default;
};

struct Subscribe {
  std::uint16_t packet_id = 0;
  Properties properties;
  std::vector<TopicSubscription> subscriptions;
  bool operator==(const Subscribe&) const = default;
};

struct Suback {
  std::uint16_t packet_id = 0;
  Properties properties;
  std::vector<std::uint8_t> reason_codes;  // 3.1.1: 0, 1, 2 or 0x80
  bool operator==(const Suback&) const = default;
};

struct Unsubscribe {
  std::uint16_t packet_id = 0;
  Properties properties;
  std::vector<std::string> filters;
  bool operator==(const Unsubscribe&) const = default;
};

struct Unsuback {
  std::uint16_t packet_id = 0;
  Properties properties;
  std::vector<std::uint8_t> reason_codes;  // MQTT 5 only; empty in 3.1.1
  bool operator==(const Unsuback&) const = default;
};

struct Pingreq {
  bool operator==(const Pingreq&) const = default;
};
struct Pingresp {
  bool operator==(const Pingresp&) const = default;
};

struct Disconnect {
  std::uint8_t reason_code = 0;  // MQTT 5 only
  Properties properties;
  bool operator==(const Disconnect&) const = default;
};

struct Auth {  // MQTT 5 only
  std::uint8_t reason_code = 0;
  Properties properties;
  bool operator==(const Auth&) const = default;
};

using Packet = std::variant<Connect, Connack, Publish, Puback, Pubrec, Pubrel, Pubcomp, Subscribe,
                            Suback, Unsubscribe, Unsuback, Pingreq, Pingresp, Disconnect, Auth>;

PacketType packet_type(const Packet& p);
const char* packet_type_name(PacketType t);
const char* reason_code_name(std::uint8_t code);

}  // namespace accord::mqtt
