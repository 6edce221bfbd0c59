// One compiled Schema, shared by many threads validating at once (as the broker does).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/unit/jsonschema/test_support.hpp"

namespace accord::jsonschema {
namespace {

TEST(ThreadSafety, ManyThreadsShareOneSchema) {
  const auto schema = testing::compile_ok(R"({
    "type":"object","required":["id","temp"],
    "properties":{
      "id":{"type":"string","pattern":"^dev-[0-9]{3}$"},
      "name":{"type":"string","pattern":"^(x|y)+z?$"},
      "temp":{"type":"number","minimum":-40,"maximum":40},
      "tags":{"type":"array","items":{"type":"string"},"uniqueItems":true},
      "ts":{"type":"string","format":"date-time"}},
    "propertyNames":{"maxLength":8},
    "unevaluatedProperties":false})");
  ASSERT_TRUE(schema);
  const std::vector<std::pair<std::string, bool>> cases = {
      {R"({"id":"dev-001","temp":1,"ts":"2024-01-01T00:00:00Z","name":"xyxz"})", true},
      {R"({"id":"dev-1","temp":1})", false},
      {R"({"id":"dev-002","temp":99})", false},
      {R"({"id":"dev-003","temp":0,"tags":["a","a"]})", false},
      {R"({"id":"dev-004","temp":0,"other":1})", false},
      {R"({"id":"dev-005","temp":0,"averyverylongname":1})", false},
      {R"({"id":"dev-006","temp":0,"name":"xxq"})", false},
      {R"(not json)", false},
  };
  constexpr int kThreads = 8;
  constexpr int kRounds = 2000;
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        const auto& [json, expected] = cases[(round + t) % cases.size()];
        if (schema->is_valid(json) != expected) ++mismatches;
        if (round % 16 == 0 && schema->validate(json).empty() != expected) ++mismatches;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(ThreadSafety, SchemasOutliveNothingButThemselves) {
  // Compiling in one thread and validating in others, while more schemas compile.
  std::vector<std::shared_ptr<const Schema>> schemas;
  for (int i = 0; i < 4; ++i) {
    schemas.push_back(testing::compile_ok(R"({"maximum":)" + std::to_string(i) + "}"));
  }
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        auto local = testing::compile_ok(R"({"minimum":)" + std::to_string(t) + "}");
        if (!local || local->is_valid(std::to_string(t - 1))) ++mismatches;
        if (schemas[t]->is_valid(std::to_string(t + 1))) ++mismatches;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace accord::jsonschema
