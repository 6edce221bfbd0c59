// Attribute rules from the CloudEvents 1.0 core spec and its type system.
#include "registry/cloudevents/rules.hpp"

#include <boost/url/parse.hpp>

#include <array>
#include <cstdint>

namespace accord::cloudevents::detail {

void add(std::vector<Violation>& out, std::string attribute, std::string rule,
         std::string message) {
  out.push_back(Violation{std::move(attribute), std::move(rule), std::move(message)});
}

std::string shown(std::string_view value) {
  constexpr std::size_t kMax = 64;
  std::string s = "\"";
  s.append(value.substr(0, kMax));
  if (value.size() > kMax) s += "...";
  s += '"';
  return s;
}

bool is_core_attribute(std::string_view n) {
  return n == "id" || n == "source" || n == "specversion" || n == "type" ||
         n == "datacontenttype" || n == "dataschema" || n == "subject" || n == "time";
}

void set_attribute(Event& e, const std::string& name, std::string value) {
  if (name == "id") e.id = std::move(value);
  else if (name == "source") e.source = std::move(value);
  else if (name == "specversion") e.specversion = std::move(value);
  else if (name == "type") e.type = std::move(value);
  else if (name == "datacontenttype") e.datacontenttype = std::move(value);
  else if (name == "dataschema") e.dataschema = std::move(value);
  else if (name == "subject") e.subject = std::move(value);
  else if (name == "time") e.time = std::move(value);
  else e.extensions[name] = std::move(value);
}

// The spec: names MUST be lower-case a-z and 0-9 only. Length over 20 is only a SHOULD
// (for interoperability with limited transports), so it is not checked here.
bool is_valid_attribute_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

bool is_uri_reference(std::string_view s) { return boost::urls::parse_uri_reference(s).has_value(); }

// The type system's URI is RFC 3986 section 4.3 absolute-URI: a scheme and no fragment.
bool is_absolute_uri(std::string_view s) { return boost::urls::parse_absolute_uri(s).has_value(); }

namespace {

bool is_token_char(char c) {
  // RFC 2045 token: any US-ASCII except SPACE, CTLs and tspecials.
  constexpr std::string_view tspecials = "()<>@,;:\\\"/[]?=";
  auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && tspecials.find(c) == std::string_view::npos;
}

std::size_t token_end(std::string_view s, std::size_t i) {
  while (i < s.size() && is_token_char(s[i])) ++i;
  return i;
}

std::size_t skip_ws(std::string_view s, std::size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return i;
}

}  // namespace

// RFC 2046 / 2045: type "/" subtype *(";" attribute "=" (token / shown-string)). Whitespace
// around ";" and "=" is tolerated as in practice ("application/json; charset=utf-8").
bool is_media_type(std::string_view s) {
  std::size_t i = token_end(s, 0);
  if (i == 0 || i >= s.size() || s[i] != '/') return false;
  std::size_t j = token_end(s, i + 1);
  if (j == i + 1) return false;
  i = skip_ws(s, j);
  while (i < s.size()) {
    if (s[i] != ';') return false;
    i = skip_ws(s, i + 1);
    j = token_end(s, i);
    if (j == i) return false;  // attribute name
    i = j;
    if (i >= s.size() || s[i] != '=') return false;
    ++i;
    if (i < s.size() && s[i] == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\') ++i;  // shown-pair
        ++i;
      }
      if (i >= s.size()) return false;  // unterminated
      ++i;
    } else {
      j = token_end(s, i);
      if (j == i) return false;
      i = j;
    }
    i = skip_ws(s, i);
  }
  return true;
}

namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t k = pos; k < pos + n; ++k) {
    if (s[k] < '0' || s[k] > '9') return false;
    out = out * 10 + (s[k] - '0');
  }
  return true;
}

int days_in_month(int year, int month) {
  static constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

}  // namespace

// RFC 3339 section 5.6 date-time: full-date "T" full-time, with "T"/"Z" case-insensitive,
// optional fraction, and a "Z" or +hh:mm offset (required: a timestamp without one is local).
bool is_rfc3339(std::string_view s) {
  int year, month, day, hour, minute, second;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, month) ||
      s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') ||
      !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' ||
      !digits(s, 17, 2, second))
    return false;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 60)  // 60: leap second
    return false;
  std::size_t i = 19;
  if (s[i] == '.') {
    std::size_t start = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return false;
  }
  if (i >= s.size()) return false;
  if (s[i] == 'Z' || s[i] == 'z') return i + 1 == s.size();
  if (s[i] != '+' && s[i] != '-') return false;
  int oh, om;
  if (i + 6 != s.size() || !digits(s, i + 1, 2, oh) || s[i + 3] != ':' || !digits(s, i + 4, 2, om))
    return false;
  return oh <= 23 && om <= 59;
}

namespace {
int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
constexpr std::string_view kB64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}  // namespace

// RFC 4648 section 4 (the alphabet the spec's Binary type names), padded, no whitespace.
std::optional<std::string> decode_base64(std::string_view s) {
  if (s.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(s.size() / 4 * 3);
  for (std::size_t i = 0; i < s.size(); i += 4) {
    bool last = i + 4 == s.size();
    std::uint32_t acc = 0;
    int pad = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      char c = s[i + k];
      if (c == '=' && last && k >= 2) {
        ++pad;
        acc <<= 6;
        continue;
      }
      int v = b64_value(c);
      if (v < 0 || pad > 0) return std::nullopt;  // bad char, or data after padding
      acc = (acc << 6) | static_cast<std::uint32_t>(v);
    }
    out += static_cast<char>((acc >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((acc >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(acc & 0xff);
  }
  return out;
}

std::string encode_base64(std::string_view bytes) {
  std::string out;
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    for (int shift = 18; shift >= 0; shift -= 6) out += kB64[(v >> shift) & 63];
  }
  if (std::size_t rest = bytes.size() - i; rest > 0) {
    std::uint32_t v = at(i) << 16 | (rest == 2 ? at(i + 1) << 8 : 0);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += rest == 2 ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

void check_event(const Event& e, std::vector<Violation>& out) {
  auto required = [&](const char* name, const std::string& value) {
    if (value.empty()) add(out, name, "required", std::string(name) + " is required and must be a non-empty string");
  };
  required("id", e.id);
  required("source", e.source);
  required("specversion", e.specversion);
  required("type", e.type);
  if (!e.specversion.empty() && e.specversion != "1.0")
    add(out, "specversion", "specversion", "specversion " + shown(e.specversion) + " is not \"1.0\"");
  if (!e.source.empty() && !is_uri_reference(e.source))
    add(out, "source", "URI-reference", "source " + shown(e.source) + " is not an RFC 3986 URI-reference");
  if (e.datacontenttype && !is_media_type(*e.datacontenttype))
    add(out, "datacontenttype", "RFC2046",
        "datacontenttype " + shown(*e.datacontenttype) + " is not an RFC 2046 media type");
  if (e.dataschema && !is_absolute_uri(*e.dataschema))
    add(out, "dataschema", "URI", "dataschema " + shown(*e.dataschema) + " is not an absolute URI");
  if (e.subject && e.subject->empty())
    add(out, "subject", "non-empty", "subject, when present, must be a non-empty string");
  if (e.time && !is_rfc3339(*e.time))
    add(out, "time", "RFC3339", "time " + shown(*e.time) + " is not an RFC 3339 timestamp");
  for (const auto& [name, value] : e.extensions) {
    (void)value;
    if (!is_valid_attribute_name(name))
      add(out, name, "name", "attribute name " + shown(name) + " may only contain a-z and 0-9");
  }
}

}  // namespace accord::cloudevents::detail
