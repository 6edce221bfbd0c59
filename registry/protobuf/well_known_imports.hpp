// The google/protobuf/*.proto files a schema may import without sending them as references,
// as Confluent's registry allows: taken from the descriptors compiled into libprotobuf, so
// they are exactly the types the JSON mapping gives special treatment.
#pragma once

#include <google/protobuf/descriptor.pb.h>

#include <string_view>

namespace accord::protobuf_schema {

// The file's descriptor, or null when `import_path` is not a well-known import. Thread-safe.
const google::protobuf::FileDescriptorProto* well_known_import(std::string_view import_path);

}  // namespace accord::protobuf_schema
