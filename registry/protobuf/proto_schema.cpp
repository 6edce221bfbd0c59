#include "registry/protobuf/proto_schema.hpp"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/util/type_resolver_util.h>

#include <algorithm>
#include <functional>
#include <set>

#include "registry/protobuf/canonical_text.hpp"
#include "registry/protobuf/schema_pool_builder.hpp"

namespace accord::protobuf_schema {

namespace gp = google::protobuf;

namespace {

constexpr const char* kTypeUrlPrefix = "type.googleapis.com";

std::string join_lines(const std::vector<std::string>& lines) {
  std::string joined;
  for (const std::string& line : lines) {
    if (!joined.empty()) joined += '\n';
    joined += line;
  }
  return joined;
}

// The main file needs a name no reference uses, or imports of that path would find it.
std::string main_file_name(const std::vector<Reference>& refs) {
  std::string name = "schema.proto";
  auto taken = [&](const std::string& candidate) {
    return std::any_of(refs.begin(), refs.end(),
                       [&](const Reference& ref) { return ref.import_path == candidate; });
  };
  while (taken(name)) name = "_" + name;
  return name;
}

void for_each_message(const gp::FileDescriptor& file,
                      const std::function<void(const gp::Descriptor&)>& visit) {
  std::function<void(const gp::Descriptor&)> walk = [&](const gp::Descriptor& message) {
    if (message.options().map_entry()) return;  // generated for a map field, not declared
    visit(message);
    for (int i = 0; i < message.nested_type_count(); ++i) walk(*message.nested_type(i));
  };
  for (int i = 0; i < file.message_type_count(); ++i) walk(*file.message_type(i));
}

// `wanted` fully qualified (leading '.' allowed) or, when only one message has that simple
// name, simple. Messages of imported files are not candidates: the schema validates its own.
std::variant<const gp::Descriptor*, std::string> find_validated_message(
    const gp::FileDescriptor& file, std::string_view wanted) {
  if (wanted.empty()) {
    if (file.message_type_count() == 0) return static_cast<const gp::Descriptor*>(nullptr);
    return file.message_type(0);
  }
  if (wanted.front() == '.') wanted.remove_prefix(1);
  std::vector<const gp::Descriptor*> by_simple_name;
  const gp::Descriptor* by_full_name = nullptr;
  std::vector<std::string> declared;
  for_each_message(file, [&](const gp::Descriptor& message) {
    declared.push_back(message.full_name());
    if (message.full_name() == wanted) by_full_name = &message;
    if (message.name() == wanted) by_simple_name.push_back(&message);
  });
  if (by_full_name != nullptr) return by_full_name;
  if (by_simple_name.size() == 1) return by_simple_name.front();
  std::string names;
  for (const std::string& name : declared) names += (names.empty() ? "" : ", ") + name;
  if (by_simple_name.size() > 1) {
    return "message type \"" + std::string(wanted) +
           "\" is ambiguous; name it fully (declared: " + names + ")";
  }
  return "message type \"" + std::string(wanted) +
         "\" is not declared in the schema (declared: " + (names.empty() ? "none" : names) + ")";
}

bool reaches_required_field(const gp::Descriptor& root) {
  std::set<const gp::Descriptor*> seen{&root};
  std::vector<const gp::Descriptor*> pending{&root};
  while (!pending.empty()) {
    const gp::Descriptor* message = pending.back();
    pending.pop_back();
    for (int i = 0; i < message->field_count(); ++i) {
      const gp::FieldDescriptor* field = message->field(i);
      if (field->is_required()) return true;
      if (field->message_type() != nullptr && seen.insert(field->message_type()).second) {
        pending.push_back(field->message_type());
      }
    }
  }
  return false;
}

}  // namespace

ProtoSchema::ProtoSchema() = default;
ProtoSchema::~ProtoSchema() = default;

std::variant<std::shared_ptr<const ProtoSchema>, ParseError> ProtoSchema::parse(
    std::string_view text, const std::vector<Reference>& refs, std::string_view message_type) {
  std::shared_ptr<ProtoSchema> schema(new ProtoSchema());
  schema->pool_ = std::make_unique<gp::DescriptorPool>();
  SchemaPoolBuilder builder(*schema->pool_, refs);
  schema->file_ = builder.build(text, main_file_name(refs));
  if (schema->file_ == nullptr) return ParseError{join_lines(builder.errors())};

  auto found = find_validated_message(*schema->file_, message_type);
  if (auto* error = std::get_if<std::string>(&found)) return ParseError{*error};
  schema->message_ = std::get<const gp::Descriptor*>(found);

  schema->factory_ = std::make_unique<gp::DynamicMessageFactory>(schema->pool_.get());
  if (schema->message_ != nullptr) {
    // Built now, once: GetPrototype locks the factory, prototype->New() does not.
    schema->prototype_ = schema->factory_->GetPrototype(schema->message_);
    schema->type_url_ = std::string(kTypeUrlPrefix) + "/" + schema->message_->full_name();
    schema->has_required_fields_ = reaches_required_field(*schema->message_);
  }
  schema->type_resolver_.reset(
      gp::util::NewTypeResolverForDescriptorPool(kTypeUrlPrefix, schema->pool_.get()));
  schema->canonical_text_ = canonical_proto_text(*schema->file_);
  return std::shared_ptr<const ProtoSchema>(std::move(schema));
}

std::vector<std::string> ProtoSchema::message_names() const {
  std::vector<std::string> names;
  for_each_message(*file_,
                   [&](const gp::Descriptor& message) { names.push_back(message.full_name()); });
  return names;
}

std::vector<std::string> ProtoSchema::imports() const {
  std::vector<std::string> paths;
  for (int i = 0; i < file_->dependency_count(); ++i) paths.push_back(file_->dependency(i)->name());
  return paths;
}

}  // namespace accord::protobuf_schema
