// Text for validation errors: short renderings of instance values and keyword arguments.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "registry/jsonschema/numbers.hpp"

namespace accord::jsonschema::detail {

// The value as compact JSON, cut to about 60 characters ("\"abc\"", "42.5", "{...}").
std::string describe(const simdjson::dom::element& value);
std::string quote(std::string_view text);  // "text" with JSON escapes, cut like describe()
std::string type_name(const simdjson::dom::element& value);  // "string", "integer", ...
std::string type_list(std::uint8_t type_mask);               // "integer or null"
// "42.5 is a number, expected integer or null"
std::string type_mismatch(const simdjson::dom::element& value, std::uint8_t type_mask);

}  // namespace accord::jsonschema::detail
