// .proto text -> a DescriptorPool, dependencies first. libprotoc's Parser reads each file,
// references are parsed on demand (only those actually imported), well-known imports come
// from libprotobuf, and every error, the parser's, the pool's or ours, is reported as
// "file:line:col: message", 1-based like protoc prints it.
#pragma once

#include <google/protobuf/descriptor.h>

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "registry/protobuf/proto_schema.hpp"

namespace accord::protobuf_schema {

// A file as the parser produced it, with where each element was written (defined in the .cpp).
struct ParsedProtoFile;

class SchemaPoolBuilder {
 public:
  SchemaPoolBuilder(google::protobuf::DescriptorPool& pool, const std::vector<Reference>& refs);

  // Parses `text` as the file `file_name` and builds it after everything it imports. The
  // built file, or null with errors() telling why.
  const google::protobuf::FileDescriptor* build(std::string_view text,
                                                const std::string& file_name);
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  bool build_import(const std::string& path, const ParsedProtoFile& importer);

  google::protobuf::DescriptorPool& pool_;
  std::map<std::string, const Reference*> refs_by_path_;
  std::vector<std::string> import_chain_;  // files being built, outermost first (cycle check)
  std::set<std::string> failed_;           // reported once, not again for each importer
  std::vector<std::string> errors_;
};

}  // namespace accord::protobuf_schema
