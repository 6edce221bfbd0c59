// Rules for objects (checked only when both sides allow objects).
//  - Every property name either side declares (or requires) is compared on its own: the
//    reader's schema for it (properties, matching patternProperties, else additionalProperties,
//    else unevaluatedProperties) must accept the writer's (the same lookup on each writer
//    schema, combined). A writer that may send the name while the reader's schema for it is
//    `false` (a closed reader) is PROPERTY_NOT_ALLOWED; a reader constraining a name the open
//    writer leaves unconstrained is PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL; a reader schema that
//    must accept the writer's additionalProperties schema is compared with it.
//  - Names nobody declares: reader patternProperties are paired with identical writer patterns
//    (best effort: a writer without that pattern contributes its additionalProperties, or the
//    one pattern of a closed writer that may overlap, judged by anchored literal prefixes); the
//    reader's additionalProperties/unevaluatedProperties must accept the writer's. A closed
//    reader against a writer that allows other names is CONTENT_MODEL_CLOSED.
//  - required: a name the reader requires must be required by the writer (REQUIRED_ADDED);
//    dropping a requirement is fine. dependentRequired / draft-07 array dependencies likewise.
//  - dependentSchemas / draft-07 schema dependencies: the reader's dependent schema must accept
//    writer documents (with the writer's own dependent schema for the same name, if any).
//  - minProperties / maxProperties: the writer's bounds (with required names counting towards
//    the minimum and a closed writer's names towards the maximum) must lie within the reader's.
//  - propertyNames: a closed writer's names are checked one by one; otherwise the reader's
//    propertyNames schema must accept the writer's (strings).
#include <set>

#include "registry/compat/compat_checker.hpp"
#include "registry/compat/evaluated_neighbours.hpp"
#include "registry/compat/json_pointer.hpp"
#include "registry/compat/json_values.hpp"
#include "registry/compat/pattern_overlap.hpp"

namespace accord::compat {

namespace {

const boost::json::object* object_keyword(const Node& node, std::string_view name) {
  const auto* value = keyword(node, name);
  return value ? value->if_object() : nullptr;
}

const boost::json::array* array_keyword(const Node& node, std::string_view name) {
  const auto* value = keyword(node, name);
  return value ? value->if_array() : nullptr;
}

bool lists(const boost::json::array* names, std::string_view name) {
  if (!names) return false;
  for (const auto& entry : *names) {
    if (entry.is_string() && entry.get_string() == name) return true;
  }
  return false;
}

const boost::json::value& string_schema() {
  static const boost::json::value schema = boost::json::object{{"type", "string"}};
  return schema;
}

// Why a `false` member schema rejects a property, for reasons.
std::string closed_by(const Node& rejecting) {
  for (std::string_view name : {"additionalProperties", "unevaluatedProperties"}) {
    if (rejecting.pointer.ends_with("/" + std::string(name)))
      return std::string(name) + " is false";
  }
  return "its schema is false";
}

}  // namespace

void CompatChecker::check_objects(const Node& reader, const WriterSet& writer) {
  check_named_properties(reader, writer);
  check_unnamed_properties(reader, writer);
  check_required(reader, writer);
  check_property_counts(reader, writer);
  check_property_names(reader, writer);
  check_dependencies(reader, writer);
}

std::vector<Node> CompatChecker::reader_property_schemas(const Node& reader,
                                                         std::string_view name) {
  std::vector<Node> schemas;
  bool matched = false;
  if (const auto* properties = object_keyword(reader, "properties");
      properties && properties->contains(name)) {
    schemas.push_back(schemas_.child(reader, "properties", name));
    matched = true;
  }
  if (const auto* patterns = object_keyword(reader, "patternProperties")) {
    for (const auto& entry : *patterns) {
      // A pattern RE2 cannot run may apply: the reader then demands it too (conservative).
      const auto found = patterns_.search(entry.key(), name);
      if (found.value_or(true)) {
        schemas.push_back(schemas_.child(reader, "patternProperties", entry.key()));
      }
      matched = matched || found.value_or(false);
    }
  }
  if (matched) return schemas;
  if (keyword(reader, "additionalProperties")) {
    schemas.push_back(schemas_.child(reader, "additionalProperties"));
  } else if (keyword(reader, "unevaluatedProperties")) {
    const auto neighbours = evaluated_by_neighbours(reader, schemas_);
    bool evaluated = neighbours.all_properties || neighbours.names.contains(name);
    for (const auto& pattern : neighbours.patterns) {
      evaluated = evaluated || patterns_.search(pattern, name).value_or(false);
    }
    if (!evaluated) schemas.push_back(schemas_.child(reader, "unevaluatedProperties"));
  }
  return schemas;
}

WriterSet CompatChecker::writer_property_schemas(const WriterSet& writer, std::string_view name) {
  WriterSet value;
  for (const Node& node : writer.all_of) {
    bool matched = false;
    bool maybe = false;
    if (const auto* properties = object_keyword(node, "properties");
        properties && properties->contains(name)) {
      value.require(schemas_.child(node, "properties", name));
      matched = true;
    }
    if (const auto* patterns = object_keyword(node, "patternProperties")) {
      for (const auto& entry : *patterns) {
        // An undecidable pattern adds nothing: the writer then looks larger (conservative).
        const auto found = patterns_.search(entry.key(), name);
        if (found && *found) {
          value.require(schemas_.child(node, "patternProperties", entry.key()));
          matched = true;
        }
        maybe = maybe || !found;
      }
    }
    if (matched || maybe) continue;
    if (keyword(node, "additionalProperties")) {
      value.require(schemas_.child(node, "additionalProperties"));
    } else if (keyword(node, "unevaluatedProperties")) {
      const auto neighbours = evaluated_by_neighbours(node, schemas_);
      bool evaluated = neighbours.all_properties || neighbours.names.contains(name);
      for (const auto& pattern : neighbours.patterns) {
        evaluated = evaluated || patterns_.search(pattern, name).value_or(true);
      }
      if (!evaluated) value.require(schemas_.child(node, "unevaluatedProperties"));
    }
  }
  return value;
}

bool CompatChecker::writer_requires(const WriterSet& writer, std::string_view name) const {
  for (const Node& node : writer.all_of) {
    if (lists(array_keyword(node, "required"), name)) return true;
  }
  return false;
}

void CompatChecker::check_named_properties(const Node& reader, const WriterSet& writer) {
  std::set<std::string, std::less<>> names;
  const auto collect = [&](const Node& node) {
    if (const auto* properties = object_keyword(node, "properties")) {
      for (const auto& member : *properties) names.emplace(member.key());
    }
    if (const auto* required = array_keyword(node, "required")) {
      for (const auto& entry : *required) {
        if (entry.is_string()) names.emplace(entry.get_string());
      }
    }
  };
  collect(reader);
  for (const Node& node : writer.all_of) collect(node);

  for (const std::string& name : names) {
    if (report_->done()) return;
    WriterSet value = writer_property_schemas(writer, name);
    if (impossible(value)) continue;  // the writer never sends this property
    const auto readers = reader_property_schemas(reader, name);
    if (readers.empty()) continue;
    std::optional<Node> declared;  // the writer's own declaration of the name, if any
    for (const Node& node : writer.all_of) {
      if (const auto* properties = object_keyword(node, "properties");
          properties && properties->contains(name)) {
        declared = schemas_.child(node, "properties", name);
        break;
      }
    }
    InstanceScope scope(instance_, [&](InstancePath& path) { path.push_property(name); });
    for (const Node& schema : readers) {
      if (is_false_schema(schema)) {
        report_at(location(declared ? *declared : schema), kind::kPropertyNotAllowed,
                  subject() + " is not allowed by the reader (" + closed_by(schema) +
                      "): writer documents that include it would be rejected");
      } else if (!declared && value.all_of.empty() && !accepts_everything(schema)) {
        report(schema, "", kind::kPropertyAddedToOpenContentModel,
               subject() +
                   " is constrained by the reader, but the writer does not declare it "
                   "and allows any additional property: writer documents with another "
                   "kind of " +
                   quoted(name) + " would be rejected");
      } else {
        compare(schema, value);
      }
    }
  }
}

void CompatChecker::check_unnamed_properties(const Node& reader, const WriterSet& writer) {
  const auto* reader_patterns = object_keyword(reader, "patternProperties");
  // What a writer schema says about a name none of its keywords mention.
  const auto other_names_schema = [&](const Node& node) -> std::optional<Node> {
    if (keyword(node, "additionalProperties")) return schemas_.child(node, "additionalProperties");
    if (keyword(node, "unevaluatedProperties")) {
      const auto neighbours = evaluated_by_neighbours(node, schemas_);
      if (!neighbours.all_properties && neighbours.patterns.empty()) {
        return schemas_.child(node, "unevaluatedProperties");
      }
    }
    return std::nullopt;
  };

  if (reader_patterns) {
    for (const auto& entry : *reader_patterns) {
      if (report_->done()) return;
      const std::string_view pattern = entry.key();
      WriterSet value;
      for (const Node& node : writer.all_of) {
        const auto* own = object_keyword(node, "patternProperties");
        if (own && own->contains(pattern)) {
          value.require(schemas_.child(node, "patternProperties", pattern));
          continue;
        }
        // Which of this writer's own patterns may also match names matching the reader's?
        std::vector<std::string_view> overlapping;
        if (own) {
          for (const auto& other_pattern : *own) {
            if (!patterns_never_overlap(pattern, other_pattern.key())) {
              overlapping.push_back(other_pattern.key());
            }
          }
        }
        const auto other = other_names_schema(node);
        if (overlapping.empty()) {
          // Such names fall to the writer's additionalProperties (or nothing: anything goes).
          if (other) value.require(*other);
        } else if (overlapping.size() == 1 && other && is_false_schema(*other)) {
          // A closed writer only sends such names when they match its one overlapping pattern.
          value.require(schemas_.child(node, "patternProperties", overlapping.front()));
        }
        // Otherwise the writer may send anything under this pattern: add nothing.
      }
      if (impossible(value)) continue;
      InstanceScope scope(instance_, [&](InstancePath& path) { path.push_pattern(pattern); });
      const Node schema = schemas_.child(reader, "patternProperties", pattern);
      if (is_false_schema(schema)) {
        report(schema, "", kind::kPropertyNotAllowed,
               subject() +
                   " is not allowed by the reader (its schema is false): writer "
                   "documents with such properties would be rejected");
      } else {
        compare(schema, value);
      }
    }
  }

  std::optional<Node> reader_other;
  if (keyword(reader, "additionalProperties")) {
    reader_other = schemas_.child(reader, "additionalProperties");
  } else if (keyword(reader, "unevaluatedProperties") &&
             !evaluated_by_neighbours(reader, schemas_).all_properties) {
    reader_other = schemas_.child(reader, "unevaluatedProperties");
  }
  if (!reader_other || accepts_everything(*reader_other)) return;

  WriterSet value;
  for (const Node& node : writer.all_of) {
    bool patterns_known = true;
    if (const auto* own = object_keyword(node, "patternProperties")) {
      for (const auto& entry : *own) {
        patterns_known =
            patterns_known && reader_patterns && reader_patterns->contains(entry.key());
      }
    }
    if (!patterns_known) continue;
    if (auto other = other_names_schema(node)) value.require(*other);
  }
  if (impossible(value)) return;
  const std::string owner = subject();
  InstanceScope scope(instance_, [&](InstancePath& path) { path.push_additional(); });
  if (is_false_schema(*reader_other)) {
    report(*reader_other, "", kind::kContentModelClosed,
           owner + " accepts no properties beyond those it names (" + closed_by(*reader_other) +
               "), but the writer allows others: writer documents with extra properties would be "
               "rejected");
  } else {
    compare(*reader_other, value);
  }
}

void CompatChecker::check_required(const Node& reader, const WriterSet& writer) {
  const auto* required = array_keyword(reader, "required");
  if (!required) return;
  for (std::size_t i = 0; i < required->size(); ++i) {
    const auto* name = (*required)[i].if_string();
    if (!name || writer_requires(writer, *name)) continue;
    InstanceScope scope(instance_, [&](InstancePath& path) { path.push_property(*name); });
    report(reader, "/required/" + std::to_string(i), kind::kRequiredAdded,
           subject() + " became required: writer documents without it would be rejected");
  }
}

std::optional<std::vector<std::string>> CompatChecker::writer_property_names(
    const WriterSet& writer) {
  for (const Node& node : writer.all_of) {
    const auto* additional = keyword(node, "additionalProperties");
    if (!additional || !additional->is_bool() || additional->get_bool()) continue;
    if (const auto* patterns = object_keyword(node, "patternProperties")) {
      bool all_false = true;
      for (const auto& entry : *patterns) {
        all_false = all_false && entry.value().is_bool() && !entry.value().get_bool();
      }
      if (!all_false) continue;
    }
    std::vector<std::string> names;
    if (const auto* properties = object_keyword(node, "properties")) {
      for (const auto& member : *properties) {
        WriterSet value = writer_property_schemas(writer, member.key());
        if (!impossible(value)) names.emplace_back(member.key());
      }
    }
    return names;
  }
  return std::nullopt;
}

void CompatChecker::check_property_counts(const Node& reader, const WriterSet& writer) {
  if (const auto reader_min = number_keyword(reader, "minProperties");
      reader_min && *reader_min > 0) {
    double writer_min = 0;
    std::set<std::string, std::less<>> required;
    for (const Node& node : writer.all_of) {
      writer_min = std::max(writer_min, number_keyword(node, "minProperties").value_or(0));
      if (const auto* names = array_keyword(node, "required")) {
        for (const auto& entry : *names) {
          if (entry.is_string()) required.emplace(entry.get_string());
        }
      }
    }
    writer_min = std::max(writer_min, static_cast<double>(required.size()));
    if (writer_min < *reader_min) {
      report(reader, "/minProperties", kind::kMinPropertiesIncreased,
             subject() + " needs at least " + counted(*reader_min, "property", "properties") +
                 ", the writer guarantees " + show_number(writer_min) +
                 ": smaller writer objects would be rejected");
    }
  }
  if (const auto reader_max = number_keyword(reader, "maxProperties")) {
    std::optional<double> writer_max;
    for (const Node& node : writer.all_of) {
      if (const auto own = number_keyword(node, "maxProperties")) {
        writer_max = writer_max ? std::min(*writer_max, *own) : *own;
      }
    }
    if (const auto names = writer_property_names(writer)) {
      const double count = static_cast<double>(names->size());
      writer_max = writer_max ? std::min(*writer_max, count) : count;
    }
    if (!writer_max || *writer_max > *reader_max) {
      report(reader, "/maxProperties",
             writer_max ? kind::kMaxPropertiesDecreased : kind::kMaxPropertiesAdded,
             subject() + " allows at most " + counted(*reader_max, "property", "properties") +
                 ", the writer " +
                 (writer_max ? "up to " + show_number(*writer_max) : std::string("any number")) +
                 ": larger writer objects would be rejected");
    }
  }
}

void CompatChecker::check_property_names(const Node& reader, const WriterSet& writer) {
  if (!keyword(reader, "propertyNames")) return;
  const Node names_schema = schemas_.child(reader, "propertyNames");
  if (accepts_everything(names_schema)) return;

  if (const auto names = writer_property_names(writer)) {
    bool unsure = false;
    for (const auto& name : *names) {
      const ValueVerdict verdict = values_.check(boost::json::value(name), names_schema);
      if (verdict.rejected()) {
        InstanceScope scope(instance_, [&](InstancePath& path) { path.push_property(name); });
        report_at(verdict.path, kind::kPropertyNameRejected,
                  subject() +
                      " is a name the writer uses but the reader's propertyNames rejects (" +
                      verdict.keyword + ")");
      } else if (!verdict.accepted()) {
        unsure = true;
      }
    }
    if (!unsure) return;
  }
  WriterSet value;
  value.require(schemas_.synthetic(string_schema()));
  for (const Node& node : writer.all_of) {
    if (keyword(node, "propertyNames")) value.require(schemas_.child(node, "propertyNames"));
  }
  InstanceScope scope(instance_, [&](InstancePath& path) { path.push_property_names(); });
  compare(names_schema, std::move(value));
}

void CompatChecker::check_dependencies(const Node& reader, const WriterSet& writer) {
  const auto writer_implies = [&](std::string_view trigger, std::string_view name) {
    for (const Node& node : writer.all_of) {
      for (std::string_view dependency_keyword : {"dependentRequired", "dependencies"}) {
        const auto* map = object_keyword(node, dependency_keyword);
        const auto* names = map ? map->if_contains(trigger) : nullptr;
        if (names && lists(names->if_array(), name)) return true;
      }
    }
    return false;
  };
  const auto writer_may_send = [&](std::string_view name) {
    WriterSet value = writer_property_schemas(writer, name);
    return !impossible(value);
  };

  for (std::string_view dependency_keyword :
       {"dependentRequired", "dependentSchemas", "dependencies"}) {
    const auto* map = object_keyword(reader, dependency_keyword);
    if (!map) continue;
    for (const auto& entry : *map) {
      const std::string_view trigger = entry.key();
      if (!writer_may_send(trigger)) continue;
      const auto* names = entry.value().if_array();
      if (!names && dependency_keyword == "dependentRequired") continue;  // malformed
      if (names) {
        for (std::size_t j = 0; j < names->size(); ++j) {
          const auto* name = (*names)[j].if_string();
          if (!name || *name == trigger || writer_requires(writer, *name) ||
              writer_implies(trigger, *name)) {
            continue;
          }
          InstanceScope scope(instance_, [&](InstancePath& path) { path.push_property(*name); });
          report(reader,
                 "/" + std::string(dependency_keyword) + "/" + escape_pointer_token(trigger) + "/" +
                     std::to_string(j),
                 kind::kDependentRequiredAdded,
                 subject() + " became required whenever " + quoted(trigger) +
                     " is present: writer documents with " + quoted(trigger) +
                     " but without it would be rejected");
        }
        continue;
      }
      // A dependent schema: writer documents with the trigger must satisfy it. The writer's own
      // dependent schema for the same trigger holds for those documents, so it joins the writer.
      WriterSet conditioned = writer;
      for (const Node& node : writer.all_of) {
        for (std::string_view own_keyword : {"dependentSchemas", "dependencies"}) {
          const auto* own = object_keyword(node, own_keyword);
          const auto* dependent = own ? own->if_contains(trigger) : nullptr;
          if (dependent && !dependent->is_array()) {
            conditioned.require(schemas_.child(node, own_keyword, trigger));
          }
        }
      }
      compare(schemas_.child(reader, dependency_keyword, trigger), std::move(conditioned));
    }
  }
}

}  // namespace accord::compat
