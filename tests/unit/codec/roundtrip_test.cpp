#include <gtest/gtest.h>

#include <set>

#include "broker/codec/codec.hpp"
#include "sample_packets.hpp"
#include "test_util.hpp"

namespace accord::mqtt {
namespace {

using testing::Bytes;
using testing::hex;
using testing::to_hex;

void expect_round_trip(const std::vector<testing::NamedPacket>& packets, ProtocolVersion v) {
  for (const auto& [name, packet] : packets) {
    SCOPED_TRACE(name);
    const Bytes wire = encode(packet, v);
    const auto probe = probe_frame(wire);
    ASSERT_EQ(probe.status, FrameStatus::Complete) << to_hex(wire);
    EXPECT_EQ(probe.header.total_length(), wire.size());
    EXPECT_EQ(probe.header.type(), packet_type(packet));
    auto decoded = decode(wire, v);
    ASSERT_TRUE(decoded) << decoded.error().message << " | " << to_hex(wire);
    EXPECT_TRUE(*decoded == packet) << "bytes: " << to_hex(wire);
    // Encoding is deterministic, so the decoded value encodes to the same bytes.
    EXPECT_EQ(encode(*decoded, v), wire);
  }
}

TEST(RoundTrip, EveryPacketTypeMqtt5) {
  const auto packets = testing::sample_packets_v5();
  std::set<PacketType> types;
  for (const auto& [name, p] : packets) types.insert(packet_type(p));
  EXPECT_EQ(types.size(), 15u);
  expect_round_trip(packets, ProtocolVersion::v5);
}

TEST(RoundTrip, EveryPacketTypeMqtt311) {
  const auto packets = testing::sample_packets_v311();
  std::set<PacketType> types;
  for (const auto& [name, p] : packets) types.insert(packet_type(p));
  EXPECT_EQ(types.size(), 14u);  // no AUTH before MQTT 5
  expect_round_trip(packets, ProtocolVersion::v311);
}

TEST(RoundTrip, Mqtt31ConnectAndSubscribe) {
  expect_round_trip(testing::sample_packets_v31(), ProtocolVersion::v31);
  const Bytes wire = encode(testing::sample_packets_v31()[0].second, ProtocolVersion::v31);
  // Protocol name "MQIsdp", level 3.
  EXPECT_EQ(Bytes(wire.begin() + 2, wire.begin() + 11), hex("00 06 4D 51 49 73 64 70 03"));
}

TEST(RoundTrip, ConnectCarriesItsOwnVersion) {
  // CONNECT is decoded by its protocol level, whatever the connection's version says.
  for (const auto& [name, p] : testing::sample_packets_v5()) {
    if (packet_type(p) != PacketType::Connect) continue;
    auto d = decode(encode(p, ProtocolVersion::v5), ProtocolVersion::v311);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_TRUE(*d == p);
  }
}

// Encoding an MQTT 5 packet for a 3.1.1 connection drops everything 3.1.1 cannot carry.
TEST(RoundTrip, EncodingFor311DropsMqtt5Fields) {
  for (const auto& [name, p] : testing::sample_packets_v5()) {
    SCOPED_TRACE(name);
    const auto type = packet_type(p);
    if (type == PacketType::Auth || type == PacketType::Connect) continue;
    if (const auto* pub = std::get_if<Publish>(&p); pub && pub->topic.empty()) continue;
    const Bytes wire = encode(p, ProtocolVersion::v311);
    auto d = decode(wire, ProtocolVersion::v311);
    if (type == PacketType::Suback || type == PacketType::Connack) {
      // MQTT 5-only reason codes are not valid 3.1.1 return codes; the broker maps them.
      continue;
    }
    ASSERT_TRUE(d) << d.error().message << " | " << to_hex(wire);
    Packet stripped = p;
    std::visit(
        [](auto& x) {
          if constexpr (requires { x.properties; }) x.properties = Properties{};
          if constexpr (requires { x.reason_code; }) x.reason_code = 0;
          if constexpr (requires { x.subscriptions; }) {
            for (auto& s : x.subscriptions) s.options = {s.options.max_qos};
          }
          if constexpr (std::is_same_v<std::decay_t<decltype(x)>, Unsuback>) x.reason_codes.clear();
        },
        stripped);
    EXPECT_TRUE(*d == stripped) << to_hex(wire);
  }
}

TEST(Encode, KnownBytes) {
  EXPECT_EQ(encode(Pingreq{}, ProtocolVersion::v311), hex("C0 00"));
  EXPECT_EQ(encode(Pingresp{}, ProtocolVersion::v5), hex("D0 00"));
  EXPECT_EQ(encode(Disconnect{}, ProtocolVersion::v311), hex("E0 00"));
  EXPECT_EQ(encode(Disconnect{0x04, {}}, ProtocolVersion::v311), hex("E0 00"));
  EXPECT_EQ(encode(Disconnect{}, ProtocolVersion::v5), hex("E0 00"));
  EXPECT_EQ(encode(Disconnect{0x8E, {}}, ProtocolVersion::v5), hex("E0 01 8E"));
  EXPECT_EQ(encode(Puback{42, 0, {}}, ProtocolVersion::v5), hex("40 02 00 2A"));
  EXPECT_EQ(encode(Puback{42, 0x10, {}}, ProtocolVersion::v5), hex("40 03 00 2A 10"));
  EXPECT_EQ(encode(Puback{42, 0x10, {}}, ProtocolVersion::v311), hex("40 02 00 2A"));
  EXPECT_EQ(encode(Pubrel{1, 0, {}}, ProtocolVersion::v311), hex("62 02 00 01"));
  Properties rs;
  rs.reason_string = "x";
  EXPECT_EQ(encode(Pubcomp{1, 0, rs}, ProtocolVersion::v5), hex("70 08 00 01 00 04 1F 00 01 78"));
  EXPECT_EQ(encode(Auth{}, ProtocolVersion::v5), hex("F0 00"));
  Bytes none = hex("AA");
  encode(Auth{0x18, {}}, ProtocolVersion::v311, none);
  EXPECT_EQ(none, hex("AA"));  // no AUTH before MQTT 5
  EXPECT_EQ(encode(Auth{0x19, {}}, ProtocolVersion::v5), hex("F0 02 19 00"));
  EXPECT_EQ(encode(Connack{true, 0, {}}, ProtocolVersion::v311), hex("20 02 01 00"));
  EXPECT_EQ(encode(Connack{false, 0x87, {}}, ProtocolVersion::v5), hex("20 03 00 87 00"));
  EXPECT_EQ(encode(Unsuback{7, {}, {0x11}}, ProtocolVersion::v311), hex("B0 02 00 07"));
  EXPECT_EQ(encode(Unsuback{7, {}, {0x11}}, ProtocolVersion::v5), hex("B0 04 00 07 00 11"));

  Connect c;
  c.client_id = "c";
  c.keep_alive = 60;
  EXPECT_EQ(encode(c, ProtocolVersion::v311), hex("10 0D 00 04 4D 51 54 54 04 02 00 3C 00 01 63"));
  c.version = ProtocolVersion::v5;
  EXPECT_EQ(encode(c, ProtocolVersion::v5), hex("10 0E 00 04 4D 51 54 54 05 02 00 3C 00 00 01 63"));

  Subscribe s{10, {}, {{"a/b", {1, true, false, 2}}}};
  EXPECT_EQ(encode(s, ProtocolVersion::v5), hex("82 09 00 0A 00 00 03 61 2F 62 25"));
  EXPECT_EQ(encode(s, ProtocolVersion::v311), hex("82 08 00 0A 00 03 61 2F 62 01"));

  Publish p;
  p.qos = 1;
  p.retain = true;
  p.topic = "t";
  p.packet_id = 1;
  p.payload = "hi";
  EXPECT_EQ(encode(p, ProtocolVersion::v311), hex("33 07 00 01 74 00 01 68 69"));
  EXPECT_EQ(encode(p, ProtocolVersion::v5), hex("33 08 00 01 74 00 01 00 68 69"));
}

TEST(Encode, AppendsToExistingBuffer) {
  Bytes out = hex("AA BB");
  encode(Pingreq{}, ProtocolVersion::v5, out);
  encode(Puback{1, 0, {}}, ProtocolVersion::v5, out);
  EXPECT_EQ(out, hex("AA BB C0 00 40 02 00 01"));
}

TEST(Encode, LargeRemainingLengthUsesMultiByteVbi) {
  Publish p;
  p.topic = "t";
  p.payload.assign(200'000, 'x');
  const Bytes wire = encode(p, ProtocolVersion::v311);
  const std::uint32_t remaining = 3 + 200'000;
  EXPECT_EQ(wire.size(), 1 + 3 + remaining);
  const auto probe = probe_frame(wire);
  ASSERT_EQ(probe.status, FrameStatus::Complete);
  EXPECT_EQ(probe.header.remaining_length, remaining);
  EXPECT_EQ(probe.header.header_length, 4);
  auto d = decode(wire, ProtocolVersion::v311);
  ASSERT_TRUE(d);
  EXPECT_TRUE(*d == Packet{p});
}

// ---- Encode once, write many ------------------------------------------------------------------

struct HeadCase {
  const char* name;
  ProtocolVersion version;
  std::uint8_t qos;
  bool retain;
  bool dup;
  std::string topic;
  std::optional<std::uint16_t> alias;
  std::vector<std::uint32_t> sub_ids;
  std::optional<std::uint32_t> expiry;
  bool shared_props;
  std::size_t payload_size;
};

Properties shared_properties() {
  Properties p;
  p.payload_format_indicator = 1;
  p.content_type = "application/json";
  p.response_topic = "reply/here";
  p.correlation_data = std::string("\x00\x01\x02", 3);
  p.user_properties = {{"ce_type", "t"}, {"ce_id", "42"}};
  return p;
}

TEST(PublishHead, HeadSharedPropertiesAndPayloadEqualEncodePublish) {
  const std::vector<HeadCase> cases = {
      {"v311 qos0", ProtocolVersion::v311, 0, false, false, "a/b", {}, {}, {}, false, 5},
      {"v311 qos1 retain, shared props ignored",
       ProtocolVersion::v311,
       1,
       true,
       false,
       "a/b",
       7,
       {1},
       60,
       true,
       100},
      {"v311 qos2 dup", ProtocolVersion::v311, 2, false, true, "x", {}, {}, {}, false, 0},
      {"v31 qos1", ProtocolVersion::v31, 1, false, false, "legacy/t", {}, {}, {}, false, 3},
      {"v5 bare", ProtocolVersion::v5, 0, false, false, "a", {}, {}, {}, false, 0},
      {"v5 shared only", ProtocolVersion::v5, 1, false, false, "a/b", {}, {}, {}, true, 10},
      {"v5 alias with topic", ProtocolVersion::v5, 1, true, false, "a/b/c", 9, {}, {}, true, 10},
      {"v5 alias only", ProtocolVersion::v5, 2, false, true, "", 9, {}, {}, false, 1},
      {"v5 sub ids",
       ProtocolVersion::v5,
       1,
       false,
       false,
       "s",
       {},
       {1, 127, 128, 268'435'455},
       {},
       true,
       1},
      {"v5 expiry 0", ProtocolVersion::v5, 0, false, false, "e", {}, {}, 0u, false, 2},
      {"v5 everything",
       ProtocolVersion::v5,
       2,
       true,
       true,
       "everything/here",
       65535,
       {5, 6},
       0xFFFFFFFF,
       true,
       70'000},
      {"v5 big props push vbi", ProtocolVersion::v5, 1, false, false, "t", {}, {}, {}, true, 1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Publish p;
    p.qos = c.qos;
    p.retain = c.retain;
    p.dup = c.dup;
    p.topic = c.topic;
    p.packet_id = c.qos ? 513 : 0;
    if (c.shared_props) p.properties = shared_properties();
    if (std::string(c.name) == "v5 big props push vbi") {
      p.properties.user_properties.push_back({"big", std::string(300, 'v')});
    }
    p.properties.topic_alias = c.alias;
    p.properties.subscription_identifiers = c.sub_ids;
    p.properties.message_expiry_interval = c.expiry;
    p.payload.assign(c.payload_size, 'p');
    const Bytes expected = encode(p, c.version);

    const std::string shared = encode_shared_publish_properties(p.properties);
    EXPECT_EQ(shared.empty(), !c.shared_props && std::string(c.name) != "v5 big props push vbi");
    PublishHead h;
    h.version = c.version;
    h.qos = c.qos;
    h.retain = c.retain;
    h.dup = c.dup;
    h.topic = c.topic;
    h.packet_id = p.packet_id;
    h.topic_alias = c.alias;
    h.subscription_identifiers = c.sub_ids;
    h.message_expiry_interval = c.expiry;
    h.shared_properties_length = shared.size();
    h.payload_length = p.payload.size();

    Bytes got = hex("01 02");  // appends, never overwrites
    encode_publish_head(h, got);
    got.erase(got.begin(), got.begin() + 2);
    if (c.version == ProtocolVersion::v5) got.insert(got.end(), shared.begin(), shared.end());
    got.insert(got.end(), p.payload.begin(), p.payload.end());
    EXPECT_EQ(to_hex(got), to_hex(expected));
    EXPECT_EQ(publish_wire_size(h), expected.size());
  }
}

TEST(PublishHead, SharedPropertiesIgnorePerRecipientFields) {
  Properties p = shared_properties();
  const std::string base = encode_shared_publish_properties(p);
  p.topic_alias = 4;
  p.subscription_identifiers = {1, 2};
  p.message_expiry_interval = 99;
  p.reason_string = "not a publish property";
  EXPECT_EQ(encode_shared_publish_properties(p), base);
  EXPECT_EQ(encode_shared_publish_properties(Properties{}), "");
  Properties one;
  one.payload_format_indicator = 1;
  EXPECT_EQ(encode_shared_publish_properties(one), std::string("\x01\x01", 2));
}

}  // namespace
}  // namespace accord::mqtt
