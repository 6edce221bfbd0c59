// Template bodies of SubscriptionTrie; included by subscription_trie.hpp only.
#pragma once

#include <algorithm>
#include <utility>

#include "broker/core/topic_levels.hpp"

namespace accord::core {

namespace detail {

// "$share/{group}/{filter}" -> {group, filter}; anything else -> {"", filter}. The caller has
// validated the filter, so the group is non-empty and followed by '/'.
inline std::pair<std::string_view, std::string_view> split_shared(std::string_view filter) {
  constexpr std::string_view prefix = "$share/";
  if (filter.substr(0, prefix.size()) != prefix) return {{}, filter};
  const std::string_view rest = filter.substr(prefix.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return {rest, {}};
  return {rest.substr(0, slash), rest.substr(slash + 1)};
}

}  // namespace detail

template <class Subscriber>
SubscriptionTrie<Subscriber>::SubscriptionTrie() = default;

template <class Subscriber>
SubscriptionTrie<Subscriber>::~SubscriptionTrie() = default;

template <class Subscriber>
typename SubscriptionTrie<Subscriber>::Node* SubscriptionTrie<Subscriber>::find_or_create(
    std::string_view filter) {
  Node* node = &root_;
  std::string_view rest = filter;
  bool has_level = true;
  while (has_level) {
    const auto [level, next, more] = split_level(rest);
    std::unique_ptr<Node>* slot;
    if (level == "+") {
      slot = &node->plus;
    } else if (level == "#") {
      slot = &node->hash;
    } else {
      auto it = node->children.find(level);
      if (it == node->children.end()) {
        it = node->children.emplace(std::string(level), nullptr).first;
      }
      slot = &it->second;
    }
    if (!*slot) *slot = std::make_unique<Node>();
    node = slot->get();
    rest = next;
    has_level = more;
  }
  return node;
}

template <class Subscriber>
bool SubscriptionTrie<Subscriber>::subscribe(std::string_view filter, const Subscriber& s,
                                             const mqtt::SubscriptionOptions& o,
                                             std::uint32_t subscription_id) {
  const auto [group, f] = detail::split_shared(filter);
  Node* node = find_or_create(f);

  if (!group.empty()) {
    auto git = std::find_if(node->shared.begin(), node->shared.end(),
                            [&](const auto& g) { return g->name_ == group; });
    if (git == node->shared.end()) {
      node->shared.push_back(std::make_unique<SharedGroup>(group));
      git = std::prev(node->shared.end());
    }
    auto& members = (*git)->members_;
    auto mit = std::find_if(members.begin(), members.end(),
                            [&](const Entry& e) { return e.subscriber == s; });
    if (mit != members.end()) {
      mit->options = o;
      mit->subscription_id = subscription_id;
      return false;
    }
    members.push_back(Entry{s, o, subscription_id});
    ++size_;
    return true;
  }

  auto& entries = node->entries;
  std::size_t pos = entries.size();
  if (node->index) {
    if (auto it = node->index->find(s); it != node->index->end()) pos = it->second;
  } else {
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].subscriber == s) {
        pos = i;
        break;
      }
    }
  }
  if (pos < entries.size()) {
    entries[pos].options = o;
    entries[pos].subscription_id = subscription_id;
    return false;
  }
  entries.push_back(Entry{s, o, subscription_id});
  if (node->index) {
    node->index->emplace(s, entries.size() - 1);
  } else if (entries.size() > kIndexThreshold) {
    node->index = std::make_unique<std::unordered_map<Subscriber, std::size_t>>();
    node->index->reserve(entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i) node->index->emplace(entries[i].subscriber, i);
  }
  ++size_;
  return true;
}

template <class Subscriber>
bool SubscriptionTrie<Subscriber>::remove_here(Node& node, std::string_view group,
                                               const Subscriber& s) {
  if (!group.empty()) {
    auto git = std::find_if(node.shared.begin(), node.shared.end(),
                            [&](const auto& g) { return g->name_ == group; });
    if (git == node.shared.end()) return false;
    auto& members = (*git)->members_;
    auto mit = std::find_if(members.begin(), members.end(),
                            [&](const Entry& e) { return e.subscriber == s; });
    if (mit == members.end()) return false;
    members.erase(mit);  // keeps the rotation order of the others
    if (members.empty()) node.shared.erase(git);
    return true;
  }

  auto& entries = node.entries;
  std::size_t pos = entries.size();
  if (node.index) {
    auto it = node.index->find(s);
    if (it == node.index->end()) return false;
    pos = it->second;
    node.index->erase(it);
  } else {
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].subscriber == s) {
        pos = i;
        break;
      }
    }
    if (pos == entries.size()) return false;
  }
  // Delivery order among subscribers is not meaningful, so swap-and-pop keeps removal O(1).
  if (pos + 1 != entries.size()) {
    entries[pos] = std::move(entries.back());
    if (node.index) (*node.index)[entries[pos].subscriber] = pos;
  }
  entries.pop_back();
  // Hysteresis: drop the index well below the threshold so a filter hovering around it does
  // not rebuild the map on every change.
  if (node.index && entries.size() < kIndexThreshold / 2) node.index.reset();
  if (entries.empty()) entries.shrink_to_fit();
  return true;
}

template <class Subscriber>
bool SubscriptionTrie<Subscriber>::remove(Node& node, std::string_view rest, std::string_view group,
                                          const Subscriber& s) {
  const auto [level, next, more] = split_level(rest);
  if (level == "+" || level == "#") {
    std::unique_ptr<Node>& slot = level == "+" ? node.plus : node.hash;
    if (!slot) return false;
    const bool removed = more ? remove(*slot, next, group, s) : remove_here(*slot, group, s);
    if (removed && slot->empty()) slot.reset();
    return removed;
  }
  auto it = node.children.find(level);
  if (it == node.children.end()) return false;
  Node& child = *it->second;
  const bool removed = more ? remove(child, next, group, s) : remove_here(child, group, s);
  if (removed && child.empty()) node.children.erase(it);
  return removed;
}

template <class Subscriber>
bool SubscriptionTrie<Subscriber>::unsubscribe(std::string_view filter, const Subscriber& s) {
  const auto [group, f] = detail::split_shared(filter);
  if (!remove(root_, f, group, s)) return false;
  --size_;
  return true;
}

template <class Subscriber>
template <class OnEntry, class OnShared>
void SubscriptionTrie<Subscriber>::report(const Node& node, OnEntry& on_entry,
                                          OnShared& on_shared) {
  for (const Entry& e : node.entries) on_entry(e);
  for (const auto& g : node.shared) on_shared(static_cast<const SharedGroup&>(*g));
}

template <class Subscriber>
template <class OnEntry, class OnShared>
void SubscriptionTrie<Subscriber>::match_node(const Node& node, std::string_view rest,
                                              bool has_level, bool first, OnEntry& on_entry,
                                              OnShared& on_shared) {
  if (!has_level) {
    report(node, on_entry, on_shared);
    // "a/#" also matches "a" (spec 4.7.1.2).
    if (node.hash) report(*node.hash, on_entry, on_shared);
    return;
  }
  const auto [level, next, more] = split_level(rest);
  // Spec 4.7.2: a filter starting with a wildcard does not match a topic starting with '$'.
  const bool shielded = first && !level.empty() && level.front() == '$';
  if (!shielded) {
    if (node.hash) report(*node.hash, on_entry, on_shared);
    if (node.plus) match_node(*node.plus, next, more, false, on_entry, on_shared);
  }
  if (!node.children.empty()) {
    if (auto it = node.children.find(level); it != node.children.end()) {
      match_node(*it->second, next, more, false, on_entry, on_shared);
    }
  }
}

template <class Subscriber>
template <class OnEntry, class OnShared>
void SubscriptionTrie<Subscriber>::match(std::string_view topic, OnEntry&& on_entry,
                                         OnShared&& on_shared) const {
  // Every node is reached by exactly one path for a given topic, so each filter is reported
  // at most once.
  match_node(root_, topic, true, true, on_entry, on_shared);
}

template <class Subscriber>
std::size_t SubscriptionTrie<Subscriber>::count_nodes(const Node& node) {
  std::size_t n = 0;
  for (const auto& [key, child] : node.children) n += 1 + count_nodes(*child);
  if (node.plus) n += 1 + count_nodes(*node.plus);
  if (node.hash) n += 1 + count_nodes(*node.hash);
  return n;
}

template <class Subscriber>
std::size_t SubscriptionTrie<Subscriber>::node_count() const {
  return count_nodes(root_);
}

}  // namespace accord::core
