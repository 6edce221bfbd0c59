// What a session needs from the network connection it is attached to. Implemented by
// net::Connection; every call happens on the connection's own I/O thread.
#pragma once

#include <cstddef>
#include <string_view>

#include "broker/codec/codec.hpp"
#include "broker/core/message.hpp"

namespace accord::core {

class Link {
 public:
  virtual ~Link() = default;
  virtual mqtt::ProtocolVersion version() const = 0;
  // Queues a control packet. Writes are gathered and flushed after the current handler.
  virtual void send(const mqtt::Packet& packet) = 0;
  // Queues a PUBLISH whose shared properties and payload come from `message` without copying.
  virtual void send_publish(const mqtt::PublishHead& head, const MessagePtr& message) = 0;
  // Bytes queued and not yet written to the socket.
  virtual std::size_t queued_bytes() const = 0;
  // Ends the connection: MQTT 5 gets a DISCONNECT with `reason` first; 3.1.1 is just closed.
  virtual void disconnect(mqtt::ReasonCode reason, std::string_view reason_string = {}) = 0;
  virtual std::string_view peer() const = 0;
};

}  // namespace accord::core
