// Checks payloads against a ProtoSchema's validated message: protobuf binary and the proto3
// JSON mapping. Pure functions of (schema, bytes): call them from any number of threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "registry/protobuf/proto_schema.hpp"

namespace accord::protobuf_schema {

// What to do with fields the schema does not declare. On the wire they are legal (a newer
// writer's fields), so binary validation accepts them by default; in JSON an unknown key is
// more often a typo, so JSON validation rejects them by default.
enum class UnknownFields { Accept, Reject };

struct PayloadError {
  // Where: field names from the validated message down, repeated elements indexed, e.g.
  // "reading.samples[2].value"; "" for the payload as a whole.
  std::string path;
  std::string message;
};

// Binary protobuf. Beyond what the protobuf parser itself rejects (truncation, bad varints,
// unbalanced groups, invalid UTF-8 in proto3 strings, nesting deeper than 100), a known field
// sent with the wrong wire type is an error (the parser would silently keep it as an unknown
// field), and so is a missing proto2 required field. With Reject, every unknown field (nested
// ones too) and every value outside a closed (proto2) enum is an error naming its number.
std::vector<PayloadError> validate_binary(const ProtoSchema& schema, std::string_view bytes,
                                          UnknownFields unknown_fields = UnknownFields::Accept);

// JSON by the proto3 JSON mapping: field names or their lowerCamelCase JSON names, enums by
// name or number, 64-bit integers as strings or numbers, well-known types in their special
// forms. Accept ignores unknown keys; Reject reports them. Missing proto2 required fields are
// errors.
std::vector<PayloadError> validate_json(const ProtoSchema& schema, std::string_view json,
                                        UnknownFields unknown_fields = UnknownFields::Reject);

}  // namespace accord::protobuf_schema
