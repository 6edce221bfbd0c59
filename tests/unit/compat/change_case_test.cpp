// Runs every change-case row in both directions, and checks the table itself covers enough.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <set>

#include "registry/compat/json_schema_compat.hpp"
#include "tests/unit/compat/change_case.hpp"

namespace accord::compat::testing {
namespace {

std::string describe(const Incompatibilities& found) {
  std::string text;
  for (const auto& entry : found) {
    text += "  " + entry.kind + " at '" + entry.path + "': " + entry.reason + "\n";
  }
  return text.empty() ? "  (none)\n" : text;
}

void expect_direction(const ChangeCase& change, const char* direction, const std::string& reader,
                      const std::string& writer, const Expectation& expected) {
  const RegisteredSchemas registered(change.registered);
  const auto found = check_json_schema(boost::json::parse(reader), boost::json::parse(writer),
                                       registered.loader());
  SCOPED_TRACE(std::string(direction) + " check of '" + change.name + "' reported:\n" +
               describe(found));
  if (expected.compatible) {
    EXPECT_TRUE(found.empty()) << direction << " should be compatible";
    return;
  }
  ASSERT_FALSE(found.empty()) << direction << " should be incompatible";
  bool listed = false;
  for (const auto& entry : found) {
    listed = listed || (entry.kind == expected.kind && entry.path == expected.path);
    EXPECT_FALSE(entry.reason.empty());
    EXPECT_FALSE(entry.kind.empty());
    // A reason about ".../properties/<name>/..." must name that property for a person.
    const auto at = entry.path.rfind("/properties/");
    if (at != std::string::npos) {
      const auto start = at + std::string_view("/properties/").size();
      const std::string name = entry.path.substr(start, entry.path.find('/', start) - start);
      EXPECT_NE(entry.reason.find(name), std::string::npos) << entry.reason;
    }
  }
  EXPECT_TRUE(listed) << direction << " should report " << expected.kind << " at '" << expected.path
                      << "'";
}

TEST_P(SchemaChange, Backward) {
  const ChangeCase& change = GetParam();
  expect_direction(change, "backward (reader=new, writer=old)", change.new_schema,
                   change.old_schema, change.backward);
}

TEST_P(SchemaChange, Forward) {
  const ChangeCase& change = GetParam();
  expect_direction(change, "forward (reader=old, writer=new)", change.old_schema, change.new_schema,
                   change.forward);
}

// Every version in the table is compatible with itself, both ways.
TEST_P(SchemaChange, EachVersionAcceptsItself) {
  const ChangeCase& change = GetParam();
  for (const std::string* text : {&change.old_schema, &change.new_schema}) {
    const RegisteredSchemas registered(change.registered);
    // Two separately parsed copies, so sameness is found by comparing, not by address.
    const auto first = boost::json::parse(*text);
    const auto second = boost::json::parse(*text);
    const auto found = check_json_schema(first, second, registered.loader());
    EXPECT_TRUE(found.empty()) << *text << "\n" << describe(found);
  }
}

}  // namespace

std::vector<ChangeCase> all_change_cases() {
  std::vector<ChangeCase> all;
  for (const auto* table : {&type_and_value_cases(), &number_and_string_cases(), &object_cases(),
                            &array_cases(), &combinator_cases(), &reference_cases()}) {
    all.insert(all.end(), table->begin(), table->end());
  }
  return all;
}

namespace {

TEST(SchemaChangeTable, CoversEnoughCasesWithUniqueNames) {
  const auto all = all_change_cases();
  std::size_t backward_ok = 0;
  std::size_t forward_ok = 0;
  std::set<std::string> names;
  for (const auto& change : all) {
    EXPECT_TRUE(names.insert(change.name).second) << "duplicate case name " << change.name;
    backward_ok += change.backward.compatible;
    forward_ok += change.forward.compatible;
  }
  EXPECT_GE(all.size(), 70u);
  std::printf(
      "[ table    ] %zu change cases; backward: %zu compatible, %zu incompatible; "
      "forward: %zu compatible, %zu incompatible\n",
      all.size(), backward_ok, all.size() - backward_ok, forward_ok, all.size() - forward_ok);
}

}  // namespace
}  // namespace accord::compat::testing
