#include "broker/core/broker.hpp"

#include <algorithm>

#include "broker/core/log.hpp"

namespace accord::core {

Broker::Broker(const Config& config, Executor& executor, Metrics& metrics, ClockFn clock)
    : config_(config), executor_(executor), metrics_(metrics), clock_(std::move(clock)) {}

Broker::~Broker() = default;

namespace {
// Runs `fn(session)` on the session's owner thread, following the session if it moved while
// the call was on its way.
template <class Fn>
void on_owner(Executor& executor, const SessionPtr& session, Fn fn) {
  const unsigned owner = session->owner();
  if (current_io_thread == static_cast<int>(owner)) {
    fn(session);
    return;
  }
  executor.post(owner, [&executor, session, fn = std::move(fn)]() mutable {
    on_owner(executor, session, std::move(fn));
  });
}
}  // namespace

void Broker::open_session(const mqtt::Connect& connect, std::uint32_t session_expiry,
                          unsigned thread, std::function<void(OpenResult)> ready) {
  SessionPtr session;
  SessionPtr fresh;
  SessionPtr replaced;
  std::uint64_t epoch = 0;
  {
    std::lock_guard lock(registry_mutex_);
    epoch = next_epoch_++;
    auto it = sessions_.find(connect.client_id);
    if (it != sessions_.end() && !connect.clean_start) {
      session = it->second;
    } else {
      fresh = std::make_shared<Session>(*this, connect.client_id, thread);
      if (it != sessions_.end()) {
        replaced = std::exchange(it->second, fresh);
        // A hand-over of the old session still on its way must fail its epoch check.
        replaced->epoch = epoch;
        replaced->connected = false;
      } else {
        sessions_.emplace(connect.client_id, fresh);
      }
      fresh->epoch = epoch;
      fresh->connected = true;
      fresh->expiry_interval = session_expiry;
      if (durable() && (replaced || session_expiry != 0)) {
        // Under the lock: the old record goes before anything of the new session is written.
        store::WriteBatch batch;
        if (replaced) batch.delete_session(connect.client_id);
        if (session_expiry != 0) batch.put_session(session_record_locked(*fresh));
        store_->submit(std::move(batch), [](const store::Status&) {});
      }
    }
    if (session) {
      session->epoch = epoch;
      session->connected = true;
      session->expiry_interval = session_expiry;
      session->expires_at.reset();
      // Under the registry lock, so a close racing this connect cannot schedule the will
      // after we cancelled it (see connection_closed).
      cancel_will(session.get());
    }
    if (replaced) cancel_will(replaced.get());
  }

  if (fresh) ready(OpenResult{fresh, false, epoch});
  if (replaced) {
    // Clean start over an existing session: the old one ends now. Its connection, if any, is
    // closed with 0x8E and its will is published (the session ended, spec 3.1.3.2.2).
    on_owner(executor_, replaced, [this](const SessionPtr& old) {
      if (Link* link = old->link()) {
        auto will = std::move(old->will());
        link->disconnect(mqtt::ReasonCode::SessionTakenOver, "session taken over");
        old->detach();
        if (will) publish_will(*will, old.get());
      }
      old->end();
    });
    return;
  }
  if (!session) return;

  // Resume (a will waiting for its delay was cancelled above).
  on_owner(executor_, session,
           [this, thread, epoch, ready = std::move(ready)](const SessionPtr& s) mutable {
             {
               std::lock_guard lock(registry_mutex_);
               if (s->epoch != epoch) {  // yet another connection took it meanwhile
                 executor_.post(thread, [ready = std::move(ready)] { ready(OpenResult{}); });
                 return;
               }
             }
             if (Link* link = s->link()) {
               auto will = std::move(s->will());
               link->disconnect(mqtt::ReasonCode::SessionTakenOver, "session taken over");
               s->detach();
               // The session continues, so only a will without delay is published (3.1.3.2.2).
               if (will && will->properties.will_delay_interval.value_or(0) == 0) {
                 publish_will(*will, s.get());
               }
             }
             if (durable()) {
               // Online again: the stored record must lose the expiry time of its last
               // disconnect, or a purge or restart would drop a live session. Resumed with
               // expiry 0, the session ends with this connection: a restart must not keep it.
               store::WriteBatch batch;
               if (this->session_expiry(*s) != 0) {
                 add_session_record(*s, batch);
               } else {
                 batch.delete_session(s->client_id());
               }
               store_->submit(std::move(batch), [](const store::Status&) {});
             }
             s->set_owner(thread);
             executor_.post(thread, [s, epoch, ready = std::move(ready)] {
               ready(OpenResult{s, true, epoch});
             });
           });
}

void Broker::connection_closed(const SessionPtr& session, std::uint64_t epoch, bool publish) {
  const auto now = this->now();
  // The connection is gone either way: the session must not keep pointing at it.
  auto will = std::move(session->will());
  session->detach();
  if (!publish) will.reset();
  bool end_now = false;
  std::optional<mqtt::Will> publish_now;
  {
    std::lock_guard lock(registry_mutex_);
    const std::uint32_t delay =
        will ? will->properties.will_delay_interval.value_or(0) : 0;
    if (session->epoch != epoch) {
      // A new connection is already taking this session over (its hand-over has not run yet):
      // the session continues, so only a will without delay is published (3.1.3.2.2).
      if (will && delay == 0) publish_now = std::move(*will);
    } else {
      session->connected = false;
      const std::uint32_t expiry = session->expiry_interval;
      if (expiry == 0) {
        auto it = sessions_.find(session->client_id());
        if (it != sessions_.end() && it->second == session) sessions_.erase(it);
        end_now = true;
      } else if (expiry != 0xFFFFFFFF) {
        session->expires_at = now + std::chrono::seconds(expiry);
      }
      // Offline from now: the stored record says when it expires, or goes. Submitted under the
      // registry lock so a new session with this client id can only write after it.
      const bool delayed_will = will && delay != 0 && !end_now;
      const auto will_due = now + std::chrono::seconds(std::min(delay, expiry));
      if (durable()) {
        store::WriteBatch batch;
        if (end_now) {
          batch.delete_session(session->client_id());
        } else {
          store::SessionRecord record = session_record_locked(*session);
          if (delayed_will) {  // still due after a restart
            record.will = *will;
            record.will_due = to_unix(will_due);
          }
          batch.put_session(record);
        }
        store_->submit(std::move(batch), [](const store::Status&) {});
      }
      if (will) {
        if (!delayed_will) {
          publish_now = std::move(*will);
        } else {
          // Scheduled under the registry lock: a reconnect cancels it under the same lock.
          schedule_will(session, std::move(*will), will_due);
        }
      }
    }
  }
  if (publish_now) publish_will(*publish_now, session.get());
  if (end_now) session->end();
}

store::UnixMillis Broker::to_unix(Clock::time_point t) const {
  const auto now_unix = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  return now_unix + std::chrono::duration_cast<std::chrono::milliseconds>(t - now()).count();
}

Clock::time_point Broker::from_unix(store::UnixMillis t) const {
  const auto now_unix = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  return now() + std::chrono::milliseconds(t - now_unix);
}

namespace {
store::MessageRecord to_record(const Message& m, const Broker& broker) {
  store::MessageRecord r;
  r.topic = m.topic;
  r.payload = m.payload;
  r.shared_properties = m.shared_properties;
  r.qos = m.qos;
  r.retain = m.retain;
  if (m.expires_at) r.expires_at = broker.to_unix(*m.expires_at);
  return r;
}
}  // namespace

void Broker::restore(store::Recovered&& recovered, store::UnixMillis now_unix) {
  const auto now_steady = now();
  const auto steady = [&](store::UnixMillis t) {
    return now_steady + std::chrono::milliseconds(t - now_unix);
  };
  {
    std::unique_lock lock(retained_mutex_);
    for (auto& r : recovered.retained) {
      auto m = std::make_shared<Message>();
      m->topic = std::move(r.topic);
      m->payload = std::move(r.payload);
      m->shared_properties = std::move(r.shared_properties);
      m->qos = r.qos;
      m->retain = true;
      if (r.expires_at) {
        m->expires_at = steady(*r.expires_at);
        retained_with_expiry_.fetch_add(1, std::memory_order_relaxed);
      }
      const std::string topic = m->topic;
      retained_.set(topic, std::move(m));
    }
  }
  const unsigned threads = std::max(1u, executor_.thread_count());
  unsigned next_thread = 0;
  for (auto& r : recovered.sessions) {
    auto session = std::make_shared<Session>(*this, r.client_id, next_thread++ % threads);
    session->expiry_interval = r.expiry_interval;
    session->connected = false;
    if (r.expires_at) {
      session->expires_at = steady(*r.expires_at);
    } else if (r.expiry_interval != 0xFFFFFFFF) {
      // It was connected when the broker stopped: its expiry starts now.
      session->expires_at = now_steady + std::chrono::seconds(r.expiry_interval);
    }
    for (const auto& sub : r.subscriptions) {
      session->restore_subscription(sub.filter, sub.options, sub.subscription_id);
    }
    if (r.will && r.will_due) schedule_will(session, std::move(*r.will), steady(*r.will_due));
    std::lock_guard lock(registry_mutex_);
    sessions_[r.client_id] = std::move(session);
  }

  // Queued and in-flight messages: bodies are shared by the entries that name them.
  std::unordered_map<std::uint64_t, MessagePtr> bodies;
  bodies.reserve(recovered.messages.size());
  for (auto& r : recovered.messages) {
    auto m = std::make_shared<Message>();
    m->topic = std::move(r.topic);
    m->payload = std::move(r.payload);
    m->shared_properties = std::move(r.shared_properties);
    m->qos = r.qos;
    m->retain = r.retain;
    if (r.expires_at) m->expires_at = steady(*r.expires_at);
    bodies.emplace(r.id, std::move(m));
  }
  {
    std::lock_guard lock(registry_mutex_);
    Session* session = nullptr;
    const std::string* current = nullptr;
    for (auto& e : recovered.queue) {
      if (!current || *current != e.client_id) {
        auto it = sessions_.find(e.client_id);
        session = it == sessions_.end() ? nullptr : it->second.get();
        current = &e.client_id;
      }
      if (!session) continue;
      Delivery d;
      if (auto b = bodies.find(e.message_id); b != bodies.end()) d.message = b->second;
      // Only an entry past PUBREC may lack its body (the store keeps every other's).
      if (!d.message && e.state != store::QueueState::AwaitingPubcomp) continue;
      d.qos = e.qos;
      d.retain = e.retain;
      d.subscription_ids = std::move(e.subscription_ids);
      d.seq = e.seq;
      session->restore_delivery(std::move(d), e.state, e.packet_id);
    }
    for (const auto& [client_id, packet_id] : recovered.inbound_qos2) {
      auto it = sessions_.find(client_id);
      if (it != sessions_.end()) it->second->restore_inbound_qos2(packet_id);
    }
  }
  next_message_id_.store(std::max<std::uint64_t>(recovered.next_message_id, 1));
  for (const auto& will : recovered.expired_wills) publish_will(will, nullptr);
}

void Broker::write(store::WriteBatch batch) {
  if (!durable() || batch.empty()) return;
  store_->submit(std::move(batch), [](const store::Status& s) {
    if (!s.ok) log::error("store_write_failed", {{"error", s.message}});
  });
}

void Broker::commit(store::WriteBatch batch, const SessionPtr& session,
                    std::function<void(const SessionPtr&, bool ok)> done) {
  if (!durable()) {
    done(session, true);
    return;
  }
  store_->submit(std::move(batch), [this, session, done = std::move(done)](const store::Status& s) {
    if (!s.ok) log::error("store_write_failed", {{"client_id", session->client_id()}, {"error", s.message}});
    on_owner(executor_, session, [done, ok = s.ok](const SessionPtr& owned) { done(owned, ok); });
  });
}

std::uint32_t Broker::session_expiry(const Session& session) const {
  std::lock_guard lock(registry_mutex_);
  return session.expiry_interval;
}

store::SessionRecord Broker::session_record_locked(const Session& session) const {
  store::SessionRecord r = session.to_record();
  r.expiry_interval = session.expiry_interval;
  if (session.expires_at) r.expires_at = to_unix(*session.expires_at);
  return r;
}

void Broker::add_session_record(const Session& session, store::WriteBatch& batch) {
  std::lock_guard lock(registry_mutex_);
  batch.put_session(session_record_locked(session));
}

void Broker::update_session_expiry(const SessionPtr& session, std::uint64_t epoch,
                                   std::uint32_t expiry) {
  std::lock_guard lock(registry_mutex_);
  if (session->epoch == epoch) session->expiry_interval = expiry;
}

void Broker::publish_will(const mqtt::Will& will, const void* origin) {
  log::debug("will_published", {{"topic", will.topic}});
  publish(make_message(will.topic, will.payload, will.qos, will.retain, will.properties, now(),
                       origin));
}

void Broker::schedule_will(const SessionPtr& session, mqtt::Will will, Clock::time_point due) {
  std::lock_guard lock(wills_mutex_);
  pending_wills_.push_back(PendingWill{session, session.get(), std::move(will), due});
}

void Broker::cancel_will(const Session* session) {
  std::lock_guard lock(wills_mutex_);
  std::erase_if(pending_wills_, [session](const PendingWill& w) { return w.key == session; });
}

void Broker::apply_retained(const MessagePtr& message) {
  std::unique_lock lock(retained_mutex_);
  const MessagePtr* old = retained_.find(message->topic);
  if (old && (*old)->expires_at) retained_with_expiry_.fetch_sub(1, std::memory_order_relaxed);
  if (message->payload.empty()) {
    retained_.erase(message->topic);
  } else {
    retained_.set(message->topic, message);
    if (message->expires_at) retained_with_expiry_.fetch_add(1, std::memory_order_relaxed);
  }
}

void Broker::publish(const MessagePtr& message) {
  if (durable()) {
    publish_stored(message, {}, nullptr, nullptr, /*may_skip_store=*/true);
    return;
  }
  publish_transient(message);
}

void Broker::publish_transient(const MessagePtr& message) {
  if (message->retain) apply_retained(message);
  thread_local Routed routed;
  routed.clear();
  route(message, routed);
  dispatch(routed);
}

bool Broker::publish_stored(const MessagePtr& message, store::WriteBatch batch,
                            const SessionPtr& publisher,
                            std::function<void(const SessionPtr&, bool ok)> done,
                            bool may_skip_store) {
  auto routed = std::make_shared<Routed>();
  route(message, *routed);
  if (message->retain) {
    if (message->payload.empty()) {
      batch.delete_retained(message->topic);
    } else {
      batch.put_retained(to_record(*message, *this));
    }
  }
  // One stored body, and one queue entry per persistent session receiving it at QoS 1/2. The
  // entry's seq is the message id: ids grow in each publisher's order, which is the order a
  // session must deliver them in (spec 4.6).
  std::uint64_t id = 0;
  for (auto& [session, delivery] : *routed) {
    if (delivery.qos == 0 || session->expiry_interval.load(std::memory_order_relaxed) == 0)
      continue;
    if (id == 0) {
      id = next_message_id_.fetch_add(1, std::memory_order_relaxed);
      store::MessageRecord body = to_record(*message, *this);
      body.id = id;
      batch.put_message(body);
    }
    delivery.seq = id;
    store::QueueEntry e;
    e.client_id = session->client_id();
    e.seq = id;
    e.message_id = id;
    e.qos = delivery.qos;
    e.retain = delivery.retain;
    e.subscription_ids = delivery.subscription_ids;
    batch.put_queue_entry(e);
  }
  if (may_skip_store && batch.empty()) {
    dispatch(*routed);
    return false;
  }
  store_->submit(std::move(batch), [this, message, routed, publisher,
                                    done = std::move(done)](const store::Status& s) {
    // On the store's writer thread; dispatch() posts to the I/O threads in commit order.
    if (s.ok) {
      if (message->retain) apply_retained(message);
      dispatch(*routed);
    } else {
      log::error("store_write_failed",
                 {{"client_id", publisher ? std::string_view(publisher->client_id())
                                          : std::string_view("-")},
                  {"topic", message->topic},
                  {"error", s.message}});
    }
    if (publisher && done) {
      on_owner(executor_, publisher,
               [done, ok = s.ok](const SessionPtr& owned) { done(owned, ok); });
    }
  });
  return true;
}

namespace {
struct Target {
  SessionPtr session;
  std::uint8_t qos;
  bool retain;
  std::uint32_t subscription_id;
};
}  // namespace

void Broker::route(const MessagePtr& message, Routed& out) {
  thread_local std::vector<Target> targets;
  targets.clear();
  {
    std::shared_lock lock(subscriptions_mutex_);
    using Trie = SubscriptionTrie<SessionPtr>;
    subscriptions_.match(
        message->topic,
        [&](const Trie::Entry& e) {
          if (e.options.no_local && e.subscriber.get() == message->origin) return;
          targets.push_back(Target{e.subscriber, std::min(message->qos, e.options.max_qos),
                                   e.options.retain_as_published && message->retain,
                                   e.subscription_id});
        },
        [&](const Trie::SharedGroup& group) {
          auto members = group.members();
          if (members.empty()) return;
          const auto& e = members[group.next_index() % members.size()];
          targets.push_back(Target{e.subscriber, std::min(message->qos, e.options.max_qos),
                                   e.options.retain_as_published && message->retain,
                                   e.subscription_id});
        });
  }
  if (targets.empty()) return;

  // One copy per session even when several of its filters match: the highest granted QoS and
  // every subscription identifier (spec 3.3.4).
  if (targets.size() > 1) {
    std::sort(targets.begin(), targets.end(),
              [](const Target& a, const Target& b) { return a.session < b.session; });
  }
  for (std::size_t i = 0; i < targets.size();) {
    Target& t = targets[i];
    Delivery d;
    d.message = message;
    d.qos = t.qos;
    d.retain = t.retain;
    if (t.subscription_id) d.subscription_ids.push_back(t.subscription_id);
    std::size_t j = i + 1;
    for (; j < targets.size() && targets[j].session == t.session; ++j) {
      d.qos = std::max(d.qos, targets[j].qos);
      d.retain = d.retain || targets[j].retain;
      if (targets[j].subscription_id) d.subscription_ids.push_back(targets[j].subscription_id);
    }
    out.emplace_back(std::move(t.session), std::move(d));
    i = j;
  }
  targets.clear();
}

void Broker::dispatch(Routed& routed) {
  if (routed.empty()) return;
  const unsigned threads = executor_.thread_count();
  thread_local std::vector<std::vector<std::pair<SessionPtr, Delivery>>> batches;
  batches.resize(threads);
  for (auto& item : routed) {
    const unsigned thread = item.first->owner() % threads;
    batches[thread].push_back(std::move(item));
  }
  routed.clear();
  for (unsigned thread = 0; thread < threads; ++thread) {
    auto& batch = batches[thread];
    if (batch.empty()) continue;
    auto items = std::move(batch);
    batch.clear();
    if (current_io_thread == static_cast<int>(thread)) {
      deliver_on_thread(thread, items);
    } else {
      executor_.post(thread, [this, thread, items = std::move(items)]() mutable {
        deliver_on_thread(thread, items);
      });
    }
  }
}

void Broker::deliver_on_thread(unsigned thread,
                               std::vector<std::pair<SessionPtr, Delivery>>& items) {
  for (auto& [session, delivery] : items) {
    if (session->owner() == thread) {
      session->deliver(std::move(delivery));
    } else {  // it moved since the batch was made: follow it
      on_owner(executor_, session,
               [d = std::move(delivery)](const SessionPtr& s) mutable { s->deliver(std::move(d)); });
    }
  }
}

void Broker::subscribe(const SessionPtr& session, std::string_view filter,
                       const mqtt::SubscriptionOptions& options, std::uint32_t subscription_id) {
  std::unique_lock lock(subscriptions_mutex_);
  subscriptions_.subscribe(filter, session, options, subscription_id);
}

bool Broker::unsubscribe(const SessionPtr& session, std::string_view filter) {
  std::unique_lock lock(subscriptions_mutex_);
  return subscriptions_.unsubscribe(filter, session);
}

std::vector<MessagePtr> Broker::retained_matching(std::string_view filter) {
  std::vector<MessagePtr> out;
  const auto now = this->now();
  std::shared_lock lock(retained_mutex_);
  retained_.match(filter, [&](std::string_view, const MessagePtr& m) {
    if (!m->expired(now)) out.push_back(m);
  });
  return out;
}

void Broker::tick() {
  const auto now = this->now();
  std::vector<SessionPtr> expired;
  {
    std::lock_guard lock(registry_mutex_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      Session& s = *it->second;
      if (!s.connected && s.expires_at && *s.expires_at <= now) {
        if (durable()) {
          store::WriteBatch batch;
          batch.delete_session(s.client_id());
          store_->submit(std::move(batch), [](const store::Status&) {});
        }
        expired.push_back(std::move(it->second));
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& s : expired) {
    log::debug("session_expired", {{"client_id", s->client_id()}});
    on_owner(executor_, s, [](const SessionPtr& session) { session->end(); });
  }

  std::vector<PendingWill> due;
  {
    std::lock_guard lock(wills_mutex_);
    auto split = std::partition(pending_wills_.begin(), pending_wills_.end(),
                                [now](const PendingWill& w) { return w.due > now; });
    due.assign(std::make_move_iterator(split), std::make_move_iterator(pending_wills_.end()));
    pending_wills_.erase(split, pending_wills_.end());
  }
  for (auto& w : due) {
    publish_will(w.will, w.key);
    if (!durable()) continue;
    // The stored record must not carry the will any more, or a restart would publish it again.
    auto session = w.session.lock();
    if (!session) continue;
    std::lock_guard lock(registry_mutex_);
    auto it = sessions_.find(session->client_id());
    if (it == sessions_.end() || it->second != session || session->connected) continue;
    store::WriteBatch batch;
    batch.put_session(session_record_locked(*session));
    store_->submit(std::move(batch), [](const store::Status&) {});
  }

  // Expired retained messages are skipped on delivery; once a minute they are also removed so
  // they do not pile up. Only when some retained message has an expiry at all.
  if (++ticks_ % 60 != 0 || retained_with_expiry_.load(std::memory_order_relaxed) == 0) return;
  std::unique_lock lock(retained_mutex_);
  std::vector<std::string> gone;
  retained_.for_each([&](std::string_view topic, const MessagePtr& m) {
    if (m->expired(now)) gone.emplace_back(topic);
  });
  for (const auto& topic : gone) retained_.erase(topic);
  retained_with_expiry_.fetch_sub(gone.size(), std::memory_order_relaxed);
}

std::size_t Broker::session_count() const {
  std::lock_guard lock(registry_mutex_);
  return sessions_.size();
}

std::size_t Broker::retained_count() const {
  std::shared_lock lock(retained_mutex_);
  return retained_.size();
}

std::size_t Broker::subscription_count() const {
  std::shared_lock lock(subscriptions_mutex_);
  return subscriptions_.size();
}

}  // namespace accord::core
