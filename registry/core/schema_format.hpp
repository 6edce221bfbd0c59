// What the registry needs from a schema format, whatever the format: parse and normalize,
// check compatibility against another version, validate a payload, describe the structure for
// a diff. JSON Schema (json_format.cpp) and Protobuf (protobuf_format.cpp) implement it; the
// registry itself never looks inside a schema.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/compat/incompatibility.hpp"

namespace accord::registry {

enum class SchemaType : std::uint8_t { Json, Protobuf };
// Confluent's spelling: "JSON", "PROTOBUF".
const char* to_string(SchemaType type);
std::optional<SchemaType> parse_schema_type(std::string_view text);

// A dependency as the schema names it (a $ref URI, an import path), already looked up: its text
// and type. The list handed to a format holds every dependency, transitively.
struct ResolvedReference {
  std::string name;
  SchemaType type = SchemaType::Json;
  std::string text;
};

struct PayloadError {
  std::string location;          // JSON pointer (JSON) or field path (Protobuf); "" = whole payload
  std::string schema_location;   // where in the schema the failed rule is, when known
  std::string message;
};

// How payloads are checked; from the registry's configuration.
struct FormatOptions {
  bool json_format_assertion = true;         // JSON Schema `format` is checked, not only noted
  bool protobuf_reject_unknown_fields = false;
};

// Which of the two schemas of a compatibility check is the newer version. Some rules need it:
// a field missing from one side was removed (must be reserved) or was added (fine).
enum class Newer : std::uint8_t { Unknown, Reader, Writer };

// A parsed, normalized, ready-to-validate schema: immutable, shared by every thread.
class ParsedSchema {
 public:
  virtual ~ParsedSchema() = default;
  virtual SchemaType type() const = 0;
  // Normalized text: equal for schemas that differ only in formatting (identity for ids).
  virtual const std::string& canonical() const = 0;
  // Can a consumer using this schema read everything written with `writer`? Empty = yes.
  virtual compat::Incompatibilities can_read(const ParsedSchema& writer, Newer newer) const = 0;
  // Fast path: is the payload valid? `binary`: a Protobuf payload in the wire format
  // (otherwise JSON, for Protobuf through the proto3 JSON mapping); ignored by JSON Schema.
  virtual bool is_valid(std::string_view payload, bool binary = false) const = 0;
  // Every error (up to max_errors), for people and tools; `binary` as for is_valid().
  virtual std::vector<PayloadError> validate(std::string_view payload, bool binary,
                                             std::size_t max_errors) const = 0;
  // The schema's structure as JSON, for diffs between versions.
  virtual boost::json::value structure() const = 0;
};

struct ParseOutcome {
  std::shared_ptr<const ParsedSchema> schema;  // null on error
  std::string error;                           // why the schema is invalid, with its location
};

// `subject` picks the Protobuf message type to validate with (docs/registry.md: a message whose
// full name is the subject or ends it after a '-', else the first message in the file).
ParseOutcome parse_schema(SchemaType type, std::string_view text,
                          const std::vector<ResolvedReference>& references,
                          std::string_view subject, const FormatOptions& options);

// Per format (json_format.cpp, protobuf_format.cpp).
ParseOutcome parse_json_schema(std::string_view text, const std::vector<ResolvedReference>& refs,
                               const FormatOptions& options);
ParseOutcome parse_protobuf_schema(std::string_view text, const std::vector<ResolvedReference>& refs,
                                   std::string_view subject, const FormatOptions& options);

}  // namespace accord::registry
