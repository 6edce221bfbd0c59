// Template bodies of RetainedTrie; included by retained_trie.hpp only.
#pragma once

#include <utility>

#include "broker/core/topic_levels.hpp"

namespace accord::core {


template <class Value>
void RetainedTrie<Value>::set(std::string_view topic, Value v) {
  Node* node = &root_;
  std::string_view rest = topic;
  bool has_level = true;
  while (has_level) {
    const auto [level, next, more] = split_level(rest);
    auto it = node->children.find(level);
    if (it == node->children.end()) {
      it = node->children.emplace(std::string(level), std::make_unique<Node>()).first;
    }
    node = it->second.get();
    rest = next;
    has_level = more;
  }
  if (!node->value) ++size_;
  node->value = std::move(v);
}

template <class Value>
const Value* RetainedTrie<Value>::find(std::string_view topic) const {
  const Node* node = &root_;
  std::string_view rest = topic;
  bool has_level = true;
  while (has_level) {
    const auto [level, next, more] = split_level(rest);
    auto it = node->children.find(level);
    if (it == node->children.end()) return nullptr;
    node = it->second.get();
    rest = next;
    has_level = more;
  }
  return node->value ? &*node->value : nullptr;
}

template <class Value>
bool RetainedTrie<Value>::erase_at(Node& node, std::string_view rest) {
  const auto [level, next, more] = split_level(rest);
  auto it = node.children.find(level);
  if (it == node.children.end()) return false;
  Node& child = *it->second;
  bool removed;
  if (more) {
    removed = erase_at(child, next);
  } else {
    removed = child.value.has_value();
    child.value.reset();
  }
  if (removed && child.empty()) node.children.erase(it);
  return removed;
}

template <class Value>
bool RetainedTrie<Value>::erase(std::string_view topic) {
  if (!erase_at(root_, topic)) return false;
  --size_;
  return true;
}

template <class Value>
template <class Visit>
void RetainedTrie<Value>::visit_subtree(const Node& node, bool first, std::string& path,
                                        Visit& visit) {
  // `path` holds the topic of `node` (empty at the root); children append "/level".
  if (node.value) visit(std::string_view(path), *node.value);
  const std::size_t len = path.size();
  for (const auto& [level, child] : node.children) {
    // Spec 4.7.2: a wildcard in the first level does not reach '$' topics.
    if (first && !level.empty() && level.front() == '$') continue;
    if (!first) path += '/';
    path += level;
    visit_subtree(*child, false, path, visit);
    path.resize(len);
  }
}

template <class Value>
template <class Visit>
void RetainedTrie<Value>::match_node(const Node& node, std::string_view rest, bool has_level,
                                     bool first, std::string& path, Visit& visit) {
  if (!has_level) {
    if (node.value) visit(std::string_view(path), *node.value);
    return;
  }
  const auto [level, next, more] = split_level(rest);
  const std::size_t len = path.size();
  if (level == "#") {
    // '#' also matches the parent level ("a/#" matches "a"); at the root there is no parent
    // topic (topics are never empty), and the root holds no value.
    visit_subtree(node, first, path, visit);
    return;
  }
  if (level == "+") {
    for (const auto& [key, child] : node.children) {
      if (first && !key.empty() && key.front() == '$') continue;
      if (!first) path += '/';
      path += key;
      match_node(*child, next, more, false, path, visit);
      path.resize(len);
    }
    return;
  }
  auto it = node.children.find(level);
  if (it == node.children.end()) return;
  if (!first) path += '/';
  path += level;
  match_node(*it->second, next, more, false, path, visit);
  path.resize(len);
}

template <class Value>
template <class Visit>
void RetainedTrie<Value>::match(std::string_view filter, Visit&& visit) const {
  std::string path;
  match_node(root_, filter, true, true, path, visit);
}

template <class Value>
template <class Visit>
void RetainedTrie<Value>::for_each(Visit&& visit) const {
  std::string path;
  // Not a filter match: '$' topics are included.
  if (root_.value) visit(std::string_view(path), *root_.value);
  for (const auto& [level, child] : root_.children) {
    path.assign(level);
    visit_subtree(*child, false, path, visit);
  }
}

template <class Value>
std::size_t RetainedTrie<Value>::count_nodes(const Node& node) {
  std::size_t n = 0;
  for (const auto& [key, child] : node.children) n += 1 + count_nodes(*child);
  return n;
}

template <class Value>
std::size_t RetainedTrie<Value>::node_count() const {
  return count_nodes(root_);
}

}  // namespace accord::core
