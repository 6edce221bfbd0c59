// libFuzzer harness for the MQTT decoder. For every protocol version: walk the input frame by
// frame with probe_frame, decode each frame, and for every packet that decodes, check the
// round-trip property decode(encode(p)) == p and that encoding is stable.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "broker/codec/codec.hpp"
#include "broker/codec/topic.hpp"

namespace {

using namespace accord::mqtt;

[[noreturn]] void die(const char* what, ProtocolVersion v, std::span<const std::uint8_t> frame) {
  std::fprintf(stderr, "round-trip failure (%s) for protocol level %d, frame of %zu bytes:\n", what,
               static_cast<int>(v), frame.size());
  for (auto b : frame) std::fprintf(stderr, "%02X ", b);
  std::fprintf(stderr, "\n");
  std::abort();
}

void check_frame(std::span<const std::uint8_t> frame, ProtocolVersion v) {
  auto decoded = decode(frame, v);
  if (!decoded) {
    if (decoded.error().message.empty()) die("error without message", v, frame);
    return;
  }
  const Packet& p = *decoded;
  // CONNECT is encoded with its own protocol level; everything else with the connection's.
  const ProtocolVersion ev =
      packet_type(p) == PacketType::Connect ? std::get<Connect>(p).version : v;
  const std::vector<std::uint8_t> wire = encode(p, ev);
  const FrameProbe probe = probe_frame(wire);
  if (probe.status != FrameStatus::Complete || probe.header.total_length() != wire.size()) {
    die("re-encoded frame length", v, frame);
  }
  auto again = decode(wire, v);
  if (!again) {
    std::fprintf(stderr, "re-decode error: %s\n", again.error().message.c_str());
    die("re-encoded packet does not decode", v, frame);
  }
  if (!(*again == p)) die("decode(encode(p)) != p", v, frame);
  if (encode(*again, ev) != wire) die("encoding not stable", v, frame);

  // The split encoding of a PUBLISH must match the whole one byte for byte.
  if (const auto* pub = std::get_if<Publish>(&p)) {
    const std::string shared = encode_shared_publish_properties(pub->properties);
    PublishHead h;
    h.version = v;
    h.qos = pub->qos;
    h.retain = pub->retain;
    h.dup = pub->dup;
    h.topic = pub->topic;
    h.packet_id = pub->packet_id;
    h.topic_alias = pub->properties.topic_alias;
    h.subscription_identifiers = pub->properties.subscription_identifiers;
    h.message_expiry_interval = pub->properties.message_expiry_interval;
    h.shared_properties_length = shared.size();
    h.payload_length = pub->payload.size();
    std::vector<std::uint8_t> split;
    encode_publish_head(h, split);
    if (v == ProtocolVersion::v5) split.insert(split.end(), shared.begin(), shared.end());
    split.insert(split.end(), pub->payload.begin(), pub->payload.end());
    if (split != wire) die("publish head + shared + payload != encode(Publish)", v, frame);
    if (publish_wire_size(h) != wire.size()) die("publish_wire_size", v, frame);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  for (ProtocolVersion v : {ProtocolVersion::v31, ProtocolVersion::v311, ProtocolVersion::v5}) {
    std::span<const std::uint8_t> rest = input;
    while (!rest.empty()) {
      const FrameProbe probe = probe_frame(rest);
      if (probe.status != FrameStatus::Complete) break;
      const std::size_t total = probe.header.total_length();
      check_frame(rest.first(total), v);
      rest = rest.subspan(total);
    }
  }
  // The topic helpers take untrusted strings too; they must not crash on anything.
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const bool utf8 = is_valid_mqtt_utf8(text);
  if (is_valid_topic_filter(text)) {
    if (!utf8) std::abort();
    // The part after the group is a plain filter (never re-read as a shared one).
    if (auto shared = parse_shared_filter(text);
        shared && (shared->group.empty() || shared->filter.empty() ||
                   shared->group.find_first_of("+#/") != std::string_view::npos)) {
      std::abort();
    }
  }
  if (is_valid_topic_name(text) && !utf8) std::abort();
  const std::size_t half = size / 2;
  const std::string_view topic = text.substr(0, half), filter = text.substr(half);
  if (is_valid_topic_name(topic) && is_valid_topic_filter(filter) && !parse_shared_filter(filter)) {
    const bool m = topic_matches_filter(topic, filter);
    if (filter == "#" && topic[0] != '$' && !m) std::abort();
    if (filter == topic && !m) std::abort();
  }
  return 0;
}
