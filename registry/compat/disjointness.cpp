// Proving that no writer document is valid under some schema: used for a reader `not`, for the
// other branches of a reader oneOf and for the `if` of a reader if/then/else. Only "certainly
// disjoint" counts; anything unproven is treated as overlapping (conservative). Proofs:
//  - either side has no documents, or their possible types do not meet;
//  - the writer's few possible values are all rejected by the schema, or the schema's few
//    values (const/enum) are all impossible for the writer;
//  - the schema is covered by something writer documents are known to avoid (another branch
//    of the writer's oneOf, its `not`, the `if` of its else-branch);
//  - every branch of the schema's anyOf/oneOf is disjoint from the writer;
//  - both are objects and a property the writer requires has provably disjoint values on the
//    two sides (a discriminator), or the schema requires a property the writer never sends.
#include "registry/compat/compat_checker.hpp"

namespace accord::compat {

namespace {
// Each level may run full comparisons; a few levels cover discriminators nested in objects.
constexpr int kMaxDepth = 6;
}  // namespace

bool CompatChecker::provably_disjoint(const WriterSet& writer_in, const Node& schema, int depth) {
  if (depth > kMaxDepth || exhausted_) return false;
  WriterSet writer = writer_in;
  expand(writer, schemas_);
  const WriterFacts facts = facts_of(writer);
  if (facts.impossible) return true;
  WriterSet other{{schema}, {}};
  expand(other, schemas_);
  const WriterFacts other_facts = facts_of(other);
  if (other_facts.impossible) return true;
  const JsonTypeSet shared = facts.types & other_facts.types;
  if (shared.empty()) return true;

  if (facts.values) {
    bool all_rejected = true;
    for (const auto& value : *facts.values) {
      all_rejected = all_rejected && values_.check(value, schema).rejected();
    }
    if (all_rejected) return true;
  }
  if (other_facts.values) {
    bool none_possible = true;
    for (const auto& value : *other_facts.values) {
      bool impossible_here = false;
      for (const Node& node : writer.all_of) {
        impossible_here = impossible_here || values_.check(value, node).rejected();
      }
      for (const Node& node : writer.none_of) {
        impossible_here = impossible_here || values_.check(value, node).accepted();
      }
      none_possible = none_possible && impossible_here;
    }
    if (none_possible) return true;
  }

  // Cheap proofs first: a discriminator settles most oneOf branches without comparisons.
  if (shared == JsonTypeSet::only(JsonTypeSet::kObject) && disjoint_objects(writer, other, depth)) {
    return true;
  }
  for (const Node& avoided : writer.none_of) {
    if (same_(avoided, schema)) return true;
  }
  for (const Node& avoided : writer.none_of) {
    if (accepts(avoided, other)) return true;
  }

  for (const Node& node : other.all_of) {
    for (std::string_view name : {"anyOf", "oneOf"}) {
      const auto* branches = keyword(node, name);
      if (!branches || !branches->is_array()) continue;
      bool all_disjoint = true;
      for (std::size_t i = 0; i < branches->as_array().size() && all_disjoint; ++i) {
        all_disjoint = provably_disjoint(writer, schemas_.child(node, name, i), depth + 1);
      }
      if (all_disjoint) return true;
    }
  }

  return false;
}

bool CompatChecker::disjoint_objects(const WriterSet& writer, const WriterSet& other, int depth) {
  const auto required_by = [](const WriterSet& set) {
    std::set<std::string, std::less<>> names;
    for (const Node& node : set.all_of) {
      const auto* required = keyword(node, "required");
      if (!required || !required->is_array()) continue;
      for (const auto& entry : required->as_array()) {
        if (entry.is_string()) names.emplace(entry.get_string());
      }
    }
    return names;
  };
  for (const auto& name : required_by(writer)) {
    const WriterSet value = writer_property_schemas(writer, name);
    WriterSet other_value = writer_property_schemas(other, name);
    expand(other_value, schemas_);
    for (const Node& node : other_value.all_of) {
      if (provably_disjoint(value, node, depth + 1)) return true;
    }
  }
  for (const auto& name : required_by(other)) {
    WriterSet value = writer_property_schemas(writer, name);
    if (impossible(value)) return true;
  }
  return false;
}

}  // namespace accord::compat
