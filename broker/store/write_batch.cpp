#include "broker/store/record_codec.hpp"
#include "broker/store/store.hpp"

namespace accord::store {

const char* to_string(Durability durability) {
  switch (durability) {
    case Durability::Memory:
      return "memory";
    case Durability::Async:
      return "async";
    case Durability::Sync:
      return "sync";
  }
  return "unknown";
}

std::optional<Durability> parse_durability(std::string_view text) {
  if (text == "memory") return Durability::Memory;
  if (text == "async") return Durability::Async;
  if (text == "sync") return Durability::Sync;
  return std::nullopt;
}

// Records are encoded here, on the submitting thread, so the writer thread only copies bytes.
void WriteBatch::put_retained(const MessageRecord& message) {
  ops_.push_back({Kind::PutRetained, message.topic, message.id, detail::encode_message(message)});
}

void WriteBatch::delete_retained(std::string_view topic) {
  ops_.push_back({Kind::DeleteRetained, std::string(topic), 0, {}});
}

void WriteBatch::put_session(const SessionRecord& session) {
  ops_.push_back({Kind::PutSession, session.client_id, 0, detail::encode_session(session)});
}

void WriteBatch::delete_session(std::string_view client_id) {
  ops_.push_back({Kind::DeleteSession, std::string(client_id), 0, {}});
}

void WriteBatch::put_message(const MessageRecord& message) {
  ops_.push_back({Kind::PutMessage, {}, message.id, detail::encode_message(message)});
}

void WriteBatch::put_queue_entry(const QueueEntry& entry) {
  ops_.push_back(
      {Kind::PutQueueEntry, entry.client_id, entry.seq, detail::encode_queue_entry(entry)});
}

void WriteBatch::delete_queue_entry(std::string_view client_id, std::uint64_t seq) {
  ops_.push_back({Kind::DeleteQueueEntry, std::string(client_id), seq, {}});
}

void WriteBatch::put_inbound_qos2(std::string_view client_id, std::uint16_t packet_id) {
  ops_.push_back({Kind::PutInboundQos2, std::string(client_id), packet_id,
                  detail::encode_inbound_qos2(client_id, packet_id)});
}

void WriteBatch::delete_inbound_qos2(std::string_view client_id, std::uint16_t packet_id) {
  ops_.push_back({Kind::DeleteInboundQos2, std::string(client_id), packet_id, {}});
}

void WriteBatch::put_registry(RegistryTable table, std::string key, std::string value) {
  ops_.push_back({Kind::PutRegistry, std::move(key), static_cast<std::uint64_t>(table),
                  std::move(value)});
}

void WriteBatch::delete_registry(RegistryTable table, std::string key) {
  ops_.push_back({Kind::DeleteRegistry, std::move(key), static_cast<std::uint64_t>(table), {}});
}

void WriteBatch::append(WriteBatch&& other) {
  if (ops_.empty()) {
    ops_ = std::move(other.ops_);
  } else {
    ops_.reserve(ops_.size() + other.ops_.size());
    for (auto& op : other.ops_) ops_.push_back(std::move(op));
  }
  other.ops_.clear();
}

}  // namespace accord::store
