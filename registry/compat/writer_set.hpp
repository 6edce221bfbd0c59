// The writer side of a comparison: the set of documents a writer may produce, described as
// "valid under every schema in all_of and under none in none_of". Keeping the writer as a
// conjunction lets allOf, $ref siblings and an anyOf branch taken together (base schema AND
// branch) be compared keyword by keyword without building merged schemas.
#pragma once

#include <optional>
#include <vector>

#include <boost/json/value.hpp>

#include "registry/compat/json_type_set.hpp"
#include "registry/compat/schema_node.hpp"
#include "registry/compat/schema_set.hpp"
#include "registry/compat/value_check.hpp"

namespace accord::compat {

struct WriterSet {
  std::vector<Node> all_of;
  // Schemas writer documents are known not to match: the other branches of a writer oneOf, a
  // writer `not`, the `if` of an else-branch. Used to prove that a reader oneOf branch or
  // `not` can never match a writer document.
  std::vector<Node> none_of;
  // Set by expand(); adding a schema clears it, so an unchanged set is not flattened twice.
  bool expanded = false;

  void require(Node node) {
    all_of.push_back(std::move(node));
    expanded = false;
  }
  void avoid(Node node) {
    none_of.push_back(std::move(node));
    expanded = false;
  }
};

// Flattens the conjunction: $ref targets and allOf members join all_of (a draft-07 $ref
// replaces its node), `not` joins none_of, `true` schemas and repeats are dropped.
// Unresolvable writer $refs are dropped too: the writer then looks larger, which can only add
// reports, never hide one.
void expand(WriterSet& writer, SchemaSet& schemas);

// What the conjunction implies, read from its keywords.
struct WriterFacts {
  bool impossible = false;  // no document is valid (a false schema, no type left, no value left)
  JsonTypeSet types = JsonTypeSet::all();
  // When the writer allows only a few documents (const, enum, or only null/boolean types): all
  // of them, already filtered through every writer schema.
  std::optional<std::vector<boost::json::value>> values;
  bool has_enumeration = false;  // some writer schema says const or enum
};

WriterFacts writer_facts(const WriterSet& writer, ValueChecker& values);

}  // namespace accord::compat
