// A write error while running (a full disk, simulated) reaches every `done` of the failed write,
// and nothing it carried is there after a restart.
#include <gtest/gtest.h>
#include <rocksdb/env.h>

#include <chrono>
#include <thread>

#include "full_disk_fs.hpp"
#include "store_test_util.hpp"

namespace accord::store::test {
namespace {

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
    // Space again: the store recovers and writes go through, without a restart.
    fs->full = false;
    // (The store reopens the database at most once a second; 60 s is a hang, not slowness.)
    Status s;
    for (int i = 0; i < 600; ++i) {
      WriteBatch after;
      after.put_retained(message(0, "after", "stored"));
      s = commit(*store, std::move(after));
      if (s.ok) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(s.ok) << s.message;
    store->close();
    fs->full = false;
  }
  auto store = open_ok(dir.db(), GetParam());
  ASSERT_NE(store, nullptr);
  Recovered r = store->recover(0);
  ASSERT_TRUE(r.status.ok) << r.status.message;
  ASSERT_EQ(r.retained.size(), 2u);
  EXPECT_EQ(r.retained[0].topic, "after");
  EXPECT_EQ(r.retained[1].topic, "before");
  EXPECT_TRUE(r.sessions.empty());
}

INSTANTIATE_TEST_SUITE_P(Store, WriteErrors, ::testing::Values(Durability::Sync, Durability::Async),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace accord::store::test
