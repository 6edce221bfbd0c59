// What the in-place subschemas of a schema (allOf, anyOf, oneOf, $ref, if/then/else,
// dependentSchemas) evaluate, for unevaluatedProperties / unevaluatedItems: a property or item
// they evaluate is not "unevaluated". Branches count whether or not they matched, which is
// the one place the checker leans towards "accepted" (documented as an approximation).
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "registry/compat/schema_node.hpp"
#include "registry/compat/schema_set.hpp"

namespace accord::compat {

struct EvaluatedByNeighbours {
  bool all_properties = false;  // some subschema has additionalProperties
  std::set<std::string, std::less<>> names;
  std::vector<std::string> patterns;
  bool all_items = false;        // some subschema has items (schema form) or additionalItems
  std::size_t prefix_items = 0;  // the longest tuple a subschema declares
};

EvaluatedByNeighbours evaluated_by_neighbours(const Node& schema, SchemaSet& schemas);

}  // namespace accord::compat
