#include "registry/compat/schema_node.hpp"

#include "registry/compat/json_values.hpp"
#include "registry/compat/schema_keywords.hpp"

namespace accord::compat {

const boost::json::value* keyword(const Node& node, std::string_view name) {
  if (const auto* object = node.schema->if_object()) return object->if_contains(name);
  return nullptr;
}

std::optional<double> number_keyword(const Node& node, std::string_view name) {
  if (const auto* value = keyword(node, name)) return number_of(*value);
  return std::nullopt;
}

bool accepts_everything(const Node& node) {
  if (const auto* flag = node.schema->if_bool()) return *flag;
  if (const auto* object = node.schema->if_object()) {
    for (const auto& member : *object) {
      if (is_constraint_keyword(member.key())) return false;
    }
  }
  // A schema that is neither an object nor a boolean is invalid; it constrains nothing we know.
  return true;
}

bool is_false_schema(const Node& node) {
  const auto* flag = node.schema->if_bool();
  return flag && !*flag;
}

bool is_reference_only(const Node& node) {
  const auto* object = node.schema->if_object();
  if (!object) return false;
  bool reference = false;
  for (const auto& member : *object) {
    const std::string_view name = member.key();
    if (name == "$ref" || name == "$dynamicRef" || name == "$recursiveRef") {
      reference = true;
    } else if (is_constraint_keyword(name)) {
      return false;
    }
  }
  return reference;
}

std::string location(const Node& node, std::string_view suffix) {
  std::string text;
  if (node.resource && !node.resource->document->label.empty()) {
    text = node.resource->document->label + "#";
  }
  text += node.pointer;
  text += suffix;
  return text;
}

}  // namespace accord::compat
