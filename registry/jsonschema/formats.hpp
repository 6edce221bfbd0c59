// The `format` keyword: one pure function per format, each deciding whether a string is a valid
// instance of it (RFC 3339 dates and times, RFC 3986 URIs, RFC 1123/5891 host names, RFC 5321
// mailboxes, IP addresses, UUIDs, JSON pointers, ECMA-262 regexes, ISO 8601 durations).
#pragma once

#include <optional>
#include <string_view>

namespace accord::jsonschema {

bool is_date_time(std::string_view s);      // RFC 3339 date-time, leap second only at 23:59:60 UTC
bool is_date(std::string_view s);           // RFC 3339 full-date, calendar-checked
bool is_time(std::string_view s);           // RFC 3339 full-time (offset required)
bool is_duration(std::string_view s);       // RFC 3339 appendix A (ISO 8601) duration
bool is_email(std::string_view s);          // RFC 5321 Mailbox: dot-string or quoted local part
bool is_hostname(std::string_view s);       // RFC 1123 labels; "xn--" labels must be valid IDNA
bool is_ipv4(std::string_view s);           // dotted quad, no leading zeros
bool is_ipv6(std::string_view s);           // RFC 4291 text form, no zone id
bool is_uri(std::string_view s);            // RFC 3986 absolute URI (scheme required)
bool is_uri_reference(std::string_view s);  // RFC 3986 URI or relative reference
bool is_uuid(std::string_view s);           // 8-4-4-4-12 hex digits, any version
bool is_json_pointer(std::string_view s);   // RFC 6901
bool is_relative_json_pointer(std::string_view s);  // draft-bhutton-relative-json-pointer
bool is_regex(std::string_view s);  // ECMA-262 syntax (lookaround and backreferences included)

namespace detail {

enum class Format : unsigned char {
  DateTime,
  Date,
  Time,
  Duration,
  Email,
  Hostname,
  Ipv4,
  Ipv6,
  Uri,
  UriReference,
  Uuid,
  JsonPointer,
  RelativeJsonPointer,
  Regex,
};

// Nullopt for formats we do not check (they stay annotations, as the spec allows).
std::optional<Format> format_by_name(std::string_view name);
std::string_view format_name(Format f);
bool check_format(Format f, std::string_view s);

}  // namespace detail
}  // namespace accord::jsonschema
