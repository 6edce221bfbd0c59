// Retained messages by topic, and which of them a subscription's filter matches. Not
// thread-safe: the broker guards it with a shared_mutex.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace accord::core {

template <class Value>
class RetainedTrie {
 public:
  // Stores or replaces the value for `topic` (a valid topic name).
  void set(std::string_view topic, Value v);
  // Removes it; true if there was one. Empty nodes are pruned.
  bool erase(std::string_view topic);
  const Value* find(std::string_view topic) const;

  // Calls visit(std::string_view topic, const Value&) for every retained topic that `filter`
  // (a valid, non-shared filter) matches, applying the '$'-topic rule. Only walks the branches
  // the filter can match. The topic view is valid only during the call.
  template <class Visit>
  void match(std::string_view filter, Visit&& visit) const;

  template <class Visit>
  void for_each(Visit&& visit) const;  // visit(topic, value), every retained message

  std::size_t size() const { return size_; }
  std::size_t node_count() const;  // nodes below the root (tests: pruning)

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  struct Node {
    std::unordered_map<std::string, std::unique_ptr<Node>, Hash, std::equal_to<>> children;
    std::optional<Value> value;
    bool empty() const { return children.empty() && !value; }
  };

  template <class Visit>
  static void match_node(const Node& node, std::string_view rest, bool has_level, bool first,
                         std::string& path, Visit& visit);
  template <class Visit>
  static void visit_subtree(const Node& node, bool first, std::string& path, Visit& visit);
  static bool erase_at(Node& node, std::string_view rest);
  static std::size_t count_nodes(const Node& node);

  Node root_;
  std::size_t size_ = 0;
};

}  // namespace accord::core

#include "broker/core/retained_trie_impl.hpp"
