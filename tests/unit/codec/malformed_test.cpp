// Hand-written byte vectors for the malformed-packet and protocol-error rules of 3.1.1 and 5.0.
#include <gtest/gtest.h>

#include "broker/codec/codec.hpp"
#include "test_util.hpp"

namespace accord::mqtt {
namespace {

using testing::Bytes;
using testing::cat;
using testing::frame;
using testing::hex;
using testing::mqtt_str;
using testing::to_hex;

constexpr auto v31 = ProtocolVersion::v31;
constexpr auto v311 = ProtocolVersion::v311;
constexpr auto v5 = ProtocolVersion::v5;

// CONNECT with the given protocol name/level/flags, keep alive 60, then `rest`.
Bytes connect(std::string_view name, std::uint8_t level, std::uint8_t flags, const Bytes& rest) {
  return frame(0x10, cat({mqtt_str(name), Bytes{level, flags, 0x00, 0x3C}, rest}));
}
Bytes connect311(std::uint8_t flags, const Bytes& payload) {
  return connect("MQTT", 4, flags, payload);
}
// frame(0, x) puts a 0 first byte + VBI length before x; strip the zero to get a property block.
Bytes block(const Bytes& props) {
  Bytes b = frame(0, props);
  b.erase(b.begin());
  return b;
}
Bytes connect5p(std::uint8_t flags, const Bytes& props, const Bytes& payload) {
  return connect("MQTT", 5, flags, cat({block(props), payload}));
}

struct Bad {
  const char* name;
  ProtocolVersion version;
  Bytes bytes;
  ReasonCode reason;
};

void check(const std::vector<Bad>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.name) + " | " + to_hex(c.bytes));
    auto r = decode(c.bytes, c.version);
    ASSERT_FALSE(r) << "decoded although it should not";
    EXPECT_EQ(static_cast<int>(r.error().reason), static_cast<int>(c.reason)) << r.error().message;
    EXPECT_FALSE(r.error().message.empty());
  }
}

const Bytes kClientC = mqtt_str("c");

TEST(Malformed, FixedHeader) {
  check({
      {"packet type 0", v311, hex("00 00"), ReasonCode::MalformedPacket},
      {"frame shorter than remaining length", v311, hex("C0 01"), ReasonCode::MalformedPacket},
      {"frame longer than remaining length", v311, hex("C0 00 00"), ReasonCode::MalformedPacket},
      {"non-minimal remaining length", v311, hex("C0 80 00"), ReasonCode::MalformedPacket},
      {"5-byte remaining length", v5, hex("30 FF FF FF FF 7F"), ReasonCode::MalformedPacket},
      {"PINGREQ flags", v311, hex("C1 00"), ReasonCode::MalformedPacket},
      {"PINGREQ body", v311, hex("C0 01 00"), ReasonCode::MalformedPacket},
      {"PINGRESP body", v5, hex("D0 01 00"), ReasonCode::MalformedPacket},
      {"PUBACK flags", v311, hex("41 02 00 01"), ReasonCode::MalformedPacket},
      {"PUBREC flags", v5, hex("58 02 00 01"), ReasonCode::MalformedPacket},
      {"PUBREL flags 0 (3.1.1)", v311, hex("60 02 00 01"), ReasonCode::MalformedPacket},
      {"PUBREL flags 0 (5)", v5, hex("60 02 00 01"), ReasonCode::MalformedPacket},
      {"PUBCOMP flags", v5, hex("72 02 00 01"), ReasonCode::MalformedPacket},
      {"SUBSCRIBE flags 0", v311, hex("80 06 00 01 00 01 61 00"), ReasonCode::MalformedPacket},
      {"SUBSCRIBE flags 3", v5, hex("83 07 00 01 00 00 01 61 00"), ReasonCode::MalformedPacket},
      {"UNSUBSCRIBE flags 0", v311, hex("A0 05 00 01 00 01 61"), ReasonCode::MalformedPacket},
      {"SUBACK flags", v311, hex("92 03 00 01 00"), ReasonCode::MalformedPacket},
      {"UNSUBACK flags", v311, hex("B2 02 00 01"), ReasonCode::MalformedPacket},
      {"CONNACK flags", v311, hex("21 02 00 00"), ReasonCode::MalformedPacket},
      {"DISCONNECT flags", v5, hex("E1 00"), ReasonCode::MalformedPacket},
      {"AUTH flags", v5, hex("F1 00"), ReasonCode::MalformedPacket},
      {"AUTH before MQTT 5", v311, hex("F0 00"), ReasonCode::MalformedPacket},
      {"CONNECT flags", v311, hex("11 0D 00 04 4D 51 54 54 04 02 00 3C 00 01 63"),
       ReasonCode::MalformedPacket},
  });
}

TEST(Malformed, Mqtt31IsLenientAboutQos1FlagPackets) {
  // MQTT 3.1 clients may send PUBREL/SUBSCRIBE/UNSUBSCRIBE without the 0b0010 flags.
  EXPECT_TRUE(decode(hex("60 02 00 01"), v31));
  EXPECT_TRUE(decode(hex("80 06 00 01 00 01 61 00"), v31));
  EXPECT_TRUE(decode(hex("A0 05 00 01 00 01 61"), v31));
  EXPECT_FALSE(decode(hex("41 02 00 01"), v31));
}

TEST(Malformed, Publish) {
  check({
      {"QoS 3", v311, frame(0x36, "00 01 61 00 01"), ReasonCode::MalformedPacket},
      {"QoS 3 (5)", v5, frame(0x36, "00 01 61 00 01 00"), ReasonCode::MalformedPacket},
      {"DUP on QoS 0", v311, frame(0x38, "00 01 61"), ReasonCode::MalformedPacket},
      {"DUP on QoS 0 (5)", v5, frame(0x38, "00 01 61 00"), ReasonCode::MalformedPacket},
      {"packet id 0", v311, frame(0x32, "00 01 61 00 00"), ReasonCode::ProtocolError},
      {"packet id 0 (5)", v5, frame(0x34, "00 01 61 00 00 00"), ReasonCode::ProtocolError},
      {"packet id missing", v311, frame(0x32, "00 01 61 00"), ReasonCode::MalformedPacket},
      {"topic overruns", v311, frame(0x30, "00 05 61"), ReasonCode::MalformedPacket},
      {"topic length cut", v311, frame(0x30, "00"), ReasonCode::MalformedPacket},
      {"topic not UTF-8 (overlong NUL)", v311, frame(0x30, "00 02 C0 80"),
       ReasonCode::MalformedPacket},
      {"topic with U+0000", v5, frame(0x30, "00 03 61 00 62 00"), ReasonCode::MalformedPacket},
      {"topic with '#' (3.1.1)", v311, frame(0x30, "00 03 61 2F 23"), ReasonCode::MalformedPacket},
      {"topic with '+' (5)", v5, frame(0x30, "00 03 61 2F 2B 00"), ReasonCode::TopicNameInvalid},
      {"empty topic (3.1.1)", v311, frame(0x30, "00 00 78"), ReasonCode::MalformedPacket},
      {"empty topic without alias (5)", v5, frame(0x30, "00 00 00 78"), ReasonCode::ProtocolError},
      {"missing property length (5)", v5, frame(0x30, "00 01 61"), ReasonCode::MalformedPacket},
      {"property length overruns (5)", v5, frame(0x30, "00 01 61 05 01 01"),
       ReasonCode::MalformedPacket},
      {"topic alias 0", v5, frame(0x30, "00 01 61 03 23 00 00"), ReasonCode::TopicAliasInvalid},
      {"duplicate topic alias", v5, frame(0x30, "00 01 61 06 23 00 01 23 00 02"),
       ReasonCode::ProtocolError},
      {"duplicate message expiry", v5, frame(0x30, "00 01 61 0A 02 00 00 00 01 02 00 00 00 02"),
       ReasonCode::ProtocolError},
      {"payload format 2", v5, frame(0x30, "00 01 61 02 01 02"), ReasonCode::ProtocolError},
      {"subscription identifier 0", v5, frame(0x30, "00 01 61 02 0B 00"),
       ReasonCode::ProtocolError},
      {"subscription identifier 5 bytes", v5, frame(0x30, "00 01 61 06 0B FF FF FF FF 01"),
       ReasonCode::MalformedPacket},
      {"subscription identifier non-minimal", v5, frame(0x30, "00 01 61 03 0B 81 00"),
       ReasonCode::MalformedPacket},
      {"reason string not allowed in PUBLISH", v5, frame(0x30, "00 01 61 04 1F 00 01 78"),
       ReasonCode::MalformedPacket},
      {"session expiry not allowed in PUBLISH", v5, frame(0x30, "00 01 61 05 11 00 00 00 01"),
       ReasonCode::MalformedPacket},
      {"unknown property 0x7F", v5, frame(0x30, "00 01 61 02 7F 00"), ReasonCode::MalformedPacket},
      {"unknown property 0x00", v5, frame(0x30, "00 01 61 02 00 00"), ReasonCode::MalformedPacket},
      {"property value cut", v5, frame(0x30, "00 01 61 02 02 00"), ReasonCode::MalformedPacket},
      {"user property value missing", v5, frame(0x30, "00 01 61 04 26 00 01 6B"),
       ReasonCode::MalformedPacket},
      {"user property not UTF-8", v5, frame(0x30, "00 01 61 07 26 00 01 6B 00 01 FF"),
       ReasonCode::MalformedPacket},
      {"content type with surrogate", v5, frame(0x30, "00 01 61 06 03 00 03 ED A0 80"),
       ReasonCode::MalformedPacket},
      {"response topic with wildcard", v5, frame(0x30, "00 01 61 04 08 00 01 23"),
       ReasonCode::ProtocolError},
  });
}

TEST(Malformed, PublishEdgeCasesThatAreValid) {
  // Empty topic with a topic alias (MQTT 5).
  auto r = decode(frame(0x30, "00 00 03 23 00 07 78"), v5);
  ASSERT_TRUE(r) << r.error().message;
  const auto& p = std::get<Publish>(*r);
  EXPECT_EQ(p.topic, "");
  EXPECT_EQ(p.properties.topic_alias, 7);
  EXPECT_EQ(p.payload, "x");
  // Several subscription identifiers and user properties in PUBLISH are fine.
  auto r2 = decode(frame(0x30, "00 01 61 09 0B 01 0B 7F 26 00 00 00 00 68 69"), v5);
  ASSERT_TRUE(r2) << r2.error().message;
  const auto& p2 = std::get<Publish>(*r2);
  EXPECT_EQ(p2.properties.subscription_identifiers, (std::vector<std::uint32_t>{1, 127}));
  ASSERT_EQ(p2.properties.user_properties.size(), 1u);
  EXPECT_EQ(p2.payload, "hi");
  // An empty payload, and a zero-length property block.
  auto r3 = decode(frame(0x32, "00 01 61 12 34"), v311);
  ASSERT_TRUE(r3);
  EXPECT_EQ(std::get<Publish>(*r3).packet_id, 0x1234);
  EXPECT_EQ(std::get<Publish>(*r3).payload, "");
  // "$SYS" and multi-byte UTF-8 topics.
  auto r4 = decode(frame(0x30, "00 08 24 53 59 53 2F E2 82 AC"), v311);
  ASSERT_TRUE(r4) << r4.error().message;
  EXPECT_EQ(std::get<Publish>(*r4).topic, "$SYS/\xE2\x82\xAC");
}

TEST(Malformed, Acknowledgements) {
  check({
      {"PUBACK packet id 0", v311, hex("40 02 00 00"), ReasonCode::ProtocolError},
      {"PUBCOMP packet id 0 (5)", v5, hex("70 02 00 00"), ReasonCode::ProtocolError},
      {"PUBACK cut", v311, hex("40 01 00"), ReasonCode::MalformedPacket},
      {"PUBACK reason byte in 3.1.1", v311, hex("40 03 00 01 00"), ReasonCode::MalformedPacket},
      {"PUBACK invalid reason", v5, hex("40 03 00 01 05"), ReasonCode::ProtocolError},
      {"PUBREL reason valid only for PUBACK", v5, hex("62 03 00 01 10"), ReasonCode::ProtocolError},
      {"PUBACK property length overruns", v5, hex("40 05 00 01 00 05 1F"),
       ReasonCode::MalformedPacket},
      {"PUBACK property length non-minimal", v5, hex("40 05 00 01 00 80 00"),
       ReasonCode::MalformedPacket},
      {"PUBACK trailing byte after properties", v5, hex("40 05 00 01 00 00 00"),
       ReasonCode::MalformedPacket},
      {"PUBACK topic alias not allowed", v5, hex("40 07 00 01 00 03 23 00 01"),
       ReasonCode::MalformedPacket},
      {"PUBREC duplicate reason string", v5, hex("50 0C 00 01 80 08 1F 00 01 61 1F 00 01 62"),
       ReasonCode::ProtocolError},
      {"SUBACK packet id 0", v311, hex("90 03 00 00 00"), ReasonCode::ProtocolError},
      {"SUBACK without codes (3.1.1)", v311, hex("90 02 00 01"), ReasonCode::MalformedPacket},
      {"SUBACK without codes (5)", v5, hex("90 03 00 01 00"), ReasonCode::ProtocolError},
      {"SUBACK code 3", v311, hex("90 03 00 01 03"), ReasonCode::ProtocolError},
      {"SUBACK MQTT 5 code in 3.1.1", v311, hex("90 03 00 01 8F"), ReasonCode::ProtocolError},
      {"SUBACK invalid code (5)", v5, hex("90 04 00 01 00 84"), ReasonCode::ProtocolError},
      {"UNSUBACK trailing (3.1.1)", v311, hex("B0 03 00 01 00"), ReasonCode::MalformedPacket},
      {"UNSUBACK without codes (5)", v5, hex("B0 03 00 01 00"), ReasonCode::ProtocolError},
      {"UNSUBACK invalid code (5)", v5, hex("B0 04 00 01 00 01"), ReasonCode::ProtocolError},
      {"CONNACK reserved ack flags", v311, hex("20 02 02 00"), ReasonCode::MalformedPacket},
      {"CONNACK session present with failure", v311, hex("20 02 01 05"), ReasonCode::ProtocolError},
      {"CONNACK return code 6", v311, hex("20 02 00 06"), ReasonCode::ProtocolError},
      {"CONNACK trailing (3.1.1)", v311, hex("20 03 00 00 00"), ReasonCode::MalformedPacket},
      {"CONNACK cut", v311, hex("20 01 00"), ReasonCode::MalformedPacket},
      {"CONNACK without properties (5)", v5, hex("20 02 00 00"), ReasonCode::MalformedPacket},
      {"CONNACK invalid reason (5)", v5, hex("20 03 00 01 00"), ReasonCode::ProtocolError},
      {"CONNACK maximum QoS 2 (5)", v5, hex("20 05 00 00 02 24 02"), ReasonCode::ProtocolError},
      {"CONNACK receive maximum 0 (5)", v5, hex("20 06 00 00 03 21 00 00"),
       ReasonCode::ProtocolError},
      {"CONNACK topic alias not allowed (5)", v5, hex("20 06 00 00 03 23 00 01"),
       ReasonCode::MalformedPacket},
      {"DISCONNECT body in 3.1.1", v311, hex("E0 01 00"), ReasonCode::MalformedPacket},
      {"DISCONNECT invalid reason (5)", v5, hex("E0 01 01"), ReasonCode::ProtocolError},
      {"DISCONNECT property not allowed (5)", v5, hex("E0 04 00 02 17 01"),
       ReasonCode::MalformedPacket},
      {"DISCONNECT property overrun (5)", v5, hex("E0 03 00 05 11"), ReasonCode::MalformedPacket},
      {"AUTH reason without property length", v5, hex("F0 01 18"), ReasonCode::MalformedPacket},
      {"AUTH invalid reason", v5, hex("F0 02 01 00"), ReasonCode::ProtocolError},
      {"AUTH data without method", v5, hex("F0 06 18 04 16 00 01 78"), ReasonCode::ProtocolError},
      {"AUTH session expiry not allowed", v5, hex("F0 07 18 05 11 00 00 00 01"),
       ReasonCode::MalformedPacket},
  });
}

TEST(Malformed, ShortFormsOfMqtt5Acknowledgements) {
  auto ack = [](const Bytes& b) {
    auto r = decode(b, v5);
    EXPECT_TRUE(r) << to_hex(b) << ": " << (r ? "" : r.error().message);
    return r ? std::get<Puback>(*r) : Puback{};
  };
  EXPECT_EQ(ack(hex("40 02 00 2A")), (Puback{42, 0, {}}));
  EXPECT_EQ(ack(hex("40 03 00 2A 10")), (Puback{42, 0x10, {}}));
  EXPECT_EQ(ack(hex("40 04 00 2A 10 00")), (Puback{42, 0x10, {}}));
  Properties rs;
  rs.reason_string = "a";
  EXPECT_EQ(ack(hex("40 08 00 2A 00 04 1F 00 01 61")), (Puback{42, 0, rs}));

  auto r = decode(hex("62 03 00 01 92"), v5);
  ASSERT_TRUE(r);
  EXPECT_EQ(std::get<Pubrel>(*r).reason_code, 0x92);

  auto d0 = decode(hex("E0 00"), v5);
  ASSERT_TRUE(d0);
  EXPECT_EQ(std::get<Disconnect>(*d0), Disconnect{});
  auto d1 = decode(hex("E0 01 04"), v5);
  ASSERT_TRUE(d1);
  EXPECT_EQ(std::get<Disconnect>(*d1).reason_code, 0x04);
  auto d2 = decode(hex("E0 02 8E 00"), v5);
  ASSERT_TRUE(d2);
  EXPECT_EQ(std::get<Disconnect>(*d2).reason_code, 0x8E);
  auto a0 = decode(hex("F0 00"), v5);
  ASSERT_TRUE(a0);
  EXPECT_EQ(std::get<Auth>(*a0), Auth{});
  auto a2 = decode(hex("F0 02 19 00"), v5);
  ASSERT_TRUE(a2);
  EXPECT_EQ(std::get<Auth>(*a2).reason_code, 0x19);
}

TEST(Malformed, Subscribe) {
  check({
      {"no topic filters (3.1.1)", v311, hex("82 02 00 01"), ReasonCode::MalformedPacket},
      {"no topic filters (5)", v5, hex("82 03 00 01 00"), ReasonCode::ProtocolError},
      {"packet id 0", v311, hex("82 06 00 00 00 01 61 00"), ReasonCode::ProtocolError},
      {"options missing", v311, hex("82 05 00 01 00 01 61"), ReasonCode::MalformedPacket},
      {"filter overruns", v311, hex("82 06 00 01 00 09 61 00"), ReasonCode::MalformedPacket},
      {"QoS 3", v311, hex("82 06 00 01 00 01 61 03"), ReasonCode::MalformedPacket},
      {"QoS 3 (5)", v5, hex("82 07 00 01 00 00 01 61 03"), ReasonCode::MalformedPacket},
      {"no-local bit reserved in 3.1.1", v311, hex("82 06 00 01 00 01 61 04"),
       ReasonCode::MalformedPacket},
      {"reserved bit 6 (5)", v5, hex("82 07 00 01 00 00 01 61 40"), ReasonCode::MalformedPacket},
      {"reserved bit 7 (5)", v5, hex("82 07 00 01 00 00 01 61 80"), ReasonCode::MalformedPacket},
      {"retain handling 3 (5)", v5, hex("82 07 00 01 00 00 01 61 30"), ReasonCode::ProtocolError},
      {"second entry bad", v311, hex("82 0A 00 01 00 01 61 00 00 01 62 07"),
       ReasonCode::MalformedPacket},
      {"filter not UTF-8", v311, hex("82 07 00 01 00 02 C0 AF 00"), ReasonCode::MalformedPacket},
      {"filter with U+0000", v5, hex("82 08 00 01 00 00 02 61 00 00"), ReasonCode::MalformedPacket},
      {"subscription identifier 0", v5, hex("82 09 00 01 02 0B 00 00 01 61 00"),
       ReasonCode::ProtocolError},
      {"two subscription identifiers", v5, hex("82 0B 00 01 04 0B 01 0B 02 00 01 61 00"),
       ReasonCode::ProtocolError},
      {"topic alias not allowed", v5, hex("82 0A 00 01 03 23 00 01 00 01 61 00"),
       ReasonCode::MalformedPacket},
      {"UNSUBSCRIBE no filters (3.1.1)", v311, hex("A2 02 00 01"), ReasonCode::MalformedPacket},
      {"UNSUBSCRIBE no filters (5)", v5, hex("A2 03 00 01 00"), ReasonCode::ProtocolError},
      {"UNSUBSCRIBE packet id 0", v311, hex("A2 05 00 00 00 01 61"), ReasonCode::ProtocolError},
      {"UNSUBSCRIBE filter not UTF-8", v311, hex("A2 05 00 01 00 01 80"),
       ReasonCode::MalformedPacket},
      {"UNSUBSCRIBE filter overruns", v311, hex("A2 05 00 01 00 03 61"),
       ReasonCode::MalformedPacket},
      {"UNSUBSCRIBE subscription id not allowed", v5, hex("A2 08 00 01 02 0B 01 00 01 61"),
       ReasonCode::MalformedPacket},
  });
}

// A filter with bad wildcard syntax is not a malformed packet: the broker answers it with
// SUBACK 0x8F (0x80 in 3.1.1) and keeps the connection.
TEST(Malformed, SubscribePassesSyntaxInvalidFiltersThrough) {
  const Bytes b = cat({hex("82 00 00 05"), mqtt_str("a/#/b"), hex("01"), mqtt_str(""), hex("00"),
                       mqtt_str("a+"), hex("02"), mqtt_str("$share/g"), hex("00")});
  Bytes wire = b;
  wire[1] = static_cast<std::uint8_t>(wire.size() - 2);
  auto r = decode(wire, v311);
  ASSERT_TRUE(r) << r.error().message;
  const auto& s = std::get<Subscribe>(*r);
  ASSERT_EQ(s.subscriptions.size(), 4u);
  EXPECT_EQ(s.subscriptions[0].filter, "a/#/b");
  EXPECT_EQ(s.subscriptions[0].options.max_qos, 1);
  EXPECT_EQ(s.subscriptions[1].filter, "");
  EXPECT_EQ(s.subscriptions[2].filter, "a+");
  EXPECT_EQ(s.subscriptions[2].options.max_qos, 2);
  EXPECT_EQ(s.subscriptions[3].filter, "$share/g");

  auto u = decode(frame(0xA2, cat({hex("00 07"), mqtt_str("#/a")})), v311);
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(std::get<Unsubscribe>(*u).filters, std::vector<std::string>{"#/a"});
}

TEST(Malformed, SubscribeOptionsDecodeMqtt5) {
  auto r = decode(hex("82 09 00 01 02 0B 05 00 01 61 2E"), v5);
  ASSERT_TRUE(r) << r.error().message;
  const auto& s = std::get<Subscribe>(*r);
  EXPECT_EQ(s.properties.subscription_identifiers, std::vector<std::uint32_t>{5});
  ASSERT_EQ(s.subscriptions.size(), 1u);
  EXPECT_EQ(s.subscriptions[0].options, (SubscriptionOptions{2, true, true, 2}));
}

TEST(Malformed, Connect311) {
  check({
      {"reserved flag", v311, connect311(0x03, kClientC), ReasonCode::MalformedPacket},
      {"will QoS without will flag", v311, connect311(0x0A, kClientC), ReasonCode::MalformedPacket},
      {"will retain without will flag", v311, connect311(0x22, kClientC),
       ReasonCode::MalformedPacket},
      {"will QoS 3", v311, connect311(0x1E, cat({kClientC, mqtt_str("w"), mqtt_str("p")})),
       ReasonCode::MalformedPacket},
      {"password without user name", v311, connect311(0x42, cat({kClientC, mqtt_str("p")})),
       ReasonCode::MalformedPacket},
      {"user name flag but no user name", v311, connect311(0x82, kClientC),
       ReasonCode::MalformedPacket},
      {"password flag but no password", v311, connect311(0xC2, cat({kClientC, mqtt_str("u")})),
       ReasonCode::MalformedPacket},
      {"will flag but no will", v311, connect311(0x06, kClientC), ReasonCode::MalformedPacket},
      {"will topic with wildcard", v311,
       connect311(0x06, cat({kClientC, mqtt_str("w/#"), mqtt_str("p")})),
       ReasonCode::MalformedPacket},
      {"empty will topic", v311, connect311(0x06, cat({kClientC, mqtt_str(""), mqtt_str("p")})),
       ReasonCode::MalformedPacket},
      {"client id not UTF-8", v311, connect311(0x02, hex("00 02 ED A0")),
       ReasonCode::MalformedPacket},
      {"user name not UTF-8", v311, connect311(0x82, cat({kClientC, hex("00 01 FF")})),
       ReasonCode::MalformedPacket},
      {"trailing bytes", v311, connect311(0x02, cat({kClientC, hex("00")})),
       ReasonCode::MalformedPacket},
      {"client id missing", v311, connect311(0x02, {}), ReasonCode::MalformedPacket},
      {"keep alive cut", v311, frame(0x10, "00 04 4D 51 54 54 04 02 00"),
       ReasonCode::MalformedPacket},
      {"protocol name cut", v311, frame(0x10, "00 04 4D 51"), ReasonCode::MalformedPacket},
      {"unknown protocol name", v311, connect("HTTP", 4, 0x02, kClientC),
       ReasonCode::MalformedPacket},
      {"lower-case protocol name", v311, connect("mqtt", 4, 0x02, kClientC),
       ReasonCode::MalformedPacket},
      {"MQTT 3.1.1 properties are not a thing", v311, connect311(0x02, cat({hex("00"), kClientC})),
       ReasonCode::MalformedPacket},
  });
}

TEST(Malformed, ConnectVersionNegotiation) {
  struct Case {
    Bytes bytes;
    ReasonCode reason;
    std::optional<ProtocolVersion> version;
  };
  const std::vector<Case> cases = {
      {connect("MQTT", 6, 0x02, kClientC), ReasonCode::UnsupportedProtocolVersion, std::nullopt},
      {connect("MQTT", 3, 0x02, kClientC), ReasonCode::UnsupportedProtocolVersion, std::nullopt},
      {connect("MQIsdp", 4, 0x02, kClientC), ReasonCode::UnsupportedProtocolVersion, std::nullopt},
      {connect("HTTP", 4, 0x02, kClientC), ReasonCode::MalformedPacket, std::nullopt},
      // Once the level is known, later errors carry it so the broker can answer in kind.
      {connect311(0x03, kClientC), ReasonCode::MalformedPacket, ProtocolVersion::v311},
      {connect5p(0x03, {}, kClientC), ReasonCode::MalformedPacket, ProtocolVersion::v5},
      {connect("MQIsdp", 3, 0x03, kClientC), ReasonCode::MalformedPacket, ProtocolVersion::v31},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(to_hex(c.bytes));
    auto r = decode(c.bytes, v311);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason, c.reason) << r.error().message;
    EXPECT_EQ(r.error().version, c.version);
  }

  const Bytes v31_connect = connect("MQIsdp", 3, 0x02, kClientC);
  auto ok = decode(v31_connect, v311);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(std::get<Connect>(*ok).version, ProtocolVersion::v31);
  auto disabled = decode(v31_connect, v311, DecodeLimits{false});
  ASSERT_FALSE(disabled);
  EXPECT_EQ(disabled.error().reason, ReasonCode::UnsupportedProtocolVersion);
  EXPECT_EQ(disabled.error().version, ProtocolVersion::v31);
}

TEST(Malformed, Connect5) {
  check({
      {"reserved flag", v5, connect5p(0x01, {}, kClientC), ReasonCode::MalformedPacket},
      {"missing property length", v5, connect("MQTT", 5, 0x02, {}), ReasonCode::MalformedPacket},
      {"property length overruns", v5, connect("MQTT", 5, 0x02, hex("09 11 00")),
       ReasonCode::MalformedPacket},
      {"topic alias not allowed", v5, connect5p(0x02, hex("23 00 01"), kClientC),
       ReasonCode::MalformedPacket},
      {"will delay only allowed in will properties", v5,
       connect5p(0x02, hex("18 00 00 00 01"), kClientC), ReasonCode::MalformedPacket},
      {"duplicate session expiry", v5,
       connect5p(0x02, hex("11 00 00 00 01 11 00 00 00 02"), kClientC), ReasonCode::ProtocolError},
      {"receive maximum 0", v5, connect5p(0x02, hex("21 00 00"), kClientC),
       ReasonCode::ProtocolError},
      {"maximum packet size 0", v5, connect5p(0x02, hex("27 00 00 00 00"), kClientC),
       ReasonCode::ProtocolError},
      {"request problem information 2", v5, connect5p(0x02, hex("17 02"), kClientC),
       ReasonCode::ProtocolError},
      {"request response information 2", v5, connect5p(0x02, hex("19 02"), kClientC),
       ReasonCode::ProtocolError},
      {"authentication data without method", v5, connect5p(0x02, hex("16 00 01 78"), kClientC),
       ReasonCode::ProtocolError},
      {"duplicate authentication method", v5,
       connect5p(0x02, hex("15 00 01 61 15 00 01 62"), kClientC), ReasonCode::ProtocolError},
      {"will topic with wildcard", v5,
       connect5p(0x06, {}, cat({kClientC, hex("00"), mqtt_str("a/+"), mqtt_str("p")})),
       ReasonCode::TopicNameInvalid},
      {"will properties missing", v5, connect5p(0x06, {}, cat({kClientC})),
       ReasonCode::MalformedPacket},
      {"session expiry not allowed in will properties", v5,
       connect5p(0x06, {}, cat({kClientC, hex("05 11 00 00 00 01"), mqtt_str("w"), mqtt_str("p")})),
       ReasonCode::MalformedPacket},
      {"will payload format 3", v5,
       connect5p(0x06, {}, cat({kClientC, hex("02 01 03"), mqtt_str("w"), mqtt_str("p")})),
       ReasonCode::ProtocolError},
      {"will QoS 3", v5,
       connect5p(0x1E, {}, cat({kClientC, hex("00"), mqtt_str("w"), mqtt_str("p")})),
       ReasonCode::MalformedPacket},
      {"trailing bytes", v5, connect5p(0x02, {}, cat({kClientC, hex("00")})),
       ReasonCode::MalformedPacket},
  });
  // Password without user name is allowed in MQTT 5.
  auto r = decode(connect5p(0x42, {}, cat({kClientC, mqtt_str("pw")})), v5);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(std::get<Connect>(*r).password, "pw");
  EXPECT_FALSE(std::get<Connect>(*r).username);
}

TEST(Malformed, Mqtt31ToleratesMissingPassword) {
  auto r = decode(connect("MQIsdp", 3, 0xC2, cat({kClientC, mqtt_str("u")})), v31);
  ASSERT_TRUE(r) << r.error().message;
  const auto& c = std::get<Connect>(*r);
  EXPECT_EQ(c.username, "u");
  EXPECT_FALSE(c.password);
}

TEST(Malformed, ConnectFieldsDecode) {
  const Bytes b = connect(
      "MQTT", 4, 0xEC,  // user, password, will retain, will QoS 1, will
      cat({mqtt_str("id"), mqtt_str("w/t"), mqtt_str("bye"), mqtt_str("u"), hex("00 02 00 FF")}));
  auto r = decode(b, v311);
  ASSERT_TRUE(r) << r.error().message;
  const auto& c = std::get<Connect>(*r);
  EXPECT_EQ(c.version, v311);
  EXPECT_FALSE(c.clean_start);
  EXPECT_EQ(c.keep_alive, 60);
  EXPECT_EQ(c.client_id, "id");
  ASSERT_TRUE(c.will);
  EXPECT_EQ(c.will->topic, "w/t");
  EXPECT_EQ(c.will->payload, "bye");
  EXPECT_EQ(c.will->qos, 1);
  EXPECT_TRUE(c.will->retain);
  EXPECT_EQ(c.username, "u");
  EXPECT_EQ(c.password, std::string("\x00\xFF", 2));
}

}  // namespace
}  // namespace accord::mqtt
