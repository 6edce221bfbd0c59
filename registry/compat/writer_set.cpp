#include "registry/compat/writer_set.hpp"

#include <deque>
#include <set>
#include <utility>

#include "registry/compat/json_values.hpp"

namespace accord::compat {

void expand(WriterSet& writer, SchemaSet& schemas) {
  if (writer.expanded) return;
  writer.expanded = true;
  std::deque<Node> pending(writer.all_of.begin(), writer.all_of.end());
  writer.all_of.clear();
  std::set<std::pair<const boost::json::value*, unsigned>> seen;
  while (!pending.empty()) {
    Node node = std::move(pending.front());
    pending.pop_front();
    if (accepts_everything(node)) continue;  // `true`, {}, annotations only
    if (!seen.emplace(node.schema, node.split).second) continue;
    if (!node.schema->is_object()) {
      writer.all_of.push_back(std::move(node));  // `false`
      continue;
    }
    const RefLookup ref = schemas.ref_of(node);
    if (ref.present && ref.target) pending.push_back(*ref.target);
    if (ref.present && SchemaSet::ref_overrides_siblings(node)) continue;
    if (const auto* members = keyword(node, "allOf"); members && members->is_array()) {
      for (std::size_t i = 0; i < members->as_array().size(); ++i) {
        pending.push_back(schemas.child(node, "allOf", i));
      }
    }
    if (keyword(node, "not")) writer.none_of.push_back(schemas.child(node, "not"));
    // A node that is only a $ref says nothing its (already queued) target does not; keeping it
    // out lets a recursive schema meet the same (reader, writer) pair again one level down.
    if (ref.target && is_reference_only(node)) continue;
    writer.all_of.push_back(std::move(node));
  }
  // The same avoided schema can arrive many times (a oneOf reached again through a recursive
  // $ref); repeats would make every recursion step look new to the checker's guard.
  std::set<const boost::json::value*> avoided;
  std::erase_if(writer.none_of,
                [&](const Node& node) { return !avoided.insert(node.schema).second; });
}

namespace {

// Keeps the values both lists hold (JSON Schema equality).
std::vector<boost::json::value> intersect(std::vector<boost::json::value> kept,
                                          const boost::json::array& allowed) {
  std::vector<boost::json::value> both;
  for (auto& value : kept) {
    for (const auto& other : allowed) {
      if (json_equal(value, other)) {
        both.push_back(std::move(value));
        break;
      }
    }
  }
  return both;
}

}  // namespace

WriterFacts writer_facts(const WriterSet& writer, ValueChecker& values) {
  WriterFacts facts;
  std::optional<std::vector<boost::json::value>> candidates;
  for (const Node& node : writer.all_of) {
    if (is_false_schema(node)) {
      facts.impossible = true;
      return facts;
    }
    if (const auto* type = keyword(node, "type")) {
      facts.types = facts.types & JsonTypeSet::from_keyword(*type);
    }
    // multipleOf an integer leaves no room for fractions: {"type": "number", "multipleOf": 1}
    // writes integers only.
    if (const auto divisor = number_keyword(node, "multipleOf");
        divisor && *divisor >= 1 && is_integer_value(boost::json::value(*divisor))) {
      facts.types = facts.types.without(JsonTypeSet::only(JsonTypeSet::kFraction));
    }
    boost::json::array listed;
    if (const auto* constant = keyword(node, "const")) {
      listed.push_back(*constant);
    } else if (const auto* options = keyword(node, "enum"); options && options->is_array()) {
      listed = options->as_array();
    } else {
      continue;
    }
    facts.has_enumeration = true;
    if (candidates) {
      candidates = intersect(std::move(*candidates), listed);
    } else {
      candidates.emplace(listed.begin(), listed.end());
    }
  }

  // Only null and booleans left: few enough documents to list.
  if (!candidates && !facts.types.empty() &&
      facts.types.without(JsonTypeSet::only(JsonTypeSet::kNull | JsonTypeSet::kBoolean)).empty()) {
    candidates.emplace();
    if (facts.types.has(JsonTypeSet::kNull)) candidates->emplace_back(nullptr);
    if (facts.types.has(JsonTypeSet::kBoolean)) {
      candidates->emplace_back(false);
      candidates->emplace_back(true);
    }
  }

  if (candidates) {
    std::vector<boost::json::value> kept;
    for (auto& value : *candidates) {
      bool possible = true;
      for (const Node& node : writer.all_of) {
        possible = possible && !values.check(value, node).rejected();
      }
      for (const Node& node : writer.none_of) {
        possible = possible && !values.check(value, node).accepted();
      }
      if (possible) kept.push_back(std::move(value));
    }
    JsonTypeSet value_types = JsonTypeSet::none();
    for (const auto& value : kept) value_types = value_types | JsonTypeSet::of_value(value);
    facts.types = facts.types & value_types;
    facts.values = std::move(kept);
  }
  if (facts.types.empty()) facts.impossible = true;
  return facts;
}

}  // namespace accord::compat
