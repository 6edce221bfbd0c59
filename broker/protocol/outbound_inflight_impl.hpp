// Template bodies of OutboundInflight; included by outbound_inflight.hpp only.
#pragma once

#include <algorithm>
#include <type_traits>
#include <utility>

namespace accord::protocol {

namespace detail {
// A window of 0 could never drain (the spec forbids 0 in CONNECT anyway), so it is read as 1.
inline std::uint16_t sanitize_receive_maximum(std::uint16_t m) {
  return m == 0 ? 1 : m;
}
}  // namespace detail

template <class Item>
OutboundInflight<Item>::OutboundInflight(std::uint16_t receive_maximum)
    : receive_maximum_(detail::sanitize_receive_maximum(receive_maximum)) {}

template <class Item>
void OutboundInflight<Item>::set_receive_maximum(std::uint16_t m) {
  // Lowering below size() keeps what is in flight; can_send() stays false until acks drain it.
  receive_maximum_ = detail::sanitize_receive_maximum(m);
}

template <class Item>
std::uint16_t OutboundInflight<Item>::receive_maximum() const {
  return receive_maximum_;
}

template <class Item>
bool OutboundInflight<Item>::can_send() const {
  return entries_.size() < receive_maximum_;
}

template <class Item>
std::size_t OutboundInflight<Item>::size() const {
  return entries_.size();
}

template <class Item>
bool OutboundInflight<Item>::empty() const {
  return entries_.empty();
}

template <class Item>
std::optional<std::uint16_t> OutboundInflight<Item>::start(Item item, std::uint8_t qos) {
  // receive_maximum_ <= 65535 and size() < receive_maximum_ here, so a free id always exists
  // and the loop below ends.
  if (!can_send()) return std::nullopt;
  std::uint16_t id = next_id_;
  // Linear probing is fine: the window is small (max_inflight_out) and ids are handed out in
  // order, so a clash only happens after a full wrap with an old message still unacknowledged.
  while (find(id) != nullptr) id = static_cast<std::uint16_t>(id == 65535 ? 1 : id + 1);
  next_id_ = static_cast<std::uint16_t>(id == 65535 ? 1 : id + 1);
  entries_.push_back(Entry{id,
                           qos >= 2 ? OutboundState::AwaitingPubrec : OutboundState::AwaitingPuback,
                           std::move(item)});
  return id;
}

template <class Item>
const typename OutboundInflight<Item>::Entry* OutboundInflight<Item>::find(std::uint16_t id) const {
  // Acks mostly arrive in send order, so the oldest entry (the front) is the usual hit.
  for (const Entry& e : entries_) {
    if (e.packet_id == id) return &e;
  }
  return nullptr;
}

template <class Item>
typename OutboundInflight<Item>::Entry* OutboundInflight<Item>::find(std::uint16_t id) {
  return const_cast<Entry*>(std::as_const(*this).find(id));
}

template <class Item>
bool OutboundInflight<Item>::restore(std::uint16_t id, OutboundState state, Item item) {
  if (id == 0 || find(id) != nullptr) return false;
  // Restored entries may exceed the receive maximum: they were in flight when the broker
  // stopped and are retransmitted as acknowledgements free the window (see Session::attach).
  entries_.push_back(Entry{id, state, std::move(item)});
  next_id_ = static_cast<std::uint16_t>(id == 65535 ? 1 : id + 1);
  return true;
}

template <class Item>
AckOutcome OutboundInflight<Item>::on_puback(std::uint16_t id, Item* out) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [id](const Entry& e) { return e.packet_id == id; });
  if (it == entries_.end()) return AckOutcome::UnknownId;
  if (it->state != OutboundState::AwaitingPuback) return AckOutcome::UnexpectedAck;
  if (out) *out = std::move(it->item);
  // erase (not swap-and-pop) keeps entries() in send order for retransmission.
  entries_.erase(it);
  release_if_empty();
  return AckOutcome::Completed;
}

template <class Item>
AckOutcome OutboundInflight<Item>::on_pubrec(std::uint16_t id, std::uint8_t reason_code,
                                             Item* out) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [id](const Entry& e) { return e.packet_id == id; });
  if (it == entries_.end()) return AckOutcome::UnknownId;
  if (it->state == OutboundState::AwaitingPubcomp) {
    // A repeated PUBREC (e.g. our PUBREL was lost across a reconnect) is answered with PUBREL
    // again; a failure code at this point is nonsense from the client.
    return reason_code >= 0x80 ? AckOutcome::UnexpectedAck : AckOutcome::SendPubrel;
  }
  if (it->state != OutboundState::AwaitingPubrec) return AckOutcome::UnexpectedAck;
  if (reason_code >= 0x80) {
    if (out) *out = std::move(it->item);
    entries_.erase(it);
    release_if_empty();
    return AckOutcome::Completed;
  }
  it->state = OutboundState::AwaitingPubcomp;
  // After PUBREC the PUBLISH is never sent again (spec 4.3.3), only PUBREL with this id, so
  // the payload need not be held for the rest of the handshake.
  if (out) {
    *out = std::move(it->item);
  } else if constexpr (std::is_default_constructible_v<Item> && std::is_move_assignable_v<Item>) {
    it->item = Item{};
  }
  return AckOutcome::SendPubrel;
}

template <class Item>
AckOutcome OutboundInflight<Item>::on_pubcomp(std::uint16_t id) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [id](const Entry& e) { return e.packet_id == id; });
  if (it == entries_.end()) return AckOutcome::UnknownId;
  if (it->state != OutboundState::AwaitingPubcomp) return AckOutcome::UnexpectedAck;
  entries_.erase(it);
  release_if_empty();
  return AckOutcome::Completed;
}

template <class Item>
const std::vector<typename OutboundInflight<Item>::Entry>& OutboundInflight<Item>::entries() const {
  return entries_;
}

template <class Item>
void OutboundInflight<Item>::clear() {
  entries_.clear();
  release_if_empty();
}

template <class Item>
void OutboundInflight<Item>::release_if_empty() {
  // A burst may have grown the buffer to the whole window; an idle session should not keep it.
  if (entries_.empty() && entries_.capacity() > kKeptCapacity) {
    std::vector<Entry>().swap(entries_);
  }
}

}  // namespace accord::protocol
