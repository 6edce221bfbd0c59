// State for QoS 1/2 messages a client sends to the broker: our Receive Maximum quota and the
// QoS 2 packet ids that await PUBREL (spec 4.3.3 method B: the message is forwarded once on
// first receipt, the id is remembered until PUBREL so a resent PUBLISH is not forwarded again).
// Pure; owned by a session on its owner thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace accord::protocol {

class InboundFlow {
 public:
  explicit InboundFlow(std::uint16_t receive_maximum = 65535);

  enum class PublishOutcome : std::uint8_t {
    Forward,             // new message: route it, then acknowledge
    DuplicateQos2,       // QoS 2 id already awaiting PUBREL: do not route again, send PUBREC
    QuotaExceeded,       // more unacknowledged QoS>0 messages than our Receive Maximum (0x93)
  };

  // A QoS 1 or 2 PUBLISH arrived. QoS 1 occupies quota until ack_qos1() is called; QoS 2 until
  // the PUBREL arrives.
  PublishOutcome on_publish(std::uint16_t packet_id, std::uint8_t qos);
  // The broker sent the PUBACK for a QoS 1 message.
  void ack_qos1();
  // A QoS 2 id was refused (PUBREC with a reason code >= 0x80): forget it and release its quota.
  void abandon_qos2(std::uint16_t packet_id);
  // PUBREL arrived. True if the id was awaiting it (answer PUBCOMP success); false means
  // PUBCOMP with 0x92 Packet Identifier not found.
  bool on_pubrel(std::uint16_t packet_id);

  // A QoS 2 id recovered from the store after a restart: still awaiting its PUBREL.
  void restore_qos2(std::uint16_t packet_id);

  std::size_t unacknowledged() const;
  const std::vector<std::uint16_t>& pending_qos2() const;
  // On a new network connection the QoS 1 quota starts again (nothing is unacknowledged);
  // QoS 2 ids awaiting PUBREL stay (they are session state).
  void reset_connection();

 private:
  std::vector<std::uint16_t> qos2_awaiting_pubrel_;
  std::uint16_t receive_maximum_;
  std::uint32_t qos1_unacked_ = 0;
};

}  // namespace accord::protocol
