// RFC 6901 JSON pointers: building them for error locations, and following `$ref` fragments
// into a parsed schema document.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace accord::jsonschema::detail {

// Appends "/" + token with "~" -> "~0" and "/" -> "~1".
void append_pointer_token(std::string& pointer, std::string_view token);
void append_pointer_index(std::string& pointer, std::size_t index);

// Splits "/a~1b/0" into unescaped tokens {"a/b", "0"}; "" is the empty list. Nullopt when the
// text is not a pointer (no leading "/", or "~" not followed by 0 or 1).
std::optional<std::vector<std::string>> split_pointer(std::string_view pointer);

// The pointer text for tokens, escaped: the canonical form used as a lookup key.
std::string join_pointer(std::span<const std::string> tokens);

// Follows tokens from `root`; nullopt when a member or index does not exist.
std::optional<simdjson::dom::element> follow_pointer(simdjson::dom::element root,
                                                     std::span<const std::string> tokens);

}  // namespace accord::jsonschema::detail
