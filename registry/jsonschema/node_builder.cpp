#include "registry/jsonschema/node_builder.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "registry/jsonschema/dom_access.hpp"
#include "registry/jsonschema/ecma_regex.hpp"
#include "registry/jsonschema/formats.hpp"
#include "registry/jsonschema/json_pointer.hpp"
#include "registry/jsonschema/uri.hpp"

namespace accord::jsonschema::detail {
namespace {

constexpr std::array<std::pair<std::string_view, std::uint8_t>, 7> kTypeNames = {{
    {"null", kNullBit},
    {"boolean", kBooleanBit},
    {"object", kObjectBit},
    {"array", kArrayBit},
    {"number", kNumberBit},
    {"string", kStringBit},
    {"integer", kIntegerBit},
}};

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

}  // namespace

std::optional<simdjson::dom::element> NodeBuilder::field(std::string_view keyword) const {
  for (const auto& [name, value] : fields_) {
    if (name == keyword) return value;
  }
  return std::nullopt;
}

bool NodeBuilder::uses(std::uint8_t vocabulary) const {
  return site_.dialect.draft == Draft::Draft7 || (site_.dialect.vocabularies & vocabulary) != 0;
}

void NodeBuilder::fail(std::string_view keyword, std::string message,
                       std::string_view child) const {
  throw CompileFailure(
      CompileError{c_.documents_.error_location(site_, keyword, child), std::move(message)});
}

NodeId NodeBuilder::schema_member(std::string_view keyword, std::string_view name, element value) {
  if (!value.is_object() && !value.is_bool()) {
    fail(keyword, std::string(keyword) + " entries must be schemas (objects or booleans)", name);
  }
  std::string pointer = site_.pointer;
  append_pointer_token(pointer, keyword);
  append_pointer_token(pointer, name);
  const SchemaSite* child = c_.documents_.site_at(site_.document, pointer);
  if (child == nullptr) fail(keyword, "subschema not found", name);
  return c_.node_for(*child);
}

NodeId NodeBuilder::schema(std::string_view keyword, element value) {
  if (!value.is_object() && !value.is_bool()) {
    fail(keyword, std::string(keyword) + " must be a schema (an object or a boolean)");
  }
  std::string pointer = site_.pointer;
  append_pointer_token(pointer, keyword);
  const SchemaSite* child = c_.documents_.site_at(site_.document, pointer);
  if (child == nullptr) fail(keyword, "subschema not found");
  return c_.node_for(*child);
}

std::vector<NodeId> NodeBuilder::schema_array(std::string_view keyword, element value) {
  if (!value.is_array() || as_array(value).size() == 0) {
    fail(keyword, std::string(keyword) + " must be a non-empty array of schemas");
  }
  std::vector<NodeId> nodes;
  std::size_t i = 0;
  for (const element item : as_array(value)) {
    nodes.push_back(schema_member(keyword, std::to_string(i++), item));
  }
  return nodes;
}

Number NodeBuilder::number(std::string_view keyword, element value) const {
  const auto n = Number::of(value);
  if (!n) fail(keyword, std::string(keyword) + " must be a number");
  return *n;
}

std::uint64_t NodeBuilder::count(std::string_view keyword, element value) const {
  const auto n = Number::of(value);
  if (!n || !n->is_integer() || n->is_negative()) {
    fail(keyword, std::string(keyword) + " must be a non-negative integer");
  }
  switch (n->kind) {
    case Number::Kind::Int:
      return static_cast<std::uint64_t>(n->i);
    case Number::Kind::UInt:
      return n->u;
    case Number::Kind::Double:
      break;
  }
  // Integral doubles beyond 2^64 are effectively unbounded.
  return n->d >= 18446744073709551615.0 ? UINT64_MAX : static_cast<std::uint64_t>(n->d);
}

std::string_view NodeBuilder::string(std::string_view keyword, element value) const {
  if (!value.is_string()) fail(keyword, std::string(keyword) + " must be a string");
  return value.get_string().value_unsafe();
}

std::vector<std::string_view> NodeBuilder::unique_strings(std::string_view keyword, element value,
                                                          std::string_view child) const {
  if (!value.is_array())
    fail(keyword, std::string(keyword) + " must be an array of strings", child);
  std::vector<std::string_view> out;
  for (const element item : as_array(value)) {
    if (!item.is_string())
      fail(keyword, std::string(keyword) + " must be an array of strings", child);
    const std::string_view s = item.get_string().value_unsafe();
    if (std::find(out.begin(), out.end(), s) != out.end()) {
      fail(keyword, std::string(keyword) + " lists " + quoted(s) + " twice", child);
    }
    out.push_back(s);
  }
  return out;
}

bool NodeBuilder::boolean(std::string_view keyword, element value) const {
  if (!value.is_bool()) fail(keyword, std::string(keyword) + " must be a boolean");
  return value.get_bool().value_unsafe();
}

std::uint32_t NodeBuilder::regex(std::string_view keyword, std::string_view source,
                                 std::string_view child) {
  const std::string key(source);
  if (const auto it = c_.regex_index_.find(key); it != c_.regex_index_.end()) return it->second;
  const TranslatedRegex translated = translate_ecma_regex(source);
  if (translated.status == TranslatedRegex::Status::Invalid) {
    fail(keyword,
         quoted(source) + " is not a valid ECMA-262 regular expression: " + translated.message,
         child);
  }
  if (translated.status == TranslatedRegex::Status::Unsupported) {
    fail(keyword,
         quoted(source) + " uses a " + translated.message +
             ", which is not supported: patterns run on RE2 in linear time, without "
             "lookaround or backreferences",
         child);
  }
  RE2::Options options;
  options.set_log_errors(false);
  options.set_never_capture(true);
  options.set_encoding(RE2::Options::EncodingUTF8);
  auto re = std::make_unique<RE2>(translated.re2, options);
  if (!re->ok()) fail(keyword, quoted(source) + " cannot be compiled: " + re->error(), child);
  const auto index = static_cast<std::uint32_t>(c_.program_.regexes.size());
  c_.program_.regexes.push_back(CompiledRegex{key, std::move(re), SimplePattern::compile(source)});
  c_.regex_index_.emplace(key, index);
  return index;
}

void NodeBuilder::emit(KeywordGroup group, Op op, std::string_view name, std::uint32_t arg,
                       std::uint64_t count, Number number) {
  Keyword k;
  k.op = op;
  k.arg = arg;
  k.count = count;
  k.number = number;
  k.name = name;
  constexpr double kTwo53 = 9007199254740992.0;
  k.bound = number.as_double();
  k.bound_is_small = std::fabs(k.bound) < kTwo53;
  groups_[group].push_back(k);
}

Node NodeBuilder::build() {
  Node node;
  node.resource = site_.resource;
  node.location = c_.documents_.absolute_location(site_);
  const element value = site_.value;
  if (value.is_bool()) {
    node.kind = value.get_bool().value_unsafe() ? Node::Kind::True : Node::Kind::False;
    return node;
  }
  if (!value.is_object()) fail({}, "a schema must be an object or a boolean");
  node.kind = Node::Kind::Keywords;

  for (const auto f : as_object(value)) fields_.emplace_back(f.key, f.value);
  std::vector<std::string_view> names;
  for (const auto& f : fields_) names.push_back(f.first);
  std::sort(names.begin(), names.end());
  if (const auto dup = std::adjacent_find(names.begin(), names.end()); dup != names.end()) {
    fail(*dup, "duplicate keyword " + quoted(*dup));
  }

  if (site_.dialect.draft == Draft::Draft7) {
    // draft-07: "$ref" overrides every sibling keyword.
    if (const auto ref = field("$ref")) {
      reference("$ref", *ref);
      finish(node);
      return node;
    }
  }
  core_keywords();
  if (uses(kValidationVocabulary)) validation_keywords();
  if (uses(kApplicatorVocabulary)) applicator_keywords();
  if (site_.dialect.draft == Draft::Draft2020_12 && uses(kUnevaluatedVocabulary)) {
    if (const auto v = field("unevaluatedProperties")) {
      unevaluated_properties_ = schema("unevaluatedProperties", *v);
    }
    if (const auto v = field("unevaluatedItems"))
      unevaluated_items_ = schema("unevaluatedItems", *v);
  }
  other_keywords();
  finish(node);
  return node;
}

void NodeBuilder::core_keywords() {
  const bool draft7 = site_.dialect.draft == Draft::Draft7;
  if (const auto v = field("$ref")) reference("$ref", *v);
  if (!draft7) {
    if (const auto v = field("$dynamicRef")) reference("$dynamicRef", *v);
    if (const auto v = field("$defs"); v && !v->is_object())
      fail("$defs", "$defs must be an object");
    if (const auto v = field("$vocabulary"); v && !v->is_object()) {
      fail("$vocabulary", "$vocabulary must be an object");
    }
  }
  if (const auto v = field("definitions"); v && !v->is_object()) {
    fail("definitions", "definitions must be an object");
  }
  if (const auto v = field("$comment")) string("$comment", *v);
  if (const auto v = field("$schema")) string("$schema", *v);
}

void NodeBuilder::reference(std::string_view keyword, element value) {
  const std::string_view ref = string(keyword, value);
  const auto uri = resolve_uri(site_.base_uri, ref);
  if (!uri) fail(keyword, quoted(ref) + " is not a valid URI reference");
  const SchemaSite& target = c_.documents_.resolve(*uri, site_, keyword);
  const NodeId target_node = c_.node_for(target);
  if (keyword == "$ref") {
    emit(kAnyGroup, Op::Ref, "$ref", target_node);
    return;
  }
  DynamicRef dynamic{target_node, DynamicRef::kNoAnchor};
  // Dynamic only when the fragment names a $dynamicAnchor of the resource it first resolves
  // to (the "bookend"); otherwise $dynamicRef is a plain $ref.
  const auto fragment = percent_decode(split_fragment(*uri).fragment);
  if (fragment && !fragment->empty() && fragment->front() != '/' &&
      c_.documents_.resources()[target.resource].dynamic_anchors.contains(*fragment)) {
    dynamic.anchor = c_.anchor_index(*fragment);
    c_.program_.uses_dynamic_scope = true;
  }
  const auto index = static_cast<std::uint32_t>(c_.program_.dynamic_refs.size());
  c_.program_.dynamic_refs.push_back(dynamic);
  emit(kAnyGroup, Op::DynamicRef, "$dynamicRef", index);
}

void NodeBuilder::applicator_keywords() {
  constexpr std::pair<std::string_view, Op> kCombinators[] = {
      {"allOf", Op::AllOf}, {"anyOf", Op::AnyOf}, {"oneOf", Op::OneOf}};
  for (const auto& [keyword, op] : kCombinators) {
    if (const auto v = field(keyword)) {
      NodeList list{schema_array(keyword, *v)};
      const auto index = static_cast<std::uint32_t>(c_.program_.node_lists.size());
      c_.program_.node_lists.push_back(std::move(list));
      emit(kAnyGroup, op, keyword, index);
    }
  }
  if (const auto v = field("not")) emit(kAnyGroup, Op::Not, "not", schema("not", *v));
  const auto if_value = field("if");
  const auto then_value = field("then");
  const auto else_value = field("else");
  if (if_value) {
    Conditional conditional;
    conditional.if_node = schema("if", *if_value);
    if (then_value) conditional.then_node = schema("then", *then_value);
    if (else_value) conditional.else_node = schema("else", *else_value);
    const auto index = static_cast<std::uint32_t>(c_.program_.conditionals.size());
    c_.program_.conditionals.push_back(conditional);
    emit(kAnyGroup, Op::Conditional, "if", index);
  } else {
    // Without "if" they never apply, but they must still be schemas.
    if (then_value) schema("then", *then_value);
    if (else_value) schema("else", *else_value);
  }
  object_applicators();
  array_applicators();
}

void NodeBuilder::object_applicators() {
  ObjectPlan& plan = object_plan_;
  auto require_object = [&](std::string_view keyword, element v) {
    if (!v.is_object()) fail(keyword, std::string(keyword) + " must be an object");
    return as_object(v);
  };
  if (const auto v = field("properties")) {
    for (const auto member : require_object("properties", *v)) {
      const std::uint32_t name = plan.names.add(member.key);
      if (plan.property_node.size() <= name) plan.property_node.resize(name + 1, kNoNode);
      plan.property_node[name] = schema_member("properties", member.key, member.value);
    }
    plan.visits_members = true;
    object_plan_used_ = true;
  }
  if (const auto v = field("patternProperties")) {
    for (const auto member : require_object("patternProperties", *v)) {
      const std::uint32_t re = regex("patternProperties", member.key, member.key);
      plan.pattern_properties.push_back(
          {re, schema_member("patternProperties", member.key, member.value)});
    }
    plan.visits_members = true;
    object_plan_used_ = true;
  }
  if (const auto v = field("additionalProperties")) {
    plan.additional = schema("additionalProperties", *v);
    plan.visits_members = true;
    object_plan_used_ = true;
  }
  if (const auto v = field("propertyNames")) {
    plan.property_names = schema("propertyNames", *v);
    object_plan_used_ = true;
  }
  if (site_.dialect.draft == Draft::Draft2020_12) {
    if (const auto v = field("dependentSchemas")) {
      for (const auto member : require_object("dependentSchemas", *v)) {
        plan.dependent_schemas.push_back(
            {plan.names.add(member.key),
             schema_member("dependentSchemas", member.key, member.value)});
      }
      object_plan_used_ = true;
    }
    return;
  }
  // draft-07 "dependencies": a list of names is dependentRequired, a schema dependentSchemas.
  if (const auto v = field("dependencies")) {
    for (const auto member : require_object("dependencies", *v)) {
      const std::uint32_t trigger = plan.names.add(member.key);
      if (member.value.is_array()) {
        ObjectPlan::DependentRequired dependency{trigger, {}};
        for (const auto name : unique_strings("dependencies", member.value, member.key)) {
          dependency.required.push_back(plan.names.add(name));
        }
        plan.dependent_required.push_back(std::move(dependency));
      } else {
        plan.dependent_schemas.push_back(
            {trigger, schema_member("dependencies", member.key, member.value)});
      }
    }
    plan.dependent_required_keyword = "dependencies";
    plan.dependent_schemas_keyword = "dependencies";
    object_plan_used_ = true;
  }
}

void NodeBuilder::array_applicators() {
  ArrayPlan& plan = array_plan_;
  if (site_.dialect.draft == Draft::Draft2020_12) {
    if (const auto v = field("prefixItems")) {
      plan.prefix = schema_array("prefixItems", *v);
      plan.prefix_keyword = "prefixItems";
      array_plan_used_ = true;
    }
    if (const auto v = field("items")) {
      if (v->is_array()) {
        fail("items", "in draft 2020-12 items takes one schema; use prefixItems for a tuple");
      }
      plan.rest = schema("items", *v);
      plan.rest_keyword = "items";
      array_plan_used_ = true;
    }
  } else if (const auto v = field("items")) {
    if (v->is_array()) {
      std::size_t i = 0;
      for (const element item : as_array(*v)) {
        plan.prefix.push_back(schema_member("items", std::to_string(i++), item));
      }
      plan.prefix_keyword = "items";
      if (const auto additional = field("additionalItems")) {
        plan.rest = schema("additionalItems", *additional);
        plan.rest_keyword = "additionalItems";
      }
    } else {
      plan.rest = schema("items", *v);
      plan.rest_keyword = "items";
    }
    array_plan_used_ = true;
  }
  if (const auto v = field("contains")) {
    plan.contains = schema("contains", *v);
    array_plan_used_ = true;
  }
}

void NodeBuilder::validation_keywords() {
  const bool draft7 = site_.dialect.draft == Draft::Draft7;
  if (const auto v = field("type")) {
    std::uint8_t mask = 0;
    auto add = [&](element name) {
      if (!name.is_string()) fail("type", "type must be a type name or an array of them");
      const std::string_view s = name.get_string().value_unsafe();
      for (const auto& [type, bit] : kTypeNames) {
        if (type != s) continue;
        if ((mask & bit) != 0) fail("type", "type lists " + quoted(s) + " twice");
        mask |= bit;
        return;
      }
      fail("type", "unknown type " + quoted(s) +
                       " (expected null, boolean, object, array, number, string or integer)");
    };
    if (v->is_array()) {
      if (as_array(*v).size() == 0) fail("type", "type must not be empty");
      for (const element name : as_array(*v)) add(name);
    } else {
      add(*v);
    }
    type_mask_ = mask;
  }
  auto value_set = [&](std::string_view keyword, std::vector<element> values) {
    ValueSet set;
    set.only_strings = true;
    for (const element value : values) {
      if (value.is_string()) {
        set.strings.add(value.get_string().value_unsafe());
      } else {
        set.only_strings = false;
      }
    }
    set.strings.finalize();
    set.values = std::move(values);
    const auto index = static_cast<std::uint32_t>(c_.program_.value_sets.size());
    c_.program_.value_sets.push_back(std::move(set));
    emit(kAnyGroup, keyword == "const" ? Op::Const : Op::Enum, keyword, index);
  };
  if (const auto v = field("const")) value_set("const", {*v});
  if (const auto v = field("enum")) {
    if (!v->is_array()) fail("enum", "enum must be an array");
    std::vector<element> values;
    for (const element item : as_array(*v)) values.push_back(item);
    value_set("enum", std::move(values));
  }

  if (const auto v = field("multipleOf")) {
    const Number divisor = number("multipleOf", *v);
    if (compare(divisor, Number::of_int(0)) <= 0) {
      fail("multipleOf", "multipleOf must be greater than 0");
    }
    emit(kNumberGroup, Op::MultipleOf, "multipleOf", 0, 0, divisor);
  }
  constexpr std::pair<std::string_view, Op> kBounds[] = {
      {"minimum", Op::Minimum},
      {"maximum", Op::Maximum},
      {"exclusiveMinimum", Op::ExclusiveMinimum},
      {"exclusiveMaximum", Op::ExclusiveMaximum}};
  for (const auto& [keyword, op] : kBounds) {
    if (const auto v = field(keyword)) emit(kNumberGroup, op, keyword, 0, 0, number(keyword, *v));
  }

  constexpr std::pair<std::string_view, Op> kStringCounts[] = {{"minLength", Op::MinLength},
                                                               {"maxLength", Op::MaxLength}};
  for (const auto& [keyword, op] : kStringCounts) {
    if (const auto v = field(keyword)) emit(kStringGroup, op, keyword, 0, count(keyword, *v));
  }
  if (const auto v = field("pattern")) {
    emit(kStringGroup, Op::Pattern, "pattern", regex("pattern", string("pattern", *v)));
  }

  constexpr std::pair<std::string_view, Op> kArrayCounts[] = {{"minItems", Op::MinItems},
                                                              {"maxItems", Op::MaxItems}};
  for (const auto& [keyword, op] : kArrayCounts) {
    if (const auto v = field(keyword)) emit(kArrayGroup, op, keyword, 0, count(keyword, *v));
  }
  if (const auto v = field("uniqueItems")) {
    if (boolean("uniqueItems", *v)) emit(kArrayGroup, Op::UniqueItems, "uniqueItems");
  }
  if (!draft7) {
    if (const auto v = field("minContains")) array_plan_.min_contains = count("minContains", *v);
    if (const auto v = field("maxContains")) array_plan_.max_contains = count("maxContains", *v);
  }

  constexpr std::pair<std::string_view, Op> kObjectCounts[] = {
      {"minProperties", Op::MinProperties}, {"maxProperties", Op::MaxProperties}};
  for (const auto& [keyword, op] : kObjectCounts) {
    if (const auto v = field(keyword)) emit(kObjectGroup, op, keyword, 0, count(keyword, *v));
  }
  if (const auto v = field("required")) {
    for (const auto name : unique_strings("required", *v)) {
      object_plan_.required.push_back(object_plan_.names.add(name));
    }
    object_plan_used_ = object_plan_used_ || !object_plan_.required.empty();
  }
  if (!draft7) {
    if (const auto v = field("dependentRequired")) {
      if (!v->is_object()) fail("dependentRequired", "dependentRequired must be an object");
      for (const auto member : as_object(*v)) {
        ObjectPlan::DependentRequired dependency{object_plan_.names.add(member.key), {}};
        for (const auto name : unique_strings("dependentRequired", member.value, member.key)) {
          dependency.required.push_back(object_plan_.names.add(name));
        }
        object_plan_.dependent_required.push_back(std::move(dependency));
      }
      object_plan_used_ = true;
    }
  }
}

void NodeBuilder::other_keywords() {
  if (uses(kFormatVocabulary)) {
    if (const auto v = field("format")) {
      const std::string_view name = string("format", *v);
      if (c_.options_.format_assertion) {
        if (const auto format = format_by_name(name)) {
          emit(kStringGroup, Op::Format, "format", static_cast<std::uint32_t>(*format));
        }
      }
    }
  }
  if (uses(kContentVocabulary)) {
    for (const std::string_view keyword : {"contentEncoding", "contentMediaType"}) {
      if (const auto v = field(keyword)) string(keyword, *v);
    }
  }
  if (uses(kMetaDataVocabulary)) {
    for (const std::string_view keyword : {"title", "description"}) {
      if (const auto v = field(keyword)) string(keyword, *v);
    }
    for (const std::string_view keyword : {"deprecated", "readOnly", "writeOnly"}) {
      if (const auto v = field(keyword)) boolean(keyword, *v);
    }
    if (const auto v = field("examples"); v && !v->is_array()) {
      fail("examples", "examples must be an array");
    }
  }
}

void NodeBuilder::finish(Node& node) {
  Program& program = c_.program_;
  if (object_plan_used_) {
    object_plan_.names.finalize();
    object_plan_.property_node.resize(object_plan_.names.size(), kNoNode);
    const auto index = static_cast<std::uint32_t>(program.object_plans.size());
    program.object_plans.push_back(std::move(object_plan_));
    emit(kObjectGroup, Op::Members, "properties", index);
  }
  if (array_plan_used_) {
    const auto index = static_cast<std::uint32_t>(program.array_plans.size());
    program.array_plans.push_back(std::move(array_plan_));
    emit(kArrayGroup, Op::Items, "items", index);
  }
  // Cheap, local checks first: in boolean mode the first failure ends the evaluation.
  std::stable_partition(groups_[kAnyGroup].begin(), groups_[kAnyGroup].end(),
                        [](const Keyword& k) { return k.op == Op::Const || k.op == Op::Enum; });
  node.type_mask = type_mask_;
  if (type_mask_ != kAnyType) node.type_keyword = "type";
  node.unevaluated_properties = unevaluated_properties_;
  node.unevaluated_items = unevaluated_items_;
  node.leaf = unevaluated_properties_ == kNoNode && unevaluated_items_ == kNoNode;
  for (const auto& group : groups_) {
    for (const Keyword& k : group) {
      switch (k.op) {
        case Op::Ref:
        case Op::DynamicRef:
        case Op::AllOf:
        case Op::AnyOf:
        case Op::OneOf:
        case Op::Not:
        case Op::Conditional:
        case Op::Items:
        case Op::Members:
          node.leaf = false;
          break;
        default:
          break;
      }
    }
  }
  for (int g = 0; g < kGroupCount; ++g) {
    node.bounds[g] = static_cast<std::uint32_t>(program.keywords.size());
    program.keywords.insert(program.keywords.end(), groups_[g].begin(), groups_[g].end());
  }
  node.bounds[kGroupCount] = static_cast<std::uint32_t>(program.keywords.size());
}

}  // namespace accord::jsonschema::detail
