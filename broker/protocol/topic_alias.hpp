// MQTT 5 topic aliases in both directions (spec 3.3.2.3.4). Pure; per network connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/codec/packets.hpp"

namespace accord::protocol {

// Aliases a client sets on PUBLISH packets it sends to us. Limited by our Topic Alias Maximum.
class InboundTopicAliases {
 public:
  explicit InboundTopicAliases(std::uint16_t maximum);

  struct Resolution {
    std::string topic;                      // the topic the PUBLISH is for
    std::optional<mqtt::ReasonCode> error;  // TopicAliasInvalid or ProtocolError when set
  };
  // `topic` is the PUBLISH's topic field (may be empty), `alias` its Topic Alias property.
  // alias 0 or > maximum -> TopicAliasInvalid; empty topic with an unknown alias -> ProtocolError;
  // a non-empty topic with an alias (re)binds the alias.
  Resolution resolve(std::string_view topic, std::optional<std::uint16_t> alias);

 private:
  std::uint16_t maximum_;
  std::vector<std::string> topics_;  // index alias-1; grown lazily
};

// Aliases we assign on PUBLISH packets we send, limited by the client's Topic Alias Maximum.
// When full, the least recently used alias is re-bound.
class OutboundTopicAliases {
 public:
  explicit OutboundTopicAliases(std::uint16_t client_maximum = 0);

  struct Choice {
    std::uint16_t alias;
    bool send_topic;  // true the first time (binds the alias), false afterwards (topic empty)
  };
  // nullopt when the client accepts no aliases.
  std::optional<Choice> choose(std::string_view topic);

 private:
  std::uint16_t maximum_;
  std::uint64_t clock_ = 0;
  struct Slot {
    std::string topic;
    std::uint64_t last_used = 0;
  };
  std::vector<Slot> slots_;  // index alias-1
  std::unordered_map<std::string, std::uint16_t> by_topic_;
};

}  // namespace accord::protocol
