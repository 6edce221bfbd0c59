// accordctl schema register|list|get|delete|check|diff|validate and accordctl compat
// get|set|delete: the schema registry from the command line (docs/operations.md).
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli.hpp"

namespace accordctl {

namespace json = boost::json;

namespace {

std::string read_local_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Failure{kUsage, std::string("cannot read ") + what + " '" + path + "': " + std::strerror(errno)};
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) throw Failure{kUsage, std::string("cannot read ") + what + " '" + path + "'"};
  return out.str();
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// A schema file as the registry's request body: {"schema", "schemaType", "references"}.
struct SchemaFileArgs {
  std::string file;
  std::string type;  // "" = by extension
  std::vector<std::string> references;
};

void add_schema_file_options(CLI::App* cmd, SchemaFileArgs& a) {
  cmd->add_option("--type", a.type, "JSON or PROTOBUF (default: PROTOBUF for *.proto, else JSON)")
      ->transform([](std::string s) { return upper(s); })
      ->check(CLI::IsMember({"JSON", "PROTOBUF"}));
  cmd->add_option("--reference", a.references,
                  "name=subject:version (version a number or 'latest'), repeatable");
}

json::array parse_references(const std::vector<std::string>& refs) {
  json::array out;
  for (const auto& r : refs) {
    const auto eq = r.find('=');
    const auto colon = r.rfind(':');
    if (eq == std::string::npos || eq == 0 || colon == std::string::npos || colon < eq + 2 ||
        colon + 1 == r.size())
      throw Failure{kUsage, "--reference '" + r + "': expected name=subject:version"};
    const std::string version = r.substr(colon + 1);
    long long v = -1;
    if (version != "latest") {
      try {
        std::size_t used = 0;
        v = std::stoll(version, &used);
        if (used != version.size() || v < 1 || v > INT32_MAX) throw std::invalid_argument("range");
      } catch (const std::exception&) {
        throw Failure{kUsage, "--reference '" + r + "': the version must be a number or 'latest'"};
      }
    }
    out.push_back({{"name", r.substr(0, eq)}, {"subject", r.substr(eq + 1, colon - eq - 1)}, {"version", v}});
  }
  return out;
}

json::object schema_body(const SchemaFileArgs& a) {
  const std::string text = read_local_file(a.file, "schema file");
  const std::string type = !a.type.empty() ? a.type : ends_with(a.file, ".proto") ? "PROTOBUF" : "JSON";
  if (type == "JSON") {
    boost::system::error_code ec;
    (void)json::parse(text, ec);
    if (ec) throw Failure{kUsage, "schema file '" + a.file + "' is not valid JSON: " + ec.message()};
  }
  json::object body{{"schema", text}, {"schemaType", type}};
  auto refs = parse_references(a.references);
  if (!refs.empty()) body["references"] = std::move(refs);
  return body;
}

void print_json(const json::value& v) { std::cout << json::serialize(v) << '\n'; }

std::string subject_path(const std::string& subject) { return "/subjects/" + path_segment(subject); }

std::string version_list(const json::array& a) {
  std::string out;
  for (const auto& v : a) out += (out.empty() ? "" : ", ") + cell(v);
  return out.empty() ? "-" : out;
}

std::string references_text(const json::object& o) {
  const auto* refs = o.if_contains("references");
  if (!refs || !refs->is_array() || refs->as_array().empty()) return "-";
  std::string out;
  for (const auto& r : refs->as_array()) {
    const auto& ro = r.as_object();
    out += (out.empty() ? "" : ", ") + cell(ro.at("name")) + "=" + cell(ro.at("subject")) + ":" +
           cell(ro.at("version"));
  }
  return out;
}

// One incompatibility of a verbose compatibility report as a line.
std::string incompatibility_line(const json::value& e) {
  const auto& o = e.as_object();
  std::string line;
  if (const auto* v = o.if_contains("version")) line += "version " + cell(*v) + " ";
  if (const auto* d = o.if_contains("direction")) line += "(" + cell(*d) + ") ";
  const std::string path = o.contains("path") ? cell(o.at("path")) : "";
  line += (path.empty() ? "/" : path) + ": ";
  if (const auto* k = o.if_contains("kind")) line += cell(*k) + ": ";
  if (const auto* r = o.if_contains("reason")) line += cell(*r);
  return line;
}

std::string level_of(const Context& ctx, const std::string& subject) {
  auto r = request(ctx, "GET", "/config/" + path_segment(subject) + "?defaultToGlobal=true");
  return cell(r.as_object().at("compatibilityLevel"));
}

void add_register(CLI::App* schema, Context& ctx) {
  struct Args {
    std::string subject;
    SchemaFileArgs file;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = schema->add_subcommand("register", "register a schema file as the next version of SUBJECT");
  cmd->add_option("SUBJECT", a->subject, "subject")->required();
  cmd->add_option("FILE", a->file.file, "schema file (.json or .proto)")->required();
  add_schema_file_options(cmd, a->file);
  cmd->callback([&ctx, a] {
    ctx.action = [&ctx, a] {
      const auto body = json::serialize(schema_body(a->file));
      auto id = request(ctx, "POST", subject_path(a->subject) + "/versions", body);
      // The registry answers with the id only; the version comes from a lookup of the same schema.
      auto found = request(ctx, "POST", subject_path(a->subject), body).as_object();
      json::object result{{"subject", a->subject},
                          {"version", found.at("version")},
                          {"id", id.as_object().at("id")},
                          {"schemaType", found.at("schemaType")}};
      if (ctx.json()) {
        print_json(result);
      } else {
        static const Row rows[] = {{"subject", "subject"}, {"version", "version"}, {"id", "id"},
                                   {"schemaType", "type"}};
        print_fields(result, rows);
      }
      return static_cast<int>(kOk);
    };
  });
}

void add_list(CLI::App* schema, Context& ctx) {
  struct Args {
    std::string subject;
    bool deleted = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = schema->add_subcommand("list", "subjects, or the versions of SUBJECT with their ids");
  cmd->add_option("SUBJECT", a->subject, "subject whose versions to list");
  cmd->add_flag("--deleted", a->deleted, "include soft-deleted subjects or versions");
  cmd->callback([&ctx, a] {
    ctx.action = [&ctx, a] {
      const std::string deleted = a->deleted ? "?deleted=true" : "";
      if (a->subject.empty()) {
        auto subjects = request(ctx, "GET", "/subjects" + deleted).as_array();
        if (ctx.json()) {
          print_json(subjects);
          return static_cast<int>(kOk);
        }
        std::vector<std::vector<std::string>> rows;
        for (const auto& s : subjects) {
          const std::string name = cell(s);
          auto versions = request(ctx, "GET", subject_path(name) + "/versions" + deleted).as_array();
          rows.push_back({name, version_list(versions)});
        }
        print_table({"SUBJECT", "VERSIONS"}, rows);
        return static_cast<int>(kOk);
      }
      auto versions = request(ctx, "GET", subject_path(a->subject) + "/versions" + deleted).as_array();
      json::array out;
      std::vector<std::vector<std::string>> rows;
      for (const auto& v : versions) {
        auto o = request(ctx, "GET", subject_path(a->subject) + "/versions/" + cell(v) + deleted).as_object();
        json::object entry{{"subject", o.at("subject")}, {"version", o.at("version")}, {"id", o.at("id")},
                           {"schemaType", o.at("schemaType")}};
        rows.push_back({cell(o.at("version")), cell(o.at("id")), cell(o.at("schemaType")), references_text(o)});
        out.push_back(std::move(entry));
      }
      if (ctx.json()) print_json(out);
      else print_table({"VERSION", "ID", "TYPE", "REFERENCES"}, rows);
      return static_cast<int>(kOk);
    };
  });
}

void add_get(CLI::App* schema, Context& ctx) {
  struct Args {
    std::string subject, version = "latest";
    int id = 0;
    bool schema_only = false, deleted = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = schema->add_subcommand("get", "one version of SUBJECT (default latest), or a schema by --id");
  cmd->add_option("SUBJECT", a->subject, "subject");
  cmd->add_option("VERSION", a->version, "version number or 'latest'");
  cmd->add_option("--id", a->id, "global schema id instead of SUBJECT")->check(CLI::PositiveNumber);
  cmd->add_flag("--schema-only", a->schema_only, "print the schema text alone");
  cmd->add_flag("--deleted", a->deleted, "a soft-deleted version too");
  cmd->callback([&ctx, a] {
    ctx.action = [&ctx, a] {
      json::object o;
      if (a->id > 0) {
        if (!a->subject.empty()) throw Failure{kUsage, "give SUBJECT [VERSION] or --id, not both"};
        o = request(ctx, "GET", "/schemas/ids/" + std::to_string(a->id)).as_object();
        o["id"] = a->id;
        o["versions"] = request(ctx, "GET", "/schemas/ids/" + std::to_string(a->id) + "/versions");
      } else {
        if (a->subject.empty()) throw Failure{kUsage, "give SUBJECT [VERSION] or --id ID"};
        o = request(ctx, "GET",
                    subject_path(a->subject) + "/versions/" + path_segment(a->version) +
                        (a->deleted ? "?deleted=true" : ""))
                .as_object();
      }
      if (a->schema_only) {
        std::string text = cell(o.at("schema"));
        std::cout << text << (ends_with(text, "\n") ? "" : "\n");
        return static_cast<int>(kOk);
      }
      if (ctx.json()) {
        print_json(o);
        return static_cast<int>(kOk);
      }
      json::object fields = o;
      fields["references"] = references_text(o);
      if (const auto* used = o.if_contains("versions")) {
        std::string text;
        for (const auto& u : used->as_array())
          text += (text.empty() ? "" : ", ") + cell(u.at("subject")) + ":" + cell(u.at("version"));
        fields["versions"] = text.empty() ? "-" : text;
      }
      static const Row rows[] = {{"subject", "subject"}, {"version", "version"},     {"id", "id"},
                                 {"versions", "used by"}, {"schemaType", "type"}, {"references", "references"}};
      print_fields(fields, rows);
      std::string text = cell(o.at("schema"));
      // A JSON schema is stored as registered; show it indented when it is one line.
      std::cout << "schema\n" << text << (ends_with(text, "\n") ? "" : "\n");
      return static_cast<int>(kOk);
    };
  });
}

void add_delete(CLI::App* schema, Context& ctx) {
  struct Args {
    std::string subject, version;
    bool permanent = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = schema->add_subcommand("delete", "delete SUBJECT or one VERSION of it (soft, or --permanent)");
  cmd->add_option("SUBJECT", a->subject, "subject")->required();
  cmd->add_option("VERSION", a->version, "version number or 'latest' (default: every version)");
  cmd->add_flag("--permanent", a->permanent,
                "remove for good (soft-deletes first when needed; ids are never reused)");
  cmd->callback([&ctx, a] {
    ctx.action = [&ctx, a] {
      std::string path = subject_path(a->subject);
      if (!a->version.empty()) {
        // `latest` names a different version after the soft delete: pin the number first.
        std::string v = a->version;
        if (v == "latest")
          v = cell(request(ctx, "GET", path + "/versions/latest").as_object().at("version"));
        path += "/versions/" + path_segment(v);
      }
      json::value result;
      if (a->permanent) {
        auto soft = call(ctx, "DELETE", path);
        // Already soft-deleted (40404 subject, 40406 version) is what a permanent delete needs.
        const auto* obj = soft.body.if_object();
        const auto* code = obj ? obj->if_contains("error_code") : nullptr;
        const bool already = code && code->is_int64() && (code->as_int64() == 40404 || code->as_int64() == 40406);
        if (!already) check(soft);
        result = request(ctx, "DELETE", path + "?permanent=true");
      } else {
        result = request(ctx, "DELETE", path);
      }
      if (ctx.json()) {
        print_json(result);
      } else {
        const json::array versions = result.is_array() ? result.as_array() : json::array{result};
        std::cout << (a->permanent ? "permanently deleted" : "deleted") << ' ' << a->subject
                  << " version" << (versions.size() == 1 ? " " : "s ") << version_list(versions) << '\n';
      }
      return static_cast<int>(kOk);
    };
  });
}

void add_check(CLI::App* schema, Context& ctx) {
  struct Args {
    std::string subject, version;
    SchemaFileArgs file;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = schema->add_subcommand(
      "check", "is a local schema file compatible with SUBJECT under its compatibility level? (exit 1 if not)");
  cmd->add_option("SUBJECT", a->subject, "subject")->required();
  cmd->add_option("FILE", a->file.file, "schema file (.json or .proto)")->required();
  cmd->add_option("--version", a->version, "check against this version only (default: as registration would)");
  add_schema_file_options(cmd, a->file);
  cmd->callback([&ctx, a] {
    ctx.action = [&ctx, a] {
      const auto body = json::serialize(schema_body(a->file));
      // An unknown subject is a mistake worth saying (the API would call anything compatible).
      request(ctx, "GET", subject_path(a->subject) + "/versions");
      const std::string level = level_of(ctx, a->subject);
      std::string path = "/compatibility" + subject_path(a->subject) + "/versions";
      if (!a->version.empty()) path += "/" + path_segment(a->version);
      auto report = request(ctx, "POST", path + "?verbose=true", body).as_object();
      const bool ok = report.at("is_compatible").as_bool();
      if (ctx.json()) {
        json::object out = report;
        out["subject"] = a->subject;
        out["compatibility"] = level;
        print_json(out);
      } else if (ok) {
        std::cout << a->file.file << " is compatible with " << a->subject
                  << (a->version.empty() ? "" : " version " + a->version) << " (" << level << ")\n";
      } else {
        std::cout << a->file.file << " is NOT compatible with " << a->subject
                  << (a->version.empty() ? "" : " version " + a->version) << " (" << level << "):\n";
        const auto* list = report.if_contains("incompatibilities");
        if (list && list->is_array())
          for (const auto& e : list->as_array()) std::cout << "  " << incompatibility_line(e) << '\n';
      }
      return static_cast<int>(ok ? kOk : kFailed);
    };
  });
}

void add_diff(CLI::App* schema, Context& ctx) {
  struct Args {
    std::string subject, from, to;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = schema->add_subcommand("diff", "what changed between two versions of SUBJECT, both compatibility verdicts");
  cmd->add_option("SUBJECT", a->subject, "subject")->required();
  cmd->add_option("FROM", a->from, "older version")->required();
  cmd->add_option("TO", a->to, "newer version (or 'latest')")->required();
  cmd->callback([&ctx, a] {
    ctx.action = [&ctx, a] {
      auto d = request(ctx, "GET",
                       "/accord/v1" + subject_path(a->subject) + "/diff?from=" + path_segment(a->from) +
                           "&to=" + path_segment(a->to))
                   .as_object();
      if (ctx.json()) {
        print_json(d);
        return static_cast<int>(kOk);
      }
      std::cout << a->subject << ": version " << cell(d.at("from")) << " -> " << cell(d.at("to")) << '\n';
      std::vector<std::vector<std::string>> rows;
      for (const auto& c : d.at("changes").as_array()) {
        const auto& o = c.as_object();
        rows.push_back({cell(o.at("op")), cell(o.at("path")),
                        o.contains("from") ? json::serialize(o.at("from")) : "",
                        o.contains("to") ? json::serialize(o.at("to")) : ""});
      }
      if (rows.empty()) std::cout << "no changes\n";
      else print_table({"OP", "PATH", "FROM", "TO"}, rows);
      for (const char* direction : {"backward", "forward"}) {
        const auto& r = d.at(direction).as_object();
        if (r.at("is_compatible").as_bool()) {
          std::cout << direction << ": compatible\n";
          continue;
        }
        std::cout << direction << ": NOT compatible\n";
        for (const auto& e : r.at("incompatibilities").as_array()) {
          json::object line = e.as_object();
          line.erase("version");
          line.erase("direction");
          std::cout << "  " << incompatibility_line(line) << '\n';
        }
      }
      return static_cast<int>(kOk);
    };
  });
}

void add_validate(CLI::App* schema, Context& ctx) {
  struct Args {
    std::string subject, file, version = "latest";
  };
  auto a = std::make_shared<Args>();
  auto* cmd = schema->add_subcommand("validate", "validate a JSON document (event data) against SUBJECT (exit 1 if invalid)");
  cmd->add_option("SUBJECT", a->subject, "subject")->required();
  cmd->add_option("FILE", a->file, "JSON document")->required();
  cmd->add_option("--version", a->version, "version number or 'latest' (default)");
  cmd->callback([&ctx, a] {
    ctx.action = [&ctx, a] {
      const std::string text = read_local_file(a->file, "document");
      boost::system::error_code ec;
      (void)json::parse(text, ec);
      if (ec) throw Failure{kUsage, "document '" + a->file + "' is not valid JSON: " + ec.message()};
      auto r = request(ctx, "POST",
                       "/accord/v1" + subject_path(a->subject) + "/versions/" + path_segment(a->version) +
                           "/validate",
                       text)
                   .as_object();
      const bool valid = r.at("valid").as_bool();
      if (ctx.json()) {
        print_json(r);
      } else {
        std::cout << a->file << (valid ? " is valid" : " is NOT valid") << " against " << a->subject
                  << " version " << cell(r.at("version")) << " (id " << cell(r.at("id")) << ")\n";
        std::vector<std::vector<std::string>> rows;
        for (const auto& e : r.at("errors").as_array()) {
          const auto& o = e.as_object();
          const std::string where = cell(o.at("location"));
          rows.push_back({where.empty() ? "/" : where, cell(o.at("message"))});
        }
        if (!rows.empty()) print_table({"LOCATION", "ERROR"}, rows);
      }
      return static_cast<int>(valid ? kOk : kFailed);
    };
  });
}

void add_compat(CLI::App& app, Context& ctx) {
  auto* compat = app.add_subcommand("compat", "compatibility levels, global or per subject")->require_subcommand(1);
  compat->fallthrough();

  auto get_subject = std::make_shared<std::string>();
  auto* get = compat->add_subcommand("get", "the level in force (global, or SUBJECT's)");
  get->add_option("SUBJECT", *get_subject, "subject (default: the global level)");
  get->callback([&ctx, get_subject] {
    ctx.action = [&ctx, get_subject] {
      json::object out;
      if (get_subject->empty()) {
        auto r = request(ctx, "GET", "/config").as_object();
        out = {{"subject", nullptr}, {"compatibilityLevel", r.at("compatibilityLevel")}, {"source", "global"}};
      } else {
        auto own = call(ctx, "GET", "/config/" + path_segment(*get_subject));
        if (own.status == 404) {
          out = {{"subject", *get_subject}, {"compatibilityLevel", level_of(ctx, *get_subject)}, {"source", "global"}};
        } else {
          check(own);
          out = {{"subject", *get_subject},
                 {"compatibilityLevel", own.body.as_object().at("compatibilityLevel")},
                 {"source", "subject"}};
        }
      }
      if (ctx.json()) print_json(out);
      else print_table({"SUBJECT", "LEVEL", "SOURCE"},
                       {{get_subject->empty() ? "(global)" : *get_subject, cell(out.at("compatibilityLevel")),
                         cell(out.at("source"))}});
      return static_cast<int>(kOk);
    };
  });

  struct SetArgs {
    std::string level, subject;
  };
  auto s = std::make_shared<SetArgs>();
  auto* set = compat->add_subcommand("set", "set the global level, or SUBJECT's own");
  set->add_option("LEVEL", s->level,
                  "NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE")
      ->required()
      ->transform([](std::string v) { return upper(v); });
  set->add_option("SUBJECT", s->subject, "subject (default: the global level)");
  set->callback([&ctx, s] {
    ctx.action = [&ctx, s] {
      const std::string path = s->subject.empty() ? "/config" : "/config/" + path_segment(s->subject);
      auto r = request(ctx, "PUT", path, json::serialize(json::object{{"compatibility", s->level}}));
      if (ctx.json()) print_json(r);
      else std::cout << (s->subject.empty() ? "global" : s->subject) << ": " << cell(r.as_object().at("compatibility")) << '\n';
      return static_cast<int>(kOk);
    };
  });

  auto del_subject = std::make_shared<std::string>();
  auto* del = compat->add_subcommand("delete", "remove SUBJECT's own level (the global one applies again)");
  del->add_option("SUBJECT", *del_subject, "subject")->required();
  del->callback([&ctx, del_subject] {
    ctx.action = [&ctx, del_subject] {
      auto r = request(ctx, "DELETE", "/config/" + path_segment(*del_subject));
      if (ctx.json()) {
        print_json(r);
      } else {
        const std::string now = level_of(ctx, *del_subject);
        std::cout << *del_subject << ": own level " << cell(r.as_object().at("compatibilityLevel"))
                  << " removed; the global level " << now << " applies\n";
      }
      return static_cast<int>(kOk);
    };
  });
}

}  // namespace

void add_schema_commands(CLI::App& app, Context& ctx) {
  auto* schema = app.add_subcommand("schema", "schemas in the registry")->require_subcommand(1);
  schema->fallthrough();
  add_register(schema, ctx);
  add_list(schema, ctx);
  add_get(schema, ctx);
  add_delete(schema, ctx);
  add_check(schema, ctx);
  add_diff(schema, ctx);
  add_validate(schema, ctx);
  add_compat(app, ctx);
}

}  // namespace accordctl
