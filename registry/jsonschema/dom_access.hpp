// Typed views of a simdjson element whose type the caller has already checked. They return by
// value: a range-for over `e.get_object().value_unsafe()` would iterate a reference into a
// temporary that is already gone.
#pragma once

#include <simdjson.h>

namespace accord::jsonschema::detail {

inline simdjson::dom::object as_object(const simdjson::dom::element& e) {
  return e.get_object().value_unsafe();
}

inline simdjson::dom::array as_array(const simdjson::dom::element& e) {
  return e.get_array().value_unsafe();
}

}  // namespace accord::jsonschema::detail
