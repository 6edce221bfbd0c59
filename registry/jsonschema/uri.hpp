// URI handling for `$id`, `$ref` and `$schema`: RFC 3986 resolution (Boost.URL) and the
// split into a document URI and a fragment.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace accord::jsonschema::detail {

// Base URI given to a root document that has neither an absolute `$id` nor Options::base_uri.
// Relative references resolve against it like against any hierarchical URI, and
// display_uri() strips it again, so users and Resolvers see "other.json", never this prefix.
inline constexpr std::string_view kInternalBase = "x-accord-schema:///";

// `reference` resolved against the absolute `base` and normalized (case, percent-encoding of
// unreserved characters, dot segments). Nullopt when either is not a valid URI (reference).
std::optional<std::string> resolve_uri(std::string_view base, std::string_view reference);

struct SplitUri {
  std::string_view document;  // without the fragment
  std::string_view fragment;  // after '#', still percent-encoded; empty when absent or empty
};
SplitUri split_fragment(std::string_view uri);

// Decodes %XX escapes; nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);

// The URI as users wrote it: without kInternalBase.
std::string display_uri(std::string_view uri);

// True when the reference has a scheme, i.e. is an absolute URI (possibly with fragment).
bool has_scheme(std::string_view reference);

}  // namespace accord::jsonschema::detail
