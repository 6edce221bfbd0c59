// One MQTT session: its subscriptions, the messages queued for it and the QoS 1/2 state in both
// directions. Thread ownership: a session belongs to one I/O thread at a time (owner()); every
// method except the registry fields is called only there. It outlives network connections when
// the client asked for a persistent session.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "broker/auth/acl.hpp"
#include "broker/codec/packets.hpp"
#include "broker/core/link.hpp"
#include "broker/core/message.hpp"
#include "broker/protocol/inbound_flow.hpp"
#include "broker/protocol/outbound_inflight.hpp"
#include "broker/protocol/topic_alias.hpp"
#include "broker/store/store.hpp"

namespace accord::core {

class Broker;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Broker& broker, std::string client_id, unsigned owner);
  ~Session();

  const std::string& client_id() const { return client_id_; }
  unsigned owner() const { return owner_.load(std::memory_order_acquire); }
  void set_owner(unsigned thread) { owner_.store(thread, std::memory_order_release); }

  // ---- owner thread ----
  // Binds a new network connection (after CONNACK was queued by the caller): retransmits what is
  // in flight (PUBLISH with DUP, PUBREL) and starts sending queued messages.
  void attach(Link& link, const mqtt::Connect& connect, std::uint32_t session_expiry);
  // The connection is gone (or taken over). The session stays for its expiry interval.
  void detach();
  Link* link() const { return link_; }
  bool online() const { return link_ != nullptr; }

  // Topic rules of the client now connecting (nullptr: no ACL). Before attach().
  void set_permissions(std::shared_ptr<const auth::Permissions> permissions) {
    permissions_ = std::move(permissions);
    read_cache_.reset();
  }

  // The will of the current connection (cleared by a normal DISCONNECT). Held by pointer: most
  // devices set none and an idle session should cost little memory.
  std::unique_ptr<mqtt::Will>& will() { return will_; }

  void deliver(Delivery d);
  // Sends queued messages while the client's receive maximum and the socket's high-water mark
  // allow. Called after acks and when the write queue drains.
  void pump();

  // Packets from the client (after CONNECT).
  void on_publish(mqtt::Publish&& p);
  void on_puback(const mqtt::Puback& p);
  void on_pubrec(const mqtt::Pubrec& p);
  void on_pubrel(const mqtt::Pubrel& p);
  void on_pubcomp(const mqtt::Pubcomp& p);
  void on_subscribe(mqtt::Subscribe&& p);
  void on_unsubscribe(const mqtt::Unsubscribe& p);

  // Persistence: the stored form (client id, subscriptions), and rebuilding a subscription at
  // start-up.
  store::SessionRecord to_record() const;
  void restore_subscription(const std::string& filter, const mqtt::SubscriptionOptions& options,
                            std::uint32_t subscription_id);
  // Rebuilding the session's stored messages at start-up, in the stored order: Queued ones wait
  // in the queue; QoS 2 ones already sent keep their packet id and state, so the client sees the
  // same handshake continue (exactly-once across the restart).
  void restore_delivery(Delivery d, store::QueueState state, std::uint16_t packet_id);
  void restore_inbound_qos2(std::uint16_t packet_id) { inbound_.restore_qos2(packet_id); }

  // The session ends: subscriptions removed, queue dropped. Called once, on the owner thread.
  void end();
  bool ended() const { return ended_; }

  std::size_t queued() const { return queue_ ? queue_->size() : 0; }
  std::size_t inflight() const { return inflight_.size(); }

  // ---- guarded by Broker's registry mutex ----
  std::uint64_t epoch = 0;        // which connection currently owns the session
  bool connected = false;
  // Seconds after disconnect; 0xFFFFFFFF: never. Written under the registry mutex; atomic so
  // that routing can tell persistent sessions (non-zero) without taking the lock.
  std::atomic<std::uint32_t> expiry_interval{0};
  std::optional<Clock::time_point> expires_at;

 private:
  void send_delivery(Delivery& d, std::uint16_t packet_id, bool dup);
  // Moves `d` into the in-flight window and sends it (a stored QoS 2 copy only once the store
  // has its packet id).
  void start_delivery(Delivery&& d);
  // A stored copy that will not be delivered (dropped, or acknowledged): its entry goes.
  void forget(const Delivery& d);
  store::QueueEntry queue_entry(const Delivery& d, std::uint16_t packet_id,
                                store::QueueState state) const;
  // Writes the new state of the QoS 2 handshake for `packet_id`, then sends what that state
  // calls for (PUBLISH or PUBREL): the client never sees a step the store could not replay.
  void store_then_send(std::uint16_t packet_id, const store::QueueEntry& entry);
  void after_state_stored(std::uint16_t packet_id, std::uint64_t seq);
  bool awaiting_store(std::uint16_t packet_id) const;
  void resend(const protocol::OutboundInflight<Delivery>::Entry& entry);
  void resend_next();
  // Sends the PUBACK/PUBREC of a publish once the store has (or has not) committed it.
  void finish_publish_ack(std::uint32_t attachment, std::uint16_t id, std::uint8_t qos, bool ok);
  bool persistent() const;
  void finish_subscribe(std::uint32_t attachment, mqtt::Suback& ack,
                        std::vector<Delivery>& retained, bool ok);
  bool enqueue(Delivery&& d);
  void protocol_error(mqtt::ReasonCode reason, std::string_view why);
  void acknowledge_publish(mqtt::PacketType type, std::uint16_t id, std::uint8_t reason,
                           std::string_view why = {});
  // The same, but behind the acks of publishes still waiting for the store.
  void acknowledge_in_order(mqtt::PacketType type, std::uint16_t id, std::uint8_t reason,
                            std::string why);
  bool is_v5() const;
  // ACL checks (only called when permissions_ is set); re-resolve after an ACL reload.
  const auth::Permissions& permissions();
  bool may_read(const std::string& topic);

  Broker& broker_;
  const std::string client_id_;
  std::atomic<unsigned> owner_;
  Link* link_ = nullptr;
  std::uint32_t attachment_ = 0;  // counts attach(): a late store callback for an old connection is dropped
  bool ended_ = false;

  // Per connection.
  std::uint32_t client_max_packet_size_ = 0;  // 0: no limit stated
  bool problem_information_ = true;
  protocol::InboundTopicAliases inbound_aliases_{0};
  protocol::OutboundTopicAliases outbound_aliases_{0};
  std::unique_ptr<mqtt::Will> will_;
  // Topic rules (nullptr: no ACL file, everything allowed) and, per topic, whether a message
  // may be delivered: read access is checked for every delivery, but a topic's answer is
  // computed once (bounded; dropped when full and when the ACL is reloaded).
  std::shared_ptr<const auth::Permissions> permissions_;
  std::unique_ptr<std::unordered_map<std::string, bool>> read_cache_;

  // Session state.
  struct SubscriptionRecord {
    mqtt::SubscriptionOptions options;
    std::uint32_t subscription_id = 0;
  };
  std::map<std::string, SubscriptionRecord, std::less<>> subscriptions_;
  protocol::OutboundInflight<Delivery> inflight_;
  // In-flight PUBLISHes of a previous connection not yet retransmitted on this one because the
  // new Receive Maximum is smaller: sent one per acknowledgement.
  std::vector<std::uint16_t> awaiting_resend_;
  // Outbound QoS 2 packet ids whose new handshake state is being written to the store: nothing
  // is sent for them (not even by attach()) until it is.
  std::vector<std::uint16_t> awaiting_store_;
  // Publishes of this session submitted to the store and not yet committed: while there are
  // any, a QoS 0 publish queues behind them so that it does not overtake them.
  std::uint32_t publishes_in_store_ = 0;
  protocol::InboundFlow inbound_;
  // Allocated on first use: an idle session holds no queue.
  std::unique_ptr<std::deque<Delivery>> queue_;
  std::uint64_t queued_bytes_ = 0;
};

using SessionPtr = std::shared_ptr<Session>;

}  // namespace accord::core
