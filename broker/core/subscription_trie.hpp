// Topic-filter trie: who is subscribed to what, and which subscriptions a topic matches
// (wildcards '+' and '#', the '$'-topic rule, shared groups `$share/{group}/{filter}`).
// Not thread-safe: the broker guards it with a shared_mutex (match under a shared lock;
// shared-group rotation uses an atomic so concurrent matches stay correct).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/codec/packets.hpp"

namespace accord::core {

namespace detail {
// Lets maps keyed by std::string be searched with a string_view (no allocation per level).
struct TransparentStringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};
}  // namespace detail

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
    explicit SharedGroup(std::string_view name) : name_(name) {}
    SharedGroup(const SharedGroup&) = delete;
    SharedGroup& operator=(const SharedGroup&) = delete;

    const std::string& name() const { return name_; }
    // Never empty while the group is in the trie (a group whose last member leaves is removed).
    std::span<const Entry> members() const { return members_; }
    // Round-robin cursor: returns an index into members() and advances it (atomic).
    std::size_t next_index() const {
      // Relaxed is enough: the counter only spreads load; the members themselves are protected
      // by the caller's shared lock, which also orders them against subscribe/unsubscribe.
      const std::size_t n = members_.size();
      const std::size_t c = cursor_.fetch_add(1, std::memory_order_relaxed);
      return n == 0 ? 0 : c % n;
    }

   private:
    friend class SubscriptionTrie;
    std::string name_;
    std::vector<Entry> members_;
    mutable std::atomic<std::size_t> cursor_{0};
  };

  SubscriptionTrie();
  ~SubscriptionTrie();
  SubscriptionTrie(const SubscriptionTrie&) = delete;
  SubscriptionTrie& operator=(const SubscriptionTrie&) = delete;

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
  // Does not allocate. The references are valid only during the call.
  template <class OnEntry, class OnShared>
  void match(std::string_view topic, OnEntry&& on_entry, OnShared&& on_shared) const;

  std::size_t size() const { return size_; }  // number of subscriptions (shared members included)
  std::size_t node_count() const;             // trie nodes below the root (tests: pruning)

 private:
  struct Node;
  using Children = std::unordered_map<std::string, std::unique_ptr<Node>,
                                      detail::TransparentStringHash, std::equal_to<>>;
  // Above this many direct subscribers a node keeps a subscriber -> position index so that
  // (un)subscribing on a popular filter is not linear.
  static constexpr std::size_t kIndexThreshold = 16;

  struct Node {
    Children children;           // exact levels
    std::unique_ptr<Node> plus;  // '+'
    std::unique_ptr<Node> hash;  // '#': a leaf, only holds subscriptions
    std::vector<Entry> entries;  // non-shared subscriptions ending here
    std::unique_ptr<std::unordered_map<Subscriber, std::size_t>> index;  // see kIndexThreshold
    std::vector<std::unique_ptr<SharedGroup>> shared;  // shared subscriptions ending here

    bool empty() const {
      return children.empty() && !plus && !hash && entries.empty() && shared.empty();
    }
  };

  template <class OnEntry, class OnShared>
  static void match_node(const Node& node, std::string_view rest, bool has_level, bool first,
                         OnEntry& on_entry, OnShared& on_shared);
  template <class OnEntry, class OnShared>
  static void report(const Node& node, OnEntry& on_entry, OnShared& on_shared);

  Node* find_or_create(std::string_view filter);
  bool remove(Node& node, std::string_view rest, std::string_view group, const Subscriber& s);
  static bool remove_here(Node& node, std::string_view group, const Subscriber& s);
  static std::size_t count_nodes(const Node& node);

  Node root_;
  std::size_t size_ = 0;
};

}  // namespace accord::core

#include "broker/core/subscription_trie_impl.hpp"
