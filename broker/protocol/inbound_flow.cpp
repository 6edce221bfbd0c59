#include "broker/protocol/inbound_flow.hpp"

#include <algorithm>

namespace accord::protocol {

// 0 is not a legal Receive Maximum; reading it as "no QoS>0 at all" would refuse everything.
InboundFlow::InboundFlow(std::uint16_t receive_maximum)
    : receive_maximum_(receive_maximum == 0 ? 1 : receive_maximum) {}

InboundFlow::PublishOutcome InboundFlow::on_publish(std::uint16_t packet_id, std::uint8_t qos) {
  if (qos == 0) return PublishOutcome::Forward;  // QoS 0 is never acknowledged, so no quota
  if (qos >= 2) {
    // Checked before the quota: a resent PUBLISH for an id we hold already counts once.
    if (std::find(qos2_awaiting_pubrel_.begin(), qos2_awaiting_pubrel_.end(), packet_id) !=
        qos2_awaiting_pubrel_.end()) {
      return PublishOutcome::DuplicateQos2;
    }
    if (unacknowledged() >= receive_maximum_) return PublishOutcome::QuotaExceeded;
    qos2_awaiting_pubrel_.push_back(packet_id);
    return PublishOutcome::Forward;
  }
  if (unacknowledged() >= receive_maximum_) return PublishOutcome::QuotaExceeded;
  ++qos1_unacked_;
  return PublishOutcome::Forward;
}

void InboundFlow::ack_qos1() {
  // Tolerate a stray call (e.g. after reset_connection) rather than wrap around.
  if (qos1_unacked_ > 0) --qos1_unacked_;
}

void InboundFlow::abandon_qos2(std::uint16_t packet_id) {
  on_pubrel(packet_id);
}

bool InboundFlow::on_pubrel(std::uint16_t packet_id) {
  auto it = std::find(qos2_awaiting_pubrel_.begin(), qos2_awaiting_pubrel_.end(), packet_id);
  if (it == qos2_awaiting_pubrel_.end()) return false;
  // Order does not matter for these ids, so swap-and-pop instead of shifting the tail.
  *it = qos2_awaiting_pubrel_.back();
  qos2_awaiting_pubrel_.pop_back();
  if (qos2_awaiting_pubrel_.empty()) qos2_awaiting_pubrel_.shrink_to_fit();
  return true;
}

std::size_t InboundFlow::unacknowledged() const {
  return qos1_unacked_ + qos2_awaiting_pubrel_.size();
}

const std::vector<std::uint16_t>& InboundFlow::pending_qos2() const {
  return qos2_awaiting_pubrel_;
}

void InboundFlow::restore_qos2(std::uint16_t packet_id) {
  if (std::find(qos2_awaiting_pubrel_.begin(), qos2_awaiting_pubrel_.end(), packet_id) ==
      qos2_awaiting_pubrel_.end())
    qos2_awaiting_pubrel_.push_back(packet_id);
}

void InboundFlow::reset_connection() {
  qos1_unacked_ = 0;
}

}  // namespace accord::protocol
