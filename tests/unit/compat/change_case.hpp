// The table format for schema-change cases. Each row is one change between two versions of
// an event schema, with what the registry must answer in both directions:
//   backward = check_json_schema(new, old): can consumers on the new schema read old events?
//   forward  = check_json_schema(old, new): can consumers on the old schema read new events?
// An incompatible direction names one kind and path that must be among the reports.
#pragma once

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "registry/compat/json_schema_compat.hpp"

namespace accord::compat::testing {

struct Expectation {
  bool compatible = true;
  std::string kind;
  std::string path;
};

inline Expectation compatible() {
  return {true, "", ""};
}
inline Expectation breaks(std::string kind, std::string path) {
  return {false, std::move(kind), std::move(path)};
}

struct ChangeCase {
  std::string name;  // letters, digits and '_' (it becomes part of the test name)
  std::string old_schema;
  std::string new_schema;
  Expectation backward;
  Expectation forward;
  // Other registered schemas, by the URI $refs use for them.
  std::map<std::string, std::string> registered = {};
};

inline void PrintTo(const ChangeCase& change, std::ostream* out) {
  *out << change.name;
}

// The tables, one per keyword family (each in its own *_test.cpp file).
const std::vector<ChangeCase>& type_and_value_cases();
const std::vector<ChangeCase>& number_and_string_cases();
const std::vector<ChangeCase>& object_cases();
const std::vector<ChangeCase>& array_cases();
const std::vector<ChangeCase>& combinator_cases();
const std::vector<ChangeCase>& reference_cases();

std::vector<ChangeCase> all_change_cases();

// Other registered schemas, served to the checker the way the registry's loader would.
class RegisteredSchemas {
 public:
  explicit RegisteredSchemas(const std::map<std::string, std::string>& texts) {
    for (const auto& [uri, text] : texts) schemas_.emplace(uri, boost::json::parse(text));
  }
  JsonRefLoader loader() const {
    return [this](std::string_view uri) -> const boost::json::value* {
      const auto found = schemas_.find(std::string(uri));
      return found == schemas_.end() ? nullptr : &found->second;
    };
  }

 private:
  std::map<std::string, boost::json::value> schemas_;
};

class SchemaChange : public ::testing::TestWithParam<ChangeCase> {};

inline std::string case_name(const ::testing::TestParamInfo<ChangeCase>& info) {
  return info.param.name;
}

}  // namespace accord::compat::testing
