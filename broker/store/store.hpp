// Persistence of broker state: retained messages, sessions, their queued and in-flight QoS 1/2
// messages, and inbound QoS 2 ids awaiting PUBREL. The interface is what the broker core needs;
// the RocksDB implementation (rocksdb_store.hpp) is one of its kinds.
//
// Threading: submit() may be called from any thread; batches are committed in submission
// order by the store's own writer thread (group commit: everything queued while one write runs
// goes into the next one) and `done` runs on that writer thread. recover(), stats(),
// checkpoint() are for start-up and operations, not the data path.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/codec/packets.hpp"

namespace rocksdb {
class Env;
}

namespace accord::store {

// What an acknowledgement promises (docs/durability.md says it in full).
enum class Durability : std::uint8_t {
  Memory,  // nothing on disk
  Async,   // written to the WAL, not fsynced per write: survives a process crash, not power loss
  Sync,    // acknowledged only after the WAL write holding it is fsynced
};

// "memory", "async", "sync" (the configuration spelling).
const char* to_string(Durability durability);
std::optional<Durability> parse_durability(std::string_view text);

// Wall-clock milliseconds since the Unix epoch: expiry must survive a restart, so it is stored
// as an absolute wall time, not a steady_clock value.
using UnixMillis = std::int64_t;

struct MessageRecord {
  std::uint64_t id = 0;  // unique per store; retained records may use 0
  std::string topic;
  std::string payload;
  std::string shared_properties;  // encoded MQTT 5 properties (see core::Message)
  std::uint8_t qos = 0;
  bool retain = false;
  std::optional<UnixMillis> expires_at;
  bool operator==(const MessageRecord&) const = default;
};

struct SubscriptionRecord {
  std::string filter;
  mqtt::SubscriptionOptions options;
  std::uint32_t subscription_id = 0;
  bool operator==(const SubscriptionRecord&) const = default;
};

struct SessionRecord {
  std::string client_id;
  std::uint32_t expiry_interval = 0;      // seconds; 0xFFFFFFFF never
  std::optional<UnixMillis> expires_at;   // set while the client is offline
  std::vector<SubscriptionRecord> subscriptions;
  std::optional<mqtt::Will> will;         // a will waiting for its delay
  std::optional<UnixMillis> will_due;
  bool operator==(const SessionRecord&) const = default;
};

enum class QueueState : std::uint8_t {
  Queued,           // not sent yet
  AwaitingPuback,   // QoS 1 sent with `packet_id`
  AwaitingPubrec,   // QoS 2 sent with `packet_id`
  AwaitingPubcomp,  // PUBREC received, PUBREL sent
};

// One message on its way to one session, in the session's order (`seq`).
struct QueueEntry {
  std::string client_id;
  std::uint64_t seq = 0;
  std::uint64_t message_id = 0;  // MessageRecord::id
  std::uint8_t qos = 0;
  bool retain = false;
  std::vector<std::uint32_t> subscription_ids;
  std::uint16_t packet_id = 0;
  QueueState state = QueueState::Queued;
  bool operator==(const QueueEntry&) const = default;
};

// The schema registry's tables (registry/core owns their keys and encodings; the store keeps
// them as opaque bytes in column families of their own, committed atomically with the rest).
enum class RegistryTable : std::uint8_t {
  Schemas,   // schema id -> schema record
  Versions,  // subject + version -> version record
  Settings,  // compatibility levels, modes, counters
};
inline constexpr std::size_t kRegistryTableCount = 3;

// A set of changes applied atomically. Plain values: built on any thread, handed to submit().
class WriteBatch {
 public:
  void put_retained(const MessageRecord& message);  // keyed by topic
  void delete_retained(std::string_view topic);
  void put_session(const SessionRecord& session);
  // Removes the session with its queue entries and inbound QoS 2 ids.
  void delete_session(std::string_view client_id);
  // Message bodies are stored once and shared by the queue entries that name them; bodies no
  // entry names any more are removed by the store (at recovery and by its periodic sweep).
  void put_message(const MessageRecord& message);
  void put_queue_entry(const QueueEntry& entry);
  void delete_queue_entry(std::string_view client_id, std::uint64_t seq);
  void put_inbound_qos2(std::string_view client_id, std::uint16_t packet_id);
  void delete_inbound_qos2(std::string_view client_id, std::uint16_t packet_id);
  void put_registry(RegistryTable table, std::string key, std::string value);
  void delete_registry(RegistryTable table, std::string key);

  bool empty() const { return ops_.empty(); }
  std::size_t size() const { return ops_.size(); }
  void append(WriteBatch&& other);

  enum class Kind : std::uint8_t {
    PutRetained, DeleteRetained, PutSession, DeleteSession, PutMessage, PutQueueEntry,
    DeleteQueueEntry, PutInboundQos2, DeleteInboundQos2, PutRegistry, DeleteRegistry,
  };
  struct Op {
    Kind kind;
    std::string key;    // topic, client id, ...
    std::uint64_t number = 0;  // seq, packet id, message id, RegistryTable
    std::string value;  // encoded record (Protobuf, schemas/accord/store/v1/records.proto)
  };
  const std::vector<Op>& ops() const { return ops_; }

 private:
  std::vector<Op> ops_;
};

struct Status {
  bool ok = true;
  std::string message;  // names the path and the cause when !ok
  static Status success() { return {}; }
  static Status failure(std::string m) { return {false, std::move(m)}; }
};

// Everything that survives a restart, expired records already left out (and purged).
struct Recovered {
  std::vector<MessageRecord> retained;
  std::vector<SessionRecord> sessions;
  // Grouped by client id (in key order: client id length, then bytes), seq ascending within.
  std::vector<QueueEntry> queue;
  std::vector<MessageRecord> messages;  // bodies named by `queue`
  std::vector<std::pair<std::string, std::uint16_t>> inbound_qos2;
  std::uint64_t next_message_id = 1;
  std::uint64_t purged_expired = 0;
  // Wills of the sessions purged as expired at this recovery: a session that ends publishes its
  // will, so the broker publishes these once it is serving (they are no longer on disk).
  std::vector<mqtt::Will> expired_wills;
  // Records that failed to decode: left on disk for inspection, not returned.
  std::uint64_t undecodable = 0;
  // !ok: the database could not be read in full (I/O error, checksum mismatch). What was read is
  // incomplete; the broker must refuse to start rather than serve a partial state.
  Status status;
};

// Every record of the registry's tables, in key order, for the registry to load at start-up.
struct RegistryRecords {
  using Records = std::vector<std::pair<std::string, std::string>>;
  Records tables[kRegistryTableCount];
  const Records& operator[](RegistryTable t) const { return tables[static_cast<std::size_t>(t)]; }
  Status status;  // !ok: could not be read in full; the registry must refuse to start
};

struct Stats {
  std::uint64_t retained = 0;
  std::uint64_t sessions = 0;
  std::uint64_t queue_entries = 0;
  std::uint64_t messages = 0;
  std::uint64_t inbound_qos2 = 0;
  std::uint64_t registry_schemas = 0;
  std::uint64_t registry_versions = 0;
  std::uint64_t bytes_on_disk = 0;
  // Since open: batches committed, physical writes (one per group commit, so writes <= batches
  // under load), writes that failed (each failed every batch it carried).
  std::uint64_t batches = 0;
  std::uint64_t writes = 0;
  std::uint64_t failed_writes = 0;
};

// RocksDB's own estimates, summed over the column families: cheap to read (no iteration), so
// /metrics can show them on every scrape. All zero for the memory store.
struct EngineStats {
  std::uint64_t estimate_num_keys = 0;         // rocksdb.estimate-num-keys
  std::uint64_t total_sst_bytes = 0;           // rocksdb.total-sst-files-size
  std::uint64_t live_data_bytes = 0;           // rocksdb.estimate-live-data-size
  std::uint64_t pending_compaction_bytes = 0;  // rocksdb.estimate-pending-compaction-bytes
  std::uint64_t memtable_bytes = 0;            // rocksdb.cur-size-all-mem-tables
};

class Store {
 public:
  virtual ~Store() = default;
  virtual EngineStats engine_stats() { return {}; }
  virtual Durability durability() const = 0;
  // Commits `batch` as the durability mode promises, then calls done(status). A failed write
  // (disk full, I/O error) reports !ok: the caller must not acknowledge what it carried.
  virtual void submit(WriteBatch batch, std::function<void(const Status&)> done) = 0;
  // Loads the state at start-up; records expired at `now` are purged, never returned.
  virtual Recovered recover(UnixMillis now) = 0;
  // Removes expired retained messages and sessions and unreferenced message bodies.
  virtual std::uint64_t purge_expired(UnixMillis now) = 0;
  // The registry's records (empty for Durability::Memory, which keeps nothing).
  virtual RegistryRecords load_registry() = 0;
  virtual Stats stats() = 0;
  // A consistent online copy of the database in `directory` (which must not exist).
  virtual Status checkpoint(const std::string& directory) = 0;
  // Waits for queued batches to commit and stops the writer thread.
  virtual void close() = 0;
};

struct StoreOptions {
  std::string path;  // data directory
  Durability durability = Durability::Sync;
  bool create_if_missing = true;  // an empty or absent directory becomes a new database
  // Inspection only (accordctl store inspect --data-dir): nothing is written, not even the LOCK,
  // so a database in use by a running broker or a backup can be read. Writes fail.
  bool read_only = false;
  // Test only: the rocksdb::Env (and through it the FileSystem) the database uses, e.g. one that
  // fails writes on demand. Not owned; must outlive the store. nullptr: the default Env.
  rocksdb::Env* env = nullptr;
};

// Opens (or creates) the store. Errors name the path and the cause: locked by another process,
// corrupt, unreadable, not an Accord database. Never silently starts empty over existing data.
struct OpenResult {
  std::unique_ptr<Store> store;
  Status status;
};
OpenResult open_store(const StoreOptions& options);

// Bytes of the regular files below `path` (a data directory or a checkpoint); 0 if unreadable.
std::uint64_t directory_bytes(const std::string& path);

}  // namespace accord::store
