// The contract-test library without sockets: the worked thermostat example
// (schemas/examples/thermostat/contract), contract-file errors, the field check, the offline
// registry view over an export file, and the reports.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "clients/contract/contract.hpp"

namespace accord::contract {
namespace {

#define EXPECT_HAS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << (text)

namespace fs = std::filesystem;
namespace json = boost::json;

const fs::path kExample = fs::path(__FILE__).parent_path() / "../../../schemas/examples/thermostat";

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("accord-contract-unit-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                                                  std::to_string(reinterpret_cast<std::uintptr_t>(this)))) {
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    auto p = path_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// An export file holding reading.v1 as version 1 of the reading subject, level BACKWARD.
std::string export_json() {
  json::object v1{{"version", 1}, {"id", 1}, {"schemaType", "JSON"}, {"schema", read(kExample / "reading.v1.schema.json")},
                  {"references", json::array{}}};
  return json::serialize(json::object{
      {"format", "accord-registry-export"},
      {"format_version", 1},
      {"compatibility", "BACKWARD"},
      {"subjects", json::array{json::object{{"subject", "com.example.thermostat.reading"},
                                            {"compatibility", nullptr},
                                            {"versions", json::array{v1}}}}},
      {"policies", json::array{}}});
}

const CheckResult* find(const Report& r, Kind kind, const std::string& part) {
  for (const auto& c : r.results)
    if (c.kind == kind && c.name.find(part) != std::string::npos) return &c;
  return nullptr;
}

TEST(ContractFile, WorkedExampleLoads) {
  auto c = load_contract((kExample / "contract/accord-contract.yaml").string());
  EXPECT_EQ(c.service, "thermostat-firmware");
  ASSERT_EQ(c.produces.size(), 1u);
  const auto& p = c.produces[0];
  EXPECT_EQ(p.subject, "com.example.thermostat.reading");
  EXPECT_EQ(p.schema_type, registry::SchemaType::Json);
  ASSERT_EQ(p.topics.size(), 1u);
  EXPECT_EQ(p.topics[0], "fleet/+/reading");
  EXPECT_EQ(p.valid.size(), 1u);
  ASSERT_EQ(p.invalid.size(), 2u);
  EXPECT_EQ(p.invalid[0].reason, "data/temperature");
  auto d = load_contract((kExample / "contract/heating-dashboard.yaml").string());
  ASSERT_EQ(d.consumes.size(), 1u);
  ASSERT_EQ(d.consumes[0].fields.size(), 3u);
  EXPECT_EQ(d.consumes[0].fields[0].path, "/temperature");
  EXPECT_TRUE(d.consumes[0].fields[2].optional);
}

TEST(ContractFile, SubjectDefaultsToTypeAndJsonRoundTrips) {
  TempDir t;
  auto path = t.write("c.yaml", "service: s\nconsumes:\n  - type: a.b\n    fields: [{path: /x, type: integer}]\n");
  auto c = load_contract(path);
  EXPECT_EQ(c.consumes[0].subject, "a.b");
  auto back = from_json(to_json(c));
  EXPECT_EQ(back.service, "s");
  ASSERT_EQ(back.consumes.size(), 1u);
  EXPECT_EQ(back.consumes[0].fields[0].type, "integer");
}

TEST(ContractFile, ErrorsAreOneLineAndNameTheProblem) {
  TempDir t;
  auto expect_error = [&](const std::string& text, const std::string& part) {
    auto path = t.write("bad.yaml", text);
    try {
      load_contract(path);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const ContractError& e) {
      EXPECT_HAS(e.what(), part);
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
  };
  expect_error("service: [unclosed\n", "not YAML");
  expect_error("- a\n- b\n", "mapping");
  expect_error("produces: []\n", "\"service\" is required");
  expect_error("service: s\n", "neither produces nor consumes");
  expect_error("service: s\nproduces:\n  - type: t\n    schema: missing.json\n", "cannot read schema file");
  expect_error("service: s\nconsumes:\n  - type: t\n    fields: [{path: temperature, type: number}]\n", "JSON pointer");
  expect_error("service: s\nconsumes:\n  - type: t\n    fields: [{path: /t, type: float}]\n", "unknown type 'float'");
  expect_error("service: s\nproduce: []\n", "unknown key \"produce\"");
  try {
    load_contract((t.path() / "absent.yaml").string());
    ADD_FAILURE();
  } catch (const ContractError& e) {
    EXPECT_HAS(e.what(), "cannot read contract file");
  }
}

TEST(FieldCheck, PresenceTypeAndRequired) {
  auto schema = json::parse(read(kExample / "contract/schemas/reading.schema.json"));
  EXPECT_EQ(field_problem(schema, {"/temperature", "number", false}), "");
  EXPECT_EQ(field_problem(schema, {"/deviceId", "string", false}), "");
  EXPECT_EQ(field_problem(schema, {"/humidity", "number", true}), "");
  EXPECT_HAS(field_problem(schema, {"/humidity", "number", false}), "no longer required");
  EXPECT_HAS(field_problem(schema, {"/deviceId", "number", false}), "type changed from number to string");
  EXPECT_HAS(field_problem(schema, {"/mode", "string", true}), "");
  auto breaking = json::parse(read(kExample / "contract/schemas/reading.breaking.schema.json"));
  const auto removed = field_problem(breaking, {"/temperature", "number", false});
  EXPECT_HAS(removed, "field /temperature was removed");
  EXPECT_HAS(removed, "temperatureC");
  // integer data is number data; the reverse is a narrowing the consumer did not sign up for.
  auto ints = json::parse(R"({"type":"object","required":["n","x"],"properties":{"n":{"type":"integer"},
                              "x":{"type":"number"},"o":{"$ref":"#/$defs/o"}},
                              "$defs":{"o":{"type":"object","properties":{"deep":{"type":"boolean"}}}}})");
  EXPECT_EQ(field_problem(ints, {"/n", "number", false}), "");
  EXPECT_HAS(field_problem(ints, {"/x", "integer", false}), "type changed from integer to number");
  EXPECT_EQ(field_problem(ints, {"/o/deep", "boolean", true}), "");
  EXPECT_EQ(field_problem(ints, {"/o/gone", "boolean", true}), "");  // optional: may never come
  EXPECT_HAS(field_problem(ints, {"/gone", "boolean", false}), "field /gone was removed");
}

TEST(Checks, WorkedExampleOfflinePasses) {
  TempDir t;
  auto exp = t.write("export.json", export_json());
  auto producer = load_contract((kExample / "contract/accord-contract.yaml").string());
  auto dashboard = load_contract((kExample / "contract/heating-dashboard.yaml").string());
  auto view = export_view(exp, {dashboard});
  Report r{producer.service, producer.path, {}};
  check_compatibility(producer, *view, r);
  check_examples(producer, r);
  check_consumers(producer, *view, r);
  EXPECT_TRUE(r.passed()) << summary_text(r);
  ASSERT_NE(find(r, Kind::Compatibility, "reading.schema.json"), nullptr);
  EXPECT_HAS(find(r, Kind::Compatibility, "reading.schema.json")->message, "compatible under BACKWARD");
  ASSERT_NE(find(r, Kind::Examples, "reading-too-hot.json"), nullptr);
  EXPECT_HAS(find(r, Kind::Examples, "reading-too-hot.json")->message, "data/temperature");
  EXPECT_HAS(find(r, Kind::Examples, "reading-no-id.json")->message, "id");
  ASSERT_NE(find(r, Kind::Consumers, "heating-dashboard"), nullptr);

  // The dashboard itself: its fields against the latest registered schema (v1).
  Report d{dashboard.service, dashboard.path, {}};
  check_consumers(dashboard, *view, d);
  EXPECT_TRUE(d.passed()) << summary_text(d);
  EXPECT_HAS(summary_text(d), "version 1");
}

TEST(Checks, BreakingSchemaFailsNamingConsumerAndField) {
  TempDir t;
  auto exp = t.write("export.json", export_json());
  auto producer = load_contract((kExample / "contract/accord-contract.breaking.yaml").string());
  auto view = export_view(exp, {load_contract((kExample / "contract/heating-dashboard.yaml").string())});
  Report r{producer.service, producer.path, {}};
  check_compatibility(producer, *view, r);
  check_consumers(producer, *view, r);
  EXPECT_FALSE(r.passed());
  const auto* compat = find(r, Kind::Compatibility, "reading.breaking.schema.json");
  ASSERT_NE(compat, nullptr);
  EXPECT_FALSE(compat->passed);
  EXPECT_HAS(compat->message, "incompatible under BACKWARD");
  const auto* consumer = find(r, Kind::Consumers, "heating-dashboard");
  ASSERT_NE(consumer, nullptr);
  EXPECT_FALSE(consumer->passed);
  EXPECT_HAS(consumer->message, "breaks consumer heating-dashboard");
  EXPECT_HAS(consumer->message, "/temperature was removed");
}

TEST(Checks, NewSubjectPassesAndUnknownConsumedSubjectFails) {
  TempDir t;
  auto exp = t.write("export.json", R"({"format":"accord-registry-export","format_version":1,"compatibility":"FULL","subjects":[]})");
  auto producer = load_contract((kExample / "contract/accord-contract.yaml").string());
  auto view = export_view(exp, {});
  Report r{producer.service, producer.path, {}};
  check_compatibility(producer, *view, r);
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_TRUE(r.results[0].passed);
  EXPECT_HAS(r.results[0].message, "new subject");
  auto dashboard = load_contract((kExample / "contract/heating-dashboard.yaml").string());
  Report d{dashboard.service, dashboard.path, {}};
  check_consumers(dashboard, *view, d);
  EXPECT_FALSE(d.passed());
  EXPECT_HAS(summary_text(d), "is not registered");
}

TEST(Checks, ExamplesThatDoNotBehaveAsDeclaredFail) {
  TempDir t;
  t.write("schema.json", read(kExample / "contract/schemas/reading.schema.json"));
  t.write("ok.json", read(kExample / "contract/examples/reading-ok.json"));
  t.write("hot.json", read(kExample / "contract/examples/reading-too-hot.json"));
  auto path = t.write("c.yaml", R"(service: s
produces:
  - type: com.example.thermostat.reading
    schema: schema.json
    examples:
      valid: [hot.json]
      invalid:
        - {file: ok.json, reason: anything}
        - {file: hot.json, reason: deviceId}
)");
  auto c = load_contract(path);
  Report r{c.service, c.path, {}};
  check_examples(c, r);
  ASSERT_EQ(r.results.size(), 3u);
  for (const auto& x : r.results) EXPECT_FALSE(x.passed) << x.name;
  EXPECT_HAS(r.results[0].message, "expected valid, rejected: data/temperature");
  EXPECT_HAS(r.results[1].message, "but it is valid");
  EXPECT_HAS(r.results[2].message, "rejected for another reason");
}

TEST(Checks, ExportFileErrors) {
  TempDir t;
  auto expect_error = [&](const std::string& text, const std::string& part) {
    try {
      export_view(t.write("e.json", text), {});
      ADD_FAILURE() << text;
    } catch (const ContractError& e) {
      EXPECT_HAS(e.what(), part);
    }
  };
  expect_error("not json", "not JSON");
  expect_error("{}", "accord-registry-export");
  expect_error(R"({"format":"accord-registry-export","subjects":[],"compatibility":"SIDEWAYS"})", "SIDEWAYS");
  try {
    export_view((t.path() / "none.json").string(), {});
    ADD_FAILURE();
  } catch (const ContractError& e) {
    EXPECT_HAS(e.what(), "cannot read registry export");
  }
}

TEST(Reports, JunitAndAnnotations) {
  Report r{"svc", "c.yaml", {}};
  r.results.push_back({Kind::Compatibility, "s: a.json", true, "compatible under BACKWARD", "a.json"});
  r.results.push_back({Kind::Consumers, "consumer x of t", false, "field /t <was> removed: 100%", "a.json"});
  const auto xml = junit_xml(r);
  EXPECT_HAS(xml, "<testsuites name=\"accord-contract svc\" tests=\"2\" failures=\"1\"");
  EXPECT_HAS(xml, "<testsuite name=\"compatibility\" tests=\"1\" failures=\"0\"");
  EXPECT_HAS(xml, "<testsuite name=\"consumers\" tests=\"1\" failures=\"1\"");
  EXPECT_HAS(xml, "<failure message=\"field /t &lt;was&gt; removed: 100%\"");
  EXPECT_EQ(xml.find("<testsuite name=\"examples\""), std::string::npos);
  const auto gh = github_annotations(r);
  EXPECT_EQ(gh, "::error file=a.json,title=contract consumers::consumer x of t: field /t <was> removed: 100%25\n");
  const auto text = summary_text(r);
  EXPECT_HAS(text, "PASS  compatibility  s: a.json: compatible under BACKWARD\n");
  EXPECT_HAS(text, "FAIL  consumers  consumer x of t:");
  EXPECT_HAS(text, "svc: 2 check(s), 1 failed");
}

}  // namespace
}  // namespace accord::contract
