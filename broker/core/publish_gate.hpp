// The publish path's contract check as the broker core sees it: a PUBLISH in, what to do with
// it out. The core knows nothing of CloudEvents or schemas; broker/gate implements this on top of
// registry/enforcement. Called on I/O threads, for every client PUBLISH and every will, before
// anything is stored, routed or acknowledged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "broker/codec/packets.hpp"

namespace accord::core {

struct GateRequest {
  std::string_view client_id;
  mqtt::ProtocolVersion version = mqtt::ProtocolVersion::v5;
  std::string_view topic;
  const mqtt::Properties* properties = nullptr;  // never null
  std::string_view payload;
  std::uint8_t qos = 0;
  bool is_will = false;
};

struct GateDecision {
  enum class Action : std::uint8_t {
    Deliver,   // as published (also: not governed, dry run, log-only)
    Reject,    // MQTT 5 QoS 1/2: PUBACK/PUBREC 0x99 + reason; otherwise see disconnect_unacked
    Redirect,  // deliver to redirect_topic instead, with redirect_properties appended
    Drop,      // acknowledge as usual, deliver to nobody
  };
  Action action = Action::Deliver;
  // Reject when no acknowledgement can carry the reason (MQTT 3.1.1, MQTT 5 QoS 0): close the
  // connection instead of acknowledging and dropping.
  bool disconnect_unacked = false;
  std::string reason;  // Reject: the reason string (first error, one line)
  std::string redirect_topic;
  std::vector<mqtt::UserProperty> redirect_properties;
};

class PublishGate {
 public:
  virtual ~PublishGate() = default;
  // Any thread, concurrently: implementations take no lock per call in the steady state.
  virtual GateDecision check(const GateRequest& request) = 0;
};

}  // namespace accord::core
