// A Protobuf schema as the registry stores it: .proto text (proto2 or proto3) with the
// references it imports, parsed into descriptors of its own pool, plus what validation needs
// ready-made (a dynamic prototype of the validated message and a JSON type resolver), so that
// validating a payload allocates no schema state and any number of threads can share one.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/type_resolver.h>

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace accord::protobuf_schema {

// One file the schema imports, directly or through another reference, by the exact path
// used in its `import` statement.
struct Reference {
  std::string import_path;
  std::string schema_text;
};

// Every problem found, one per line: "schema.proto:3:7: Expected \";\"." (line and column are
// 1-based; references are named by their import path).
struct ParseError {
  std::string message;
};

class ProtoSchema {
 public:
  // Parses `text` and every reference it needs into a descriptor pool of its own. Imports of
  // google/protobuf/{timestamp,duration,any,struct,wrappers,empty,field_mask,descriptor}.proto
  // resolve without references (a reference with the same path takes precedence).
  // `message_type` names the message payloads are validated against: fully qualified
  // ("acme.Reading", a leading '.' is allowed) or, when unambiguous, simple ("Reading");
  // empty means the first message declared in the file. A file that declares no message parses
  // (it can still serve as a reference) but has no message() to validate against.
  static std::variant<std::shared_ptr<const ProtoSchema>, ParseError> parse(
      std::string_view text, const std::vector<Reference>& refs = {},
      std::string_view message_type = {});

  // Normalized text, equal for schemas that differ only in formatting, comments, the order of
  // options, imports, fields (they are sorted by number), nested declarations and messages
  // after the first (the first one is the default validated message, so it stays first). Enum
  // values keep their first value first (the proto2 default) and are otherwise sorted by
  // number. It parses back (with the same references) into the same schema.
  std::string canonical_text() const { return canonical_text_; }

  const google::protobuf::FileDescriptor* file() const { return file_; }
  // The validated message; null only when the file declares no message at all.
  const google::protobuf::Descriptor* message() const { return message_; }
  // Every message the file declares, fully qualified, nested ones included (not the entries
  // generated for map fields), in declaration order.
  std::vector<std::string> message_names() const;
  // The file's import paths, as written.
  std::vector<std::string> imports() const;

  // For validation: an empty message of message()'s type to create instances from (null
  // when there is no message), and a resolver of this pool's types for the JSON mapping.
  // Both are safe to use from many threads at once.
  const google::protobuf::Message* prototype() const { return prototype_; }
  google::protobuf::util::TypeResolver* type_resolver() const { return type_resolver_.get(); }
  // "type.googleapis.com/<message full name>", the resolver's name for message().
  const std::string& type_url() const { return type_url_; }
  // Whether message() or any message reachable from it has a proto2 required field: only
  // then does binary validation need a full decode (to find them missing).
  bool has_required_fields() const { return has_required_fields_; }

  ProtoSchema(const ProtoSchema&) = delete;
  ProtoSchema& operator=(const ProtoSchema&) = delete;
  ~ProtoSchema();

 private:
  ProtoSchema();

  // Declared first so it is destroyed last: everything below points into it.
  std::unique_ptr<google::protobuf::DescriptorPool> pool_;
  std::unique_ptr<google::protobuf::DynamicMessageFactory> factory_;
  std::unique_ptr<google::protobuf::util::TypeResolver> type_resolver_;
  const google::protobuf::FileDescriptor* file_ = nullptr;
  const google::protobuf::Descriptor* message_ = nullptr;
  const google::protobuf::Message* prototype_ = nullptr;
  std::string type_url_;
  std::string canonical_text_;
  bool has_required_fields_ = false;
};

}  // namespace accord::protobuf_schema
