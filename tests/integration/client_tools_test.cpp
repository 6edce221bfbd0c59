// The Paho MQTT C++ client tools against the real broker with contract enforcement:
//   - accord-device publishes valid events (all acknowledged, exact counts in the JSON summary)
//     and invalid ones (rejected with 0x99 = 153, counted by reason code), structured and MQTT 5
//     binary mode, MQTT 3.1.1 too; events from a template file and from a registry subject's
//     `examples`
//   - accord-sub receives and prints them (JSON lines parsed and checked), --type, --count and
//     --timeout exits
//   - an unreachable broker -> exit 3 with one line; a bad template -> exit 2
//
// Accord only: the rejections come from Accord's CloudEvents enforcement.
#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "http_client.hpp"
#include "test_support.hpp"

namespace accord::it {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

#ifndef ACCORD_DEVICE_BIN_PATH
#define ACCORD_DEVICE_BIN_PATH ""
#endif
#ifndef ACCORD_SUB_BIN_PATH
#define ACCORD_SUB_BIN_PATH ""
#endif

const std::string kType = "com.example.thermostat.reading";
// Temperature required, at most 85; two examples: one valid, one not.
const std::string kSchema =
    R"({"type":"object","properties":{"temperature":{"type":"number","maximum":85},"unit":{"type":"string"}},)"
    R"("required":["temperature"],"examples":[{"temperature":21.5,"unit":"C"},{"temperature":99,"unit":"C"}]})";
const std::string kPolicy = R"(
[[policies]]
name = "thermostat"
topic_filter = "fleet/+/reading"
validate_data = true
action = "reject"
)";
const std::string kValidTemplate = R"({
  "specversion": "1.0",
  "id": "{{uuid}}",
  "source": "/fleet/{{device}}",
  "type": "com.example.thermostat.reading",
  "time": "{{now}}",
  "datacontenttype": "application/json",
  "data": {"temperature": {{rand:15:30}}, "unit": "C", "seq": {{seq}}}
})";
const std::string kTooHotTemplate = R"({"type": "com.example.thermostat.reading",
  "data": {"temperature": {{rand:90:120}}}})";

// The last line of `out` that is a JSON object.
json::object last_json(const std::string& out) {
  std::istringstream in(out);
  std::string line;
  json::object last;
  while (std::getline(in, line))
    if (!line.empty() && line.front() == '{') last = json::parse(line).as_object();
  return last;
}

std::vector<json::object> json_lines(const std::string& out) {
  std::vector<json::object> v;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line.front() == '{') v.push_back(json::parse(line).as_object());
  return v;
}

std::int64_t num(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v ? v->to_number<std::int64_t>() : -1;
}

class ClientTools : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    SKIP_UNDER_MOSQUITTO("contract enforcement is Accord's");
    BrokerOptions o;
    o.config_toml = kPolicy;
    start_broker(std::move(o));
    HttpClient http("127.0.0.1", broker().admin_port(), 10s);
    auto r = http.post("/subjects/" + url_segment(kType) + "/versions",
                       json::object{{"schemaType", "JSON"}, {"schema", kSchema}});
    ASSERT_EQ(r.status, 200u) << r.describe();
  }
  std::string admin() { return "http://127.0.0.1:" + std::to_string(broker().admin_port()); }
  std::string file(const std::string& name, const std::string& text) {
    const std::string path = broker().dir() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  ProcessResult device(std::vector<std::string> args) {
    args.insert(args.begin(), {ACCORD_DEVICE_BIN_PATH, "--port", std::to_string(port()), "-o", "json",
                               "--topic", "fleet/{{device}}/reading"});
    return run_process(args, 20s);
  }
  std::unique_ptr<Subprocess> sub(std::vector<std::string> args) {
    args.insert(args.begin(), {ACCORD_SUB_BIN_PATH, "--port", std::to_string(port())});
    auto p = std::make_unique<Subprocess>(args);
    if (!p->wait_for_output("accord-sub: subscribed", 5s))
      ADD_FAILURE() << "accord-sub did not subscribe: " << p->output();
    return p;
  }
};

TEST_F(ClientTools, StructuredEventsFromTemplateAllAckedAndPrinted) {
  auto s = sub({"-t", "fleet/#", "-o", "jsonl", "--count", "6", "--timeout", "5"});
  auto r = device({"--template", file("valid.json", kValidTemplate), "--devices", "3", "--count", "6",
                   "--rate", "200", "--qos", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto summary = last_json(r.out);
  EXPECT_EQ(num(summary, "sent"), 6) << r.out;
  EXPECT_EQ(num(summary, "acked"), 6) << r.out;
  EXPECT_EQ(num(summary, "rejected"), 0) << r.out;
  EXPECT_EQ(num(summary, "errors"), 0) << r.out;
  EXPECT_EQ(summary.at("mode").as_string(), "structured");
  ASSERT_TRUE(summary.at("latency_ms").is_object()) << r.out;

  auto done = s->wait(10s);
  ASSERT_EQ(done.exit_code, 0) << done.out;
  const auto lines = json_lines(done.out);
  ASSERT_EQ(lines.size(), 6u) << done.out;
  std::set<std::string> topics;
  for (const auto& m : lines) {
    topics.insert(std::string(m.at("topic").as_string()));
    EXPECT_EQ(num(m, "qos"), 1);
    EXPECT_FALSE(m.at("retain").as_bool());
    EXPECT_EQ(m.at("properties").at("content_type").as_string(), "application/cloudevents+json");
    EXPECT_EQ(m.at("payload_encoding").as_string(), "json");
    EXPECT_EQ(m.at("ce_mode").as_string(), "structured");
    const auto& ce = m.at("ce").as_object();
    EXPECT_EQ(ce.at("type").as_string(), kType);
    EXPECT_EQ(ce.at("specversion").as_string(), "1.0");
    EXPECT_EQ(ce.at("id").as_string().size(), 36u);
    EXPECT_FALSE(ce.contains("data"));
    const auto& data = m.at("payload").at("data").as_object();
    const auto t = data.at("temperature").to_number<double>();
    EXPECT_TRUE(t >= 15 && t <= 30) << t;
    const auto seq = data.at("seq").to_number<int>();
    EXPECT_TRUE(seq == 1 || seq == 2) << seq;  // 6 events over 3 devices
    // The source names the device whose topic carried it.
    const std::string device_name = std::string(ce.at("source").as_string()).substr(7);
    EXPECT_EQ(m.at("topic").as_string(), "fleet/" + device_name + "/reading");
  }
  EXPECT_EQ(topics, (std::set<std::string>{"fleet/device-1/reading", "fleet/device-2/reading",
                                           "fleet/device-3/reading"}));
}

TEST_F(ClientTools, InvalidEventsRejectedWith0x99Counted) {
  auto s = sub({"-t", "fleet/#", "-o", "jsonl", "--timeout", "3"});
  // Structured, from a template: every event too hot.
  auto r = device({"--template", file("hot.json", kTooHotTemplate), "--devices", "2", "--count", "4",
                   "--rate", "200"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  auto summary = last_json(r.out);
  EXPECT_EQ(num(summary, "sent"), 4) << r.out;
  EXPECT_EQ(num(summary, "acked"), 0) << r.out;
  EXPECT_EQ(num(summary, "rejected"), 4) << r.out;
  EXPECT_EQ(num(summary, "errors"), 0) << r.out;
  EXPECT_EQ(num(summary.at("rejected_by_reason").as_object(), "153"), 4) << r.out;
  const auto& rej = summary.at("rejections").as_array();
  ASSERT_EQ(rej.size(), 1u);
  EXPECT_EQ(num(rej[0].as_object(), "reason_code"), 0x99);
  EXPECT_EQ(rej[0].at("reason").as_string(), "payload format invalid");

  // Binary mode, from the registry subject's examples (one valid, one too hot, in turn).
  r = device({"--subject", kType, "--registry", admin(), "--binary", "--count", "6", "--rate", "200"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  summary = last_json(r.out);
  EXPECT_EQ(summary.at("mode").as_string(), "binary");
  EXPECT_EQ(num(summary, "sent"), 6) << r.out;
  EXPECT_EQ(num(summary, "acked"), 3) << r.out;
  EXPECT_EQ(num(summary, "rejected"), 3) << r.out;
  EXPECT_EQ(num(summary.at("rejected_by_reason").as_object(), "153"), 3) << r.out;

  // The subscriber saw only the three valid binary events, then went idle (exit 0).
  auto done = s->wait(10s);
  ASSERT_EQ(done.exit_code, 0) << done.out;
  const auto lines = json_lines(done.out);
  ASSERT_EQ(lines.size(), 3u) << done.out;
  for (const auto& m : lines) {
    EXPECT_EQ(m.at("ce_mode").as_string(), "binary");
    EXPECT_EQ(m.at("ce").at("type").as_string(), kType);
    EXPECT_EQ(m.at("ce").at("datacontenttype").as_string(), "application/json");
    EXPECT_EQ(m.at("properties").at("content_type").as_string(), "application/json");
    EXPECT_EQ(m.at("payload"), (json::value{{"temperature", 21.5}, {"unit", "C"}}));
    bool has_specversion = false;
    for (const auto& up : m.at("properties").at("user_properties").as_array())
      if (up.as_array()[0] == "specversion" && up.as_array()[1] == "1.0") has_specversion = true;
    EXPECT_TRUE(has_specversion) << json::serialize(m);
  }
}

TEST_F(ClientTools, Mqtt311AndTypeFilterAndPrettyOutput) {
  // 3.1.1 on both sides: structured events recognised without a content type.
  auto s = sub({"--mqtt", "3", "-t", "fleet/+/reading", "-o", "jsonl", "--count", "3", "--timeout", "5"});
  auto filtered = sub({"-t", "fleet/#", "--type", "com.other.*", "--timeout", "3"});
  auto pretty = sub({"-t", "fleet/#", "--type", "com.example.*", "--count", "1", "--timeout", "5"});
  auto r = device({"--mqtt", "3", "--template", file("valid.json", kValidTemplate), "--count", "3",
                   "--rate", "100", "--qos", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto summary = last_json(r.out);
  EXPECT_EQ(num(summary, "mqtt"), 3);
  EXPECT_EQ(num(summary, "acked"), 3) << r.out;

  auto done = s->wait(10s);
  ASSERT_EQ(done.exit_code, 0) << done.out;
  const auto lines = json_lines(done.out);
  ASSERT_EQ(lines.size(), 3u) << done.out;
  for (const auto& m : lines) {
    EXPECT_EQ(m.at("ce_mode").as_string(), "structured");
    EXPECT_TRUE(m.at("properties").as_object().empty());
    EXPECT_EQ(m.at("topic").as_string(), "fleet/device-1/reading");
  }
  EXPECT_EQ(lines[2].at("payload").at("data").at("seq").to_number<int>(), 3);

  // --type with no match: nothing printed, idle exit 0.
  auto none = filtered->wait(10s);
  EXPECT_EQ(none.exit_code, 0) << none.out;
  EXPECT_TRUE(json_lines(none.out).empty()) << none.out;
  EXPECT_EQ(none.out.find(kType), std::string::npos) << none.out;

  // Pretty: topic, attributes, data pretty-printed.
  auto p = pretty->wait(10s);
  EXPECT_EQ(p.exit_code, 0) << p.out;
  EXPECT_NE(p.out.find("fleet/device-1/reading"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("CloudEvent (structured mode)"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("type: " + kType), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("\n    \"temperature\": "), std::string::npos) << p.out;

  // --count not reached before --timeout: exit 1.
  auto short_run = run_process({ACCORD_SUB_BIN_PATH, "--port", std::to_string(port()), "-t", "fleet/#",
                                "--count", "2", "--timeout", "0.5"},
                               10s);
  EXPECT_EQ(short_run.exit_code, 1) << short_run.out;
}

// The template shipped in clients/device/examples against the sample schema of the worked
// example (schemas/examples/thermostat/reading.v1.schema.json); a schema file's examples for a
// duration.
TEST_F(ClientTools, ShippedTemplateAndSchemaFileForADuration) {
  const fs::path repo = fs::path(__FILE__).parent_path().parent_path().parent_path();
  std::ifstream in(repo / "schemas/examples/thermostat/reading.v1.schema.json");
  ASSERT_TRUE(in) << repo;
  std::stringstream v1;
  v1 << in.rdbuf();
  const std::string sample = "com.example.thermostat.sample";
  HttpClient http("127.0.0.1", broker().admin_port(), 10s);
  auto reg = http.post("/subjects/" + url_segment(sample) + "/versions",
                       json::object{{"schemaType", "JSON"}, {"schema", v1.str()}});
  ASSERT_EQ(reg.status, 200u) << reg.describe();
  auto r = device({"--template", (repo / "clients/device/examples/thermostat-reading.json").string(),
                   "--type", sample, "--devices", "4", "--count", "20", "--rate", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto summary = last_json(r.out);
  EXPECT_EQ(num(summary, "sent"), 20) << r.out;
  EXPECT_EQ(num(summary, "acked"), 20) << r.out;

  // --schema FILE: its examples in turn (valid, too hot, ...), for 0.6 s at 20/s.
  r = device({"--schema", file("schema.json", kSchema), "--type", kType, "--duration", "0.6", "--rate", "20",
              "--devices", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  summary = last_json(r.out);
  const auto sent = num(summary, "sent"), acked = num(summary, "acked"), rejected = num(summary, "rejected");
  EXPECT_GE(sent, 8) << r.out;
  EXPECT_LE(sent, 12) << r.out;
  EXPECT_EQ(acked + rejected, sent) << r.out;
  EXPECT_EQ(acked, (sent + 1) / 2) << r.out;  // the first example is the valid one
  EXPECT_EQ(num(summary.at("rejected_by_reason").as_object(), "153"), rejected) << r.out;
  EXPECT_EQ(num(summary, "errors"), 0) << r.out;
}

TEST_F(ClientTools, UnreachableBrokerAndBadInput) {
  const std::string closed = std::to_string(pick_free_port());
  const std::string tmpl = file("valid.json", kValidTemplate);
  auto one_line = [](const ProcessResult& r, const std::string& prefix) {
    EXPECT_EQ(r.out.rfind(prefix, 0), 0u) << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  };
  auto r = run_process({ACCORD_DEVICE_BIN_PATH, "--port", closed, "--template", tmpl, "--count", "1"}, 20s);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  one_line(r, "accord-device: cannot reach the broker at tcp://127.0.0.1:" + closed);
  r = run_process({ACCORD_SUB_BIN_PATH, "--port", closed, "-t", "#"}, 20s);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  one_line(r, "accord-sub: cannot reach the broker at tcp://127.0.0.1:" + closed);
  // Registry unreachable.
  r = run_process({ACCORD_DEVICE_BIN_PATH, "--port", std::to_string(port()), "--subject", kType,
                   "--registry", "http://127.0.0.1:" + closed},
                  20s);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  one_line(r, "accord-device: cannot reach the registry");

  // Bad input: exit 2, one line, before connecting.
  for (const auto& [name, text, why] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"unknown.json", R"({"type":"t","data":{"x":{{nope}}}})", "unknown placeholder {{nope}}"},
           {"broken.json", R"({"type":"t","data":{"x":)", "does not render to JSON"},
           {"array.json", R"([1,2])", "not render to a JSON object"},
           {"rand.json", R"({"type":"t","data":{{rand:5:1}}})", "bad placeholder"}}) {
    SCOPED_TRACE(name);
    r = run_process({ACCORD_DEVICE_BIN_PATH, "--port", std::to_string(port()), "--template", file(name, text)}, 20s);
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find(why), std::string::npos) << r.out;
    one_line(r, "accord-device: ");
  }
  r = run_process({ACCORD_DEVICE_BIN_PATH, "--port", std::to_string(port()), "--template", tmpl,
                   "--binary", "--mqtt", "3"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  r = run_process({ACCORD_DEVICE_BIN_PATH, "--port", std::to_string(port()), "--subject", "no.such.subject",
                   "--registry", admin()});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  one_line(r, "accord-device: registry: subject no.such.subject");
  r = run_process({ACCORD_DEVICE_BIN_PATH, "--template", "/nonexistent/t.json"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
}

}  // namespace
}  // namespace accord::it
