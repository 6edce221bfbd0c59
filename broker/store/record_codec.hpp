// Internal to accord_store: records <-> Protobuf bytes (schemas/accord/store/v1/records.proto)
// and the key encodings of each column family (docs/durability.md). Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "broker/store/store.hpp"

namespace accord::store::detail {

inline constexpr std::uint32_t kFormatVersion = 1;
inline constexpr std::string_view kMagic = "accord.store";
inline constexpr std::string_view kDatabaseInfoKey = "accord.database";
// Highest message id ever stored plus one (8-byte big-endian), so ids are never reused even
// after every body has been deleted.
inline constexpr std::string_view kNextMessageIdKey = "accord.next_message_id";

std::string encode_message(const MessageRecord& m);
bool decode_message(std::string_view bytes, MessageRecord& out);
std::string encode_session(const SessionRecord& s);
bool decode_session(std::string_view bytes, SessionRecord& out);
std::string encode_queue_entry(const QueueEntry& e);
bool decode_queue_entry(std::string_view bytes, QueueEntry& out);
std::string encode_inbound_qos2(std::string_view client_id, std::uint16_t packet_id);

struct DatabaseInfo {
  std::string magic;
  std::uint32_t format_version = 0;
  std::string created_by;
  UnixMillis created_at = 0;
};
std::string encode_database_info(const DatabaseInfo& info);
bool decode_database_info(std::string_view bytes, DatabaseInfo& out);

// Big-endian so that byte order is numeric order.
void append_u16(std::string& out, std::uint16_t v);
void append_u64(std::string& out, std::uint64_t v);
std::uint64_t read_u64(std::string_view bytes);  // first 8 bytes
std::uint16_t read_u16(std::string_view bytes);  // first 2 bytes

// 2-byte big-endian length + client id: no client's prefix is a prefix of another's (MQTT caps
// strings at 65535 bytes, so the length always fits).
std::string client_prefix(std::string_view client_id);
// An exclusive upper bound for every key starting with `prefix` followed by at most 8 bytes.
std::string client_prefix_end(std::string_view client_id);
std::string queue_key(std::string_view client_id, std::uint64_t seq);
std::string inbound_key(std::string_view client_id, std::uint16_t packet_id);
std::string message_key(std::uint64_t id);
// Splits a queue or inbound key; false when malformed.
bool split_client_key(std::string_view key, std::string_view& client_id, std::string_view& rest);

}  // namespace accord::store::detail
