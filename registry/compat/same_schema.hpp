// "These two schemas mean the same thing" without deciding inclusion: equal constraint
// keywords, with $refs compared by what they point to (so moving a definition, renaming $defs,
// changing $id, a description or an example does not matter). Recursive schemas are handled
// coinductively: a pair met again while being compared is assumed equal.
#pragma once

#include <set>
#include <utility>

#include "registry/compat/schema_node.hpp"
#include "registry/compat/schema_set.hpp"

namespace accord::compat {

class SameSchema {
 public:
  explicit SameSchema(SchemaSet& schemas) : schemas_(schemas) {}
  bool operator()(const Node& a, const Node& b);

 private:
  bool same(const Node& a, const Node& b, int depth);
  bool same_keyword(const Node& a, const Node& b, std::string_view name, int depth);

  SchemaSet& schemas_;
  std::set<std::pair<const boost::json::value*, const boost::json::value*>> assumed_;
};

}  // namespace accord::compat
