// A data directory that cannot be used gives one line naming the path and the cause, and the
// broker never silently starts empty over existing data.
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <unistd.h>

#include <fstream>

#include "broker/store/record_codec.hpp"
#include "store_test_util.hpp"

namespace accord::store::test {
namespace {

namespace fs = std::filesystem;

void write_file(const fs::path& p, const std::string& content) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << content;
}

void make_db(const std::string& path) {
  auto store = open_ok(path);
  WriteBatch b;
  b.put_retained(message(0, "t", "v"));
  ASSERT_TRUE(commit(*store, std::move(b)).ok);
  store->close();
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

TEST(OpenErrors, LockedByAnotherStore) {
  TempDir dir;
  auto first = open_ok(dir.db());
  Status s = open_error(dir.db());
  EXPECT_CONTAINS(s.message, dir.db());
  EXPECT_CONTAINS(s.message, "locked");
  EXPECT_CONTAINS(s.message, "LOCK");
  first->close();
  EXPECT_NE(open_ok(dir.db()), nullptr);  // free again once closed
}

TEST(OpenErrors, GarbageInCurrentIsCorrupt) {
  TempDir dir;
  make_db(dir.db());
  write_file(fs::path(dir.db()) / "CURRENT", "\x01\x02garbage");
  Status s = open_error(dir.db());
  EXPECT_CONTAINS(s.message, dir.db());
  EXPECT_CONTAINS(s.message, "corrupt");
}

// Cut anywhere, the MANIFEST either fails to open as corrupt or still describes a database that
// holds what was written: never an empty one.
class TruncatedManifest : public ::testing::TestWithParam<int> {};

TEST_P(TruncatedManifest, IsCorruptNeverEmpty) {
  TempDir dir;
  make_db(dir.db());
  fs::path manifest;
  for (const auto& e : fs::directory_iterator(dir.db()))
    if (e.path().filename().string().rfind("MANIFEST-", 0) == 0) manifest = e.path();
  ASSERT_FALSE(manifest.empty());
  const auto size = fs::file_size(manifest);
  const int percent = GetParam();
  fs::resize_file(manifest, size * static_cast<unsigned>(percent) / 100);
  StoreOptions o;
  o.path = dir.db();
  auto r = open_store(o);
  if (r.status.ok) {
    Recovered rec = r.store->recover(0);
    ASSERT_TRUE(rec.status.ok) << rec.status.message;
    EXPECT_EQ(rec.retained.size(), 1u)
        << "opened a truncated MANIFEST (" << percent << "%) as another state";
  } else {
    EXPECT_CONTAINS(r.status.message, dir.db());
    EXPECT_CONTAINS(r.status.message, "corrupt");
  }
  if (percent <= 50) {
    EXPECT_FALSE(r.status.ok) << "half a MANIFEST opened";
  }
}

INSTANTIATE_TEST_SUITE_P(OpenErrors, TruncatedManifest,
                         ::testing::Values(0, 10, 25, 50, 75, 90, 99));

TEST(OpenErrors, LostCurrentIsNotMistakenForAnEmptyDirectory) {
  TempDir dir;
  make_db(dir.db());
  fs::remove(fs::path(dir.db()) / "CURRENT");
  Status s = open_error(dir.db());
  EXPECT_CONTAINS(s.message, dir.db());
  EXPECT_CONTAINS(s.message, "corrupt");
  EXPECT_CONTAINS(s.message, "CURRENT");
}

TEST(OpenErrors, FileWhereTheDirectoryShouldBeIsUnreadable) {
  TempDir dir;
  write_file(dir.db(), "not a directory");
  Status s = open_error(dir.db());
  EXPECT_CONTAINS(s.message, dir.db());
  EXPECT_CONTAINS(s.message, "not a directory");
  // ... and below a file (ENOTDIR from the OS).
  const std::string below = dir.db() + "/data";
  Status t = open_error(below);
  EXPECT_CONTAINS(t.message, below);
  EXPECT_CONTAINS(t.message, "unreadable");
}

TEST(OpenErrors, PermissionDeniedIsUnreadable) {
  if (geteuid() == 0)
    GTEST_SKIP()
        << "running as root: file permissions do not stop root, so chmod 000 cannot make the "
           "directory unreadable (the non-directory cases above cover the error path)";
  TempDir dir;
  make_db(dir.db());
  fs::permissions(dir.db(), fs::perms::none);
  Status s = open_error(dir.db());
  fs::permissions(dir.db(), fs::perms::owner_all);
  EXPECT_CONTAINS(s.message, dir.db());
  EXPECT_CONTAINS(s.message, "unreadable");
  EXPECT_CONTAINS(s.message, "ermission denied");
}

TEST(OpenErrors, PlainRocksDbIsNotAnAccordDatabase) {
  TempDir dir;
  {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir.db(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "someone", "else's").ok());
  }
  Status s = open_error(dir.db());
  EXPECT_CONTAINS(s.message, dir.db());
  EXPECT_CONTAINS(s.message, "not an Accord database");
  // And it was left alone: still exactly the one family.
  std::vector<std::string> families;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.db(), &families).ok());
  EXPECT_EQ(families, std::vector<std::string>{"default"});
}

TEST(OpenErrors, DirectoryWithUnrelatedFilesIsNotAnAccordDatabase) {
  TempDir dir;
  fs::create_directories(dir.db());
  write_file(fs::path(dir.db()) / "notes.txt", "hello");
  Status s = open_error(dir.db());
  EXPECT_CONTAINS(s.message, dir.db());
  EXPECT_CONTAINS(s.message, "not an Accord database");
  EXPECT_CONTAINS(s.message, "notes.txt");
  EXPECT_FALSE(fs::exists(fs::path(dir.db()) / "CURRENT"));
}

TEST(OpenErrors, NewerFormatIsRefused) {
  TempDir dir;
  make_db(dir.db());
  {
    rocksdb::DB* raw = nullptr;
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.db(), &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir.db(), cfs, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    rocksdb::ColumnFamilyHandle* meta = nullptr;
    for (auto* h : handles)
      if (h->GetName() == "meta") meta = h;
    ASSERT_NE(meta, nullptr);
    detail::DatabaseInfo info{std::string(detail::kMagic), detail::kFormatVersion + 1, "accord 9.9",
                              0};
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), meta, std::string(detail::kDatabaseInfoKey),
                        detail::encode_database_info(info))
                    .ok());
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  }
  Status s = open_error(dir.db());
  EXPECT_CONTAINS(s.message, dir.db());
  EXPECT_CONTAINS(s.message, "newer");
  EXPECT_CONTAINS(s.message, "accord 9.9");
}

TEST(OpenErrors, MissingDirectoryWithoutCreateIsAnError) {
  TempDir dir;
  StoreOptions o;
  o.path = dir.db();
  o.create_if_missing = false;
  auto r = open_store(o);
  EXPECT_FALSE(r.status.ok);
  EXPECT_CONTAINS(r.status.message, dir.db());
}

TEST(OpenErrors, EmptyDirectoryBecomesANewDatabase) {
  TempDir dir;
  fs::create_directories(dir.db());
  auto store = open_ok(dir.db());
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->recover(0).status.ok);
}

}  // namespace
}  // namespace accord::store::test
