// The official metaschemas (schemas/jsonschema/metaschemas), compiled into the library so that
// `$schema` and `$ref`s to json-schema.org resolve without a Resolver, disk or network.
#pragma once

#include <span>
#include <string_view>

namespace accord::jsonschema::detail {

struct EmbeddedDocument {
  std::string_view uri;   // the document's $id without an empty fragment
  std::string_view text;  // the JSON text, byte for byte as vendored
};

// Defined in a source generated at build time by embed_metaschemas.cmake.
std::span<const EmbeddedDocument> embedded_metaschemas();

}  // namespace accord::jsonschema::detail
