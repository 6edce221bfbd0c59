// Format dispatch, and the formats that need no parser of their own: UUIDs, JSON pointers and
// ECMA-262 regexes.
#include "registry/jsonschema/formats.hpp"

#include <array>
#include <utility>

#include "registry/jsonschema/ecma_regex.hpp"
#include "registry/jsonschema/json_pointer.hpp"

namespace accord::jsonschema {

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

bool is_json_pointer(std::string_view s) {
  return detail::split_pointer(s).has_value();
}

// non-negative-integer, then either "#" or a JSON pointer.
bool is_relative_json_pointer(std::string_view s) {
  std::size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  if (digits == 0 || (digits > 1 && s[0] == '0')) return false;
  const auto rest = s.substr(digits);
  return rest == "#" || is_json_pointer(rest);
}

bool is_regex(std::string_view s) {
  return detail::translate_ecma_regex(s).status != detail::TranslatedRegex::Status::Invalid;
}

namespace detail {
namespace {

constexpr std::array<std::pair<std::string_view, Format>, 14> kFormats = {{
    {"date-time", Format::DateTime},
    {"date", Format::Date},
    {"time", Format::Time},
    {"duration", Format::Duration},
    {"email", Format::Email},
    {"hostname", Format::Hostname},
    {"ipv4", Format::Ipv4},
    {"ipv6", Format::Ipv6},
    {"uri", Format::Uri},
    {"uri-reference", Format::UriReference},
    {"uuid", Format::Uuid},
    {"json-pointer", Format::JsonPointer},
    {"relative-json-pointer", Format::RelativeJsonPointer},
    {"regex", Format::Regex},
}};

}  // namespace

std::optional<Format> format_by_name(std::string_view name) {
  for (const auto& [n, f] : kFormats) {
    if (n == name) return f;
  }
  return std::nullopt;
}

std::string_view format_name(Format f) {
  for (const auto& [n, format] : kFormats) {
    if (format == f) return n;
  }
  return "unknown";
}

bool check_format(Format f, std::string_view s) {
  switch (f) {
    case Format::DateTime:
      return is_date_time(s);
    case Format::Date:
      return is_date(s);
    case Format::Time:
      return is_time(s);
    case Format::Duration:
      return is_duration(s);
    case Format::Email:
      return is_email(s);
    case Format::Hostname:
      return is_hostname(s);
    case Format::Ipv4:
      return is_ipv4(s);
    case Format::Ipv6:
      return is_ipv6(s);
    case Format::Uri:
      return is_uri(s);
    case Format::UriReference:
      return is_uri_reference(s);
    case Format::Uuid:
      return is_uuid(s);
    case Format::JsonPointer:
      return is_json_pointer(s);
    case Format::RelativeJsonPointer:
      return is_relative_json_pointer(s);
    case Format::Regex:
      return is_regex(s);
  }
  return true;
}

}  // namespace detail
}  // namespace accord::jsonschema
