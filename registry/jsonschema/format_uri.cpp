// RFC 3986 syntax for the uri and uri-reference formats: a single pass over the text, no
// allocation. (Resolving `$ref`s uses Boost.URL; checking a format on every event must be
// cheap, and an allocation-free grammar check is several times faster than a full parse.)
#include <string_view>

#include "registry/jsonschema/formats.hpp"

namespace accord::jsonschema {
namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_unreserved(char c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
bool is_sub_delim(char c) {
  switch (c) {
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
      return true;
    default:
      return false;
  }
}

// Every character is unreserved, a sub-delim, one of `extra`, or a valid %XX escape.
bool all_of_set(std::string_view s, std::string_view extra) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
      i += 2;
    } else if (!is_unreserved(c) && !is_sub_delim(c) && extra.find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool is_scheme(std::string_view s) {
  if (s.empty() || !is_alpha(s[0])) return false;
  for (const char c : s) {
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

// "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
bool is_ip_future(std::string_view s) {
  if (s.size() < 4 || (s[0] != 'v' && s[0] != 'V')) return false;
  std::size_t i = 1;
  while (i < s.size() && is_hex(s[i])) ++i;
  if (i == 1 || i >= s.size() || s[i] != '.' || i + 1 == s.size()) return false;
  for (const char c : s.substr(i + 1)) {
    if (!is_unreserved(c) && !is_sub_delim(c) && c != ':') return false;
  }
  return true;
}

// authority = [ userinfo "@" ] host [ ":" port ]
bool is_authority(std::string_view s) {
  const auto at = s.find('@');
  if (at != std::string_view::npos) {
    if (!all_of_set(s.substr(0, at), ":")) return false;
    s.remove_prefix(at + 1);
  }
  std::string_view host = s;
  std::string_view port;
  if (!s.empty() && s[0] == '[') {
    const auto close = s.find(']');
    if (close == std::string_view::npos) return false;
    const auto literal = s.substr(1, close - 1);
    if (!is_ipv6(literal) && !is_ip_future(literal)) return false;
    const auto rest = s.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') return false;
    if (!rest.empty()) port = rest.substr(1);
    host = {};
  } else if (const auto colon = s.find(':'); colon != std::string_view::npos) {
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  for (const char c : port) {
    if (!is_digit(c)) return false;
  }
  return all_of_set(host, "");
}

bool check(std::string_view s, bool reference) {
  // Fragment and query: pchar / "/" / "?".
  if (const auto hash = s.find('#'); hash != std::string_view::npos) {
    if (!all_of_set(s.substr(hash + 1), ":@/?")) return false;
    s = s.substr(0, hash);
  }
  if (const auto question = s.find('?'); question != std::string_view::npos) {
    if (!all_of_set(s.substr(question + 1), ":@/?")) return false;
    s = s.substr(0, question);
  }
  // A ':' before any '/' ends a scheme; a relative reference cannot have one there.
  const auto first = s.find_first_of(":/");
  const bool has_scheme = first != std::string_view::npos && s[first] == ':';
  if (has_scheme) {
    if (!is_scheme(s.substr(0, first))) return false;
    s.remove_prefix(first + 1);
  } else if (!reference) {
    return false;
  }
  if (s.starts_with("//")) {
    s.remove_prefix(2);
    const auto slash = s.find('/');
    if (!is_authority(s.substr(0, slash))) return false;
    s = slash == std::string_view::npos ? std::string_view() : s.substr(slash);
  }
  return all_of_set(s, ":@/");
}

}  // namespace

bool is_uri(std::string_view s) {
  return check(s, false);
}

bool is_uri_reference(std::string_view s) {
  return check(s, true);
}

}  // namespace accord::jsonschema
