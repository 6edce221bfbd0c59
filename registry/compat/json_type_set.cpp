#include "registry/compat/json_type_set.hpp"

#include <string_view>
#include <vector>

#include "registry/compat/json_values.hpp"

namespace accord::compat {

namespace {
std::uint8_t bits_of_name(std::string_view name) {
  if (name == "null") return JsonTypeSet::kNull;
  if (name == "boolean") return JsonTypeSet::kBoolean;
  if (name == "object") return JsonTypeSet::kObject;
  if (name == "array") return JsonTypeSet::kArray;
  if (name == "integer") return JsonTypeSet::kInteger;
  if (name == "number") return JsonTypeSet::kInteger | JsonTypeSet::kFraction;
  if (name == "string") return JsonTypeSet::kString;
  return 0;
}
}  // namespace

JsonTypeSet JsonTypeSet::from_keyword(const boost::json::value& type) {
  if (const auto* name = type.if_string()) return JsonTypeSet(bits_of_name(*name));
  unsigned bits = 0;
  if (const auto* names = type.if_array()) {
    for (const auto& entry : *names) {
      if (const auto* name = entry.if_string()) bits |= bits_of_name(*name);
    }
    return JsonTypeSet(bits);
  }
  // A malformed `type` constrains nothing we can name; treat it as absent.
  return all();
}

JsonTypeSet JsonTypeSet::of_value(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      return JsonTypeSet(kNull);
    case boost::json::kind::bool_:
      return JsonTypeSet(kBoolean);
    case boost::json::kind::object:
      return JsonTypeSet(kObject);
    case boost::json::kind::array:
      return JsonTypeSet(kArray);
    case boost::json::kind::string:
      return JsonTypeSet(kString);
    default:
      return JsonTypeSet(is_integer_value(value) ? kInteger : kFraction);
  }
}

std::string JsonTypeSet::describe() const {
  if (bits_ == 0x7F) return "any type";
  if (bits_ == 0) return "no type";
  std::vector<std::string_view> names;
  if (has(kNull)) names.push_back("null");
  if (has(kBoolean)) names.push_back("boolean");
  if (has(kObject)) names.push_back("object");
  if (has(kArray)) names.push_back("array");
  if (has_all(kInteger | kFraction)) {
    names.push_back("number");
  } else if (has(kInteger)) {
    names.push_back("integer");
  } else if (has(kFraction)) {
    names.push_back("non-integer number");
  }
  if (has(kString)) names.push_back("string");
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += (i + 1 == names.size()) ? " or " : ", ";
    text += names[i];
  }
  return text;
}

}  // namespace accord::compat
