// A write error while running (a full disk, simulated) reaches every `done` of the failed write,
// and nothing it carried is there after a restart.
#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>

#include "store_test_util.hpp"

namespace accord::store::test {
namespace {

// Fails every write to every file once `full` is set, as a full disk would.
class FullDiskFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit FullDiskFileSystem(std::shared_ptr<rocksdb::FileSystem> target)
      : rocksdb::FileSystemWrapper(std::move(target)) {}
  const char* Name() const override { return "FullDiskFileSystem"; }

  std::atomic<bool> full{false};

  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> f, const std::atomic<bool>& full)
        : FSWritableFileOwnerWrapper(std::move(f)), full_(full) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      if (full_) return rocksdb::IOStatus::NoSpace("simulated: no space left on device");
      return FSWritableFileOwnerWrapper::Append(data, o, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& v,
                             rocksdb::IODebugContext* dbg) override {
      if (full_) return rocksdb::IOStatus::NoSpace("simulated: no space left on device");
      return FSWritableFileOwnerWrapper::Append(data, o, v, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      if (full_) return rocksdb::IOStatus::NoSpace("simulated: no space left on device");
      return FSWritableFileOwnerWrapper::Sync(o, dbg);
    }

   private:
    const std::atomic<bool>& full_;
  };

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    if (full) return rocksdb::IOStatus::NoSpace("simulated: no space left on device");
    std::unique_ptr<rocksdb::FSWritableFile> f;
    auto s = target()->NewWritableFile(name, o, &f, dbg);
    if (s.ok()) result->reset(new File(std::move(f), full));
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override {
    if (full) return rocksdb::IOStatus::NoSpace("simulated: no space left on device");
    std::unique_ptr<rocksdb::FSWritableFile> f;
    auto s = target()->ReopenWritableFile(name, o, &f, dbg);
    if (s.ok()) result->reset(new File(std::move(f), full));
    return s;
  }
};

class WriteErrors : public ::testing::TestWithParam<Durability> {};

TEST_P(WriteErrors, FailedWriteIsReportedAndNotStored) {
  TempDir dir;
  auto fs = std::make_shared<FullDiskFileSystem>(rocksdb::FileSystem::Default());
  auto env = rocksdb::NewCompositeEnv(fs);
  {
    auto store = open_ok(dir.db(), GetParam(), env.get());
    ASSERT_NE(store, nullptr);
    WriteBatch before;
    before.put_retained(message(0, "before", "stored"));
    ASSERT_TRUE(commit(*store, std::move(before)).ok);

    fs->full = true;
    // Several batches in flight at once: every one of them is told, none acknowledged.
    std::vector<std::promise<Status>> results(20);
    for (std::size_t i = 0; i < results.size(); ++i) {
      WriteBatch b;
      b.put_retained(message(0, "during/" + std::to_string(i), "must not be stored"));
      b.put_session(session("client-" + std::to_string(i)));
      store->submit(std::move(b), [&results, i](const Status& s) { results[i].set_value(s); });
    }
    for (auto& r : results) {
      Status s = r.get_future().get();
      EXPECT_FALSE(s.ok);
      EXPECT_NE(s.message.find(dir.db()), std::string::npos) << s.message;
      EXPECT_NE(s.message.find("no space"), std::string::npos) << s.message;
    }
    Stats st = store->stats();
    EXPECT_GE(st.failed_writes, 1u);
    store->close();
    fs->full = false;
  }
  auto store = open_ok(dir.db(), GetParam());
  ASSERT_NE(store, nullptr);
  Recovered r = store->recover(0);
  ASSERT_TRUE(r.status.ok) << r.status.message;
  ASSERT_EQ(r.retained.size(), 1u);
  EXPECT_EQ(r.retained[0].topic, "before");
  EXPECT_TRUE(r.sessions.empty());
}

INSTANTIATE_TEST_SUITE_P(Store, WriteErrors, ::testing::Values(Durability::Sync, Durability::Async),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace accord::store::test
