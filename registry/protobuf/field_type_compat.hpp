// Which field type changes the protobuf wire format tolerates, one direction at a time: can a
// field declared with the reader's type decode a value written with the writer's type?
// The rules follow buf's WIRE category, made directional where one direction is safe and the
// other is not (see the comment on each case in the .cpp).
#pragma once

#include <google/protobuf/descriptor.h>

#include <string>

namespace accord::protobuf_schema {

enum class TypeVerdict {
  Same,          // same scalar type, or the same message / enum by full name: compare deeper
  Compatible,    // different types that decode correctly in this direction
  Incompatible,  // different types the reader would misread or reject
};

TypeVerdict compare_field_types(const google::protobuf::FieldDescriptor& reader,
                                const google::protobuf::FieldDescriptor& writer);

// "float", "enum acme.Kind", "acme.Sample", "map<string, int32>": for reasons people read.
std::string describe_type(const google::protobuf::FieldDescriptor& field);

// True when the fields, if absent from a payload, read as different values: proto2 custom
// defaults (or a proto2 enum whose first value is not 0) against the other version's default.
// Only meaningful for singular scalar and enum fields of compatible types.
bool defaults_differ(const google::protobuf::FieldDescriptor& reader,
                     const google::protobuf::FieldDescriptor& writer);

// In protobuf 3.21, an enum field is closed when its own file is proto2: numbers the enum does
// not declare are moved to the unknown fields, and the field reads as unset.
bool is_closed_enum_field(const google::protobuf::FieldDescriptor& field);

}  // namespace accord::protobuf_schema
