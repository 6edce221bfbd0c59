// The REST layer through AdminServer::handle (the pipeline each connection runs): routing with
// decoded subjects, Confluent bodies and codes, content types, credentials and roles.
#include <boost/json.hpp>

#include "registry/core/routes.hpp"
#include "registry/http/admin_server.hpp"
#include "registry/http/auth.hpp"
#include "registry_test_util.hpp"

namespace accord::registry::test {
namespace {

namespace json = boost::json;

class Routes : public RegistryFixture {
 protected:
  void serve(std::shared_ptr<const http::Authenticator> auth = nullptr) {
    http::Router router;
    add_registry_routes(router, reg());
    http::ServerOptions o;
    o.auth = std::move(auth);
    server_ = std::make_unique<http::AdminServer>(std::move(router), std::move(o));
  }
  http::Response call(std::string method, std::string target, std::string body = {},
                      std::string content_type = "application/vnd.schemaregistry.v1+json",
                      std::string authorization = {}) {
    if (!server_) serve();
    http::Request r;
    r.method = std::move(method);
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.body = std::move(body);
    r.content_type = r.body.empty() ? "" : content_type;
    r.authorization = std::move(authorization);
    return server_->handle(std::move(r));
  }
  static json::value body(const http::Response& r) { return json::parse(r.body); }
  static std::int64_t code(const http::Response& r) {
    return body(r).as_object().at("error_code").as_int64();
  }
  static std::string register_body(const std::string& schema, const char* type = "JSON") {
    return json::serialize(json::object{{"schema", schema}, {"schemaType", type}});
  }

  std::unique_ptr<http::AdminServer> server_;
};

TEST_F(Routes, ConfluentFlowWithEncodedSubject) {
  auto r = call("POST", "/subjects/acme%2Freadings-value/versions", register_body(R"({"type":"string"})"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.content_type, "application/vnd.schemaregistry.v1+json");
  EXPECT_EQ(body(r), (json::value{{"id", 1}}));
  r = call("GET", "/subjects");
  EXPECT_EQ(body(r), (json::array{"acme/readings-value"}));
  r = call("GET", "/subjects/acme%2Freadings-value/versions/latest");
  ASSERT_EQ(r.status, 200u);
  auto v = body(r).as_object();
  EXPECT_EQ(v.at("subject"), "acme/readings-value");
  EXPECT_EQ(v.at("version"), 1);
  EXPECT_EQ(v.at("id"), 1);
  EXPECT_EQ(v.at("schemaType"), "JSON");
  EXPECT_EQ(v.at("schema"), R"({"type":"string"})");
  r = call("GET", "/schemas/ids/1/schema");
  EXPECT_EQ(r.body, R"({"type":"string"})");
  r = call("GET", "/schemas/ids/1/versions");
  EXPECT_EQ(body(r), (json::array{json::object{{"subject", "acme/readings-value"}, {"version", 1}}}));
  r = call("GET", "/schemas/types");
  EXPECT_EQ(body(r), (json::array{"JSON", "PROTOBUF"}));
  r = call("POST", "/compatibility/subjects/acme%2Freadings-value/versions/latest?verbose=true",
           register_body(R"({"type":"integer"})"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(body(r).as_object().at("is_compatible"), false);
  EXPECT_FALSE(body(r).as_object().at("messages").as_array().empty());
  r = call("PUT", "/config", R"({"compatibility":"FULL"})");
  EXPECT_EQ(body(r), (json::value{{"compatibility", "FULL"}}));
  r = call("GET", "/config");
  EXPECT_EQ(body(r), (json::value{{"compatibilityLevel", "FULL"}}));
  r = call("GET", "/config/acme%2Freadings-value");
  EXPECT_EQ(code(r), 40408);
  r = call("GET", "/config/acme%2Freadings-value?defaultToGlobal=true");
  EXPECT_EQ(body(r), (json::value{{"compatibilityLevel", "FULL"}}));
  r = call("PUT", "/mode", R"({"mode":"READONLY"})");
  EXPECT_EQ(body(r), (json::value{{"mode", "READONLY"}}));
  r = call("POST", "/subjects/x/versions", register_body(R"({"type":"number"})"));
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(code(r), 42205);
}

TEST_F(Routes, BadInputGetsDocumentedCodes) {
  struct Case {
    const char* method;
    const char* target;
    std::string body;
    std::string content_type;
    unsigned status;
    int error_code;
  };
  const std::vector<Case> cases = {
      {"POST", "/subjects/s/versions", "{not json", "application/json", 400, 40002},
      {"POST", "/subjects/s/versions", "[1]", "application/json", 400, 40002},
      {"POST", "/subjects/s/versions", R"({"schemaType":"JSON"})", "application/json", 422, 42201},
      {"POST", "/subjects/s/versions", register_body("{\"type\":5}"), "application/json", 422, 42201},
      {"POST", "/subjects/s/versions", register_body("{}", "AVRO"), "application/json", 422, 42201},
      {"POST", "/subjects/s/versions", register_body("{}", "XML"), "application/json", 422, 42201},
      {"POST", "/subjects/s/versions", register_body("{}"), "text/plain", 415, 41501},
      {"POST", "/subjects/s/versions", register_body("{}"), "application/x-www-form-urlencoded", 415, 41501},
      {"GET", "/subjects/nope/versions", "", "", 404, 40401},
      {"GET", "/subjects/nope/versions/1", "", "", 404, 40401},
      {"GET", "/schemas/ids/99", "", "", 404, 40403},
      {"GET", "/schemas/ids/abc", "", "", 404, 40403},
      {"PUT", "/config", R"({"compatibility":"SIDEWAYS"})", "application/json", 422, 42203},
      {"PUT", "/mode", R"({"mode":"IMPORT"})", "application/json", 422, 42204},
      {"GET", "/no/such/thing", "", "", 404, 40400},
      {"PATCH", "/subjects", "", "", 405, 40500},
  };
  for (const auto& c : cases) {
    auto r = call(c.method, c.target, c.body, c.content_type);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.target << " " << c.body << ": " << r.body;
    EXPECT_EQ(code(r), c.error_code) << c.method << " " << c.target << " " << c.body << ": " << r.body;
  }
  // Registered nothing.
  EXPECT_TRUE(reg().subjects(true).empty());
  EXPECT_EQ(reg().counts().schemas, 0u);
}

TEST_F(Routes, ValidateAndDiffEndpoints) {
  ASSERT_EQ(call("POST", "/subjects/r/versions",
                 register_body(R"({"type":"object","properties":{"t":{"type":"number"}},"required":["t"]})"))
                .status,
            200u);
  auto r = call("POST", "/accord/v1/subjects/r/versions/latest/validate", R"({"t":"warm"})", "application/json");
  ASSERT_EQ(r.status, 200u) << r.body;
  auto o = body(r).as_object();
  EXPECT_EQ(o.at("valid"), false);
  ASSERT_FALSE(o.at("errors").as_array().empty());
  EXPECT_EQ(o.at("errors").as_array()[0].as_object().at("location"), "/t");
  r = call("POST", "/accord/v1/subjects/r/versions/1/validate", R"({"t":1})", "application/json");
  EXPECT_EQ(body(r).as_object().at("valid"), true);
  r = call("GET", "/accord/v1/subjects/r/diff");
  EXPECT_EQ(r.status, 422u) << "one version: nothing to diff against by default";
  ASSERT_EQ(call("PUT", "/config/r", R"({"compatibility":"NONE"})").status, 200u);
  ASSERT_EQ(call("POST", "/subjects/r/versions",
                 register_body(R"({"type":"object","properties":{"t":{"type":"string"}},"required":["t"]})"))
                .status,
            200u);
  r = call("GET", "/accord/v1/subjects/r/diff?from=1&to=2");
  ASSERT_EQ(r.status, 200u) << r.body;
  o = body(r).as_object();
  EXPECT_EQ(o.at("changes").as_array().size(), 1u);
  EXPECT_EQ(o.at("backward").as_object().at("is_compatible"), false);
}

std::string basic(const std::string& user, const std::string& password) {
  // Base64 of "user:password" without pulling in another encoder: OpenSSL via the auth module
  // is not exposed, so encode by hand (RFC 4648).
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string in = user + ":" + password;
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(n >> s) & 63]);
  }
  if (i < in.size()) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return "Basic " + out;
}

TEST_F(Routes, CredentialsAndRoles) {
  const std::string token = http::random_token();
  const std::string file = "# admin API users\n"
                           "basic ops admin " + http::hash_password("s3cret", 100000) + "\n"
                           "basic viewer read " + http::hash_password("look", 100000) + "\n"
                           "bearer ci read " + http::hash_token(token) + "\n";
  EXPECT_EQ(file.find("s3cret"), std::string::npos) << "no plain password in the file";
  serve(http::Authenticator::parse(file, "test"));
  auto r = call("GET", "/subjects");
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(code(r), 40101);
  ASSERT_FALSE(r.headers.empty());
  EXPECT_EQ(r.headers[0].first, "WWW-Authenticate");
  EXPECT_EQ(call("GET", "/subjects", {}, {}, basic("ops", "wrong")).status, 401u);
  EXPECT_EQ(call("GET", "/subjects", {}, {}, basic("nobody", "s3cret")).status, 401u);
  EXPECT_EQ(call("GET", "/subjects", {}, {}, "Bearer not-the-token").status, 401u);
  EXPECT_EQ(call("GET", "/subjects", {}, {}, basic("viewer", "look")).status, 200u);
  EXPECT_EQ(call("GET", "/subjects", {}, {}, "Bearer " + token).status, 200u);
  // A read role may not write, but may check compatibility (a POST that only reads).
  r = call("POST", "/subjects/s/versions", register_body(R"({"type":"string"})"),
           "application/json", "Bearer " + token);
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(code(r), 40301);
  EXPECT_EQ(call("PUT", "/config", R"({"compatibility":"NONE"})", "application/json",
                 basic("viewer", "look")).status,
            403u);
  EXPECT_EQ(call("POST", "/compatibility/subjects/s/versions", register_body(R"({"type":"string"})"),
                 "application/json", basic("viewer", "look")).status,
            200u);
  r = call("POST", "/subjects/s/versions", register_body(R"({"type":"string"})"), "application/json",
           basic("ops", "s3cret"));
  EXPECT_EQ(r.status, 200u) << r.body;
  // The cached verification of a right password must not let a wrong one through.
  EXPECT_EQ(call("GET", "/subjects", {}, {}, basic("ops", "s3cret")).status, 200u);
  EXPECT_EQ(call("GET", "/subjects", {}, {}, basic("ops", "s3cret!")).status, 401u);
}

TEST(Credentials, MalformedFilesAreRefusedWithTheLine) {
  auto fails = [](const std::string& text, const std::string& expected) {
    try {
      http::Authenticator::parse(text, "creds");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  };
  fails("basic ops admin plaintext\n", "creds:1");
  fails("\nbearer ci owner sha256$00\n", "creds:2: unknown role");
  fails("basic ops admin pbkdf2-sha256$1000$c2FsdHNhbHQ=$" + std::string(44, 'A') + "\n", "too fast");
  fails("token x admin y\n", "unknown credential kind");
  fails("# nothing\n", "no credentials");
}

}  // namespace
}  // namespace accord::registry::test
