// Runs a compiled Program against one parsed document. One Evaluator per call, on the caller's
// stack: the Program is only read, so any number of threads evaluate the same schema at once.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "registry/jsonschema/annotations.hpp"
#include "registry/jsonschema/jsonschema.hpp"
#include "registry/jsonschema/program.hpp"

namespace accord::jsonschema::detail {

// Nested subschema evaluations allowed before giving up. With non-consuming reference cycles
// rejected at compile time this only trips on pathological schemas; it keeps the stack bounded.
inline constexpr std::size_t kMaxEvaluationDepth = 2048;
// And at most this much stack, measured: frames are far larger in sanitizer and debug builds,
// where 2048 levels could exhaust a thread's stack (8 MiB by default on Linux).
inline constexpr std::size_t kMaxEvaluationStack = 4 << 20;

// Collects errors with their locations (validate()); absent for is_valid().
class ErrorSink {
 public:
  // One step of a JSON pointer: a member name or an array index.
  struct Segment {
    Segment(std::string_view n) : name(n) {}  // NOLINT: implicit on purpose, for {"a", "b"}
    Segment(const char* n) : name(n) {}       // NOLINT
    Segment(std::size_t i) : index(i), is_index(true) {}  // NOLINT
    std::string_view name;
    std::size_t index = 0;
    bool is_index = false;
  };

  ErrorSink(std::vector<Error>& out, std::size_t max_errors) : out_(out), max_(max_errors) {}

  bool full() const { return max_ != 0 && out_.size() >= max_; }

  void push_instance(std::string_view key) { instance_.emplace_back(key); }
  void push_instance(std::size_t index) { instance_.emplace_back(index); }
  void pop_instance() { instance_.pop_back(); }
  void push_keyword(std::string_view name) { keyword_.emplace_back(name); }
  void push_keyword(std::size_t index) { keyword_.emplace_back(index); }
  void pop_keyword(std::size_t n = 1) { keyword_.erase(keyword_.end() - n, keyword_.end()); }

  // One error for the keyword path `tail` (e.g. {"maximum"} or {"properties", "x"}) of `node`.
  void report(const Node& node, std::initializer_list<Segment> tail, std::string message);

  // The same, with the message built by `make` only when the error is kept, and out of line:
  // the callers sit on the recursive evaluation path, whose stack frames must stay small.
  template <typename MakeMessage>
  [[gnu::noinline, gnu::cold]] void report_with(const Node& node,
                                                std::initializer_list<Segment> tail,
                                                MakeMessage&& make) {
    if (full()) return;
    report(node, tail, make());
  }

 private:
  std::vector<Error>& out_;
  std::size_t max_;
  std::vector<Segment> instance_;
  std::vector<Segment> keyword_;
};

class Evaluator {
 public:
  // `sink` null: boolean evaluation that stops at the first failure.
  Evaluator(const Program& program, ErrorSink* sink)
      : program_(program), sink_(sink), scope_(thread_scope()) {}

  bool run(const simdjson::dom::element& root);

 private:
  template <bool kCollect>
  bool node(NodeId id, const simdjson::dom::element& value, Annotations* annotations);
  template <bool kCollect>
  bool evaluate_node(NodeId id, const simdjson::dom::element& value, Annotations* annotations);
  template <bool kCollect>
  bool run_keywords(const Node& n, const simdjson::dom::element& value, Annotations* annotations);
  template <bool kCollect>
  bool run_with_unevaluated(const Node& n, const simdjson::dom::element& value,
                            Annotations* annotations);
  template <bool kCollect>
  bool keyword(const Node& n, const Keyword& k, const simdjson::dom::element& value,
               Annotations* annotations);
  template <bool kCollect>
  bool in_place(const Node& n, const Keyword& k, const simdjson::dom::element& value,
                Annotations* annotations);
  template <bool kCollect>
  bool members(const Node& n, const ObjectPlan& plan, const simdjson::dom::element& value,
               Annotations* annotations);
  template <bool kCollect>
  bool items(const Node& n, const ArrayPlan& plan, const simdjson::dom::array& array,
             Annotations* annotations);
  template <bool kCollect>
  bool unevaluated(const Node& n, const simdjson::dom::element& value,
                   const Annotations& evaluated);
  template <bool kCollect>
  bool property_names(const Node& n, NodeId names, const simdjson::dom::object& object);
  // A child evaluation at a deeper instance location (a member or an item).
  template <bool kCollect>
  bool child(NodeId id, const simdjson::dom::element& value);
  template <bool kCollect>
  bool unique_items(const Node& n, const Keyword& k, const simdjson::dom::array& array);

  void report_keyword(const Node& n, const Keyword& k, const simdjson::dom::element& value);
  NodeId dynamic_target(const DynamicRef& ref) const;
  static std::vector<std::uint32_t>& thread_scope();
  bool depth_exceeded(const Node& n);
  bool too_deep() const {
    const auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
    return depth_ >= kMaxEvaluationDepth || stack_base_ - here > kMaxEvaluationStack;
  }

  const Program& program_;
  ErrorSink* sink_;
  std::size_t depth_ = 0;           // nested node evaluations
  std::uintptr_t stack_base_ = 0;   // frame address where the evaluation started
  std::size_t instance_depth_ = 0;  // nesting of the current instance location
  // Dynamic scope for $dynamicRef: the schema resources entered, outermost first. Only
  // schemas with $dynamicRef track it; the storage is per thread and reused.
  std::vector<std::uint32_t>& scope_;
};

}  // namespace accord::jsonschema::detail
