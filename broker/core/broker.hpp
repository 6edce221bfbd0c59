// The broker's shared state and its rules: the session registry (client id -> session, takeover,
// expiry), subscriptions, retained messages, routing with fan-out to the owning I/O threads,
// and wills. Thread-safe: callable from any I/O thread; each piece has its own lock and no lock
// is held while calling into a session.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/core/config.hpp"
#include "broker/core/executor.hpp"
#include "broker/core/message.hpp"
#include "broker/core/metrics.hpp"
#include "broker/auth/service.hpp"
#include "broker/core/publish_gate.hpp"
#include "broker/core/retained_trie.hpp"
#include "broker/core/session.hpp"
#include "broker/core/subscription_trie.hpp"
#include "broker/store/store.hpp"

namespace accord::core {

class Broker {
 public:
  using ClockFn = std::function<Clock::time_point()>;
  Broker(const Config& config, Executor& executor, Metrics& metrics, ClockFn clock = {});
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  const Config& config() const { return config_; }
  Metrics& metrics() { return metrics_; }
  Executor& executor() { return executor_; }
  Clock::time_point now() const { return clock_ ? clock_() : Clock::now(); }

  struct OpenResult {
    SessionPtr session;
    bool session_present = false;
    std::uint64_t epoch = 0;  // identifies this connection's hold on the session
  };
  // Finds or creates the session for a CONNECT arriving on I/O thread `thread`. `ready` runs on
  // `thread` once the session belongs to it: at once for a new session, after the previous
  // connection was closed (MQTT 5 reason 0x8E) when the client id was already connected.
  void open_session(const mqtt::Connect& connect, std::uint32_t session_expiry, unsigned thread,
                    std::function<void(OpenResult)> ready);

  // On the session's owner thread, when the connection attached to `session` is gone; `epoch`
  // is the one that connection was given. `publish_will`: it ended without a normal DISCONNECT
  // (or with reason 0x04).
  void connection_closed(const SessionPtr& session, std::uint64_t epoch, bool publish_will);

  // MQTT 5 DISCONNECT may change the session expiry interval of the connection holding `epoch`.
  void update_session_expiry(const SessionPtr& session, std::uint64_t epoch, std::uint32_t expiry);

  // Routes a message to every matching subscription, and stores/clears it when retained. With a
  // durable store this is publish_stored() without a publisher to answer.
  void publish(const MessagePtr& message);
  // Routes (and retains, in memory) without ever writing to the store: for what the broker
  // itself publishes about its state ($SYS), which a restart recomputes anyway.
  void publish_transient(const MessagePtr& message);

  // Durable mode. Stores what `message` changes together with `batch` (the retained message,
  // and a queue entry for every persistent session it goes to at QoS 1/2), and routes it only
  // once that is committed: no subscriber sees a message that a crash could take back. Then
  // done(publisher, ok) runs on the publisher's owner thread; on failure nothing was routed.
  // `may_skip_store`: a message with nothing to store is routed at once, `done` is not called
  // and false is returned. Batches commit in submission order, so messages and acks keep the
  // publisher's order (spec 4.6).
  bool publish_stored(const MessagePtr& message, store::WriteBatch batch,
                      const SessionPtr& publisher,
                      std::function<void(const SessionPtr&, bool ok)> done,
                      bool may_skip_store = false);

  // ---- persistence (docs/durability.md) ----
  // Before serving: from now on retained messages and persistent sessions are written to
  // `store`. nullptr or a memory store: nothing is.
  void attach_store(store::Store* store) {
    store_ = store;
    durable_ = store_ && store_->durability() != store::Durability::Memory;
  }
  bool durable() const { return durable_; }

  // Before serving: every client PUBLISH and will passes `gate` (nullptr: none). Not owned.
  void set_publish_gate(PublishGate* gate) { gate_ = gate; }
  PublishGate* publish_gate() const { return gate_; }
  // Before serving: MQTT authentication and ACLs (nullptr: none; every topic allowed). Not owned.
  void set_auth(auth::AuthService* auth) { auth_ = auth; }
  auth::AuthService* auth() const { return auth_; }
  // What the gate makes of a will about to be published: nullptr when it may not be published,
  // else the message to publish (redirected to a dead-letter topic, perhaps).
  MessagePtr gate_will(const mqtt::Will& will, std::string_view client_id, const void* origin);
  // Submits `batch` without waiting for it (durable mode; nothing otherwise): changes nobody is
  // told about, like forgetting an acknowledged message.
  void write(store::WriteBatch batch);
  // Before serving: rebuilds retained messages and offline sessions with their subscriptions.
  void restore(store::Recovered&& recovered, store::UnixMillis now_unix);
  // Commits `batch` and then runs done(session, ok) on the session's owner thread. Batches
  // commit in submission order, so acknowledgements sent from `done` keep their order.
  void commit(store::WriteBatch batch, const SessionPtr& session,
              std::function<void(const SessionPtr&, bool ok)> done);
  // The stored form of a session (owner thread): subscriptions, expiry.
  void add_session_record(const Session& session, store::WriteBatch& batch);
  store::SessionRecord session_record_locked(const Session& session) const;  // registry lock held
  std::uint32_t session_expiry(const Session& session) const;
  store::UnixMillis to_unix(Clock::time_point t) const;
  Clock::time_point from_unix(store::UnixMillis t) const;

  // On the session's owner thread.
  void subscribe(const SessionPtr& session, std::string_view filter,
                 const mqtt::SubscriptionOptions& options, std::uint32_t subscription_id);
  bool unsubscribe(const SessionPtr& session, std::string_view filter);
  std::vector<MessagePtr> retained_matching(std::string_view filter);

  // Expires sessions and fires delayed wills that are due. Called about once a second.
  void tick();

  std::size_t session_count() const;
  std::size_t retained_count() const;
  std::size_t subscription_count() const;

 private:
  void publish_will(const mqtt::Will& will, const void* origin);
  void schedule_will(const SessionPtr& session, mqtt::Will will, Clock::time_point due);
  void cancel_will(const Session* session);
  void end_session_on_owner(const SessionPtr& session);
  using Routed = std::vector<std::pair<SessionPtr, Delivery>>;
  // Every session `message` goes to, one copy each (appended to `out`).
  void route(const MessagePtr& message, Routed& out);
  // Hands the copies to their sessions' owner threads (inline for the calling thread's own).
  void dispatch(Routed& routed);
  void apply_retained(const MessagePtr& message);
  void deliver_on_thread(unsigned thread, std::vector<std::pair<SessionPtr, Delivery>>& items);

  const Config& config_;
  Executor& executor_;
  Metrics& metrics_;
  ClockFn clock_;
  store::Store* store_ = nullptr;
  bool durable_ = false;
  PublishGate* gate_ = nullptr;
  auth::AuthService* auth_ = nullptr;
  // Ids of stored messages (MessageRecord::id); continues where the store left off.
  std::atomic<std::uint64_t> next_message_id_{1};

  mutable std::mutex registry_mutex_;
  std::unordered_map<std::string, SessionPtr> sessions_;
  std::uint64_t next_epoch_ = 1;

  mutable std::shared_mutex subscriptions_mutex_;
  SubscriptionTrie<SessionPtr> subscriptions_;

  mutable std::shared_mutex retained_mutex_;
  RetainedTrie<MessagePtr> retained_;
  std::atomic<std::size_t> retained_with_expiry_{0};
  std::uint64_t ticks_ = 0;

  struct PendingWill {
    std::weak_ptr<Session> session;
    const Session* key;
    mqtt::Will will;
    Clock::time_point due;
  };
  std::mutex wills_mutex_;
  std::vector<PendingWill> pending_wills_;
};

}  // namespace accord::core
