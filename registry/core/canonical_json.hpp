// JSON helpers the registry needs on schemas: a canonical text (object members sorted, no
// whitespace) so that formatting never makes two equal schemas look different, and a structural
// diff between two documents as JSON-pointer addressed changes.
#pragma once

#include <boost/json/value.hpp>

#include <string>
#include <vector>

namespace accord::registry {

std::string canonical_json(const boost::json::value& value);

// RFC 6901 escaping of one reference token ('~' -> "~0", '/' -> "~1").
std::string escape_pointer_token(std::string_view token);

struct JsonChange {
  std::string op;  // "add", "remove", "replace"
  std::string path;  // JSON pointer
  boost::json::value from;  // null for "add"
  boost::json::value to;    // null for "remove"
};

// Changes that turn `from` into `to`: objects compared member by member, arrays element by
// element (an array whose length changed is one "replace" when its elements are scalars).
std::vector<JsonChange> json_diff(const boost::json::value& from, const boost::json::value& to);

}  // namespace accord::registry
