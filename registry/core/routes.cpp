// The registry's REST API: Confluent Schema Registry's endpoints and shapes (so its clients work
// unchanged) plus Accord's own under /accord/v1. Only translation lives here: JSON bodies in,
// Registry calls, JSON out; every rule is in registry.cpp. docs/registry.md lists it all.
#include "registry/core/routes.hpp"

#include <boost/json.hpp>

namespace accord::registry {

namespace json = boost::json;
using http::Access;
using http::Request;
using http::Response;

namespace {

constexpr const char* kContentType = "application/vnd.schemaregistry.v1+json";

Response reply(const json::value& body, unsigned status = 200) {
  return Response{status, json::serialize(body), kContentType, {}};
}

Response fail(const Error& e) {
  auto r = http::error_response(e.http_status, e.error_code, e.message);
  r.content_type = kContentType;
  return r;
}

Response bad_body(const std::string& why) { return fail({400, 40002, "Invalid request body: " + why}); }

// The JSON object of a request body, or the error response for it.
std::variant<json::object, Response> body_object(const Request& req) {
  if (req.body.empty()) return bad_body("the body is empty; a JSON object is expected");
  boost::system::error_code ec;
  auto v = json::parse(req.body, ec);
  if (ec) return bad_body("not JSON (" + ec.message() + ")");
  if (!v.is_object()) return bad_body("a JSON object is expected");
  return std::move(v.get_object());
}

// {"schema": "...", "schemaType": "JSON"|"PROTOBUF", "references": [{name, subject, version}]}.
std::variant<SchemaInput, Response> schema_input(const Request& req) {
  auto body = body_object(req);
  if (auto* r = std::get_if<Response>(&body)) return *r;
  const auto& o = std::get<json::object>(body);
  SchemaInput in;
  const auto* schema = o.if_contains("schema");
  if (!schema || !schema->is_string())
    return fail({422, 42201, "Invalid schema: the body needs \"schema\", the schema as a string"});
  in.schema = std::string(schema->get_string());
  if (const auto* t = o.if_contains("schemaType"); t && !t->is_null()) {
    if (!t->is_string()) return fail({422, 42201, "Invalid schema: \"schemaType\" must be a string"});
    const std::string type(t->get_string());
    auto parsed = parse_schema_type(type);
    if (!parsed) {
      const bool avro = type == "AVRO";
      return fail({422, 42201,
                   avro ? "Invalid schema: AVRO schemas are not supported by Accord; use JSON or "
                          "PROTOBUF"
                        : "Invalid schema: unknown schemaType '" + type +
                              "' (supported: JSON, PROTOBUF)"});
    }
    in.type = *parsed;
  }
  if (const auto* refs = o.if_contains("references"); refs && !refs->is_null()) {
    if (!refs->is_array()) return fail({422, 42201, "Invalid schema: \"references\" must be an array"});
    for (const auto& r : refs->get_array()) {
      const auto* ro = r.if_object();
      const json::value* name = ro ? ro->if_contains("name") : nullptr;
      const json::value* subject = ro ? ro->if_contains("subject") : nullptr;
      const json::value* version = ro ? ro->if_contains("version") : nullptr;
      if (!name || !name->is_string() || !subject || !subject->is_string() || !version ||
          !version->is_int64())
        return fail({422, 42201,
                     "Invalid schema: each reference needs \"name\", \"subject\" (strings) and "
                     "\"version\" (a number, -1 for the latest)"});
      in.references.push_back({std::string(name->get_string()), std::string(subject->get_string()),
                               static_cast<int>(version->get_int64())});
    }
  }
  return in;
}

json::array references_json(const std::vector<SchemaReference>& refs) {
  json::array a;
  for (const auto& r : refs) a.push_back({{"name", r.name}, {"subject", r.subject}, {"version", r.version}});
  return a;
}

json::object version_json(const SubjectVersion& v) {
  json::object o{{"subject", v.subject},
                 {"version", v.version},
                 {"id", v.id},
                 {"schemaType", to_string(v.schema.type)},
                 {"schema", v.schema.text}};
  if (!v.schema.references.empty()) o["references"] = references_json(v.schema.references);
  return o;
}

json::object report_json(const CompatibilityReport& r, bool verbose) {
  json::object o{{"is_compatible", r.compatible}};
  if (verbose) {
    json::array messages, details;
    for (const auto& m : r.messages) messages.push_back(json::string(m));
    for (const auto& e : r.entries)
      details.push_back({{"version", e.version},
                         {"direction", e.direction},
                         {"path", e.problem.path},
                         {"kind", e.problem.kind},
                         {"reason", e.problem.reason}});
    o["messages"] = std::move(messages);
    o["incompatibilities"] = std::move(details);
  }
  return o;
}

Response level_json(const char* key, CompatibilityLevel level) {
  return reply(json::object{{key, to_string(level)}});
}

std::optional<int> parse_id(const std::string& s) {
  try {
    std::size_t used = 0;
    long long v = std::stoll(s, &used);
    if (used != s.size() || v < 1 || v > INT32_MAX) return std::nullopt;
    return static_cast<int>(v);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Response invalid_level() {
  return fail({422, 42203,
               "Invalid compatibility level. Valid values are NONE, BACKWARD, BACKWARD_TRANSITIVE, "
               "FORWARD, FORWARD_TRANSITIVE, FULL and FULL_TRANSITIVE"});
}

// PUT /config[/{subject}] body: {"compatibility": "FULL"} (Confluent also reads "compatibilityLevel").
Response put_config(Registry& registry, const Request& req, const std::string& subject) {
  auto body = body_object(req);
  if (auto* r = std::get_if<Response>(&body)) return *r;
  const auto& o = std::get<json::object>(body);
  const json::value* v = o.if_contains("compatibility");
  if (!v) v = o.if_contains("compatibilityLevel");
  if (!v || !v->is_string()) return invalid_level();
  auto level = parse_compatibility_level(std::string(v->get_string()));
  if (!level) return invalid_level();
  auto r = registry.set_compatibility(subject, *level);
  if (!r) return fail(r.error());
  return level_json("compatibility", *r);
}

Response put_mode(Registry& registry, const Request& req, const std::string& subject) {
  auto body = body_object(req);
  if (auto* r = std::get_if<Response>(&body)) return *r;
  const auto& o = std::get<json::object>(body);
  const json::value* v = o.if_contains("mode");
  std::optional<Mode> mode;
  if (v && v->is_string()) mode = parse_mode(std::string(v->get_string()));
  if (!mode) return fail({422, 42204, "Invalid mode. Valid values are READWRITE and READONLY"});
  auto r = registry.set_mode(subject, *mode);
  if (!r) return fail(r.error());
  return reply(json::object{{"mode", to_string(*r)}});
}

bool is_binary(const Request& req) {
  const auto ct = req.content_type.substr(0, req.content_type.find(';'));
  return ct == "application/octet-stream" || ct == "application/x-protobuf";
}

}  // namespace

// /accord/v1/contracts (contract_routes.cpp): the contracts `accordctl contract publish` uploads.
void add_contract_routes(http::Router& router, Registry& registry);

void add_registry_routes(http::Router& router, Registry& registry) {
  Registry* reg = &registry;

  router.add("GET", "/", [](const Request&) { return reply(json::object{}); });

  router.add("GET", "/schemas/types", [](const Request&) {
    return reply(json::array{"JSON", "PROTOBUF"});
  });

  // ---- subjects ----
  router.add("GET", "/subjects", [reg](const Request& req) {
    const std::string prefix = req.query_param("subjectPrefix");
    json::array a;
    for (auto& s : reg->subjects(req.query_flag("deleted")))
      if (s.rfind(prefix, 0) == 0) a.push_back(json::string(s));
    return reply(a);
  });

  router.add("GET", "/subjects/{subject}/versions", [reg](const Request& req) {
    auto r = reg->versions(req.param("subject"), req.query_flag("deleted"));
    if (!r) return fail(r.error());
    json::array a;
    for (int v : *r) a.push_back(v);
    return reply(a);
  });

  router.add("POST", "/subjects/{subject}/versions", [reg](const Request& req) {
    auto in = schema_input(req);
    if (auto* r = std::get_if<Response>(&in)) return *r;
    auto id = reg->register_schema(req.param("subject"), std::get<SchemaInput>(in));
    if (!id) return fail(id.error());
    return reply(json::object{{"id", *id}});
  });

  router.add("GET", "/subjects/{subject}/versions/{version}", [reg](const Request& req) {
    auto v = reg->version(req.param("subject"), req.param("version"), req.query_flag("deleted"));
    if (!v) return fail(v.error());
    return reply(version_json(*v));
  });

  router.add("GET", "/subjects/{subject}/versions/{version}/schema", [reg](const Request& req) {
    auto v = reg->version(req.param("subject"), req.param("version"), req.query_flag("deleted"));
    if (!v) return fail(v.error());
    return Response{200, v->schema.text, kContentType, {}};
  });

  router.add("GET", "/subjects/{subject}/versions/{version}/referencedby", [reg](const Request& req) {
    auto ids = reg->referenced_by(req.param("subject"), req.param("version"));
    if (!ids) return fail(ids.error());
    json::array a;
    for (int id : *ids) a.push_back(id);
    return reply(a);
  });

  router.add("POST", "/subjects/{subject}", Access::Read, [reg](const Request& req) {
    auto in = schema_input(req);
    if (auto* r = std::get_if<Response>(&in)) return *r;
    auto v = reg->lookup(req.param("subject"), std::get<SchemaInput>(in), req.query_flag("deleted"));
    if (!v) return fail(v.error());
    return reply(version_json(*v));
  });

  router.add("DELETE", "/subjects/{subject}", [reg](const Request& req) {
    auto r = reg->delete_subject(req.param("subject"), req.query_flag("permanent"));
    if (!r) return fail(r.error());
    json::array a;
    for (int v : *r) a.push_back(v);
    return reply(a);
  });

  router.add("DELETE", "/subjects/{subject}/versions/{version}", [reg](const Request& req) {
    auto r = reg->delete_version(req.param("subject"), req.param("version"), req.query_flag("permanent"));
    if (!r) return fail(r.error());
    return reply(json::value(*r));
  });

  // ---- schemas by id ----
  auto by_id = [reg](const Request& req) -> std::variant<StoredSchema, Response> {
    auto id = parse_id(req.param("id"));
    if (!id) return fail({404, 40403, "Schema " + req.param("id") + " not found"});
    auto s = reg->schema_by_id(*id);
    if (!s) return fail(s.error());
    return *s;
  };
  router.add("GET", "/schemas/ids/{id}", [by_id](const Request& req) {
    auto s = by_id(req);
    if (auto* r = std::get_if<Response>(&s)) return *r;
    const auto& schema = std::get<StoredSchema>(s);
    json::object o{{"schemaType", to_string(schema.type)}, {"schema", schema.text}};
    if (!schema.references.empty()) o["references"] = references_json(schema.references);
    return reply(o);
  });
  router.add("GET", "/schemas/ids/{id}/schema", [by_id](const Request& req) {
    auto s = by_id(req);
    if (auto* r = std::get_if<Response>(&s)) return *r;
    return Response{200, std::get<StoredSchema>(s).text, kContentType, {}};
  });
  router.add("GET", "/schemas/ids/{id}/subjects", [reg](const Request& req) {
    auto id = parse_id(req.param("id"));
    if (!id) return fail({404, 40403, "Schema " + req.param("id") + " not found"});
    auto r = reg->subjects_for_id(*id, req.query_flag("deleted"));
    if (!r) return fail(r.error());
    json::array a;
    for (auto& s : *r) a.push_back(json::string(s));
    return reply(a);
  });
  router.add("GET", "/schemas/ids/{id}/versions", [reg](const Request& req) {
    auto id = parse_id(req.param("id"));
    if (!id) return fail({404, 40403, "Schema " + req.param("id") + " not found"});
    auto r = reg->versions_for_id(*id, req.query_flag("deleted"));
    if (!r) return fail(r.error());
    json::array a;
    for (auto& [s, v] : *r) a.push_back({{"subject", s}, {"version", v}});
    return reply(a);
  });

  // ---- compatibility ----
  auto compatibility = [reg](const Request& req, std::optional<std::string> version) {
    auto in = schema_input(req);
    if (auto* r = std::get_if<Response>(&in)) return *r;
    auto report = reg->check_compatibility(req.param("subject"), version, std::get<SchemaInput>(in));
    if (!report) return fail(report.error());
    return reply(report_json(*report, req.query_flag("verbose")));
  };
  router.add("POST", "/compatibility/subjects/{subject}/versions/{version}", Access::Read,
             [compatibility](const Request& req) { return compatibility(req, req.param("version")); });
  router.add("POST", "/compatibility/subjects/{subject}/versions", Access::Read,
             [compatibility](const Request& req) { return compatibility(req, std::nullopt); });

  // ---- config ----
  router.add("GET", "/config", [reg](const Request&) {
    return level_json("compatibilityLevel", reg->effective_compatibility(""));
  });
  router.add("PUT", "/config", [reg](const Request& req) { return put_config(*reg, req, ""); });
  router.add("DELETE", "/config", [reg](const Request&) {
    auto r = reg->delete_compatibility("");
    if (!r) return fail(r.error());
    return level_json("compatibilityLevel", *r);
  });
  router.add("GET", "/config/{subject}", [reg](const Request& req) {
    const auto& subject = req.param("subject");
    if (auto level = reg->compatibility(subject)) return level_json("compatibilityLevel", *level);
    if (req.query_flag("defaultToGlobal"))
      return level_json("compatibilityLevel", reg->effective_compatibility(subject));
    return fail({404, 40408,
                 "Subject '" + subject + "' does not have subject-level compatibility configured"});
  });
  router.add("PUT", "/config/{subject}",
             [reg](const Request& req) { return put_config(*reg, req, req.param("subject")); });
  router.add("DELETE", "/config/{subject}", [reg](const Request& req) {
    auto r = reg->delete_compatibility(req.param("subject"));
    if (!r) return fail(r.error());
    return level_json("compatibilityLevel", *r);
  });

  // ---- mode ----
  router.add("GET", "/mode", [reg](const Request&) {
    return reply(json::object{{"mode", to_string(reg->effective_mode(""))}});
  });
  router.add("PUT", "/mode", [reg](const Request& req) { return put_mode(*reg, req, ""); });
  router.add("GET", "/mode/{subject}", [reg](const Request& req) {
    const auto& subject = req.param("subject");
    if (auto m = reg->mode(subject)) return reply(json::object{{"mode", to_string(*m)}});
    if (req.query_flag("defaultToGlobal"))
      return reply(json::object{{"mode", to_string(reg->effective_mode(subject))}});
    return fail({404, 40409, "Subject '" + subject + "' does not have subject-level mode configured"});
  });
  router.add("PUT", "/mode/{subject}",
             [reg](const Request& req) { return put_mode(*reg, req, req.param("subject")); });
  router.add("DELETE", "/mode/{subject}", [reg](const Request& req) {
    auto r = reg->delete_mode(req.param("subject"));
    if (!r) return fail(r.error());
    return reply(json::object{{"mode", to_string(*r)}});
  });

  // ---- Accord's own ----
  // The body is the payload itself; application/octet-stream or application/x-protobuf mark a
  // binary Protobuf payload. 200 either way: {"valid": false, "errors": [...]} is an answer.
  router.add("POST", "/accord/v1/subjects/{subject}/versions/{version}/validate", Access::Read,
             [reg](const Request& req) {
               auto r = reg->validate(req.param("subject"), req.param("version"), req.body,
                                      is_binary(req));
               if (!r) return fail(r.error());
               json::array errors;
               for (const auto& e : r->errors)
                 errors.push_back({{"location", e.location},
                                   {"schema_location", e.schema_location},
                                   {"message", e.message}});
               return reply(json::object{{"valid", r->errors.empty()},
                                         {"subject", r->subject},
                                         {"version", r->version},
                                         {"id", r->id},
                                         {"errors", std::move(errors)}});
             });

  // ?from=V&to=W; defaults: the latest version and the one before it.
  router.add("GET", "/accord/v1/subjects/{subject}/diff", [reg](const Request& req) {
    const auto& subject = req.param("subject");
    std::string to = req.query_param("to", "latest");
    std::string from = req.query_param("from");
    if (from.empty()) {
      auto versions = reg->versions(subject, false);
      if (!versions) return fail(versions.error());
      if (versions->size() < 2)
        return fail({422, 42202, "Subject '" + subject + "' has one version: name ?from= and ?to="});
      from = std::to_string((*versions)[versions->size() - 2]);
    }
    auto d = reg->diff(subject, from, to);
    if (!d) return fail(d.error());
    return reply(json::object{{"subject", d->subject},
                              {"from", d->from},
                              {"to", d->to},
                              {"changes", d->changes},
                              {"backward", report_json(d->backward, true)},
                              {"forward", report_json(d->forward, true)}});
  });

  add_contract_routes(router, registry);
}

}  // namespace accord::registry
