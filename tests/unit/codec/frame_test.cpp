// Variable Byte Integers and probe_frame.
#include <gtest/gtest.h>

#include "broker/codec/codec.hpp"
#include "test_util.hpp"

namespace accord::mqtt {
namespace {

using testing::Bytes;
using testing::hex;
using testing::to_hex;

Bytes cat_n(Bytes head, std::size_t zeros) {
  head.resize(head.size() + zeros, 0);
  return head;
}

struct VbiCase {
  std::uint32_t value;
  const char* wire;
};

const VbiCase kVbi[] = {
    {0, "00"},
    {1, "01"},
    {127, "7F"},
    {128, "80 01"},
    {16'383, "FF 7F"},
    {16'384, "80 80 01"},
    {2'097'151, "FF FF 7F"},
    {2'097'152, "80 80 80 01"},
    {268'435'455, "FF FF FF 7F"},
};

TEST(VariableByteInteger, EncodesBoundaries) {
  for (const auto& c : kVbi) {
    SCOPED_TRACE(c.value);
    Bytes out;
    encode_variable_byte_integer(c.value, out);
    EXPECT_EQ(out, hex(c.wire));
    EXPECT_EQ(variable_byte_integer_size(c.value), out.size());
  }
  EXPECT_EQ(kMaxVariableByteInteger, 268'435'455u);
}

TEST(VariableByteInteger, RemainingLengthBoundariesThroughProbe) {
  for (const auto& c : kVbi) {
    SCOPED_TRACE(c.value);
    Bytes buf{0x30};
    const Bytes len = hex(c.wire);
    buf.insert(buf.end(), len.begin(), len.end());
    const auto probe = probe_frame(buf);
    // Header fully known: header_length and remaining_length are valid even while waiting.
    EXPECT_EQ(probe.header.header_length, 1 + len.size());
    EXPECT_EQ(probe.header.remaining_length, c.value);
    EXPECT_EQ(probe.header.first_byte, 0x30);
    EXPECT_EQ(probe.status, c.value == 0 ? FrameStatus::Complete : FrameStatus::NeedMore);
    EXPECT_EQ(probe.header.total_length(), 1 + len.size() + c.value);
  }
}

TEST(VariableByteInteger, PropertyVbiBoundariesRoundTrip) {
  for (const auto& c : kVbi) {
    if (c.value == 0) continue;  // subscription identifier 0 is a protocol error
    SCOPED_TRACE(c.value);
    Publish p;
    p.topic = "t";
    p.properties.subscription_identifiers = {c.value};
    const Bytes wire = encode(p, ProtocolVersion::v5);
    // 30 len | 00 01 74 | proplen | 0B <vbi>
    const Bytes vbi = hex(c.wire);
    EXPECT_EQ(Bytes(wire.end() - static_cast<std::ptrdiff_t>(vbi.size()), wire.end()), vbi);
    auto d = decode(wire, ProtocolVersion::v5);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(std::get<Publish>(*d).properties.subscription_identifiers,
              std::vector<std::uint32_t>{c.value});
  }
}

TEST(ProbeFrame, NeedMoreCompleteMalformed) {
  struct Case {
    const char* name;
    Bytes buf;
    FrameStatus status;
    std::uint8_t header_length;
    std::uint32_t remaining;
  };
  const std::vector<Case> cases = {
      {"empty", {}, FrameStatus::NeedMore, 0, 0},
      {"first byte only", hex("30"), FrameStatus::NeedMore, 0, 0},
      {"length continues", hex("30 80"), FrameStatus::NeedMore, 0, 0},
      {"three continuation bytes", hex("30 FF FF FF"), FrameStatus::NeedMore, 0, 0},
      {"body partially there", hex("30 05 00 01"), FrameStatus::NeedMore, 2, 5},
      {"exact", hex("C0 00"), FrameStatus::Complete, 2, 0},
      {"exact with body", hex("40 02 00 01"), FrameStatus::Complete, 2, 2},
      {"next packet follows", hex("40 02 00 01 C0 00"), FrameStatus::Complete, 2, 2},
      {"two-byte length complete", cat_n(hex("30 80 01"), 128), FrameStatus::Complete, 3, 128},
      {"four continuation bytes", hex("30 FF FF FF FF"), FrameStatus::Malformed, 0, 0},
      {"five-byte length", hex("30 FF FF FF FF 7F"), FrameStatus::Malformed, 0, 0},
      {"non-minimal 2 bytes", hex("30 80 00"), FrameStatus::Malformed, 0, 0},
      {"non-minimal 4 bytes", hex("30 FF FF 80 00"), FrameStatus::Malformed, 0, 0},
      {"packet type 0", hex("00 00"), FrameStatus::Malformed, 0, 0},
      {"packet type 0 alone", hex("0F"), FrameStatus::Malformed, 0, 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto probe = probe_frame(c.buf);
    EXPECT_EQ(probe.status, c.status);
    if (c.status != FrameStatus::Malformed) {
      EXPECT_EQ(probe.header.header_length, c.header_length);
      EXPECT_EQ(probe.header.remaining_length, c.remaining);
    }
  }
  const auto probe = probe_frame(hex("62 02 00 01"));
  EXPECT_EQ(probe.header.type(), PacketType::Pubrel);
  EXPECT_EQ(probe.header.flags(), 0x02);
}

TEST(ProbeFrame, ReadsAStreamPacketByPacket) {
  Bytes stream;
  encode(Pingreq{}, ProtocolVersion::v5, stream);
  Publish p;
  p.topic = "a/b";
  p.payload.assign(300, 'x');
  encode(p, ProtocolVersion::v5, stream);
  encode(Puback{9, 0, {}}, ProtocolVersion::v5, stream);
  std::span<const std::uint8_t> rest(stream);
  std::vector<PacketType> types;
  while (!rest.empty()) {
    const auto probe = probe_frame(rest);
    ASSERT_EQ(probe.status, FrameStatus::Complete);
    auto d = decode(rest.first(probe.header.total_length()), ProtocolVersion::v5);
    ASSERT_TRUE(d) << d.error().message;
    types.push_back(packet_type(*d));
    rest = rest.subspan(probe.header.total_length());
  }
  EXPECT_EQ(types, (std::vector<PacketType>{PacketType::Pingreq, PacketType::Publish,
                                            PacketType::Puback}));
  // Every strict prefix of the stream's first PUBLISH is NeedMore, never Complete or Malformed.
  std::span<const std::uint8_t> pub(stream.data() + 2, stream.size() - 2 - 4);
  for (std::size_t n = 0; n < pub.size(); ++n) {
    EXPECT_EQ(probe_frame(pub.first(n)).status, FrameStatus::NeedMore) << n;
  }
  EXPECT_EQ(probe_frame(pub).status, FrameStatus::Complete);
}

TEST(PacketNames, TypesAndReasonCodes) {
  EXPECT_STREQ(packet_type_name(PacketType::Connect), "CONNECT");
  EXPECT_STREQ(packet_type_name(PacketType::Unsuback), "UNSUBACK");
  EXPECT_STREQ(packet_type_name(PacketType::Auth), "AUTH");
  EXPECT_STREQ(reason_code_name(0x81), "Malformed Packet");
  EXPECT_STREQ(reason_code_name(0x8F), "Topic Filter invalid");
  EXPECT_STREQ(reason_code_name(0x03), "Unknown reason code");
  EXPECT_EQ(packet_type(Packet{Auth{}}), PacketType::Auth);
  EXPECT_EQ(packet_type(Packet{Pubrel{}}), PacketType::Pubrel);
  EXPECT_EQ(packet_type(Packet{Connect{}}), PacketType::Connect);
}

}  // namespace
}  // namespace accord::mqtt
