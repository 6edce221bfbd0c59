// Retained messages by topic, and which of them a subscription's filter matches. Not
// thread-safe: the broker guards it with a shared_mutex.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

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
  // the filter can match.
  template <class Visit>
  void match(std::string_view filter, Visit&& visit) const;

  template <class Visit>
  void for_each(Visit&& visit) const;  // visit(topic, value), every retained message

  std::size_t size() const;
};

}  // namespace accord::core
