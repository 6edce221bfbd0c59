// Network formats: host names (RFC 1123, IDNA A-labels), IPv4, IPv6, e-mail addresses.
#include <algorithm>
#include <cctype>

#include "registry/jsonschema/formats.hpp"
#include "registry/jsonschema/idna.hpp"

namespace accord::jsonschema {
namespace {

bool is_ascii_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_ascii_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_hex(char c) {
  return is_ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_ldh_label(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(),
                     [](char c) { return is_ascii_alpha(c) || is_ascii_digit(c) || c == '-'; });
}

bool is_host_label(std::string_view label) {
  if (!is_ldh_label(label)) return false;
  const bool a_label = label.size() >= 4 && (label[0] == 'x' || label[0] == 'X') &&
                       (label[1] == 'n' || label[1] == 'N') && label[2] == '-' && label[3] == '-';
  if (!a_label) return true;
  const auto decoded = detail::punycode_decode(label.substr(4));
  return decoded && detail::is_valid_u_label(*decoded);
}

// RFC 5321 atext: letters, digits and these printable symbols.
bool is_atext(char c) {
  if (is_ascii_alpha(c) || is_ascii_digit(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '/':
    case '=':
    case '?':
    case '^':
    case '_':
    case '`':
    case '{':
    case '|':
    case '}':
    case '~':
      return true;
    default:
      return false;
  }
}

bool is_dot_string(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.') {
      if (s[i + 1] == '.') return false;
    } else if (!is_atext(s[i])) {
      return false;
    }
  }
  return true;
}

// Quoted-string of RFC 5321: printable ASCII, with '\' escaping any printable character.
bool is_quoted_string(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      ++i;
      if (i + 1 >= s.size()) return false;
      const auto escaped = static_cast<unsigned char>(s[i]);
      if (escaped < 32 || escaped > 126) return false;
    } else if (c < 32 || c > 126 || c == '"') {
      return false;
    }
  }
  return true;
}

// Finds the '@' separating local part and domain: the last one, since a quoted local part may
// itself contain '@'.
bool split_mailbox(std::string_view s, std::string_view& local, std::string_view& domain) {
  const auto at = s.rfind('@');
  if (at == std::string_view::npos) return false;
  local = s.substr(0, at);
  domain = s.substr(at + 1);
  return true;
}

}  // namespace

bool is_hostname(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    const auto dot = s.find('.', start);
    const auto label = s.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!is_host_label(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool is_ipv4(std::string_view s) {
  int parts = 0;
  std::size_t pos = 0;
  while (true) {
    const std::size_t start = pos;
    int value = 0;
    while (pos < s.size() && is_ascii_digit(s[pos]) && pos - start < 3) {
      value = value * 10 + (s[pos] - '0');
      ++pos;
    }
    const std::size_t length = pos - start;
    if (length == 0 || value > 255 || (length > 1 && s[start] == '0')) return false;
    ++parts;
    if (pos == s.size()) return parts == 4;
    if (s[pos] != '.' || parts == 4) return false;
    ++pos;
  }
}

bool is_ipv6(std::string_view s) {
  // Up to 8 groups of 1-4 hex digits, at most one "::" standing for one or more zero groups,
  // and optionally a dotted IPv4 address in place of the last two groups.
  int groups = 0;
  bool compressed = false;
  std::size_t pos = 0;
  if (s.starts_with("::")) {
    compressed = true;
    pos = 2;
    if (pos == s.size()) return true;
  } else if (s.starts_with(":")) {
    return false;
  }
  while (pos < s.size()) {
    // An IPv4 tail: the rest contains a '.' before any further ':'.
    const auto next_colon = s.find(':', pos);
    const auto rest =
        s.substr(pos, next_colon == std::string_view::npos ? s.npos : next_colon - pos);
    if (next_colon == std::string_view::npos && rest.find('.') != std::string_view::npos) {
      if (!is_ipv4(rest)) return false;
      groups += 2;
      pos = s.size();
      break;
    }
    const std::size_t start = pos;
    while (pos < s.size() && is_hex(s[pos]) && pos - start < 5) ++pos;
    const std::size_t length = pos - start;
    if (length == 0 || length > 4) return false;
    ++groups;
    if (pos == s.size()) break;
    if (s[pos] != ':') return false;
    ++pos;
    if (pos < s.size() && s[pos] == ':') {
      if (compressed) return false;
      compressed = true;
      ++pos;
      if (pos == s.size()) break;
    } else if (pos == s.size()) {
      return false;  // a single trailing ':'
    }
  }
  return compressed ? groups <= 7 : groups == 8;
}

bool is_email(std::string_view s) {
  std::string_view local;
  std::string_view domain;
  if (!split_mailbox(s, local, domain)) return false;
  if (local.empty() || local.size() > 64 || domain.empty()) return false;
  if (!is_dot_string(local) && !is_quoted_string(local)) return false;
  if (domain.front() == '[') {
    if (domain.back() != ']') return false;
    const auto literal = domain.substr(1, domain.size() - 2);
    if (literal.starts_with("IPv6:")) return is_ipv6(literal.substr(5));
    return is_ipv4(literal);
  }
  return is_hostname(domain);
}

}  // namespace accord::jsonschema
