// The compiled form of a schema: every subschema becomes a Node holding a flat run of
// pre-typed Keyword checks, grouped by the instance type they apply to, so evaluation is one
// switch per keyword with no lookups by name, no virtual calls and no string building.
// Immutable after compilation; shared by all threads.
#pragma once

#include <re2/re2.h>
#include <simdjson.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/jsonschema/formats.hpp"
#include "registry/jsonschema/jsonschema.hpp"
#include "registry/jsonschema/name_table.hpp"
#include "registry/jsonschema/numbers.hpp"
#include "registry/jsonschema/simple_pattern.hpp"

namespace accord::jsonschema::detail {

using NodeId = std::uint32_t;
inline constexpr NodeId kNoNode = std::numeric_limits<NodeId>::max();

// Bits of the `type` keyword. An instance has one bit, plus kInteger for integral numbers.
enum TypeBits : std::uint8_t {
  kNullBit = 1,
  kBooleanBit = 2,
  kObjectBit = 4,
  kArrayBit = 8,
  kNumberBit = 16,
  kStringBit = 32,
  kIntegerBit = 64,
  kAnyType = 0x7F,
};

enum class Op : std::uint8_t {
  // Any instance.
  Ref,         // arg: node
  DynamicRef,  // arg: index into Program::dynamic_refs
  AllOf,       // arg: index into Program::node_lists
  AnyOf,
  OneOf,
  Not,          // arg: node
  Conditional,  // arg: index into Program::conditionals
  Const,        // arg: index into Program::value_sets
  Enum,
  // Numbers.
  Minimum,  // number: the bound
  Maximum,
  ExclusiveMinimum,
  ExclusiveMaximum,
  MultipleOf,
  // Strings.
  MinLength,  // count
  MaxLength,
  Pattern,  // arg: index into Program::regexes
  Format,   // arg: Format
  // Arrays.
  MinItems,
  MaxItems,
  UniqueItems,
  Items,  // arg: index into Program::array_plans
  // Objects.
  MinProperties,
  MaxProperties,
  Members,  // arg: index into Program::object_plans
};

struct Keyword {
  Op op;
  // Numeric bounds with |bound| < 2^53 compare exactly as doubles against any instance (an
  // integer instance beyond 2^53 stays beyond it when rounded), so they skip the exact path.
  bool bound_is_small = false;
  std::uint32_t arg = 0;
  std::uint64_t count = 0;
  double bound = 0;
  Number number;
  std::string_view name;  // the keyword as written in the schema, for error locations
};

// Which run of a node's keywords applies to an instance.
enum KeywordGroup : std::uint8_t {
  kAnyGroup,
  kNumberGroup,
  kStringGroup,
  kArrayGroup,
  kObjectGroup,
  kGroupCount
};

struct Node {
  enum class Kind : std::uint8_t { True, False, Keywords };
  Kind kind = Kind::True;
  std::uint8_t type_mask = kAnyType;  // from `type`; kAnyType when absent
  // unevaluatedProperties / unevaluatedItems: the node collects which members/items its other
  // keywords evaluated, then applies these to the rest.
  NodeId unevaluated_properties = kNoNode;
  NodeId unevaluated_items = kNoNode;
  std::uint32_t resource = 0;  // schema resource, for $dynamicRef's dynamic scope
  // For a node that is nothing but a "$ref" (and when no $dynamicRef needs the dynamic scope):
  // the node it leads to, so boolean evaluation skips the hop.
  NodeId forward = kNoNode;
  std::uint32_t forward_hops = 0;  // how many $ref-only nodes the shortcut skips
  // Only keywords that look at the instance itself (no subschemas, no references): evaluating
  // it cannot recurse, so depth and dynamic-scope bookkeeping are skipped.
  bool leaf = false;
  // Keywords of group g are Program::keywords[bounds[g], bounds[g + 1]).
  std::uint32_t bounds[kGroupCount + 1] = {};
  std::string_view type_keyword;  // "type" when present, for error locations
  std::string location;           // absolute URI + "#" + pointer of this subschema
};

struct NodeList {
  std::vector<NodeId> nodes;
};

struct Conditional {
  NodeId if_node = kNoNode;
  NodeId then_node = kNoNode;
  NodeId else_node = kNoNode;
};

// Values of `const` (one) or `enum` (several), compared with JSON equality.
struct ValueSet {
  std::vector<simdjson::dom::element> values;
  NameTable strings;  // when every member is a string: looked up instead of compared in turn
  bool only_strings = false;
};

struct CompiledRegex {
  std::string source;  // as written in the schema (ECMA-262)
  std::unique_ptr<RE2> re;
  std::optional<SimplePattern> simple;  // the fast path, when the pattern is simple enough

  bool search(std::string_view text) const {
    return simple ? simple->search(text) : RE2::PartialMatch(text, *re);
  }
};

struct DynamicRef {
  NodeId static_target = kNoNode;
  // Index into Program::anchor_names when the reference is dynamic (its fragment names a
  // $dynamicAnchor of the initially resolved resource); kNoAnchor when it behaves as $ref.
  std::uint32_t anchor = kNoAnchor;
  static constexpr std::uint32_t kNoAnchor = std::numeric_limits<std::uint32_t>::max();
};

// properties, patternProperties, additionalProperties, propertyNames, required,
// dependentRequired, dependentSchemas (and draft-07 dependencies): all evaluated in one pass
// over the instance's members.
struct ObjectPlan {
  NameTable names;                    // every member name the plan mentions
  std::vector<NodeId> property_node;  // per name: the `properties` subschema, or kNoNode
  std::vector<std::uint32_t> required;
  struct DependentRequired {
    std::uint32_t trigger;
    std::vector<std::uint32_t> required;
  };
  std::vector<DependentRequired> dependent_required;
  struct DependentSchema {
    std::uint32_t trigger;
    NodeId node;
  };
  std::vector<DependentSchema> dependent_schemas;
  struct PatternProperty {
    std::uint32_t regex;
    NodeId node;
  };
  std::vector<PatternProperty> pattern_properties;
  NodeId additional = kNoNode;
  NodeId property_names = kNoNode;
  // Keyword names as written (draft-07 spells dependentRequired/dependentSchemas
  // "dependencies").
  std::string_view dependent_required_keyword = "dependentRequired";
  std::string_view dependent_schemas_keyword = "dependentSchemas";
  // Whether member values are visited at all (false when only required-style checks exist).
  bool visits_members = false;
};

// prefixItems/items (2020-12) or items/additionalItems (draft-07), and contains.
struct ArrayPlan {
  std::vector<NodeId> prefix;
  NodeId rest = kNoNode;  // applies to items after the prefix
  std::string_view prefix_keyword;
  std::string_view rest_keyword;
  NodeId contains = kNoNode;
  std::uint64_t min_contains = 1;
  std::uint64_t max_contains = std::numeric_limits<std::uint64_t>::max();
};

struct Program {
  Draft draft = Draft::Draft2020_12;
  NodeId root = 0;
  std::size_t max_document_depth = 256;
  std::vector<Node> nodes;
  std::vector<Keyword> keywords;
  std::vector<NodeList> node_lists;
  std::vector<Conditional> conditionals;
  std::vector<ValueSet> value_sets;
  std::vector<CompiledRegex> regexes;
  std::vector<ObjectPlan> object_plans;
  std::vector<ArrayPlan> array_plans;
  std::vector<DynamicRef> dynamic_refs;
  std::vector<std::string> anchor_names;
  // Per schema resource: its $dynamicAnchors as (index into anchor_names, node).
  std::vector<std::vector<std::pair<std::uint32_t, NodeId>>> dynamic_anchors;
  bool uses_dynamic_scope = false;
  // The parsed schema documents: keyword values (const/enum members, property names) point
  // into them.
  std::vector<std::unique_ptr<simdjson::dom::document>> documents;
};

}  // namespace accord::jsonschema::detail
