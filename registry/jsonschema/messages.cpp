#include "registry/jsonschema/messages.hpp"

#include "registry/jsonschema/program.hpp"

namespace accord::jsonschema::detail {
namespace {

constexpr std::size_t kMaxShown = 60;

std::string cut(std::string text) {
  if (text.size() <= kMaxShown) return text;
  // Do not split a UTF-8 sequence.
  std::size_t end = kMaxShown;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  text += "...";
  return text;
}

}  // namespace

std::string describe(const simdjson::dom::element& value) {
  return cut(simdjson::minify(value));
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
    if (out.size() > kMaxShown) break;
  }
  if (out.size() > kMaxShown) return cut(std::move(out));
  out += '"';
  return out;
}

std::string type_name(const simdjson::dom::element& value) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::ARRAY:
      return "array";
    case element_type::OBJECT:
      return "object";
    case element_type::INT64:
    case element_type::UINT64:
      return "integer";
    case element_type::DOUBLE:
      return Number::of(value)->is_integer() ? "integer" : "number";
    case element_type::STRING:
      return "string";
    case element_type::BOOL:
      return "boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "value";
}

std::string type_list(std::uint8_t mask) {
  static constexpr std::pair<std::uint8_t, std::string_view> kNames[] = {
      {kObjectBit, "object"},   {kArrayBit, "array"},   {kStringBit, "string"},
      {kIntegerBit, "integer"}, {kNumberBit, "number"}, {kBooleanBit, "boolean"},
      {kNullBit, "null"}};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if ((mask & bit) == 0) continue;
    if (!out.empty()) out += " or ";
    out += name;
  }
  return out.empty() ? "nothing" : out;
}

std::string type_mismatch(const simdjson::dom::element& value, std::uint8_t type_mask) {
  const std::string name = type_name(value);
  std::string what;
  if (name == "null") {
    what = "null";
  } else {
    const bool vowel = name == "array" || name == "object" || name == "integer";
    what = describe(value) + " is " + (vowel ? "an " : "a ") + name;
  }
  return what + ", expected " + type_list(type_mask);
}

}  // namespace accord::jsonschema::detail
