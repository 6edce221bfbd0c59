#include "registry/protobuf/schema_pool_builder.hpp"

#include <algorithm>

#include "registry/protobuf/well_known_imports.hpp"

namespace accord::protobuf_schema {

namespace gp = google::protobuf;

namespace {

// Turns the pool's errors (reported by element, never by position) into line:column through
// the positions the parser recorded.
class PositionedErrors : public gp::DescriptorPool::ErrorCollector {
 public:
  PositionedErrors(const ParsedFile& file, std::vector<std::string>& errors)
      : file_(file), errors_(errors) {}

  void AddError(const std::string& filename, const std::string& element_name,
                const gp::Message* descriptor, ErrorLocation location,
                const std::string& message) override {
    errors_.push_back(
        format_error(filename, file_.positions.find(descriptor, location, element_name), message));
  }

 private:
  const ParsedFile& file_;
  std::vector<std::string>& errors_;
};

}  // namespace

SchemaPoolBuilder::SchemaPoolBuilder(gp::DescriptorPool& pool, const std::vector<Reference>& refs)
    : pool_(pool) {
  for (const Reference& ref : refs) refs_by_path_.emplace(ref.import_path, &ref);
}

const gp::FileDescriptor* SchemaPoolBuilder::build(const ParsedFile& main) {
  return build_parsed(main);
}

const gp::FileDescriptor* SchemaPoolBuilder::build_parsed(const ParsedFile& file) {
  import_chain_.push_back(file.file_name);
  bool imports_ok = true;
  for (const std::string& path : file.proto.dependency()) {
    imports_ok = build_import(path, file) && imports_ok;
  }
  import_chain_.pop_back();
  if (!imports_ok) return nullptr;
  PositionedErrors collector(file, errors_);
  return pool_.BuildFileCollectingErrors(file.proto, &collector);
}

bool SchemaPoolBuilder::build_import(const std::string& path, const ParsedFile& importer) {
  if (pool_.FindFileByName(path) != nullptr) return true;
  if (failed_.count(path) != 0) return false;
  auto at = [&] {
    auto it = importer.import_positions.find(path);
    return it == importer.import_positions.end() ? TextPosition{} : it->second;
  };
  if (std::find(import_chain_.begin(), import_chain_.end(), path) != import_chain_.end()) {
    std::string cycle;
    for (auto it = std::find(import_chain_.begin(), import_chain_.end(), path);
         it != import_chain_.end(); ++it) {
      cycle += *it + " -> ";
    }
    errors_.push_back(
        format_error(importer.file_name, at(), "Import cycle: " + cycle + path + "."));
    failed_.insert(path);
    return false;
  }

  if (auto ref = refs_by_path_.find(path); ref != refs_by_path_.end()) {
    ProtoTextParseResult parsed = parse_proto_text(ref->second->schema_text, path);
    if (!parsed.file) {
      errors_.insert(errors_.end(), parsed.errors.begin(), parsed.errors.end());
      failed_.insert(path);
      return false;
    }
    if (build_parsed(*parsed.file) == nullptr) {
      failed_.insert(path);
      return false;
    }
    return true;
  }

  if (const gp::FileDescriptorProto* well_known = well_known_import(path)) {
    // None of the well-known files imports another file, so it builds on its own.
    return pool_.BuildFile(*well_known) != nullptr;
  }

  errors_.push_back(format_error(importer.file_name, at(),
                                 "Import \"" + path +
                                     "\" was not found: it is neither a reference nor a "
                                     "well-known google/protobuf import."));
  failed_.insert(path);
  return false;
}

}  // namespace accord::protobuf_schema
