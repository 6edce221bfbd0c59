// is_valid() is the data path: once a thread has warmed up, it must not allocate. This binary
// replaces the global allocation functions to count calls while a test asks for it.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <new>

#include "tests/unit/jsonschema/test_support.hpp"

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};

void* allocate(std::size_t size) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t size) {
  return allocate(size);
}
void* operator new[](std::size_t size) {
  return allocate(size);
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

namespace accord::jsonschema {
namespace {

long allocations_during(const std::function<void()>& work) {
  allocations = 0;
  counting = true;
  work();
  counting = false;
  return allocations.load();
}

TEST(Allocations, IsValidDoesNotAllocateOnceWarm) {
  const auto schema = testing::compile_ok(R"({
    "type":"object","required":["id","temp"],"additionalProperties":false,
    "properties":{
      "id":{"type":"string","pattern":"^dev-[0-9]{3}$"},
      "name":{"type":"string","pattern":"^(on|off)$"},
      "temp":{"type":"number","minimum":-40,"maximum":40,"multipleOf":0.5},
      "status":{"enum":["ok","warn"]},
      "ts":{"type":"string","format":"date-time"},
      "src":{"type":"string","format":"uri-reference"},
      "tags":{"type":"array","items":{"$ref":"#/$defs/tag"},"uniqueItems":true,"maxItems":8},
      "loc":{"type":"object","properties":{"lat":{"type":"number"}},"propertyNames":{"maxLength":3}}},
    "$defs":{"tag":{"type":"string","maxLength":16}}})");
  ASSERT_TRUE(schema);
  const std::string valid =
      R"({"id":"dev-001","name":"on","temp":20.5,"status":"ok","ts":"2024-01-01T00:00:00Z",)"
      R"("src":"/a/b","tags":["x","y"],"loc":{"lat":1.5}})";
  const std::string invalid = R"({"id":"dev-1","temp":99,"tags":["x","x"],"extra":true})";
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  ASSERT_FALSE(parser.parse(valid).get(element));
  // Warm up: the thread's parser and buffers grow to size on first use.
  EXPECT_TRUE(schema->is_valid(valid));
  EXPECT_FALSE(schema->is_valid(invalid));
  EXPECT_TRUE(schema->is_valid(element));

  const long count = allocations_during([&] {
    for (int i = 0; i < 100; ++i) {
      EXPECT_TRUE(schema->is_valid(valid));
      EXPECT_FALSE(schema->is_valid(invalid));
      EXPECT_TRUE(schema->is_valid(element));
    }
  });
  EXPECT_EQ(count, 0);
}

}  // namespace
}  // namespace accord::jsonschema
