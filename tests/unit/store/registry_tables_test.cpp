// The registry's tables in the store: opaque records, atomic with the rest, durable, in key
// order; a database made before the tables existed gains them when opened.
#include <rocksdb/db.h>

#include "store_test_util.hpp"

namespace accord::store::test {
namespace {

using namespace std::string_literals;

TEST(RegistryTables, RecordsPersistInKeyOrderAndDeletesStick) {
  TempDir dir;
  {
    auto store = open_ok(dir.db());
    WriteBatch b;
    b.put_registry(RegistryTable::Schemas, "id-2", "schema two");
    b.put_registry(RegistryTable::Schemas, "id-1", "schema one");
    b.put_registry(RegistryTable::Versions, "orders\x00\x01"s, "v1");
    b.put_registry(RegistryTable::Settings, "config", "BACKWARD");
    b.put_registry(RegistryTable::Settings, "gone", "x");
    ASSERT_TRUE(commit(*store, std::move(b)).ok);
    WriteBatch d;
    d.delete_registry(RegistryTable::Settings, "gone");
    ASSERT_TRUE(commit(*store, std::move(d)).ok);
    auto stats = store->stats();
    EXPECT_EQ(stats.registry_schemas, 2u);
    EXPECT_EQ(stats.registry_versions, 1u);
    store->close();
  }
  auto store = open_ok(dir.db());
  auto r = store->load_registry();
  ASSERT_TRUE(r.status.ok) << r.status.message;
  using Records = RegistryRecords::Records;
  EXPECT_EQ(r[RegistryTable::Schemas], (Records{{"id-1", "schema one"}, {"id-2", "schema two"}}));
  EXPECT_EQ(r[RegistryTable::Versions], (Records{{"orders\x00\x01"s, "v1"}}));
  EXPECT_EQ(r[RegistryTable::Settings], (Records{{"config", "BACKWARD"}}));
}

TEST(RegistryTables, MemoryStoreKeepsNothing) {
  TempDir dir;
  auto store = open_ok(dir.db(), Durability::Memory);
  WriteBatch b;
  b.put_registry(RegistryTable::Schemas, "k", "v");
  ASSERT_TRUE(commit(*store, std::move(b)).ok);
  auto r = store->load_registry();
  EXPECT_TRUE(r.status.ok);
  EXPECT_TRUE(r[RegistryTable::Schemas].empty());
}

// A database written before the registry existed has only the first six families: it must open
// (gaining the registry's) rather than be called corrupt, and keep its data.
TEST(RegistryTables, DatabaseWithoutRegistryFamiliesGainsThem) {
  TempDir dir;
  {
    auto store = open_ok(dir.db());
    WriteBatch b;
    MessageRecord m;
    m.topic = "t";
    m.payload = "kept";
    m.retain = true;
    b.put_retained(m);
    ASSERT_TRUE(commit(*store, std::move(b)).ok);
    store->close();
  }
  {  // Drop the registry's families with plain RocksDB, as an older build would have left it.
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.db(), &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir.db(), descriptors, &handles, &raw).ok());
    int dropped = 0;
    for (auto* h : handles) {
      if (h->GetName().rfind("registry_", 0) == 0) {
        ASSERT_TRUE(raw->DropColumnFamily(h).ok());
        ++dropped;
      }
    }
    EXPECT_EQ(dropped, 3);
    for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
    delete raw;
  }
  auto store = open_ok(dir.db());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->recover(0).retained.size(), 1u);
  WriteBatch b;
  b.put_registry(RegistryTable::Schemas, "k", "v");
  EXPECT_TRUE(commit(*store, std::move(b)).ok);
  EXPECT_EQ(store->load_registry()[RegistryTable::Schemas].size(), 1u);
}

}  // namespace
}  // namespace accord::store::test
