// accordctl registry export|import: the whole registry (subjects, live versions, compatibility
// levels), the enforcement policies and the published service contracts (docs/contracts.md) as
// one file (format: docs/operations.md).
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "cli.hpp"

namespace accordctl {

namespace json = boost::json;

namespace {

constexpr const char* kFormat = "accord-registry-export";
constexpr int kFormatVersion = 1;

std::string subject_path(const std::string& subject) { return "/subjects/" + path_segment(subject); }

// Indented JSON (two spaces), so exports kept in a repository diff line by line.
void pretty(std::ostream& out, const json::value& v, int indent = 0) {
  const std::string pad(static_cast<std::size_t>(indent) + 2, ' ');
  const std::string end(static_cast<std::size_t>(indent), ' ');
  if (const auto* o = v.if_object(); o && !o->empty()) {
    out << "{\n";
    bool first = true;
    for (const auto& [k, item] : *o) {
      out << (first ? "" : ",\n") << pad << json::serialize(json::string(k)) << ": ";
      pretty(out, item, indent + 2);
      first = false;
    }
    out << '\n' << end << '}';
  } else if (const auto* a = v.if_array(); a && !a->empty()) {
    out << "[\n";
    bool first = true;
    for (const auto& item : *a) {
      out << (first ? "" : ",\n") << pad;
      pretty(out, item, indent + 2);
      first = false;
    }
    out << '\n' << end << ']';
  } else {
    out << json::serialize(v);
  }
}

// The subject's own level, or null.
json::value own_level(const Context& ctx, const std::string& subject) {
  auto r = call(ctx, "GET", "/config/" + path_segment(subject));
  if (r.status == 404) return nullptr;
  check(r);
  return r.body.as_object().at("compatibilityLevel");
}

json::object build_export(const Context& ctx) {
  json::object doc;
  doc["format"] = kFormat;
  doc["format_version"] = kFormatVersion;
  doc["compatibility"] = request(ctx, "GET", "/config").as_object().at("compatibilityLevel");
  json::array subjects;
  const json::value names = request(ctx, "GET", "/subjects");
  for (const auto& s : names.as_array()) {
    const std::string name(s.as_string());
    json::array versions;
    const json::value numbers = request(ctx, "GET", subject_path(name) + "/versions");
    for (const auto& v : numbers.as_array()) {
      auto o = request(ctx, "GET", subject_path(name) + "/versions/" + cell(v)).as_object();
      json::object version{{"version", o.at("version")},
                           {"id", o.at("id")},
                           {"schemaType", o.at("schemaType")},
                           {"schema", o.at("schema")},
                           {"references", o.contains("references") ? o.at("references") : json::array{}}};
      versions.push_back(std::move(version));
    }
    subjects.push_back(json::object{{"subject", name},
                                    {"compatibility", own_level(ctx, name)},
                                    {"versions", std::move(versions)}});
  }
  doc["subjects"] = std::move(subjects);
  doc["policies"] = request(ctx, "GET", "/accord/v1/policies").as_object().at("policies");
  // Consumer contracts travel with the schemas: an offline `contract test --registry-file`
  // checks a producer against them.
  doc["contracts"] = request(ctx, "GET", "/accord/v1/contracts");
  return doc;
}

// ---- import ----

struct Reference {
  std::string name, subject;
  std::int64_t version;
};

struct FileVersion {
  std::int64_t version;
  std::string type, schema;
  std::vector<Reference> references;
};

struct FileSubject {
  std::string subject;
  std::optional<std::string> level;
  std::vector<FileVersion> versions;
};

struct ExportFile {
  std::string level;
  std::vector<FileSubject> subjects;
  std::optional<json::array> policies;
  std::optional<json::array> contracts;  // published service contracts, each with a "service"
};

[[noreturn]] void invalid(const std::string& file, const std::string& what) {
  throw Failure{kUsage, "'" + file + "' is not a registry export: " + what};
}

const json::value& member(const std::string& file, const json::object& o, const char* key,
                          const std::string& where) {
  const auto* v = o.if_contains(key);
  if (!v) invalid(file, where + " has no \"" + key + "\"");
  return *v;
}

std::string text_member(const std::string& file, const json::object& o, const char* key, const std::string& where) {
  const auto& v = member(file, o, key, where);
  if (!v.is_string()) invalid(file, where + "." + key + " must be a string");
  return std::string(v.get_string());
}

std::int64_t int_member(const std::string& file, const json::object& o, const char* key, const std::string& where) {
  const auto& v = member(file, o, key, where);
  if (!v.is_int64() && !v.is_uint64()) invalid(file, where + "." + key + " must be an integer");
  return v.to_number<std::int64_t>();
}

const json::object& object_at(const std::string& file, const json::value& v, const std::string& where) {
  if (!v.is_object()) invalid(file, where + " must be an object");
  return v.get_object();
}

const json::array& array_at(const std::string& file, const json::value& v, const std::string& where) {
  if (!v.is_array()) invalid(file, where + " must be an array");
  return v.get_array();
}

ExportFile read_export(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Failure{kUsage, "cannot read registry export '" + path + "': " + std::strerror(errno)};
  std::ostringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  const json::value doc = json::parse(text.str(), ec);
  if (ec) invalid(path, "not valid JSON (" + ec.message() + ")");
  const auto& root = object_at(path, doc, "the document");
  if (text_member(path, root, "format", "the document") != kFormat)
    invalid(path, std::string("\"format\" is not \"") + kFormat + "\"");
  if (int_member(path, root, "format_version", "the document") != kFormatVersion)
    invalid(path, "format_version " + json::serialize(root.at("format_version")) + " is not supported (only 1)");
  ExportFile out;
  out.level = text_member(path, root, "compatibility", "the document");
  const auto& subjects = array_at(path, member(path, root, "subjects", "the document"), "subjects");
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    const std::string where = "subjects[" + std::to_string(i) + "]";
    const auto& so = object_at(path, subjects[i], where);
    FileSubject s;
    s.subject = text_member(path, so, "subject", where);
    if (s.subject.empty()) invalid(path, where + ".subject is empty");
    if (const auto* level = so.if_contains("compatibility"); level && !level->is_null()) {
      if (!level->is_string()) invalid(path, where + ".compatibility must be a string or null");
      s.level = std::string(level->get_string());
    }
    const auto& versions = array_at(path, member(path, so, "versions", where), where + ".versions");
    for (std::size_t j = 0; j < versions.size(); ++j) {
      const std::string vwhere = where + ".versions[" + std::to_string(j) + "]";
      const auto& vo = object_at(path, versions[j], vwhere);
      FileVersion v;
      v.version = int_member(path, vo, "version", vwhere);
      if (v.version < 1 || (!s.versions.empty() && v.version <= s.versions.back().version))
        invalid(path, vwhere + ".version must be positive and ascending");
      v.schema = text_member(path, vo, "schema", vwhere);
      v.type = vo.contains("schemaType") ? text_member(path, vo, "schemaType", vwhere) : "JSON";
      if (const auto* refs = vo.if_contains("references")) {
        const auto& ra = array_at(path, *refs, vwhere + ".references");
        for (std::size_t k = 0; k < ra.size(); ++k) {
          const std::string rwhere = vwhere + ".references[" + std::to_string(k) + "]";
          const auto& ro = object_at(path, ra[k], rwhere);
          v.references.push_back({text_member(path, ro, "name", rwhere), text_member(path, ro, "subject", rwhere),
                                  int_member(path, ro, "version", rwhere)});
        }
      }
      s.versions.push_back(std::move(v));
    }
    for (const auto& earlier : out.subjects)
      if (earlier.subject == s.subject) invalid(path, where + ": subject '" + s.subject + "' appears twice");
    out.subjects.push_back(std::move(s));
  }
  if (const auto* p = root.if_contains("policies"); p && !p->is_null())
    out.policies = array_at(path, *p, "policies");
  if (const auto* c = root.if_contains("contracts"); c && !c->is_null()) {
    out.contracts = array_at(path, *c, "contracts");
    for (std::size_t i = 0; i < out.contracts->size(); ++i) {
      const std::string where = "contracts[" + std::to_string(i) + "]";
      if (text_member(path, object_at(path, (*out.contracts)[i], where), "service", where).empty())
        invalid(path, where + ".service is empty");
    }
  }
  return out;
}

std::string version_list(const std::vector<std::int64_t>& v) {
  std::string out;
  for (auto n : v) out += (out.empty() ? "" : ",") + std::to_string(n);
  return out.empty() ? "-" : out;
}

struct SubjectPlan {
  const FileSubject* file;
  std::vector<std::int64_t> existing;         // the target's live versions before the import
  std::map<std::int64_t, std::int64_t> have;  // file version -> target version
  std::vector<std::int64_t> created;          // target versions this import made
  json::value previous_level;                 // the subject's own level before (null: none)
  bool level_lowered = false;
};

class Importer {
 public:
  Importer(const Context& ctx, const ExportFile& file, bool force) : ctx_(ctx), file_(file), force_(force) {}

  int run() {
    plan();
    try {
      register_all();
    } catch (...) {
      restore_levels();
      throw;
    }
    apply_levels();
    const bool global_changed = apply_global();
    const bool policies_changed = apply_policies();
    contracts_changed_ = apply_contracts();
    report(global_changed, policies_changed);
    return kOk;
  }

 private:
  json::object body(const FileVersion& v) const {
    json::array refs;
    for (const auto& r : v.references) {
      std::int64_t version = r.version;
      for (const auto& p : plans_)
        if (p.file->subject == r.subject)
          if (auto it = p.have.find(r.version); it != p.have.end()) version = it->second;
      refs.push_back({{"name", r.name}, {"subject", r.subject}, {"version", version}});
    }
    json::object o{{"schema", v.schema}, {"schemaType", v.type}};
    if (!refs.empty()) o["references"] = std::move(refs);
    return o;
  }

  // The target version holding this schema, if any (the registry compares normalized schemas).
  std::optional<std::int64_t> lookup(const std::string& subject, const FileVersion& v) const {
    auto r = call(ctx_, "POST", subject_path(subject), json::serialize(body(v)));
    if (r.status == 404 || r.status == 422) return std::nullopt;
    check(r);
    return r.body.as_object().at("version").to_number<std::int64_t>();
  }

  // Reads the target, decides what to create and refuses conflicts before changing anything.
  void plan() {
    std::vector<std::string> conflicts;
    for (const auto& s : file_.subjects) {
      SubjectPlan p{&s, {}, {}, {}, nullptr};
      auto versions = call(ctx_, "GET", subject_path(s.subject) + "/versions");
      if (versions.status != 404) {
        check(versions);
        for (const auto& v : versions.body.as_array()) p.existing.push_back(v.to_number<std::int64_t>());
      }
      p.previous_level = own_level(ctx_, s.subject);
      plans_.push_back(std::move(p));
    }
    // Lookups after every subject's state is known, so references to other subjects resolve.
    for (auto& p : plans_) {
      if (p.existing.empty()) continue;
      std::vector<std::int64_t> matched;
      for (const auto& v : p.file->versions)
        if (auto found = lookup(p.file->subject, v)) {
          p.have[v.version] = *found;
          matched.push_back(*found);
        }
      // Consistent: the target holds exactly the file's first versions, in the same order.
      bool prefix = matched == p.existing;
      for (std::size_t i = 0; prefix && i < p.existing.size(); ++i)
        prefix = p.have.count(p.file->versions[i].version) > 0;
      if (!prefix) conflicts.push_back(p.file->subject);
    }
    if (!conflicts.empty() && !force_) {
      std::string names;
      for (const auto& c : conflicts) names += (names.empty() ? "'" : ", '") + c + "'";
      throw Failure{kFailed, "refusing to import: subject" + std::string(conflicts.size() == 1 ? " " : "s ") +
                                 names + " already hold" + (conflicts.size() == 1 ? "s" : "") +
                                 " versions that differ from the file's (--force adds the file's "
                                 "missing versions on top)"};
    }
  }

  void register_all() {
    // Versions in order per subject; a version referencing another subject's version waits
    // until that one is there.
    std::vector<std::size_t> next(plans_.size(), 0);
    for (bool progress = true; progress;) {
      progress = false;
      for (std::size_t i = 0; i < plans_.size(); ++i) {
        auto& p = plans_[i];
        while (next[i] < p.file->versions.size()) {
          const auto& v = p.file->versions[next[i]];
          if (p.have.count(v.version)) {
            ++next[i];
            progress = true;
            continue;
          }
          if (!ready(v)) break;
          create(p, v);
          ++next[i];
          progress = true;
        }
      }
    }
    for (std::size_t i = 0; i < plans_.size(); ++i)
      if (next[i] < plans_[i].file->versions.size())
        throw Failure{kFailed, "cannot import " + plans_[i].file->subject + " version " +
                                   std::to_string(plans_[i].file->versions[next[i]].version) +
                                   ": its references form a cycle or name versions missing from the file"};
  }

  bool ready(const FileVersion& v) const {
    for (const auto& r : v.references)
      for (const auto& p : plans_)
        if (p.file->subject == r.subject) {
          if (r.version == -1) {  // latest: every version of that subject first
            for (const auto& fv : p.file->versions)
              if (!p.have.count(fv.version)) return false;
          } else if (!p.have.count(r.version)) {
            return false;
          }
        }
    return true;
  }

  void create(SubjectPlan& p, const FileVersion& v) {
    const std::string& subject = p.file->subject;
    if (!p.level_lowered) {
      // Old versions were accepted under the source's history; NONE lets them in as they are.
      request(ctx_, "PUT", "/config/" + path_segment(subject), R"({"compatibility":"NONE"})");
      p.level_lowered = true;
    }
    const auto text = json::serialize(body(v));
    request(ctx_, "POST", subject_path(subject) + "/versions", text);
    auto found = request(ctx_, "POST", subject_path(subject), text);
    const auto version = found.as_object().at("version").to_number<std::int64_t>();
    p.have[v.version] = version;
    p.created.push_back(version);
  }

  void set_level(const std::string& subject, const json::value& level) {
    if (level.is_null()) {
      auto r = call(ctx_, "DELETE", "/config/" + path_segment(subject));
      if (r.status != 404) check(r);
    } else {
      request(ctx_, "PUT", "/config/" + path_segment(subject),
              json::serialize(json::object{{"compatibility", level}}));
    }
  }

  void restore_levels() noexcept {
    for (auto& p : plans_) {
      if (!p.level_lowered) continue;
      try {
        set_level(p.file->subject, p.previous_level);
      } catch (...) {
        // The failure being reported matters more; the level stays NONE.
      }
    }
  }

  void apply_levels() {
    for (auto& p : plans_) {
      json::value wanted = p.file->level ? json::value(*p.file->level) : json::value(nullptr);
      if (p.level_lowered || wanted != p.previous_level) set_level(p.file->subject, wanted);
    }
  }

  bool apply_global() {
    auto current = request(ctx_, "GET", "/config").as_object().at("compatibilityLevel");
    if (current == json::value(file_.level)) return false;
    request(ctx_, "PUT", "/config", json::serialize(json::object{{"compatibility", file_.level}}));
    return true;
  }

  bool apply_policies() {
    if (!file_.policies) return false;
    auto current = request(ctx_, "GET", "/accord/v1/policies").as_object().at("policies");
    if (current == json::value(*file_.policies)) return false;
    request(ctx_, "PUT", "/accord/v1/policies", json::serialize(json::object{{"policies", *file_.policies}}));
    return true;
  }

  // Publishes the file's contracts that the target lacks or holds differently; others are kept.
  std::size_t apply_contracts() {
    if (!file_.contracts) return 0;
    std::size_t changed = 0;
    for (const auto& c : *file_.contracts) {
      const std::string service(c.as_object().at("service").as_string());
      const std::string path = "/accord/v1/contracts/" + path_segment(service);
      auto current = call(ctx_, "GET", path);
      if (current.status != 404) check(current);
      if (current.status == 200 && current.body == c) continue;
      request(ctx_, "PUT", path, json::serialize(c));
      ++changed;
    }
    return changed;
  }

  void report(bool global_changed, bool policies_changed) const {
    json::array subjects;
    std::vector<std::vector<std::string>> rows;
    std::size_t created = 0;
    for (const auto& p : plans_) {
      json::array c, renumbered;
      std::vector<std::int64_t> kept;
      for (auto v : p.created) c.push_back(v);
      std::string note;
      for (const auto& [from, to] : p.have) {
        if (std::find(p.created.begin(), p.created.end(), to) == p.created.end()) kept.push_back(to);
        if (from != to) {
          renumbered.push_back({{"file", from}, {"registry", to}});
          note += (note.empty() ? "file " : ", ") + std::to_string(from) + " is " + std::to_string(to);
        }
      }
      created += p.created.size();
      const std::string level = p.file->level ? *p.file->level : "(global)";
      subjects.push_back({{"subject", p.file->subject},
                          {"created", std::move(c)},
                          {"existing", json::value_from(kept)},
                          {"compatibility", p.file->level ? json::value(*p.file->level) : json::value(nullptr)},
                          {"renumbered", std::move(renumbered)}});
      rows.push_back({p.file->subject, version_list(p.created), version_list(kept), level, note.empty() ? "-" : note});
    }
    const std::size_t policy_count = file_.policies ? file_.policies->size() : 0;
    if (ctx_.json()) {
      json::object out{{"subjects", std::move(subjects)},
                       {"versions_created", created},
                       {"compatibility", {{"level", file_.level}, {"changed", global_changed}}},
                       {"policies", {{"count", policy_count},
                                     {"included", file_.policies.has_value()},
                                     {"changed", policies_changed}}},
                       {"contracts", {{"count", file_.contracts ? file_.contracts->size() : 0},
                                      {"published", contracts_changed_}}}};
      std::cout << json::serialize(out) << '\n';
      return;
    }
    if (!rows.empty()) print_table({"SUBJECT", "CREATED", "EXISTING", "COMPATIBILITY", "NOTE"}, rows);
    std::cout << "imported " << created << " version" << (created == 1 ? "" : "s") << " into "
              << plans_.size() << " subject" << (plans_.size() == 1 ? "" : "s") << "; global compatibility "
              << file_.level << (global_changed ? " (set)" : " (unchanged)") << "; ";
    if (file_.policies)
      std::cout << policy_count << " polic" << (policy_count == 1 ? "y" : "ies")
                << (policies_changed ? " (replaced)" : " (unchanged)") << '\n';
    else
      std::cout << "no policies in the file (left as they are)\n";
    if (file_.contracts)
      std::cout << file_.contracts->size() << " contract" << (file_.contracts->size() == 1 ? "" : "s") << " ("
                << contracts_changed_ << " published)\n";
  }

  const Context& ctx_;
  const ExportFile& file_;
  bool force_;
  std::vector<SubjectPlan> plans_;
  std::size_t contracts_changed_ = 0;
};

}  // namespace

void add_registry_commands(CLI::App& app, Context& ctx) {
  auto* registry = app.add_subcommand("registry", "the whole registry and its policies as one file")
                       ->require_subcommand(1);
  registry->fallthrough();

  auto out_file = std::make_shared<std::string>();
  auto* exp = registry->add_subcommand(
      "export", "write every subject's live versions, the compatibility levels and the policies to FILE ('-': stdout)");
  exp->add_option("FILE", *out_file, "file to write, or - for stdout")->required();
  exp->callback([&ctx, out_file] {
    ctx.action = [&ctx, out_file] {
      const json::object doc = build_export(ctx);
      if (*out_file == "-") {
        pretty(std::cout, doc);
        std::cout << '\n';
        return static_cast<int>(kOk);
      }
      {
        std::ofstream out(*out_file, std::ios::binary | std::ios::trunc);
        if (!out) throw Failure{kUsage, "cannot write '" + *out_file + "': " + std::strerror(errno)};
        pretty(out, doc);
        out << '\n';
        out.flush();
        if (!out) throw Failure{kUsage, "cannot write '" + *out_file + "': " + std::strerror(errno)};
      }
      std::size_t versions = 0;
      for (const auto& s : doc.at("subjects").as_array()) versions += s.at("versions").as_array().size();
      const auto subjects = doc.at("subjects").as_array().size();
      const auto policies = doc.at("policies").as_array().size();
      const auto contracts = doc.at("contracts").as_array().size();
      if (ctx.json())
        std::cout << json::serialize(json::object{{"file", *out_file},
                                                  {"subjects", subjects},
                                                  {"versions", versions},
                                                  {"policies", policies},
                                                  {"contracts", contracts}})
                  << '\n';
      else
        std::cout << "exported " << subjects << " subject" << (subjects == 1 ? "" : "s") << " (" << versions
                  << " version" << (versions == 1 ? "" : "s") << "), " << policies << " polic"
                  << (policies == 1 ? "y" : "ies") << " and " << contracts << " contract"
                  << (contracts == 1 ? "" : "s") << " to " << *out_file << '\n';
      return static_cast<int>(kOk);
    };
  });

  struct ImportArgs {
    std::string file;
    bool force = false;
  };
  auto in = std::make_shared<ImportArgs>();
  auto* imp = registry->add_subcommand(
      "import", "register a registry export's versions (in order), levels and policies; running it twice changes nothing");
  imp->add_option("FILE", in->file, "a file written by `accordctl registry export`")->required();
  imp->add_flag("--force", in->force,
                "import even into subjects that already hold different versions (the file's missing "
                "versions are added on top)");
  imp->callback([&ctx, in] {
    ctx.action = [&ctx, in] {
      const ExportFile file = read_export(in->file);
      return Importer(ctx, file, in->force).run();
    };
  });
}

}  // namespace accordctl
