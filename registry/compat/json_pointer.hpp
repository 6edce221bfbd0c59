// JSON Pointer (RFC 6901) and URI-fragment helpers used to name and find places in a schema.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

namespace accord::compat {

// "a/b~c" -> "a~1b~0c": a property name made safe to append to a pointer after '/'.
std::string escape_pointer_token(std::string_view token);

// "/properties/a~1b" -> {"properties", "a/b"}; nullopt when the text is not a pointer
// (does not start with '/', or has a '~' not followed by 0 or 1). "" -> {} (the whole document).
std::optional<std::vector<std::string>> split_pointer(std::string_view pointer);

// "%7Bid%7D" -> "{id}". $ref fragments are URI fragments, so pointers in them may be
// percent-encoded; malformed escapes are kept as they are.
std::string percent_decode(std::string_view text);

// The value at `token` inside an object (member) or array (decimal index); nullptr if absent.
const boost::json::value* step_into(const boost::json::value& value, std::string_view token);

}  // namespace accord::compat
