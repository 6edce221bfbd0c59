// JSON equality as JSON Schema defines it for const, enum and uniqueItems: numbers compare by
// value (1 == 1.0), objects ignore member order, everything else compares exactly.
#pragma once

#include <simdjson.h>

#include <cstddef>

namespace accord::jsonschema::detail {

bool json_equal(const simdjson::dom::element& a, const simdjson::dom::element& b);

// Consistent with json_equal (equal values hash equally), for uniqueItems on long arrays.
std::size_t json_hash(const simdjson::dom::element& value);

}  // namespace accord::jsonschema::detail
