// Runs the official JSON-Schema-Test-Suite against accord::jsonschema: the required tests of
// draft2020-12 and draft7, plus the optional format tests of the formats we assert. Shared by
// suite_test.cpp (gtest) and suite_main.cpp (the counts CI prints). Header-only so both link
// with nothing but accord_jsonschema.
#pragma once

#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "registry/jsonschema/dom_access.hpp"
#include "registry/jsonschema/json_text.hpp"
#include "registry/jsonschema/jsonschema.hpp"

namespace accord::jsonschema::suite {

namespace fs = std::filesystem;

// The optional/format files we run (with format assertion on): the formats Accord asserts, and
// "unknown" (unknown formats must be ignored).
inline const std::set<std::string> kFormatFiles = {"date-time",
                                                   "date",
                                                   "time",
                                                   "duration",
                                                   "email",
                                                   "hostname",
                                                   "ipv4",
                                                   "ipv6",
                                                   "uri",
                                                   "uri-reference",
                                                   "uuid",
                                                   "json-pointer",
                                                   "relative-json-pointer",
                                                   "regex",
                                                   "ecmascript-regex",
                                                   "unknown"};

inline const std::vector<std::string> kDrafts = {"draft2020-12", "draft7"};

// One line of suite_exclusions.txt: draft | file | case description | test description or * |
// reason.
struct Exclusion {
  std::string draft;
  std::string file;
  std::string case_description;
  std::string test_description;
  std::string reason;
  int line = 0;
  bool used = false;

  bool matches(std::string_view d, std::string_view f, std::string_view c,
               std::string_view t) const {
    return draft == d && file == f && case_description == c &&
           (test_description == "*" || test_description == t);
  }
};

struct Counts {
  std::size_t passed = 0;
  std::size_t total = 0;
  std::size_t excluded = 0;
};

struct Failure {
  std::string where;   // draft / file / case / test
  std::string detail;  // what went wrong
};

struct DraftResult {
  std::string draft;
  Counts required;
  Counts formats;
  std::vector<Failure> failures;
};

struct SuiteResult {
  std::vector<DraftResult> drafts;
  std::vector<Exclusion> exclusions;
  std::vector<std::string> problems;  // unreadable files, malformed exclusion lines

  bool ok() const {
    if (!problems.empty()) return false;
    for (const auto& d : drafts) {
      if (!d.failures.empty()) return false;
    }
    return std::all_of(exclusions.begin(), exclusions.end(),
                       [](const Exclusion& e) { return e.used; });
  }
};

inline std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string trim(std::string_view s) {
  const auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  const auto end = s.find_last_not_of(" \t\r");
  return std::string(s.substr(begin, end - begin + 1));
}

inline std::vector<Exclusion> load_exclusions(const fs::path& path,
                                              std::vector<std::string>& problems) {
  std::vector<Exclusion> out;
  const auto text = read_file(path);
  if (!text) {
    problems.push_back("cannot read " + path.string());
    return out;
  }
  std::istringstream lines(*text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    const std::string stripped = trim(line);
    if (stripped.empty() || stripped[0] == '#') continue;
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
      const auto bar = stripped.find('|', start);
      parts.push_back(trim(std::string_view(stripped).substr(
          start, bar == std::string::npos ? std::string::npos : bar - start)));
      if (bar == std::string::npos) break;
      start = bar + 1;
    }
    if (parts.size() != 5 || parts[4].empty()) {
      problems.push_back(path.string() + ":" + std::to_string(number) +
                         ": expected 'draft | file | case | test or * | reason'");
      continue;
    }
    out.push_back(Exclusion{parts[0], parts[1], parts[2], parts[3], parts[4], number, false});
  }
  return out;
}

// Serves http://localhost:1234/... from the suite's remotes/ directory, as the suite expects.
inline Resolver remotes_resolver(const fs::path& remotes) {
  return [remotes](std::string_view uri) -> std::optional<std::string> {
    constexpr std::string_view kPrefix = "http://localhost:1234/";
    if (!uri.starts_with(kPrefix)) return std::nullopt;
    return read_file(remotes / std::string(uri.substr(kPrefix.size())));
  };
}

// Parses a suite file; the files hold integers beyond 64 bits, which the library's widening
// parse accepts.
inline bool parse_suite_file(const std::string& text, simdjson::dom::document& document,
                             simdjson::dom::element& root) {
  static detail::TextParser parser;
  return parser.parse_into(text, 1024, document, root) == simdjson::SUCCESS;
}

inline void run_file(const fs::path& suite_dir, const std::string& draft,
                     const std::string& relative, bool is_format,
                     std::vector<Exclusion>& exclusions, DraftResult& result,
                     std::vector<std::string>& problems) {
  const fs::path path = suite_dir / "tests" / draft / relative;
  const auto text = read_file(path);
  simdjson::dom::document document;
  simdjson::dom::element root;
  if (!text || !parse_suite_file(*text, document, root) || !root.is_array()) {
    problems.push_back("cannot read " + path.string());
    return;
  }
  Options options;
  options.default_draft = draft == "draft7" ? Draft::Draft7 : Draft::Draft2020_12;
  // The optional format tests need assertion. The required 2020-12 format.json checks the
  // spec's default, where format is only an annotation, so the required tests of 2020-12 run
  // with assertion off; draft-07 leaves the default to the implementation and its required
  // tests pass either way, so they run with Accord's default (assertion on).
  options.format_assertion = is_format || draft == "draft7";
  options.resolver = remotes_resolver(suite_dir / "remotes");
  Counts& counts = is_format ? result.formats : result.required;

  for (const auto test_case : detail::as_array(root)) {
    std::string_view case_description;
    simdjson::dom::element schema_value;
    simdjson::dom::array tests;
    if (test_case["description"].get(case_description) || test_case["schema"].get(schema_value) ||
        test_case["tests"].get(tests)) {
      problems.push_back("malformed case in " + path.string());
      continue;
    }
    const std::string schema_text = simdjson::minify(schema_value);
    const auto compiled = Schema::compile(schema_text, options);
    for (const auto test : tests) {
      std::string_view test_description;
      simdjson::dom::element data;
      bool expected = false;
      if (test["description"].get(test_description) || test["data"].get(data) ||
          test["valid"].get(expected)) {
        problems.push_back("malformed test in " + path.string());
        continue;
      }
      ++counts.total;
      const std::string where = draft + " | " + relative + " | " + std::string(case_description) +
                                " | " + std::string(test_description);
      auto exclusion = std::find_if(exclusions.begin(), exclusions.end(), [&](const Exclusion& e) {
        return e.matches(draft, relative, case_description, test_description);
      });
      std::string failure;
      if (const auto* error = std::get_if<CompileError>(&compiled)) {
        failure = "schema does not compile: " + error->schema_location + ": " + error->message;
      } else {
        const auto& schema = std::get<std::shared_ptr<const Schema>>(compiled);
        const std::string data_text = simdjson::minify(data);
        const bool from_text = schema->is_valid(data_text);
        const bool from_element = schema->is_valid(data);
        const auto errors = schema->validate(data_text);
        if (from_text != expected) {
          failure = std::string("expected ") + (expected ? "valid" : "invalid") + ", got " +
                    (from_text ? "valid" : "invalid");
          if (!errors.empty()) failure += " (" + errors.front().message + ")";
        } else if (from_element != from_text) {
          failure = "is_valid(element) disagrees with is_valid(text)";
        } else if (errors.empty() != from_text) {
          failure = "validate() disagrees with is_valid(): " +
                    (errors.empty() ? std::string("no errors") : errors.front().message);
        }
      }
      if (exclusion != exclusions.end()) {
        exclusion->used = true;
        ++counts.excluded;
        continue;
      }
      if (failure.empty()) {
        ++counts.passed;
      } else {
        result.failures.push_back({where, failure});
      }
    }
  }
}

inline SuiteResult run_suite(const fs::path& suite_dir, const fs::path& exclusions_file) {
  SuiteResult result;
  result.exclusions = load_exclusions(exclusions_file, result.problems);
  for (const auto& draft : kDrafts) {
    DraftResult draft_result;
    draft_result.draft = draft;
    std::vector<std::string> required;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(suite_dir / "tests" / draft, ec)) {
      if (entry.is_regular_file() && entry.path().extension() == ".json") {
        required.push_back(entry.path().filename().string());
      }
    }
    if (ec || required.empty()) result.problems.push_back("no tests for " + draft);
    std::sort(required.begin(), required.end());
    for (const auto& file : required) {
      run_file(suite_dir, draft, file, false, result.exclusions, draft_result, result.problems);
    }
    for (const auto& format : kFormatFiles) {
      const std::string relative = "optional/format/" + format + ".json";
      if (!fs::exists(suite_dir / "tests" / draft / relative)) continue;
      run_file(suite_dir, draft, relative, true, result.exclusions, draft_result, result.problems);
    }
    result.drafts.push_back(std::move(draft_result));
  }
  return result;
}

// "draft2020-12 required: P/T passed, E excluded; optional formats: P/T"
inline std::string summary_line(const DraftResult& d) {
  std::string line = d.draft + " required: " + std::to_string(d.required.passed) + "/" +
                     std::to_string(d.required.total) + " passed, " +
                     std::to_string(d.required.excluded) +
                     " excluded; optional formats: " + std::to_string(d.formats.passed) + "/" +
                     std::to_string(d.formats.total);
  if (d.formats.excluded > 0) line += " (" + std::to_string(d.formats.excluded) + " excluded)";
  return line;
}

inline fs::path default_suite_dir() {
#ifdef ACCORD_JSON_SCHEMA_TEST_SUITE_DIR
  return ACCORD_JSON_SCHEMA_TEST_SUITE_DIR;
#else
  return fs::path(__FILE__).parent_path() / "../../data/JSON-Schema-Test-Suite";
#endif
}

inline fs::path exclusions_path() {
  return fs::path(__FILE__).parent_path() / "suite_exclusions.txt";
}

}  // namespace accord::jsonschema::suite
