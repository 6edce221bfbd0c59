// The official JSON-Schema-Test-Suite (required tests of draft2020-12 and draft7, and the
// optional format tests of the formats we assert), minus suite_exclusions.txt.
#include <gtest/gtest.h>

#include "tests/unit/jsonschema/suite_runner.hpp"

namespace accord::jsonschema::suite {
namespace {

const SuiteResult& result() {
  static const SuiteResult r = run_suite(default_suite_dir(), exclusions_path());
  return r;
}

void expect_no_failures(const std::string& draft, bool formats) {
  const auto& r = result();
  for (const auto& problem : r.problems) ADD_FAILURE() << problem;
  bool found = false;
  for (const auto& d : r.drafts) {
    if (d.draft != draft) continue;
    found = true;
    const Counts& counts = formats ? d.formats : d.required;
    EXPECT_GT(counts.total, 0u);
    std::size_t failures = 0;
    for (const auto& f : d.failures) {
      const bool is_format = f.where.find("| optional/format/") != std::string::npos;
      if (is_format != formats) continue;
      ++failures;
      ADD_FAILURE() << f.where << ": " << f.detail;
    }
    EXPECT_EQ(failures, 0u);
    EXPECT_EQ(counts.passed + counts.excluded + failures, counts.total);
    std::cout << summary_line(d) << "\n";
  }
  EXPECT_TRUE(found) << draft;
}

TEST(JsonSchemaTestSuite, Draft2020_12Required) {
  expect_no_failures("draft2020-12", false);
}
TEST(JsonSchemaTestSuite, Draft2020_12Formats) {
  expect_no_failures("draft2020-12", true);
}
TEST(JsonSchemaTestSuite, Draft7Required) {
  expect_no_failures("draft7", false);
}
TEST(JsonSchemaTestSuite, Draft7Formats) {
  expect_no_failures("draft7", true);
}

TEST(JsonSchemaTestSuite, EveryExclusionStillMatchesATest) {
  for (const auto& e : result().exclusions) {
    EXPECT_TRUE(e.used) << "suite_exclusions.txt:" << e.line << " matches no test: " << e.draft
                        << " | " << e.file << " | " << e.case_description << " | "
                        << e.test_description;
  }
}

}  // namespace
}  // namespace accord::jsonschema::suite
