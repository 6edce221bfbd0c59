// The decoder fuzzer's seed corpus (tests/fuzz/corpus/decoder) is generated from the sample
// packets here. The test fails when the checked-in files are stale or a seed stops decoding.
// Regenerate with:  ACCORD_WRITE_FUZZ_SEEDS=1 ./accord_codec_tests --gtest_filter='FuzzSeeds.*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "broker/codec/codec.hpp"
#include "sample_packets.hpp"
#include "test_util.hpp"

namespace accord::mqtt {
namespace {

using testing::Bytes;
using testing::hex;

struct Seed {
  Bytes bytes;
  std::optional<ProtocolVersion> decodes_as;  // nullopt: a tricky input that need not decode
};

std::map<std::string, Seed> seeds() {
  std::map<std::string, Seed> out;
  for (const auto& [name, p] : testing::sample_packets_v5()) {
    out["v5_" + name] = {encode(p, ProtocolVersion::v5), ProtocolVersion::v5};
  }
  for (const auto& [name, p] : testing::sample_packets_v311()) {
    out["v311_" + name] = {encode(p, ProtocolVersion::v311), ProtocolVersion::v311};
  }
  for (const auto& [name, p] : testing::sample_packets_v31()) {
    out["v31_" + name] = {encode(p, ProtocolVersion::v31), ProtocolVersion::v31};
  }
  // Several packets in one input: the harness walks them frame by frame.
  Bytes session;
  for (const auto& [name, p] : testing::sample_packets_v5()) {
    const auto t = packet_type(p);
    if (t == PacketType::Connect || t == PacketType::Publish || t == PacketType::Subscribe) {
      encode(p, ProtocolVersion::v5, session);
    }
  }
  out["tricky_v5_session_stream"] = {session, std::nullopt};
  out["tricky_ack_short_forms"] = {hex("40 02 00 01 40 03 00 02 10 40 04 00 03 10 00 E0 01 04"),
                                   std::nullopt};
  out["tricky_remaining_length_need_more"] = {hex("30 FF FF FF 7F 00"), std::nullopt};
  out["tricky_non_minimal_vbi"] = {hex("C0 80 00"), std::nullopt};
  out["tricky_property_non_minimal_vbi"] = {hex("30 07 00 01 61 03 0B 81 00"), std::nullopt};
  out["tricky_subscribe_invalid_filters"] = {
      hex("82 13 00 01 00 00 05 61 2F 23 2F 62 01 00 00 00 00 02 61 2B 02"), std::nullopt};
  out["tricky_duplicate_topic_alias"] = {hex("30 0A 00 01 61 06 23 00 01 23 00 02"), std::nullopt};
  out["tricky_v31_connect_missing_password"] = {
      hex("10 12 00 06 4D 51 49 73 64 70 03 C2 00 3C 00 01 63 00 01 75"), ProtocolVersion::v31};
  out["tricky_publish_utf8_edges"] = {hex("30 0E 00 0A F4 8F BF BF 2F ED 9F BF 2F 61 78 79"),
                                      ProtocolVersion::v311};
  return out;
}

std::filesystem::path corpus_dir() {
  return std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "fuzz" / "corpus" /
         "decoder";
}

TEST(FuzzSeeds, EverySeedBehavesAsIntended) {
  for (const auto& [name, seed] : seeds()) {
    SCOPED_TRACE(name);
    const auto probe = probe_frame(seed.bytes);
    if (!seed.decodes_as) continue;
    ASSERT_EQ(probe.status, FrameStatus::Complete);
    ASSERT_EQ(probe.header.total_length(), seed.bytes.size());
    auto d = decode(seed.bytes, *seed.decodes_as);
    EXPECT_TRUE(d) << d.error().message;
  }
  const auto all = seeds();
  auto stream = all.at("tricky_v5_session_stream").bytes;
  EXPECT_GT(stream.size(), 100u);
  auto sub = decode(all.at("tricky_subscribe_invalid_filters").bytes, ProtocolVersion::v5);
  ASSERT_TRUE(sub) << sub.error().message;
  EXPECT_EQ(std::get<Subscribe>(*sub).subscriptions.size(), 3u);
  EXPECT_EQ(probe_frame(all.at("tricky_remaining_length_need_more").bytes).status,
            FrameStatus::NeedMore);
  EXPECT_FALSE(decode(all.at("tricky_duplicate_topic_alias").bytes, ProtocolVersion::v5));
}

TEST(FuzzSeeds, CheckedInCorpusIsUpToDate) {
  const auto dir = corpus_dir();
  const bool write = std::getenv("ACCORD_WRITE_FUZZ_SEEDS") != nullptr;
  if (write) std::filesystem::create_directories(dir);
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no corpus at " << dir;
  for (const auto& [name, seed] : seeds()) {
    const auto path = dir / name;
    if (write) {
      std::ofstream f(path, std::ios::binary | std::ios::trunc);
      f.write(reinterpret_cast<const char*>(seed.bytes.data()),
              static_cast<std::streamsize>(seed.bytes.size()));
      ASSERT_TRUE(f.good()) << path;
      continue;
    }
    std::ifstream f(path, std::ios::binary);
    ASSERT_TRUE(f.good()) << "missing seed " << path << " (regenerate, see top of file)";
    const Bytes on_disk((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_EQ(on_disk, seed.bytes) << "stale seed " << path << " (regenerate, see top of file)";
  }
}

}  // namespace
}  // namespace accord::mqtt
