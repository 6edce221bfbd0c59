// Where the checker collects incompatibilities, and how it names the part of a document a
// reason is about ("property \"location.lat\"", "item \"readings[]\"", "the document").
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "registry/compat/incompatibility.hpp"

namespace accord::compat {

class CompatReport {
 public:
  // A trial report (does this reader branch accept the writer?) only needs the first problem.
  explicit CompatReport(bool stop_at_first = false) : stop_at_first_(stop_at_first) {}

  // Keeps the first entry per (path, kind): the same keyword reached along two routes (two
  // writer alternatives, a recursive $ref) is one problem.
  void add(std::string path, std::string kind, std::string reason);
  bool done() const { return stop_at_first_ && !items_.empty(); }
  bool empty() const { return items_.empty(); }
  const Incompatibilities& items() const { return items_; }
  Incompatibilities take() { return std::move(items_); }

 private:
  bool stop_at_first_;
  Incompatibilities items_;
  std::set<std::pair<std::string, std::string>> seen_;
};

// The location inside a document (not the schema) the check is looking at, for reasons.
class InstancePath {
 public:
  void push_property(std::string_view name) { segments_.push_back({kProperty, std::string(name)}); }
  // Properties whose name matches a patternProperties regex.
  void push_pattern(std::string_view pattern) {
    segments_.push_back({kPattern, std::string(pattern)});
  }
  // Properties no keyword names (additionalProperties / unevaluatedProperties).
  void push_additional() { segments_.push_back({kAdditional, ""}); }
  void push_item(std::size_t index) { segments_.push_back({kItem, std::to_string(index)}); }
  void push_items() { segments_.push_back({kItems, ""}); }  // any item
  void push_property_names() { segments_.push_back({kNames, ""}); }
  void pop() { segments_.pop_back(); }

  // `property "location.lat"`, `item "readings[0]"`, `additional properties of "tags"`,
  // `properties matching /^x-/ of the document`, `property names of "tags"`, `the document`.
  std::string describe() const;

 private:
  enum Kind { kProperty, kPattern, kAdditional, kItem, kItems, kNames };
  struct Segment {
    Kind kind;
    std::string text;
  };
  // "location.lat", "readings[0]", "tags.*", "" at the root: the first `count` segments.
  std::string text(std::size_t count) const;

  std::vector<Segment> segments_;
};

// Pushes a segment for the lifetime of a scope.
class InstanceScope {
 public:
  template <typename Push>
  InstanceScope(InstancePath& path, Push push) : path_(path) {
    push(path_);
  }
  ~InstanceScope() { path_.pop(); }
  InstanceScope(const InstanceScope&) = delete;
  InstanceScope& operator=(const InstanceScope&) = delete;

 private:
  InstancePath& path_;
};

// "\"temp\"" - a quoted name for reasons.
std::string quoted(std::string_view text);

}  // namespace accord::compat
