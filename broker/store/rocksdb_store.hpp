// The RocksDB implementation of Store (Durability::Async and Durability::Sync): one column family
// per kind of record, Protobuf values, one writer thread doing group commit. docs/durability.md
// describes the on-disk layout and what each durability mode promises.
//
// Threading: submit() from any thread; `done` runs on the store's writer thread, in submission
// order. recover(), purge_expired(), stats(), checkpoint() and close() block their caller and are
// meant for the start-up and control threads, never an I/O thread.
#pragma once

#include <memory>

#include "broker/store/store.hpp"

namespace accord::store {

class RocksStore final : public Store {
 public:
  // Opens or creates the database at options.path. On failure `store` is null and `status`
  // names the path and the cause in one line.
  static OpenResult open(const StoreOptions& options);

  ~RocksStore() override;
  RocksStore(const RocksStore&) = delete;
  RocksStore& operator=(const RocksStore&) = delete;

  Durability durability() const override;
  void submit(WriteBatch batch, std::function<void(const Status&)> done) override;
  Recovered recover(UnixMillis now) override;
  std::uint64_t purge_expired(UnixMillis now) override;
  RegistryRecords load_registry() override;
  Stats stats() override;
  EngineStats engine_stats() override;
  Status checkpoint(const std::string& directory) override;
  void close() override;

  struct Impl;

 private:
  explicit RocksStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace accord::store
