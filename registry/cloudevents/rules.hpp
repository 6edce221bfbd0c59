// The spec's attribute rules, shared by the three encodings. Internal to the module.
//
// Rule names used in Violation::rule:
//   required      REQUIRED attribute missing or empty
//   specversion   specversion is not "1.0"
//   non-empty     an OPTIONAL string attribute present but empty (subject, ...)
//   URI-reference source is not an RFC 3986 URI-reference
//   URI           dataschema is not an RFC 3986 absolute URI
//   RFC2046       datacontenttype is not a media type
//   RFC3339       time is not an RFC 3339 timestamp
//   name          attribute name has characters other than a-z, 0-9
//   type          value of a type the encoding does not allow for that attribute
//   Integer       integer outside the CloudEvents Integer (signed 32-bit) range
//   exclusive     data and data_base64 both present
//   base64        data_base64 is not valid base64
//   duplicate     the same attribute given twice
//   binding       an attribute carried where the binding/format says it must not be
//   syntax        the envelope itself does not parse (JSON / protobuf)
#pragma once

#include "registry/cloudevents/cloudevents.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace accord::cloudevents::detail {

void add(std::vector<Violation>& out, std::string attribute, std::string rule,
         std::string message);

// Checks every rule that depends only on the decoded event: required attributes, specversion,
// the typed context attributes and extension names. Encodings call it after decoding, having
// already reported their own type / duplicate / syntax problems.
void check_event(const Event& event, std::vector<Violation>& out);

bool is_valid_attribute_name(std::string_view name);
bool is_uri_reference(std::string_view s);
bool is_absolute_uri(std::string_view s);
bool is_media_type(std::string_view s);
bool is_rfc3339(std::string_view s);
std::optional<std::string> decode_base64(std::string_view s);
std::string encode_base64(std::string_view bytes);

// The context attributes the core spec defines (as opposed to extensions).
bool is_core_attribute(std::string_view name);

// Stores a decoded attribute in the right Event member (extensions for unknown names).
void set_attribute(Event& event, const std::string& name, std::string value);

// Quotes a value for a message, shortening long ones so messages stay readable.
std::string shown(std::string_view value);

}  // namespace accord::cloudevents::detail
