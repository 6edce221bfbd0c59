// Rules for `type`, `const` and `enum`.
//  - type: every type the writer allows must be allowed by the reader; integer is part of
//    number (writer integer -> reader number is fine, writer number -> reader integer is not);
//    a missing type means any type. A writer number with an integral multipleOf writes integers.
//  - A writer with only a few possible values (const, enum, only booleans/null) is checked
//    value by value against the whole reader schema: each value must be accepted.
//  - Otherwise a reader const/enum where the writer had none is narrowing (CONST_ADDED /
//    ENUM_ADDED); a reader enum must list every writer enum value (ENUM_NARROWED).
#include <map>

#include "registry/compat/compat_checker.hpp"
#include "registry/compat/json_values.hpp"

namespace accord::compat {

namespace {

// "documents with a number would be rejected".
std::string with_articles(JsonTypeSet types) {
  std::string text;
  const auto add = [&](std::uint8_t bits, std::string_view words) {
    if (!types.has_all(bits)) return;
    if (!text.empty()) text += " or ";
    text += words;
    types = types.without(JsonTypeSet::only(bits));
  };
  add(JsonTypeSet::kNull, "null");
  add(JsonTypeSet::kBoolean, "a boolean");
  add(JsonTypeSet::kObject, "an object");
  add(JsonTypeSet::kArray, "an array");
  add(JsonTypeSet::kInteger | JsonTypeSet::kFraction, "a number");
  add(JsonTypeSet::kInteger, "an integer");
  add(JsonTypeSet::kFraction, "a non-integer number");
  add(JsonTypeSet::kString, "a string");
  return text;
}

std::string value_list(const std::vector<const boost::json::value*>& values) {
  std::string text;
  for (std::size_t i = 0; i < values.size() && i < 5; ++i) {
    if (i > 0) text += ", ";
    text += show_value(*values[i]);
  }
  if (values.size() > 5) text += " and " + std::to_string(values.size() - 5) + " more";
  return text;
}

}  // namespace

bool CompatChecker::check_writer_values(const Node& reader, const WriterFacts& facts) {
  if (!facts.values) return false;
  bool unsure = false;
  struct Rejections {
    std::string keyword;
    std::vector<const boost::json::value*> values;
  };
  std::map<std::string, Rejections> by_path;  // reader keyword location -> values it rejects
  for (const auto& value : *facts.values) {
    const ValueVerdict verdict = values_.check(value, reader);
    if (verdict.rejected()) {
      auto& entry = by_path[verdict.path];
      entry.keyword = verdict.keyword;
      entry.values.push_back(&value);
    } else if (!verdict.accepted()) {
      unsure = true;
    }
  }
  for (const auto& [path, rejections] : by_path) {
    std::string_view kind = kind::kValueRejected;
    if (rejections.keyword == "enum") {
      kind = facts.has_enumeration ? kind::kEnumNarrowed : kind::kEnumAdded;
    } else if (rejections.keyword == "const") {
      kind = facts.has_enumeration ? kind::kConstChanged : kind::kConstAdded;
    } else if (rejections.keyword == "type") {
      kind = rejections.values.size() == facts.values->size() ? kind::kTypeChanged
                                                              : kind::kTypeNarrowed;
    } else if (rejections.keyword == "anyOf") {
      kind = kind::kAnyOfNoMatch;
    } else if (rejections.keyword == "oneOf") {
      kind = kind::kOneOfNoMatch;
    } else if (rejections.keyword == "false") {
      kind = kind::kFalseSchema;
    }
    const bool several = rejections.values.size() > 1;
    report_at(path, kind,
              subject() + (several ? " values " : " value ") + value_list(rejections.values) +
                  (several ? " are" : " is") +
                  " allowed by the writer but rejected by the reader's " + rejections.keyword);
  }
  // Values the checker could not decide leave the keyword-by-keyword rules to answer.
  return !unsure;
}

JsonTypeSet CompatChecker::check_type(const Node& reader, const WriterFacts& facts) {
  const auto* type = keyword(reader, "type");
  const JsonTypeSet reader_types = type ? JsonTypeSet::from_keyword(*type) : JsonTypeSet::all();
  const JsonTypeSet shared = facts.types & reader_types;
  const JsonTypeSet lost = facts.types.without(reader_types);
  if (!lost.empty()) {
    const bool disjoint = shared.empty();
    report(reader, "/type", disjoint ? kind::kTypeChanged : kind::kTypeNarrowed,
           subject() + (disjoint ? " changed type from " : " narrowed type from ") +
               facts.types.describe() + " to " + reader_types.describe() + ": documents with " +
               with_articles(lost) + " would be rejected");
  }
  return shared;
}

void CompatChecker::check_enumeration(const Node& reader, const WriterFacts& facts) {
  // Only reached when the writer's values could not all be decided one by one: then the
  // writer either has no value list (the reader's list narrows it) or some value's fate
  // depends on keywords the value check leaves open, and the lists themselves are compared.
  if (const auto* constant = keyword(reader, "const")) {
    if (!facts.values) {
      report(reader, "/const", kind::kConstAdded,
             subject() + " is now restricted to the constant " + show_value(*constant) +
                 ": other values the writer allows would be rejected");
    } else {
      std::vector<const boost::json::value*> missing;
      for (const auto& value : *facts.values) {
        if (!json_equal(value, *constant)) missing.push_back(&value);
      }
      if (!missing.empty()) {
        report(reader, "/const", facts.has_enumeration ? kind::kConstChanged : kind::kConstAdded,
               subject() + " must now be " + show_value(*constant) + ": writer values " +
                   value_list(missing) + " would be rejected");
      }
    }
  }
  const auto* options = keyword(reader, "enum");
  if (!options || !options->is_array()) return;
  if (!facts.values) {
    report(reader, "/enum", kind::kEnumAdded,
           subject() + " is now restricted to " + std::to_string(options->as_array().size()) +
               " enum values: other values the writer allows would be rejected");
    return;
  }
  std::vector<const boost::json::value*> missing;
  for (const auto& value : *facts.values) {
    bool listed = false;
    for (const auto& option : options->as_array()) listed = listed || json_equal(option, value);
    if (!listed) missing.push_back(&value);
  }
  if (!missing.empty()) {
    report(reader, "/enum", facts.has_enumeration ? kind::kEnumNarrowed : kind::kEnumAdded,
           subject() + " no longer lists " + value_list(missing) +
               " in its enum: writer documents with " + (missing.size() > 1 ? "them" : "it") +
               " would be rejected");
  }
}

}  // namespace accord::compat
