// .proto text -> FileDescriptorProto, for proto2 and proto3 files.
//
// Debian ships libprotobuf's tokenizer but not libprotoc's parser headers, so this is our own
// recursive-descent parser over google::protobuf::io::Tokenizer. It produces what protoc's
// parser produces: options stay uninterpreted (the DescriptorPool interprets them, custom
// options included), types stay unresolved names, map fields get their *Entry message, groups
// their nested message, proto3 `optional` its synthetic oneof. Semantic checks (duplicate
// numbers, unknown types, proto3 restrictions) are left to the DescriptorPool, which reports
// them against the positions recorded here.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace accord::protobuf_schema {

// 0-based, as io::Tokenizer counts (a tab advances the column to the next multiple of 8).
struct TextPosition {
  int line = 0;
  int column = 0;
};

// "file:line:col: message", 1-based like protoc prints it.
std::string format_error(const std::string& file_name, TextPosition at, std::string_view message);

// Where each element of a parsed file was written. The DescriptorPool reports its errors by
// element (the proto message it was building) and by full name, never by position, so we keep
// both keys to turn its errors into line:column.
class SourcePositions {
 public:
  using Location = google::protobuf::DescriptorPool::ErrorCollector::ErrorLocation;

  void record(const google::protobuf::Message* element, Location where, TextPosition at);
  void record_name(const std::string& full_name, TextPosition at);
  // The exact element and location if recorded, else that element's name, else the element
  // with that full name, else the start of the file.
  TextPosition find(const google::protobuf::Message* element, Location where,
                    const std::string& element_name) const;

 private:
  std::map<std::pair<const google::protobuf::Message*, int>, TextPosition> by_element_;
  std::map<std::string, TextPosition> by_name_;
};

struct ParsedFile {
  std::string file_name;
  google::protobuf::FileDescriptorProto proto;
  // Keyed by pointers into `proto`: keep a ParsedFile where it was built (it is handed out
  // in a unique_ptr for that reason).
  SourcePositions positions;
  std::map<std::string, TextPosition> import_positions;  // import path -> its `import` line
};

struct ProtoTextParseResult {
  std::unique_ptr<ParsedFile> file;  // null when there were errors
  std::vector<std::string> errors;   // each "file:line:col: message"
};

ProtoTextParseResult parse_proto_text(std::string_view text, const std::string& file_name);

}  // namespace accord::protobuf_schema
