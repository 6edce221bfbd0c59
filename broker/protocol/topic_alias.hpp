// MQTT 5 topic aliases in both directions (spec 3.3.2.3.4). Pure; per network connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
  std::vector<std::string> topics_;  // index alias-1; grown lazily (only up to the highest used)
};

// Aliases we assign on PUBLISH packets we send, limited by the client's Topic Alias Maximum.
// When full, the least recently used alias is re-bound.
class OutboundTopicAliases {
 public:
  explicit OutboundTopicAliases(std::uint16_t client_maximum = 0);
  OutboundTopicAliases(const OutboundTopicAliases& other);
  OutboundTopicAliases& operator=(const OutboundTopicAliases& other);
  OutboundTopicAliases(OutboundTopicAliases&&) noexcept;
  OutboundTopicAliases& operator=(OutboundTopicAliases&&) noexcept;
  ~OutboundTopicAliases();

  struct Choice {
    std::uint16_t alias;
    bool send_topic;  // true the first time (binds the alias), false afterwards (topic empty)
  };
  // nullopt when the client accepts no aliases.
  std::optional<Choice> choose(std::string_view topic);

  std::uint16_t maximum() const { return maximum_; }
  std::size_t bound() const;  // aliases currently bound

 private:
  struct State;
  // Allocated on the first choose(): most connections never publish to an alias-capable client
  // or never receive anything, and an idle connection should cost one pointer here.
  std::unique_ptr<State> state_;
  std::uint16_t maximum_;
};

}  // namespace accord::protocol
