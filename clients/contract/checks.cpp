// The contract checks (docs/contracts.md, "Checks"): (1) compatibility, (2) examples,
// (3) consumers' fields. Live publishing (4) is accordctl's (it needs a socket).
#include <algorithm>
#include <set>

#include "clients/contract/contract.hpp"
#include "registry/cloudevents/cloudevents.hpp"

namespace accord::contract {

namespace json = boost::json;

const char* to_string(Kind kind) {
  switch (kind) {
    case Kind::Compatibility: return "compatibility";
    case Kind::Examples: return "examples";
    case Kind::Consumers: return "consumers";
    case Kind::Live: return "live";
  }
  return "?";
}

bool Report::passed() const {
  return std::all_of(results.begin(), results.end(), [](const CheckResult& r) { return r.passed; });
}

namespace {

registry::ParseOutcome parse_produced(const Produced& p) {
  return registry::parse_schema(p.schema_type, p.schema_text, {}, p.subject, {});
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// JSON Schema walking for the field check: local $refs ("#/...") are followed.
const json::value* resolve_ref(const json::value& root, const json::value* node, int depth = 0) {
  while (node && node->is_object() && depth++ < 32) {
    const auto* ref = node->as_object().if_contains("$ref");
    if (!ref || !ref->is_string()) break;
    std::string_view r = ref->get_string();
    if (r.rfind("#", 0) != 0) break;
    r.remove_prefix(1);
    boost::system::error_code ec;
    const json::value* target = r.empty() ? &root : root.find_pointer(r, ec);
    if (ec || !target) return nullptr;
    node = target;
  }
  return node;
}

std::string unescape_pointer_token(std::string t) {
  for (std::size_t i = 0; (i = t.find('~', i)) != std::string::npos; ++i)
    t.replace(i, 2, t.compare(i, 2, "~1") == 0 ? "/" : "~");
  return t;
}

// The JSON types a schema node allows; empty = unconstrained.
std::set<std::string> types_of(const json::object& node) {
  std::set<std::string> out;
  if (const auto* t = node.if_contains("type")) {
    if (t->is_string()) out.insert(std::string(t->get_string()));
    else if (t->is_array())
      for (const auto& e : t->get_array())
        if (e.is_string()) out.insert(std::string(e.get_string()));
    return out;
  }
  auto value_type = [](const json::value& v) -> std::string {
    switch (v.kind()) {
      case json::kind::string: return "string";
      case json::kind::bool_: return "boolean";
      case json::kind::null: return "null";
      case json::kind::object: return "object";
      case json::kind::array: return "array";
      case json::kind::double_: return "number";
      default: return "integer";
    }
  };
  if (const auto* c = node.if_contains("const")) out.insert(value_type(*c));
  if (const auto* e = node.if_contains("enum"); e && e->is_array())
    for (const auto& v : e->get_array()) out.insert(value_type(v));
  return out;
}

bool type_ok(const std::set<std::string>& schema_types, const std::string& wanted) {
  if (schema_types.empty()) return false;
  for (const auto& t : schema_types) {
    const bool fits = t == wanted || (wanted == "number" && t == "integer");
    if (!fits) return false;  // the schema lets through a value the consumer does not expect
  }
  return true;
}

}  // namespace

std::string field_problem(const json::value& schema, const Field& field) {
  const json::value* node = resolve_ref(schema, &schema);
  std::string so_far;
  std::string rest = field.path.substr(1);
  while (true) {
    const auto slash = rest.find('/');
    const std::string token = unescape_pointer_token(rest.substr(0, slash));
    if (!node || !node->is_object()) return "field " + field.path + ": " + (so_far.empty() ? "the schema" : so_far) + " is not an object schema";
    const auto& obj = node->get_object();
    const auto* props = obj.if_contains("properties");
    const json::value* child = props && props->is_object() ? props->get_object().if_contains(token) : nullptr;
    if (!child) {
      if (field.optional) return {};  // the consumer copes with its absence: it may never come
      std::vector<std::string> names;
      if (props && props->is_object())
        for (const auto& kv : props->get_object()) names.push_back(std::string(kv.key()));
      return "field " + field.path + " was removed: the schema has no property '" + token + "'" +
             (so_far.empty() ? "" : " under " + so_far) + " (it has: " + (names.empty() ? "none" : join(names, ", ")) + ")";
    }
    if (!field.optional) {
      bool required = false;
      if (const auto* req = obj.if_contains("required"); req && req->is_array())
        for (const auto& r : req->get_array())
          if (r.is_string() && r.get_string() == token) required = true;
      if (!required)
        return "field " + so_far + "/" + token + " is no longer required (it may be absent; mark the field optional: true if the consumer copes)";
    }
    so_far += "/" + token;
    node = resolve_ref(schema, child);
    if (slash == std::string::npos) break;
    rest = rest.substr(slash + 1);
  }
  if (!node || !node->is_object()) {
    if (node && node->is_bool() && !node->get_bool()) return "field " + field.path + " is forbidden by the schema (false)";
    return "field " + field.path + ": type changed from " + field.type + " to unconstrained (any type)";
  }
  const auto types = types_of(node->get_object());
  if (!type_ok(types, field.type)) {
    std::vector<std::string> v(types.begin(), types.end());
    return "field " + field.path + ": type changed from " + field.type + " to " +
           (v.empty() ? std::string("unconstrained (any type)") : join(v, "|"));
  }
  return {};
}

std::vector<std::string> event_findings(std::string_view event_json, const registry::ParsedSchema& schema,
                                        const std::string& expected_type) {
  std::vector<std::string> out;
  auto parsed = cloudevents::parse_structured_json(event_json);
  for (const auto& v : parsed.violations) out.push_back((v.attribute.empty() ? "event" : v.attribute) + ": " + v.message);
  if (!out.empty()) return out;
  const auto& e = parsed.event;
  if (e.type != expected_type) out.push_back("type: '" + e.type + "' is not the contract's type '" + expected_type + "'");
  std::vector<registry::PayloadError> errors;
  if (e.data_json) errors = schema.validate(*e.data_json, false, 100);
  else if (e.data_bytes) errors = schema.validate(*e.data_bytes, schema.type() == registry::SchemaType::Protobuf, 100);
  else out.push_back("data: the event has no data to validate");
  for (const auto& err : errors) {
    std::string where = "data";
    if (!err.location.empty()) where += (err.location.front() == '/' ? "" : "/") + err.location;
    out.push_back(where + ": " + err.message);
  }
  return out;
}

void check_compatibility(const Contract& c, RegistryView& view, Report& out) {
  for (const auto& p : c.produces) {
    CheckResult r{Kind::Compatibility, p.subject + ": " + p.schema_file, true, "", p.schema_path};
    auto parsed = parse_produced(p);
    if (!parsed.schema) {
      r.passed = false;
      r.message = "the schema is invalid: " + parsed.error;
      out.results.push_back(std::move(r));
      continue;
    }
    auto outcome = view.check_compatibility(p.subject, p);
    if (outcome.new_subject) {
      r.message = "new subject (nothing registered yet)";
    } else if (outcome.compatible) {
      r.message = "compatible under " + outcome.level;
    } else {
      r.passed = false;
      r.message = "incompatible under " + outcome.level + ": " +
                  (outcome.messages.empty() ? std::string("(no details)") : join(outcome.messages, "; "));
    }
    out.results.push_back(std::move(r));
  }
}

void check_examples(const Contract& c, Report& out) {
  for (const auto& p : c.produces) {
    auto parsed = parse_produced(p);
    auto run = [&](const ExampleFile& ex, bool valid) {
      CheckResult r{Kind::Examples, p.type + ": " + ex.file + (valid ? " (valid)" : " (invalid)"), true, "", ex.path};
      if (!parsed.schema) {
        r.passed = false;
        r.message = "the schema " + p.schema_file + " is invalid: " + parsed.error;
      } else {
        auto findings = event_findings(ex.text, *parsed.schema, p.type);
        if (valid) {
          r.passed = findings.empty();
          r.message = findings.empty() ? "valid" : "expected valid, rejected: " + join(findings, "; ");
        } else if (findings.empty()) {
          r.passed = false;
          r.message = "expected invalid" + (ex.reason.empty() ? std::string() : " (\"" + ex.reason + "\")") + ", but it is valid";
        } else if (!ex.reason.empty() && findings.front().find(ex.reason) == std::string::npos) {
          r.passed = false;
          r.message = "rejected for another reason: \"" + findings.front() + "\" does not contain \"" + ex.reason + "\"";
        } else {
          r.message = "rejected as expected: " + findings.front();
        }
      }
      out.results.push_back(std::move(r));
    };
    for (const auto& ex : p.valid) run(ex, true);
    for (const auto& ex : p.invalid) run(ex, false);
  }
}

namespace {

// Each field of `co` against one schema; a CheckResult per (consumer, event type).
CheckResult fields_result(const std::string& name, const std::string& file, const Consumed& co,
                          registry::SchemaType type, const std::string& schema_text, const std::string& blame) {
  CheckResult r{Kind::Consumers, name, true, "", file};
  if (type != registry::SchemaType::Json) {
    r.message = "fields not checked: the schema is PROTOBUF (compatibility covers it)";
    return r;
  }
  boost::system::error_code ec;
  auto schema = json::parse(schema_text, ec);
  if (ec) {
    r.passed = false;
    r.message = "the schema is not JSON: " + ec.message();
    return r;
  }
  std::vector<std::string> problems;
  for (const auto& f : co.fields)
    if (auto p = field_problem(schema, f); !p.empty()) problems.push_back(p);
  if (problems.empty()) {
    r.message = std::to_string(co.fields.size()) + " field(s) present with their types";
  } else {
    r.passed = false;
    r.message = blame + join(problems, "; ");
  }
  return r;
}

}  // namespace

void check_consumers(const Contract& c, RegistryView& view, Report& out) {
  if (!c.produces.empty()) {
    const auto contracts = view.contracts();
    for (const auto& p : c.produces) {
      bool any = false;
      for (const auto& other : contracts)
        for (const auto& co : other.consumes) {
          if (co.type != p.type && co.subject != p.subject) continue;
          any = true;
          out.results.push_back(fields_result("consumer " + other.service + " of " + p.type, p.schema_path, co,
                                              p.schema_type, p.schema_text, "breaks consumer " + other.service + ": "));
        }
      if (!any)
        out.results.push_back({Kind::Consumers, "consumers of " + p.type, true,
                               "no published consumer contract relies on " + p.type, p.schema_path});
    }
  }
  for (const auto& co : c.consumes) {
    const std::string name = c.service + " consumes " + co.type + " (" + co.subject + ")";
    auto latest = view.latest(co.subject);
    if (!latest) {
      out.results.push_back({Kind::Consumers, name, false, "subject '" + co.subject + "' is not registered", ""});
      continue;
    }
    auto r = fields_result(name, "", co, latest->type, latest->text,
                           "the registered schema (version " + std::to_string(latest->version) + ") breaks it: ");
    if (r.passed) r.message += " in version " + std::to_string(latest->version);
    out.results.push_back(std::move(r));
  }
}

}  // namespace accord::contract
