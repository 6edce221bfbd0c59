// Contract files: YAML in, the Contract structure out (docs/contracts.md, "File format").
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "clients/contract/contract.hpp"

namespace accord::contract {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw ContractError(where + ": " + what);
}

std::string read_text(const fs::path& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ContractError("cannot read " + what + " " + path.string());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string line_of(const YAML::Node& n) {
  const auto m = n.Mark();
  return m.line >= 0 ? "line " + std::to_string(m.line + 1) : "";
}

std::string scalar(const YAML::Node& parent, const char* key, const std::string& where, bool required,
                   const std::string& fallback = {}) {
  const auto n = parent[key];
  if (!n || n.IsNull()) {
    if (required) bad(where, std::string("\"") + key + "\" is required");
    return fallback;
  }
  if (!n.IsScalar()) bad(where, std::string("\"") + key + "\" must be a string (" + line_of(n) + ")");
  return n.as<std::string>();
}

std::vector<std::string> strings(const YAML::Node& n, const std::string& where) {
  std::vector<std::string> out;
  if (!n || n.IsNull()) return out;
  if (!n.IsSequence()) bad(where, "a list is expected (" + line_of(n) + ")");
  for (const auto& e : n) {
    if (!e.IsScalar()) bad(where, "a list of strings is expected (" + line_of(e) + ")");
    out.push_back(e.as<std::string>());
  }
  return out;
}

const char* kJsonTypes[] = {"string", "number", "integer", "boolean", "object", "array", "null"};

}  // namespace

Contract load_contract(const std::string& path) {
  Contract c;
  c.path = path;
  const std::string text = read_text(path, "contract file");
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ContractError(path + ": not YAML: " + e.msg + " (line " + std::to_string(e.mark.line + 1) + ")");
  }
  if (!root.IsMap()) bad(path, "the contract must be a YAML mapping with \"service\", \"produces\", \"consumes\"");
  const fs::path dir = fs::path(path).parent_path();
  auto resolve = [&](const std::string& file) { return (dir / file).lexically_normal().string(); };
  try {
    for (const auto& kv : root) {
      const auto key = kv.first.as<std::string>();
      if (key != "service" && key != "produces" && key != "consumes")
        bad(path, "unknown key \"" + key + "\" (" + line_of(kv.first) + ")");
    }
    c.service = scalar(root, "service", path, true);
    if (c.service.empty() || c.service.find('/') != std::string::npos)
      bad(path, "\"service\" must be a non-empty name without '/'");
    if (auto p = root["produces"]; p && !p.IsNull()) {
      if (!p.IsSequence()) bad(path, "\"produces\" must be a list (" + line_of(p) + ")");
      for (const auto& e : p) {
        const std::string where = path + " (produces, " + line_of(e) + ")";
        if (!e.IsMap()) bad(where, "each entry must be a mapping");
        Produced pr;
        pr.type = scalar(e, "type", where, true);
        pr.subject = scalar(e, "subject", where, false, pr.type);
        pr.schema_file = scalar(e, "schema", where, true);
        pr.schema_path = resolve(pr.schema_file);
        pr.schema_text = read_text(pr.schema_path, "schema file");
        pr.schema_type = fs::path(pr.schema_file).extension() == ".proto" ? registry::SchemaType::Protobuf
                                                                          : registry::SchemaType::Json;
        pr.topics = strings(e["topics"], where + " topics");
        if (auto ex = e["examples"]; ex && !ex.IsNull()) {
          if (!ex.IsMap()) bad(where, "\"examples\" must be a mapping with \"valid\" and \"invalid\"");
          for (const auto& f : strings(ex["valid"], where + " examples.valid"))
            pr.valid.push_back({f, resolve(f), read_text(resolve(f), "example"), ""});
          if (auto inv = ex["invalid"]; inv && !inv.IsNull()) {
            if (!inv.IsSequence()) bad(where, "\"examples.invalid\" must be a list");
            for (const auto& i : inv) {
              ExampleFile f;
              if (i.IsScalar()) {
                f.file = i.as<std::string>();
              } else if (i.IsMap()) {
                f.file = scalar(i, "file", where + " examples.invalid", true);
                f.reason = scalar(i, "reason", where + " examples.invalid", false);
              } else {
                bad(where, "an invalid example is a file name or {file, reason}");
              }
              f.path = resolve(f.file);
              f.text = read_text(f.path, "example");
              pr.invalid.push_back(std::move(f));
            }
          }
        }
        c.produces.push_back(std::move(pr));
      }
    }
    if (auto cs = root["consumes"]; cs && !cs.IsNull()) {
      if (!cs.IsSequence()) bad(path, "\"consumes\" must be a list (" + line_of(cs) + ")");
      for (const auto& e : cs) {
        const std::string where = path + " (consumes, " + line_of(e) + ")";
        if (!e.IsMap()) bad(where, "each entry must be a mapping");
        Consumed co;
        co.type = scalar(e, "type", where, true);
        co.subject = scalar(e, "subject", where, false, co.type);
        if (auto fl = e["fields"]; fl && !fl.IsNull()) {
          if (!fl.IsSequence()) bad(where, "\"fields\" must be a list");
          for (const auto& f : fl) {
            if (!f.IsMap()) bad(where, "a field is {path, type}");
            Field fd;
            fd.path = scalar(f, "path", where + " field", true);
            fd.type = scalar(f, "type", where + " field", true);
            if (fd.path.empty() || fd.path.front() != '/')
              bad(where, "field path '" + fd.path + "' must be a JSON pointer starting with '/'");
            if (std::find(std::begin(kJsonTypes), std::end(kJsonTypes), fd.type) == std::end(kJsonTypes))
              bad(where, "field " + fd.path + ": unknown type '" + fd.type +
                             "' (string, number, integer, boolean, object, array, null)");
            if (auto o = f["optional"]; o && !o.IsNull()) fd.optional = o.as<bool>();
            co.fields.push_back(std::move(fd));
          }
        }
        c.consumes.push_back(std::move(co));
      }
    }
  } catch (const YAML::Exception& e) {
    throw ContractError(path + ": " + e.msg + " (line " + std::to_string(e.mark.line + 1) + ")");
  }
  if (c.produces.empty() && c.consumes.empty()) bad(path, "the contract neither produces nor consumes anything");
  return c;
}

json::object to_json(const Contract& c) {
  json::array produces, consumes;
  for (const auto& p : c.produces)
    produces.push_back(json::object{{"type", p.type}, {"subject", p.subject}});
  for (const auto& co : c.consumes) {
    json::array fields;
    for (const auto& f : co.fields)
      fields.push_back(json::object{{"path", f.path}, {"type", f.type}, {"optional", f.optional}});
    consumes.push_back(json::object{{"type", co.type}, {"subject", co.subject}, {"fields", std::move(fields)}});
  }
  return json::object{{"service", c.service}, {"produces", std::move(produces)}, {"consumes", std::move(consumes)}};
}

Contract from_json(const json::value& v) {
  try {
    Contract c;
    const auto& o = v.as_object();
    c.service = std::string(o.at("service").as_string());
    c.path = "contract of " + c.service;
    if (const auto* cs = o.if_contains("consumes"))
      for (const auto& e : cs->as_array()) {
        Consumed co;
        co.type = std::string(e.at("type").as_string());
        co.subject = std::string(e.at("subject").as_string());
        for (const auto& f : e.at("fields").as_array()) {
          Field fd;
          fd.path = std::string(f.at("path").as_string());
          fd.type = std::string(f.at("type").as_string());
          if (const auto* op = f.as_object().if_contains("optional"); op && op->is_bool()) fd.optional = op->get_bool();
          co.fields.push_back(std::move(fd));
        }
        c.consumes.push_back(std::move(co));
      }
    return c;
  } catch (const std::exception& e) {
    throw ContractError(std::string("a published contract is malformed: ") + e.what());
  }
}

}  // namespace accord::contract
