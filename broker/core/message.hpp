// An application message as the broker routes it: immutable once published, shared by every
// recipient (encode once, write many) through a reference-counted pointer.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/codec/packets.hpp"

namespace accord::core {

using Clock = std::chrono::steady_clock;

struct Message {
  std::string topic;
  std::string payload;
  // MQTT 5 properties every copy carries unchanged, already encoded
  // (mqtt::encode_shared_publish_properties). Empty for messages without such properties.
  std::string shared_properties;
  std::uint8_t qos = 0;
  bool retain = false;
  // Message Expiry Interval: when set, copies carry the remaining lifetime and expired copies
  // are dropped instead of sent.
  std::optional<Clock::time_point> expires_at;
  // The publishing session (for no-local); never dereferenced.
  const void* origin = nullptr;

  bool expired(Clock::time_point now) const { return expires_at && *expires_at <= now; }
  // Seconds left, rounded up, as the Message Expiry Interval of a forwarded copy.
  std::optional<std::uint32_t> remaining_expiry(Clock::time_point now) const;
};

using MessagePtr = std::shared_ptr<const Message>;

// True when `topic` (a name or a filter) has at most `max_levels` levels: deeper ones are
// refused so that trie walks stay shallow.
inline bool within_topic_levels(std::string_view topic, std::size_t max_levels) {
  std::size_t levels = 1;
  for (char c : topic) {
    if (c == '/' && ++levels > max_levels) return false;
  }
  return true;
}

// Builds the routed form of a PUBLISH received from a client (or of a will).
MessagePtr make_message(std::string topic, std::string payload, std::uint8_t qos, bool retain,
                        const mqtt::Properties& props, Clock::time_point now,
                        const void* origin);

// One copy of a message on its way to one session.
struct Delivery {
  MessagePtr message;
  std::uint8_t qos = 0;       // min(publish QoS, granted QoS)
  bool retain = false;        // retain flag as sent to this subscriber
  std::vector<std::uint32_t> subscription_ids;
  // Its queue entry in the store (the stored message's id), for a persistent session in durable
  // mode; 0: this copy is not stored.
  std::uint64_t seq = 0;
};

}  // namespace accord::core
