#include "registry/compat/value_check.hpp"

#include <optional>

#include "registry/compat/json_pointer.hpp"
#include "registry/compat/json_type_set.hpp"
#include "registry/compat/json_values.hpp"

namespace accord::compat {

namespace {

using Outcome = ValueVerdict::Outcome;

// Nesting of schemas inside one check; deeper means a pathological schema.
constexpr int kMaxDepth = 64;
// Work per top-level check.
constexpr std::size_t kMaxSteps = 20000;

ValueVerdict accepted() {
  return {};
}
ValueVerdict unknown() {
  return {Outcome::kUnknown, "", ""};
}
ValueVerdict rejected_by(const Node& schema, std::string_view keyword) {
  return {Outcome::kRejected, std::string(keyword),
          location(schema, "/" + escape_pointer_token(keyword))};
}

// Folds the verdicts of keywords that must all hold: the first rejection is the answer, and any
// "don't know" spoils an acceptance.
class Conjunction {
 public:
  // Returns the verdict to stop with, if any.
  std::optional<ValueVerdict> add(ValueVerdict verdict) {
    if (verdict.rejected()) return verdict;
    if (verdict.outcome == Outcome::kUnknown) unsure_ = true;
    return std::nullopt;
  }
  void unsure() { unsure_ = true; }
  ValueVerdict result() const { return unsure_ ? unknown() : accepted(); }

 private:
  bool unsure_ = false;
};

const boost::json::array* array_keyword(const Node& schema, std::string_view name) {
  const auto* value = keyword(schema, name);
  return value ? value->if_array() : nullptr;
}

const boost::json::object* object_keyword(const Node& schema, std::string_view name) {
  const auto* value = keyword(schema, name);
  return value ? value->if_object() : nullptr;
}

}  // namespace

ValueVerdict ValueChecker::check(const boost::json::value& value, const Node& schema) {
  memo_.clear();
  active_.clear();
  names_.clear();
  steps_ = 0;
  return check(value, schema, 0);
}

ValueVerdict ValueChecker::check(const boost::json::value& value, const Node& schema, int depth) {
  if (depth > kMaxDepth || ++steps_ > kMaxSteps) return unknown();
  const Key key{&value, schema.schema};
  if (const auto known = memo_.find(key); known != memo_.end()) return known->second;
  if (!active_.insert(key).second) return unknown();
  ValueVerdict verdict = evaluate(value, schema, depth);
  active_.erase(key);
  memo_.emplace(key, verdict);
  return verdict;
}

ValueVerdict ValueChecker::evaluate(const boost::json::value& value, const Node& schema,
                                    int depth) {
  if (const auto* flag = schema.schema->if_bool()) {
    return *flag ? accepted() : ValueVerdict{Outcome::kRejected, "false", location(schema)};
  }
  if (!schema.schema->is_object()) return accepted();

  Conjunction all;
  const RefLookup ref = schemas_.ref_of(schema);
  if (ref.present) {
    if (!ref.target) {
      all.unsure();
    } else if (auto stop = all.add(check(value, *ref.target, depth + 1))) {
      return *stop;
    }
    if (SchemaSet::ref_overrides_siblings(schema)) return all.result();
  }

  if (const auto* type = keyword(schema, "type")) {
    if ((JsonTypeSet::of_value(value) & JsonTypeSet::from_keyword(*type)).empty()) {
      return rejected_by(schema, "type");
    }
  }
  if (const auto* constant = keyword(schema, "const"); constant && !json_equal(*constant, value)) {
    return rejected_by(schema, "const");
  }
  if (const auto* values = array_keyword(schema, "enum")) {
    bool listed = false;
    for (const auto& entry : *values) listed = listed || json_equal(entry, value);
    if (!listed) return rejected_by(schema, "enum");
  }

  ValueVerdict by_kind;
  if (const auto number = number_of(value)) {
    by_kind = check_number(*number, schema);
  } else if (const auto* text = value.if_string()) {
    by_kind = check_string(*text, schema);
  } else if (value.is_object()) {
    by_kind = check_object(value, schema, depth);
  } else if (const auto* array = value.if_array()) {
    by_kind = check_array(*array, schema, depth);
  }
  if (auto stop = all.add(by_kind)) return *stop;
  if (auto stop = all.add(check_combinators(value, schema, depth))) return *stop;
  return all.result();
}

ValueVerdict ValueChecker::check_number(double x, const Node& schema) {
  const auto minimum = number_keyword(schema, "minimum");
  const auto maximum = number_keyword(schema, "maximum");
  if (minimum && x < *minimum) return rejected_by(schema, "minimum");
  if (maximum && x > *maximum) return rejected_by(schema, "maximum");
  if (const auto* exclusive = keyword(schema, "exclusiveMinimum")) {
    // draft-04's boolean form makes `minimum` exclusive; later drafts give the bound itself.
    const auto bound = exclusive->is_bool() ? (exclusive->get_bool() ? minimum : std::nullopt)
                                            : number_of(*exclusive);
    if (bound && x <= *bound) return rejected_by(schema, "exclusiveMinimum");
  }
  if (const auto* exclusive = keyword(schema, "exclusiveMaximum")) {
    const auto bound = exclusive->is_bool() ? (exclusive->get_bool() ? maximum : std::nullopt)
                                            : number_of(*exclusive);
    if (bound && x >= *bound) return rejected_by(schema, "exclusiveMaximum");
  }
  if (const auto divisor = number_keyword(schema, "multipleOf");
      divisor && !is_multiple_of(x, *divisor)) {
    return rejected_by(schema, "multipleOf");
  }
  return accepted();
}

ValueVerdict ValueChecker::check_string(const boost::json::string& text, const Node& schema) {
  const std::size_t length = code_point_length(text);
  if (const auto minimum = number_keyword(schema, "minLength"); minimum && length < *minimum) {
    return rejected_by(schema, "minLength");
  }
  if (const auto maximum = number_keyword(schema, "maxLength"); maximum && length > *maximum) {
    return rejected_by(schema, "maxLength");
  }
  Conjunction all;
  if (const auto* pattern = keyword(schema, "pattern"); pattern && pattern->is_string()) {
    const auto found = patterns_.search(pattern->get_string(), text);
    if (!found) {
      all.unsure();
    } else if (!*found) {
      return rejected_by(schema, "pattern");
    }
  }
  for (std::string_view name : {"format", "contentEncoding", "contentMediaType", "contentSchema"}) {
    if (keyword(schema, name)) all.unsure();
  }
  return all.result();
}

ValueVerdict ValueChecker::check_object(const boost::json::value& value, const Node& schema,
                                        int depth) {
  const auto& object = value.get_object();
  if (const auto* required = array_keyword(schema, "required")) {
    for (const auto& name : *required) {
      if (name.is_string() && !object.contains(name.get_string())) {
        return rejected_by(schema, "required");
      }
    }
  }
  const double size = static_cast<double>(object.size());
  if (const auto minimum = number_keyword(schema, "minProperties"); minimum && size < *minimum) {
    return rejected_by(schema, "minProperties");
  }
  if (const auto maximum = number_keyword(schema, "maxProperties"); maximum && size > *maximum) {
    return rejected_by(schema, "maxProperties");
  }

  Conjunction all;
  const auto* properties = object_keyword(schema, "properties");
  const auto* patterns = object_keyword(schema, "patternProperties");
  const bool has_additional = keyword(schema, "additionalProperties") != nullptr;
  for (const auto& member : object) {
    const std::string_view name = member.key();
    bool matched = false;
    bool maybe_matched = false;
    if (properties && properties->contains(name)) {
      matched = true;
      if (auto stop = all.add(
              check(member.value(), schemas_.child(schema, "properties", name), depth + 1))) {
        return *stop;
      }
    }
    if (patterns) {
      for (const auto& entry : *patterns) {
        const auto found = patterns_.search(entry.key(), name);
        if (!found) {
          // The pattern may or may not apply: neither its verdict nor additionalProperties' is
          // certain.
          maybe_matched = true;
          all.unsure();
        } else if (*found) {
          matched = true;
          if (auto stop = all.add(check(member.value(),
                                        schemas_.child(schema, "patternProperties", entry.key()),
                                        depth + 1))) {
            return *stop;
          }
        }
      }
    }
    if (!matched && has_additional) {
      const auto verdict =
          check(member.value(), schemas_.child(schema, "additionalProperties"), depth + 1);
      if (maybe_matched) {
        if (!verdict.accepted()) all.unsure();
      } else if (auto stop = all.add(verdict)) {
        return *stop;
      }
    }
    if (keyword(schema, "propertyNames")) {
      const boost::json::value& name_value = names_.emplace_back(name);
      if (auto stop =
              all.add(check(name_value, schemas_.child(schema, "propertyNames"), depth + 1))) {
        return *stop;
      }
    }
  }

  for (std::string_view dependency_keyword :
       {"dependentRequired", "dependentSchemas", "dependencies"}) {
    const auto* dependencies = object_keyword(schema, dependency_keyword);
    if (!dependencies) continue;
    for (const auto& entry : *dependencies) {
      if (!object.contains(entry.key())) continue;
      if (const auto* names = entry.value().if_array()) {
        for (const auto& name : *names) {
          if (name.is_string() && !object.contains(name.get_string())) {
            return rejected_by(schema, dependency_keyword);
          }
        }
      } else if (auto stop = all.add(check(
                     value, schemas_.child(schema, dependency_keyword, entry.key()), depth + 1))) {
        return *stop;
      }
    }
  }
  if (keyword(schema, "unevaluatedProperties")) all.unsure();
  return all.result();
}

ValueVerdict ValueChecker::check_array(const boost::json::array& array, const Node& schema,
                                       int depth) {
  const double size = static_cast<double>(array.size());
  if (const auto minimum = number_keyword(schema, "minItems"); minimum && size < *minimum) {
    return rejected_by(schema, "minItems");
  }
  if (const auto maximum = number_keyword(schema, "maxItems"); maximum && size > *maximum) {
    return rejected_by(schema, "maxItems");
  }
  if (const auto* unique = keyword(schema, "uniqueItems");
      unique && unique->is_bool() && unique->get_bool()) {
    for (std::size_t i = 0; i < array.size(); ++i) {
      for (std::size_t j = i + 1; j < array.size(); ++j) {
        if (json_equal(array[i], array[j])) return rejected_by(schema, "uniqueItems");
      }
    }
  }

  // 2020-12 spells a tuple prefixItems + items; draft-07 spells it items (array) + additionalItems.
  std::string_view prefix_keyword;
  std::string_view rest_keyword = "items";
  if (array_keyword(schema, "prefixItems")) {
    prefix_keyword = "prefixItems";
  } else if (array_keyword(schema, "items")) {
    prefix_keyword = "items";
    rest_keyword = "additionalItems";
  }
  const auto* prefix = prefix_keyword.empty() ? nullptr : array_keyword(schema, prefix_keyword);
  const bool has_rest = keyword(schema, rest_keyword) != nullptr;

  Conjunction all;
  for (std::size_t i = 0; i < array.size(); ++i) {
    std::optional<Node> item_schema;
    if (prefix && i < prefix->size()) {
      item_schema = schemas_.child(schema, prefix_keyword, i);
    } else if (has_rest) {
      item_schema = schemas_.child(schema, rest_keyword);
    }
    if (item_schema) {
      if (auto stop = all.add(check(array[i], *item_schema, depth + 1))) return *stop;
    }
  }

  if (keyword(schema, "contains")) {
    const Node contains = schemas_.child(schema, "contains");
    std::size_t matches = 0;
    std::size_t unsure = 0;
    for (const auto& item : array) {
      const auto verdict = check(item, contains, depth + 1);
      if (verdict.accepted()) ++matches;
      if (verdict.outcome == Outcome::kUnknown) ++unsure;
    }
    const double at_least = number_keyword(schema, "minContains").value_or(1);
    const auto at_most = number_keyword(schema, "maxContains");
    if (static_cast<double>(matches + unsure) < at_least) {
      return rejected_by(schema, keyword(schema, "minContains") ? "minContains" : "contains");
    }
    if (at_most && static_cast<double>(matches) > *at_most) {
      return rejected_by(schema, "maxContains");
    }
    if (static_cast<double>(matches) < at_least ||
        (at_most && static_cast<double>(matches + unsure) > *at_most)) {
      all.unsure();
    }
  }
  if (keyword(schema, "unevaluatedItems")) all.unsure();
  return all.result();
}

ValueVerdict ValueChecker::check_combinators(const boost::json::value& value, const Node& schema,
                                             int depth) {
  Conjunction all;
  if (const auto* members = array_keyword(schema, "allOf")) {
    for (std::size_t i = 0; i < members->size(); ++i) {
      if (auto stop = all.add(check(value, schemas_.child(schema, "allOf", i), depth + 1))) {
        return *stop;
      }
    }
  }
  for (std::string_view name : {"anyOf", "oneOf"}) {
    const auto* branches = array_keyword(schema, name);
    if (!branches) continue;
    std::size_t matches = 0;
    std::size_t unsure = 0;
    for (std::size_t i = 0; i < branches->size(); ++i) {
      const auto verdict = check(value, schemas_.child(schema, name, i), depth + 1);
      if (verdict.accepted()) ++matches;
      if (verdict.outcome == Outcome::kUnknown) ++unsure;
    }
    const bool one_of = name == "oneOf";
    if (matches + unsure == 0 || (one_of && matches > 1)) return rejected_by(schema, name);
    if (matches == 0 || (one_of && unsure > 0)) all.unsure();
  }
  if (keyword(schema, "not")) {
    const auto verdict = check(value, schemas_.child(schema, "not"), depth + 1);
    if (verdict.accepted()) return rejected_by(schema, "not");
    if (!verdict.rejected()) all.unsure();
  }
  if (keyword(schema, "if")) {
    const auto condition = check(value, schemas_.child(schema, "if"), depth + 1);
    const auto branch = [&](std::string_view name) {
      return keyword(schema, name) ? check(value, schemas_.child(schema, name), depth + 1)
                                   : accepted();
    };
    if (condition.accepted()) {
      if (auto stop = all.add(branch("then"))) return *stop;
    } else if (condition.rejected()) {
      if (auto stop = all.add(branch("else"))) return *stop;
    } else if (!branch("then").accepted() || !branch("else").accepted()) {
      all.unsure();
    }
  }
  return all.result();
}

}  // namespace accord::compat
