// `accordctl contract test|can-deploy|publish` against the real broker (docs/contracts.md), with
// the worked thermostat example (schemas/examples/thermostat/contract): (1) compatibility,
// (2) examples, (3) consumers' fields, (4) live publishing, each passing and failing; the JUnit
// file parsed back; GitHub annotations; offline mode over an export file written here; bad
// contract files (exit 2), an unreachable registry or broker (exit 3).
#include <boost/json.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "http_client.hpp"
#include "test_support.hpp"

namespace accord::it {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace json = boost::json;

#ifndef ACCORDCTL_BIN_PATH
#define ACCORDCTL_BIN_PATH ""
#endif

#define EXPECT_HAS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << (text)

const fs::path kThermostat = fs::path(__FILE__).parent_path() / "../../schemas/examples/thermostat";
const fs::path kContract = kThermostat / "contract";
const std::string kType = "com.example.thermostat.reading";

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string kPolicy = R"(
[[policies]]
name = "thermostat"
topic_filter = "fleet/+/reading"
validate_data = true
action = "reject"
)";

// JUnit XML read back: per testsuite its counts and its testcases (name -> failure message or
// "" when it passed). A small element scanner: the file is what accordctl writes, one element
// per line, attributes in double quotes.
struct Junit {
  struct Suite {
    int tests = -1, failures = -1;
    std::map<std::string, std::string> cases;
  };
  int tests = -1, failures = -1;
  std::map<std::string, Suite> suites;
};
std::string unescape(std::string s) {
  const std::pair<const char*, const char*> ents[] = {{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
  for (auto [from, to] : ents)
    for (std::size_t i; (i = s.find(from)) != std::string::npos;) s.replace(i, std::strlen(from), to);
  return s;
}
std::string attr(const std::string& tag, const std::string& name) {
  std::smatch m;
  if (std::regex_search(tag, m, std::regex("\\s" + name + "=\"([^\"]*)\""))) return unescape(m[1]);
  return "";
}
Junit parse_junit(const std::string& xml) {
  Junit j;
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0), 0u) << xml;
  std::regex tag_re("<(/?)([a-z-]+)([^>]*)>");
  Junit::Suite* suite = nullptr;
  std::string current_case;
  int depth = 0;
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), tag_re); it != std::sregex_iterator(); ++it) {
    const bool closing = (*it)[1] == "/";
    const std::string name = (*it)[2], attrs = (*it)[3];
    const bool self_closing = !attrs.empty() && attrs.back() == '/';
    if (closing) {
      --depth;
      if (name == "testsuite") suite = nullptr;
      continue;
    }
    if (!self_closing) ++depth;
    if (name == "testsuites") {
      j.tests = std::stoi(attr(attrs, "tests"));
      j.failures = std::stoi(attr(attrs, "failures"));
    } else if (name == "testsuite") {
      suite = &j.suites[attr(attrs, "name")];
      suite->tests = std::stoi(attr(attrs, "tests"));
      suite->failures = std::stoi(attr(attrs, "failures"));
    } else if (name == "testcase") {
      EXPECT_NE(suite, nullptr) << "testcase outside a testsuite";
      current_case = attr(attrs, "name");
      if (suite) suite->cases[current_case] = "";
    } else if (name == "failure") {
      if (suite) suite->cases[current_case] = attr(attrs, "message");
    }
  }
  EXPECT_EQ(depth, 0) << "unbalanced XML: " << xml;
  return j;
}

class Contracts : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    SKIP_UNDER_MOSQUITTO("the registry and contracts are Accord's");
    dir_ = fs::temp_directory_path() / ("accord-contract-it-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    fs::remove_all(dir_);
    BrokerTest::TearDown();
  }

  void start(bool with_v1 = true) {
    BrokerOptions o;
    o.config_toml = kPolicy;
    start_broker(std::move(o));
    if (with_v1) register_schema(kType, read(kThermostat / "reading.v1.schema.json"));
  }
  std::string admin() { return "http://127.0.0.1:" + std::to_string(broker().admin_port()); }
  std::string mqtt_url() { return "mqtt://127.0.0.1:" + std::to_string(port()); }
  HttpClient http() { return HttpClient("127.0.0.1", broker().admin_port(), 10s); }
  void register_schema(const std::string& subject, const std::string& schema) {
    auto r = http().post("/subjects/" + url_segment(subject) + "/versions",
                         json::object{{"schemaType", "JSON"}, {"schema", schema}});
    ASSERT_EQ(r.status, 200u) << r.describe();
  }

  ProcessResult ctl(std::vector<std::string> args, std::vector<std::string> env = {}) {
    std::vector<std::string> argv;
    if (!env.empty()) {
      argv = {"/usr/bin/env"};
      argv.insert(argv.end(), env.begin(), env.end());
    }
    argv.push_back(ACCORDCTL_BIN_PATH);
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, 60s);
  }
  ProcessResult online(std::vector<std::string> args) {
    args.insert(args.begin(), {"--admin", admin()});
    return ctl(std::move(args));
  }

  std::string write(const std::string& name, const std::string& text) {
    auto p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  // A copy of the worked example's files next to a contract written here.
  std::string contract(const std::string& name, const std::string& yaml) {
    for (const char* f : {"schemas/reading.schema.json", "schemas/reading.breaking.schema.json",
                          "examples/reading-ok.json", "examples/reading-too-hot.json", "examples/reading-no-id.json"})
      if (!fs::exists(dir_ / f)) {
        fs::create_directories((dir_ / f).parent_path());
        fs::copy_file(kContract / f, dir_ / f);
      }
    return write(name, yaml);
  }
  std::string example(const std::string& name) { return (kContract / name).string(); }

  fs::path dir_;
};

int lines(const std::string& s) { return int(std::count(s.begin(), s.end(), '\n')); }

// (1) compatibility and (2) examples pass for the worked example; the JUnit file says so.
TEST_F(Contracts, WorkedExamplePassesOnline) {
  start();
  const auto junit = (dir_ / "contract.xml").string();
  auto r = online({"contract", "test", example("accord-contract.yaml"), "--junit", junit});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_HAS(r.out, "PASS  compatibility  com.example.thermostat.reading: schemas/reading.schema.json: compatible under BACKWARD");
  EXPECT_HAS(r.out, "PASS  examples  com.example.thermostat.reading: examples/reading-ok.json (valid): valid");
  EXPECT_HAS(r.out, "PASS  examples  com.example.thermostat.reading: examples/reading-too-hot.json (invalid): rejected as expected: data/temperature");
  EXPECT_HAS(r.out, "PASS  consumers  consumers of com.example.thermostat.reading: no published consumer contract");
  EXPECT_HAS(r.out, "thermostat-firmware: 5 check(s), 0 failed");
  auto j = parse_junit(read(junit));
  EXPECT_EQ(j.tests, 5);
  EXPECT_EQ(j.failures, 0);
  ASSERT_EQ(j.suites.size(), 3u);
  EXPECT_EQ(j.suites["compatibility"].tests, 1);
  EXPECT_EQ(j.suites["examples"].tests, 3);
  EXPECT_EQ(j.suites["examples"].failures, 0);
  EXPECT_EQ(j.suites["consumers"].tests, 1);
  for (auto& [name, s] : j.suites)
    for (auto& [c, failure] : s.cases) EXPECT_EQ(failure, "") << name << " " << c;
}

// A new subject has nothing to be compatible with.
TEST_F(Contracts, NewSubjectPasses) {
  start(/*with_v1=*/false);
  auto r = online({"contract", "test", example("accord-contract.yaml")});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_HAS(r.out, "PASS  compatibility  com.example.thermostat.reading: schemas/reading.schema.json: new subject");
}

// (1) fails and (3) fails: the breaking schema renames temperature; the published dashboard
// contract is named with the field. JUnit and GitHub annotations carry the same failures.
TEST_F(Contracts, BreakingChangeFailsNamingConsumerAndField) {
  start();
  auto pub = online({"contract", "publish", example("heating-dashboard.yaml")});
  ASSERT_EQ(pub.exit_code, 0) << pub.out;
  EXPECT_HAS(pub.out, "published the contract of heating-dashboard");
  auto listed = http().get("/accord/v1/contracts");
  ASSERT_EQ(listed.status, 200u) << listed.describe();
  ASSERT_EQ(listed.json().as_array().size(), 1u);
  EXPECT_EQ(listed.json().as_array()[0].at("service"), "heating-dashboard");

  // The good schema still passes, now with the consumer checked.
  auto good = online({"contract", "test", example("accord-contract.yaml")});
  ASSERT_EQ(good.exit_code, 0) << good.out;
  EXPECT_HAS(good.out, "PASS  consumers  consumer heating-dashboard of com.example.thermostat.reading: 3 field(s) present");

  const auto junit = (dir_ / "breaking.xml").string();
  auto bad = ctl({"--admin", admin(), "contract", "test", example("accord-contract.breaking.yaml"), "--junit", junit},
                 {"GITHUB_ACTIONS=true"});
  ASSERT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_HAS(bad.out, "FAIL  compatibility  com.example.thermostat.reading: schemas/reading.breaking.schema.json: incompatible under BACKWARD");
  EXPECT_HAS(bad.out, "FAIL  consumers  consumer heating-dashboard of com.example.thermostat.reading: breaks consumer heating-dashboard: field /temperature was removed");
  // GITHUB_ACTIONS=true: annotations pointing at the schema file.
  EXPECT_HAS(bad.out, "::error file=" + (kContract / "schemas/reading.breaking.schema.json").lexically_normal().string() +
                          ",title=contract consumers::consumer heating-dashboard of com.example.thermostat.reading: breaks consumer heating-dashboard: field /temperature was removed");
  auto j = parse_junit(read(junit));
  EXPECT_EQ(j.tests, 2);
  EXPECT_EQ(j.failures, 2);
  EXPECT_EQ(j.suites["compatibility"].failures, 1);
  const auto& consumers = j.suites["consumers"].cases;
  ASSERT_EQ(consumers.size(), 1u);
  EXPECT_HAS(consumers.begin()->first, "heating-dashboard");
  EXPECT_HAS(consumers.begin()->second, "field /temperature was removed");

  // can-deploy says the same, and whom it breaks.
  auto deploy = online({"contract", "can-deploy", example("accord-contract.breaking.yaml")});
  EXPECT_EQ(deploy.exit_code, 1) << deploy.out;
  EXPECT_HAS(deploy.out, "no: deploying thermostat-firmware breaks:");
  EXPECT_HAS(deploy.out, "heating-dashboard");
  auto ok = online({"contract", "can-deploy", example("accord-contract.yaml")});
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_HAS(ok.out, "yes: deploying thermostat-firmware breaks no one");

  // Deleting the consumer contract: nobody is broken any more (compatibility still fails).
  EXPECT_EQ(http().del("/accord/v1/contracts/heating-dashboard").status, 200u);
  EXPECT_EQ(http().get("/accord/v1/contracts/heating-dashboard").status, 404u);
  auto after = online({"contract", "test", example("accord-contract.breaking.yaml")});
  EXPECT_EQ(after.exit_code, 1) << after.out;
  EXPECT_EQ(after.out.find("FAIL  consumers"), std::string::npos) << after.out;
}

// (3) from the consumer's side: its fields against the latest registered schema.
TEST_F(Contracts, ConsumerFieldsAgainstLatestSchema) {
  start();
  auto ok = online({"contract", "test", example("heating-dashboard.yaml")});
  ASSERT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_HAS(ok.out, "PASS  consumers  heating-dashboard consumes com.example.thermostat.reading (com.example.thermostat.reading): 3 field(s) present with their types in version 1");
  auto deploy = online({"contract", "can-deploy", example("heating-dashboard.yaml")});
  EXPECT_EQ(deploy.exit_code, 0) << deploy.out;

  auto path = contract("wants-more.yaml", R"(service: wants-more
consumes:
  - type: com.example.thermostat.reading
    fields:
      - {path: /deviceId, type: number}
      - {path: /setpoint, type: number}
  - type: com.example.unknown
    fields: [{path: /x, type: string}]
)");
  auto bad = online({"contract", "test", path});
  ASSERT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_HAS(bad.out, "FAIL  consumers  wants-more consumes com.example.thermostat.reading (com.example.thermostat.reading): the registered schema (version 1) breaks it: field /deviceId: type changed from number to string; field /setpoint is no longer required");
  EXPECT_HAS(bad.out, "FAIL  consumers  wants-more consumes com.example.unknown (com.example.unknown): subject 'com.example.unknown' is not registered");
  auto deploy_bad = online({"contract", "can-deploy", path});
  EXPECT_EQ(deploy_bad.exit_code, 1) << deploy_bad.out;
}

// (2) fails: examples that do not behave as declared, in the summary and the JUnit file.
TEST_F(Contracts, ExamplesThatMisbehaveFail) {
  start();
  auto path = contract("c.yaml", R"(service: thermostat-firmware
produces:
  - type: com.example.thermostat.reading
    schema: schemas/reading.schema.json
    topics: ["fleet/+/reading"]
    examples:
      valid: [examples/reading-too-hot.json]
      invalid:
        - {file: examples/reading-ok.json, reason: temperature}
        - {file: examples/reading-no-id.json, reason: "data/temperature"}
)");
  const auto junit = (dir_ / "examples.xml").string();
  auto r = online({"contract", "test", path, "--junit", junit});
  ASSERT_EQ(r.exit_code, 1) << r.out;
  EXPECT_HAS(r.out, "FAIL  examples  com.example.thermostat.reading: examples/reading-too-hot.json (valid): expected valid, rejected: data/temperature");
  EXPECT_HAS(r.out, "FAIL  examples  com.example.thermostat.reading: examples/reading-ok.json (invalid): expected invalid (\"temperature\"), but it is valid");
  EXPECT_HAS(r.out, "FAIL  examples  com.example.thermostat.reading: examples/reading-no-id.json (invalid): rejected for another reason: \"id:");
  auto j = parse_junit(read(junit));
  EXPECT_EQ(j.suites["examples"].tests, 3);
  EXPECT_EQ(j.suites["examples"].failures, 3);
  EXPECT_EQ(j.suites["compatibility"].failures, 0);
  EXPECT_HAS(j.suites["examples"].cases["com.example.thermostat.reading: examples/reading-ok.json (invalid)"], "but it is valid");
}

// (4) live: the examples published to the broker are accepted and refused as declared; an
// ungoverned topic lets the invalid one through, which fails the check.
TEST_F(Contracts, LivePublishing) {
  start();
  register_schema(kType, read(kContract / "schemas/reading.schema.json"));  // v2: the examples' humidity
  const auto junit = (dir_ / "live.xml").string();
  auto r = online({"contract", "test", example("accord-contract.yaml"), "--live", "--broker", mqtt_url(), "--junit", junit});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_HAS(r.out, "PASS  live  com.example.thermostat.reading: examples/reading-ok.json (valid): accepted on fleet/contract-test/reading (PUBACK 0x00)");
  EXPECT_HAS(r.out, "PASS  live  com.example.thermostat.reading: examples/reading-too-hot.json (invalid): rejected on fleet/contract-test/reading (PUBACK 0x99)");
  EXPECT_EQ(parse_junit(read(junit)).suites["live"].tests, 3);

  auto path = contract("ungoverned.yaml", R"(service: thermostat-firmware
produces:
  - type: com.example.thermostat.reading
    schema: schemas/reading.schema.json
    topics: ["lab/+/reading"]
    examples:
      invalid: [{file: examples/reading-too-hot.json, reason: data/temperature}]
)");
  auto bad = online({"contract", "test", path, "--live", "--broker", mqtt_url(), "--junit", junit});
  ASSERT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_HAS(bad.out, "FAIL  live  com.example.thermostat.reading: examples/reading-too-hot.json (invalid): published to lab/contract-test/reading: expected PUBACK 0x99, got 0x00");
  auto j = parse_junit(read(junit));
  EXPECT_EQ(j.suites["live"].failures, 1);
  EXPECT_EQ(j.suites["examples"].failures, 0);

  // An unreachable broker: exit 3, one line.
  auto down = online({"contract", "test", example("accord-contract.yaml"), "--live", "--broker",
                      "mqtt://127.0.0.1:" + std::to_string(pick_free_port()), "--timeout", "3"});
  EXPECT_EQ(down.exit_code, 3) << down.out;
  EXPECT_HAS(down.out, "accordctl: cannot reach the broker");
  EXPECT_EQ(lines(down.out), 1) << down.out;
}

// Offline: an export file written here in `accordctl registry export`'s format, consumers given
// as files. No broker involved.
TEST_F(Contracts, OfflineWithExportFile) {
  json::object v1{{"version", 1}, {"id", 1}, {"schemaType", "JSON"},
                  {"schema", read(kThermostat / "reading.v1.schema.json")}, {"references", json::array{}}};
  const auto exported = write("export.json", json::serialize(json::object{
      {"format", "accord-registry-export"}, {"format_version", 1}, {"compatibility", "NONE"},
      {"subjects", json::array{json::object{{"subject", kType}, {"compatibility", "BACKWARD_TRANSITIVE"}, {"versions", json::array{v1}}}}},
      {"policies", json::array{}}}));
  const auto dashboard = example("heating-dashboard.yaml");
  auto ok = ctl({"contract", "test", example("accord-contract.yaml"), "--registry-file", exported, "--consumer", dashboard});
  ASSERT_EQ(ok.exit_code, 0) << ok.out;
  // The subject's own level is the one in force (the global NONE would let anything through).
  EXPECT_HAS(ok.out, "compatible under BACKWARD_TRANSITIVE");
  EXPECT_HAS(ok.out, "PASS  consumers  consumer heating-dashboard");
  const auto junit = (dir_ / "offline.xml").string();
  auto bad = ctl({"contract", "test", example("accord-contract.breaking.yaml"), "--registry-file", exported,
                  "--consumer", dashboard, "--junit", junit, "--github"});
  ASSERT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_HAS(bad.out, "incompatible under BACKWARD_TRANSITIVE");
  EXPECT_HAS(bad.out, "breaks consumer heating-dashboard: field /temperature was removed");
  EXPECT_HAS(bad.out, "::error file=");
  EXPECT_EQ(parse_junit(read(junit)).failures, 2);
  auto deploy = ctl({"contract", "can-deploy", example("accord-contract.breaking.yaml"), "--registry-file", exported,
                     "--consumer", dashboard});
  EXPECT_EQ(deploy.exit_code, 1) << deploy.out;
  EXPECT_HAS(deploy.out, "heating-dashboard");
  auto consumer = ctl({"contract", "can-deploy", dashboard, "--registry-file", exported});
  EXPECT_EQ(consumer.exit_code, 0) << consumer.out;

  auto not_export = ctl({"contract", "test", example("accord-contract.yaml"), "--registry-file", write("x.json", "{}")});
  EXPECT_EQ(not_export.exit_code, 2) << not_export.out;
  EXPECT_HAS(not_export.out, "not a registry export");
  EXPECT_EQ(lines(not_export.out), 1) << not_export.out;
}

// Bad contract files: exit 2 and one line; an unreachable registry: exit 3 and one line.
TEST_F(Contracts, BadInputAndUnreachableRegistry) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"service: [unclosed\n", "not YAML"},
      {"service: s\nproduces:\n  - type: t\n    schema: nowhere.json\n", "cannot read schema file"},
      {"produces: []\n", "\"service\" is required"},
      {"service: s\nconsumes:\n  - type: t\n    fields: [{path: /a, type: float}]\n", "unknown type 'float'"},
  };
  for (const auto& [yaml, why] : cases) {
    auto r = ctl({"--admin", "http://127.0.0.1:1", "contract", "test", write("bad.yaml", yaml)});
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_EQ(r.out.rfind("accordctl: ", 0), 0u) << r.out;
    EXPECT_HAS(r.out, why);
    EXPECT_EQ(lines(r.out), 1) << r.out;
  }
  auto missing = ctl({"contract", "test", (dir_ / "absent.yaml").string()});
  EXPECT_EQ(missing.exit_code, 2) << missing.out;
  EXPECT_HAS(missing.out, "cannot read contract file");

  const std::string nobody = "http://127.0.0.1:" + std::to_string(pick_free_port());
  for (const char* cmd : {"test", "can-deploy", "publish"}) {
    auto r = ctl({"--admin", nobody, "--timeout", "3", "contract", cmd, example("accord-contract.yaml")});
    EXPECT_EQ(r.exit_code, 3) << cmd << ": " << r.out;
    EXPECT_HAS(r.out, "accordctl: cannot reach the admin API");
    EXPECT_EQ(lines(r.out), 1) << r.out;
  }
}

}  // namespace
}  // namespace accord::it
