#include "registry/core/registry_codec.hpp"

#include "accord/registry/v1/records.pb.h"

namespace accord::registry::codec {

namespace pb = accord::registry::v1;

namespace {
void put_be32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
}
}  // namespace

std::string schema_key(int id) {
  std::string k;
  put_be32(k, static_cast<std::uint32_t>(id));
  return k;
}

// Subjects never contain NUL (Registry refuses them), so "subject\0" groups a subject's versions.
std::string version_key(std::string_view subject, int version) {
  std::string k(subject);
  k.push_back('\0');
  put_be32(k, static_cast<std::uint32_t>(version));
  return k;
}

std::string config_key(std::string_view subject) { return std::string(kConfigPrefix) + std::string(subject); }
std::string mode_key(std::string_view subject) { return std::string(kModePrefix) + std::string(subject); }

std::string encode_schema(const StoredSchema& schema) {
  pb::SchemaRecord r;
  r.set_id(schema.id);
  r.set_type(schema.type == SchemaType::Protobuf ? pb::SCHEMA_TYPE_PROTOBUF : pb::SCHEMA_TYPE_JSON);
  r.set_text(schema.text);
  for (const auto& ref : schema.references) {
    auto* x = r.add_references();
    x->set_name(ref.name);
    x->set_subject(ref.subject);
    x->set_version(ref.version);
  }
  return r.SerializeAsString();
}

std::optional<StoredSchema> decode_schema(std::string_view bytes) {
  pb::SchemaRecord r;
  if (!r.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return std::nullopt;
  StoredSchema s;
  s.id = r.id();
  switch (r.type()) {
    case pb::SCHEMA_TYPE_JSON: s.type = SchemaType::Json; break;
    case pb::SCHEMA_TYPE_PROTOBUF: s.type = SchemaType::Protobuf; break;
    default: return std::nullopt;
  }
  s.text = r.text();
  for (const auto& x : r.references()) s.references.push_back({x.name(), x.subject(), x.version()});
  return s;
}

std::string encode_version(const VersionRecord& record) {
  pb::VersionRecord r;
  r.set_subject(record.subject);
  r.set_version(record.version);
  r.set_schema_id(record.schema_id);
  r.set_deleted(record.deleted);
  return r.SerializeAsString();
}

std::optional<VersionRecord> decode_version(std::string_view bytes) {
  pb::VersionRecord r;
  if (!r.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return std::nullopt;
  return VersionRecord{r.subject(), r.version(), r.schema_id(), r.deleted()};
}

std::string encode_setting(std::string_view value, std::int64_t number) {
  pb::SettingRecord r;
  r.set_value(std::string(value));
  r.set_number(number);
  return r.SerializeAsString();
}

std::optional<std::pair<std::string, std::int64_t>> decode_setting(std::string_view bytes) {
  pb::SettingRecord r;
  if (!r.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return std::nullopt;
  return std::make_pair(r.value(), r.number());
}

}  // namespace accord::registry::codec
