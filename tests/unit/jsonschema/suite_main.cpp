// accord_jsonschema_suite [suite dir] [exclusions file]: runs the JSON-Schema-Test-Suite and
// prints the pass counts per draft; exits 1 on any unexpected failure or stale exclusion.
#include <iostream>

#include "tests/unit/jsonschema/suite_runner.hpp"

int main(int argc, char** argv) {
  namespace suite = accord::jsonschema::suite;
  const suite::fs::path suite_dir =
      argc > 1 ? suite::fs::path(argv[1]) : suite::default_suite_dir();
  const suite::fs::path exclusions = argc > 2 ? suite::fs::path(argv[2]) : suite::exclusions_path();
  const suite::SuiteResult result = suite::run_suite(suite_dir, exclusions);
  for (const auto& problem : result.problems) std::cerr << "error: " << problem << "\n";
  for (const auto& draft : result.drafts) {
    for (const auto& failure : draft.failures) {
      std::cerr << "FAILED: " << failure.where << ": " << failure.detail << "\n";
    }
  }
  for (const auto& exclusion : result.exclusions) {
    if (!exclusion.used) {
      std::cerr << "stale exclusion (matches no test), " << exclusions.string() << ":"
                << exclusion.line << ": " << exclusion.draft << " | " << exclusion.file << " | "
                << exclusion.case_description << " | " << exclusion.test_description << "\n";
    }
  }
  for (const auto& draft : result.drafts) std::cout << suite::summary_line(draft) << "\n";
  return result.ok() ? 0 : 1;
}
