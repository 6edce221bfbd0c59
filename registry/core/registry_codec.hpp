// Keys and record encodings of the registry's tables in the store (records:
// schemas/accord/registry/v1/records.proto). Keys sort the way the registry loads them: schema
// ids and versions big-endian, a subject's versions together.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "registry/core/registry.hpp"

namespace accord::registry::codec {

std::string schema_key(int id);
std::string version_key(std::string_view subject, int version);
std::string config_key(std::string_view subject);  // subject "" = global
std::string mode_key(std::string_view subject);
inline constexpr std::string_view kNextIdKey = "next_id";
inline constexpr std::string_view kConfigPrefix = "config/";
inline constexpr std::string_view kModePrefix = "mode/";

std::string encode_schema(const StoredSchema& schema);
std::optional<StoredSchema> decode_schema(std::string_view bytes);

struct VersionRecord {
  std::string subject;
  int version = 0;
  int schema_id = 0;
  bool deleted = false;
};
std::string encode_version(const VersionRecord& record);
std::optional<VersionRecord> decode_version(std::string_view bytes);

std::string encode_setting(std::string_view value, std::int64_t number = 0);
std::optional<std::pair<std::string, std::int64_t>> decode_setting(std::string_view bytes);

}  // namespace accord::registry::codec
