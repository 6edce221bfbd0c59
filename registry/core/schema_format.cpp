#include "registry/core/schema_format.hpp"

namespace accord::registry {

const char* to_string(SchemaType type) { return type == SchemaType::Protobuf ? "PROTOBUF" : "JSON"; }

std::optional<SchemaType> parse_schema_type(std::string_view text) {
  if (text == "JSON") return SchemaType::Json;
  if (text == "PROTOBUF") return SchemaType::Protobuf;
  return std::nullopt;
}

ParseOutcome parse_schema(SchemaType type, std::string_view text,
                          const std::vector<ResolvedReference>& references,
                          std::string_view subject, const FormatOptions& options) {
  return type == SchemaType::Protobuf ? parse_protobuf_schema(text, references, subject, options)
                                      : parse_json_schema(text, references, options);
}

}  // namespace accord::registry
