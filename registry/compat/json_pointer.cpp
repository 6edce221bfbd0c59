#include "registry/compat/json_pointer.hpp"

#include <charconv>

namespace accord::compat {

std::string escape_pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::vector<std::string>> split_pointer(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer.front() != '/') return std::nullopt;
  std::string current;
  for (std::size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(std::move(current));
      current.clear();
      continue;
    }
    if (pointer[i] != '~') {
      current += pointer[i];
      continue;
    }
    if (i + 1 >= pointer.size()) return std::nullopt;
    const char next = pointer[++i];
    if (next == '0') {
      current += '~';
    } else if (next == '1') {
      current += '/';
    } else {
      return std::nullopt;
    }
  }
  return tokens;
}

namespace {
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int high = hex_digit(text[i + 1]);
      const int low = hex_digit(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out += static_cast<char>(high * 16 + low);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

const boost::json::value* step_into(const boost::json::value& value, std::string_view token) {
  if (const auto* object = value.if_object()) return object->if_contains(token);
  if (const auto* array = value.if_array()) {
    // RFC 6901: decimal digits, no leading zeros, no sign.
    if (token.empty() || (token.size() > 1 && token.front() == '0')) return nullptr;
    std::size_t index = 0;
    const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), index);
    if (error != std::errc{} || end != token.data() + token.size()) return nullptr;
    return index < array->size() ? &(*array)[index] : nullptr;
  }
  return nullptr;
}

}  // namespace accord::compat
