// Topic-filter trie: who is subscribed to what, and which subscriptions a topic matches
// (wildcards '+' and '#', the '$'-topic rule, shared groups `$share/{group}/{filter}`).
// Not thread-safe: the broker guards it with a shared_mutex (match under a shared lock;
// shared-group rotation uses an atomic so concurrent matches stay correct).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/codec/packets.hpp"

namespace accord::core {

// Subscriber: a cheap, copyable, equality-comparable handle with std::hash (the broker uses a
// session pointer; tests use integers).
template <class Subscriber>
class SubscriptionTrie {
 public:
  struct Entry {
    Subscriber subscriber;
    mqtt::SubscriptionOptions options;
    std::uint32_t subscription_id = 0;  // 0: none
  };

  // One shared group matched by a topic; the caller delivers to one member.
  class SharedGroup {
   public:
    const std::string& name() const;
    std::span<const Entry> members() const;
    // Round-robin cursor: returns an index into members() and advances it (atomic).
    std::size_t next_index() const;
    // ... implementation-defined members
  };

  // Adds the subscription, or replaces the options of an existing one for the same subscriber
  // and filter. `filter` must be valid (see mqtt::is_valid_topic_filter) and may be shared.
  // Returns true when it is new, false when it replaced one.
  bool subscribe(std::string_view filter, const Subscriber& s, const mqtt::SubscriptionOptions& o,
                 std::uint32_t subscription_id = 0);
  // Returns true when the subscription existed. Empty nodes are pruned.
  bool unsubscribe(std::string_view filter, const Subscriber& s);

  // Calls on_entry(const Entry&) for every matching non-shared subscription (a subscriber may be
  // reported more than once when several of its filters match) and on_shared(const SharedGroup&)
  // once for every shared group with at least one matching filter... per distinct
  // (group, filter) pair, as the spec treats each shared subscription separately.
  template <class OnEntry, class OnShared>
  void match(std::string_view topic, OnEntry&& on_entry, OnShared&& on_shared) const;

  std::size_t size() const;  // number of subscriptions (shared members included)
};

}  // namespace accord::core
