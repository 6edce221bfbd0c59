#include "registry/protobuf/schema_pool_builder.hpp"

#include <google/protobuf/compiler/parser.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "registry/protobuf/well_known_imports.hpp"

namespace accord::protobuf_schema {

namespace gp = google::protobuf;

// A parsed file and where its elements were written, kept until the file is built: the pool
// reports its errors by element (a pointer to the proto message it was building), never by
// position. Both position records are keyed by pointers into `proto` or by paths within it,
// so a ParsedProtoFile stays where it was built.
struct ParsedProtoFile {
  gp::FileDescriptorProto proto;
  // (element, which part of it) -> position, for the parts the pool names in its errors.
  gp::compiler::SourceLocationTable locations;
  // Every element's span by path, for the elements the table does not cover (oneofs,
  // reserved and extension ranges). Kept out of `proto`: the pool would otherwise keep it,
  // comments included, as long as the schema lives.
  gp::SourceCodeInfo source_code_info;
};

namespace {

// One bad file can produce an error per token ("}}}}..."): the first ones are what helps.
constexpr std::size_t kMaxParseErrorsPerFile = 50;
// Deeper than any real schema, shallow enough for the stack (see nesting_too_deep).
constexpr int kMaxNesting = 64;

struct TextPosition {
  int line = 0;  // 0-based, as the tokenizer counts (a tab advances to the next multiple of 8)
  int column = 0;
};

std::string format_error(const std::string& file_name, TextPosition at, std::string_view message) {
  return file_name + ":" + std::to_string(at.line + 1) + ":" + std::to_string(at.column + 1) +
         ": " + std::string(message);
}

class ParseErrors : public gp::io::ErrorCollector {
 public:
  explicit ParseErrors(const std::string& file_name) : file_name_(file_name) {}

  void AddError(int line, gp::io::ColumnNumber column, const std::string& message) override {
    if (errors_.size() < kMaxParseErrorsPerFile) {
      errors_.push_back(format_error(file_name_, {line, column}, message));
    }
  }
  // Style advice (naming conventions and the like) does not make a schema invalid.
  void AddWarning(int, gp::io::ColumnNumber, const std::string&) override {}

  std::vector<std::string>& errors() { return errors_; }

 private:
  const std::string& file_name_;
  std::vector<std::string> errors_;
};

class IgnoredErrors : public gp::io::ErrorCollector {
 public:
  void AddError(int, gp::io::ColumnNumber, const std::string&) override {}
};

// Schemas arrive over the REST API, and libprotoc 3.21's Parser recurses once per nested
// message with no limit, as does the pool's text-format reading of nested aggregate option
// values ("{...}" or "<...>"): thousands of levels would overflow the stack. So one tokenizer
// pass finds the first opening token beyond kMaxNesting before the parser sees the text. In a
// valid file "<" only opens a map's types, and is closed right after them.
std::optional<TextPosition> nesting_too_deep(std::string_view text) {
  gp::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
  IgnoredErrors ignored;  // the parser reports them, with the same positions
  gp::io::Tokenizer tokenizer(&input, &ignored);
  int depth = 0;
  while (tokenizer.Next()) {
    const gp::io::Tokenizer::Token& token = tokenizer.current();
    if (token.type != gp::io::Tokenizer::TYPE_SYMBOL) continue;
    if (token.text == "{" || token.text == "<") {
      if (++depth > kMaxNesting) return TextPosition{token.line, token.column};
    } else if ((token.text == "}" || token.text == ">") && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

// libprotoc 3.21 marks a proto3 extension declared `optional` as proto3_optional, which for
// an extension only records how it was written (extensions always have presence). Dropped, so
// that "optional string x = 50001;" and "string x = 50001;" in a proto3 `extend` stay the same
// schema with the same canonical text, as they always were here.
void forget_proto3_optional_on_extensions(gp::DescriptorProto& message) {
  for (gp::FieldDescriptorProto& extension : *message.mutable_extension()) {
    extension.clear_proto3_optional();
  }
  for (gp::DescriptorProto& nested : *message.mutable_nested_type()) {
    forget_proto3_optional_on_extensions(nested);
  }
}

void forget_proto3_optional_on_extensions(gp::FileDescriptorProto& file) {
  for (gp::FieldDescriptorProto& extension : *file.mutable_extension()) {
    extension.clear_proto3_optional();
  }
  for (gp::DescriptorProto& message : *file.mutable_message_type()) {
    forget_proto3_optional_on_extensions(message);
  }
}

// The file, or null with its errors appended to `errors`.
std::unique_ptr<ParsedProtoFile> parse_proto_file(std::string_view text,
                                                  const std::string& file_name,
                                                  std::vector<std::string>& errors) {
  if (std::optional<TextPosition> at = nesting_too_deep(text)) {
    errors.push_back(format_error(
        file_name, *at,
        "Blocks are nested more than " + std::to_string(kMaxNesting) + " levels deep."));
    return nullptr;
  }
  auto file = std::make_unique<ParsedProtoFile>();
  ParseErrors parse_errors(file_name);
  gp::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
  gp::io::Tokenizer tokenizer(&input, &parse_errors);
  gp::compiler::Parser parser;
  parser.RecordErrorsTo(&parse_errors);
  parser.RecordSourceLocationsTo(&file->locations);
  bool parsed = false;
  {
    // A file without a `syntax` statement is proto2, as it always was, but the parser also
    // logs a warning saying so to stderr, once per such schema. The silencer drops it (and,
    // while the file is parsed, other threads' libprotobuf log lines: its docs accept that).
    gp::LogSilencer quiet;
    parsed = parser.Parse(&tokenizer, &file->proto);
  }
  // The tokenizer's errors (a bad escape, a stray character) reach the collector without
  // making Parse() fail.
  if (!parsed || !parse_errors.errors().empty()) {
    if (parse_errors.errors().empty()) {
      parse_errors.AddError(0, 0, "The file could not be parsed.");
    }
    errors.insert(errors.end(), parse_errors.errors().begin(), parse_errors.errors().end());
    return nullptr;
  }
  file->proto.set_name(file_name);
  forget_proto3_optional_on_extensions(file->proto);
  file->source_code_info.Swap(file->proto.mutable_source_code_info());
  file->proto.clear_source_code_info();
  return file;
}

TextPosition import_position(const ParsedProtoFile& file, const std::string& path) {
  int line = 0;
  int column = 0;
  if (!file.locations.FindImport(&file.proto, path, &line, &column)) return {};
  return {line, column};
}

// Where the elements of `file` that the parser's SourceLocationTable leaves out start: by
// SourceCodeInfo, each proto message in the file being found by the path of field numbers and
// indexes that leads to it from the root; and for the entry message the parser generates for
// a map field (which the text does not spell out), the map field itself.
class ElementPositions {
 public:
  explicit ElementPositions(const ParsedProtoFile& file) {
    for (const gp::SourceCodeInfo::Location& location : file.source_code_info.location()) {
      if (location.span_size() >= 2) {
        std::vector<int> path(location.path().begin(), location.path().end());
        starts_.emplace(std::move(path), TextPosition{location.span(0), location.span(1)});
      }
    }
    std::vector<int> path;
    index_paths(file.proto, path);
    for (const gp::DescriptorProto& message : file.proto.message_type()) index_map_entries(message);
  }

  // At the element's name (field 1 of every descriptor proto that has one; a range's start),
  // else where the element starts.
  std::optional<TextPosition> find(const gp::Message* element) const {
    auto path = paths_.find(element);
    if (path == paths_.end()) return std::nullopt;
    std::vector<int> name_path = path->second;
    name_path.push_back(1);
    if (auto it = starts_.find(name_path); it != starts_.end()) return it->second;
    if (auto it = starts_.find(path->second); it != starts_.end()) return it->second;
    return std::nullopt;
  }

  // The map field whose generated entry message `element` is, or is a field of; else null.
  const gp::FieldDescriptorProto* map_field(const gp::Message* element) const {
    auto it = map_fields_.find(element);
    return it == map_fields_.end() ? nullptr : it->second;
  }

 private:
  void index_map_entries(const gp::DescriptorProto& message) {
    for (const gp::DescriptorProto& nested : message.nested_type()) {
      index_map_entries(nested);
      if (!nested.options().map_entry()) continue;
      for (const gp::FieldDescriptorProto& field : message.field()) {
        if (field.type_name() != nested.name()) continue;
        map_fields_.emplace(&nested, &field);
        for (const gp::FieldDescriptorProto& entry_field : nested.field()) {
          map_fields_.emplace(&entry_field, &field);
        }
      }
    }
  }

  void index_paths(const gp::Message& message, std::vector<int>& path) {
    paths_.emplace(&message, path);
    const gp::Reflection* reflection = message.GetReflection();
    std::vector<const gp::FieldDescriptor*> fields;
    reflection->ListFields(message, &fields);
    for (const gp::FieldDescriptor* field : fields) {
      if (field->cpp_type() != gp::FieldDescriptor::CPPTYPE_MESSAGE) continue;
      path.push_back(field->number());
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          path.push_back(i);
          index_paths(reflection->GetRepeatedMessage(message, field, i), path);
          path.pop_back();
        }
      } else {
        index_paths(reflection->GetMessage(message, field), path);
      }
      path.pop_back();
    }
  }

  std::map<std::vector<int>, TextPosition> starts_;  // the first location given for a path
  std::map<const gp::Message*, std::vector<int>> paths_;
  std::map<const gp::Message*, const gp::FieldDescriptorProto*> map_fields_;
};

// Gives the pool's errors the position of the part of the element they name (its type, its
// number, an option's value...), else of the element, else of the start of the file.
class PositionedPoolErrors : public gp::DescriptorPool::ErrorCollector {
 public:
  PositionedPoolErrors(const ParsedProtoFile& file, std::vector<std::string>& errors)
      : file_(file), errors_(errors) {}

  void AddError(const std::string& filename, const std::string& element_name,
                const gp::Message* descriptor, ErrorLocation location,
                const std::string& message) override {
    errors_.push_back(
        format_error(filename, position(element_name, descriptor, location), message));
  }

 private:
  TextPosition position(const std::string& element_name, const gp::Message* descriptor,
                        ErrorLocation location) {
    // For import errors the element name is the imported path.
    if (location == IMPORT) return import_position(file_, element_name);
    int line = 0;
    int column = 0;
    if (file_.locations.Find(descriptor, location, &line, &column)) return {line, column};
    // Built on the first error only: a valid file never pays for it.
    if (!elements_) elements_.emplace(file_);
    // A map's key or value type is wrong: point at the map's types.
    if (const gp::FieldDescriptorProto* map_field = elements_->map_field(descriptor);
        map_field != nullptr && file_.locations.Find(map_field, TYPE, &line, &column)) {
      return {line, column};
    }
    if (std::optional<TextPosition> at = elements_->find(descriptor)) return *at;
    return {};
  }

  const ParsedProtoFile& file_;
  std::vector<std::string>& errors_;
  std::optional<ElementPositions> elements_;
};

}  // namespace

SchemaPoolBuilder::SchemaPoolBuilder(gp::DescriptorPool& pool, const std::vector<Reference>& refs)
    : pool_(pool) {
  for (const Reference& ref : refs) refs_by_path_.emplace(ref.import_path, &ref);
}

const gp::FileDescriptor* SchemaPoolBuilder::build(std::string_view text,
                                                   const std::string& file_name) {
  std::unique_ptr<ParsedProtoFile> file = parse_proto_file(text, file_name, errors_);
  if (!file) return nullptr;
  import_chain_.push_back(file_name);
  bool imports_ok = true;
  for (const std::string& path : file->proto.dependency()) {
    imports_ok = build_import(path, *file) && imports_ok;
  }
  import_chain_.pop_back();
  if (!imports_ok) return nullptr;
  PositionedPoolErrors collector(*file, errors_);
  return pool_.BuildFileCollectingErrors(file->proto, &collector);
}

bool SchemaPoolBuilder::build_import(const std::string& path, const ParsedProtoFile& importer) {
  if (pool_.FindFileByName(path) != nullptr) return true;
  if (failed_.count(path) != 0) return false;
  const std::string& importer_name = importer.proto.name();
  if (std::find(import_chain_.begin(), import_chain_.end(), path) != import_chain_.end()) {
    std::string cycle;
    for (auto it = std::find(import_chain_.begin(), import_chain_.end(), path);
         it != import_chain_.end(); ++it) {
      cycle += *it + " -> ";
    }
    errors_.push_back(format_error(importer_name, import_position(importer, path),
                                   "Import cycle: " + cycle + path + "."));
    failed_.insert(path);
    return false;
  }

  if (auto ref = refs_by_path_.find(path); ref != refs_by_path_.end()) {
    if (build(ref->second->schema_text, path) == nullptr) {
      failed_.insert(path);
      return false;
    }
    return true;
  }

  if (const gp::FileDescriptorProto* well_known = well_known_import(path)) {
    // None of the well-known files imports another file, so it builds on its own.
    return pool_.BuildFile(*well_known) != nullptr;
  }

  errors_.push_back(format_error(importer_name, import_position(importer, path),
                                 "Import \"" + path +
                                     "\" was not found: it is neither a reference nor a "
                                     "well-known google/protobuf import."));
  failed_.insert(path);
  return false;
}

}  // namespace accord::protobuf_schema
