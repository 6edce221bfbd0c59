#include "registry/jsonschema/json_pointer.hpp"

#include <charconv>

#include "registry/jsonschema/dom_access.hpp"

namespace accord::jsonschema::detail {

void append_pointer_token(std::string& pointer, std::string_view token) {
  pointer.push_back('/');
  for (char c : token) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer.push_back(c);
    }
  }
}

void append_pointer_index(std::string& pointer, std::size_t index) {
  char digits[24];
  const auto r = std::to_chars(digits, digits + sizeof digits, index);
  pointer.push_back('/');
  pointer.append(digits, r.ptr);
}

std::optional<std::vector<std::string>> split_pointer(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer.front() != '/') return std::nullopt;
  std::size_t i = 1;
  std::string token;
  while (true) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(std::move(token));
      token.clear();
      if (i == pointer.size()) break;
      ++i;
      continue;
    }
    if (pointer[i] == '~') {
      if (i + 1 == pointer.size()) return std::nullopt;
      if (pointer[i + 1] == '0') {
        token.push_back('~');
      } else if (pointer[i + 1] == '1') {
        token.push_back('/');
      } else {
        return std::nullopt;
      }
      i += 2;
      continue;
    }
    token.push_back(pointer[i++]);
  }
  return tokens;
}

std::string join_pointer(std::span<const std::string> tokens) {
  std::string pointer;
  for (const auto& t : tokens) append_pointer_token(pointer, t);
  return pointer;
}

namespace {

// RFC 6901 array index: "0" or digits without a leading zero.
std::optional<std::size_t> parse_index(std::string_view token) {
  if (token.empty() || (token.size() > 1 && token[0] == '0')) return std::nullopt;
  std::size_t value = 0;
  const auto r = std::from_chars(token.data(), token.data() + token.size(), value);
  if (r.ec != std::errc() || r.ptr != token.data() + token.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<simdjson::dom::element> follow_pointer(simdjson::dom::element root,
                                                     std::span<const std::string> tokens) {
  simdjson::dom::element current = root;
  for (const auto& token : tokens) {
    if (current.is_object()) {
      simdjson::dom::element next;
      // at_key compares the unescaped key exactly (no case folding, first duplicate wins).
      if (as_object(current).at_key(token).get(next)) return std::nullopt;
      current = next;
    } else if (current.is_array()) {
      const auto index = parse_index(token);
      if (!index) return std::nullopt;
      simdjson::dom::element next;
      if (as_array(current).at(*index).get(next)) return std::nullopt;
      current = next;
    } else {
      return std::nullopt;
    }
  }
  return current;
}

}  // namespace accord::jsonschema::detail
