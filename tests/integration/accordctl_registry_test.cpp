// accordctl's registry and policy commands against a running broker: schema register / list /
// get / delete / check / diff / validate, compat get / set / delete, policy list / get / set /
// delete / reset / apply, registry export / import (into a second fresh broker, twice), and the
// errors with their exit codes (2 bad local file, 3 unreachable, 1 refused by the broker).
#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "test_support.hpp"

namespace accord::it {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace json = boost::json;

#ifndef ACCORDCTL_BIN_PATH
#define ACCORDCTL_BIN_PATH ""
#endif

const char* const kReadingV1 = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://schemas.accord.example/thermostat/reading.json",
  "type": "object",
  "properties": {
    "deviceId": { "type": "string" },
    "temperature": { "type": "number", "minimum": -40, "maximum": 85 },
    "measuredAt": { "type": "string", "format": "date-time" }
  },
  "required": ["deviceId", "temperature", "measuredAt"],
  "additionalProperties": false
}
)";

// v1 + an optional field: BACKWARD compatible.
const char* const kReadingV2 = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://schemas.accord.example/thermostat/reading.json",
  "type": "object",
  "properties": {
    "deviceId": { "type": "string" },
    "temperature": { "type": "number", "minimum": -40, "maximum": 85 },
    "measuredAt": { "type": "string", "format": "date-time" },
    "humidity": { "type": "number", "minimum": 0, "maximum": 100 }
  },
  "required": ["deviceId", "temperature", "measuredAt"],
  "additionalProperties": false
}
)";

// temperature becomes a string: breaks every consumer.
const char* const kReadingBroken = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://schemas.accord.example/thermostat/reading.json",
  "type": "object",
  "properties": {
    "deviceId": { "type": "string" },
    "temperature": { "type": "string" },
    "measuredAt": { "type": "string", "format": "date-time" }
  },
  "required": ["deviceId", "temperature", "measuredAt"],
  "additionalProperties": false
}
)";

const char* const kAddress = R"({"$id": "https://schemas.accord.example/common/address.json",
 "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})";
const char* const kSite = R"({"$id": "https://schemas.accord.example/common/site.json",
 "type": "object", "properties": {"address": {"$ref": "address.json"}}})";

const char* const kProto = R"(syntax = "proto3";
package com.example.thermostat;

message Reading {
  string device_id = 1;
  double temperature = 2;
}
)";

const char* const kPolicyToml = R"(
[[policies]]
name = "readings"
topic_filter = "fleet/+/reading"
validate_data = true
)";

class AccordctlRegistry : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    SKIP_UNDER_MOSQUITTO("the registry and accordctl are Accord's");
    char tmpl[] = "/tmp/accordctl-registry-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    BrokerTest::TearDown();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::string admin_of(const BrokerProcess& b) { return "http://127.0.0.1:" + std::to_string(b.admin_port()); }
  ProcessResult ctl_at(const std::string& admin, std::vector<std::string> args) {
    args.insert(args.begin(), {ACCORDCTL_BIN_PATH, "--admin", admin});
    return run_process(args, 30s);
  }
  ProcessResult ctl(std::vector<std::string> args) { return ctl_at(admin_of(broker()), std::move(args)); }
  // Runs and expects exit 0 with JSON output; returns it parsed.
  json::value ctl_json(std::vector<std::string> args, const std::string& admin = "") {
    args.push_back("-o");
    args.push_back("json");
    auto r = admin.empty() ? ctl(args) : ctl_at(admin, args);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    boost::system::error_code ec;
    auto v = json::parse(r.out, ec);
    EXPECT_FALSE(ec) << "not JSON: " << r.out;
    return v;
  }
  std::string file(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << content;
    return path;
  }
  static std::string read(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static int lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

  // subject -> the registry's state as `registry export` writes it, without ids (a second
  // registry assigns its own).
  static json::value without_ids(json::value doc) {
    for (auto& s : doc.at("subjects").as_array())
      for (auto& v : s.at("versions").as_array()) v.as_object().erase("id");
    return doc;
  }

  // The source registry of the export tests: versions with a reference, a subject whose
  // versions its own level would refuse today, levels, and policies.
  void fill_source() {
    ASSERT_EQ(ctl({"schema", "register", "thermo", file("v1.json", kReadingV1)}).exit_code, 0);
    ASSERT_EQ(ctl({"schema", "register", "thermo", file("v2.json", kReadingV2)}).exit_code, 0);
    ASSERT_EQ(ctl({"schema", "register", "common.address", file("address.json", kAddress)}).exit_code, 0);
    auto site = ctl({"schema", "register", "common.site", file("site.json", kSite), "--reference",
                     "address.json=common.address:1"});
    ASSERT_EQ(site.exit_code, 0) << site.out;
    ASSERT_EQ(ctl({"schema", "register", "thermo.proto", file("reading.proto", kProto)}).exit_code, 0);
    // legacy: v2 breaks v1, accepted under NONE; the subject is FULL now.
    ASSERT_EQ(ctl({"compat", "set", "NONE", "legacy"}).exit_code, 0);
    ASSERT_EQ(ctl({"schema", "register", "legacy", file("l1.json", kReadingV1)}).exit_code, 0);
    ASSERT_EQ(ctl({"schema", "register", "legacy", file("l2.json", kReadingBroken)}).exit_code, 0);
    ASSERT_EQ(ctl({"compat", "set", "FULL", "legacy"}).exit_code, 0);
    ASSERT_EQ(ctl({"compat", "set", "FORWARD"}).exit_code, 0);
    ASSERT_EQ(ctl({"policy", "set", "readings", "--topic-filter", "fleet/+/reading", "--validate-data",
                   "--allowed-types", "com.example.*"})
                  .exit_code,
              0);
    ASSERT_EQ(ctl({"policy", "set", "audit", "--topic-filter", "audit/#", "--action", "log-only"}).exit_code, 0);
    // A consumer's contract, published as a consumer's CI does (docs/contracts.md).
    auto published = ctl({"contract", "publish", file("dashboard.yaml", R"(service: dashboard
consumes:
  - type: com.example.thermostat.reading
    subject: thermo
    fields:
      - {path: /temperature, type: number}
)")});
    ASSERT_EQ(published.exit_code, 0) << published.out;
  }

  std::string dir_;
};

TEST_F(AccordctlRegistry, SchemaCommands) {
  const std::string v1 = file("reading.v1.json", kReadingV1);
  auto reg = ctl_json({"schema", "register", "thermo", v1});
  EXPECT_EQ(reg, json::parse(R"({"subject":"thermo","version":1,"id":1,"schemaType":"JSON"})"));
  auto table = ctl({"schema", "register", "thermo", file("reading.v2.json", kReadingV2)});
  ASSERT_EQ(table.exit_code, 0) << table.out;
  EXPECT_NE(table.out.find("version          2\n"), std::string::npos) << table.out;
  auto proto = ctl_json({"schema", "register", "thermo.proto", file("reading.proto", kProto)});
  EXPECT_EQ(proto.at("schemaType"), "PROTOBUF");
  EXPECT_EQ(proto.at("id"), 3);

  EXPECT_EQ(ctl_json({"schema", "list"}), json::parse(R"(["thermo","thermo.proto"])"));
  EXPECT_EQ(ctl_json({"schema", "list", "thermo"}),
            json::parse(R"([{"subject":"thermo","version":1,"id":1,"schemaType":"JSON"},
                            {"subject":"thermo","version":2,"id":2,"schemaType":"JSON"}])"));
  auto list_table = ctl({"schema", "list"});
  EXPECT_EQ(list_table.out, "SUBJECT       VERSIONS\nthermo        1, 2\nthermo.proto  1\n");

  auto got = ctl_json({"schema", "get", "thermo", "1"});
  EXPECT_EQ(got.at("schema"), kReadingV1);
  EXPECT_EQ(got.at("version"), 1);
  EXPECT_EQ(ctl_json({"schema", "get", "thermo"}).at("version"), 2);  // latest
  auto raw = ctl({"schema", "get", "thermo.proto", "latest", "--schema-only"});
  EXPECT_EQ(raw.out, kProto);
  auto by_id = ctl_json({"schema", "get", "--id", "2"});
  EXPECT_EQ(by_id.at("schema"), kReadingV2);
  EXPECT_EQ(by_id.at("versions"), json::parse(R"([{"subject":"thermo","version":2}])"));

  // check: a compatible file passes, a breaking one fails naming the field.
  auto ok = ctl({"schema", "check", "thermo", file("v3.json", kReadingV2)});
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_NE(ok.out.find("is compatible with thermo (BACKWARD)"), std::string::npos) << ok.out;
  const std::string broken = file("broken.json", kReadingBroken);
  auto bad = ctl({"schema", "check", "thermo", broken});
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_NE(bad.out.find("is NOT compatible with thermo (BACKWARD)"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("version 2 (backward) /properties/temperature"), std::string::npos) << bad.out;
  auto bad_json = ctl({"schema", "check", "thermo", broken, "-o", "json"});
  EXPECT_EQ(bad_json.exit_code, 1);
  auto report = json::parse(bad_json.out);
  EXPECT_EQ(report.at("is_compatible"), false);
  EXPECT_EQ(report.at("compatibility"), "BACKWARD");
  ASSERT_FALSE(report.at("incompatibilities").as_array().empty());
  EXPECT_NE(json::serialize(report.at("incompatibilities")).find("/properties/temperature"), std::string::npos);
  // Against version 1 only (which lacks humidity, as does the file): still the type change.
  EXPECT_EQ(ctl({"schema", "check", "thermo", broken, "--version", "1"}).exit_code, 1);

  auto diff = ctl_json({"schema", "diff", "thermo", "1", "2"});
  EXPECT_EQ(diff.at("from"), 1);
  EXPECT_EQ(diff.at("to"), 2);
  EXPECT_NE(json::serialize(diff.at("changes")).find("/properties/humidity"), std::string::npos) << diff;
  EXPECT_EQ(diff.at("backward").at("is_compatible"), true);
  auto diff_table = ctl({"schema", "diff", "thermo", "1", "2"});
  EXPECT_NE(diff_table.out.find("thermo: version 1 -> 2\n"), std::string::npos) << diff_table.out;
  EXPECT_NE(diff_table.out.find("backward: compatible\n"), std::string::npos) << diff_table.out;

  const std::string good_doc =
      file("good.json", R"({"deviceId":"th-1","temperature":21.5,"measuredAt":"2026-01-01T00:00:00Z"})");
  const std::string hot_doc =
      file("hot.json", R"({"deviceId":"th-1","temperature":99,"measuredAt":"2026-01-01T00:00:00Z"})");
  auto valid = ctl_json({"schema", "validate", "thermo", good_doc});
  EXPECT_EQ(valid.at("valid"), true);
  EXPECT_EQ(valid.at("version"), 2);
  auto invalid = ctl({"schema", "validate", "thermo", hot_doc, "--version", "1"});
  EXPECT_EQ(invalid.exit_code, 1) << invalid.out;
  EXPECT_NE(invalid.out.find("is NOT valid against thermo version 1"), std::string::npos) << invalid.out;
  EXPECT_NE(invalid.out.find("/temperature"), std::string::npos) << invalid.out;

  // delete: a version soft, then permanently; a whole subject permanently in one go.
  EXPECT_EQ(ctl_json({"schema", "delete", "thermo", "2"}), 2);
  EXPECT_EQ(ctl_json({"schema", "list", "thermo"}).as_array().size(), 1u);
  EXPECT_EQ(ctl_json({"schema", "list", "thermo", "--deleted"}).as_array().size(), 2u);
  EXPECT_EQ(ctl_json({"schema", "delete", "thermo", "2", "--permanent"}), 2);
  EXPECT_EQ(ctl_json({"schema", "list", "thermo", "--deleted"}).as_array().size(), 1u);
  auto gone = ctl({"schema", "delete", "thermo.proto", "--permanent"});
  EXPECT_EQ(gone.out, "permanently deleted thermo.proto version 1\n");
  EXPECT_EQ(ctl_json({"schema", "list", "--deleted"}), json::parse(R"(["thermo"])"));

  // The broker's refusals: exit 1, its message on one line.
  auto unknown = ctl({"schema", "get", "nope"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.out, "accordctl: Subject 'nope' not found.\n");
  auto check_unknown = ctl({"schema", "check", "nope", file("v4.json", kReadingV1)});
  EXPECT_EQ(check_unknown.exit_code, 1);
  EXPECT_EQ(lines(check_unknown.out), 1) << check_unknown.out;
  EXPECT_NE(check_unknown.out.find("nope"), std::string::npos) << check_unknown.out;
  auto refused = ctl({"schema", "register", "thermo", broken});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(lines(refused.out), 1) << refused.out;
  EXPECT_NE(refused.out.find("temperature"), std::string::npos) << refused.out;
}

TEST_F(AccordctlRegistry, CompatCommands) {
  EXPECT_EQ(ctl_json({"compat", "get"}), json::parse(R"({"subject":null,"compatibilityLevel":"BACKWARD","source":"global"})"));
  EXPECT_EQ(ctl({"compat", "get"}).out, "SUBJECT   LEVEL     SOURCE\n(global)  BACKWARD  global\n");
  EXPECT_EQ(ctl_json({"compat", "set", "full", "thermo"}), json::parse(R"({"compatibility":"FULL"})"));
  EXPECT_EQ(ctl_json({"compat", "get", "thermo"}),
            json::parse(R"({"subject":"thermo","compatibilityLevel":"FULL","source":"subject"})"));
  EXPECT_EQ(ctl({"compat", "set", "NONE"}).out, "global: NONE\n");
  EXPECT_EQ(ctl_json({"compat", "get", "other"}),
            json::parse(R"({"subject":"other","compatibilityLevel":"NONE","source":"global"})"));
  EXPECT_EQ(ctl({"compat", "delete", "thermo"}).out, "thermo: own level FULL removed; the global level NONE applies\n");
  EXPECT_EQ(ctl_json({"compat", "get", "thermo"}).at("source"), "global");
  auto bad = ctl({"compat", "set", "SIDEWAYS"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("Invalid compatibility level"), std::string::npos) << bad.out;
  auto none = ctl({"compat", "delete", "thermo"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_EQ(lines(none.out), 1) << none.out;
}

TEST_F(AccordctlRegistry, PolicyCommands) {
  BrokerOptions o;
  o.config_toml = kPolicyToml;
  start_broker(std::move(o));
  auto list = ctl_json({"policy", "list"});
  EXPECT_EQ(list.at("source"), "config");
  ASSERT_EQ(list.at("policies").as_array().size(), 1u);
  EXPECT_EQ(list.at("policies").at(0).at("name"), "readings");
  EXPECT_EQ(list.at("policies").at(0).at("validate_data"), true);
  auto table = ctl({"policy", "list"});
  EXPECT_EQ(table.out,
            "source: config\n"
            "NAME      TOPIC FILTER     ACTION  VALIDATE  DRY RUN  TYPES\n"
            "readings  fleet/+/reading  reject  true      false    -\n");

  // set with flags: a new policy (201), then one key changed, the others kept.
  auto created = ctl({"policy", "set", "alerts", "--topic-filter", "alerts/#", "--action", "dead-letter",
                      "--dead-letter-topic", "dead/alerts", "--dry-run", "--allowed-types", "a.x,a.y"});
  ASSERT_EQ(created.exit_code, 0) << created.out;
  EXPECT_EQ(created.out.substr(0, created.out.find('\n')), "created policy alerts");
  auto alerts = ctl_json({"policy", "get", "alerts"});
  EXPECT_EQ(alerts.at("action"), "dead-letter");
  EXPECT_EQ(alerts.at("dead_letter_topic"), "dead/alerts");
  EXPECT_EQ(alerts.at("dry_run"), true);
  EXPECT_EQ(alerts.at("allowed_types"), json::parse(R"(["a.x","a.y"])"));
  auto changed = ctl_json({"policy", "set", "alerts", "--no-dry-run", "--max-payload-bytes", "1024"});
  EXPECT_EQ(changed.at("dry_run"), false);
  EXPECT_EQ(changed.at("max_payload_bytes"), 1024);
  EXPECT_EQ(changed.at("action"), "dead-letter");
  EXPECT_EQ(changed.at("topic_filter"), "alerts/#");
  // --file: the whole policy.
  auto from_file = ctl_json({"policy", "set", "readings", "--file",
                             file("p.json", R"({"topic_filter": "fleet/#", "action": "drop"})")});
  EXPECT_EQ(from_file.at("topic_filter"), "fleet/#");
  EXPECT_EQ(from_file.at("validate_data"), false);
  list = ctl_json({"policy", "list"});
  EXPECT_EQ(list.at("source"), "admin-api");
  ASSERT_EQ(list.at("policies").as_array().size(), 2u);
  EXPECT_EQ(list.at("policies").at(0).at("name"), "readings");  // replaced in place

  EXPECT_EQ(ctl({"policy", "delete", "alerts"}).out, "deleted policy alerts\n");
  auto missing = ctl({"policy", "get", "alerts"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.out, "accordctl: policy 'alerts' not found\n");
  auto invalid = ctl({"policy", "set", "x", "--topic-filter", "x/#", "--action", "explode"});
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_EQ(lines(invalid.out), 1) << invalid.out;
  EXPECT_NE(invalid.out.find("action"), std::string::npos) << invalid.out;

  auto reset = ctl_json({"policy", "reset"});
  EXPECT_EQ(reset.at("source"), "config");
  EXPECT_EQ(reset.at("policies").at(0).at("topic_filter"), "fleet/+/reading");

  // apply: TOML in the config file's syntax, then JSON as `policy list -o json` prints it.
  auto applied = ctl_json({"policy", "apply", file("set.toml", R"(
[server]
sys_interval = 10

[[policies]]
name = "one"
topic_filter = "a/#"
action = "log-only"

[[policies]]
name = "two"
topic_filter = "b/+"
content_modes = ["binary"]
)")});
  EXPECT_EQ(applied.at("source"), "admin-api");
  ASSERT_EQ(applied.at("policies").as_array().size(), 2u);
  EXPECT_EQ(applied.at("policies").at(0).at("action"), "log-only");
  EXPECT_EQ(applied.at("policies").at(1).at("content_modes"), json::parse(R"(["binary"])"));
  const std::string saved = file("saved.json", json::serialize(ctl_json({"policy", "list"})));
  ASSERT_EQ(ctl({"policy", "reset"}).exit_code, 0);
  auto again = ctl_json({"policy", "apply", saved});
  EXPECT_EQ(again.at("policies"), applied.at("policies"));

  // Local file problems: exit 2, one line.
  auto bad_toml = ctl({"policy", "apply", file("bad.toml", "[[policies]]\nname = \n")});
  EXPECT_EQ(bad_toml.exit_code, 2) << bad_toml.out;
  EXPECT_NE(bad_toml.out.find("bad.toml' line 2"), std::string::npos) << bad_toml.out;
  auto no_file = ctl({"policy", "apply", dir_ + "/none.json"});
  EXPECT_EQ(no_file.exit_code, 2);
  EXPECT_NE(no_file.out.find("none.json"), std::string::npos) << no_file.out;
  auto not_json = ctl({"policy", "set", "x", "--file", file("x.json", "{nope")});
  EXPECT_EQ(not_json.exit_code, 2);
  for (const auto* r : {&bad_toml, &no_file, &not_json}) EXPECT_EQ(lines(r->out), 1) << r->out;
  // Nothing changed by the refusals.
  EXPECT_EQ(ctl_json({"policy", "list"}).at("policies"), applied.at("policies"));
}

TEST_F(AccordctlRegistry, ExportImportIntoAFreshBroker) {
  fill_source();
  const std::string exported = dir_ + "/registry.json";
  auto summary = ctl_json({"registry", "export", exported});
  EXPECT_EQ(summary, json::parse(R"({"file":")" + exported + R"(","subjects":5,"versions":7,"policies":2,"contracts":1})"));
  const json::value doc = json::parse(read(exported));
  EXPECT_EQ(doc.at("format"), "accord-registry-export");
  EXPECT_EQ(doc.at("format_version"), 1);
  EXPECT_EQ(doc.at("compatibility"), "FORWARD");
  auto to_stdout = ctl({"registry", "export", "-"});
  ASSERT_EQ(to_stdout.exit_code, 0);
  EXPECT_EQ(json::parse(to_stdout.out), doc);
  const auto& site = doc.at("subjects").at(1);
  EXPECT_EQ(site.at("subject"), "common.site");
  EXPECT_EQ(site.at("versions").at(0).at("references"),
            json::parse(R"([{"name":"address.json","subject":"common.address","version":1}])"));
  EXPECT_EQ(doc.at("subjects").at(2).at("compatibility"), "FULL");  // legacy
  EXPECT_EQ(doc.at("subjects").at(3).at("compatibility"), nullptr);  // thermo
  ASSERT_EQ(doc.at("contracts").as_array().size(), 1u);
  EXPECT_EQ(doc.at("contracts").at(0).at("service"), "dashboard");
  EXPECT_EQ(doc.at("contracts").at(0).at("consumes").at(0).at("fields").at(0).at("path"), "/temperature");

  BrokerProcess target;
  target.start();
  const std::string target_admin = admin_of(target);
  auto first = ctl_at(target_admin, {"registry", "import", exported});
  ASSERT_EQ(first.exit_code, 0) << first.out;
  EXPECT_NE(first.out.find("imported 7 versions into 5 subjects; global compatibility FORWARD (set); 2 policies "
                           "(replaced)\n1 contract (1 published)\n"),
            std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("legacy          1,2      -         FULL"), std::string::npos) << first.out;
  auto copy = ctl_json({"registry", "export", "-"}, target_admin);
  EXPECT_EQ(without_ids(copy), without_ids(doc));

  // Twice: nothing to do.
  auto second = ctl_json({"registry", "import", exported}, target_admin);
  EXPECT_EQ(second.at("versions_created"), 0);
  EXPECT_EQ(second.at("compatibility").at("changed"), false);
  EXPECT_EQ(second.at("policies").at("changed"), false);
  EXPECT_EQ(second.at("contracts"), json::parse(R"({"count":1,"published":0})"));
  for (const auto& s : second.at("subjects").as_array()) EXPECT_TRUE(s.at("created").as_array().empty()) << s;
  EXPECT_EQ(without_ids(ctl_json({"registry", "export", "-"}, target_admin)), without_ids(doc));

  // A subject that has moved on in the target: refused, then --force.
  ASSERT_EQ(ctl_at(target_admin, {"compat", "set", "NONE", "thermo"}).exit_code, 0);
  ASSERT_EQ(ctl_at(target_admin, {"schema", "register", "thermo", file("b.json", kReadingBroken)}).exit_code, 0);
  auto refused = ctl_at(target_admin, {"registry", "import", exported});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.out,
            "accordctl: refusing to import: subject 'thermo' already holds versions that differ from the "
            "file's (--force adds the file's missing versions on top)\n");
  EXPECT_EQ(ctl_json({"compat", "get", "thermo"}, target_admin).at("compatibilityLevel"), "NONE");  // untouched
  auto forced = ctl_json({"registry", "import", exported, "--force"}, target_admin);
  EXPECT_EQ(forced.at("versions_created"), 0);
  EXPECT_EQ(ctl_json({"compat", "get", "thermo"}, target_admin).at("source"), "global");  // the file's (none)

  // A partial target (thermo v1 only) gets the rest.
  BrokerProcess partial;
  partial.start();
  const std::string partial_admin = admin_of(partial);
  ASSERT_EQ(ctl_at(partial_admin, {"schema", "register", "thermo", file("p1.json", kReadingV1)}).exit_code, 0);
  auto rest = ctl_json({"registry", "import", exported}, partial_admin);
  EXPECT_EQ(rest.at("versions_created"), 6);
  EXPECT_EQ(rest.at("subjects").at(3).at("existing"), json::parse("[1]"));
  EXPECT_EQ(rest.at("subjects").at(3).at("created"), json::parse("[2]"));
}

TEST_F(AccordctlRegistry, BadFilesAndUnreachable) {
  auto missing = ctl({"schema", "register", "s", dir_ + "/missing.json"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.out.find("missing.json"), std::string::npos) << missing.out;
  auto not_json = ctl({"schema", "register", "s", file("s.json", "{\"type\": ")});
  EXPECT_EQ(not_json.exit_code, 2);
  EXPECT_NE(not_json.out.find("is not valid JSON"), std::string::npos) << not_json.out;
  auto bad_ref = ctl({"schema", "register", "s", file("t.json", "{}"), "--reference", "no-version"});
  EXPECT_EQ(bad_ref.exit_code, 2);
  auto bad_doc = ctl({"schema", "validate", "s", file("d.json", "[1,")});
  EXPECT_EQ(bad_doc.exit_code, 2);

  auto import_missing = ctl({"registry", "import", dir_ + "/nothing.json"});
  EXPECT_EQ(import_missing.exit_code, 2);
  auto import_garbage = ctl({"registry", "import", file("g.json", "not json")});
  EXPECT_EQ(import_garbage.exit_code, 2);
  auto wrong_format = ctl({"registry", "import", file("w.json", R"({"format": "other", "format_version": 1})")});
  EXPECT_EQ(wrong_format.exit_code, 2);
  EXPECT_EQ(wrong_format.out,
            "accordctl: '" + dir_ + "/w.json' is not a registry export: \"format\" is not \"accord-registry-export\"\n");
  auto bad_version = ctl({"registry", "import", file("v.json", R"({"format": "accord-registry-export",
      "format_version": 1, "compatibility": "BACKWARD", "subjects": [{"subject": "a", "versions": [{"version": 2,
      "schema": "{}"}, {"version": 1, "schema": "{}"}]}]})")});
  EXPECT_EQ(bad_version.exit_code, 2);
  EXPECT_NE(bad_version.out.find("subjects[0].versions[1].version must be positive and ascending"), std::string::npos)
      << bad_version.out;
  auto unwritable = ctl({"registry", "export", dir_ + "/no/such/dir/x.json"});
  EXPECT_EQ(unwritable.exit_code, 2);
  // Nothing was registered by any of them.
  EXPECT_EQ(ctl_json({"schema", "list"}), json::array{});

  // A schema the broker refuses: exit 1 with its message; the subject's level lowered for the
  // import is put back (none of its own), the version before it stays.
  auto refused = ctl({"registry", "import", file("r.json", R"({"format": "accord-registry-export",
      "format_version": 1, "compatibility": "BACKWARD", "subjects": [{"subject": "a", "compatibility": "FULL",
      "versions": [{"version": 1, "schema": "{\"type\": \"object\"}"},
                   {"version": 2, "schema": "{\"type\": 5}"}]}], "policies": []})")});
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_EQ(lines(refused.out), 1) << refused.out;
  EXPECT_NE(refused.out.find("type"), std::string::npos) << refused.out;
  EXPECT_EQ(ctl_json({"compat", "get", "a"}).at("source"), "global");
  EXPECT_EQ(ctl_json({"schema", "list", "a"}).as_array().size(), 1u);
  EXPECT_EQ(ctl_json({"schema", "delete", "a", "--permanent"}), json::parse("[1]"));

  const std::string nowhere = "http://127.0.0.1:" + std::to_string(pick_free_port());
  std::vector<ProcessResult> unreachable;
  for (std::vector<std::string> args :
       {std::vector<std::string>{"schema", "list"}, {"compat", "get"}, {"policy", "list"},
        {"registry", "export", "-"}, {"schema", "check", "s", file("c.json", kReadingV1)}}) {
    args.insert(args.end(), {"--timeout", "5"});
    unreachable.push_back(ctl_at(nowhere, args));
  }
  for (const auto& r : unreachable) {
    EXPECT_EQ(r.exit_code, 3) << r.out;
    EXPECT_EQ(lines(r.out), 1) << r.out;
    EXPECT_NE(r.out.find("cannot reach the admin API"), std::string::npos) << r.out;
  }
  for (const auto* r : {&missing, &not_json, &bad_ref, &bad_doc, &import_missing, &import_garbage, &bad_version,
                        &unwritable})
    EXPECT_EQ(lines(r->out), 1) << r->out;
}

}  // namespace
}  // namespace accord::it
