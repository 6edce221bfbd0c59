#include "registry/protobuf/json_status_error.hpp"

#include <cctype>
#include <string_view>

namespace accord::protobuf_schema {

namespace {

// "TYPE_DOUBLE" -> "double", "type.googleapis.com/acme.Kind" -> "acme.Kind": the status
// names types the way the converter sees them, not the way the schema spells them.
std::string readable_type_names(std::string text) {
  for (std::string_view prefix : {"type.googleapis.com/", "TYPE_"}) {
    for (auto at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at)) {
      text.erase(at, prefix.size());
      if (prefix == "TYPE_") {
        for (std::size_t i = at;
             i < text.size() && (std::isupper(static_cast<unsigned char>(text[i])) ||
                                 std::isdigit(static_cast<unsigned char>(text[i])));
             ++i) {
          text[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
        }
      }
    }
  }
  return text;
}

std::string_view trim_leading(std::string_view text, std::string_view chars) {
  while (!text.empty() && chars.find(text.front()) != std::string_view::npos) text.remove_prefix(1);
  return text;
}

}  // namespace

// Shapes seen from libprotobuf 3.21:
//   "(samples[1].value): invalid value \"x\" for type TYPE_DOUBLE"
//   "(samples[1].inner) y: Cannot find field."      (an unknown key inside samples[1].inner)
//   "bogus: Cannot find field."                      (an unknown key at the top)
//   "(limits) missing field max"                     (a proto2 required field, first one only)
//   "Unexpected end of string. Expected ...\n<the input>\n^"   (JSON syntax)
PayloadError payload_error_from_json_status(const std::string& status_message) {
  std::string_view text = status_message;
  text = text.substr(0, text.find('\n'));
  std::string path;
  if (!text.empty() && text.front() == '(') {
    if (auto close = text.find(')'); close != std::string_view::npos) {
      path = std::string(text.substr(1, close - 1));
      text.remove_prefix(close + 1);
    }
  }
  text = trim_leading(text, ": ");

  // The converter checks proto2 required fields itself and stops at the first one missing.
  static constexpr std::string_view kMissingRequired = "missing field ";
  if (text.substr(0, kMissingRequired.size()) == kMissingRequired) {
    const std::string name(text.substr(kMissingRequired.size()));
    return {path.empty() ? name : path + "." + name, "required field \"" + name + "\" is missing"};
  }

  static constexpr std::string_view kUnknownKey = ": Cannot find field.";
  if (text.size() > kUnknownKey.size() &&
      text.substr(text.size() - kUnknownKey.size()) == kUnknownKey) {
    const std::string key(text.substr(0, text.size() - kUnknownKey.size()));
    return {path.empty() ? key : path + "." + key, "unknown field \"" + key + "\""};
  }
  std::string message = readable_type_names(std::string(text));
  if (message.empty()) message = "invalid JSON payload";
  return {path, message};
}

}  // namespace accord::protobuf_schema
