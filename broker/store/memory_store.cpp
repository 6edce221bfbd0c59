// Durability::Memory: nothing is written anywhere. Acknowledgements promise nothing beyond the
// broker's own memory, so `done` runs at once, inline in submit(), on the caller's thread.
#include <atomic>

#include "broker/store/rocksdb_store.hpp"
#include "broker/store/store.hpp"

namespace accord::store {
namespace {

class MemoryStore final : public Store {
 public:
  Durability durability() const override { return Durability::Memory; }
  void submit(WriteBatch, std::function<void(const Status&)> done) override {
    batches_.fetch_add(1, std::memory_order_relaxed);
    if (done) done(Status::success());
  }
  Recovered recover(UnixMillis) override { return {}; }
  std::uint64_t purge_expired(UnixMillis) override { return 0; }
  RegistryRecords load_registry() override { return {}; }
  Stats stats() override {
    Stats s;
    s.batches = batches_.load(std::memory_order_relaxed);
    return s;
  }
  Status checkpoint(const std::string& directory) override {
    return Status::failure("checkpoint to '" + directory +
                           "': the store runs with durability 'memory' and holds nothing to copy");
  }
  void close() override {}

 private:
  std::atomic<std::uint64_t> batches_{0};
};

}  // namespace

OpenResult open_store(const StoreOptions& options) {
  if (options.durability == Durability::Memory)
    return {std::make_unique<MemoryStore>(), Status::success()};
  return RocksStore::open(options);
}

}  // namespace accord::store
