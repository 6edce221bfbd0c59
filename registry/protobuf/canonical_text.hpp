// The registry gives identical schemas one id, so it compares normalized text: the file is
// rebuilt with every order that carries no meaning sorted, then printed by libprotobuf's own
// .proto printer (which drops comments and formatting and prints options in a fixed order).
#pragma once

#include <google/protobuf/descriptor.h>

#include <string>

namespace accord::protobuf_schema {

// Normalized .proto text of `file`. What is sorted and what is kept: see
// ProtoSchema::canonical_text().
std::string canonical_proto_text(const google::protobuf::FileDescriptor& file);

}  // namespace accord::protobuf_schema
