// Which JSON Schema keywords hold subschemas, and which ones never change what a schema accepts.
// One table for both drafts the checker reads (2020-12 and draft-07), so the walkers that index
// $id, compare schemas for sameness and decide "this schema accepts anything" agree.
#pragma once

#include <string_view>

namespace accord::compat {

enum class KeywordShape {
  kSchema,               // "not": {...}
  kSchemaArray,          // "anyOf": [{...}, ...]
  kSchemaMap,            // "properties": {"name": {...}}
  kSchemaOrSchemaArray,  // "items": draft-07 allows a schema or a tuple of schemas
  kSchemaOrStringArray,  // "dependencies": draft-07 mixes dependentSchemas and dependentRequired
  kValue,                // anything else: numbers, strings, enum values...
};

KeywordShape keyword_shape(std::string_view keyword);

// True for keywords that constrain documents (type, properties, $ref, anyOf...). Annotations
// (title, description, default, examples, deprecated...), identifiers ($id, $schema), definition
// containers and unknown keywords are false: they never make a schema reject a document.
bool is_constraint_keyword(std::string_view keyword);

}  // namespace accord::compat
