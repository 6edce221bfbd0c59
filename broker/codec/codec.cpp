#include "broker/codec/codec.hpp"

#include <cassert>
#include <cstring>
#include <initializer_list>

#include "broker/codec/topic.hpp"

namespace accord::mqtt {

namespace {

// ---- Property identifiers and which packet may carry which (spec 2.2.2.2) --------------------
enum PropertyId : std::uint8_t {
  kPayloadFormatIndicator = 0x01,
  kMessageExpiryInterval = 0x02,
  kContentType = 0x03,
  kResponseTopic = 0x08,
  kCorrelationData = 0x09,
  kSubscriptionIdentifier = 0x0B,
  kSessionExpiryInterval = 0x11,
  kAssignedClientIdentifier = 0x12,
  kServerKeepAlive = 0x13,
  kAuthenticationMethod = 0x15,
  kAuthenticationData = 0x16,
  kRequestProblemInformation = 0x17,
  kWillDelayInterval = 0x18,
  kRequestResponseInformation = 0x19,
  kResponseInformation = 0x1A,
  kServerReference = 0x1C,
  kReasonString = 0x1F,
  kReceiveMaximum = 0x21,
  kTopicAliasMaximum = 0x22,
  kTopicAlias = 0x23,
  kMaximumQos = 0x24,
  kRetainAvailable = 0x25,
  kUserProperty = 0x26,
  kMaximumPacketSize = 0x27,
  kWildcardSubscriptionAvailable = 0x28,
  kSubscriptionIdentifierAvailable = 0x29,
  kSharedSubscriptionAvailable = 0x2A,
};

constexpr std::uint64_t bits(std::initializer_list<std::uint8_t> ids) {
  std::uint64_t m = 0;
  for (auto id : ids) m |= std::uint64_t{1} << id;
  return m;
}

constexpr std::uint64_t kConnectProps =
    bits({kSessionExpiryInterval, kAuthenticationMethod, kAuthenticationData,
          kRequestProblemInformation, kRequestResponseInformation, kReceiveMaximum,
          kTopicAliasMaximum, kUserProperty, kMaximumPacketSize});
constexpr std::uint64_t kConnackProps =
    bits({kSessionExpiryInterval, kAssignedClientIdentifier, kServerKeepAlive,
          kAuthenticationMethod, kAuthenticationData, kResponseInformation, kServerReference,
          kReasonString, kReceiveMaximum, kTopicAliasMaximum, kMaximumQos, kRetainAvailable,
          kUserProperty, kMaximumPacketSize, kWildcardSubscriptionAvailable,
          kSubscriptionIdentifierAvailable, kSharedSubscriptionAvailable});
constexpr std::uint64_t kPublishProps =
    bits({kPayloadFormatIndicator, kMessageExpiryInterval, kContentType, kResponseTopic,
          kCorrelationData, kSubscriptionIdentifier, kTopicAlias, kUserProperty});
constexpr std::uint64_t kWillProps =
    bits({kPayloadFormatIndicator, kMessageExpiryInterval, kContentType, kResponseTopic,
          kCorrelationData, kWillDelayInterval, kUserProperty});
constexpr std::uint64_t kAckProps = bits({kReasonString, kUserProperty});
constexpr std::uint64_t kSubscribeProps = bits({kSubscriptionIdentifier, kUserProperty});
constexpr std::uint64_t kUnsubscribeProps = bits({kUserProperty});
constexpr std::uint64_t kDisconnectProps =
    bits({kSessionExpiryInterval, kReasonString, kUserProperty, kServerReference});
constexpr std::uint64_t kAuthProps =
    bits({kAuthenticationMethod, kAuthenticationData, kReasonString, kUserProperty});

const char* property_name(std::uint8_t id) {
  switch (id) {
    case kPayloadFormatIndicator:
      return "Payload Format Indicator";
    case kMessageExpiryInterval:
      return "Message Expiry Interval";
    case kContentType:
      return "Content Type";
    case kResponseTopic:
      return "Response Topic";
    case kCorrelationData:
      return "Correlation Data";
    case kSubscriptionIdentifier:
      return "Subscription Identifier";
    case kSessionExpiryInterval:
      return "Session Expiry Interval";
    case kAssignedClientIdentifier:
      return "Assigned Client Identifier";
    case kServerKeepAlive:
      return "Server Keep Alive";
    case kAuthenticationMethod:
      return "Authentication Method";
    case kAuthenticationData:
      return "Authentication Data";
    case kRequestProblemInformation:
      return "Request Problem Information";
    case kWillDelayInterval:
      return "Will Delay Interval";
    case kRequestResponseInformation:
      return "Request Response Information";
    case kResponseInformation:
      return "Response Information";
    case kServerReference:
      return "Server Reference";
    case kReasonString:
      return "Reason String";
    case kReceiveMaximum:
      return "Receive Maximum";
    case kTopicAliasMaximum:
      return "Topic Alias Maximum";
    case kTopicAlias:
      return "Topic Alias";
    case kMaximumQos:
      return "Maximum QoS";
    case kRetainAvailable:
      return "Retain Available";
    case kUserProperty:
      return "User Property";
    case kMaximumPacketSize:
      return "Maximum Packet Size";
    case kWildcardSubscriptionAvailable:
      return "Wildcard Subscription Available";
    case kSubscriptionIdentifierAvailable:
      return "Subscription Identifier Available";
    case kSharedSubscriptionAvailable:
      return "Shared Subscription Available";
    default:
      return "unknown property";
  }
}

// ---- Reason codes each MQTT 5 packet may carry (spec 2.4) ------------------------------------
struct CodeSet {
  std::uint64_t w[4] = {0, 0, 0, 0};
  constexpr CodeSet(std::initializer_list<std::uint8_t> codes) {
    for (auto c : codes) w[c >> 6] |= std::uint64_t{1} << (c & 63);
  }
  constexpr bool has(std::uint8_t c) const { return (w[c >> 6] >> (c & 63)) & 1; }
};

constexpr CodeSet kConnackCodes{0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
                                0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F};
constexpr CodeSet kPubackCodes{0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99};
constexpr CodeSet kPubrelCodes{0x00, 0x92};
constexpr CodeSet kSubackCodes{0x00, 0x01, 0x02, 0x80, 0x83, 0x87,
                               0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2};
constexpr CodeSet kSuback3Codes{0x00, 0x01, 0x02, 0x80};
constexpr CodeSet kUnsubackCodes{0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91};
constexpr CodeSet kDisconnectCodes{0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D,
                                   0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
                                   0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2};
constexpr CodeSet kAuthCodes{0x00, 0x18, 0x19};

constexpr std::size_t kMaxStringLength = 65535;

bool fail(DecodeError& e, ReasonCode reason, std::string message) {
  e.reason = reason;
  e.message = std::move(message);
  return false;
}

// ---- Reading: bounds-checked pointer arithmetic ----------------------------------------------
struct Reader {
  const std::uint8_t* p;
  const std::uint8_t* end;

  std::size_t left() const { return static_cast<std::size_t>(end - p); }
  bool empty() const { return p == end; }

  bool byte(std::uint8_t& v) {
    if (p == end) return false;
    v = *p++;
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (left() < 2) return false;
    v = static_cast<std::uint16_t>((p[0] << 8) | p[1]);
    p += 2;
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (left() < 4) return false;
    v = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
        std::uint32_t{p[3]};
    p += 4;
    return true;
  }
  // At most four bytes, minimal encoding only (spec 1.5.5: "MUST use the minimum number of bytes").
  bool vbi(std::uint32_t& v) {
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      if (p == end) return false;
      const std::uint8_t b = *p++;
      value |= std::uint32_t{b & 0x7Fu} << (7 * i);
      if ((b & 0x80) == 0) {
        if (i > 0 && b == 0) return false;
        v = value;
        return true;
      }
    }
    return false;
  }
  // Two-byte length followed by that many bytes.
  bool view(std::string_view& s) {
    std::uint16_t n;
    if (!u16(n) || left() < n) return false;
    s = std::string_view(reinterpret_cast<const char*>(p), n);
    p += n;
    return true;
  }
  bool rest(std::string& s) {
    s.assign(reinterpret_cast<const char*>(p), left());
    p = end;
    return true;
  }
};

// Reads a Binary Data field into `out`.
bool read_binary(Reader& r, std::string& out, const char* field, DecodeError& e) {
  std::string_view v;
  if (!r.view(v))
    return fail(e, ReasonCode::MalformedPacket, std::string(field) + " overruns the packet");
  out.assign(v);
  return true;
}

// Reads a UTF-8 Encoded String into `out`.
bool read_utf8(Reader& r, std::string& out, const char* field, DecodeError& e) {
  std::string_view v;
  if (!r.view(v))
    return fail(e, ReasonCode::MalformedPacket, std::string(field) + " overruns the packet");
  if (!is_valid_mqtt_utf8(v)) {
    return fail(e, ReasonCode::MalformedPacket, std::string(field) + " is not valid UTF-8");
  }
  out.assign(v);
  return true;
}

// ---- Properties ------------------------------------------------------------------------------
struct PropertyRules {
  std::uint64_t allowed;
  const char* where;
  bool many_subscription_ids;  // PUBLISH only
};

bool read_properties(Reader& r, const PropertyRules& rules, Properties& out, DecodeError& e) {
  std::uint32_t length;
  if (!r.vbi(length)) return fail(e, ReasonCode::MalformedPacket, "invalid property length");
  if (length > r.left()) {
    return fail(e, ReasonCode::MalformedPacket, "property length overruns the packet");
  }
  Reader pr{r.p, r.p + length};
  r.p += length;
  std::uint64_t seen = 0;
  while (!pr.empty()) {
    const std::uint8_t id = *pr.p++;
    if (id >= 64 || (rules.allowed & (std::uint64_t{1} << id)) == 0) {
      char hex[8];
      static const char digits[] = "0123456789ABCDEF";
      hex[0] = '0', hex[1] = 'x', hex[2] = digits[id >> 4], hex[3] = digits[id & 15], hex[4] = 0;
      return fail(e, ReasonCode::MalformedPacket,
                  std::string("property ") + hex + " (" + property_name(id) + ") not allowed in " +
                      rules.where);
    }
    const std::uint64_t bit = std::uint64_t{1} << id;
    if ((seen & bit) && id != kUserProperty &&
        !(id == kSubscriptionIdentifier && rules.many_subscription_ids)) {
      return fail(e, ReasonCode::ProtocolError,
                  std::string(property_name(id)) + " included more than once");
    }
    seen |= bit;
    bool ok = true;
    const char* name = property_name(id);
    // A byte property that is a boolean (or Maximum QoS, 0 or 1): any other value is an error.
    auto flag = [&](std::optional<std::uint8_t>& field) {
      std::uint8_t v = 0;
      ok = pr.byte(v);
      if (ok && v > 1) {
        ok = fail(e, ReasonCode::ProtocolError, std::string(name) + " must be 0 or 1");
        return;
      }
      field = v;
    };
    auto four = [&](std::optional<std::uint32_t>& field) {
      std::uint32_t v = 0;
      ok = pr.u32(v);
      field = v;
    };
    auto two = [&](std::optional<std::uint16_t>& field) {
      std::uint16_t v = 0;
      ok = pr.u16(v);
      field = v;
    };
    auto text = [&](std::optional<std::string>& field) {
      ok = read_utf8(pr, field.emplace(), name, e);
    };
    auto binary = [&](std::optional<std::string>& field) {
      ok = read_binary(pr, field.emplace(), name, e);
    };
    switch (id) {
      case kPayloadFormatIndicator:
        flag(out.payload_format_indicator);
        break;
      case kMessageExpiryInterval:
        four(out.message_expiry_interval);
        break;
      case kContentType:
        text(out.content_type);
        break;
      case kResponseTopic:
        text(out.response_topic);
        if (ok && !is_valid_topic_name(*out.response_topic)) {
          ok = fail(e, ReasonCode::ProtocolError, "Response Topic is not a valid topic name");
        }
        break;
      case kCorrelationData:
        binary(out.correlation_data);
        break;
      case kSubscriptionIdentifier: {
        std::uint32_t v = 0;
        if (!pr.vbi(v)) {
          ok = fail(e, ReasonCode::MalformedPacket, "invalid Subscription Identifier");
        } else if (v == 0) {
          ok = fail(e, ReasonCode::ProtocolError, "Subscription Identifier 0");
        } else {
          out.subscription_identifiers.push_back(v);
        }
        break;
      }
      case kSessionExpiryInterval:
        four(out.session_expiry_interval);
        break;
      case kAssignedClientIdentifier:
        text(out.assigned_client_identifier);
        break;
      case kServerKeepAlive:
        two(out.server_keep_alive);
        break;
      case kAuthenticationMethod:
        text(out.authentication_method);
        break;
      case kAuthenticationData:
        binary(out.authentication_data);
        break;
      case kRequestProblemInformation:
        flag(out.request_problem_information);
        break;
      case kWillDelayInterval:
        four(out.will_delay_interval);
        break;
      case kRequestResponseInformation:
        flag(out.request_response_information);
        break;
      case kResponseInformation:
        text(out.response_information);
        break;
      case kServerReference:
        text(out.server_reference);
        break;
      case kReasonString:
        text(out.reason_string);
        break;
      case kReceiveMaximum:
        two(out.receive_maximum);
        if (ok && *out.receive_maximum == 0) {
          ok = fail(e, ReasonCode::ProtocolError, "Receive Maximum 0");
        }
        break;
      case kTopicAliasMaximum:
        two(out.topic_alias_maximum);
        break;
      case kTopicAlias:
        two(out.topic_alias);
        if (ok && *out.topic_alias == 0) {
          ok = fail(e, ReasonCode::TopicAliasInvalid, "Topic Alias 0");
        }
        break;
      case kMaximumQos:
        flag(out.maximum_qos);
        break;
      case kRetainAvailable:
        flag(out.retain_available);
        break;
      case kUserProperty: {
        auto& up = out.user_properties.emplace_back();
        ok = read_utf8(pr, up.key, "User Property name", e) &&
             read_utf8(pr, up.value, "User Property value", e);
        break;
      }
      case kMaximumPacketSize:
        four(out.maximum_packet_size);
        if (ok && *out.maximum_packet_size == 0) {
          ok = fail(e, ReasonCode::ProtocolError, "Maximum Packet Size 0");
        }
        break;
      case kWildcardSubscriptionAvailable:
        flag(out.wildcard_subscription_available);
        break;
      case kSubscriptionIdentifierAvailable:
        flag(out.subscription_identifier_available);
        break;
      case kSharedSubscriptionAvailable:
        flag(out.shared_subscription_available);
        break;
      default:
        ok = false;
        break;  // unreachable: filtered by the allow list
    }
    if (!ok) {
      if (e.message.empty()) {
        return fail(e, ReasonCode::MalformedPacket, std::string(name) + " overruns the properties");
      }
      return false;
    }
  }
  if (out.authentication_data && !out.authentication_method) {
    return fail(e, ReasonCode::ProtocolError, "Authentication Data without Authentication Method");
  }
  return true;
}

// Trailing bytes after the last field are a Malformed Packet.
bool at_end(const Reader& r, DecodeError& e) {
  if (!r.empty()) return fail(e, ReasonCode::MalformedPacket, "unexpected bytes at the end");
  return true;
}

bool read_packet_id(Reader& r, std::uint16_t& id, DecodeError& e) {
  if (!r.u16(id))
    return fail(e, ReasonCode::MalformedPacket, "packet identifier overruns the packet");
  if (id == 0) return fail(e, ReasonCode::ProtocolError, "packet identifier 0");
  return true;
}

bool check_flags(std::uint8_t flags, std::uint8_t expected, DecodeError& e) {
  if (flags != expected) {
    return fail(e, ReasonCode::MalformedPacket, "reserved bits of the fixed header are wrong");
  }
  return true;
}

// ---- Per-packet decoders ---------------------------------------------------------------------
bool decode_connect(Reader& r, std::uint8_t flags, const DecodeLimits& limits, Connect& c,
                    DecodeError& e) {
  if (!check_flags(flags, 0, e)) return false;
  std::string_view name;
  std::uint8_t level = 0;
  if (!r.view(name) || !r.byte(level)) {
    return fail(e, ReasonCode::MalformedPacket, "protocol name or level overruns the packet");
  }
  if (name == "MQTT") {
    if (level == 4) {
      c.version = ProtocolVersion::v311;
    } else if (level == 5) {
      c.version = ProtocolVersion::v5;
    } else {
      return fail(e, ReasonCode::UnsupportedProtocolVersion,
                  "unsupported protocol level " + std::to_string(level));
    }
  } else if (name == "MQIsdp") {
    if (level != 3) {
      return fail(e, ReasonCode::UnsupportedProtocolVersion,
                  "unsupported protocol level " + std::to_string(level) + " for MQIsdp");
    }
    c.version = ProtocolVersion::v31;
    if (!limits.allow_mqtt31) {
      e.version = ProtocolVersion::v31;
      return fail(e, ReasonCode::UnsupportedProtocolVersion, "MQTT 3.1 is disabled");
    }
  } else {
    return fail(e, ReasonCode::MalformedPacket, "unknown protocol name");
  }
  e.version = c.version;
  const bool v5 = c.version == ProtocolVersion::v5;

  std::uint8_t cf = 0;
  if (!r.byte(cf) || !r.u16(c.keep_alive)) {
    return fail(e, ReasonCode::MalformedPacket, "connect flags or keep alive overrun the packet");
  }
  if (cf & 0x01) return fail(e, ReasonCode::MalformedPacket, "reserved connect flag set");
  c.clean_start = (cf & 0x02) != 0;
  const bool will = (cf & 0x04) != 0;
  const std::uint8_t will_qos = (cf >> 3) & 0x03;
  const bool will_retain = (cf & 0x20) != 0;
  const bool has_password = (cf & 0x40) != 0;
  const bool has_username = (cf & 0x80) != 0;
  if (will_qos == 3) return fail(e, ReasonCode::MalformedPacket, "will QoS 3");
  if (!will && (will_qos != 0 || will_retain)) {
    return fail(e, ReasonCode::MalformedPacket, "will QoS or will retain without will flag");
  }
  if (!v5 && has_password && !has_username) {
    return fail(e, ReasonCode::MalformedPacket, "password flag without user name flag");
  }
  if (v5 && !read_properties(r, {kConnectProps, "CONNECT", false}, c.properties, e)) return false;
  if (!read_utf8(r, c.client_id, "client identifier", e)) return false;
  if (will) {
    Will& w = c.will.emplace();
    w.qos = will_qos;
    w.retain = will_retain;
    if (v5 && !read_properties(r, {kWillProps, "will properties", false}, w.properties, e)) {
      return false;
    }
    if (!read_utf8(r, w.topic, "will topic", e)) return false;
    if (!is_valid_topic_name(w.topic)) {
      return fail(e, v5 ? ReasonCode::TopicNameInvalid : ReasonCode::MalformedPacket,
                  "will topic is not a valid topic name");
    }
    if (!read_binary(r, w.payload, "will payload", e)) return false;
  }
  if (has_username && !read_utf8(r, c.username.emplace(), "user name", e)) return false;
  if (has_password) {
    // Some MQTT 3.1 clients set the password flag without sending one; Mosquitto tolerates it.
    if (!(c.version == ProtocolVersion::v31 && r.empty()) &&
        !read_binary(r, c.password.emplace(), "password", e)) {
      return false;
    }
  }
  return at_end(r, e);
}

bool decode_connack(Reader& r, std::uint8_t flags, bool v5, Connack& c, DecodeError& e) {
  if (!check_flags(flags, 0, e)) return false;
  std::uint8_t ack = 0;
  if (!r.byte(ack) || !r.byte(c.reason_code)) {
    return fail(e, ReasonCode::MalformedPacket,
                "acknowledge flags or reason code overrun the packet");
  }
  if (ack & 0xFE) return fail(e, ReasonCode::MalformedPacket, "reserved acknowledge flags set");
  c.session_present = (ack & 0x01) != 0;
  if (v5) {
    if (!kConnackCodes.has(c.reason_code)) {
      return fail(e, ReasonCode::ProtocolError, "invalid CONNACK reason code");
    }
    if (!read_properties(r, {kConnackProps, "CONNACK", false}, c.properties, e)) return false;
  } else if (c.reason_code > 5) {
    return fail(e, ReasonCode::ProtocolError, "invalid CONNACK return code");
  }
  if (c.session_present && c.reason_code != 0) {
    return fail(e, ReasonCode::ProtocolError, "session present with a failure reason code");
  }
  return at_end(r, e);
}

bool decode_publish(Reader& r, std::uint8_t flags, bool v5, Publish& p, DecodeError& e) {
  p.qos = (flags >> 1) & 0x03;
  p.retain = (flags & 0x01) != 0;
  p.dup = (flags & 0x08) != 0;
  if (p.qos == 3) return fail(e, ReasonCode::MalformedPacket, "QoS 3");
  if (p.dup && p.qos == 0)
    return fail(e, ReasonCode::MalformedPacket, "DUP set on a QoS 0 message");
  std::string_view topic;
  if (!r.view(topic)) return fail(e, ReasonCode::MalformedPacket, "topic name overruns the packet");
  if (!is_valid_mqtt_utf8(topic)) {
    return fail(e, ReasonCode::MalformedPacket, "topic name is not valid UTF-8");
  }
  if (topic.find_first_of("+#") != std::string_view::npos) {
    return fail(e, v5 ? ReasonCode::TopicNameInvalid : ReasonCode::MalformedPacket,
                "wildcard in topic name");
  }
  if (p.qos > 0 && !read_packet_id(r, p.packet_id, e)) return false;
  if (v5) {
    if (!read_properties(r, {kPublishProps, "PUBLISH", true}, p.properties, e)) return false;
    if (topic.empty() && !p.properties.topic_alias) {
      return fail(e, ReasonCode::ProtocolError, "empty topic name without a topic alias");
    }
  } else if (topic.empty()) {
    return fail(e, ReasonCode::MalformedPacket, "empty topic name");
  }
  p.topic.assign(topic);
  return r.rest(p.payload);
}

template <PacketType Type>
bool decode_ack(Reader& r, std::uint8_t flags, ProtocolVersion v, Acknowledgement<Type>& a,
                DecodeError& e) {
  constexpr bool kRel = Type == PacketType::Pubrel;
  if (!(kRel && v == ProtocolVersion::v31) && !check_flags(flags, kRel ? 0x02 : 0x00, e)) {
    return false;
  }
  if (!read_packet_id(r, a.packet_id, e)) return false;
  if (v == ProtocolVersion::v5 && !r.empty()) {
    r.byte(a.reason_code);
    constexpr bool kPubrelFamily = Type == PacketType::Pubrel || Type == PacketType::Pubcomp;
    if (!(kPubrelFamily ? kPubrelCodes : kPubackCodes).has(a.reason_code)) {
      return fail(e, ReasonCode::ProtocolError, "invalid reason code");
    }
    if (!r.empty() &&
        !read_properties(r, {kAckProps, packet_type_name(Type), false}, a.properties, e)) {
      return false;
    }
  }
  return at_end(r, e);
}

bool decode_subscribe(Reader& r, std::uint8_t flags, ProtocolVersion v, Subscribe& s,
                      DecodeError& e) {
  const bool v5 = v == ProtocolVersion::v5;
  if (v != ProtocolVersion::v31 && !check_flags(flags, 0x02, e)) return false;
  if (!read_packet_id(r, s.packet_id, e)) return false;
  if (v5 && !read_properties(r, {kSubscribeProps, "SUBSCRIBE", false}, s.properties, e))
    return false;
  while (!r.empty()) {
    auto& sub = s.subscriptions.emplace_back();
    // Only the UTF-8 rules are checked here: a filter with bad wildcard syntax is answered per
    // filter in the SUBACK (0x8F / 0x80) by the broker, not by closing the connection.
    if (!read_utf8(r, sub.filter, "topic filter", e)) return false;
    std::uint8_t o = 0;
    if (!r.byte(o))
      return fail(e, ReasonCode::MalformedPacket, "subscription options overrun the packet");
    if (o & (v5 ? 0xC0 : 0xFC)) {
      return fail(e, ReasonCode::MalformedPacket, "reserved subscription option bits set");
    }
    sub.options.max_qos = o & 0x03;
    if (sub.options.max_qos == 3) return fail(e, ReasonCode::MalformedPacket, "QoS 3");
    if (v5) {
      sub.options.no_local = (o & 0x04) != 0;
      sub.options.retain_as_published = (o & 0x08) != 0;
      sub.options.retain_handling = (o >> 4) & 0x03;
      if (sub.options.retain_handling == 3) {
        return fail(e, ReasonCode::ProtocolError, "retain handling 3");
      }
    }
  }
  if (s.subscriptions.empty()) {
    return fail(e, v5 ? ReasonCode::ProtocolError : ReasonCode::MalformedPacket,
                "no topic filters");
  }
  return true;
}

bool decode_suback(Reader& r, std::uint8_t flags, bool v5, Suback& s, DecodeError& e) {
  if (!check_flags(flags, 0, e) || !read_packet_id(r, s.packet_id, e)) return false;
  if (v5 && !read_properties(r, {kAckProps, "SUBACK", false}, s.properties, e)) return false;
  if (r.empty()) {
    return fail(e, v5 ? ReasonCode::ProtocolError : ReasonCode::MalformedPacket, "no reason codes");
  }
  s.reason_codes.assign(r.p, r.end);
  r.p = r.end;
  const CodeSet& valid = v5 ? kSubackCodes : kSuback3Codes;
  for (auto c : s.reason_codes) {
    if (!valid.has(c)) return fail(e, ReasonCode::ProtocolError, "invalid reason code");
  }
  return true;
}

bool decode_unsubscribe(Reader& r, std::uint8_t flags, ProtocolVersion v, Unsubscribe& u,
                        DecodeError& e) {
  const bool v5 = v == ProtocolVersion::v5;
  if (v != ProtocolVersion::v31 && !check_flags(flags, 0x02, e)) return false;
  if (!read_packet_id(r, u.packet_id, e)) return false;
  if (v5 && !read_properties(r, {kUnsubscribeProps, "UNSUBSCRIBE", false}, u.properties, e)) {
    return false;
  }
  while (!r.empty()) {
    if (!read_utf8(r, u.filters.emplace_back(), "topic filter", e)) return false;
  }
  if (u.filters.empty()) {
    return fail(e, v5 ? ReasonCode::ProtocolError : ReasonCode::MalformedPacket,
                "no topic filters");
  }
  return true;
}

bool decode_unsuback(Reader& r, std::uint8_t flags, bool v5, Unsuback& u, DecodeError& e) {
  if (!check_flags(flags, 0, e) || !read_packet_id(r, u.packet_id, e)) return false;
  if (!v5) return at_end(r, e);
  if (!read_properties(r, {kAckProps, "UNSUBACK", false}, u.properties, e)) return false;
  if (r.empty()) return fail(e, ReasonCode::ProtocolError, "no reason codes");
  u.reason_codes.assign(r.p, r.end);
  r.p = r.end;
  for (auto c : u.reason_codes) {
    if (!kUnsubackCodes.has(c)) return fail(e, ReasonCode::ProtocolError, "invalid reason code");
  }
  return true;
}

bool decode_disconnect(Reader& r, std::uint8_t flags, bool v5, Disconnect& d, DecodeError& e) {
  if (!check_flags(flags, 0, e)) return false;
  if (v5 && !r.empty()) {
    r.byte(d.reason_code);
    if (!kDisconnectCodes.has(d.reason_code)) {
      return fail(e, ReasonCode::ProtocolError, "invalid reason code");
    }
    if (!r.empty() &&
        !read_properties(r, {kDisconnectProps, "DISCONNECT", false}, d.properties, e)) {
      return false;
    }
  }
  return at_end(r, e);
}

bool decode_auth(Reader& r, std::uint8_t flags, bool v5, Auth& a, DecodeError& e) {
  if (!v5) return fail(e, ReasonCode::MalformedPacket, "AUTH is reserved before MQTT 5");
  if (!check_flags(flags, 0, e)) return false;
  if (r.empty()) return true;
  // Only the Remaining Length 0 short form exists for AUTH (spec 3.15.2.1).
  r.byte(a.reason_code);
  if (!kAuthCodes.has(a.reason_code))
    return fail(e, ReasonCode::ProtocolError, "invalid reason code");
  if (!read_properties(r, {kAuthProps, "AUTH", false}, a.properties, e)) return false;
  return at_end(r, e);
}

// ---- Writing ---------------------------------------------------------------------------------
// Every encoder is written once against a sink: Counter measures, Writer stores. The packet is
// measured first so the output grows exactly once and the fixed header can be written up front.
struct Counter {
  std::size_t n = 0;
  void byte(std::uint8_t) { ++n; }
  void u16(std::uint16_t) { n += 2; }
  void u32(std::uint32_t) { n += 4; }
  void vbi(std::uint32_t v) { n += variable_byte_integer_size(v); }
  void raw(std::string_view s) { n += s.size(); }
  void raw(const std::uint8_t*, std::size_t k) { n += k; }
  void str(std::string_view s) { n += 2 + s.size(); }
};

struct Writer {
  std::uint8_t* p;
  void byte(std::uint8_t v) { *p++ = v; }
  void u16(std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
    p += 2;
  }
  void u32(std::uint32_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
    p += 4;
  }
  void vbi(std::uint32_t v) {
    assert(v <= kMaxVariableByteInteger);
    do {
      std::uint8_t b = v & 0x7F;
      v >>= 7;
      if (v) b |= 0x80;
      *p++ = b;
    } while (v);
  }
  void raw(std::string_view s) {
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    p += s.size();
  }
  void raw(const std::uint8_t* d, std::size_t k) {
    if (k) std::memcpy(p, d, k);
    p += k;
  }
  void str(std::string_view s) {
    assert(s.size() <= kMaxStringLength);
    u16(static_cast<std::uint16_t>(s.size()));
    raw(s);
  }
};

inline bool allowed(std::uint64_t mask, std::uint8_t id) {
  return (mask >> id) & 1;
}

// The shared part of PUBLISH properties, in the order encode_shared_publish_properties uses.
template <class S>
void put_shared_publish_properties(S& s, const Properties& p) {
  if (p.payload_format_indicator) {
    s.byte(kPayloadFormatIndicator);
    s.byte(*p.payload_format_indicator);
  }
  if (p.content_type) {
    s.byte(kContentType);
    s.str(*p.content_type);
  }
  if (p.response_topic) {
    s.byte(kResponseTopic);
    s.str(*p.response_topic);
  }
  if (p.correlation_data) {
    s.byte(kCorrelationData);
    s.str(*p.correlation_data);
  }
  for (const auto& up : p.user_properties) {
    s.byte(kUserProperty);
    s.str(up.key);
    s.str(up.value);
  }
}

// Per-recipient PUBLISH properties, written by the head before the shared ones.
template <class S>
void put_recipient_publish_properties(S& s, std::optional<std::uint32_t> expiry,
                                      std::optional<std::uint16_t> alias,
                                      std::span<const std::uint32_t> sub_ids) {
  if (expiry) {
    s.byte(kMessageExpiryInterval);
    s.u32(*expiry);
  }
  if (alias) {
    s.byte(kTopicAlias);
    s.u16(*alias);
  }
  for (auto id : sub_ids) {
    s.byte(kSubscriptionIdentifier);
    s.vbi(id);
  }
}

// All properties allowed by `mask`, in identifier order (user properties last).
template <class S>
void put_properties(S& s, const Properties& p, std::uint64_t mask) {
  auto b = [&](std::uint8_t id, const std::optional<std::uint8_t>& v) {
    if (v && allowed(mask, id)) {
      s.byte(id);
      s.byte(*v);
    }
  };
  auto two = [&](std::uint8_t id, const std::optional<std::uint16_t>& v) {
    if (v && allowed(mask, id)) {
      s.byte(id);
      s.u16(*v);
    }
  };
  auto four = [&](std::uint8_t id, const std::optional<std::uint32_t>& v) {
    if (v && allowed(mask, id)) {
      s.byte(id);
      s.u32(*v);
    }
  };
  auto text = [&](std::uint8_t id, const std::optional<std::string>& v) {
    if (v && allowed(mask, id)) {
      s.byte(id);
      s.str(*v);
    }
  };
  b(kPayloadFormatIndicator, p.payload_format_indicator);
  four(kMessageExpiryInterval, p.message_expiry_interval);
  text(kContentType, p.content_type);
  text(kResponseTopic, p.response_topic);
  text(kCorrelationData, p.correlation_data);
  if (allowed(mask, kSubscriptionIdentifier)) {
    for (auto id : p.subscription_identifiers) {
      s.byte(kSubscriptionIdentifier);
      s.vbi(id);
    }
  }
  four(kSessionExpiryInterval, p.session_expiry_interval);
  text(kAssignedClientIdentifier, p.assigned_client_identifier);
  two(kServerKeepAlive, p.server_keep_alive);
  text(kAuthenticationMethod, p.authentication_method);
  text(kAuthenticationData, p.authentication_data);
  b(kRequestProblemInformation, p.request_problem_information);
  four(kWillDelayInterval, p.will_delay_interval);
  b(kRequestResponseInformation, p.request_response_information);
  text(kResponseInformation, p.response_information);
  text(kServerReference, p.server_reference);
  text(kReasonString, p.reason_string);
  two(kReceiveMaximum, p.receive_maximum);
  two(kTopicAliasMaximum, p.topic_alias_maximum);
  two(kTopicAlias, p.topic_alias);
  b(kMaximumQos, p.maximum_qos);
  b(kRetainAvailable, p.retain_available);
  four(kMaximumPacketSize, p.maximum_packet_size);
  b(kWildcardSubscriptionAvailable, p.wildcard_subscription_available);
  b(kSubscriptionIdentifierAvailable, p.subscription_identifier_available);
  b(kSharedSubscriptionAvailable, p.shared_subscription_available);
  if (allowed(mask, kUserProperty)) {
    for (const auto& up : p.user_properties) {
      s.byte(kUserProperty);
      s.str(up.key);
      s.str(up.value);
    }
  }
}

std::size_t properties_size(const Properties& p, std::uint64_t mask) {
  Counter c;
  put_properties(c, p, mask);
  return c.n;
}

// Property length followed by the properties.
template <class S>
void put_property_block(S& s, const Properties& p, std::uint64_t mask) {
  const std::size_t n = properties_size(p, mask);
  s.vbi(static_cast<std::uint32_t>(n));
  if constexpr (std::is_same_v<S, Counter>) {
    s.n += n;
  } else {
    put_properties(s, p, mask);
  }
}

struct Body {
  ProtocolVersion v;
  bool v5() const { return v == ProtocolVersion::v5; }

  template <class S>
  void operator()(S& s, const Connect& c) const {
    const bool c5 = c.version == ProtocolVersion::v5;
    s.str(c.version == ProtocolVersion::v31 ? "MQIsdp" : "MQTT");
    s.byte(static_cast<std::uint8_t>(c.version));
    std::uint8_t flags = 0;
    if (c.clean_start) flags |= 0x02;
    if (c.will) {
      flags |= 0x04;
      flags |= static_cast<std::uint8_t>((c.will->qos & 0x03) << 3);
      if (c.will->retain) flags |= 0x20;
    }
    if (c.password) flags |= 0x40;
    if (c.username) flags |= 0x80;
    s.byte(flags);
    s.u16(c.keep_alive);
    if (c5) put_property_block(s, c.properties, kConnectProps);
    s.str(c.client_id);
    if (c.will) {
      if (c5) put_property_block(s, c.will->properties, kWillProps);
      s.str(c.will->topic);
      s.str(c.will->payload);
    }
    if (c.username) s.str(*c.username);
    if (c.password) s.str(*c.password);
  }

  template <class S>
  void operator()(S& s, const Connack& c) const {
    s.byte(c.session_present ? 1 : 0);
    s.byte(c.reason_code);
    if (v5()) put_property_block(s, c.properties, kConnackProps);
  }

  template <class S>
  void operator()(S& s, const Publish& p) const {
    s.str(p.topic);
    if (p.qos > 0) s.u16(p.packet_id);
    if (v5()) {
      const auto& pr = p.properties;
      Counter c;
      put_recipient_publish_properties(c, pr.message_expiry_interval, pr.topic_alias,
                                       pr.subscription_identifiers);
      put_shared_publish_properties(c, pr);
      s.vbi(static_cast<std::uint32_t>(c.n));
      put_recipient_publish_properties(s, pr.message_expiry_interval, pr.topic_alias,
                                       pr.subscription_identifiers);
      put_shared_publish_properties(s, pr);
    }
    s.raw(p.payload);
  }

  template <class S, PacketType T>
  void operator()(S& s, const Acknowledgement<T>& a) const {
    s.u16(a.packet_id);
    if (!v5()) return;
    const std::size_t n = properties_size(a.properties, kAckProps);
    if (n == 0 && a.reason_code == 0) return;  // spec 3.4.2.1: both may be omitted
    s.byte(a.reason_code);
    if (n == 0) return;  // spec 3.4.2.2.1: Remaining Length < 4 means no properties
    s.vbi(static_cast<std::uint32_t>(n));
    put_properties(s, a.properties, kAckProps);
  }

  template <class S>
  void operator()(S& s, const Subscribe& sub) const {
    s.u16(sub.packet_id);
    if (v5()) put_property_block(s, sub.properties, kSubscribeProps);
    for (const auto& t : sub.subscriptions) {
      s.str(t.filter);
      std::uint8_t o = t.options.max_qos & 0x03;
      if (v5()) {
        if (t.options.no_local) o |= 0x04;
        if (t.options.retain_as_published) o |= 0x08;
        o |= static_cast<std::uint8_t>((t.options.retain_handling & 0x03) << 4);
      }
      s.byte(o);
    }
  }

  template <class S>
  void operator()(S& s, const Suback& a) const {
    s.u16(a.packet_id);
    if (v5()) put_property_block(s, a.properties, kAckProps);
    s.raw(a.reason_codes.data(), a.reason_codes.size());
  }

  template <class S>
  void operator()(S& s, const Unsubscribe& u) const {
    s.u16(u.packet_id);
    if (v5()) put_property_block(s, u.properties, kUnsubscribeProps);
    for (const auto& f : u.filters) s.str(f);
  }

  template <class S>
  void operator()(S& s, const Unsuback& a) const {
    s.u16(a.packet_id);
    if (!v5()) return;
    put_property_block(s, a.properties, kAckProps);
    s.raw(a.reason_codes.data(), a.reason_codes.size());
  }

  template <class S>
  void operator()(S&, const Pingreq&) const {}
  template <class S>
  void operator()(S&, const Pingresp&) const {}

  template <class S>
  void operator()(S& s, const Disconnect& d) const {
    if (!v5()) return;
    const std::size_t n = properties_size(d.properties, kDisconnectProps);
    if (n == 0 && d.reason_code == 0) return;  // spec 3.14.2.1
    s.byte(d.reason_code);
    if (n == 0) return;  // spec 3.14.2.2.1: Remaining Length < 2 means no properties
    s.vbi(static_cast<std::uint32_t>(n));
    put_properties(s, d.properties, kDisconnectProps);
  }

  template <class S>
  void operator()(S& s, const Auth& a) const {
    const std::size_t n = properties_size(a.properties, kAuthProps);
    if (n == 0 && a.reason_code == 0) return;  // spec 3.15.2.1
    s.byte(a.reason_code);
    s.vbi(static_cast<std::uint32_t>(n));
    put_properties(s, a.properties, kAuthProps);
  }
};

std::uint8_t first_byte(const Packet& p) {
  const auto type = static_cast<std::uint8_t>(packet_type(p));
  std::uint8_t flags = 0;
  if (const auto* pub = std::get_if<Publish>(&p)) {
    flags = static_cast<std::uint8_t>((pub->dup ? 0x08 : 0) | ((pub->qos & 0x03) << 1) |
                                      (pub->retain ? 0x01 : 0));
  } else if (type == 6 || type == 8 || type == 10) {  // PUBREL, SUBSCRIBE, UNSUBSCRIBE
    flags = 0x02;
  }
  return static_cast<std::uint8_t>(type << 4 | flags);
}

}  // namespace

// ---- Public API ------------------------------------------------------------------------------

std::size_t variable_byte_integer_size(std::uint32_t value) {
  return value < 128 ? 1 : value < 16'384 ? 2 : value < 2'097'152 ? 3 : 4;
}

void encode_variable_byte_integer(std::uint32_t value, std::vector<std::uint8_t>& out) {
  assert(value <= kMaxVariableByteInteger);
  do {
    std::uint8_t b = value & 0x7F;
    value >>= 7;
    if (value) b |= 0x80;
    out.push_back(b);
  } while (value);
}

FrameProbe probe_frame(std::span<const std::uint8_t> buf) {
  FrameProbe probe;
  if (buf.empty()) return probe;
  if ((buf[0] >> 4) == 0) {
    probe.status = FrameStatus::Malformed;
    return probe;
  }
  std::uint32_t value = 0;
  for (std::size_t i = 1; i <= 4; ++i) {
    if (i >= buf.size()) return probe;  // NeedMore
    const std::uint8_t b = buf[i];
    value |= std::uint32_t{b & 0x7Fu} << (7 * (i - 1));
    if ((b & 0x80) == 0) {
      // Remaining length must use the minimum number of bytes (spec 1.5.5).
      if (i > 1 && b == 0) break;
      probe.header.first_byte = buf[0];
      probe.header.remaining_length = value;
      probe.header.header_length = static_cast<std::uint8_t>(i + 1);
      probe.status =
          buf.size() >= probe.header.total_length() ? FrameStatus::Complete : FrameStatus::NeedMore;
      return probe;
    }
  }
  probe.status = FrameStatus::Malformed;
  return probe;
}

Result<Packet> decode(std::span<const std::uint8_t> frame, ProtocolVersion version,
                      const DecodeLimits& limits) {
  DecodeError e;
  const FrameProbe probe = probe_frame(frame);
  if (probe.status != FrameStatus::Complete || probe.header.total_length() != frame.size()) {
    e.message = "frame length does not match the remaining length";
    return e;
  }
  Reader r{frame.data() + probe.header.header_length, frame.data() + frame.size()};
  const std::uint8_t flags = probe.header.flags();
  const bool v5 = version == ProtocolVersion::v5;
  const PacketType type = probe.header.type();
  bool ok = false;
  Packet packet;
  switch (type) {
    case PacketType::Connect:
      ok = decode_connect(r, flags, limits, packet.emplace<Connect>(), e);
      break;
    case PacketType::Connack:
      ok = decode_connack(r, flags, v5, packet.emplace<Connack>(), e);
      break;
    case PacketType::Publish:
      ok = decode_publish(r, flags, v5, packet.emplace<Publish>(), e);
      break;
    case PacketType::Puback:
      ok = decode_ack(r, flags, version, packet.emplace<Puback>(), e);
      break;
    case PacketType::Pubrec:
      ok = decode_ack(r, flags, version, packet.emplace<Pubrec>(), e);
      break;
    case PacketType::Pubrel:
      ok = decode_ack(r, flags, version, packet.emplace<Pubrel>(), e);
      break;
    case PacketType::Pubcomp:
      ok = decode_ack(r, flags, version, packet.emplace<Pubcomp>(), e);
      break;
    case PacketType::Subscribe:
      ok = decode_subscribe(r, flags, version, packet.emplace<Subscribe>(), e);
      break;
    case PacketType::Suback:
      ok = decode_suback(r, flags, v5, packet.emplace<Suback>(), e);
      break;
    case PacketType::Unsubscribe:
      ok = decode_unsubscribe(r, flags, version, packet.emplace<Unsubscribe>(), e);
      break;
    case PacketType::Unsuback:
      ok = decode_unsuback(r, flags, v5, packet.emplace<Unsuback>(), e);
      break;
    case PacketType::Pingreq:
      packet.emplace<Pingreq>();
      ok = check_flags(flags, 0, e) && at_end(r, e);
      break;
    case PacketType::Pingresp:
      packet.emplace<Pingresp>();
      ok = check_flags(flags, 0, e) && at_end(r, e);
      break;
    case PacketType::Disconnect:
      ok = decode_disconnect(r, flags, v5, packet.emplace<Disconnect>(), e);
      break;
    case PacketType::Auth:
      ok = decode_auth(r, flags, v5, packet.emplace<Auth>(), e);
      break;
    default:
      fail(e, ReasonCode::MalformedPacket, "reserved packet type 0");
      break;
  }
  if (!ok) {
    e.message = std::string(packet_type_name(type)) + ": " + e.message;
    return e;
  }
  return packet;
}

void encode(const Packet& p, ProtocolVersion version, std::vector<std::uint8_t>& out) {
  const Body body{version};
  if (version != ProtocolVersion::v5 && std::holds_alternative<Auth>(p)) return;
  std::visit(
      [&](const auto& pkt) {
        Counter c;
        body(c, pkt);
        assert(c.n <= kMaxVariableByteInteger);
        const auto remaining = static_cast<std::uint32_t>(c.n);
        const std::size_t old = out.size();
        out.resize(old + 1 + variable_byte_integer_size(remaining) + remaining);
        Writer w{out.data() + old};
        w.byte(first_byte(p));
        w.vbi(remaining);
        body(w, pkt);
        assert(w.p == out.data() + out.size());
      },
      p);
}

std::vector<std::uint8_t> encode(const Packet& p, ProtocolVersion version) {
  std::vector<std::uint8_t> out;
  encode(p, version, out);
  return out;
}

std::string encode_shared_publish_properties(const Properties& props) {
  Counter c;
  put_shared_publish_properties(c, props);
  std::string out(c.n, '\0');
  Writer w{reinterpret_cast<std::uint8_t*>(out.data())};
  put_shared_publish_properties(w, props);
  return out;
}

namespace {
struct HeadLayout {
  std::size_t properties = 0;  // property length value (v5)
  std::size_t remaining = 0;
};

HeadLayout layout(const PublishHead& h) {
  HeadLayout l;
  l.remaining = 2 + h.topic.size() + (h.qos > 0 ? 2 : 0) + h.payload_length;
  if (h.version == ProtocolVersion::v5) {
    Counter c;
    put_recipient_publish_properties(c, h.message_expiry_interval, h.topic_alias,
                                     h.subscription_identifiers);
    l.properties = c.n + h.shared_properties_length;
    l.remaining +=
        variable_byte_integer_size(static_cast<std::uint32_t>(l.properties)) + l.properties;
  }
  return l;
}
}  // namespace

void encode_publish_head(const PublishHead& h, std::vector<std::uint8_t>& out) {
  const HeadLayout l = layout(h);
  assert(l.remaining <= kMaxVariableByteInteger);
  const auto remaining = static_cast<std::uint32_t>(l.remaining);
  const bool v5 = h.version == ProtocolVersion::v5;
  const std::size_t tail = h.payload_length + (v5 ? h.shared_properties_length : 0);
  const std::size_t head_size = 1 + variable_byte_integer_size(remaining) + l.remaining - tail;
  const std::size_t old = out.size();
  out.resize(old + head_size);
  Writer w{out.data() + old};
  w.byte(static_cast<std::uint8_t>(0x30 | (h.dup ? 0x08 : 0) | ((h.qos & 0x03) << 1) |
                                   (h.retain ? 0x01 : 0)));
  w.vbi(remaining);
  w.str(h.topic);
  if (h.qos > 0) w.u16(h.packet_id);
  if (v5) {
    w.vbi(static_cast<std::uint32_t>(l.properties));
    put_recipient_publish_properties(w, h.message_expiry_interval, h.topic_alias,
                                     h.subscription_identifiers);
  }
  assert(w.p == out.data() + out.size());
}

std::size_t publish_wire_size(const PublishHead& h) {
  const HeadLayout l = layout(h);
  return 1 + variable_byte_integer_size(static_cast<std::uint32_t>(l.remaining)) + l.remaining;
}

}  // namespace accord::mqtt
