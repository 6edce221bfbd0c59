#include "broker/core/session.hpp"

#include <algorithm>

#include "broker/codec/topic.hpp"
#include "broker/core/broker.hpp"
#include "broker/core/log.hpp"

namespace accord::core {

using mqtt::ProtocolVersion;
using mqtt::ReasonCode;

Session::Session(Broker& broker, std::string client_id, unsigned owner)
    : broker_(broker),
      client_id_(std::move(client_id)),
      owner_(owner),
      inflight_(broker.config().max_inflight_out),
      inbound_(broker.config().receive_maximum) {
  broker_.metrics().sessions_current.fetch_add(1, std::memory_order_relaxed);
}

Session::~Session() {
  broker_.metrics().sessions_current.fetch_sub(1, std::memory_order_relaxed);
  if (queue_) {
    broker_.metrics().count_queued(-static_cast<std::int64_t>(queue_->size()),
                                   -static_cast<std::int64_t>(queued_bytes_));
  }
}

bool Session::is_v5() const { return link_ && link_->version() == ProtocolVersion::v5; }

void Session::attach(Link& link, const mqtt::Connect& connect, std::uint32_t session_expiry) {
  (void)session_expiry;
  const Config& cfg = broker_.config();
  link_ = &link;
  ++attachment_;
  const bool v5 = connect.version == ProtocolVersion::v5;
  client_max_packet_size_ = v5 ? connect.properties.maximum_packet_size.value_or(0) : 0;
  // Request Problem Information 0: no reason strings outside PUBLISH, CONNACK, DISCONNECT.
  problem_information_ = !v5 || connect.properties.request_problem_information.value_or(1) != 0;
  inbound_aliases_ = protocol::InboundTopicAliases(v5 ? cfg.topic_alias_maximum : 0);
  outbound_aliases_ =
      protocol::OutboundTopicAliases(v5 ? connect.properties.topic_alias_maximum.value_or(0) : 0);
  std::uint16_t client_receive_max = v5 ? connect.properties.receive_maximum.value_or(65535) : 65535;
  inflight_.set_receive_maximum(std::min(client_receive_max, cfg.max_inflight_out));
  inbound_.reset_connection();
  will_ = connect.will ? std::make_unique<mqtt::Will>(*connect.will) : nullptr;

  // Retransmit what the previous connection left unacknowledged, in the original order
  // (spec 4.4): PUBLISH with DUP set, or PUBREL for messages already PUBREC'd. Every entry
  // still counts against the new Receive Maximum, so PUBLISHes beyond it wait for acks.
  awaiting_resend_.clear();
  std::size_t window = inflight_.receive_maximum();
  for (const auto& entry : inflight_.entries()) {
    // Its state is still being written: after_state_stored() sends it.
    if (awaiting_store(entry.packet_id)) continue;
    if (window > 0) --window;
    else if (entry.state != protocol::OutboundState::AwaitingPubcomp) {
      awaiting_resend_.push_back(entry.packet_id);
      continue;
    }
    resend(entry);
  }
  pump();
}

void Session::resend(const protocol::OutboundInflight<Delivery>::Entry& entry) {
  if (entry.state == protocol::OutboundState::AwaitingPubcomp) {
    link_->send(mqtt::Pubrel{entry.packet_id, 0, {}});
  } else {
    Delivery copy = entry.item;
    send_delivery(copy, entry.packet_id, /*dup=*/true);
  }
}

void Session::resend_next() {
  // One acknowledgement frees one place in the client's window.
  while (link_ && !awaiting_resend_.empty()) {
    const std::uint16_t id = awaiting_resend_.front();
    awaiting_resend_.erase(awaiting_resend_.begin());
    if (const auto* entry = inflight_.find(id)) {
      resend(*entry);
      return;
    }
  }
}

void Session::detach() {
  link_ = nullptr;
  awaiting_resend_.clear();
  will_.reset();
}

void Session::send_delivery(Delivery& d, std::uint16_t packet_id, bool dup) {
  const Message& m = *d.message;
  const auto now = broker_.now();
  mqtt::PublishHead head;
  head.version = link_->version();
  head.qos = d.qos;
  head.retain = d.retain;
  head.dup = dup;
  head.topic = m.topic;
  head.packet_id = packet_id;
  head.payload_length = m.payload.size();
  if (head.version == ProtocolVersion::v5) {
    head.subscription_identifiers = d.subscription_ids;
    head.message_expiry_interval = m.remaining_expiry(now);
    head.shared_properties_length = m.shared_properties.size();
    if (auto choice = outbound_aliases_.choose(m.topic)) {
      head.topic_alias = choice->alias;
      if (!choice->send_topic) head.topic = {};
    }
  }
  link_->send_publish(head, d.message);
  broker_.metrics().count_sent(d.qos);
}

bool Session::enqueue(Delivery&& d) {
  const Config& cfg = broker_.config();
  if (!queue_) queue_ = std::make_unique<std::deque<Delivery>>();
  const std::size_t size = d.message->payload.size();
  if (queue_->size() >= cfg.max_queued_messages || queued_bytes_ + size > cfg.max_queued_bytes) {
    Metrics::add(broker_.metrics().dropped_queue_full);
    forget(d);
    return false;
  }
  queued_bytes_ += size;
  broker_.metrics().count_queued(1, static_cast<std::int64_t>(size));
  queue_->push_back(std::move(d));
  return true;
}

namespace {
// The client's Maximum Packet Size, checked with the full topic (worst case, before any alias is
// chosen): a message too large for the client is dropped as if delivered (spec 3.1.2.11.4).
bool too_large_for(std::uint32_t client_max, const Delivery& d, ProtocolVersion v) {
  if (client_max == 0) return false;
  mqtt::PublishHead head;
  head.version = v;
  head.qos = d.qos;
  head.topic = d.message->topic;
  head.packet_id = d.qos ? 1 : 0;
  head.subscription_identifiers = d.subscription_ids;
  if (d.message->expires_at) head.message_expiry_interval = 0xFFFFFFFF;
  head.shared_properties_length = d.message->shared_properties.size();
  head.payload_length = d.message->payload.size();
  return mqtt::publish_wire_size(head) > client_max;
}
}  // namespace

const auth::Permissions& Session::permissions() {
  if (auth::AuthService* auth = broker_.auth(); auth && auth->generation() != permissions_->generation()) {
    if (auto fresh = auth->permissions(permissions_->identity())) permissions_ = std::move(fresh);
    read_cache_.reset();
  }
  return *permissions_;
}

bool Session::may_read(const std::string& topic) {
  const auth::Permissions& rules = permissions();
  if (!read_cache_) read_cache_ = std::make_unique<std::unordered_map<std::string, bool>>();
  if (auto it = read_cache_->find(topic); it != read_cache_->end()) return it->second;
  if (read_cache_->size() >= 1024) read_cache_->clear();
  const bool allowed = rules.can_read(topic);
  read_cache_->emplace(topic, allowed);
  return allowed;
}

void Session::deliver(Delivery d) {
  if (ended_) return;
  // The subscription was allowed, but a deny rule (or a reloaded ACL) may still cover this
  // topic: a wide filter must not carry what the client may not read.
  if (permissions_ && !may_read(d.message->topic)) {
    Metrics::add(broker_.metrics().acl_denied_read);
    forget(d);
    return;
  }
  Metrics& metrics = broker_.metrics();
  const Config& cfg = broker_.config();
  if (d.message->expired(broker_.now())) {
    Metrics::add(metrics.dropped_expired);
    forget(d);
    return;
  }
  if (!link_) {
    if (d.qos == 0 && !cfg.queue_qos0_offline) {
      Metrics::add(metrics.dropped_offline_qos0);
      return;
    }
    enqueue(std::move(d));
    return;
  }
  if (queue_ && !queue_->empty()) {  // keep order behind what is already waiting
    if (d.qos == 0 && link_->queued_bytes() >= cfg.write_queue_high_water) {
      Metrics::add(metrics.dropped_qos0_slow_subscriber);
      return;
    }
    enqueue(std::move(d));
    pump();
    return;
  }
  if (too_large_for(client_max_packet_size_, d, link_->version())) {
    Metrics::add(metrics.dropped_too_large);
    forget(d);
    return;
  }
  if (d.qos == 0) {
    if (link_->queued_bytes() >= cfg.write_queue_high_water) {
      Metrics::add(metrics.dropped_qos0_slow_subscriber);
      return;
    }
    send_delivery(d, 0, false);
    return;
  }
  if (!inflight_.can_send() || link_->queued_bytes() >= cfg.write_queue_high_water) {
    enqueue(std::move(d));
    return;
  }
  start_delivery(std::move(d));
}

void Session::start_delivery(Delivery&& d) {
  const std::uint8_t qos = d.qos;
  const std::uint64_t seq = d.seq;
  const std::uint16_t id = *inflight_.start(std::move(d), qos);
  Delivery& item = inflight_.find(id)->item;
  if (qos == 2 && seq != 0) {
    // After a restart the copy must go out with this same packet id, or a client that already
    // has it would take the resend for a new message.
    store_then_send(id, queue_entry(item, id, store::QueueState::AwaitingPubrec));
    return;
  }
  send_delivery(item, id, false);
}

store::QueueEntry Session::queue_entry(const Delivery& d, std::uint16_t packet_id,
                                       store::QueueState state) const {
  store::QueueEntry e;
  e.client_id = client_id_;
  e.seq = d.seq;
  e.message_id = d.seq;
  e.qos = d.qos;
  e.retain = d.retain;
  e.subscription_ids = d.subscription_ids;
  e.packet_id = packet_id;
  e.state = state;
  return e;
}

void Session::forget(const Delivery& d) {
  if (d.seq == 0) return;
  store::WriteBatch batch;
  batch.delete_queue_entry(client_id_, d.seq);
  // Not waited for: if it is lost in a crash the copy is delivered once more, which QoS 1
  // allows; QoS 2 copies are forgotten only after PUBCOMP, when a resend is answered by the
  // client's PUBCOMP without a delivery.
  broker_.write(std::move(batch));
}

bool Session::awaiting_store(std::uint16_t packet_id) const {
  return std::find(awaiting_store_.begin(), awaiting_store_.end(), packet_id) !=
         awaiting_store_.end();
}

void Session::store_then_send(std::uint16_t packet_id, const store::QueueEntry& entry) {
  awaiting_store_.push_back(packet_id);
  store::WriteBatch batch;
  batch.put_queue_entry(entry);
  broker_.commit(std::move(batch), shared_from_this(),
                 [packet_id, seq = entry.seq](const SessionPtr& s, bool) {
                   // Sent even if the write failed (it was logged): holding the message back
                   // would stall the client, and only a crash before the next write loses the
                   // state.
                   s->after_state_stored(packet_id, seq);
                 });
}

void Session::after_state_stored(std::uint16_t packet_id, std::uint64_t seq) {
  std::erase(awaiting_store_, packet_id);
  if (!link_) return;  // attach() of the next connection sends it
  auto* entry = inflight_.find(packet_id);
  if (!entry || entry->item.seq != seq) return;
  if (entry->state == protocol::OutboundState::AwaitingPubcomp) {
    link_->send(mqtt::Pubrel{packet_id, 0, {}});
  } else {
    send_delivery(entry->item, packet_id, false);
  }
}

void Session::restore_delivery(Delivery d, store::QueueState state, std::uint16_t packet_id) {
  using store::QueueState;
  if (state == QueueState::AwaitingPubrec || state == QueueState::AwaitingPubcomp) {
    const auto s = state == QueueState::AwaitingPubrec ? protocol::OutboundState::AwaitingPubrec
                                                       : protocol::OutboundState::AwaitingPubcomp;
    if (inflight_.restore(packet_id, s, std::move(d))) return;
    if (state == QueueState::AwaitingPubcomp) return;  // nothing left to send
    // A clashing packet id cannot come from our own writes; deliver it afresh rather than lose it.
  }
  if (!queue_) queue_ = std::make_unique<std::deque<Delivery>>();
  // Not subject to the queue limits: every one of these was accepted within them.
  queued_bytes_ += d.message->payload.size();
  broker_.metrics().count_queued(1, static_cast<std::int64_t>(d.message->payload.size()));
  queue_->push_back(std::move(d));
}

void Session::pump() {
  if (!link_ || !queue_) return;
  const Config& cfg = broker_.config();
  const auto now = broker_.now();
  while (!queue_->empty() && link_->queued_bytes() < cfg.write_queue_high_water) {
    Delivery& front = queue_->front();
    if (front.qos > 0 && !inflight_.can_send()) break;
    Delivery d = std::move(front);
    queue_->pop_front();
    queued_bytes_ -= d.message->payload.size();
    broker_.metrics().count_queued(-1, -static_cast<std::int64_t>(d.message->payload.size()));
    if (d.message->expired(now)) {
      Metrics::add(broker_.metrics().dropped_expired);
      forget(d);
      continue;
    }
    if (too_large_for(client_max_packet_size_, d, link_->version())) {
      Metrics::add(broker_.metrics().dropped_too_large);
      forget(d);
      continue;
    }
    // Queued before this connection's rules were known (a restart, a reconnect as another
    // user, an ACL reload): checked again on the way out.
    if (permissions_ && !may_read(d.message->topic)) {
      Metrics::add(broker_.metrics().acl_denied_read);
      forget(d);
      continue;
    }
    if (d.qos == 0) {
      send_delivery(d, 0, false);
    } else {
      start_delivery(std::move(d));
    }
  }
  if (queue_->empty()) {
    queue_.reset();  // give the memory back: idle sessions hold no queue
    queued_bytes_ = 0;
  }
}

void Session::protocol_error(ReasonCode reason, std::string_view why) {
  Metrics::add(broker_.metrics().protocol_errors);
  log::info("protocol_error", {{"client_id", client_id_},
                               {"reason", mqtt::reason_code_name(static_cast<std::uint8_t>(reason))},
                               {"detail", why}});
  if (link_) link_->disconnect(reason, why);
}

void Session::acknowledge_publish(mqtt::PacketType type, std::uint16_t id, std::uint8_t reason,
                                  std::string_view why) {
  mqtt::Properties props;
  if (!why.empty() && is_v5() && problem_information_) props.reason_string = std::string(why);
  if (type == mqtt::PacketType::Puback) {
    link_->send(mqtt::Puback{id, reason, std::move(props)});
  } else {
    link_->send(mqtt::Pubrec{id, reason, std::move(props)});
  }
}

void Session::acknowledge_in_order(mqtt::PacketType type, std::uint16_t id, std::uint8_t reason,
                                   std::string why) {
  // Earlier publishes still waiting for the store get their acks first (spec 4.6).
  if (broker_.durable() && publishes_in_store_ > 0) {
    broker_.commit({}, shared_from_this(),
                   [type, id, reason, why = std::move(why), attachment = attachment_](
                       const SessionPtr& s, bool) {
                     if (s->link() && attachment == s->attachment_)
                       s->acknowledge_publish(type, id, reason, why);
                   });
    return;
  }
  acknowledge_publish(type, id, reason, why);
}

void Session::on_publish(mqtt::Publish&& p) {
  if (!link_) return;
  const Config& cfg = broker_.config();
  broker_.metrics().count_received(p.qos);
  if (link_->version() == ProtocolVersion::v5) {
    if (p.properties.topic_alias || p.topic.empty()) {
      auto resolved = inbound_aliases_.resolve(p.topic, p.properties.topic_alias);
      if (resolved.error) {
        protocol_error(*resolved.error, "invalid topic alias");
        return;
      }
      p.topic = std::move(resolved.topic);
    }
    p.properties.topic_alias.reset();
    if (!p.properties.subscription_identifiers.empty()) {
      protocol_error(ReasonCode::ProtocolError, "subscription identifier in PUBLISH from a client");
      return;
    }
  }
  if (p.topic.empty()) {
    protocol_error(ReasonCode::ProtocolError, "empty topic");
    return;
  }
  if (!within_topic_levels(p.topic, cfg.max_topic_levels)) {
    protocol_error(ReasonCode::TopicNameInvalid, "topic has too many levels");
    return;
  }
  if (p.qos > cfg.maximum_qos) {
    protocol_error(ReasonCode::QosNotSupported, "QoS above the server's maximum");
    return;
  }
  if (p.retain && !cfg.retain_available) {
    protocol_error(ReasonCode::RetainNotSupported, "retain is not available");
    return;
  }

  const std::uint16_t id = p.packet_id;
  const std::uint8_t qos = p.qos;
  // Payload Format Indicator 1 promises UTF-8 (spec 3.3.2.3.2); a broken promise is refused
  // with 0x99 rather than passed on to subscribers that trust it.
  if (p.properties.payload_format_indicator.value_or(0) == 1 &&
      !mqtt::is_valid_mqtt_utf8(p.payload)) {
    if (qos == 0) {
      protocol_error(ReasonCode::PayloadFormatInvalid, "payload is not valid UTF-8");
    } else {
      acknowledge_in_order(qos == 1 ? mqtt::PacketType::Puback : mqtt::PacketType::Pubrec, id,
                           static_cast<std::uint8_t>(ReasonCode::PayloadFormatInvalid),
                           "payload is not valid UTF-8");
    }
    return;
  }
  // The contract check (policies on the topic), before anything is stored or acknowledged.
  // Deleting a retained message (retain, empty payload) is not an event: never checked.
  // A resent QoS 2 publish whose first copy was already taken is not checked again: the answer
  // could differ if the policy or schema changed meanwhile, and the id is already in flight.
  bool deliver = true;
  const auto& awaiting = inbound_.pending_qos2();
  const bool resent_qos2 =
      qos == 2 && std::find(awaiting.begin(), awaiting.end(), id) != awaiting.end();
  // The ACL first (retained deletions too): MQTT 5 says no in the ack; 3.1.1 cannot, so the
  // publish is acknowledged as usual and delivered to nobody.
  if (permissions_ && !resent_qos2 && !permissions().can_publish(p.topic)) {
    Metrics::add(broker_.metrics().acl_denied_publish);
    if (qos > 0 && is_v5()) {
      acknowledge_in_order(qos == 1 ? mqtt::PacketType::Puback : mqtt::PacketType::Pubrec, id,
                           static_cast<std::uint8_t>(ReasonCode::NotAuthorized),
                           "not authorized to publish to this topic");
      return;
    }
    deliver = false;
  }
  if (PublishGate* gate = broker_.publish_gate();
      gate && deliver && !resent_qos2 && !(p.retain && p.payload.empty())) {
    GateDecision d = gate->check(
        GateRequest{client_id_, link_->version(), p.topic, &p.properties, p.payload, qos, false});
    switch (d.action) {
      case GateDecision::Action::Deliver:
        break;
      case GateDecision::Action::Reject:
        if (qos > 0 && is_v5()) {
          acknowledge_in_order(qos == 1 ? mqtt::PacketType::Puback : mqtt::PacketType::Pubrec, id,
                               static_cast<std::uint8_t>(ReasonCode::PayloadFormatInvalid),
                               std::move(d.reason));
          return;
        }
        if (d.disconnect_unacked) {
          protocol_error(ReasonCode::PayloadFormatInvalid, d.reason);
          return;
        }
        deliver = false;  // no ack can say no: acknowledged as usual, delivered to nobody
        break;
      case GateDecision::Action::Drop:
        deliver = false;
        break;
      case GateDecision::Action::Redirect:
        p.topic = std::move(d.redirect_topic);
        p.retain = false;  // a dead letter replaces no retained message
        for (auto& prop : d.redirect_properties) p.properties.user_properties.push_back(std::move(prop));
        break;
    }
  }
  if (qos > 0) {
    auto outcome = inbound_.on_publish(id, qos);
    if (outcome == protocol::InboundFlow::PublishOutcome::QuotaExceeded) {
      protocol_error(ReasonCode::ReceiveMaximumExceeded, "receive maximum exceeded");
      return;
    }
    if (outcome == protocol::InboundFlow::PublishOutcome::DuplicateQos2) {
      if (broker_.durable()) {
        // The first copy may still be on its way to the store: PUBREC only once it is there.
        broker_.commit({}, shared_from_this(), [id, attachment = attachment_](const SessionPtr& s, bool) {
          if (s->link() && attachment == s->attachment_)
            s->acknowledge_publish(mqtt::PacketType::Pubrec, id, 0);
        });
        return;
      }
      acknowledge_publish(mqtt::PacketType::Pubrec, id, 0);
      return;
    }
  }
  if (!deliver) {
    if (qos == 0) return;
    // Acknowledged in order behind publishes still on their way to the store (spec 4.6).
    if (broker_.durable() && publishes_in_store_ > 0) {
      broker_.commit({}, shared_from_this(),
                     [id, qos, attachment = attachment_](const SessionPtr& s, bool) {
                       s->finish_publish_ack(attachment, id, qos, true);
                     });
    } else {
      finish_publish_ack(attachment_, id, qos, true);
    }
    return;
  }
  auto message = make_message(std::move(p.topic), std::move(p.payload), qos, p.retain,
                              p.properties, broker_.now(), this);
  if (broker_.durable()) {
    // Acknowledged, and delivered, only once the store has what this publish changed: the
    // retained message, the copies queued for persistent sessions and, for QoS 2 from a
    // persistent session, the packet id (a resend after a restart must not be delivered again).
    store::WriteBatch batch;
    if (qos == 2 && persistent()) batch.put_inbound_qos2(client_id_, id);
    // A QoS 1/2 publish always goes through the store's queue, even with nothing to write, so
    // that its ack and its copies keep their place behind earlier publishes (spec 4.6).
    const bool may_skip_store = qos == 0 && publishes_in_store_ == 0;
    ++publishes_in_store_;
    if (!broker_.publish_stored(message, std::move(batch), shared_from_this(),
                                [id, qos, attachment = attachment_](const SessionPtr& s, bool ok) {
                                  --s->publishes_in_store_;
                                  if (qos > 0) s->finish_publish_ack(attachment, id, qos, ok);
                                },
                                may_skip_store)) {
      --publishes_in_store_;  // routed at once; `done` will not run
    }
    return;
  }
  broker_.publish(message);
  if (!link_) return;  // delivery to ourselves may have closed the link (e.g. size limits)
  if (qos == 1) {
    inbound_.ack_qos1();
    acknowledge_publish(mqtt::PacketType::Puback, id, 0);
  } else if (qos == 2) {
    acknowledge_publish(mqtt::PacketType::Pubrec, id, 0);
  }
}

void Session::on_puback(const mqtt::Puback& p) {
  Delivery done;
  if (inflight_.on_puback(p.packet_id, &done) == protocol::AckOutcome::Completed) {
    forget(done);
    resend_next();
  }
  pump();
}

void Session::on_pubrec(const mqtt::Pubrec& p) {
  // A PUBLISH still waiting for the store was never sent, so this PUBREC is not for it; a
  // PUBREL waiting for the store is sent when the write completes.
  if (awaiting_store(p.packet_id)) return;
  const auto* entry = inflight_.find(p.packet_id);
  const bool first = entry && entry->state == protocol::OutboundState::AwaitingPubrec;
  Delivery item;
  switch (inflight_.on_pubrec(p.packet_id, p.reason_code, &item)) {
    case protocol::AckOutcome::SendPubrel:
      if (first && item.seq != 0) {
        // The PUBLISH is never sent again from here on: the store must say so before the
        // client sees PUBREL, or a restart would resend it as a new message.
        inflight_.find(p.packet_id)->item.seq = item.seq;
        store_then_send(p.packet_id,
                        queue_entry(item, p.packet_id, store::QueueState::AwaitingPubcomp));
        break;
      }
      link_->send(mqtt::Pubrel{p.packet_id, 0, {}});
      break;
    case protocol::AckOutcome::Completed:  // PUBREC with an error: the message is done
      forget(item);
      resend_next();
      break;
    case protocol::AckOutcome::UnknownId:
      link_->send(mqtt::Pubrel{
          p.packet_id, static_cast<std::uint8_t>(ReasonCode::PacketIdentifierNotFound), {}});
      break;
    default:
      break;
  }
  pump();
}

void Session::on_pubrel(const mqtt::Pubrel& p) {
  const bool known = inbound_.on_pubrel(p.packet_id);
  if (known && persistent()) {
    // PUBCOMP frees the id for the client's next message, so the stored id must be gone first:
    // after a restart it would make that next message look like a resend and drop it.
    store::WriteBatch batch;
    batch.delete_inbound_qos2(client_id_, p.packet_id);
    broker_.commit(std::move(batch), shared_from_this(),
                   [id = p.packet_id, attachment = attachment_](const SessionPtr& s, bool) {
                     if (s->link() && attachment == s->attachment_)
                       s->link()->send(mqtt::Pubcomp{id, 0, {}});
                   });
    return;
  }
  link_->send(mqtt::Pubcomp{
      p.packet_id,
      known ? std::uint8_t{0} : static_cast<std::uint8_t>(ReasonCode::PacketIdentifierNotFound),
      {}});
}

void Session::on_pubcomp(const mqtt::Pubcomp& p) {
  const auto* entry = inflight_.find(p.packet_id);
  const std::uint64_t seq = entry ? entry->item.seq : 0;
  if (inflight_.on_pubcomp(p.packet_id) == protocol::AckOutcome::Completed) {
    Delivery done;
    done.seq = seq;
    forget(done);
    resend_next();
  }
  pump();
}

void Session::on_subscribe(mqtt::Subscribe&& p) {
  if (ended_ || !link_) return;  // a session ended by a clean-start takeover takes no more
  const Config& cfg = broker_.config();
  const bool v5 = is_v5();
  std::uint32_t subscription_id = 0;
  if (!p.properties.subscription_identifiers.empty()) {
    if (!cfg.subscription_identifiers) {
      protocol_error(ReasonCode::SubscriptionIdentifiersNotSupported,
                     "subscription identifiers are not supported");
      return;
    }
    subscription_id = p.properties.subscription_identifiers.front();
  }
  const auto failure = [v5](ReasonCode v5_code) {
    return v5 ? static_cast<std::uint8_t>(v5_code) : std::uint8_t{0x80};
  };

  mqtt::Suback ack;
  ack.packet_id = p.packet_id;
  ack.reason_codes.reserve(p.subscriptions.size());
  std::vector<Delivery> retained;
  for (auto& sub : p.subscriptions) {
    const std::string& filter = sub.filter;
    if (!mqtt::is_valid_topic_filter(filter) ||
        !within_topic_levels(filter, cfg.max_topic_levels)) {
      ack.reason_codes.push_back(failure(ReasonCode::TopicFilterInvalid));
      continue;
    }
    if (permissions_ && !permissions().can_subscribe(filter)) {
      Metrics::add(broker_.metrics().acl_denied_subscribe);
      ack.reason_codes.push_back(failure(ReasonCode::NotAuthorized));
      continue;
    }
    const auto shared = mqtt::parse_shared_filter(filter);
    if (shared && sub.options.no_local) {
      protocol_error(ReasonCode::ProtocolError, "no local on a shared subscription");
      return;
    }
    if (shared && !cfg.shared_subscriptions) {
      ack.reason_codes.push_back(failure(ReasonCode::SharedSubscriptionsNotSupported));
      continue;
    }
    const std::string_view plain = shared ? shared->filter : std::string_view(filter);
    if (!cfg.wildcard_subscriptions && plain.find_first_of("+#") != std::string_view::npos) {
      ack.reason_codes.push_back(failure(ReasonCode::WildcardSubscriptionsNotSupported));
      continue;
    }
    const bool existed = subscriptions_.find(filter) != subscriptions_.end();
    if (!existed && subscriptions_.size() >= cfg.max_subscriptions_per_client) {
      ack.reason_codes.push_back(failure(ReasonCode::QuotaExceeded));
      continue;
    }
    mqtt::SubscriptionOptions options = sub.options;
    options.max_qos = std::min(options.max_qos, cfg.maximum_qos);
    subscriptions_[filter] = SubscriptionRecord{options, subscription_id};
    broker_.subscribe(shared_from_this(), filter, options, subscription_id);
    ack.reason_codes.push_back(options.max_qos);

    // Retained messages are not sent for shared subscriptions (spec 4.8.2).
    const bool send_retained =
        !shared && (options.retain_handling == 0 || (options.retain_handling == 1 && !existed));
    if (send_retained) {
      for (auto& m : broker_.retained_matching(filter)) {
        Delivery d;
        d.qos = std::min(m->qos, options.max_qos);
        d.retain = true;
        if (subscription_id) d.subscription_ids.push_back(subscription_id);
        d.message = std::move(m);
        retained.push_back(std::move(d));
      }
    }
  }
  if (persistent()) {
    store::WriteBatch batch;
    broker_.add_session_record(*this, batch);
    broker_.commit(std::move(batch), shared_from_this(),
                   [ack = std::move(ack), retained = std::move(retained), attachment = attachment_](
                       const SessionPtr& s, bool ok) mutable {
                     s->finish_subscribe(attachment, ack, retained, ok);
                   });
    return;
  }
  link_->send(ack);
  for (auto& d : retained) deliver(std::move(d));
}

void Session::finish_subscribe(std::uint32_t attachment, mqtt::Suback& ack,
                               std::vector<Delivery>& retained, bool ok) {
  if (!link_ || attachment != attachment_) return;
  if (!ok) {
    // The subscriptions work now but would not survive a restart: say so rather than pretend.
    for (auto& code : ack.reason_codes) {
      if (code < 0x80) code = is_v5() ? static_cast<std::uint8_t>(ReasonCode::UnspecifiedError) : 0x80;
    }
  }
  link_->send(ack);
  for (auto& d : retained) deliver(std::move(d));
}

void Session::on_unsubscribe(const mqtt::Unsubscribe& p) {
  mqtt::Unsuback ack;
  ack.packet_id = p.packet_id;
  for (const auto& filter : p.filters) {
    auto it = subscriptions_.find(filter);
    if (it == subscriptions_.end()) {
      ack.reason_codes.push_back(static_cast<std::uint8_t>(ReasonCode::NoSubscriptionExisted));
      continue;
    }
    subscriptions_.erase(it);
    broker_.unsubscribe(shared_from_this(), filter);
    ack.reason_codes.push_back(0);
  }
  if (persistent()) {
    store::WriteBatch batch;
    broker_.add_session_record(*this, batch);
    broker_.commit(std::move(batch), shared_from_this(),
                   [ack = std::move(ack), attachment = attachment_](const SessionPtr& s, bool) {
                     if (s->link() && attachment == s->attachment_) s->link()->send(ack);
                   });
    return;
  }
  link_->send(ack);
}

store::SessionRecord Session::to_record() const {
  store::SessionRecord r;
  r.client_id = client_id_;
  r.subscriptions.reserve(subscriptions_.size());
  for (const auto& [filter, record] : subscriptions_) {
    r.subscriptions.push_back(store::SubscriptionRecord{filter, record.options, record.subscription_id});
  }
  return r;
}

void Session::restore_subscription(const std::string& filter,
                                   const mqtt::SubscriptionOptions& options,
                                   std::uint32_t subscription_id) {
  subscriptions_[filter] = SubscriptionRecord{options, subscription_id};
  broker_.subscribe(shared_from_this(), filter, options, subscription_id);
}

bool Session::persistent() const {
  return broker_.durable() && expiry_interval.load(std::memory_order_relaxed) != 0;
}

void Session::finish_publish_ack(std::uint32_t attachment, std::uint16_t id, std::uint8_t qos,
                                 bool ok) {
  // Not stored: a QoS 2 id is forgotten so that the client's resend is taken as new.
  if (!ok && qos == 2) inbound_.abandon_qos2(id);
  if (!link_ || attachment != attachment_) return;  // that connection is gone; the client resends
  if (ok) {
    if (qos == 1) {
      inbound_.ack_qos1();
      acknowledge_publish(mqtt::PacketType::Puback, id, 0);
    } else {
      acknowledge_publish(mqtt::PacketType::Pubrec, id, 0);
    }
    return;
  }
  // Not stored: never acknowledged as if it were. MQTT 5 says so in the reason code; 3.1.1 has
  // no way to, so the connection is closed and the client will resend.
  if (link_->version() != ProtocolVersion::v5) {
    link_->disconnect(ReasonCode::UnspecifiedError, "storage write failed");
    return;
  }
  if (qos == 1) inbound_.ack_qos1();
  acknowledge_publish(qos == 1 ? mqtt::PacketType::Puback : mqtt::PacketType::Pubrec, id,
                      static_cast<std::uint8_t>(ReasonCode::UnspecifiedError),
                      "storage write failed");
}

void Session::end() {
  if (ended_) return;
  ended_ = true;
  auto self = shared_from_this();
  for (const auto& [filter, record] : subscriptions_) broker_.unsubscribe(self, filter);
  subscriptions_.clear();
  if (queue_) {
    broker_.metrics().count_queued(-static_cast<std::int64_t>(queue_->size()),
                                   -static_cast<std::int64_t>(queued_bytes_));
  }
  queue_.reset();
  queued_bytes_ = 0;
  inflight_.clear();
}

}  // namespace accord::core
