// Decides whether one concrete JSON value is valid under a schema, or says it cannot tell.
// The compatibility checker uses it where the writer allows only a few values (const, enum,
// booleans, the property names of a closed object): then "does the reader accept every writer
// document?" is answered exactly, value by value, instead of keyword by keyword.
#pragma once

#include <deque>
#include <map>
#include <set>
#include <string>
#include <utility>

#include <boost/json/value.hpp>

#include "registry/compat/pattern_matcher.hpp"
#include "registry/compat/schema_node.hpp"
#include "registry/compat/schema_set.hpp"

namespace accord::compat {

struct ValueVerdict {
  enum class Outcome { kAccepted, kRejected, kUnknown };
  Outcome outcome = Outcome::kAccepted;
  // When rejected: the keyword that said no ("enum", "maximum", "false" for a false schema)
  // and its location.
  std::string keyword;
  std::string path;

  bool accepted() const { return outcome == Outcome::kAccepted; }
  bool rejected() const { return outcome == Outcome::kRejected; }
};

class ValueChecker {
 public:
  ValueChecker(SchemaSet& schemas, PatternMatcher& patterns)
      : schemas_(schemas), patterns_(patterns) {}

  // kUnknown for what it does not evaluate: `format` and content keywords (their meaning is the
  // structural rules' business), regexes RE2 cannot run, unevaluated*, unresolvable $refs,
  // and schemas that loop back to themselves without consuming any of the value.
  ValueVerdict check(const boost::json::value& value, const Node& schema);

 private:
  // Memoized and cycle-cut: the same (value, schema) pair met again while it is being checked
  // is "unknown" (a $ref loop that does not descend into the value), which keeps nested
  // combinators over recursive schemas from exploding.
  ValueVerdict check(const boost::json::value& value, const Node& schema, int depth);
  ValueVerdict evaluate(const boost::json::value& value, const Node& schema, int depth);
  ValueVerdict check_combinators(const boost::json::value& value, const Node& schema, int depth);
  ValueVerdict check_number(double x, const Node& schema);
  ValueVerdict check_string(const boost::json::string& text, const Node& schema);
  ValueVerdict check_object(const boost::json::value& value, const Node& schema, int depth);
  ValueVerdict check_array(const boost::json::array& array, const Node& schema, int depth);

  SchemaSet& schemas_;
  PatternMatcher& patterns_;
  // Per top-level check; keyed by addresses that stay valid until it returns (property names
  // checked against propertyNames are kept in `names_` for that reason).
  using Key = std::pair<const boost::json::value*, const boost::json::value*>;
  std::map<Key, ValueVerdict> memo_;
  std::set<Key> active_;
  std::deque<boost::json::value> names_;
  std::size_t steps_ = 0;
};

}  // namespace accord::compat
