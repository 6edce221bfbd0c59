// Protobuf as a registry format: registry/protobuf parses, validates and compares.
#include <boost/json.hpp>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/util/json_util.h>

#include "registry/core/schema_format.hpp"
#include "registry/protobuf/payload_validation.hpp"
#include "registry/protobuf/proto_compat.hpp"
#include "registry/protobuf/proto_schema.hpp"

namespace accord::registry {

namespace json = boost::json;
namespace pbs = accord::protobuf_schema;

namespace {

class ProtobufFormat final : public ParsedSchema {
 public:
  ProtobufFormat(std::shared_ptr<const pbs::ProtoSchema> schema, bool reject_unknown)
      : schema_(std::move(schema)),
        unknown_(reject_unknown ? pbs::UnknownFields::Reject : pbs::UnknownFields::Accept),
        canonical_(schema_->canonical_text()) {}

  SchemaType type() const override { return SchemaType::Protobuf; }
  const std::string& canonical() const override { return canonical_; }

  compat::Incompatibilities can_read(const ParsedSchema& writer, Newer newer) const override {
    const auto* w = dynamic_cast<const ProtobufFormat*>(&writer);
    if (!w)
      return {{"", "SCHEMA_TYPE_CHANGED",
               std::string("the other version is a ") + to_string(writer.type()) +
                   " schema; a Protobuf consumer cannot read it"}};
    const auto side = newer == Newer::Reader   ? pbs::NewerSchema::Reader
                      : newer == Newer::Writer ? pbs::NewerSchema::Writer
                                               : pbs::NewerSchema::Unknown;
    return pbs::check_protobuf(*schema_, *w->schema_, side);
  }

  bool is_valid(std::string_view payload, bool binary) const override {
    return binary ? pbs::validate_binary(*schema_, payload, unknown_).empty()
                  : pbs::validate_json(*schema_, payload, pbs::UnknownFields::Reject).empty();
  }

  std::vector<PayloadError> validate(std::string_view payload, bool binary,
                                     std::size_t max_errors) const override {
    auto errors = binary ? pbs::validate_binary(*schema_, payload, unknown_)
                         : pbs::validate_json(*schema_, payload, pbs::UnknownFields::Reject);
    std::vector<PayloadError> out;
    for (auto& e : errors) {
      if (out.size() >= max_errors) break;
      out.push_back({std::move(e.path), schema_->message()->full_name(), std::move(e.message)});
    }
    return out;
  }

  // The file descriptor in the proto3 JSON mapping: fields, numbers, types and options as a
  // tree, so a diff names "/messageType/0/field/2/type" rather than a line of text.
  json::value structure() const override {
    google::protobuf::FileDescriptorProto proto;
    schema_->file()->CopyTo(&proto);
    std::string text;
    google::protobuf::util::JsonPrintOptions o;
    o.preserve_proto_field_names = false;
    if (!google::protobuf::util::MessageToJsonString(proto, &text, o).ok()) return nullptr;
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec) return nullptr;
    if (auto* obj = v.if_object()) obj->erase("name");  // the file name we made up, not a change
    return v;
  }

 private:
  std::shared_ptr<const pbs::ProtoSchema> schema_;
  // Binary payloads only: an unknown field number is how the wire format stays forward
  // compatible, so accepting it is a choice. An unknown JSON key is a typo or a rename; JSON is
  // always checked strictly.
  pbs::UnknownFields unknown_;
  std::string canonical_;
};

// The message type a subject validates with: one whose full name is the subject
// (RecordNameStrategy) or ends it after a '-' (TopicRecordNameStrategy); otherwise the first
// message of the file (Confluent's default, for TopicNameStrategy subjects like "orders-value").
std::string message_type_for(std::string_view subject, const std::vector<std::string>& names) {
  for (const auto& n : names) {
    if (subject == n) return n;
    if (subject.size() > n.size() + 1 && subject.substr(subject.size() - n.size()) == n &&
        subject[subject.size() - n.size() - 1] == '-')
      return n;
  }
  return {};
}

}  // namespace

ParseOutcome parse_protobuf_schema(std::string_view text, const std::vector<ResolvedReference>& refs,
                                   std::string_view subject, const FormatOptions& options) {
  std::vector<pbs::Reference> deps;
  for (const auto& r : refs) {
    if (r.type != SchemaType::Protobuf)
      return {nullptr, "reference '" + r.name + "' is a " + to_string(r.type) +
                           " schema; a .proto file can only import Protobuf schemas"};
    deps.push_back({r.name, r.text});
  }
  auto parsed = pbs::ProtoSchema::parse(text, deps);
  if (auto* err = std::get_if<pbs::ParseError>(&parsed)) return {nullptr, err->message};
  auto schema = std::get<std::shared_ptr<const pbs::ProtoSchema>>(std::move(parsed));
  if (const auto chosen = message_type_for(subject, schema->message_names());
      !chosen.empty() && chosen != schema->message()->full_name()) {
    auto again = pbs::ProtoSchema::parse(text, deps, chosen);
    if (auto* err = std::get_if<pbs::ParseError>(&again)) return {nullptr, err->message};
    schema = std::get<std::shared_ptr<const pbs::ProtoSchema>>(std::move(again));
  }
  return {std::make_shared<ProtobufFormat>(std::move(schema), options.protobuf_reject_unknown_fields),
          {}};
}

}  // namespace accord::registry
