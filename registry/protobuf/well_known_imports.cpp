#include "registry/protobuf/well_known_imports.hpp"

#include <google/protobuf/any.pb.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/empty.pb.h>
#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/wrappers.pb.h>

#include <map>
#include <string>

namespace accord::protobuf_schema {

namespace gp = google::protobuf;

namespace {

using WellKnownFiles = std::map<std::string, gp::FileDescriptorProto, std::less<>>;

// Naming each type's descriptor (rather than looking files up by name in the generated pool)
// keeps their generated code linked in even when libprotobuf is linked statically.
WellKnownFiles load_well_known_files() {
  const gp::FileDescriptor* files[] = {
      gp::Timestamp::descriptor()->file(),
      gp::Duration::descriptor()->file(),
      gp::Any::descriptor()->file(),
      gp::Struct::descriptor()->file(),
      gp::Int32Value::descriptor()->file(),
      gp::Empty::descriptor()->file(),
      gp::FieldMask::descriptor()->file(),
      // For custom options: `extend google.protobuf.FieldOptions { ... }`.
      gp::FileDescriptorProto::descriptor()->file(),
  };
  WellKnownFiles loaded;
  for (const gp::FileDescriptor* file : files) file->CopyTo(&loaded[file->name()]);
  return loaded;
}

}  // namespace

const gp::FileDescriptorProto* well_known_import(std::string_view import_path) {
  static const WellKnownFiles files = load_well_known_files();
  auto it = files.find(import_path);
  return it == files.end() ? nullptr : &it->second;
}

}  // namespace accord::protobuf_schema
