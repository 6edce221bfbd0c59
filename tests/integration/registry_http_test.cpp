// The schema registry over real HTTP against the accord daemon: the Confluent Schema Registry
// flow a client library drives, every refusal with its HTTP status and error_code (and proof
// that a refused request wrote nothing), persistence across SIGKILL, credentials and roles,
// HTTPS, and Accord's own validate and diff endpoints, including hostile inputs.
//
// Each test starts its own broker (BrokerTest), so subjects and ids never leak between tests.
// Under ACCORD_TEST_BROKER=mosquitto everything here is skipped: the registry is Accord's.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "test_support.hpp"

namespace accord::it {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kJsonType = "application/vnd.schemaregistry.v1+json";

// ---- schemas used across tests ------------------------------------------------------------------

// A closed model (additionalProperties false): adding an optional property is backward
// compatible, changing a property's type is not.
const std::string kSensorV1 =
    R"({"type":"object","properties":{"t":{"type":"number"}},"additionalProperties":false})";
const std::string kSensorV2 =
    R"({"type":"object","properties":{"t":{"type":"number"},"h":{"type":"number"}},"additionalProperties":false})";
const std::string kSensorTString =
    R"({"type":"object","properties":{"t":{"type":"string"}},"additionalProperties":false})";

const std::string kMoneyProto = R"(syntax = "proto3";
package acme.common;

message Money {
  string currency = 1;
  int64 units = 2;
}
)";

const std::string kOrderProtoV1 = R"(syntax = "proto3";
package acme.orders;

import "acme/common/money.proto";

message Order {
  string id = 1;
  acme.common.Money total = 2;
}
)";

// ---- helpers ----------------------------------------------------------------------------------

std::int64_t as_int(const json::value& v) { return v.to_number<std::int64_t>(); }

std::string as_str(const json::value& v) { return std::string(v.as_string()); }

json::value parse_json(std::string_view text) {
  json::parse_options o;
  o.max_depth = 4096;
  return json::parse(text, {}, o);
}

// {"schema": ..., "schemaType": ..., "references": [...]}; type "" leaves schemaType out.
json::object schema_body(const std::string& schema, const std::string& type = "",
                         json::array references = {}) {
  json::object o{{"schema", schema}};
  if (!type.empty()) o["schemaType"] = type;
  if (!references.empty()) o["references"] = std::move(references);
  return o;
}

json::object reference(const std::string& name, const std::string& subject, int version) {
  return {{"name", name}, {"subject", subject}, {"version", version}};
}

std::string subject_path(const std::string& subject) { return "/subjects/" + url_segment(subject); }

// An unexpected status ends the test with the response in the message (gtest reports the
// exception), so callers read straight on.
json::value expect_json(const HttpResponse& r, unsigned status = 200) {
  if (r.status != status)
    throw std::runtime_error("expected HTTP " + std::to_string(status) + ", got " + r.describe());
  return r.json();
}

HttpResponse post_schema(const HttpClient& c, const std::string& subject, const std::string& schema,
                         const std::string& type = "", json::array refs = {}) {
  return c.post(subject_path(subject) + "/versions", schema_body(schema, type, std::move(refs)));
}

int must_register(const HttpClient& c, const std::string& subject, const std::string& schema,
                  const std::string& type = "", json::array refs = {}) {
  auto v = expect_json(post_schema(c, subject, schema, type, std::move(refs)));
  return static_cast<int>(as_int(v.at("id")));
}

std::vector<int> versions_of(const HttpClient& c, const std::string& subject, bool deleted = false) {
  auto v = expect_json(c.get(subject_path(subject) + "/versions" + (deleted ? "?deleted=true" : "")));
  std::vector<int> out;
  for (const auto& x : v.as_array()) out.push_back(static_cast<int>(as_int(x)));
  return out;
}

std::set<std::string> subjects_of(const HttpClient& c, const std::string& query = "") {
  auto v = expect_json(c.get("/subjects" + query));
  std::set<std::string> out;
  for (const auto& x : v.as_array()) out.insert(as_str(x));
  return out;
}

// Everything a refused request could have touched, as one comparable string: every subject
// (soft-deleted too), each version with its id and deleted flag, the global and per-subject
// levels and modes.
std::string registry_state(const HttpClient& c) {
  json::object state;
  state["config"] = expect_json(c.get("/config"));
  state["mode"] = expect_json(c.get("/mode"));
  json::object subjects;
  for (const auto& s : subjects_of(c, "?deleted=true")) {
    json::object subject;
    const auto live = versions_of(c, s, false);
    json::array versions;
    for (int v : versions_of(c, s, true)) {
      auto ver = expect_json(c.get(subject_path(s) + "/versions/" + std::to_string(v) + "?deleted=true"));
      versions.push_back({{"version", v},
                          {"id", ver.at("id")},
                          {"deleted", std::find(live.begin(), live.end(), v) == live.end()}});
    }
    subject["versions"] = std::move(versions);
    auto cfg = c.get("/config/" + url_segment(s));
    subject["config"] = cfg.status == 200 ? cfg.json() : json::value(cfg.error_code());
    auto mode = c.get("/mode/" + url_segment(s));
    subject["mode"] = mode.status == 200 ? mode.json() : json::value(mode.error_code());
    subjects[s] = std::move(subject);
  }
  state["subjects"] = std::move(subjects);
  return json::serialize(state);
}

// Status, error_code and a non-empty message, all three: a client branches on the code and a
// person reads the message.
::testing::AssertionResult IsError(const HttpResponse& r, unsigned status, std::int64_t code) {
  if (r.status != status)
    return ::testing::AssertionFailure() << "expected HTTP " << status << "/" << code << ", got "
                                         << r.describe();
  json::value v;
  try {
    v = r.json();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << e.what();
  }
  const auto* o = v.if_object();
  if (!o || !o->if_contains("error_code") || !o->if_contains("message"))
    return ::testing::AssertionFailure() << "not a Confluent error body: " << r.describe();
  if (as_int(o->at("error_code")) != code)
    return ::testing::AssertionFailure() << "expected error_code " << code << ", got " << r.describe();
  if (!o->at("message").is_string() || o->at("message").as_string().empty())
    return ::testing::AssertionFailure() << "empty message: " << r.describe();
  return ::testing::AssertionSuccess();
}

std::string message_of(const HttpResponse& r) {
  try {
    auto v = r.json();
    if (auto* m = v.as_object().if_contains("message")) return as_str(*m);
  } catch (const std::exception&) {
  }
  return {};
}

// A temporary directory of the test's own (credentials, certificates), removed with it.
struct TempDir {
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "accord-rit-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return path + "/" + name; }
  std::string path;
};

std::string base64(const unsigned char* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<std::size_t>(len));
  return out;
}

// A credentials-file line for a Basic user: PBKDF2-HMAC-SHA256 with a fresh salt, computed here
// with OpenSSL so the test does not trust the server's own hashing code to make its input.
std::string basic_line(const std::string& user, const std::string& role, const std::string& password,
                       int iterations = 100000) {
  unsigned char salt[16];
  if (RAND_bytes(salt, sizeof salt) != 1) throw std::runtime_error("RAND_bytes failed");
  unsigned char digest[32];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt, sizeof salt, iterations,
                        EVP_sha256(), sizeof digest, digest) != 1)
    throw std::runtime_error("PBKDF2 failed");
  return "basic " + user + " " + role + " pbkdf2-sha256$" + std::to_string(iterations) + "$" +
         base64(salt, sizeof salt) + "$" + base64(digest, sizeof digest);
}

std::string bearer_line(const std::string& name, const std::string& role, const std::string& token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : digest) {
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 15]);
  }
  return "bearer " + name + " " + role + " sha256$" + hex;
}

// A JSON text of `depth` nested arrays: [[[...]]].
std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// ---- fixtures -----------------------------------------------------------------------------------

class RegistryHttpTest : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    SKIP_UNDER_MOSQUITTO("the schema registry is Accord's");
  }
  // A client for the current broker's admin API.
  HttpClient http() {
    auto& b = broker();
    if (b.admin_port() == 0) throw std::runtime_error("the broker reported no admin port");
    return HttpClient("127.0.0.1", b.admin_port());
  }
};

class RegistryDurableTest : public DurableBrokerTest {
 protected:
  HttpClient http() { return HttpClient("127.0.0.1", broker().admin_port()); }
};

// ---- the Confluent flow -------------------------------------------------------------------------

TEST_F(RegistryHttpTest, RootTypesAndEmptyRegistry) {
  auto c = http();
  auto root = c.get("/");
  EXPECT_EQ(expect_json(root), json::value(json::object{}));
  EXPECT_EQ(expect_json(c.get("/schemas/types")), parse_json(R"(["JSON","PROTOBUF"])"));
  EXPECT_EQ(expect_json(c.get("/subjects")), parse_json("[]"));
  EXPECT_EQ(expect_json(c.get("/subjects?deleted=true")), parse_json("[]"));
  EXPECT_EQ(expect_json(c.get("/config")), parse_json(R"({"compatibilityLevel":"BACKWARD"})"));
  EXPECT_EQ(expect_json(c.get("/mode")), parse_json(R"({"mode":"READWRITE"})"));
  // Answers carry the registry media type, as Confluent's do.
  EXPECT_EQ(c.get("/subjects").header("content-type").rfind("application/vnd.schemaregistry.v1+json", 0), 0u)
      << c.get("/subjects").header("content-type");
}

TEST_F(RegistryHttpTest, RegisterFetchLookupAcrossSubjects) {
  auto c = http();
  const int id1 = must_register(c, "sensors-value", kSensorV1, "JSON");
  EXPECT_GE(id1, 1);

  // The same schema again: the same id and no new version; formatting does not matter.
  EXPECT_EQ(must_register(c, "sensors-value", kSensorV1, "JSON"), id1);
  const std::string reformatted =
      "{ \"type\" : \"object\",\n  \"properties\": { \"t\": { \"type\": \"number\" } },\n"
      "  \"additionalProperties\": false }";
  EXPECT_EQ(must_register(c, "sensors-value", reformatted, "JSON"), id1);
  // schemaType absent means JSON.
  EXPECT_EQ(must_register(c, "sensors-value", kSensorV1), id1);
  EXPECT_EQ(versions_of(c, "sensors-value"), std::vector<int>({1}));

  // The same schema under a second subject: one global id, that subject's version 1.
  EXPECT_EQ(must_register(c, "archive-value", kSensorV1, "JSON"), id1);
  EXPECT_EQ(versions_of(c, "archive-value"), std::vector<int>({1}));
  EXPECT_EQ(subjects_of(c), (std::set<std::string>{"archive-value", "sensors-value"}));
  EXPECT_EQ(subjects_of(c, "?subjectPrefix=sens"), (std::set<std::string>{"sensors-value"}));
  EXPECT_EQ(subjects_of(c, "?subjectPrefix=nothing"), std::set<std::string>{});

  // By id: the schema as first registered, its type, where it is used.
  auto by_id = expect_json(c.get("/schemas/ids/" + std::to_string(id1)));
  EXPECT_EQ(as_str(by_id.at("schema")), kSensorV1);
  EXPECT_EQ(as_str(by_id.at("schemaType")), "JSON");
  auto raw = c.get("/schemas/ids/" + std::to_string(id1) + "/schema");
  ASSERT_EQ(raw.status, 200u) << raw.describe();
  EXPECT_EQ(parse_json(raw.body), parse_json(kSensorV1));
  EXPECT_EQ(expect_json(c.get("/schemas/ids/" + std::to_string(id1) + "/subjects")),
            parse_json(R"(["archive-value","sensors-value"])"));
  EXPECT_EQ(expect_json(c.get("/schemas/ids/" + std::to_string(id1) + "/versions")),
            parse_json(R"([{"subject":"archive-value","version":1},{"subject":"sensors-value","version":1}])"));

  // A compatible second version (optional property added to a closed model).
  const int id2 = must_register(c, "sensors-value", kSensorV2, "JSON");
  EXPECT_NE(id2, id1);
  EXPECT_EQ(versions_of(c, "sensors-value"), std::vector<int>({1, 2}));

  auto latest = expect_json(c.get("/subjects/sensors-value/versions/latest"));
  EXPECT_EQ(as_str(latest.at("subject")), "sensors-value");
  EXPECT_EQ(as_int(latest.at("version")), 2);
  EXPECT_EQ(as_int(latest.at("id")), id2);
  EXPECT_EQ(as_str(latest.at("schemaType")), "JSON");
  EXPECT_EQ(as_str(latest.at("schema")), kSensorV2);
  EXPECT_EQ(expect_json(c.get("/subjects/sensors-value/versions/-1")), latest);

  auto v1 = expect_json(c.get("/subjects/sensors-value/versions/1"));
  EXPECT_EQ(as_int(v1.at("id")), id1);
  auto v1raw = c.get("/subjects/sensors-value/versions/1/schema");
  ASSERT_EQ(v1raw.status, 200u) << v1raw.describe();
  EXPECT_EQ(parse_json(v1raw.body), parse_json(kSensorV1));

  // Lookup: which version of the subject holds this schema.
  auto found = expect_json(c.post("/subjects/sensors-value", schema_body(kSensorV1, "JSON")));
  EXPECT_EQ(as_int(found.at("version")), 1);
  EXPECT_EQ(as_int(found.at("id")), id1);
  EXPECT_EQ(as_str(found.at("subject")), "sensors-value");
  auto found2 = expect_json(c.post("/subjects/sensors-value", schema_body(reformatted)));
  EXPECT_EQ(as_int(found2.at("version")), 1);
  EXPECT_TRUE(IsError(c.post("/subjects/sensors-value", schema_body(kSensorTString, "JSON")), 404, 40403));
  EXPECT_TRUE(IsError(c.post("/subjects/nobody", schema_body(kSensorV1, "JSON")), 404, 40401));
  EXPECT_EQ(as_int(expect_json(c.post("/subjects/archive-value", schema_body(kSensorV1))).at("version")), 1);
}

TEST_F(RegistryHttpTest, SubjectNamesArePercentDecoded) {
  auto c = http();
  const std::string subject = "team a/readings:v1";
  const int id = must_register(c, subject, kSensorV1);
  EXPECT_EQ(subjects_of(c), std::set<std::string>{subject});
  auto v = expect_json(c.get(subject_path(subject) + "/versions/1"));
  EXPECT_EQ(as_str(v.at("subject")), subject);
  EXPECT_EQ(as_int(v.at("id")), id);
}

TEST_F(RegistryHttpTest, SubjectNamesThatAreNotUtf8NeverReachJsonOutput) {
  // JSON is UTF-8 (RFC 8259): a subject decoded from %FF%FE is no text. The registry may refuse
  // it (42208, like other invalid names) but must not serve it raw inside JSON answers, which
  // strict parsers (this one, Jackson, Go's encoding/json) reject or mangle.
  auto c = http();
  auto r = post_schema(c, std::string("\xff\xfe"), kSensorV1);
  if (r.status == 200) {
    auto listing = c.get("/subjects");
    EXPECT_NO_THROW(listing.json()) << "GET /subjects is not valid JSON after registering subject %FF%FE";
  } else {
    EXPECT_TRUE(IsError(r, 422, 42208));
  }
  // Error messages quote the subject too.
  auto missing = c.get("/subjects/%FF%FE%FD/versions");
  EXPECT_NO_THROW(missing.json()) << missing.describe();
}

TEST_F(RegistryHttpTest, CompatibilityChecksAndIncompatibleRegistration) {
  auto c = http();
  must_register(c, "s", kSensorV1);
  must_register(c, "s", kSensorV2);
  const std::string before = registry_state(c);

  // Plain answer: only is_compatible.
  auto plain = expect_json(c.post("/compatibility/subjects/s/versions/latest", schema_body(kSensorTString)));
  EXPECT_EQ(plain, parse_json(R"({"is_compatible":false})"));

  // Verbose: the messages name the path that breaks.
  auto verbose = expect_json(
      c.post("/compatibility/subjects/s/versions/latest?verbose=true", schema_body(kSensorTString, "JSON")));
  EXPECT_FALSE(verbose.at("is_compatible").as_bool());
  ASSERT_FALSE(verbose.at("messages").as_array().empty()) << verbose;
  bool path_named = false;
  for (const auto& m : verbose.at("messages").as_array())
    path_named |= as_str(m).find("/properties/t") != std::string::npos;
  EXPECT_TRUE(path_named) << verbose;
  // Against v2 the candidate both retypes t and drops h (which the closed reader would then
  // refuse): each problem is its own entry.
  std::set<std::string> paths;
  for (const auto& entry : verbose.at("incompatibilities").as_array()) {
    const auto& p = entry.as_object();
    EXPECT_EQ(as_int(p.at("version")), 2) << entry;
    EXPECT_EQ(as_str(p.at("direction")), "backward") << entry;
    EXPECT_FALSE(as_str(p.at("kind")).empty()) << entry;
    EXPECT_FALSE(as_str(p.at("reason")).empty()) << entry;
    paths.insert(as_str(p.at("path")));
  }
  EXPECT_TRUE(paths.count("/properties/t/type") || paths.count("/properties/t")) << verbose;
  EXPECT_TRUE(paths.count("/properties/h")) << verbose;
  // Against v1 only the retyping is a problem.
  auto against_v1 = expect_json(
      c.post("/compatibility/subjects/s/versions/1?verbose=true", schema_body(kSensorTString, "JSON")));
  ASSERT_EQ(against_v1.at("incompatibilities").as_array().size(), 1u) << against_v1;
  EXPECT_EQ(as_int(against_v1.at("incompatibilities").as_array()[0].at("version")), 1);
  EXPECT_EQ(as_str(against_v1.at("incompatibilities").as_array()[0].at("path")).rfind("/properties/t", 0), 0u)
      << against_v1;

  // Against a numbered version and against the subject's level (no version).
  EXPECT_EQ(expect_json(c.post("/compatibility/subjects/s/versions/1", schema_body(kSensorTString))),
            parse_json(R"({"is_compatible":false})"));
  EXPECT_EQ(expect_json(c.post("/compatibility/subjects/s/versions", schema_body(kSensorTString))),
            parse_json(R"({"is_compatible":false})"));
  auto ok = expect_json(c.post("/compatibility/subjects/s/versions/latest?verbose=true", schema_body(kSensorV2)));
  EXPECT_TRUE(ok.at("is_compatible").as_bool()) << ok;
  EXPECT_TRUE(expect_json(c.post("/compatibility/subjects/s/versions/1", schema_body(kSensorV2)))
                  .at("is_compatible")
                  .as_bool());
  // A subject with nothing registered accepts anything.
  EXPECT_TRUE(expect_json(c.post("/compatibility/subjects/fresh/versions", schema_body(kSensorTString)))
                  .at("is_compatible")
                  .as_bool());
  EXPECT_TRUE(IsError(c.post("/compatibility/subjects/fresh/versions/latest", schema_body(kSensorV1)), 404, 40401));
  EXPECT_TRUE(IsError(c.post("/compatibility/subjects/s/versions/7", schema_body(kSensorV1)), 404, 40402));
  EXPECT_TRUE(IsError(c.post("/compatibility/subjects/s/versions/x", schema_body(kSensorV1)), 422, 42202));
  EXPECT_TRUE(IsError(c.post("/compatibility/subjects/s/versions/latest", schema_body("{")), 422, 42201));

  // Registering the incompatible schema: 409 with Confluent's code, naming the path.
  auto refused = post_schema(c, "s", kSensorTString, "JSON");
  EXPECT_TRUE(IsError(refused, 409, 409));
  EXPECT_NE(message_of(refused).find("/properties/t"), std::string::npos) << refused.describe();
  EXPECT_EQ(registry_state(c), before);
  EXPECT_EQ(versions_of(c, "s"), std::vector<int>({1, 2}));
}

TEST_F(RegistryHttpTest, ConfigLevelsGlobalAndPerSubject) {
  auto c = http();
  must_register(c, "a", kSensorV1);
  must_register(c, "b", kSensorV1);

  EXPECT_TRUE(IsError(c.get("/config/a"), 404, 40408));
  EXPECT_EQ(expect_json(c.get("/config/a?defaultToGlobal=true")),
            parse_json(R"({"compatibilityLevel":"BACKWARD"})"));

  // Subject level NONE lets the incompatible change through on that subject only.
  EXPECT_EQ(expect_json(c.put("/config/a", json::object{{"compatibility", "NONE"}})),
            parse_json(R"({"compatibility":"NONE"})"));
  EXPECT_EQ(expect_json(c.get("/config/a")), parse_json(R"({"compatibilityLevel":"NONE"})"));
  EXPECT_EQ(must_register(c, "a", kSensorTString) > 0, true);
  EXPECT_EQ(versions_of(c, "a"), std::vector<int>({1, 2}));
  EXPECT_TRUE(IsError(post_schema(c, "b", kSensorTString), 409, 409));

  // Global FULL: adding an optional property to a closed model breaks forward compatibility.
  EXPECT_EQ(expect_json(c.put("/config", json::object{{"compatibility", "FULL"}})),
            parse_json(R"({"compatibility":"FULL"})"));
  EXPECT_EQ(expect_json(c.get("/config")), parse_json(R"({"compatibilityLevel":"FULL"})"));
  EXPECT_EQ(expect_json(c.get("/config/b?defaultToGlobal=true")),
            parse_json(R"({"compatibilityLevel":"FULL"})"));
  EXPECT_TRUE(IsError(post_schema(c, "b", kSensorV2), 409, 409));
  // Confluent's other spelling of the key.
  EXPECT_EQ(expect_json(c.put("/config/b", json::object{{"compatibilityLevel", "BACKWARD"}})),
            parse_json(R"({"compatibility":"BACKWARD"})"));
  must_register(c, "b", kSensorV2);

  // Invalid levels: 42203, nothing changed.
  const std::string before = registry_state(c);
  EXPECT_TRUE(IsError(c.put("/config", json::object{{"compatibility", "SIDEWAYS"}}), 422, 42203));
  EXPECT_TRUE(IsError(c.put("/config/a", json::object{{"compatibility", "backward"}}), 422, 42203));
  EXPECT_TRUE(IsError(c.put("/config/a", json::object{{"compatibility", 3}}), 422, 42203));
  EXPECT_TRUE(IsError(c.put("/config/a", json::object{}), 422, 42203));
  EXPECT_EQ(registry_state(c), before);

  // DELETE falls back: the subject to the global level, the global level to the default.
  EXPECT_EQ(expect_json(c.del("/config/a")), parse_json(R"({"compatibilityLevel":"NONE"})"));
  EXPECT_TRUE(IsError(c.get("/config/a"), 404, 40408));
  EXPECT_TRUE(IsError(c.del("/config/a"), 404, 40408));
  EXPECT_EQ(expect_json(c.del("/config")), parse_json(R"({"compatibilityLevel":"FULL"})"));
  EXPECT_EQ(expect_json(c.get("/config")), parse_json(R"({"compatibilityLevel":"BACKWARD"})"));
}

TEST_F(RegistryHttpTest, DefaultCompatibilityFromConfiguration) {
  ACCORD_START_BROKER_WITH({{"registry.default_compatibility", "FORWARD"}});
  auto c = http();
  EXPECT_EQ(expect_json(c.get("/config")), parse_json(R"({"compatibilityLevel":"FORWARD"})"));
  must_register(c, "s", kSensorV1);
  // Under FORWARD the old closed reader cannot read data carrying the new optional property.
  EXPECT_TRUE(IsError(post_schema(c, "s", kSensorV2), 409, 409));
  EXPECT_EQ(versions_of(c, "s"), std::vector<int>({1}));
  // Tightening instead is fine: the old schema reads everything the new one accepts.
  const std::string required_t =
      R"({"type":"object","properties":{"t":{"type":"number"}},"required":["t"],"additionalProperties":false})";
  must_register(c, "s", required_t);
  EXPECT_EQ(versions_of(c, "s"), std::vector<int>({1, 2}));
}

TEST_F(RegistryHttpTest, ReadOnlyModeRefusesWritesOnly) {
  auto c = http();
  must_register(c, "locked", kSensorV1);
  must_register(c, "open", kSensorV1);

  EXPECT_TRUE(IsError(c.get("/mode/locked"), 404, 40409));
  EXPECT_EQ(expect_json(c.put("/mode/locked", json::object{{"mode", "READONLY"}})),
            parse_json(R"({"mode":"READONLY"})"));
  EXPECT_EQ(expect_json(c.get("/mode/locked")), parse_json(R"({"mode":"READONLY"})"));
  EXPECT_EQ(expect_json(c.get("/mode")), parse_json(R"({"mode":"READWRITE"})"));

  const std::string before = registry_state(c);
  EXPECT_TRUE(IsError(post_schema(c, "locked", kSensorV2), 422, 42205));
  EXPECT_TRUE(IsError(c.del("/subjects/locked/versions/1"), 422, 42205));
  EXPECT_TRUE(IsError(c.del("/subjects/locked"), 422, 42205));
  EXPECT_EQ(registry_state(c), before);
  // Reads, lookups and checks still work on the locked subject.
  EXPECT_EQ(versions_of(c, "locked"), std::vector<int>({1}));
  EXPECT_EQ(as_int(expect_json(c.post("/subjects/locked", schema_body(kSensorV1))).at("version")), 1);
  EXPECT_TRUE(expect_json(c.post("/compatibility/subjects/locked/versions/latest", schema_body(kSensorV2)))
                  .at("is_compatible")
                  .as_bool());
  // Other subjects are unaffected.
  must_register(c, "open", kSensorV2);

  // Global READONLY reaches every subject, including new ones.
  EXPECT_EQ(expect_json(c.put("/mode", json::object{{"mode", "READONLY"}})), parse_json(R"({"mode":"READONLY"})"));
  const std::string before_global = registry_state(c);
  EXPECT_TRUE(IsError(post_schema(c, "open", kSensorTString), 422, 42205));
  EXPECT_TRUE(IsError(post_schema(c, "brand-new", kSensorV1), 422, 42205));
  EXPECT_EQ(registry_state(c), before_global);

  // Invalid modes: 42204, nothing changed.
  EXPECT_TRUE(IsError(c.put("/mode", json::object{{"mode", "WRITEONLY"}}), 422, 42204));
  EXPECT_TRUE(IsError(c.put("/mode/open", json::object{{"mode", "readonly"}}), 422, 42204));
  EXPECT_TRUE(IsError(c.put("/mode/open", json::object{}), 422, 42204));
  EXPECT_EQ(registry_state(c), before_global);

  EXPECT_EQ(expect_json(c.put("/mode", json::object{{"mode", "READWRITE"}})), parse_json(R"({"mode":"READWRITE"})"));
  EXPECT_TRUE(IsError(post_schema(c, "locked", kSensorV2), 422, 42205));  // its own mode still holds
  EXPECT_EQ(expect_json(c.del("/mode/locked")), parse_json(R"({"mode":"READONLY"})"));
  EXPECT_TRUE(IsError(c.get("/mode/locked"), 404, 40409));
  must_register(c, "locked", kSensorV2);
  EXPECT_EQ(versions_of(c, "locked"), std::vector<int>({1, 2}));
}

TEST_F(RegistryHttpTest, SoftAndPermanentDeletes) {
  auto c = http();
  ASSERT_EQ(expect_json(c.put("/config", json::object{{"compatibility", "NONE"}})),
            parse_json(R"({"compatibility":"NONE"})"));
  const int id1 = must_register(c, "d", kSensorV1);
  const int id2 = must_register(c, "d", kSensorV2);
  const int id3 = must_register(c, "d", kSensorTString);

  // Versions: permanent needs a soft delete first; soft twice is an error.
  EXPECT_TRUE(IsError(c.del("/subjects/d/versions/2?permanent=true"), 404, 40407));
  EXPECT_EQ(expect_json(c.del("/subjects/d/versions/2")), json::value(2));
  EXPECT_EQ(versions_of(c, "d"), std::vector<int>({1, 3}));
  EXPECT_EQ(versions_of(c, "d", true), std::vector<int>({1, 2, 3}));
  EXPECT_TRUE(IsError(c.get("/subjects/d/versions/2"), 404, 40402));
  EXPECT_EQ(as_int(expect_json(c.get("/subjects/d/versions/2?deleted=true")).at("id")), id2);
  // A soft-deleted version's id still resolves.
  EXPECT_EQ(c.get("/schemas/ids/" + std::to_string(id2)).status, 200u);
  // Lookup skips soft-deleted versions unless asked.
  EXPECT_TRUE(IsError(c.post("/subjects/d", schema_body(kSensorV2)), 404, 40403));
  EXPECT_EQ(as_int(expect_json(c.post("/subjects/d?deleted=true", schema_body(kSensorV2))).at("version")), 2);

  EXPECT_EQ(expect_json(c.del("/subjects/d/versions/2?permanent=true")), json::value(2));
  EXPECT_EQ(versions_of(c, "d", true), std::vector<int>({1, 3}));
  EXPECT_TRUE(IsError(c.get("/subjects/d/versions/2?deleted=true"), 404, 40402));
  // The id no version uses any more is gone.
  EXPECT_TRUE(IsError(c.get("/schemas/ids/" + std::to_string(id2)), 404, 40403));
  EXPECT_TRUE(IsError(c.del("/subjects/d/versions/2?permanent=true"), 404, 40402));

  // "latest" on delete is the latest live version.
  EXPECT_EQ(expect_json(c.del("/subjects/d/versions/latest")), json::value(3));
  EXPECT_EQ(versions_of(c, "d"), std::vector<int>({1}));

  // Subjects likewise.
  EXPECT_TRUE(IsError(c.del("/subjects/d?permanent=true"), 404, 40405));
  EXPECT_EQ(expect_json(c.del("/subjects/d")), parse_json("[1]"));
  EXPECT_TRUE(IsError(c.del("/subjects/d"), 404, 40404));
  EXPECT_EQ(subjects_of(c), std::set<std::string>{});
  EXPECT_EQ(subjects_of(c, "?deleted=true"), std::set<std::string>{"d"});
  EXPECT_TRUE(IsError(c.get("/subjects/d/versions"), 404, 40401));
  EXPECT_EQ(versions_of(c, "d", true), std::vector<int>({1, 3}));
  // Nothing live: the subject itself counts as not found.
  EXPECT_TRUE(IsError(c.get("/subjects/d/versions/latest"), 404, 40401));

  EXPECT_EQ(expect_json(c.del("/subjects/d?permanent=true")), parse_json("[1,3]"));
  EXPECT_EQ(subjects_of(c, "?deleted=true"), std::set<std::string>{});
  EXPECT_TRUE(IsError(c.get("/subjects/d/versions?deleted=true"), 404, 40401));
  EXPECT_TRUE(IsError(c.del("/subjects/d"), 404, 40401));
  EXPECT_TRUE(IsError(c.del("/subjects/d?permanent=true"), 404, 40401));
  EXPECT_TRUE(IsError(c.get("/schemas/ids/" + std::to_string(id1)), 404, 40403));
  EXPECT_TRUE(IsError(c.get("/schemas/ids/" + std::to_string(id3)), 404, 40403));
  EXPECT_TRUE(IsError(c.del("/subjects/never"), 404, 40401));
  EXPECT_TRUE(IsError(c.del("/subjects/never/versions/1"), 404, 40401));

  // A new schema after all that gets a new id, never a deleted one.
  const int id4 = must_register(c, "d", R"({"type":"object","title":"fresh"})");
  EXPECT_GT(id4, id3);
  EXPECT_EQ(versions_of(c, "d"), std::vector<int>({1}));
}

TEST_F(RegistryHttpTest, SoftDeletingAVersionTwiceIs40406) {
  // Confluent: a second soft delete of a version answers 40406 ("was soft deleted, set
  // permanent=true"), like 40404 for a subject; clients branch on it to go permanent.
  auto c = http();
  must_register(c, "d", kSensorV1);
  must_register(c, "d", kSensorV2);
  ASSERT_EQ(expect_json(c.del("/subjects/d/versions/1")), json::value(1));
  const std::string before = registry_state(c);
  EXPECT_TRUE(IsError(c.del("/subjects/d/versions/1"), 404, 40406));
  EXPECT_EQ(registry_state(c), before);
}

TEST_F(RegistryHttpTest, SoftDeletedSubjectKeepsNumbering) {
  auto c = http();
  must_register(c, "n", kSensorV1);
  must_register(c, "n", kSensorV2);
  ASSERT_EQ(expect_json(c.del("/subjects/n")), parse_json("[1,2]"));
  // Registering into a soft-deleted subject continues after its highest version (Confluent).
  must_register(c, "n", kSensorTString);  // no live version to be compatible with
  EXPECT_EQ(versions_of(c, "n"), std::vector<int>({3}));
  EXPECT_EQ(versions_of(c, "n", true), std::vector<int>({1, 2, 3}));
}

// ---- references -------------------------------------------------------------------------------

TEST_F(RegistryHttpTest, JsonSchemaReferences) {
  auto c = http();
  const std::string address =
      R"({"type":"object","properties":{"street":{"type":"string"}},"required":["street"]})";
  const std::string customer =
      R"({"type":"object","properties":{"name":{"type":"string"},"address":{"$ref":"address.json"}},"required":["address"]})";
  const int address_id = must_register(c, "address-value", address);

  // A reference that does not exist: 42201 and nothing written.
  const std::string before = registry_state(c);
  EXPECT_TRUE(IsError(post_schema(c, "customer-value", customer, "JSON",
                                  json::array{reference("address.json", "address-value", 9)}),
                      422, 42201));
  EXPECT_TRUE(IsError(post_schema(c, "customer-value", customer, "JSON",
                                  json::array{reference("address.json", "nowhere", 1)}),
                      422, 42201));
  // An unresolvable $ref without a reference is an invalid schema too.
  EXPECT_TRUE(IsError(post_schema(c, "customer-value", customer, "JSON"), 422, 42201));
  EXPECT_EQ(registry_state(c), before);

  const int customer_id = must_register(c, "customer-value", customer, "JSON",
                                        json::array{reference("address.json", "address-value", 1)});
  EXPECT_NE(customer_id, address_id);
  auto v = expect_json(c.get("/subjects/customer-value/versions/1"));
  EXPECT_EQ(v.at("references"), parse_json(R"([{"name":"address.json","subject":"address-value","version":1}])"));
  EXPECT_EQ(expect_json(c.get("/schemas/ids/" + std::to_string(customer_id))).at("references"),
            v.at("references"));
  EXPECT_EQ(expect_json(c.get("/subjects/address-value/versions/1/referencedby")),
            json::value(json::array{customer_id}));
  EXPECT_EQ(expect_json(c.get("/subjects/customer-value/versions/1/referencedby")), parse_json("[]"));

  // The same schema with the same references is the same id; lookup needs the references.
  EXPECT_EQ(must_register(c, "customer-value", customer, "JSON",
                          json::array{reference("address.json", "address-value", 1)}),
            customer_id);
  auto found = expect_json(c.post("/subjects/customer-value",
                                  schema_body(customer, "JSON",
                                              json::array{reference("address.json", "address-value", 1)})));
  EXPECT_EQ(as_int(found.at("id")), customer_id);

  // Payloads are validated through the reference.
  auto good = expect_json(c.post("/accord/v1/subjects/customer-value/versions/1/validate",
                                 std::string(R"({"address":{"street":"Main St"}})")));
  EXPECT_TRUE(good.at("valid").as_bool()) << good;
  auto bad = expect_json(c.post("/accord/v1/subjects/customer-value/versions/1/validate",
                                std::string(R"({"address":{"street":7}})")));
  EXPECT_FALSE(bad.at("valid").as_bool()) << bad;
  ASSERT_FALSE(bad.at("errors").as_array().empty()) << bad;
  EXPECT_EQ(as_str(bad.at("errors").as_array()[0].at("location")), "/address/street") << bad;

  // A referenced version cannot go, nor its subject; nothing changes.
  const std::string with_refs = registry_state(c);
  EXPECT_TRUE(IsError(c.del("/subjects/address-value/versions/1"), 422, 42206));
  EXPECT_TRUE(IsError(c.del("/subjects/address-value"), 422, 42206));
  EXPECT_EQ(registry_state(c), with_refs);

  // Once the referrer is gone for good, the referenced version may go.
  ASSERT_EQ(c.del("/subjects/customer-value").status, 200u);
  ASSERT_EQ(c.del("/subjects/customer-value?permanent=true").status, 200u);
  EXPECT_EQ(expect_json(c.get("/subjects/address-value/versions/1/referencedby")), parse_json("[]"));
  EXPECT_EQ(expect_json(c.del("/subjects/address-value/versions/1")), json::value(1));
}

TEST_F(RegistryHttpTest, JsonSchemaReferenceToLatest) {
  auto c = http();
  must_register(c, "unit", R"({"type":"string","enum":["C","F"]})");
  ASSERT_EQ(expect_json(c.put("/config/unit", json::object{{"compatibility", "NONE"}})),
            parse_json(R"({"compatibility":"NONE"})"));
  must_register(c, "unit", R"({"type":"string","enum":["C","F","K"]})");
  const std::string reading = R"({"type":"object","properties":{"u":{"$ref":"unit.json"}}})";
  const int id = must_register(c, "reading", reading, "JSON", json::array{reference("unit.json", "unit", -1)});
  // -1 is pinned to the latest version at registration (docs/registry.md).
  auto v = expect_json(c.get("/schemas/ids/" + std::to_string(id)));
  EXPECT_EQ(as_int(v.at("references").as_array()[0].at("version")), 2) << v;
  auto k = expect_json(c.post("/accord/v1/subjects/reading/versions/latest/validate", std::string(R"({"u":"K"})")));
  EXPECT_TRUE(k.at("valid").as_bool()) << k;
}

TEST_F(RegistryHttpTest, ProtobufImportsCompatibilityAndValidation) {
  auto c = http();
  const int money_id = must_register(c, "acme-money", kMoneyProto, "PROTOBUF");
  auto refs = [] { return json::array{reference("acme/common/money.proto", "acme-money", 1)}; };

  // The import without its reference cannot resolve.
  const std::string before = registry_state(c);
  EXPECT_TRUE(IsError(post_schema(c, "orders-value", kOrderProtoV1, "PROTOBUF"), 422, 42201));
  // A Protobuf schema sent as JSON is not valid JSON Schema.
  EXPECT_TRUE(IsError(post_schema(c, "orders-value", kOrderProtoV1, "JSON", refs()), 422, 42201));
  EXPECT_EQ(registry_state(c), before);

  const int order_id = must_register(c, "orders-value", kOrderProtoV1, "PROTOBUF", refs());
  EXPECT_NE(order_id, money_id);
  auto latest = expect_json(c.get("/subjects/orders-value/versions/latest"));
  EXPECT_EQ(as_str(latest.at("schemaType")), "PROTOBUF");
  EXPECT_EQ(latest.at("references"),
            parse_json(R"([{"name":"acme/common/money.proto","subject":"acme-money","version":1}])"));
  EXPECT_EQ(expect_json(c.get("/subjects/acme-money/versions/1/referencedby")), json::value(json::array{order_id}));

  // Comments and formatting do not make a new schema.
  const std::string commented = "// orders\n" + kOrderProtoV1 + "\n// end\n";
  EXPECT_EQ(must_register(c, "orders-value", commented, "PROTOBUF", refs()), order_id);
  EXPECT_EQ(versions_of(c, "orders-value"), std::vector<int>({1}));
  EXPECT_EQ(as_int(expect_json(c.post("/subjects/orders-value", schema_body(kOrderProtoV1, "PROTOBUF", refs())))
                       .at("version")),
            1);

  // A new field is compatible; changing a field's wire type is not.
  std::string v2 = kOrderProtoV1;
  v2.replace(v2.find("}\n", v2.find("message Order")), 1, "  int32 qty = 3;\n}");
  const int order_v2 = must_register(c, "orders-value", v2, "PROTOBUF", refs());
  EXPECT_NE(order_v2, order_id);
  std::string v3 = v2;
  v3.replace(v3.find("string id = 1"), std::string("string id = 1").size(), "int64 id = 1");
  auto verbose = expect_json(c.post("/compatibility/subjects/orders-value/versions/latest?verbose=true",
                                    schema_body(v3, "PROTOBUF", refs())));
  EXPECT_FALSE(verbose.at("is_compatible").as_bool()) << verbose;
  EXPECT_FALSE(verbose.at("messages").as_array().empty()) << verbose;
  const std::string before_v3 = registry_state(c);
  EXPECT_TRUE(IsError(post_schema(c, "orders-value", v3, "PROTOBUF", refs()), 409, 409));
  EXPECT_EQ(registry_state(c), before_v3);

  // Payloads: JSON through the proto3 JSON mapping, and the binary wire format.
  auto validate = [&](const std::string& body, const std::string& content_type) {
    HttpRequest r;
    r.method = "POST";
    r.target = "/accord/v1/subjects/orders-value/versions/2/validate";
    r.body = body;
    r.content_type = content_type;
    return expect_json(c.request(r));
  };
  auto good = validate(R"({"id":"o-1","total":{"currency":"EUR","units":"125"},"qty":2})", "application/json");
  EXPECT_TRUE(good.at("valid").as_bool()) << good;
  EXPECT_EQ(as_int(good.at("id")), order_v2);
  EXPECT_EQ(as_int(good.at("version")), 2);
  auto unknown = validate(R"({"id":"o-1","nosuch":1})", "application/json");
  EXPECT_FALSE(unknown.at("valid").as_bool()) << unknown;
  auto wrong_type = validate(R"({"id":{"nested":true}})", "application/json");
  EXPECT_FALSE(wrong_type.at("valid").as_bool()) << wrong_type;
  // Field 1 (id), length-delimited, "o1"; field 3 (qty), varint 2.
  const std::string wire("\x0a\x02o1\x18\x02", 6);
  auto bin_good = validate(wire, "application/x-protobuf");
  EXPECT_TRUE(bin_good.at("valid").as_bool()) << bin_good;
  // Field 1 claims 5 bytes and has 2.
  const std::string truncated("\x0a\x05o1", 4);
  auto bin_bad = validate(truncated, "application/octet-stream");
  EXPECT_FALSE(bin_bad.at("valid").as_bool()) << bin_bad;

  // The imported version cannot be deleted while used.
  EXPECT_TRUE(IsError(c.del("/subjects/acme-money/versions/1"), 422, 42206));
  EXPECT_TRUE(IsError(c.del("/subjects/acme-money"), 422, 42206));
  EXPECT_EQ(versions_of(c, "acme-money"), std::vector<int>({1}));

  // Wrong kinds of reference: a Protobuf import of a JSON schema.
  must_register(c, "json-thing", kSensorV1);
  EXPECT_TRUE(IsError(post_schema(c, "mixed", kOrderProtoV1, "PROTOBUF",
                                  json::array{reference("acme/common/money.proto", "json-thing", 1)}),
                      422, 42201));
}

// ---- refusals -----------------------------------------------------------------------------------

TEST_F(RegistryHttpTest, InvalidSchemasWriteNothing) {
  auto c = http();
  const int id = must_register(c, "s", kSensorV1);
  const std::string before = registry_state(c);
  auto refused = [&](const json::value& body) {
    return c.post("/subjects/s/versions", body);
  };

  EXPECT_TRUE(IsError(refused(schema_body(R"({"type":"record","name":"x","fields":[]})", "AVRO")), 422, 42201));
  EXPECT_TRUE(IsError(refused(schema_body(kSensorV2, "XML")), 422, 42201));
  EXPECT_TRUE(IsError(refused(json::object{{"schema", kSensorV2}, {"schemaType", 5}}), 422, 42201));
  EXPECT_TRUE(IsError(refused(schema_body("{not json", "JSON")), 422, 42201));
  EXPECT_TRUE(IsError(refused(schema_body(R"({"type": 12})", "JSON")), 422, 42201));
  EXPECT_TRUE(IsError(refused(schema_body(R"({"type":"object","minProperties":-1})", "JSON")), 422, 42201));
  EXPECT_TRUE(IsError(refused(schema_body(R"("just a string")", "JSON")), 422, 42201));
  EXPECT_TRUE(IsError(refused(schema_body("", "JSON")), 422, 42201));
  EXPECT_TRUE(IsError(refused(schema_body("message { broken", "PROTOBUF")), 422, 42201));
  EXPECT_TRUE(IsError(refused(schema_body("syntax = \"proto3\";\nmessage M { string a = 1; int32 b = 1; }\n",
                                          "PROTOBUF")),
                      422, 42201));
  EXPECT_TRUE(IsError(refused(json::object{}), 422, 42201));
  EXPECT_TRUE(IsError(refused(json::object{{"schema", 42}}), 422, 42201));
  EXPECT_TRUE(IsError(refused(json::object{{"schema", kSensorV2}, {"references", "nope"}}), 422, 42201));
  EXPECT_TRUE(IsError(refused(json::object{{"schema", kSensorV2}, {"references", json::array{json::object{{"name", "x"}}}}}),
                      422, 42201));
  // A lookahead is refused at registration: RE2 cannot run it in linear time.
  EXPECT_TRUE(IsError(refused(schema_body(R"({"type":"string","pattern":"^(?=a)a$"})")), 422, 42201));
  EXPECT_EQ(registry_state(c), before);

  // A new subject is not created by a refused registration either.
  EXPECT_TRUE(IsError(post_schema(c, "ghost", "{", "JSON"), 422, 42201));
  EXPECT_TRUE(IsError(post_schema(c, "ghost", "{}", "AVRO"), 422, 42201));
  EXPECT_EQ(registry_state(c), before);
  EXPECT_TRUE(IsError(c.get("/subjects/ghost/versions?deleted=true"), 404, 40401));

  // No id was used up: the next new schema gets the next id.
  EXPECT_EQ(must_register(c, "s", kSensorV2), id + 1);
}

TEST_F(RegistryHttpTest, VersionsSubjectsAndIdsThatDoNotExist) {
  auto c = http();
  const int id = must_register(c, "s", kSensorV1);
  for (const std::string v : {"abc", "0", "-2", "1.0", "2147483648", "99999999999999999999", "1x", "%20"}) {
    SCOPED_TRACE("version '" + v + "'");
    EXPECT_TRUE(IsError(c.get("/subjects/s/versions/" + v), 422, 42202));
    EXPECT_TRUE(IsError(c.get("/subjects/s/versions/" + v + "/schema"), 422, 42202));
    EXPECT_TRUE(IsError(c.del("/subjects/s/versions/" + v), 422, 42202));
  }
  EXPECT_TRUE(IsError(c.get("/subjects/s/versions/2"), 404, 40402));
  EXPECT_TRUE(IsError(c.get("/subjects/s/versions/2147483647"), 404, 40402));
  EXPECT_TRUE(IsError(c.get("/subjects/s/versions/2/schema"), 404, 40402));
  EXPECT_TRUE(IsError(c.get("/subjects/s/versions/2/referencedby"), 404, 40402));
  EXPECT_TRUE(IsError(c.del("/subjects/s/versions/2"), 404, 40402));
  EXPECT_TRUE(IsError(c.get("/subjects/none/versions"), 404, 40401));
  EXPECT_TRUE(IsError(c.get("/subjects/none/versions/1"), 404, 40401));
  EXPECT_TRUE(IsError(c.get("/subjects/none/versions/latest"), 404, 40401));
  EXPECT_TRUE(IsError(c.post("/subjects/none", schema_body(kSensorV1)), 404, 40401));
  for (const std::string& bad : std::vector<std::string>{std::to_string(id + 1), "0", "-1", "abc", "99999999999"}) {
    SCOPED_TRACE("id '" + bad + "'");
    EXPECT_TRUE(IsError(c.get("/schemas/ids/" + bad), 404, 40403));
    EXPECT_TRUE(IsError(c.get("/schemas/ids/" + bad + "/schema"), 404, 40403));
    EXPECT_TRUE(IsError(c.get("/schemas/ids/" + bad + "/subjects"), 404, 40403));
    EXPECT_TRUE(IsError(c.get("/schemas/ids/" + bad + "/versions"), 404, 40403));
  }
  EXPECT_EQ(versions_of(c, "s"), std::vector<int>({1}));
}

TEST_F(RegistryHttpTest, MalformedRequestsGetHttpErrors) {
  auto c = http();
  must_register(c, "s", kSensorV1);
  const std::string before = registry_state(c);

  auto send = [&](const std::string& method, const std::string& target, const std::string& body,
                  const std::string& content_type) {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.content_type = content_type;
    return c.request(r);
  };
  const std::string good_body = json::serialize(schema_body(kSensorV2));

  // Not JSON, or not an object: 400/40002.
  EXPECT_TRUE(IsError(send("POST", "/subjects/s/versions", "{\"schema\": ", kJsonType), 400, 40002));
  EXPECT_TRUE(IsError(send("POST", "/subjects/s/versions", "schema=x", kJsonType), 400, 40002));
  EXPECT_TRUE(IsError(send("POST", "/subjects/s/versions", "[1,2]", kJsonType), 400, 40002));
  EXPECT_TRUE(IsError(send("POST", "/subjects/s/versions", "", kJsonType), 400, 40002));
  EXPECT_TRUE(IsError(send("POST", "/subjects/s", "{oops}", kJsonType), 400, 40002));
  EXPECT_TRUE(IsError(send("POST", "/compatibility/subjects/s/versions/latest", "nul", kJsonType), 400, 40002));
  EXPECT_TRUE(IsError(send("PUT", "/config", "{", kJsonType), 400, 40002));
  EXPECT_TRUE(IsError(send("PUT", "/mode/s", "", kJsonType), 400, 40002));
  // Trailing garbage after the object.
  EXPECT_TRUE(IsError(send("POST", "/subjects/s/versions", good_body + "}", kJsonType), 400, 40002));

  // A valid body with a content type the API does not take: 415.
  EXPECT_TRUE(IsError(send("POST", "/subjects/s/versions", good_body, "text/plain"), 415, 41501));
  EXPECT_TRUE(IsError(send("POST", "/subjects/s/versions", good_body, "application/x-www-form-urlencoded"), 415,
                      41501));
  EXPECT_TRUE(IsError(send("PUT", "/config", R"({"compatibility":"NONE"})", "text/plain; charset=utf-8"), 415,
                      41501));
  // Confluent's JSON spellings are all accepted, parameters and case aside.
  EXPECT_EQ(send("POST", "/subjects/s", good_body, "application/json; charset=utf-8").status, 404u);
  EXPECT_EQ(send("POST", "/subjects/s", good_body, "application/vnd.schemaregistry+json").status, 404u);
  EXPECT_EQ(send("POST", "/subjects/s", good_body, "Application/JSON").status, 404u);

  // Unknown paths and wrong methods.
  EXPECT_TRUE(IsError(c.get("/nosuch"), 404, 40400));
  EXPECT_TRUE(IsError(c.get("/subjects/s/versions/1/schema/extra"), 404, 40400));
  EXPECT_TRUE(IsError(send("PATCH", "/subjects", "", ""), 405, 40500));
  EXPECT_TRUE(IsError(c.del("/schemas/types"), 405, 40500));
  EXPECT_TRUE(IsError(send("PUT", "/subjects/s/versions", good_body, kJsonType), 405, 40500));
  EXPECT_TRUE(IsError(c.post("/schemas/ids/1", std::string("{}")), 405, 40500));

  EXPECT_EQ(registry_state(c), before);
  // The server is still fine after all of it.
  EXPECT_EQ(expect_json(c.get("/")), json::value(json::object{}));
}

TEST_F(RegistryHttpTest, MethodNotAllowedNamesAllowedMethods) {
  // RFC 9110 15.5.6: a 405 response MUST carry an Allow header.
  auto c = http();
  auto r = c.del("/schemas/types");
  ASSERT_TRUE(IsError(r, 405, 40500));
  EXPECT_EQ(r.header("allow"), "GET") << r.describe();
}

TEST_F(RegistryHttpTest, BodyOverDefaultLimitIs413) {
  auto c = http();
  must_register(c, "s", kSensorV1);
  const std::string before = registry_state(c);
  // A schema string that makes the body a little over the default 1 MiB.
  const std::string big = R"({"type":"object","description":")" + std::string(1048576, 'x') + R"("})";
  auto r = post_schema(c, "s", big);
  EXPECT_TRUE(IsError(r, 413, 41301));
  auto fresh = post_schema(c, "other", big);
  EXPECT_TRUE(IsError(fresh, 413, 41301));
  EXPECT_EQ(registry_state(c), before);
  // A body under the limit is taken.
  const std::string fits = R"({"type":"object","description":")" + std::string(1000000, 'y') + R"("})";
  EXPECT_GT(must_register(c, "big", fits), 0);
}

TEST_F(RegistryHttpTest, BodyOverConfiguredLimitIs413) {
  ACCORD_START_BROKER_WITH({{"admin.max_body_bytes", "1024"}});
  auto c = http();
  must_register(c, "s", kSensorV1);
  const std::string before = registry_state(c);
  const std::string big = R"({"type":"object","description":")" + std::string(1100, 'x') + R"("})";
  EXPECT_TRUE(IsError(post_schema(c, "s", big), 413, 41301));
  EXPECT_TRUE(IsError(c.post("/accord/v1/subjects/s/versions/1/validate", std::string(2000, ' ')), 413, 41301));
  EXPECT_EQ(registry_state(c), before);
  const std::string small = R"({"type":"object","description":")" + std::string(800, 'x') + R"("})";
  EXPECT_GT(must_register(c, "t", small), 0);
}

// ---- Accord's validate and diff ----------------------------------------------------------------

TEST_F(RegistryHttpTest, ValidateReportsWhereAndWhy) {
  auto c = http();
  const std::string schema =
      R"({"type":"object","properties":{"t":{"type":"number"},"at":{"type":"string","format":"date-time"}},"required":["t"]})";
  const int id = must_register(c, "v", schema);
  auto validate = [&](const std::string& version, const std::string& payload) {
    return expect_json(c.post("/accord/v1/subjects/v/versions/" + version + "/validate", payload));
  };

  auto ok = validate("1", R"({"t":21.5,"at":"2024-05-01T10:00:00Z"})");
  EXPECT_EQ(ok, parse_json(R"({"valid":true,"subject":"v","version":1,"id":)" + std::to_string(id) +
                           R"(,"errors":[]})"));

  auto wrong = validate("latest", R"({"t":"warm"})");
  EXPECT_FALSE(wrong.at("valid").as_bool());
  EXPECT_EQ(as_int(wrong.at("version")), 1);
  const auto& errors = wrong.at("errors").as_array();
  ASSERT_EQ(errors.size(), 1u) << wrong;
  EXPECT_EQ(as_str(errors[0].at("location")), "/t");
  EXPECT_NE(as_str(errors[0].at("schema_location")).find("/properties/t/type"), std::string::npos) << wrong;
  EXPECT_FALSE(as_str(errors[0].at("message")).empty());

  // Several errors at once, each with its own location.
  auto two = validate("1", R"({"at":"yesterday"})");
  EXPECT_FALSE(two.at("valid").as_bool());
  std::set<std::string> locations;
  for (const auto& e : two.at("errors").as_array()) locations.insert(as_str(e.at("location")));
  EXPECT_TRUE(locations.count("/at")) << two;  // format is asserted by default
  EXPECT_TRUE(locations.count("")) << two;     // required is the object's

  // Not JSON at all: an answer, not a failure of the endpoint.
  auto garbage = validate("1", "{\"t\": ");
  EXPECT_FALSE(garbage.at("valid").as_bool()) << garbage;
  EXPECT_FALSE(garbage.at("errors").as_array().empty()) << garbage;

  EXPECT_TRUE(IsError(c.post("/accord/v1/subjects/v/versions/2/validate", std::string("{}")), 404, 40402));
  EXPECT_TRUE(IsError(c.post("/accord/v1/subjects/nope/versions/1/validate", std::string("{}")), 404, 40401));
  EXPECT_TRUE(IsError(c.post("/accord/v1/subjects/v/versions/zero/validate", std::string("{}")), 422, 42202));
}

TEST_F(RegistryHttpTest, DiffBetweenVersions) {
  auto c = http();
  must_register(c, "d", kSensorV1);
  must_register(c, "d", kSensorV2);
  auto d = expect_json(c.get("/accord/v1/subjects/d/diff?from=1&to=2"));
  EXPECT_EQ(as_int(d.at("from")), 1);
  EXPECT_EQ(as_int(d.at("to")), 2);
  bool added = false;
  for (const auto& ch : d.at("changes").as_array()) {
    EXPECT_TRUE(ch.as_object().contains("op") && ch.as_object().contains("path")) << ch;
    if (as_str(ch.at("op")) == "add" && as_str(ch.at("path")) == "/properties/h") {
      added = true;
      EXPECT_EQ(ch.at("to"), parse_json(R"({"type":"number"})"));
    }
  }
  EXPECT_TRUE(added) << d;
  // v2 reads v1 data; the closed v1 cannot read v2 data carrying h.
  EXPECT_TRUE(d.at("backward").at("is_compatible").as_bool()) << d;
  EXPECT_FALSE(d.at("forward").at("is_compatible").as_bool()) << d;
  EXPECT_FALSE(d.at("forward").at("messages").as_array().empty()) << d;

  // Defaults: the latest and the one before it.
  EXPECT_EQ(expect_json(c.get("/accord/v1/subjects/d/diff")).at("changes"), d.at("changes"));
  // The reverse direction removes what was added.
  auto back = expect_json(c.get("/accord/v1/subjects/d/diff?from=2&to=1"));
  bool removed = false;
  for (const auto& ch : back.at("changes").as_array())
    removed |= as_str(ch.at("op")) == "remove" && as_str(ch.at("path")) == "/properties/h";
  EXPECT_TRUE(removed) << back;
  // A version against itself: nothing.
  EXPECT_EQ(expect_json(c.get("/accord/v1/subjects/d/diff?from=1&to=1")).at("changes"), parse_json("[]"));

  EXPECT_TRUE(IsError(c.get("/accord/v1/subjects/d/diff?from=1&to=9"), 404, 40402));
  EXPECT_TRUE(IsError(c.get("/accord/v1/subjects/d/diff?from=x&to=2"), 422, 42202));
  EXPECT_TRUE(IsError(c.get("/accord/v1/subjects/none/diff?from=1&to=2"), 404, 40401));
  must_register(c, "single", kSensorV1);
  EXPECT_TRUE(IsError(c.get("/accord/v1/subjects/single/diff"), 422, 42202));
}

// ---- hostile input -------------------------------------------------------------------------------

TEST_F(RegistryHttpTest, CatastrophicPatternAnswersPromptly) {
  auto c = http();
  c.set_timeout(20s);
  must_register(c, "redos", R"({"type":"string","pattern":"^(a+)+$"})");
  // Exponential under a backtracking engine; the client timeout is the only bound asserted.
  const std::string payload = "\"" + std::string(50000, 'a') + "!\"";
  auto r = expect_json(c.post("/accord/v1/subjects/redos/versions/1/validate", payload));
  EXPECT_FALSE(r.at("valid").as_bool()) << r;
  auto ok = expect_json(c.post("/accord/v1/subjects/redos/versions/1/validate", "\"" + std::string(50000, 'a') + "\""));
  EXPECT_TRUE(ok.at("valid").as_bool());
  EXPECT_EQ(expect_json(c.get("/")), json::value(json::object{}));
}

TEST_F(RegistryHttpTest, DeepDocumentsAreRefusedNotFatal) {
  auto c = http();
  must_register(c, "any", R"({"type":"array"})");

  // A payload of 10000 nested arrays: invalid, with an error that says why.
  auto deep = expect_json(c.post("/accord/v1/subjects/any/versions/1/validate", nested_arrays(10000)));
  EXPECT_FALSE(deep.at("valid").as_bool()) << deep;
  ASSERT_FALSE(deep.at("errors").as_array().empty()) << deep;
  EXPECT_FALSE(as_str(deep.at("errors").as_array()[0].at("message")).empty());

  // The same as a request body: not a crash, a 400.
  EXPECT_TRUE(IsError(c.post("/subjects/any/versions", nested_arrays(10000)), 400, 40002));
  EXPECT_TRUE(IsError(c.post("/subjects/any/versions", std::string(10000, '[')), 400, 40002));

  // As a schema: 10000 nested "items".
  std::string schema;
  for (int i = 0; i < 10000; ++i) schema += R"({"items":)";
  schema += "{}";
  schema += std::string(10000, '}');
  const std::string before = registry_state(c);
  EXPECT_TRUE(IsError(post_schema(c, "deep", schema), 422, 42201));
  EXPECT_TRUE(IsError(post_schema(c, "deep", nested_arrays(10000)), 422, 42201));
  EXPECT_EQ(registry_state(c), before);

  EXPECT_EQ(expect_json(c.get("/")), json::value(json::object{}));
  EXPECT_TRUE(broker().running());
}

TEST_F(RegistryHttpTest, ModeratelyNestedSchemaRegisters) {
  // docs/registry.md bounds schema nesting at 256 levels. A model nested 24 objects deep (about
  // 50 JSON levels: properties/<name>/... per object) is within that and occurs in practice.
  auto c = http();
  std::string schema = R"({"type":"string"})";
  for (int i = 0; i < 24; ++i)
    schema = R"({"type":"object","properties":{"child":)" + schema + "}}";
  const int id = must_register(c, "nested", schema);
  std::string payload = "\"leaf\"";
  for (int i = 0; i < 24; ++i) payload = R"({"child":)" + payload + "}";
  auto r = expect_json(c.post("/accord/v1/subjects/nested/versions/1/validate", payload));
  EXPECT_TRUE(r.at("valid").as_bool()) << r;
  EXPECT_EQ(as_int(r.at("id")), id);
}

TEST_F(RegistryHttpTest, SelfReferencingSchemaIsRefused) {
  auto c = http();
  const std::string before = registry_state(c);
  auto r = post_schema(c, "loop", R"({"$ref":"#"})");
  EXPECT_TRUE(IsError(r, 422, 42201));
  // Two definitions that only point at each other never consume input either.
  auto r2 = post_schema(c, "loop",
                        R"({"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"})");
  EXPECT_TRUE(IsError(r2, 422, 42201));
  EXPECT_EQ(registry_state(c), before);
  // Recursion that does consume input is fine: a tree.
  const std::string tree =
      R"({"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#"}}}})";
  must_register(c, "tree", tree);
  auto v = expect_json(c.post("/accord/v1/subjects/tree/versions/1/validate",
                              std::string(R"({"children":[{"children":[]},{"children":[{"children":5}]}]})")));
  EXPECT_FALSE(v.at("valid").as_bool()) << v;
  EXPECT_EQ(as_str(v.at("errors").as_array()[0].at("location")), "/children/1/children/0/children") << v;
}

TEST_F(RegistryHttpTest, ConcurrentRegistrationsGetDistinctIdsAndVersions) {
  auto c = http();
  ASSERT_EQ(expect_json(c.put("/config", json::object{{"compatibility", "NONE"}})),
            parse_json(R"({"compatibility":"NONE"})"));
  constexpr int kThreads = 4, kEach = 10;
  std::vector<std::vector<int>> ids(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      try {
        HttpClient mine("127.0.0.1", c.port());
        for (int i = 0; i < kEach; ++i) {
          const std::string schema =
              R"({"type":"object","title":"t)" + std::to_string(t) + "-" + std::to_string(i) + "\"}";
          ids[t].push_back(must_register(mine, "busy", schema));
          // Everyone also registers one shared schema: it must end up with a single id.
          ids[t].push_back(must_register(mine, "busy", R"({"type":"object","title":"shared"})"));
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        ++failures;
      }
    });
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  std::set<int> distinct, shared;
  for (const auto& list : ids)
    for (std::size_t i = 0; i < list.size(); ++i) (i % 2 ? shared : distinct).insert(list[i]);
  EXPECT_EQ(distinct.size(), std::size_t(kThreads * kEach));
  EXPECT_EQ(shared.size(), 1u);
  EXPECT_FALSE(distinct.count(*shared.begin()));
  std::vector<int> expected;
  for (int v = 1; v <= kThreads * kEach + 1; ++v) expected.push_back(v);
  EXPECT_EQ(versions_of(c, "busy"), expected);
}

// ---- authentication ----------------------------------------------------------------------------

class RegistryAuthTest : public RegistryHttpTest {
 protected:
  static constexpr const char* kAdminToken = "tok-admin-0f7c2a8e9b5d4e1f";
  static constexpr const char* kReadToken = "tok-read-5a1e8c3d7f2b9a60";

  void start_with_credentials() {
    std::ofstream f(dir_.file("credentials"));
    f << "# test credentials\n"
      << basic_line("alice", "admin", "wonder land") << "\n"
      << basic_line("bob", "read", "b0b-pass") << "\n\n"
      << bearer_line("ci", "admin", kAdminToken) << "  # the pipeline\n"
      << bearer_line("dash", "read", kReadToken) << "\n";
    f.close();
    start_broker(BrokerOptions{{{"admin.credentials_file", dir_.file("credentials")}}});
  }

  HttpClient as(const std::string& authorization) {
    HttpClient c = http();
    c.set_authorization(authorization);
    return c;
  }

  TempDir dir_;
};

TEST_F(RegistryAuthTest, MissingOrWrongCredentialsAre401) {
  start_with_credentials();
  for (const std::string& auth :
       {std::string(), basic_authorization("alice", "wrong"), basic_authorization("mallory", "wonder land"),
        basic_authorization("bob", ""), std::string("Basic !!!notbase64"), std::string("Basic "),
        std::string("Bearer nope"), std::string("Bearer "), std::string("Digest username=alice"),
        std::string(kAdminToken)}) {
    SCOPED_TRACE("Authorization: '" + auth + "'");
    auto c = as(auth);
    auto r = c.get("/subjects");
    EXPECT_TRUE(IsError(r, 401, 40101));
    const std::string challenge = r.header("www-authenticate");
    EXPECT_NE(challenge.find("Basic"), std::string::npos) << challenge;
    EXPECT_TRUE(IsError(post_schema(c, "s", kSensorV1), 401, 40101));
  }
  // Nothing was registered by any of them.
  EXPECT_EQ(expect_json(as(basic_authorization("alice", "wonder land")).get("/subjects")), parse_json("[]"));
}

TEST_F(RegistryAuthTest, BasicRoles) {
  start_with_credentials();
  auto admin = as(basic_authorization("alice", "wonder land"));
  auto reader = as(basic_authorization("bob", "b0b-pass"));

  const int id = must_register(admin, "s", kSensorV1);
  // The reader reads, looks up and checks.
  EXPECT_EQ(versions_of(reader, "s"), std::vector<int>({1}));
  EXPECT_TRUE(expect_json(reader.get("/schemas/ids/" + std::to_string(id))).at("schema").is_string());
  EXPECT_EQ(as_int(expect_json(reader.post("/subjects/s", schema_body(kSensorV1))).at("id")), id);
  EXPECT_FALSE(expect_json(reader.post("/compatibility/subjects/s/versions/latest", schema_body(kSensorTString)))
                   .at("is_compatible")
                   .as_bool());
  EXPECT_TRUE(expect_json(reader.post("/accord/v1/subjects/s/versions/1/validate", std::string(R"({"t":1})")))
                  .at("valid")
                  .as_bool());
  EXPECT_EQ(expect_json(reader.get("/config")), parse_json(R"({"compatibilityLevel":"BACKWARD"})"));

  // ...and changes nothing.
  const std::string before = registry_state(admin);
  EXPECT_TRUE(IsError(post_schema(reader, "s", kSensorV2), 403, 40301));
  EXPECT_TRUE(IsError(post_schema(reader, "new", kSensorV1), 403, 40301));
  EXPECT_TRUE(IsError(reader.put("/config", json::object{{"compatibility", "NONE"}}), 403, 40301));
  EXPECT_TRUE(IsError(reader.put("/config/s", json::object{{"compatibility", "NONE"}}), 403, 40301));
  EXPECT_TRUE(IsError(reader.del("/config/s"), 403, 40301));
  EXPECT_TRUE(IsError(reader.put("/mode", json::object{{"mode", "READONLY"}}), 403, 40301));
  EXPECT_TRUE(IsError(reader.del("/subjects/s/versions/1"), 403, 40301));
  EXPECT_TRUE(IsError(reader.del("/subjects/s"), 403, 40301));
  EXPECT_EQ(registry_state(admin), before);

  // The admin does change things; repeated requests reuse the verified credential.
  EXPECT_EQ(expect_json(admin.put("/config/s", json::object{{"compatibility", "NONE"}})),
            parse_json(R"({"compatibility":"NONE"})"));
  must_register(admin, "s", kSensorTString);
  EXPECT_EQ(expect_json(admin.del("/subjects/s/versions/2")), json::value(2));
  for (int i = 0; i < 20; ++i) ASSERT_EQ(reader.get("/subjects").status, 200u);
}

TEST_F(RegistryAuthTest, BearerRoles) {
  start_with_credentials();
  auto admin = as(std::string("Bearer ") + kAdminToken);
  auto reader = as(std::string("Bearer ") + kReadToken);
  must_register(admin, "s", kSensorV1);
  EXPECT_EQ(versions_of(reader, "s"), std::vector<int>({1}));
  EXPECT_EQ(as_int(expect_json(reader.post("/subjects/s", schema_body(kSensorV1))).at("version")), 1);
  const std::string before = registry_state(admin);
  EXPECT_TRUE(IsError(post_schema(reader, "s", kSensorV2), 403, 40301));
  EXPECT_TRUE(IsError(reader.put("/config", json::object{{"compatibility", "FULL"}}), 403, 40301));
  EXPECT_TRUE(IsError(reader.del("/subjects/s"), 403, 40301));
  EXPECT_EQ(registry_state(admin), before);
  // The scheme name is case-insensitive (RFC 9110 11.1).
  EXPECT_EQ(as(std::string("bearer ") + kReadToken).get("/subjects").status, 200u);
  // A token is not a password, nor the other way round.
  EXPECT_TRUE(IsError(as(basic_authorization("ci", kAdminToken)).get("/subjects"), 401, 40101));
  must_register(admin, "s", kSensorV2);
  EXPECT_EQ(versions_of(reader, "s"), std::vector<int>({1, 2}));
}

// The admin API beyond the registry: policies and service contracts are writes like any other.
TEST_F(RegistryAuthTest, ReadRoleCannotChangePoliciesOrContracts) {
  start_with_credentials();
  auto admin = as(basic_authorization("alice", "wonder land"));
  auto reader = as(std::string("Bearer ") + kReadToken);
  const json::value contract = json::object{{"service", "thermostat"}, {"publishes", json::array{}}};
  ASSERT_EQ(admin.put("/accord/v1/contracts/thermostat", contract).status, 200u);
  const json::value policies = json::object{{"policies", json::array{}}};
  ASSERT_EQ(admin.put("/accord/v1/policies", policies).status, 200u);

  EXPECT_EQ(reader.get("/accord/v1/policies").status, 200u);
  EXPECT_EQ(reader.get("/accord/v1/contracts").status, 200u);
  EXPECT_EQ(reader.get("/accord/v1/contracts/thermostat").status, 200u);
  EXPECT_TRUE(IsError(reader.put("/accord/v1/policies", policies), 403, 40301));
  EXPECT_TRUE(IsError(reader.put("/accord/v1/policies/p", json::object{{"name", "p"}}), 403, 40301));
  EXPECT_TRUE(IsError(reader.del("/accord/v1/policies/p"), 403, 40301));
  EXPECT_TRUE(IsError(reader.post("/accord/v1/policies/reset", std::string("{}")), 403, 40301));
  EXPECT_TRUE(IsError(reader.put("/accord/v1/contracts/other", json::object{{"service", "other"}}), 403, 40301));
  EXPECT_TRUE(IsError(reader.del("/accord/v1/contracts/thermostat"), 403, 40301));
  EXPECT_TRUE(IsError(as("").put("/accord/v1/contracts/other", json::object{{"service", "other"}}), 401, 40101));
  // Nothing changed.
  EXPECT_EQ(admin.get("/accord/v1/contracts/thermostat").status, 200u);
  EXPECT_EQ(admin.get("/accord/v1/contracts/other").status, 404u);
}

TEST_F(RegistryHttpTest, BadCredentialsFilesStopStartup) {
  // Run directly (not through BrokerProcess, which retries a broker that exits at once): the
  // process must exit by itself, non-zero, naming the file.
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"too few iterations", basic_line("u", "admin", "p", 1000)},
      {"plain password", "basic u admin hunter2"},
      {"unknown role", basic_line("u", "root", "p")},
      {"short bearer digest", "bearer t admin sha256$abcd"},
      {"no credentials", "# nobody"},
      {"missing file", ""},
  };
  for (const auto& [why, line] : cases) {
    SCOPED_TRACE(why);
    const std::string path = dir.file(why == "missing file" ? "absent" : "creds");
    if (why != "missing file") std::ofstream(path, std::ios::trunc) << line << "\n";
    auto r = run_process({accord_binary(), "--listen", "127.0.0.1:0", "--set", "admin.listen=127.0.0.1:0",
                          "--set", "store.data_dir=" + dir.file("data"), "--set",
                          "admin.credentials_file=" + path},
                         15s);
    EXPECT_FALSE(r.timed_out) << "the broker started with a bad credentials file:\n" << r.out;
    EXPECT_NE(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find(path), std::string::npos) << r.out;
    // A malformed line is named by its number.
    if (why != "missing file" && why != "no credentials") {
      EXPECT_NE(r.out.find(path + ":1:"), std::string::npos) << r.out;
    }
  }
}

// ---- HTTPS ---------------------------------------------------------------------------------------

TEST_F(RegistryHttpTest, HttpsOnlyWhenCertificateConfigured) {
  TempDir dir;
  const std::string cert = dir.file("cert.pem"), key = dir.file("key.pem");
  auto made = run_process({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                           "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                           "-addext", "subjectAltName=IP:127.0.0.1"},
                          30s);
  if (made.exit_code != 0) GTEST_SKIP() << "openssl cannot make a certificate here: " << made.out;
  start_broker(BrokerOptions{{{"admin.tls_cert_file", cert}, {"admin.tls_key_file", key}}});

  HttpClient tls("127.0.0.1", broker().admin_port(), 10s);
  tls.use_tls({cert, ""});
  const int id = must_register(tls, "secure", kSensorV1);
  EXPECT_EQ(versions_of(tls, "secure"), std::vector<int>({1}));
  EXPECT_EQ(as_int(expect_json(tls.get("/subjects/secure/versions/1")).at("id")), id);

  // Plain HTTP gets no registry answer on the TLS port.
  HttpClient plain("127.0.0.1", broker().admin_port(), 5s);
  bool answered_plainly = false;
  try {
    auto r = plain.get("/subjects");
    answered_plainly = r.status == 200;
  } catch (const HttpError&) {
  }
  EXPECT_FALSE(answered_plainly);
  // And the server survived the plain request.
  EXPECT_EQ(versions_of(tls, "secure"), std::vector<int>({1}));
}

// ---- persistence ---------------------------------------------------------------------------------

TEST_F(RegistryDurableTest, StateSurvivesSigkillAndIdsAreNeverReused) {
  start_durable("sync");
  auto c = http();
  ASSERT_EQ(expect_json(c.put("/config/sensors", json::object{{"compatibility", "NONE"}})),
            parse_json(R"({"compatibility":"NONE"})"));
  must_register(c, "sensors", kSensorV1);
  must_register(c, "sensors", kSensorV2);
  const int id3 = must_register(c, "sensors", kSensorTString);
  must_register(c, "archive", kSensorV1);
  must_register(c, "acme-money", kMoneyProto, "PROTOBUF");
  must_register(c, "orders-value", kOrderProtoV1, "PROTOBUF",
                json::array{reference("acme/common/money.proto", "acme-money", 1)});
  must_register(c, "gone", R"({"type":"object","title":"gone"})");
  ASSERT_EQ(expect_json(c.put("/config", json::object{{"compatibility", "FULL_TRANSITIVE"}})),
            parse_json(R"({"compatibility":"FULL_TRANSITIVE"})"));
  ASSERT_EQ(expect_json(c.put("/mode/archive", json::object{{"mode", "READONLY"}})),
            parse_json(R"({"mode":"READONLY"})"));
  // The highest id goes for good: soft then permanent delete of its only version.
  const int gone_id = as_int(expect_json(c.get("/subjects/gone/versions/1")).at("id"));
  ASSERT_EQ(c.del("/subjects/gone").status, 200u);
  ASSERT_EQ(c.del("/subjects/gone?permanent=true").status, 200u);
  // A soft-deleted version stays soft-deleted.
  ASSERT_EQ(c.del("/subjects/sensors/versions/3").status, 200u);
  ASSERT_TRUE(IsError(c.get("/schemas/ids/" + std::to_string(gone_id)), 404, 40403));

  const std::string before = registry_state(c);
  std::vector<std::string> by_id;
  for (int id = 1; id <= gone_id; ++id) by_id.push_back(c.get("/schemas/ids/" + std::to_string(id)).describe());

  broker().kill_hard();
  broker().start();
  auto after = http();
  EXPECT_EQ(registry_state(after), before);
  for (int id = 1; id <= gone_id; ++id)
    EXPECT_EQ(after.get("/schemas/ids/" + std::to_string(id)).describe(), by_id[id - 1]) << "id " << id;
  EXPECT_EQ(as_int(expect_json(after.get("/subjects/sensors/versions/3?deleted=true")).at("id")), id3);
  EXPECT_TRUE(IsError(post_schema(after, "archive", kSensorV2), 422, 42205));
  EXPECT_EQ(expect_json(after.get("/subjects/orders-value/versions/1")).at("references"),
            parse_json(R"([{"name":"acme/common/money.proto","subject":"acme-money","version":1}])"));
  auto valid = expect_json(after.post("/accord/v1/subjects/orders-value/versions/1/validate",
                                      std::string(R"({"id":"x","total":{"currency":"EUR"}})")));
  EXPECT_TRUE(valid.at("valid").as_bool()) << valid;

  // A new schema after the restart never gets the permanently deleted id.
  const int next = must_register(after, "fresh", R"({"type":"object","title":"after restart"})");
  EXPECT_GT(next, gone_id);
  // The same again after a second crash: the id counter itself is durable.
  broker().kill_hard();
  broker().start();
  auto third = http();
  EXPECT_EQ(as_int(expect_json(third.get("/subjects/fresh/versions/1")).at("id")), next);
  EXPECT_GT(must_register(third, "fresh2", R"({"type":"object","title":"second restart"})"), next);
}

TEST_F(RegistryDurableTest, ProtobufMessageTypeFollowsTheSubject) {
  // docs/registry.md: a subject validates with the message its name picks (RecordNameStrategy,
  // TopicRecordNameStrategy), else the file's first message. The same file under two subjects
  // is one schema id, but each subject keeps its own message type, before and after a restart.
  start_durable("sync");
  const std::string proto = R"(syntax = "proto3";
package acme;
message Header { string device_id = 1; string firmware = 2; }
message Reading { string device_id = 1; double temperature = 2; }
)";
  auto c = http();
  const int id = must_register(c, "zz-devices-value", proto, "PROTOBUF");
  EXPECT_EQ(must_register(c, "telemetry-acme.Reading", proto, "PROTOBUF"), id);
  auto check = [](const HttpClient& client, const std::string& phase) {
    SCOPED_TRACE(phase);
    auto valid = [&](const std::string& subject, const std::string& payload) {
      auto r = expect_json(client.post("/accord/v1/subjects/" + subject + "/versions/1/validate", payload));
      return r.at("valid").as_bool();
    };
    EXPECT_TRUE(valid("zz-devices-value", R"({"firmware":"1.2"})")) << "first message: Header";
    EXPECT_FALSE(valid("zz-devices-value", R"({"temperature":21.5})"));
    EXPECT_TRUE(valid("telemetry-acme.Reading", R"({"temperature":21.5})")) << "named message: Reading";
    EXPECT_FALSE(valid("telemetry-acme.Reading", R"({"firmware":"1.2"})"));
  };
  check(c, "before restart");
  broker().kill_hard();
  broker().start();
  check(http(), "after restart");
}

TEST_F(RegistryDurableTest, GracefulRestartKeepsRegistry) {
  start_durable("sync");
  auto c = http();
  const int id = must_register(c, "s", kSensorV1);
  ASSERT_EQ(expect_json(c.put("/mode", json::object{{"mode", "READONLY"}})), parse_json(R"({"mode":"READONLY"})"));
  const std::string before = registry_state(c);
  broker().restart();
  auto after = http();
  EXPECT_EQ(registry_state(after), before);
  EXPECT_EQ(as_int(expect_json(after.get("/subjects/s/versions/1")).at("id")), id);
  EXPECT_TRUE(IsError(post_schema(after, "s", kSensorV2), 422, 42205));
}

}  // namespace
}  // namespace accord::it
