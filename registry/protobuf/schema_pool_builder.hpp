// Loads a parsed schema and everything it imports into a DescriptorPool, dependencies first:
// references are parsed on demand (only those actually imported), well-known imports come
// from libprotobuf, and every error, ours or the pool's, is reported as "file:line:col: ...".
#pragma once

#include <google/protobuf/descriptor.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "registry/protobuf/proto_schema.hpp"
#include "registry/protobuf/proto_text_parser.hpp"

namespace accord::protobuf_schema {

class SchemaPoolBuilder {
 public:
  SchemaPoolBuilder(google::protobuf::DescriptorPool& pool, const std::vector<Reference>& refs);

  // The built file, or null with errors() telling why.
  const google::protobuf::FileDescriptor* build(const ParsedFile& main);
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  const google::protobuf::FileDescriptor* build_parsed(const ParsedFile& file);
  bool build_import(const std::string& path, const ParsedFile& importer);

  google::protobuf::DescriptorPool& pool_;
  std::map<std::string, const Reference*> refs_by_path_;
  std::vector<std::string> import_chain_;  // files being built, outermost first (cycle check)
  std::set<std::string> failed_;           // reported once, not again for each importer
  std::vector<std::string> errors_;
};

}  // namespace accord::protobuf_schema
