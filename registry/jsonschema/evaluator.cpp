#include "registry/jsonschema/evaluator.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "registry/jsonschema/dom_access.hpp"
#include "registry/jsonschema/json_equal.hpp"
#include "registry/jsonschema/json_pointer.hpp"
#include "registry/jsonschema/json_text.hpp"
#include "registry/jsonschema/messages.hpp"
#include "registry/jsonschema/utf8.hpp"

// Forced inlining pays off in optimized builds; in unoptimized ones (debug, sanitizers) it
// would only make every recursive frame carry the locals of all keywords.
#if defined(__OPTIMIZE__)
#define ACCORD_JSONSCHEMA_HOT_INLINE [[gnu::always_inline]] inline
#else
#define ACCORD_JSONSCHEMA_HOT_INLINE inline
#endif

namespace accord::jsonschema::detail {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using Segment = ErrorSink::Segment;

// simdjson stores container sizes in 24 bits and saturates; count by hand beyond that.
constexpr std::size_t kSaturatedSize = 0xFFFFFF;

std::size_t member_count(const simdjson::dom::object& object) {
  const std::size_t n = object.size();
  if (n < kSaturatedSize) return n;
  std::size_t counted = 0;
  for (auto it = object.begin(); it != object.end(); ++it) ++counted;
  return counted;
}

std::size_t item_count(const simdjson::dom::array& array) {
  const std::size_t n = array.size();
  if (n < kSaturatedSize) return n;
  std::size_t counted = 0;
  for (auto it = array.begin(); it != array.end(); ++it) ++counted;
  return counted;
}

KeywordGroup group_of(element_type t) {
  switch (t) {
    case element_type::OBJECT:
      return kObjectGroup;
    case element_type::ARRAY:
      return kArrayGroup;
    case element_type::STRING:
      return kStringGroup;
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return kNumberGroup;
    default:
      return kAnyGroup;  // null and boolean: only the type-independent keywords
  }
}

[[gnu::always_inline]] inline bool type_matches(std::uint8_t mask, const element& v,
                                                element_type t) {
  switch (t) {
    case element_type::OBJECT:
      return (mask & kObjectBit) != 0;
    case element_type::ARRAY:
      return (mask & kArrayBit) != 0;
    case element_type::STRING:
      return (mask & kStringBit) != 0;
    case element_type::BOOL:
      return (mask & kBooleanBit) != 0;
    case element_type::NULL_VALUE:
      return (mask & kNullBit) != 0;
    case element_type::INT64:
    case element_type::UINT64:
      return (mask & (kNumberBit | kIntegerBit)) != 0;
    case element_type::DOUBLE: {
      if ((mask & kNumberBit) != 0) return true;
      if ((mask & kIntegerBit) == 0) return false;
      const double d = v.get_double().value_unsafe();
      return std::isfinite(d) && d == std::floor(d);
    }
  }
  return false;
}

std::string count_text(std::uint64_t n, std::string_view singular, std::string_view plural) {
  return std::to_string(n) + " " + std::string(n == 1 ? singular : plural);
}

// An object member name as a JSON string element, for propertyNames (whose subschema may use
// any keyword and so needs a real element). Each thread parses names with its own parser.
bool parse_member_name(std::string_view name, element& out) {
  thread_local TextParser parser;
  thread_local std::string text;
  text.clear();
  text.push_back('"');
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      text.push_back('\\');
      text.push_back(c);
    } else if (u < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      text += "\\u00";
      text.push_back(kHex[u >> 4]);
      text.push_back(kHex[u & 15]);
    } else {
      text.push_back(c);
    }
  }
  text.push_back('"');
  return parser.parse(text, 1, out) == simdjson::SUCCESS;
}

}  // namespace

void ErrorSink::report(const Node& node, std::initializer_list<Segment> tail, std::string message) {
  if (full()) return;
  Error error;
  for (const auto& s : instance_) {
    if (s.is_index) {
      append_pointer_index(error.instance_location, s.index);
    } else {
      append_pointer_token(error.instance_location, s.name);
    }
  }
  auto append = [](std::string& out, const Segment& s) {
    if (s.is_index) {
      append_pointer_index(out, s.index);
    } else {
      append_pointer_token(out, s.name);
    }
  };
  for (const auto& s : keyword_) append(error.keyword_location, s);
  error.absolute_keyword_location = node.location;
  for (const auto& s : tail) {
    append(error.keyword_location, s);
    append(error.absolute_keyword_location, s);
  }
  error.message = std::move(message);
  out_.push_back(std::move(error));
}

std::vector<std::uint32_t>& Evaluator::thread_scope() {
  // One evaluation at a time per thread (evaluations never nest), so the storage is reused.
  thread_local std::vector<std::uint32_t> scope;
  return scope;
}

bool Evaluator::run(const element& root) {
  scope_.clear();
  stack_base_ = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  return sink_ != nullptr ? node<true>(program_.root, root, nullptr)
                          : node<false>(program_.root, root, nullptr);
}

bool Evaluator::depth_exceeded(const Node& n) {
  if (sink_ != nullptr) {
    sink_->report(n, {},
                  "schema evaluation nests too deeply (more than " +
                      std::to_string(kMaxEvaluationDepth) + " subschemas)");
  }
  return false;
}

NodeId Evaluator::dynamic_target(const DynamicRef& ref) const {
  if (ref.anchor == DynamicRef::kNoAnchor) return ref.static_target;
  // The outermost resource in the dynamic scope that defines the anchor wins.
  for (const std::uint32_t resource : scope_) {
    for (const auto& [anchor, target] : program_.dynamic_anchors[resource]) {
      if (anchor == ref.anchor) return target;
    }
  }
  return ref.static_target;
}

template <bool kCollect>
bool Evaluator::node(NodeId id, const element& value, Annotations* annotations) {
  if constexpr (!kCollect) {
    const Node& first = program_.nodes[id];
    if (first.forward != kNoNode) {
      // Skip the nodes that are only a $ref, but count them: is_valid() must stop at the depth
      // limit exactly where validate() does (which walks them, for its keyword locations).
      const std::size_t hops = first.forward_hops;
      if (depth_ + hops > kMaxEvaluationDepth) return false;
      depth_ += hops;
      const bool ok = evaluate_node<kCollect>(first.forward, value, annotations);
      depth_ -= hops;
      return ok;
    }
  }
  return evaluate_node<kCollect>(id, value, annotations);
}

template <bool kCollect>
ACCORD_JSONSCHEMA_HOT_INLINE bool Evaluator::evaluate_node(NodeId id, const element& value,
                                                           Annotations* annotations) {
  const Node& n = program_.nodes[id];
  if (n.kind != Node::Kind::Keywords) {
    if (n.kind == Node::Kind::True) return true;
    if constexpr (kCollect)
      sink_->report_with(n, {}, [&] { return "no value is allowed here (false schema)"; });
    return false;
  }
  if (n.leaf) return run_keywords<kCollect>(n, value, annotations);
  if (too_deep()) return depth_exceeded(n);
  ++depth_;
  const bool entered_resource =
      program_.uses_dynamic_scope && (scope_.empty() || scope_.back() != n.resource);
  if (entered_resource) scope_.push_back(n.resource);
  const bool ok = n.unevaluated_properties == kNoNode && n.unevaluated_items == kNoNode
                      ? run_keywords<kCollect>(n, value, annotations)
                      : run_with_unevaluated<kCollect>(n, value, annotations);
  if (entered_resource) scope_.pop_back();
  --depth_;
  return ok;
}

template <bool kCollect>
ACCORD_JSONSCHEMA_HOT_INLINE bool Evaluator::run_keywords(const Node& n, const element& value,
                                                          Annotations* annotations) {
  const element_type type = value.type();
  bool ok = true;
  if (n.type_mask != kAnyType && !type_matches(n.type_mask, value, type)) {
    if constexpr (!kCollect) {
      return false;
    } else {
      sink_->report_with(n, {n.type_keyword}, [&] { return type_mismatch(value, n.type_mask); });
      ok = false;
      if (sink_->full()) return false;
    }
  }
  const Keyword* const keywords = program_.keywords.data();
  // The type-independent keywords, then those for the instance's type.
  for (const Keyword *k = keywords + n.bounds[kAnyGroup], *end = keywords + n.bounds[kAnyGroup + 1];
       k != end; ++k) {
    if (!keyword<kCollect>(n, *k, value, annotations)) {
      if constexpr (!kCollect) {
        return false;
      } else {
        ok = false;
        if (sink_->full()) return false;
      }
    }
  }
  const KeywordGroup group = group_of(type);
  if (group == kAnyGroup) return ok;
  for (const Keyword *k = keywords + n.bounds[group], *end = keywords + n.bounds[group + 1];
       k != end; ++k) {
    if (!keyword<kCollect>(n, *k, value, annotations)) {
      if constexpr (!kCollect) {
        return false;
      } else {
        ok = false;
        if (sink_->full()) return false;
      }
    }
  }
  return ok;
}

template <bool kCollect>
[[gnu::noinline]] bool Evaluator::run_with_unevaluated(const Node& n, const element& value,
                                                       Annotations* annotations) {
  // unevaluatedProperties / unevaluatedItems need to know what the other keywords of this node
  // evaluated, so this node (and only this kind of node) collects annotations.
  const element_type type = value.type();
  const bool members = type == element_type::OBJECT && n.unevaluated_properties != kNoNode;
  const bool items = type == element_type::ARRAY && n.unevaluated_items != kNoNode;
  if (!members && !items) return run_keywords<kCollect>(n, value, annotations);
  Annotations local(members ? member_count(as_object(value)) : item_count(as_array(value)));
  const bool ok = run_keywords<kCollect>(n, value, &local);
  if (!ok && (!kCollect || sink_->full())) return false;
  if (!unevaluated<kCollect>(n, value, local)) return false;
  // Everything not evaluated before has now been evaluated by unevaluated*.
  if (annotations != nullptr) annotations->mark_all();
  return ok;
}

// Out of line and cold: the message text (and its temporaries) stays off the frames of the
// recursive evaluation path.
[[gnu::noinline, gnu::cold]] void Evaluator::report_keyword(const Node& n, const Keyword& k,
                                                            const element& value) {
  sink_->report_with(n, {k.name}, [&]() -> std::string {
    switch (k.op) {
      case Op::Const:
        return describe(value) + " is not the constant " +
               describe(program_.value_sets[k.arg].values.front());
      case Op::Enum: {
        const auto& values = program_.value_sets[k.arg].values;
        std::string message = describe(value) + " is not one of the allowed values: ";
        constexpr std::size_t kShown = 8;
        for (std::size_t i = 0; i < values.size() && i < kShown; ++i) {
          if (i > 0) message += ", ";
          message += describe(values[i]);
        }
        if (values.size() > kShown) message += ", ...";
        return message;
      }
      case Op::Minimum:
        return to_string(*Number::of(value)) + " is less than the minimum " + to_string(k.number);
      case Op::Maximum:
        return to_string(*Number::of(value)) + " is greater than the maximum " +
               to_string(k.number);
      case Op::ExclusiveMinimum:
        return to_string(*Number::of(value)) + " is not greater than the exclusive minimum " +
               to_string(k.number);
      case Op::ExclusiveMaximum:
        return to_string(*Number::of(value)) + " is not less than the exclusive maximum " +
               to_string(k.number);
      case Op::MultipleOf:
        return to_string(*Number::of(value)) + " is not a multiple of " + to_string(k.number);
      case Op::MinLength:
      case Op::MaxLength:
        return describe(value) + " is " + (k.op == Op::MinLength ? "shorter" : "longer") +
               " than " + count_text(k.count, "character", "characters") + " (" +
               std::to_string(count_code_points(value.get_string().value_unsafe())) + ")";
      case Op::Pattern:
        return describe(value) + " does not match the pattern " +
               quote(program_.regexes[k.arg].source);
      case Op::Format:
        return describe(value) + " is not a valid " +
               std::string(format_name(static_cast<Format>(k.arg)));
      case Op::MinItems:
      case Op::MaxItems:
        return "array has " + count_text(item_count(as_array(value)), "item", "items") + ", " +
               (k.op == Op::MinItems ? "fewer than the minimum " : "more than the maximum ") +
               std::to_string(k.count);
      case Op::MinProperties:
      case Op::MaxProperties:
        return "object has " +
               count_text(member_count(as_object(value)), "property", "properties") + ", " +
               (k.op == Op::MinProperties ? "fewer than the minimum " : "more than the maximum ") +
               std::to_string(k.count);
      default:
        return "value is not valid against " + std::string(k.name);
    }
  });
}

template <bool kCollect>
bool Evaluator::child(NodeId id, const element& value) {
  if (instance_depth_ >= program_.max_document_depth) {
    if constexpr (kCollect) {
      sink_->report_with(program_.nodes[id], {}, [&] {
        return "document nesting exceeds " + std::to_string(program_.max_document_depth);
      });
    }
    return false;
  }
  ++instance_depth_;
  const bool ok = node<kCollect>(id, value, nullptr);
  --instance_depth_;
  return ok;
}

template <bool kCollect>
ACCORD_JSONSCHEMA_HOT_INLINE bool Evaluator::keyword(const Node& n, const Keyword& k,
                                                     const element& value,
                                                     Annotations* annotations) {
  switch (k.op) {
    case Op::Ref: {
      if constexpr (kCollect) sink_->push_keyword(k.name);
      const bool ok = node<kCollect>(static_cast<NodeId>(k.arg), value, annotations);
      if constexpr (kCollect) sink_->pop_keyword();
      return ok;
    }
    case Op::DynamicRef:
    case Op::AllOf:
    case Op::AnyOf:
    case Op::OneOf:
    case Op::Not:
    case Op::Conditional:
      return in_place<kCollect>(n, k, value, annotations);

    case Op::Const:
    case Op::Enum: {
      const ValueSet& set = program_.value_sets[k.arg];
      if (set.only_strings) {
        if (value.type() == element_type::STRING &&
            set.strings.find(value.get_string().value_unsafe()) != NameTable::kMissing) {
          return true;
        }
      } else {
        for (const auto& candidate : set.values) {
          if (json_equal(candidate, value)) return true;
        }
      }
      if constexpr (kCollect) {
        report_keyword(n, k, value);
      }
      return false;
    }

    case Op::Minimum:
    case Op::Maximum:
    case Op::ExclusiveMinimum:
    case Op::ExclusiveMaximum: {
      int c;
      if (k.bound_is_small) {
        // |bound| < 2^53: comparing as doubles is exact (see Keyword::bound_is_small).
        const double x = value.get_double().value_unsafe();
        c = x < k.bound ? -1 : (x > k.bound ? 1 : 0);
      } else {
        c = compare(*Number::of(value), k.number);
      }
      bool ok;
      switch (k.op) {
        case Op::Minimum:
          ok = c >= 0;
          break;
        case Op::Maximum:
          ok = c <= 0;
          break;
        case Op::ExclusiveMinimum:
          ok = c > 0;
          break;
        default:
          ok = c < 0;
          break;
      }
      if constexpr (kCollect) {
        if (!ok) report_keyword(n, k, value);
      }
      return ok;
    }

    case Op::MultipleOf: {
      if (value.type() == element_type::INT64 && k.number.kind == Number::Kind::Int) {
        // The common integer case, exact and without the general machinery; divisor > 0.
        const std::int64_t x = value.get_int64().value_unsafe();
        if (x % k.number.i == 0) return true;
      } else if (is_multiple_of(*Number::of(value), k.number)) {
        return true;
      }
      if constexpr (kCollect) {
        report_keyword(n, k, value);
      }
      return false;
    }

    case Op::MinLength:
    case Op::MaxLength: {
      const std::string_view s = value.get_string().value_unsafe();
      // A code point takes one to four bytes: the byte length alone often decides.
      bool ok;
      if (k.op == Op::MinLength) {
        ok = s.size() >= k.count && (s.size() / 4 >= k.count || count_code_points(s) >= k.count);
      } else {
        ok = s.size() <= k.count || count_code_points(s) <= k.count;
      }
      if constexpr (kCollect) {
        if (!ok) {
          report_keyword(n, k, value);
        }
      }
      return ok;
    }

    case Op::Pattern: {
      const CompiledRegex& regex = program_.regexes[k.arg];
      if (regex.search(value.get_string().value_unsafe())) return true;
      if constexpr (kCollect) {
        report_keyword(n, k, value);
      }
      return false;
    }

    case Op::Format: {
      const auto format = static_cast<Format>(k.arg);
      if (check_format(format, value.get_string().value_unsafe())) return true;
      if constexpr (kCollect) {
        report_keyword(n, k, value);
      }
      return false;
    }

    case Op::MinItems:
    case Op::MaxItems: {
      const std::size_t size = item_count(as_array(value));
      const bool ok = k.op == Op::MinItems ? size >= k.count : size <= k.count;
      if constexpr (kCollect) {
        if (!ok) {
          report_keyword(n, k, value);
        }
      }
      return ok;
    }

    case Op::UniqueItems:
      return unique_items<kCollect>(n, k, as_array(value));

    case Op::Items:
      return items<kCollect>(n, program_.array_plans[k.arg], as_array(value), annotations);

    case Op::MinProperties:
    case Op::MaxProperties: {
      const std::size_t size = member_count(as_object(value));
      const bool ok = k.op == Op::MinProperties ? size >= k.count : size <= k.count;
      if constexpr (kCollect) {
        if (!ok) report_keyword(n, k, value);
      }
      return ok;
    }

    case Op::Members:
      return members<kCollect>(n, program_.object_plans[k.arg], value, annotations);
  }
  return true;
}

template <bool kCollect>
[[gnu::noinline]] bool Evaluator::in_place(const Node& n, const Keyword& k, const element& value,
                                           Annotations* annotations) {
  switch (k.op) {
    case Op::Ref:
    case Op::DynamicRef: {
      const NodeId target = k.op == Op::Ref ? static_cast<NodeId>(k.arg)
                                            : dynamic_target(program_.dynamic_refs[k.arg]);
      if constexpr (kCollect) sink_->push_keyword(k.name);
      const bool ok = node<kCollect>(target, value, annotations);
      if constexpr (kCollect) sink_->pop_keyword();
      return ok;
    }

    case Op::AllOf: {
      bool ok = true;
      const auto& list = program_.node_lists[k.arg].nodes;
      for (std::size_t i = 0; i < list.size(); ++i) {
        if constexpr (kCollect) {
          sink_->push_keyword(k.name);
          sink_->push_keyword(i);
        }
        const bool branch = node<kCollect>(list[i], value, annotations);
        if constexpr (kCollect) sink_->pop_keyword(2);
        if (!branch) {
          ok = false;
          if constexpr (kCollect) {
            if (sink_->full()) return false;
          } else {
            return false;
          }
        }
      }
      return ok;
    }

    case Op::AnyOf: {
      const auto& list = program_.node_lists[k.arg].nodes;
      bool any = false;
      for (const NodeId branch : list) {
        if (annotations == nullptr) {
          if (node<false>(branch, value, nullptr)) return true;
          continue;
        }
        // Annotations come from every passing branch, so all of them are evaluated.
        Annotations branch_annotations = annotations->empty_like();
        if (node<false>(branch, value, &branch_annotations)) {
          any = true;
          annotations->merge(branch_annotations);
        }
      }
      if (any) return true;
      if constexpr (kCollect) {
        sink_->report_with(n, {k.name}, [&] {
          return describe(value) + " does not match any of the " + std::to_string(list.size()) +
                 " schemas in anyOf";
        });
      }
      return false;
    }

    case Op::OneOf: {
      const auto& list = program_.node_lists[k.arg].nodes;
      std::size_t matches = 0;
      std::size_t first = 0;
      std::size_t second = 0;
      std::optional<Annotations> matched;
      for (std::size_t i = 0; i < list.size(); ++i) {
        bool passed;
        if (annotations == nullptr) {
          passed = node<false>(list[i], value, nullptr);
        } else {
          Annotations branch_annotations = annotations->empty_like();
          passed = node<false>(list[i], value, &branch_annotations);
          if (passed && matches == 0) matched = std::move(branch_annotations);
        }
        if (!passed) continue;
        (matches == 0 ? first : second) = i;
        if (++matches == 2) break;
      }
      if (matches == 1) {
        if (annotations != nullptr) annotations->merge(*matched);
        return true;
      }
      if constexpr (kCollect) {
        sink_->report_with(n, {k.name}, [&] {
          return matches == 0 ? describe(value) + " does not match any of the " +
                                    std::to_string(list.size()) + " schemas in oneOf"
                              : describe(value) + " matches more than one schema in oneOf (" +
                                    std::to_string(first) + " and " + std::to_string(second) +
                                    "), exactly one is required";
        });
      }
      return false;
    }

    case Op::Not: {
      if (!node<false>(static_cast<NodeId>(k.arg), value, nullptr)) return true;
      if constexpr (kCollect) {
        sink_->report_with(n, {k.name},
                           [&] { return describe(value) + " must not match the schema in not"; });
      }
      return false;
    }

    case Op::Conditional: {
      const Conditional& c = program_.conditionals[k.arg];
      if (c.then_node == kNoNode && c.else_node == kNoNode && annotations == nullptr) return true;
      bool condition;
      if (annotations == nullptr) {
        condition = node<false>(c.if_node, value, nullptr);
      } else {
        Annotations if_annotations = annotations->empty_like();
        condition = node<false>(c.if_node, value, &if_annotations);
        if (condition) annotations->merge(if_annotations);
      }
      const NodeId branch = condition ? c.then_node : c.else_node;
      if (branch == kNoNode) return true;
      if constexpr (kCollect) sink_->push_keyword(condition ? "then" : "else");
      const bool ok = node<kCollect>(branch, value, annotations);
      if constexpr (kCollect) sink_->pop_keyword();
      return ok;
    }

    default:
      return true;
  }
}

template <bool kCollect>
[[gnu::noinline]] bool Evaluator::members(const Node& n, const ObjectPlan& plan,
                                          const element& value, Annotations* annotations) {
  const simdjson::dom::object object = as_object(value);
  // Which of the plan's names the object has. Plans rarely name more than 256 members, so the
  // set usually lives on the stack.
  constexpr std::size_t kInlineWords = 4;
  std::uint64_t inline_seen[kInlineWords] = {};
  std::vector<std::uint64_t> heap_seen;
  std::uint64_t* seen = inline_seen;
  if (plan.names.size() > kInlineWords * 64) {
    heap_seen.assign((plan.names.size() + 63) / 64, 0);
    seen = heap_seen.data();
  }
  auto is_seen = [&](std::uint32_t i) { return ((seen[i >> 6] >> (i & 63)) & 1) != 0; };

  bool ok = true;
  auto failed = [&]() {
    ok = false;
    if constexpr (kCollect) {
      return sink_->full();
    } else {
      return true;
    }
  };

  std::size_t index = 0;
  for (const auto field : object) {
    const std::uint32_t name = plan.names.find(field.key);
    if (name != NameTable::kMissing) seen[name >> 6] |= std::uint64_t{1} << (name & 63);
    if (plan.visits_members) {
      bool matched = false;
      if constexpr (kCollect) sink_->push_instance(field.key);
      if (name != NameTable::kMissing && plan.property_node[name] != kNoNode) {
        matched = true;
        const NodeId target = plan.property_node[name];
        bool passed;
        if constexpr (kCollect) {
          if (program_.nodes[target].kind == Node::Kind::False) {
            sink_->report_with(n, {"properties", field.key},
                               [&] { return "property " + quote(field.key) + " is not allowed"; });
            passed = false;
          } else {
            sink_->push_keyword("properties");
            sink_->push_keyword(field.key);
            passed = child<true>(target, field.value);
            sink_->pop_keyword(2);
          }
        } else {
          passed = child<false>(target, field.value);
        }
        if (annotations != nullptr) annotations->mark(index);
        if (!passed && failed()) {
          if constexpr (kCollect) sink_->pop_instance();
          return false;
        }
      }
      for (const auto& pattern : plan.pattern_properties) {
        const CompiledRegex& regex = program_.regexes[pattern.regex];
        if (!regex.search(field.key)) continue;
        matched = true;
        bool passed;
        if constexpr (kCollect) {
          if (program_.nodes[pattern.node].kind == Node::Kind::False) {
            sink_->report_with(n, {"patternProperties", std::string_view(regex.source)}, [&] {
              return "property " + quote(field.key) + " is not allowed (it matches " +
                     quote(regex.source) + ")";
            });
            passed = false;
          } else {
            sink_->push_keyword("patternProperties");
            sink_->push_keyword(regex.source);
            passed = child<true>(pattern.node, field.value);
            sink_->pop_keyword(2);
          }
        } else {
          passed = child<false>(pattern.node, field.value);
        }
        if (annotations != nullptr) annotations->mark(index);
        if (!passed && failed()) {
          if constexpr (kCollect) sink_->pop_instance();
          return false;
        }
      }
      if (!matched && plan.additional != kNoNode) {
        bool passed;
        if constexpr (kCollect) {
          if (program_.nodes[plan.additional].kind == Node::Kind::False) {
            sink_->report_with(n, {"additionalProperties"}, [&] {
              return "additional property " + quote(field.key) + " is not allowed";
            });
            passed = false;
          } else {
            sink_->push_keyword("additionalProperties");
            passed = child<true>(plan.additional, field.value);
            sink_->pop_keyword();
          }
        } else {
          passed = child<false>(plan.additional, field.value);
        }
        if (annotations != nullptr) annotations->mark(index);
        if (!passed && failed()) {
          if constexpr (kCollect) sink_->pop_instance();
          return false;
        }
      }
      if constexpr (kCollect) sink_->pop_instance();
    }
    ++index;
  }

  if (plan.property_names != kNoNode) {
    if (!property_names<kCollect>(n, plan.property_names, object) && failed()) return false;
  }
  for (const std::uint32_t name : plan.required) {
    if (is_seen(name)) continue;
    if constexpr (kCollect) {
      sink_->report_with(n, {"required"}, [&] {
        return "missing required property " + quote(plan.names.name(name));
      });
    }
    if (failed()) return false;
  }
  for (const auto& dependency : plan.dependent_required) {
    if (!is_seen(dependency.trigger)) continue;
    for (const std::uint32_t name : dependency.required) {
      if (is_seen(name)) continue;
      if constexpr (kCollect) {
        sink_->report_with(
            n, {plan.dependent_required_keyword, plan.names.name(dependency.trigger)}, [&] {
              return "property " + quote(plan.names.name(name)) + " is required when " +
                     quote(plan.names.name(dependency.trigger)) + " is present";
            });
      }
      if (failed()) return false;
    }
  }
  for (const auto& dependency : plan.dependent_schemas) {
    if (!is_seen(dependency.trigger)) continue;
    if constexpr (kCollect) {
      sink_->push_keyword(plan.dependent_schemas_keyword);
      sink_->push_keyword(plan.names.name(dependency.trigger));
    }
    const bool passed = node<kCollect>(dependency.node, value, annotations);
    if constexpr (kCollect) sink_->pop_keyword(2);
    if (!passed && failed()) return false;
  }
  return ok;
}

template <bool kCollect>
[[gnu::noinline]] bool Evaluator::property_names(const Node& n, NodeId names,
                                                 const simdjson::dom::object& object) {
  const Node& target = program_.nodes[names];
  if (target.kind == Node::Kind::True) return true;
  bool ok = true;
  for (const auto field : object) {
    bool passed = false;
    if (target.kind != Node::Kind::False) {
      element name;
      passed = parse_member_name(field.key, name) && node<false>(names, name, nullptr);
    }
    if (passed) continue;
    ok = false;
    if constexpr (kCollect) {
      sink_->report_with(n, {"propertyNames"}, [&] {
        return "property name " + quote(field.key) + " does not match the propertyNames schema";
      });
      if (sink_->full()) return false;
    } else {
      return false;
    }
  }
  return ok;
}

template <bool kCollect>
[[gnu::noinline]] bool Evaluator::items(const Node& n, const ArrayPlan& plan,
                                        const simdjson::dom::array& array,
                                        Annotations* annotations) {
  bool ok = true;
  std::uint64_t contained = 0;
  const bool has_contains = plan.contains != kNoNode;
  // In boolean mode without annotations `contains` can stop looking once satisfied.
  const bool contains_can_stop = !kCollect && annotations == nullptr &&
                                 plan.max_contains == std::numeric_limits<std::uint64_t>::max();
  std::size_t index = 0;
  for (const element item : array) {
    NodeId target = kNoNode;
    std::string_view keyword;
    bool indexed = false;
    if (index < plan.prefix.size()) {
      target = plan.prefix[index];
      keyword = plan.prefix_keyword;
      indexed = true;
    } else if (plan.rest != kNoNode) {
      target = plan.rest;
      keyword = plan.rest_keyword;
    }
    if (target != kNoNode) {
      bool passed;
      if constexpr (kCollect) {
        sink_->push_instance(index);
        if (program_.nodes[target].kind == Node::Kind::False) {
          if (indexed) {
            sink_->report_with(n, {keyword, Segment(index)},
                               [&] { return "item " + std::to_string(index) + " is not allowed"; });
          } else {
            sink_->report_with(n, {keyword}, [&] {
              return "item " + std::to_string(index) + " is not allowed (" + std::string(keyword) +
                     ")";
            });
          }
          passed = false;
        } else {
          sink_->push_keyword(keyword);
          if (indexed) sink_->push_keyword(index);
          passed = child<true>(target, item);
          sink_->pop_keyword(indexed ? 2 : 1);
        }
        sink_->pop_instance();
      } else {
        passed = child<false>(target, item);
      }
      if (annotations != nullptr) annotations->mark(index);
      if (!passed) {
        ok = false;
        if constexpr (kCollect) {
          if (sink_->full()) return false;
        } else {
          return false;
        }
      }
    }
    if (has_contains && !(contains_can_stop && contained >= plan.min_contains)) {
      ++instance_depth_;
      const bool match = instance_depth_ <= program_.max_document_depth &&
                         node<false>(plan.contains, item, nullptr);
      --instance_depth_;
      if (match) {
        ++contained;
        if (annotations != nullptr) annotations->mark(index);
      }
    }
    ++index;
  }
  if (has_contains) {
    if (contained < plan.min_contains) {
      if constexpr (kCollect) {
        if (plan.min_contains == 1) {
          sink_->report_with(n, {"contains"},
                             [&] { return "no item of the array matches the contains schema"; });
        } else {
          sink_->report_with(n, {"minContains"}, [&] {
            return count_text(contained, "item matches", "items match") +
                   " the contains schema, fewer than minContains " +
                   std::to_string(plan.min_contains);
          });
        }
      }
      ok = false;
    } else if (contained > plan.max_contains) {
      if constexpr (kCollect) {
        sink_->report_with(n, {"maxContains"}, [&] {
          return count_text(contained, "item matches", "items match") +
                 " the contains schema, more than maxContains " + std::to_string(plan.max_contains);
        });
      }
      ok = false;
    }
  }
  return ok;
}

template <bool kCollect>
[[gnu::noinline]] bool Evaluator::unevaluated(const Node& n, const element& value,
                                              const Annotations& evaluated) {
  bool ok = true;
  std::size_t index = 0;
  if (value.type() == element_type::OBJECT) {
    const NodeId target = n.unevaluated_properties;
    const bool is_false = program_.nodes[target].kind == Node::Kind::False;
    for (const auto field : as_object(value)) {
      if (!evaluated.has(index++)) {
        bool passed;
        if constexpr (kCollect) {
          sink_->push_instance(field.key);
          if (is_false) {
            sink_->report_with(n, {"unevaluatedProperties"}, [&] {
              return "unevaluated property " + quote(field.key) + " is not allowed";
            });
            passed = false;
          } else {
            sink_->push_keyword("unevaluatedProperties");
            passed = child<true>(target, field.value);
            sink_->pop_keyword();
          }
          sink_->pop_instance();
        } else {
          passed = child<false>(target, field.value);
        }
        if (!passed) {
          ok = false;
          if (!kCollect || sink_->full()) return false;
        }
      }
    }
    return ok;
  }
  const NodeId target = n.unevaluated_items;
  const bool is_false = program_.nodes[target].kind == Node::Kind::False;
  for (const element item : as_array(value)) {
    if (!evaluated.has(index)) {
      bool passed;
      if constexpr (kCollect) {
        sink_->push_instance(index);
        if (is_false) {
          sink_->report_with(n, {"unevaluatedItems"}, [&] {
            return "unevaluated item " + std::to_string(index) + " is not allowed";
          });
          passed = false;
        } else {
          sink_->push_keyword("unevaluatedItems");
          passed = child<true>(target, item);
          sink_->pop_keyword();
        }
        sink_->pop_instance();
      } else {
        passed = child<false>(target, item);
      }
      if (!passed) {
        ok = false;
        if (!kCollect || sink_->full()) return false;
      }
    }
    ++index;
  }
  return ok;
}

template <bool kCollect>
[[gnu::noinline]] bool Evaluator::unique_items(const Node& n, const Keyword& k,
                                               const simdjson::dom::array& array) {
  // Pairwise for short arrays; hash, sort and compare neighbours for long ones (O(n log n)).
  constexpr std::size_t kPairwiseLimit = 16;
  std::size_t duplicate_a = 0;
  std::size_t duplicate_b = 0;
  bool unique = true;
  const std::size_t size = item_count(array);
  if (size < 2) return true;
  if (size <= kPairwiseLimit) {
    element items[kPairwiseLimit];
    std::size_t count = 0;
    for (const element item : array) items[count++] = item;
    for (std::size_t i = 0; i < count && unique; ++i) {
      for (std::size_t j = i + 1; j < count; ++j) {
        if (json_equal(items[i], items[j])) {
          unique = false;
          duplicate_a = i;
          duplicate_b = j;
          break;
        }
      }
    }
  } else {
    struct Entry {
      std::size_t hash;
      std::size_t index;
      element value;
    };
    std::vector<Entry> entries;
    entries.reserve(size);
    std::size_t index = 0;
    for (const element item : array) entries.push_back({json_hash(item), index++, item});
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return a.hash != b.hash ? a.hash < b.hash : a.index < b.index;
    });
    for (std::size_t i = 0; i < entries.size() && unique; ++i) {
      for (std::size_t j = i + 1; j < entries.size() && entries[j].hash == entries[i].hash; ++j) {
        if (json_equal(entries[i].value, entries[j].value)) {
          unique = false;
          duplicate_a = std::min(entries[i].index, entries[j].index);
          duplicate_b = std::max(entries[i].index, entries[j].index);
          break;
        }
      }
    }
  }
  if (unique) return true;
  if constexpr (kCollect) {
    sink_->report_with(n, {k.name}, [&] {
      return "items " + std::to_string(duplicate_a) + " and " + std::to_string(duplicate_b) +
             " are equal, items must be unique";
    });
  }
  return false;
}

}  // namespace accord::jsonschema::detail
