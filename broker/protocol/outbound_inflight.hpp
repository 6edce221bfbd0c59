// QoS 1/2 state for messages the broker sends to one client (spec 4.3, 4.4, 4.9): packet id
// allocation, the PUBACK / PUBREC -> PUBREL -> PUBCOMP handshakes, and the client's Receive
// Maximum. Pure: no I/O, no clocks. Owned by a session; touched only on its owner thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace accord::protocol {

enum class OutboundState : std::uint8_t {
  AwaitingPuback,   // QoS 1 PUBLISH sent
  AwaitingPubrec,   // QoS 2 PUBLISH sent
  AwaitingPubcomp,  // PUBREC received, PUBREL sent
};

enum class AckOutcome : std::uint8_t {
  Completed,      // the id is free again; one more message may be sent
  SendPubrel,     // PUBREC accepted: send PUBREL with the same id, now awaiting PUBCOMP
  UnknownId,      // no message in flight with that id (MQTT 5: reason 0x92 where one is sent)
  UnexpectedAck,  // the id is in flight but in another state (e.g. PUBACK for a QoS 2 message)
};

template <class Item>
class OutboundInflight {
 public:
  struct Entry {
    std::uint16_t packet_id;
    OutboundState state;
    Item item;
  };

  explicit OutboundInflight(std::uint16_t receive_maximum = 65535);

  // The client's Receive Maximum (CONNECT property; 65535 when absent). May change on reconnect.
  void set_receive_maximum(std::uint16_t m);
  std::uint16_t receive_maximum() const;

  // True while fewer than receive_maximum messages are unacknowledged.
  bool can_send() const;
  std::size_t size() const;
  bool empty() const;

  // Records a QoS 1 or 2 message as sent and returns its new packet id, or nullopt when the
  // window is full. Ids are allocated round-robin over 1..65535, skipping ids in use. qos >= 2
  // starts the QoS 2 flow, anything else the QoS 1 flow.
  std::optional<std::uint16_t> start(Item item, std::uint8_t qos);

  // PUBACK for a QoS 1 message. On Completed, *out (if given) receives the item.
  AckOutcome on_puback(std::uint16_t id, Item* out = nullptr);
  // PUBREC. A reason code >= 0x80 ends the flow for that message (Completed, no PUBREL).
  // On SendPubrel the item is no longer needed (the PUBLISH is never resent): it is moved to
  // *out if given, otherwise released (reset to Item{}). A repeated PUBREC for a message already
  // awaiting PUBCOMP answers SendPubrel again.
  AckOutcome on_pubrec(std::uint16_t id, std::uint8_t reason_code = 0, Item* out = nullptr);
  // PUBCOMP for a message awaiting it.
  AckOutcome on_pubcomp(std::uint16_t id);

  // Entries in the order they were first sent: what to retransmit when a session resumes
  // (PUBLISH with DUP for Awaiting{Puback,Pubrec}, PUBREL for AwaitingPubcomp).
  const std::vector<Entry>& entries() const;
  const Entry* find(std::uint16_t id) const;
  Entry* find(std::uint16_t id);
  // Puts back an entry recovered from the store after a restart, with its packet id and state
  // (called before anything else is sent). False if the id is already in use.
  bool restore(std::uint16_t id, OutboundState state, Item item);
  void clear();

 private:
  // Capacity kept when the window drains; above it the buffer is freed.
  static constexpr std::size_t kKeptCapacity = 4;
  void release_if_empty();

  // Kept small on purpose: an idle session with nothing in flight holds an empty vector.
  // Send order, which is also retransmission order; lookups are linear (the window is small).
  std::vector<Entry> entries_;
  std::uint16_t receive_maximum_;
  std::uint16_t next_id_ = 1;
};

}  // namespace accord::protocol

#include "broker/protocol/outbound_inflight_impl.hpp"
