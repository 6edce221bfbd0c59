// The publish path's schema cache over a real registry: repeated lookups stay on the thread's
// table, any registry change is seen by the next lookup, and misses are remembered without
// growing past the bound.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "broker/store/store.hpp"
#include "registry/core/registry.hpp"
#include "registry/enforcement/schema_cache.hpp"

namespace accord::enforcement {
namespace {

// Counts the calls that reach the registry.
class CountingSource final : public SchemaSource {
 public:
  explicit CountingSource(const SchemaSource& inner) : inner_(inner) {}
  std::optional<ResolvedSchema> get(const std::string& s, const std::string& v) const override {
    ++calls;
    return inner_.get(s, v);
  }
  std::optional<ResolvedSchema> by_id(int id) const override {
    ++calls;
    return inner_.by_id(id);
  }
  std::vector<int> live_versions(const std::string& s) const override {
    ++calls;
    return inner_.live_versions(s);
  }
  mutable std::atomic<int> calls{0};

 private:
  const SchemaSource& inner_;
};

const char* kV1 = R"({"type":"object","properties":{"t":{"type":"number","maximum":85}}})";
const char* kV2 = R"({"type":"object","properties":{"t":{"type":"number","maximum":100}}})";

class SchemaCacheTest : public ::testing::Test {
 protected:
  SchemaCacheTest() {
    store::StoreOptions o;
    o.durability = store::Durability::Memory;
    store_ = std::move(store::open_store(o).store);
    registry_ = std::move(registry::Registry::open(*store_, {}).value());
    source_ = std::make_unique<RegistrySchemaSource>(*registry_);
    counting_ = std::make_unique<CountingSource>(*source_);
    cache_ = std::make_unique<CachingSchemaSource>(*counting_, [this] { return registry_->generation(); });
  }
  ~SchemaCacheTest() override {
    cache_.reset();
    counting_.reset();
    source_.reset();
    registry_.reset();
    store_->close();
  }
  int add(const std::string& subject, const char* schema) {
    return registry_->register_schema(subject, {schema, registry::SchemaType::Json, {}}).value();
  }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<RegistrySchemaSource> source_;
  std::unique_ptr<CountingSource> counting_;
  std::unique_ptr<CachingSchemaSource> cache_;
};

TEST_F(SchemaCacheTest, RepeatedLookupsDoNotReachTheRegistry) {
  const int id = add("s", kV1);
  for (int i = 0; i < 100; ++i) {
    auto latest = cache_->get("s", "latest");
    ASSERT_TRUE(latest);
    EXPECT_EQ(latest->id, id);
    EXPECT_EQ(latest->version, 1);
    ASSERT_TRUE(cache_->get("s", "1"));
    ASSERT_TRUE(cache_->by_id(id));
    EXPECT_EQ(cache_->live_versions("s"), std::vector<int>{1});
  }
  EXPECT_EQ(counting_->calls.load(), 4);
}

TEST_F(SchemaCacheTest, ANewVersionIsSeenByTheNextLookup) {
  add("s", kV1);
  EXPECT_EQ(cache_->get("s", "latest")->version, 1);
  const int v2 = add("s", kV2);
  auto latest = cache_->get("s", "latest");
  EXPECT_EQ(latest->version, 2);
  EXPECT_EQ(latest->id, v2);
  EXPECT_EQ(cache_->live_versions("s"), (std::vector<int>{1, 2}));
  // A deleted version disappears just as fast.
  ASSERT_TRUE(registry_->delete_version("s", "2", false).ok());
  EXPECT_EQ(cache_->get("s", "latest")->version, 1);
  EXPECT_FALSE(cache_->get("s", "2"));
}

TEST_F(SchemaCacheTest, MissesAreRememberedUntilTheSubjectAppears) {
  EXPECT_FALSE(cache_->get("later", "latest"));
  const int before = counting_->calls.load();
  EXPECT_FALSE(cache_->get("later", "latest"));
  EXPECT_EQ(counting_->calls.load(), before);
  add("later", kV1);
  EXPECT_TRUE(cache_->get("later", "latest"));
}

TEST_F(SchemaCacheTest, InventedSubjectsDoNotGrowTheTableWithoutBound) {
  add("real", kV1);
  ASSERT_TRUE(cache_->get("real", "latest"));
  // More distinct misses than the table holds: it starts over, answers stay right.
  for (std::size_t i = 0; i < CachingSchemaSource::kMaxEntries + 10; ++i)
    EXPECT_FALSE(cache_->get("made-up-" + std::to_string(i), "latest"));
  const int before = counting_->calls.load();
  ASSERT_TRUE(cache_->get("real", "latest"));
  EXPECT_EQ(counting_->calls.load(), before + 1);  // was dropped with the rest: asked again
}

TEST_F(SchemaCacheTest, EachThreadHasItsOwnTable) {
  add("s", kV1);
  ASSERT_TRUE(cache_->get("s", "latest"));
  const int before = counting_->calls.load();
  std::thread t([&] {
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(cache_->get("s", "latest"));
  });
  t.join();
  EXPECT_EQ(counting_->calls.load(), before + 1);  // one miss on the new thread, then hits
}

}  // namespace
}  // namespace accord::enforcement
