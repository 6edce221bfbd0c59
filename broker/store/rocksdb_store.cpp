#include "broker/store/rocksdb_store.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/utilities/table_properties_collectors.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "broker/store/record_codec.hpp"

namespace accord::store {
namespace fs = std::filesystem;
using namespace detail;

namespace {

// Column families, in the order of Impl::cf_. "default" exists in every RocksDB and stays empty.
// The first kFormat1CfCount were created together by the first format; families added later
// (the registry's) are created when an older database is opened.
enum Cf : std::size_t {
  kRetained, kSessions, kQueue, kMessages, kInboundQos2, kMeta,
  kRegistrySchemas, kRegistryVersions, kRegistrySettings, kCfCount
};
constexpr std::size_t kFormat1CfCount = kMeta + 1;
constexpr const char* kCfNames[kCfCount] = {
    "retained", "sessions",         "queue",             "messages",         "inbound_qos2",
    "meta",     "registry_schemas", "registry_versions", "registry_settings"};

Cf registry_cf(std::uint64_t table) {
  return static_cast<Cf>(kRegistrySchemas + table);
}

// A group commit stops growing at this size so the first batch of a big group does not wait
// for a huge write; what is left goes into the next write.
constexpr std::size_t kMaxGroupBytes = 8u << 20;

#ifndef ACCORD_VERSION
#define ACCORD_STORE_CREATED_BY "accord"
#else
#define ACCORD_STORE_CREATED_BY "accord " ACCORD_VERSION
#endif

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

bool contains(const std::string& s, std::string_view what) {
  return s.find(what) != std::string::npos;
}

std::string prefix(const std::string& path) {
  return "store at '" + path + "': ";
}

// Maps a RocksDB open error to the cause an operator can act on.
std::string open_cause(const rocksdb::Status& s) {
  const std::string msg = one_line(s.ToString());
  if (s.IsIOError() && (contains(msg, "lock") || contains(msg, "LOCK")))
    return "locked: another process (or another store in this process) holds its LOCK file (" +
           msg + ")";
  if (contains(msg, "Permission denied")) return "unreadable: permission denied (" + msg + ")";
  if (s.IsCorruption()) return "corrupt database (" + msg + ")";
  if (s.IsIOError() && contains(msg, "No such file"))
    return "corrupt database: a file it names is missing (" + msg + ")";
  return "cannot open (" + msg + ")";
}

UnixMillis wall_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool expired(const std::optional<UnixMillis>& at, UnixMillis now) {
  return at && *at <= now;
}

// Why these settings (the workload: small records, a write-heavy churning queue, point lookups
// on retained topics and sessions, full scans only at start-up):
rocksdb::DBOptions db_options(const StoreOptions& o) {
  rocksdb::DBOptions d;
  // Flushes and compactions share two threads: the broker's I/O threads own the other cores.
  d.max_background_jobs = 2;
  // Torn WAL tail after power loss (possible in Async mode): recover the consistent prefix
  // instead of refusing to open. Every batch is one WAL record, so a batch is all or nothing.
  d.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  // Every Write reaches the OS (survives a process crash); fsync is per write only in Sync mode.
  d.manual_wal_flush = false;
  // A rarely written family (retained, sessions) would otherwise keep old WAL files alive
  // forever under queue churn; past this size its memtable is flushed and the WAL recycled.
  d.max_total_wal_size = 128u << 20;
  d.db_write_buffer_size = 128u << 20;
  // Smooth background writeback of SST files and, in Async mode, of the WAL: less data in the
  // page cache at power loss and no multi-second fsync stalls. It narrows, not bounds, the loss.
  d.bytes_per_sync = 1u << 20;
  d.wal_bytes_per_sync = 1u << 20;
  // The info LOG must not grow without bound either.
  d.max_log_file_size = 8u << 20;
  d.keep_log_file_num = 4;
  d.paranoid_checks = true;
  if (o.env) d.env = o.env;
  return d;
}

rocksdb::ColumnFamilyOptions cf_options(std::size_t cf,
                                        const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions c;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  // Point lookups (a retained topic, a session, a message body) skip SST files without the key.
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  t.cache_index_and_filter_blocks = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  t.format_version = 5;
  c.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  // Sizes the LSM levels from the last level up, which bounds space amplification (~1.1x).
  c.level_compaction_dynamic_level_bytes = true;
  auto supported = rocksdb::GetSupportedCompressions();
  if (std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) != supported.end())
    c.compression = rocksdb::kLZ4Compression;
  if (cf == kQueue || cf == kMessages || cf == kInboundQos2) {
    // Queue entries, bodies and inbound ids are written and deleted soon after: SST files that
    // are mostly tombstones get compacted early, so disk use follows live data under churn.
    c.table_properties_collector_factories.emplace_back(
        rocksdb::NewCompactOnDeletionCollectorFactory(64 * 1024, 16 * 1024, 0.5));
    c.write_buffer_size = 32u << 20;
  } else {
    c.write_buffer_size = 16u << 20;
  }
  if (cf == kMeta || cf >= kRegistrySchemas) c.write_buffer_size = 1u << 20;
  return c;
}

}  // namespace

std::uint64_t directory_bytes(const std::string& path) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(path, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code ec2;
    if (it->is_regular_file(ec2)) total += it->file_size(ec2);
  }
  return total;
}

namespace {

// RocksDB keeps the options of every column family in OPTIONS-* files next to the MANIFEST: if
// one names Accord's `meta` family, the directory was an Accord database whatever the MANIFEST
// still says.
bool options_file_names_accord(const std::string& path) {
  std::error_code ec;
  for (auto it = fs::directory_iterator(path, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    if (it->path().filename().string().rfind("OPTIONS-", 0) != 0) continue;
    std::ifstream in(it->path());
    std::string line;
    while (std::getline(in, line))
      if (line.find("[CFOptions \"meta\"]") != std::string::npos) return true;
  }
  return false;
}

// Deletions found by a scan of the database; applied on the writer thread.
struct PurgePlan {
  std::vector<std::string> retained;      // topics
  std::vector<std::string> sessions;      // client ids: record, queue and inbound ids
  std::vector<std::string> queue_keys;    // single entries (expired, body missing, orphaned)
  std::vector<std::string> inbound_keys;  // orphaned inbound ids
  std::vector<std::uint64_t> messages;    // unreferenced bodies
  std::uint64_t applied = 0;              // records removed (after filtering)
  Status status;
};

}  // namespace

struct RocksStore::Impl {
  StoreOptions options;
  std::shared_ptr<rocksdb::Cache> cache;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // all open, incl. default and unknown ones
  rocksdb::ColumnFamilyHandle* cf[kCfCount] = {};
  // How the database was opened, to open it again after a write error (reopen()).
  rocksdb::DBOptions db_opts;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  // `db` and the handles are replaced only by reopen(), on the writer thread, under a unique
  // lock; every other thread reads through them under a shared lock. The writer thread itself
  // needs no lock to use them.
  std::shared_mutex db_mu;
  std::chrono::steady_clock::time_point last_reopen{};
  rocksdb::Status reopen_status;  // why the last reopen failed

  struct Job {
    WriteBatch batch;
    std::function<void(const Status&)> done;
    PurgePlan* purge = nullptr;
    std::promise<void>* purge_done = nullptr;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> queue;
  bool stopping = false;
  bool closed = false;
  std::thread writer;

  // Held around each physical write, so a sweep can start tracking at a snapshot boundary.
  std::mutex commit_mu;
  bool tracking = false;
  std::unordered_set<std::string> touched_clients;
  std::unordered_set<std::string> touched_topics;
  std::unordered_set<std::uint64_t> touched_messages;
  std::mutex purge_mu;  // one sweep (or recovery) at a time

  std::uint64_t next_message_id = 1;  // writer thread (and open/recover before it matters)
  std::atomic<std::uint64_t> batches{0}, writes{0}, failed_writes{0};
  bool last_write_failed = false;  // writer thread

  ~Impl() { shutdown(); }

  std::string path() const { return options.path; }

  void start() {
    writer = std::thread([this] { run(); });
  }

  void shutdown() {
    {
      std::lock_guard lk(mu);
      if (closed) return;
      stopping = true;
    }
    cv.notify_all();
    if (writer.joinable()) writer.join();
    std::lock_guard lk(mu);
    closed = true;
    std::unique_lock dblk(db_mu);
    close_db();
  }

  void close_db() {
    if (!db) return;
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    handles.clear();
    for (auto*& c : cf) c = nullptr;
    db->Close();
    db.reset();
  }

  rocksdb::Status open_db() {
    rocksdb::DB* raw = nullptr;
    auto s = rocksdb::DB::Open(db_opts, path(), descriptors, &handles, &raw);
    if (!s.ok()) return s;
    db.reset(raw);
    for (std::size_t c = 0; c < kCfCount; ++c) cf[c] = handles[c + 1];
    return s;
  }

  // Writer thread, after a failed write. RocksDB keeps an instance read-only after a failed
  // WAL append (the error is fatal to it, Resume() cannot clear it), so the way back is to
  // close and open the database again: that replays the WAL up to its last complete record,
  // flushes it to SST files and starts a new WAL. Tried at most once a second; while it fails
  // (the disk is still full) every write fails and no one is acknowledged.
  void reopen() {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_reopen < std::chrono::seconds(1)) return;
    last_reopen = now;
    // A sweep or a stats/checkpoint call is reading: try again at the next write.
    std::unique_lock lk(db_mu, std::try_to_lock);
    if (!lk.owns_lock()) return;
    close_db();
    reopen_status = open_db();
    if (!reopen_status.ok()) close_db();
  }

  rocksdb::Status closed_after_error() const {
    return rocksdb::Status::IOError("the database could not be reopened after a write error",
                                    reopen_status.ToString());
  }

  void run() {
    std::vector<Job> jobs;
    for (;;) {
      {
        std::unique_lock lk(mu);
        cv.wait(lk, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;  // stopping, and everything queued is committed
        jobs.assign(std::make_move_iterator(queue.begin()), std::make_move_iterator(queue.end()));
        queue.clear();
      }
      std::size_t i = 0;
      while (i < jobs.size()) {
        if (jobs[i].purge) {
          apply_purge(*jobs[i].purge);
          jobs[i].purge_done->set_value();
          ++i;
          continue;
        }
        // Before the batch is built: it names the column families by their handles.
        if (last_write_failed) reopen();
        // Group commit: every batch queued while the previous write ran goes into this one.
        rocksdb::WriteBatch wb;
        std::uint64_t max_id = 0;
        std::size_t j = i;
        while (j < jobs.size() && !jobs[j].purge && (j == i || wb.GetDataSize() < kMaxGroupBytes)) {
          add_ops(wb, jobs[j].batch, max_id);
          ++j;
        }
        const Status st = commit(wb, jobs, i, j, max_id);
        for (std::size_t k = i; k < j; ++k)
          if (jobs[k].done) jobs[k].done(st);
        i = j;
      }
      jobs.clear();
    }
  }

  void add_ops(rocksdb::WriteBatch& wb, const WriteBatch& batch, std::uint64_t& max_id) {
    for (const auto& op : batch.ops()) {
      switch (op.kind) {
        case WriteBatch::Kind::PutRetained:
          wb.Put(cf[kRetained], op.key, op.value);
          max_id = std::max(max_id, op.number);
          break;
        case WriteBatch::Kind::DeleteRetained:
          wb.Delete(cf[kRetained], op.key);
          break;
        case WriteBatch::Kind::PutSession:
          wb.Put(cf[kSessions], op.key, op.value);
          break;
        case WriteBatch::Kind::DeleteSession: {
          wb.Delete(cf[kSessions], op.key);
          // Range tombstones: one record each, however long the queue. A later put in the same
          // batch has a higher sequence number and survives them.
          const std::string begin = client_prefix(op.key), end = client_prefix_end(op.key);
          wb.DeleteRange(cf[kQueue], begin, end);
          wb.DeleteRange(cf[kInboundQos2], begin, end);
          break;
        }
        case WriteBatch::Kind::PutMessage:
          wb.Put(cf[kMessages], message_key(op.number), op.value);
          max_id = std::max(max_id, op.number);
          break;
        case WriteBatch::Kind::PutQueueEntry:
          wb.Put(cf[kQueue], queue_key(op.key, op.number), op.value);
          break;
        case WriteBatch::Kind::DeleteQueueEntry:
          wb.Delete(cf[kQueue], queue_key(op.key, op.number));
          break;
        case WriteBatch::Kind::PutInboundQos2:
          wb.Put(cf[kInboundQos2], inbound_key(op.key, static_cast<std::uint16_t>(op.number)),
                 op.value);
          break;
        case WriteBatch::Kind::DeleteInboundQos2:
          wb.Delete(cf[kInboundQos2], inbound_key(op.key, static_cast<std::uint16_t>(op.number)));
          break;
        case WriteBatch::Kind::PutRegistry:
          wb.Put(cf[registry_cf(op.number)], op.key, op.value);
          break;
        case WriteBatch::Kind::DeleteRegistry:
          wb.Delete(cf[registry_cf(op.number)], op.key);
          break;
      }
    }
  }

  void track(const WriteBatch& batch) {
    for (const auto& op : batch.ops()) {
      switch (op.kind) {
        case WriteBatch::Kind::PutRetained:
        case WriteBatch::Kind::DeleteRetained:
          touched_topics.insert(op.key);
          break;
        case WriteBatch::Kind::PutMessage:
          touched_messages.insert(op.number);
          break;
        case WriteBatch::Kind::PutQueueEntry: {
          touched_clients.insert(op.key);
          // The entry names a body: keep that body even if the sweep saw it unreferenced.
          QueueEntry e;
          if (decode_queue_entry(op.value, e)) touched_messages.insert(e.message_id);
          break;
        }
        default:
          touched_clients.insert(op.key);
          break;
      }
    }
  }

  Status commit(rocksdb::WriteBatch& wb, std::vector<Job>& jobs, std::size_t from, std::size_t to,
                std::uint64_t max_id) {
    const bool raise_id = max_id != 0 && max_id + 1 > next_message_id;
    if (raise_id) {
      std::string v;
      append_u64(v, max_id + 1);
      wb.Put(cf[kMeta], kNextMessageIdKey, v);
    }
    if (wb.Count() == 0) {
      // Nothing to write (batches that only order acknowledgements): no WAL write, no fsync.
      batches.fetch_add(to - from, std::memory_order_relaxed);
      return Status::success();
    }
    rocksdb::WriteOptions wo;
    wo.sync = options.durability == Durability::Sync;
    rocksdb::Status s;
    {
      std::lock_guard lk(commit_mu);
      if (tracking)
        for (std::size_t k = from; k < to; ++k) track(jobs[k].batch);
      s = db ? db->Write(wo, &wb) : closed_after_error();
    }
    writes.fetch_add(1, std::memory_order_relaxed);
    if (!s.ok()) {
      last_write_failed = true;
      failed_writes.fetch_add(1, std::memory_order_relaxed);
      return Status::failure(prefix(path()) + "write failed, nothing in this batch was stored (" +
                             one_line(s.ToString()) + ")");
    }
    last_write_failed = false;
    if (raise_id) next_message_id = max_id + 1;
    batches.fetch_add(to - from, std::memory_order_relaxed);
    return Status::success();
  }

  // Runs on the writer thread, between two group commits: nothing is committed between the
  // filtering below and the write, so a record touched since the sweep's snapshot is spared.
  void apply_purge(PurgePlan& plan) {
    if (last_write_failed) reopen();
    if (!db) {
      plan.status = Status::failure(prefix(path()) + "purge not applied: " +
                                    one_line(closed_after_error().ToString()));
      std::lock_guard lk(commit_mu);
      tracking = false;
      touched_clients.clear();
      touched_topics.clear();
      touched_messages.clear();
      return;
    }
    rocksdb::WriteBatch wb;
    std::uint64_t n = 0;
    std::lock_guard lk(commit_mu);
    for (const auto& topic : plan.retained)
      if (!touched_topics.count(topic)) wb.Delete(cf[kRetained], topic), ++n;
    for (const auto& client : plan.sessions) {
      if (touched_clients.count(client)) continue;
      wb.Delete(cf[kSessions], client);
      wb.DeleteRange(cf[kQueue], client_prefix(client), client_prefix_end(client));
      wb.DeleteRange(cf[kInboundQos2], client_prefix(client), client_prefix_end(client));
      ++n;
    }
    auto client_of = [](const std::string& key) {
      std::string_view client, rest;
      split_client_key(key, client, rest);
      return std::string(client);
    };
    for (const auto& key : plan.queue_keys)
      if (!touched_clients.count(client_of(key))) wb.Delete(cf[kQueue], key), ++n;
    for (const auto& key : plan.inbound_keys)
      if (!touched_clients.count(client_of(key))) wb.Delete(cf[kInboundQos2], key), ++n;
    for (auto id : plan.messages)
      if (!touched_messages.count(id)) wb.Delete(cf[kMessages], message_key(id)), ++n;
    tracking = false;
    touched_clients.clear();
    touched_topics.clear();
    touched_messages.clear();
    if (n == 0) return;
    rocksdb::WriteOptions wo;
    wo.sync = options.durability == Durability::Sync;
    auto s = db->Write(wo, &wb);
    writes.fetch_add(1, std::memory_order_relaxed);
    if (!s.ok()) {
      last_write_failed = true;
      failed_writes.fetch_add(1, std::memory_order_relaxed);
      plan.status =
          Status::failure(prefix(path()) + "purge write failed (" + one_line(s.ToString()) + ")");
      return;
    }
    last_write_failed = false;
    plan.applied = n;
  }

  rocksdb::ReadOptions scan_options(const rocksdb::Snapshot* snap) const {
    rocksdb::ReadOptions ro;
    ro.snapshot = snap;
    ro.fill_cache = false;  // a full scan would only evict the working set
    ro.readahead_size = 2u << 20;
    ro.verify_checksums = true;
    return ro;
  }

  static Status iter_status(const std::string& path, const char* cf_name, rocksdb::Iterator& it) {
    if (it.status().ok()) return Status::success();
    return Status::failure(prefix(path) + "cannot read column family '" + cf_name + "' (" +
                           one_line(it.status().ToString()) + ")");
  }

  // Retained messages: expired ones go into the plan, the rest into `out` (if given).
  Status scan_retained(const rocksdb::Snapshot* snap, UnixMillis now,
                       std::vector<MessageRecord>* out, std::vector<std::string>& purge,
                       std::uint64_t& undecodable, std::uint64_t& max_id) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(scan_options(snap), cf[kRetained]));
    MessageRecord m;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (!decode_message(std::string_view(it->value().data(), it->value().size()), m)) {
        ++undecodable;
        continue;
      }
      max_id = std::max(max_id, m.id);
      if (expired(m.expires_at, now)) {
        purge.push_back(it->key().ToString());
      } else if (out) {
        out->push_back(std::move(m));
        m = MessageRecord{};
      }
    }
    return iter_status(path(), "retained", *it);
  }

  // Everything but retained messages, which scan_retained does (in parallel at recovery).
  Status scan_rest(const rocksdb::Snapshot* snap, UnixMillis now, Recovered* out, PurgePlan& plan,
                   std::uint64_t& undecodable, std::uint64_t& purged_expired,
                   std::uint64_t& max_id) {
    // Sessions. Expired ones are purged with their queue and inbound ids.
    std::unordered_set<std::string> live, dead;
    {
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(scan_options(snap), cf[kSessions]));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        SessionRecord s;
        if (!decode_session(std::string_view(it->value().data(), it->value().size()), s)) {
          ++undecodable;
          live.insert(it->key().ToString());  // keep what belongs to it, too
          continue;
        }
        if (expired(s.expires_at, now)) {
          dead.insert(it->key().ToString());
          plan.sessions.push_back(it->key().ToString());
          ++purged_expired;
          if (out && s.will) out->expired_wills.push_back(std::move(*s.will));
        } else {
          live.insert(it->key().ToString());
          if (out) out->sessions.push_back(std::move(s));
        }
      }
      if (auto st = iter_status(path(), "sessions", *it); !st.ok) return st;
    }
    // Message bodies, in id order. Recovery keeps the records; the sweep only needs expiry.
    struct Body {
      bool expired = false;
      bool referenced = false;
      std::size_t index = 0;  // into `bodies` (recovery only)
    };
    std::unordered_map<std::uint64_t, Body> body_of;
    std::vector<MessageRecord> bodies;
    {
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(scan_options(snap), cf[kMessages]));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        if (it->key().size() != 8) {
          ++undecodable;
          continue;
        }
        const std::uint64_t id = read_u64(std::string_view(it->key().data(), 8));
        max_id = std::max(max_id, id);
        MessageRecord m;
        if (!decode_message(std::string_view(it->value().data(), it->value().size()), m)) {
          ++undecodable;
          continue;
        }
        Body b{expired(m.expires_at, now), false, bodies.size()};
        if (out) bodies.push_back(std::move(m));
        body_of.emplace(id, b);
      }
      if (auto st = iter_status(path(), "messages", *it); !st.ok) return st;
    }
    // Queue entries.
    {
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(scan_options(snap), cf[kQueue]));
      std::string current;  // client id of the previous key, to look the session up once
      bool current_live = false, current_dead = false;
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        std::string_view key(it->key().data(), it->key().size()), client, rest;
        if (!split_client_key(key, client, rest) || rest.size() != 8) {
          ++undecodable;
          continue;
        }
        if (client != current) {
          current.assign(client);
          current_dead = dead.count(current) != 0;
          current_live = !current_dead && live.count(current) != 0;
        }
        if (current_dead) continue;  // goes with its session's range deletion
        if (!current_live) {         // no session: nobody can ever receive it
          plan.queue_keys.emplace_back(key);
          continue;
        }
        QueueEntry e;
        if (!decode_queue_entry(std::string_view(it->value().data(), it->value().size()), e)) {
          ++undecodable;
          continue;
        }
        auto b = body_of.find(e.message_id);
        // After PUBREC only the packet id matters; before it the body must be there.
        const bool needs_body = e.state != QueueState::AwaitingPubcomp;
        if (needs_body && b == body_of.end()) {
          plan.queue_keys.emplace_back(key);
          continue;
        }
        // An expired message that was never sent is dropped (MQTT 5 3.3.2.3.3); one in flight
        // completes its handshake.
        if (b != body_of.end() && b->second.expired && e.state == QueueState::Queued) {
          plan.queue_keys.emplace_back(key);
          ++purged_expired;
          continue;
        }
        if (b != body_of.end()) b->second.referenced = true;
        if (out) out->queue.push_back(std::move(e));
      }
      if (auto st = iter_status(path(), "queue", *it); !st.ok) return st;
    }
    std::vector<std::uint64_t> kept;
    for (const auto& [id, b] : body_of) {
      if (!b.referenced)
        plan.messages.push_back(id);
      else if (out)
        kept.push_back(id);
    }
    if (out) {
      std::sort(kept.begin(), kept.end());
      out->messages.reserve(kept.size());
      for (auto id : kept) out->messages.push_back(std::move(bodies[body_of[id].index]));
    }
    // Inbound QoS 2 ids.
    {
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(scan_options(snap), cf[kInboundQos2]));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        std::string_view key(it->key().data(), it->key().size()), client, rest;
        if (!split_client_key(key, client, rest) || rest.size() != 2) {
          ++undecodable;
          continue;
        }
        const std::string c(client);
        if (dead.count(c)) continue;
        if (!live.count(c)) {
          plan.inbound_keys.emplace_back(key);
          continue;
        }
        if (out) out->inbound_qos2.emplace_back(c, read_u16(rest));
      }
      if (auto st = iter_status(path(), "inbound_qos2", *it); !st.ok) return st;
    }
    return Status::success();
  }

  // Shared by recover() and purge_expired(): scan a snapshot, then have the writer thread apply
  // the deletions minus whatever was written since the snapshot.
  std::uint64_t sweep(UnixMillis now, Recovered* out) {
    std::lock_guard purge_lock(purge_mu);
    {
      std::lock_guard lk(mu);
      if (stopping) {
        if (out) out->status = Status::failure(prefix(path()) + "store is closed");
        return 0;
      }
    }
    std::shared_lock dblk(db_mu);
    if (!db) {
      if (out) out->status = Status::failure(prefix(path()) + "unavailable since a write error");
      return 0;
    }
    const rocksdb::Snapshot* snap;
    {
      std::lock_guard lk(commit_mu);
      tracking = true;
      snap = db->GetSnapshot();
    }
    PurgePlan plan;
    std::uint64_t undecodable = 0, purged_expired = 0, max_id = 0, retained_max_id = 0,
                  retained_undecodable = 0;
    // Retained messages are the bulk at start-up (1M+): scanned on a second thread.
    std::vector<MessageRecord> retained;
    if (out) {
      std::uint64_t estimate = 0;
      db->GetIntProperty(cf[kRetained], "rocksdb.estimate-num-keys", &estimate);
      retained.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(estimate, 50'000'000)));
    }
    auto retained_scan = std::async(std::launch::async, [&] {
      return scan_retained(snap, now, out ? &retained : nullptr, plan.retained,
                           retained_undecodable, retained_max_id);
    });
    Status st = scan_rest(snap, now, out, plan, undecodable, purged_expired, max_id);
    Status rst = retained_scan.get();
    db->ReleaseSnapshot(snap);
    dblk.unlock();  // the writer thread applies the plan (and may reopen meanwhile)
    undecodable += retained_undecodable;
    purged_expired += plan.retained.size();
    max_id = std::max(max_id, retained_max_id);
    if (st.ok) st = rst;
    if (!st.ok) {
      // Incomplete picture: delete nothing.
      plan = PurgePlan{};
      plan.status = st;
    }
    std::promise<void> applied;
    {
      std::lock_guard lk(mu);
      if (stopping) {
        std::lock_guard clk(commit_mu);
        tracking = false;
        if (out) out->status = Status::failure(prefix(path()) + "closed");
        return 0;
      }
      Job job;
      job.purge = &plan;
      job.purge_done = &applied;
      queue.push_back(std::move(job));
    }
    cv.notify_one();
    applied.get_future().wait();
    if (out) {
      out->retained = std::move(retained);
      out->undecodable = undecodable;
      out->purged_expired = plan.applied;
      // Unreferenced bodies are also removed but are not "expired"; count what was purged.
      (void)purged_expired;
      out->status = st.ok ? plan.status : st;
      std::uint64_t meta_next = 0;
      std::string v;
      dblk.lock();
      if (db && db->Get(rocksdb::ReadOptions(), cf[kMeta], kNextMessageIdKey, &v).ok() &&
          v.size() == 8)
        meta_next = read_u64(v);
      dblk.unlock();
      out->next_message_id = std::max({meta_next, max_id + 1, std::uint64_t{1}});
    }
    return plan.applied;
  }

  std::uint64_t count(std::size_t c) {  // db_mu held shared
    if (!db) return 0;
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf[c]));
    std::uint64_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    return n;
  }
};

RocksStore::RocksStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RocksStore::~RocksStore() = default;

Durability RocksStore::durability() const {
  return impl_->options.durability;
}

void RocksStore::submit(WriteBatch batch, std::function<void(const Status&)> done) {
  {
    std::lock_guard lk(impl_->mu);
    if (!impl_->stopping) {
      impl_->queue.push_back({std::move(batch), std::move(done), nullptr, nullptr});
      impl_->cv.notify_one();
      return;
    }
  }
  if (done) done(Status::failure(prefix(impl_->path()) + "store is closed, nothing was stored"));
}

Recovered RocksStore::recover(UnixMillis now) {
  Recovered r;
  impl_->sweep(now, &r);
  return r;
}

std::uint64_t RocksStore::purge_expired(UnixMillis now) {
  return impl_->sweep(now, nullptr);
}

RegistryRecords RocksStore::load_registry() {
  RegistryRecords out;
  std::shared_lock dblk(impl_->db_mu);
  if (!impl_->db) {
    out.status = Status::failure(prefix(impl_->path()) + "database is not open");
    return out;
  }
  for (std::size_t t = 0; t < kRegistryTableCount; ++t) {
    const Cf c = registry_cf(t);
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf[c]));
    for (it->SeekToFirst(); it->Valid(); it->Next())
      out.tables[t].emplace_back(it->key().ToString(), it->value().ToString());
    if (auto st = Impl::iter_status(impl_->path(), kCfNames[c], *it); !st.ok) {
      out.status = st;
      return out;
    }
  }
  return out;
}

Stats RocksStore::stats() {
  Stats s;
  {
    std::lock_guard lk(impl_->mu);
    if (impl_->stopping) return s;
  }
  std::shared_lock dblk(impl_->db_mu);
  s.retained = impl_->count(kRetained);
  s.sessions = impl_->count(kSessions);
  s.queue_entries = impl_->count(kQueue);
  s.messages = impl_->count(kMessages);
  s.inbound_qos2 = impl_->count(kInboundQos2);
  s.registry_schemas = impl_->count(kRegistrySchemas);
  s.registry_versions = impl_->count(kRegistryVersions);
  s.bytes_on_disk = directory_bytes(impl_->path());
  s.batches = impl_->batches.load();
  s.writes = impl_->writes.load();
  s.failed_writes = impl_->failed_writes.load();
  return s;
}

EngineStats RocksStore::engine_stats() {
  EngineStats s;
  {
    std::lock_guard lk(impl_->mu);
    if (impl_->stopping) return s;
  }
  std::shared_lock dblk(impl_->db_mu);
  if (!impl_->db) return s;
  auto add = [&](rocksdb::ColumnFamilyHandle* h, const std::string& name, std::uint64_t& out) {
    std::uint64_t v = 0;
    if (impl_->db->GetIntProperty(h, name, &v)) out += v;
  };
  for (auto* h : impl_->handles) {
    add(h, rocksdb::DB::Properties::kEstimateNumKeys, s.estimate_num_keys);
    add(h, rocksdb::DB::Properties::kTotalSstFilesSize, s.total_sst_bytes);
    add(h, rocksdb::DB::Properties::kEstimateLiveDataSize, s.live_data_bytes);
    add(h, rocksdb::DB::Properties::kEstimatePendingCompactionBytes, s.pending_compaction_bytes);
    add(h, rocksdb::DB::Properties::kCurSizeAllMemTables, s.memtable_bytes);
  }
  return s;
}

Status RocksStore::checkpoint(const std::string& directory) {
  {
    std::lock_guard lk(impl_->mu);
    if (impl_->stopping)
      return Status::failure("checkpoint of store at '" + impl_->path() + "': store is closed");
  }
  std::shared_lock dblk(impl_->db_mu);
  if (!impl_->db)
    return Status::failure("checkpoint of store at '" + impl_->path() +
                           "': unavailable since a write error");
  rocksdb::Checkpoint* raw = nullptr;
  auto s = rocksdb::Checkpoint::Create(impl_->db.get(), &raw);
  std::unique_ptr<rocksdb::Checkpoint> cp(raw);
  // log_size_for_flush 0: memtables are flushed first, so the copy is SST files only.
  if (s.ok()) s = cp->CreateCheckpoint(directory, 0);
  if (!s.ok())
    return Status::failure("checkpoint of store at '" + impl_->path() + "' into '" + directory +
                           "' failed (" + one_line(s.ToString()) + ")");
  return Status::success();
}

void RocksStore::close() {
  impl_->shutdown();
}

OpenResult RocksStore::open(const StoreOptions& options) {
  const std::string& path = options.path;
  auto fail = [&](std::string cause) {
    return OpenResult{nullptr, Status::failure(prefix(path) + cause)};
  };
  if (path.empty()) return fail("no data directory configured");

  // Look before RocksDB does: it would happily create a database in a directory full of
  // someone else's files, or one whose CURRENT was lost.
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) return fail("unreadable: " + ec.message());
  bool fresh = true;
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) return fail("unreadable: not a directory");
    fs::directory_iterator it(path, ec);
    if (ec) return fail("unreadable: cannot list the directory (" + ec.message() + ")");
    bool has_current = false, has_manifest = false;
    std::string example;
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) return fail("unreadable: cannot list the directory (" + ec.message() + ")");
      const std::string name = it->path().filename().string();
      fresh = false;
      if (name == "CURRENT") has_current = true;
      if (name.rfind("MANIFEST-", 0) == 0) has_manifest = true;
      if (example.empty() || name < example) example = name;
    }
    if (!fresh && !has_current) {
      if (has_manifest)
        return fail("corrupt database: CURRENT is missing but MANIFEST files are present");
      return fail(
          "not an Accord database: the directory is not empty and holds no database (e.g. '" +
          example + "')");
    }
  }
  if (fresh && (!options.create_if_missing || options.read_only))
    return fail("no database here");

  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->cache = rocksdb::NewLRUCache(64u << 20);
  rocksdb::DBOptions dbo = db_options(options);

  std::vector<std::string> existing;
  if (!fresh) {
    auto s = rocksdb::DB::ListColumnFamilies(dbo, path, &existing);
    if (!s.ok()) return fail(open_cause(s));
    std::string names;
    std::size_t ours = 0;
    for (const auto& n : existing) {
      names += (names.empty() ? "" : ", ") + n;
      for (std::size_t c = 0; c < kFormat1CfCount; ++c) ours += n == kCfNames[c];
    }
    // Format 1 creates all its families at once: some but not all means a damaged MANIFEST
    // (RocksDB reads a truncated one up to the damage without complaint).
    if (ours != 0 && ours != kFormat1CfCount)
      return fail(
          "corrupt database: the MANIFEST lists only some of Accord's column families (has: " +
          names + ")");
    if (ours == 0) {
      if (options_file_names_accord(path))
        return fail(
            "corrupt database: its OPTIONS file shows Accord's column families but the MANIFEST "
            "lists none (has: " +
            names + ")");
      return fail(
          "not an Accord database: a RocksDB database without Accord's column families (has: " +
          names + ")");
    }
  }
  // Every existing family must be opened; ours are created when missing (a fresh database, or
  // one written by a build that had fewer).
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (std::size_t c = 0; c < kCfCount; ++c)
    descriptors.emplace_back(kCfNames[c], cf_options(c, impl->cache));
  for (const auto& n : existing) {
    bool known = n == rocksdb::kDefaultColumnFamilyName;
    for (auto* k : kCfNames) known = known || n == k;
    if (!known) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
  }
  dbo.create_if_missing = fresh;
  dbo.create_missing_column_families = true;
  dbo.error_if_exists = false;
  if (fresh) {
    fs::create_directories(path, ec);
    if (ec) return fail("unreadable: cannot create the directory (" + ec.message() + ")");
  }
  impl->db_opts = dbo;
  impl->db_opts.create_if_missing = false;  // a reopen must find the database it left
  impl->descriptors = descriptors;
  rocksdb::DB* raw = nullptr;
  auto s = options.read_only
               ? rocksdb::DB::OpenForReadOnly(dbo, path, descriptors, &impl->handles, &raw)
               : rocksdb::DB::Open(dbo, path, descriptors, &impl->handles, &raw);
  if (!s.ok()) return fail(open_cause(s));
  impl->db.reset(raw);
  for (std::size_t c = 0; c < kCfCount; ++c) impl->cf[c] = impl->handles[c + 1];

  // The format marker.
  std::string value;
  s = impl->db->Get(rocksdb::ReadOptions(), impl->cf[kMeta], kDatabaseInfoKey, &value);
  if (s.ok()) {
    DatabaseInfo info;
    if (!decode_database_info(value, info) || info.magic != kMagic)
      return fail(
          "not an Accord database: the format marker in column family 'meta' is not Accord's");
    if (info.format_version > kFormatVersion)
      return fail("written by a newer Accord (store format " + std::to_string(info.format_version) +
                  ", created by '" + info.created_by + "'); this build reads formats up to " +
                  std::to_string(kFormatVersion));
  } else if (s.IsNotFound() && options.read_only) {
    return fail("not an Accord database: no format marker in column family 'meta'");
  } else if (s.IsNotFound()) {
    // No marker: a database we just created, or one whose creation stopped before the marker
    // was written. Both are empty; anything with data in it is refused.
    for (auto* h : impl->handles) {
      std::unique_ptr<rocksdb::Iterator> it(impl->db->NewIterator(rocksdb::ReadOptions(), h));
      it->SeekToFirst();
      if (it->Valid() || !it->status().ok())
        return fail(
            "not an Accord database: it holds data but no Accord format marker (column family '" +
            h->GetName() + "')");
    }
    DatabaseInfo info{std::string(kMagic), kFormatVersion, ACCORD_STORE_CREATED_BY, wall_now()};
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = impl->db->Put(wo, impl->cf[kMeta], kDatabaseInfoKey, encode_database_info(info));
    if (!s.ok()) return fail("cannot write the format marker (" + one_line(s.ToString()) + ")");
  } else {
    return fail(open_cause(s));
  }

  value.clear();
  if (impl->db->Get(rocksdb::ReadOptions(), impl->cf[kMeta], kNextMessageIdKey, &value).ok() &&
      value.size() == 8)
    impl->next_message_id = read_u64(value);

  impl->start();
  return {std::unique_ptr<RocksStore>(new RocksStore(std::move(impl))), Status::success()};
}

}  // namespace accord::store
