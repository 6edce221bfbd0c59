#include "registry/core/registry.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <climits>
#include <future>
#include <mutex>
#include <set>

#include "registry/core/canonical_json.hpp"
#include "registry/core/registry_codec.hpp"

namespace accord::registry {

namespace json = boost::json;
using store::RegistryTable;

// ---- errors, in Confluent's codes ---------------------------------------------------------------

namespace {

Error subject_not_found(const std::string& s) { return {404, 40401, "Subject '" + s + "' not found."}; }
Error version_not_found(const std::string& s, int v) {
  return {404, 40402, "Version " + std::to_string(v) + " not found for subject '" + s + "'."};
}
Error schema_not_found(const std::string& what = "Schema not found.") { return {404, 40403, what}; }
Error invalid_schema(const std::string& why) { return {422, 42201, "Invalid schema: " + why}; }
Error invalid_version(const std::string& v) {
  return {422, 42202,
          "The specified version '" + v +
              "' is not a valid version id. Allowed values are between [1, 2^31-1] and the "
              "string \"latest\""};
}
Error invalid_subject(const std::string& why) { return {422, 42208, "Invalid subject: " + why}; }

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 9;
    if (n == 9 || (n == 1 && c < 0xC2) || i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    if (n == 2) {  // no overlong forms or UTF-16 surrogates
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) return false;
    } else if (n == 3) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xF0 && c1 < 0x90) || c > 0xF4 || (c == 0xF4 && c1 >= 0x90)) return false;
    }
    i += n + 1;
  }
  return true;
}

std::optional<Error> check_subject_name(const std::string& subject) {
  if (subject.empty()) return invalid_subject("the subject name is empty");
  if (subject.size() > 1024) return invalid_subject("the subject name is longer than 1024 bytes");
  for (unsigned char c : subject)
    if (c < 0x20 || c == 0x7F) return invalid_subject("the subject name contains a control character");
  if (!valid_utf8(subject)) return invalid_subject("the subject name is not UTF-8");
  return std::nullopt;
}

std::string identity_of(SchemaType type, const std::string& canonical,
                        const std::vector<SchemaReference>& refs) {
  std::string id = to_string(type);
  id += '\n';
  id += canonical;
  for (const auto& r : refs) {
    id += '\n';
    id += r.name + '\0' + r.subject + '\0' + std::to_string(r.version);
  }
  return id;
}

std::string describe(const compat::Incompatibility& i) {
  std::string s;
  if (!i.path.empty()) s += i.path + " ";
  s += i.kind + ": " + i.reason;
  return s;
}

}  // namespace

const char* to_string(Mode mode) { return mode == Mode::ReadOnly ? "READONLY" : "READWRITE"; }

std::optional<Mode> parse_mode(std::string_view text) {
  if (text == "READWRITE") return Mode::ReadWrite;
  if (text == "READONLY") return Mode::ReadOnly;
  return std::nullopt;
}

// ---- subjects -------------------------------------------------------------------------------------

bool Registry::Subject::has_live() const {
  return std::any_of(deleted.begin(), deleted.end(), [](const auto& d) { return !d.second; });
}

int Registry::Subject::latest_live() const {
  for (auto it = deleted.rbegin(); it != deleted.rend(); ++it)
    if (!it->second) return it->first;
  return 0;
}

Registry::Registry(store::Store& store, RegistryOptions options)
    : store_(store), options_(std::move(options)) {}

// ---- loading ----------------------------------------------------------------------------------------

Result<std::unique_ptr<Registry>> Registry::open(store::Store& store, RegistryOptions options) {
  auto r = std::make_unique<Registry>(store, std::move(options));
  auto records = store.load_registry();
  if (!records.status.ok) return Error{500, 50001, "registry: " + records.status.message};

  for (const auto& [key, value] : records[RegistryTable::Settings]) {
    auto setting = codec::decode_setting(value);
    if (!setting) return Error{500, 50001, "registry: undecodable setting '" + key + "'"};
    if (key == codec::kNextIdKey) {
      r->next_id_ = static_cast<int>(setting->second);
    } else if (key.rfind(codec::kConfigPrefix, 0) == 0) {
      if (auto level = parse_compatibility_level(setting->first))
        r->compatibility_[key.substr(codec::kConfigPrefix.size())] = *level;
    } else if (key.rfind(codec::kModePrefix, 0) == 0) {
      if (auto mode = parse_mode(setting->first)) r->modes_[key.substr(codec::kModePrefix.size())] = *mode;
    } else {
      r->opaque_settings_[key] = setting->first;
    }
  }
  for (const auto& [key, value] : records[RegistryTable::Versions]) {
    auto v = codec::decode_version(value);
    if (!v) return Error{500, 50001, "registry: undecodable subject version record"};
    auto& subject = r->subjects_[v->subject];
    subject.versions[v->version] = v->schema_id;
    subject.deleted[v->version] = v->deleted;
  }
  // Ids grow with registration, and a schema's references were registered before it: parsing in
  // id order finds every reference's text already loaded.
  for (const auto& [key, value] : records[RegistryTable::Schemas]) {
    auto stored = codec::decode_schema(value);
    if (!stored) return Error{500, 50001, "registry: undecodable schema record"};
    r->schemas_[stored->id].stored = *stored;
    r->next_id_ = std::max(r->next_id_, stored->id + 1);
  }
  for (auto& [id, entry] : r->schemas_) {
    if (auto err = r->parse_stored("", id, entry.parsed); !err.empty())
      return Error{500, 50001, "registry: stored schema " + std::to_string(id) + " no longer parses: " + err};
    entry.identity = identity_of(entry.stored.type, entry.parsed->canonical(), entry.stored.references);
    r->ids_by_identity_[entry.identity] = id;
  }
  // Protobuf: each subject validates with the message type its name picks.
  for (const auto& [name, subject] : r->subjects_) {
    for (const auto& [v, id] : subject.versions) {
      auto e = r->schemas_.find(id);
      if (e == r->schemas_.end() || e->second.stored.type != SchemaType::Protobuf) continue;
      if (r->by_subject_.count({name, id})) continue;
      std::shared_ptr<const ParsedSchema> parsed;
      if (auto err = r->parse_stored(name, id, parsed); !err.empty())
        return Error{500, 50001, "registry: stored schema " + std::to_string(id) + " (subject '" + name +
                                     "') no longer parses: " + err};
      r->by_subject_[{name, id}] = std::move(parsed);
    }
  }
  return r;
}

// ---- helpers (callers hold the lock) ---------------------------------------------------------

std::string Registry::parse_stored(const std::string& subject, int id,
                                   std::shared_ptr<const ParsedSchema>& out) const {
  const auto& entry = schemas_.at(id);
  auto refs = resolve_references(entry.stored.references, 0);
  if (!refs) return refs.error().message;
  auto parsed = parse_schema(entry.stored.type, entry.stored.text, *refs, subject, options_.formats);
  if (!parsed.schema) return parsed.error;
  out = std::move(parsed.schema);
  return {};
}

std::shared_ptr<const ParsedSchema> Registry::parsed_for(const std::string& subject, int id) const {
  if (auto it = by_subject_.find({subject, id}); it != by_subject_.end()) return it->second;
  return schemas_.at(id).parsed;
}

void Registry::forget_subject_parse(const std::string& subject, int id) {
  auto s = subjects_.find(subject);
  if (s != subjects_.end())
    for (const auto& [v, sid] : s->second.versions)
      if (sid == id) return;  // another version of the subject still uses it
  by_subject_.erase({subject, id});
}

Result<int> Registry::resolve_version(const std::string& subject, const std::string& version,
                                      bool deleted) const {
  auto it = subjects_.find(subject);
  if (it == subjects_.end() || (!deleted && !it->second.has_live())) return subject_not_found(subject);
  const auto& s = it->second;
  if (version == "latest" || version == "-1") {
    if (!deleted) return s.latest_live();
    return s.versions.rbegin()->first;
  }
  long long v = 0;
  if (version.empty() || version.size() > 11 ||
      version.find_first_not_of("0123456789") != std::string::npos)
    return invalid_version(version);
  try {
    std::size_t used = 0;
    v = std::stoll(version, &used);
    if (used != version.size()) return invalid_version(version);
  } catch (const std::exception&) {
    return invalid_version(version);
  }
  if (v < 1 || v > INT_MAX) return invalid_version(version);
  auto d = s.deleted.find(static_cast<int>(v));
  if (d == s.deleted.end() || (d->second && !deleted)) return version_not_found(subject, static_cast<int>(v));
  return static_cast<int>(v);
}

Result<std::vector<ResolvedReference>> Registry::resolve_references(
    const std::vector<SchemaReference>& refs, std::size_t depth) const {
  if (depth > options_.max_reference_depth)
    return invalid_schema("references nest deeper than " + std::to_string(options_.max_reference_depth) +
                          " levels");
  std::vector<ResolvedReference> out;
  std::set<std::string> seen;
  for (const auto& ref : refs) {
    auto s = subjects_.find(ref.subject);
    if (s == subjects_.end() || !s->second.versions.count(ref.version))
      return invalid_schema("reference '" + ref.name + "' names subject '" + ref.subject +
                            "' version " + std::to_string(ref.version) + ", which does not exist");
    const int id = s->second.versions.at(ref.version);
    auto e = schemas_.find(id);
    if (e == schemas_.end()) return invalid_schema("reference '" + ref.name + "': schema missing");
    // Dependencies of the dependency first: formats see every file a schema needs.
    auto nested = resolve_references(e->second.stored.references, depth + 1);
    if (!nested) return nested.error();
    for (auto& n : nested.value())
      if (seen.insert(n.name).second) out.push_back(std::move(n));
    if (seen.insert(ref.name).second)
      out.push_back({ref.name, e->second.stored.type, e->second.stored.text});
  }
  return out;
}

Result<std::shared_ptr<const ParsedSchema>> Registry::parse(const std::string& subject,
                                                            const SchemaInput& input,
                                                            std::vector<SchemaReference>& pinned) const {
  if (input.schema.empty()) return Error{422, 42201, "Invalid schema: the schema is empty"};
  pinned = input.references;
  for (auto& ref : pinned) {
    if (ref.name.empty()) return invalid_schema("a reference has no name");
    if (ref.version == -1) {  // "latest", fixed now: a version's references never move
      auto s = subjects_.find(ref.subject);
      if (s == subjects_.end() || !s->second.has_live())
        return invalid_schema("reference '" + ref.name + "' names subject '" + ref.subject +
                              "', which does not exist");
      ref.version = s->second.latest_live();
    }
  }
  auto refs = resolve_references(pinned, 0);
  if (!refs) return refs.error();
  auto parsed = parse_schema(input.type, input.schema, *refs, subject, options_.formats);
  if (!parsed.schema) return invalid_schema(parsed.error);
  return parsed.schema;
}

CompatibilityReport Registry::check_against(const ParsedSchema& candidate, const std::string& subject,
                                            const std::vector<int>& versions,
                                            CompatibilityLevel level) const {
  CompatibilityReport report;
  if (level == CompatibilityLevel::None) return report;
  const auto& s = subjects_.at(subject);
  for (int v : versions) {
    const auto& existing = *parsed_for(subject, s.versions.at(v));
    auto add = [&](const char* direction, const compat::Incompatibilities& found) {
      for (const auto& i : found) {
        report.compatible = false;
        report.messages.push_back("version " + std::to_string(v) + " (" + direction +
                                  "): " + describe(i));
        report.entries.push_back({v, direction, i});
      }
    };
    if (checks_backward(level)) add("backward", candidate.can_read(existing, Newer::Reader));
    if (checks_forward(level)) add("forward", existing.can_read(candidate, Newer::Writer));
  }
  return report;
}

SubjectVersion Registry::make_version(const std::string& subject, int version) const {
  const auto& s = subjects_.at(subject);
  SubjectVersion out;
  out.subject = subject;
  out.version = version;
  out.id = s.versions.at(version);
  out.deleted = s.deleted.at(version);
  out.schema = schemas_.at(out.id).stored;
  return out;
}

Error Registry::store_failure(const store::Status& status) const {
  return {500, 50001, "Error in the backend data store: " + status.message};
}

store::Status Registry::commit(store::WriteBatch batch) {
  // Callers hold the write lock and update memory after this: readers that see the new
  // generation can only read once that update is done.
  generation_.fetch_add(1, std::memory_order_acq_rel);
  std::promise<store::Status> done;
  auto f = done.get_future();
  store_.submit(std::move(batch), [&done](const store::Status& s) { done.set_value(s); });
  return f.get();
}

std::optional<std::string> Registry::stored_setting(const std::string& key) const {
  std::shared_lock lk(mu_);
  auto it = opaque_settings_.find(key);
  if (it == opaque_settings_.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, std::string> Registry::stored_settings(const std::string& prefix) const {
  std::shared_lock lk(mu_);
  std::map<std::string, std::string> out;
  for (auto it = opaque_settings_.lower_bound(prefix);
       it != opaque_settings_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
    out.emplace(it->first, it->second);
  return out;
}

std::optional<std::string> Registry::store_setting(const std::string& key,
                                                   const std::optional<std::string>& value) {
  std::unique_lock lk(mu_);
  store::WriteBatch batch;
  if (value) batch.put_registry(RegistryTable::Settings, key, codec::encode_setting(*value));
  else batch.delete_registry(RegistryTable::Settings, key);
  if (auto st = commit(std::move(batch)); !st.ok) return st.message;
  if (value) opaque_settings_[key] = *value;
  else opaque_settings_.erase(key);
  return std::nullopt;
}

std::optional<Error> Registry::writable(const std::string& subject) const {
  if (mode_for(subject) == Mode::ReadOnly)
    return Error{422, 42205, "Subject '" + subject + "' is in read-only mode"};
  return std::nullopt;
}

bool Registry::is_referenced(int id) const {
  for (const auto& [subject, s] : subjects_)
    for (const auto& [v, sid] : s.versions)
      if (sid == id) return true;
  return false;
}

// ---- registration ---------------------------------------------------------------------------------

Result<int> Registry::register_schema(const std::string& subject, const SchemaInput& input) {
  if (auto e = check_subject_name(subject)) return *e;
  std::unique_lock lk(mu_);
  if (auto e = writable(subject)) return *e;
  std::vector<SchemaReference> pinned;
  auto parsed = parse(subject, input, pinned);
  if (!parsed) return parsed.error();
  const std::string identity = identity_of(input.type, (*parsed)->canonical(), pinned);

  auto sit = subjects_.find(subject);
  if (sit != subjects_.end()) {
    // The same schema again: its id, no new version.
    for (const auto& [v, sid] : sit->second.versions)
      if (!sit->second.deleted.at(v) && schemas_.at(sid).identity == identity) return sid;
    if (sit->second.versions.size() >= options_.max_versions_per_subject)
      return invalid_subject("subject '" + subject + "' already has " +
                             std::to_string(sit->second.versions.size()) + " versions (limit)");
    std::vector<int> live;
    for (const auto& [v, d] : sit->second.deleted)
      if (!d) live.push_back(v);
    const auto level = level_for(subject);
    if (!is_transitive(level) && !live.empty()) live = {live.back()};
    auto report = check_against(**parsed, subject, live, level);
    if (!report.compatible) {
      std::string details;
      for (const auto& m : report.messages) details += (details.empty() ? "" : "; ") + m;
      return Error{409, 409,
                   "Schema being registered is incompatible with an earlier schema for subject '" +
                       subject + "' (" + to_string(level) + "): " + details};
    }
  } else if (subjects_.size() >= options_.max_subjects) {
    return invalid_subject("the registry already holds " + std::to_string(subjects_.size()) +
                           " subjects (limit)");
  }

  int id;
  bool new_schema = false;
  if (auto known = ids_by_identity_.find(identity); known != ids_by_identity_.end()) {
    id = known->second;
  } else {
    id = next_id_;
    new_schema = true;
  }
  const int version = sit == subjects_.end() || sit->second.versions.empty()
                          ? 1
                          : sit->second.versions.rbegin()->first + 1;

  store::WriteBatch batch;
  StoredSchema stored{id, input.type, input.schema, pinned};
  if (new_schema) {
    batch.put_registry(RegistryTable::Schemas, codec::schema_key(id), codec::encode_schema(stored));
    batch.put_registry(RegistryTable::Settings, std::string(codec::kNextIdKey),
                       codec::encode_setting({}, id + 1));
  }
  batch.put_registry(RegistryTable::Versions, codec::version_key(subject, version),
                     codec::encode_version({subject, version, id, false}));
  if (auto st = commit(std::move(batch)); !st.ok) return store_failure(st);

  if (new_schema) {
    std::shared_ptr<const ParsedSchema> plain = *parsed;
    if (input.type == SchemaType::Protobuf) {
      // The id's own parse is subject-free; this subject's choice is kept beside it.
      std::vector<SchemaReference> unused;
      auto again = parse("", input, unused);
      if (!again) return again.error();
      plain = *again;
    }
    schemas_[id] = Entry{std::move(stored), std::move(plain), identity};
    ids_by_identity_[identity] = id;
    next_id_ = id + 1;
  }
  if (input.type == SchemaType::Protobuf) by_subject_[{subject, id}] = *parsed;
  auto& s = subjects_[subject];
  s.versions[version] = id;
  s.deleted[version] = false;
  return id;
}

Result<SubjectVersion> Registry::lookup(const std::string& subject, const SchemaInput& input,
                                        bool deleted) const {
  std::shared_lock lk(mu_);
  auto sit = subjects_.find(subject);
  if (sit == subjects_.end() || (!deleted && !sit->second.has_live())) return subject_not_found(subject);
  std::vector<SchemaReference> pinned;
  auto parsed = parse(subject, input, pinned);
  if (!parsed) return parsed.error();
  const std::string identity = identity_of(input.type, (*parsed)->canonical(), pinned);
  for (auto it = sit->second.versions.rbegin(); it != sit->second.versions.rend(); ++it) {
    if (sit->second.deleted.at(it->first) && !deleted) continue;
    if (schemas_.at(it->second).identity == identity) return make_version(subject, it->first);
  }
  return schema_not_found();
}

// ---- reading ------------------------------------------------------------------------------------------

std::vector<std::string> Registry::subjects(bool deleted) const {
  std::shared_lock lk(mu_);
  std::vector<std::string> out;
  for (const auto& [name, s] : subjects_)
    if (deleted ? !s.versions.empty() : s.has_live()) out.push_back(name);
  return out;
}

Result<std::vector<int>> Registry::versions(const std::string& subject, bool deleted) const {
  std::shared_lock lk(mu_);
  auto it = subjects_.find(subject);
  if (it == subjects_.end() || (!deleted && !it->second.has_live())) return subject_not_found(subject);
  std::vector<int> out;
  for (const auto& [v, d] : it->second.deleted)
    if (deleted || !d) out.push_back(v);
  return out;
}

Result<SubjectVersion> Registry::version(const std::string& subject, const std::string& version,
                                         bool deleted) const {
  std::shared_lock lk(mu_);
  auto v = resolve_version(subject, version, deleted);
  if (!v) return v.error();
  return make_version(subject, *v);
}

Result<std::vector<int>> Registry::referenced_by(const std::string& subject,
                                                 const std::string& version) const {
  std::shared_lock lk(mu_);
  auto v = resolve_version(subject, version, true);
  if (!v) return v.error();
  std::set<int> ids;
  for (const auto& [id, e] : schemas_)
    for (const auto& ref : e.stored.references)
      if (ref.subject == subject && ref.version == *v) ids.insert(id);
  return std::vector<int>(ids.begin(), ids.end());
}

Result<StoredSchema> Registry::schema_by_id(int id) const {
  std::shared_lock lk(mu_);
  auto it = schemas_.find(id);
  if (it == schemas_.end()) return schema_not_found("Schema " + std::to_string(id) + " not found");
  return it->second.stored;
}

Result<std::vector<std::string>> Registry::subjects_for_id(int id, bool deleted) const {
  auto versions = versions_for_id(id, deleted);
  if (!versions) return versions.error();
  std::vector<std::string> out;
  for (const auto& [subject, v] : *versions)
    if (out.empty() || out.back() != subject) out.push_back(subject);
  return out;
}

Result<std::vector<std::pair<std::string, int>>> Registry::versions_for_id(int id, bool deleted) const {
  std::shared_lock lk(mu_);
  if (!schemas_.count(id)) return schema_not_found("Schema " + std::to_string(id) + " not found");
  std::vector<std::pair<std::string, int>> out;
  for (const auto& [subject, s] : subjects_)
    for (const auto& [v, sid] : s.versions)
      if (sid == id && (deleted || !s.deleted.at(v))) out.emplace_back(subject, v);
  return out;
}

std::shared_ptr<const ParsedSchema> Registry::compiled(int id) const {
  std::shared_lock lk(mu_);
  auto it = schemas_.find(id);
  return it == schemas_.end() ? nullptr : it->second.parsed;
}

std::shared_ptr<const ParsedSchema> Registry::compiled(const std::string& subject,
                                                       const std::string& version) const {
  std::shared_lock lk(mu_);
  auto v = resolve_version(subject, version, false);
  if (!v) return nullptr;
  return parsed_for(subject, subjects_.at(subject).versions.at(*v));
}

Registry::Counts Registry::counts() const {
  std::shared_lock lk(mu_);
  Counts c;
  c.schemas = schemas_.size();
  for (const auto& [name, s] : subjects_) {
    c.subjects += s.has_live();
    c.versions += s.versions.size();
  }
  return c;
}

// ---- deletes ------------------------------------------------------------------------------------------

Result<std::vector<int>> Registry::delete_subject(const std::string& subject, bool permanent) {
  std::unique_lock lk(mu_);
  if (auto e = writable(subject)) return *e;
  auto it = subjects_.find(subject);
  if (it == subjects_.end() || it->second.versions.empty()) return subject_not_found(subject);
  auto& s = it->second;
  store::WriteBatch batch;
  std::vector<int> affected;
  if (!permanent) {
    if (!s.has_live())
      return Error{404, 40404,
                   "Subject '" + subject + "' was soft deleted. Set permanent=true to delete permanently"};
    for (const auto& [v, d] : s.deleted) {
      if (d) continue;
      for (const auto& [id, e] : schemas_)
        for (const auto& ref : e.stored.references)
          if (ref.subject == subject && ref.version == v && is_referenced(id))
            return Error{422, 42206,
                         "One or more references exist to the schema {subject=" + subject +
                             ", version=" + std::to_string(v) + "} (schema id " + std::to_string(id) + ")"};
      affected.push_back(v);
      batch.put_registry(RegistryTable::Versions, codec::version_key(subject, v),
                         codec::encode_version({subject, v, s.versions.at(v), true}));
    }
    if (auto st = commit(std::move(batch)); !st.ok) return store_failure(st);
    for (int v : affected) s.deleted[v] = true;
    return affected;
  }
  if (s.has_live())
    return Error{404, 40405,
                 "Subject '" + subject + "' was not deleted first before being permanently deleted"};
  std::set<int> ids;
  for (const auto& [v, id] : s.versions) {
    affected.push_back(v);
    ids.insert(id);
    batch.delete_registry(RegistryTable::Versions, codec::version_key(subject, v));
  }
  batch.delete_registry(RegistryTable::Settings, codec::config_key(subject));
  batch.delete_registry(RegistryTable::Settings, codec::mode_key(subject));
  // Schemas no other subject version uses go with it.
  Subject removed = std::move(s);
  subjects_.erase(it);
  std::vector<int> orphans;
  for (int id : ids)
    if (!is_referenced(id)) orphans.push_back(id);
  for (int id : orphans) batch.delete_registry(RegistryTable::Schemas, codec::schema_key(id));
  if (auto st = commit(std::move(batch)); !st.ok) {
    subjects_[subject] = std::move(removed);
    return store_failure(st);
  }
  compatibility_.erase(subject);
  modes_.erase(subject);
  for (int id : ids) by_subject_.erase({subject, id});
  for (int id : orphans) {
    ids_by_identity_.erase(schemas_.at(id).identity);
    schemas_.erase(id);
  }
  return affected;
}

Result<int> Registry::delete_version(const std::string& subject, const std::string& version,
                                     bool permanent) {
  std::unique_lock lk(mu_);
  if (auto e = writable(subject)) return *e;
  // A soft delete of "latest" means the latest live version; a number may name a soft-deleted
  // one (40406 for a second soft delete, the permanent delete's precondition otherwise).
  const bool latest = version == "latest" || version == "-1";
  auto v = resolve_version(subject, version, permanent || !latest);
  if (!v) return v.error();
  auto& s = subjects_.at(subject);
  const int id = s.versions.at(*v);
  store::WriteBatch batch;
  if (!permanent) {
    if (s.deleted.at(*v))
      return Error{404, 40406,
                   "Version " + std::to_string(*v) + " of subject '" + subject +
                       "' was soft deleted. Set permanent=true to delete permanently"};
    for (const auto& [rid, e] : schemas_)
      for (const auto& ref : e.stored.references)
        if (ref.subject == subject && ref.version == *v && is_referenced(rid))
          return Error{422, 42206,
                       "One or more references exist to the schema {subject=" + subject +
                           ", version=" + std::to_string(*v) + "} (schema id " + std::to_string(rid) + ")"};
    batch.put_registry(RegistryTable::Versions, codec::version_key(subject, *v),
                       codec::encode_version({subject, *v, id, true}));
    if (auto st = commit(std::move(batch)); !st.ok) return store_failure(st);
    s.deleted[*v] = true;
    return *v;
  }
  if (!s.deleted.at(*v))
    return Error{404, 40407,
                 "Version " + std::to_string(*v) + " of subject '" + subject +
                     "' was not deleted first before being permanently deleted"};
  batch.delete_registry(RegistryTable::Versions, codec::version_key(subject, *v));
  s.versions.erase(*v);
  s.deleted.erase(*v);
  const bool orphan = !is_referenced(id);
  if (orphan) batch.delete_registry(RegistryTable::Schemas, codec::schema_key(id));
  if (auto st = commit(std::move(batch)); !st.ok) {
    s.versions[*v] = id;
    s.deleted[*v] = true;
    return store_failure(st);
  }
  if (orphan) {
    ids_by_identity_.erase(schemas_.at(id).identity);
    schemas_.erase(id);
  }
  if (s.versions.empty()) subjects_.erase(subject);
  forget_subject_parse(subject, id);
  return *v;
}

// ---- compatibility --------------------------------------------------------------------------------

Result<CompatibilityReport> Registry::check_compatibility(const std::string& subject,
                                                          const std::optional<std::string>& version,
                                                          const SchemaInput& input) const {
  std::shared_lock lk(mu_);
  std::vector<int> against;
  auto sit = subjects_.find(subject);
  if (version) {
    auto v = resolve_version(subject, *version, false);
    if (!v) return v.error();
    against.push_back(*v);
  } else if (sit != subjects_.end()) {
    for (const auto& [v, d] : sit->second.deleted)
      if (!d) against.push_back(v);
  }
  std::vector<SchemaReference> pinned;
  auto parsed = parse(subject, input, pinned);
  if (!parsed) return parsed.error();
  if (against.empty()) return CompatibilityReport{};  // nothing registered yet: anything goes
  auto level = level_for(subject);
  if (!version && !is_transitive(level)) against = {against.back()};
  // Against one named version, a transitive level means the same as its plain form.
  return check_against(**parsed, subject, against, level);
}

std::optional<CompatibilityLevel> Registry::compatibility(const std::string& subject) const {
  std::shared_lock lk(mu_);
  auto it = compatibility_.find(subject);
  if (it != compatibility_.end()) return it->second;
  if (subject.empty()) return options_.default_compatibility;
  return std::nullopt;
}

CompatibilityLevel Registry::effective_compatibility(const std::string& subject) const {
  std::shared_lock lk(mu_);
  return level_for(subject);
}

CompatibilityLevel Registry::level_for(const std::string& subject) const {
  if (auto it = compatibility_.find(subject); it != compatibility_.end()) return it->second;
  if (auto it = compatibility_.find(""); it != compatibility_.end()) return it->second;
  return options_.default_compatibility;
}

Result<CompatibilityLevel> Registry::set_compatibility(const std::string& subject,
                                                       CompatibilityLevel level) {
  if (!subject.empty())
    if (auto e = check_subject_name(subject)) return *e;
  std::unique_lock lk(mu_);
  store::WriteBatch batch;
  batch.put_registry(RegistryTable::Settings, codec::config_key(subject),
                     codec::encode_setting(to_string(level)));
  if (auto st = commit(std::move(batch)); !st.ok) return store_failure(st);
  compatibility_[subject] = level;
  return level;
}

Result<CompatibilityLevel> Registry::delete_compatibility(const std::string& subject) {
  std::unique_lock lk(mu_);
  auto it = compatibility_.find(subject);
  if (it == compatibility_.end()) {
    if (subject.empty()) return options_.default_compatibility;  // already the default
    if (!subjects_.count(subject)) return subject_not_found(subject);
    return Error{404, 40408,
                 "Subject '" + subject + "' does not have subject-level compatibility configured"};
  }
  const auto previous = it->second;
  store::WriteBatch batch;
  batch.delete_registry(RegistryTable::Settings, codec::config_key(subject));
  if (auto st = commit(std::move(batch)); !st.ok) return store_failure(st);
  compatibility_.erase(subject);
  return previous;
}

std::optional<Mode> Registry::mode(const std::string& subject) const {
  std::shared_lock lk(mu_);
  auto it = modes_.find(subject);
  if (it != modes_.end()) return it->second;
  if (subject.empty()) return Mode::ReadWrite;
  return std::nullopt;
}

Mode Registry::effective_mode(const std::string& subject) const {
  std::shared_lock lk(mu_);
  return mode_for(subject);
}

Mode Registry::mode_for(const std::string& subject) const {
  if (auto it = modes_.find(subject); it != modes_.end()) return it->second;
  if (auto it = modes_.find(""); it != modes_.end()) return it->second;
  return Mode::ReadWrite;
}

Result<Mode> Registry::set_mode(const std::string& subject, Mode mode) {
  if (!subject.empty())
    if (auto e = check_subject_name(subject)) return *e;
  std::unique_lock lk(mu_);
  store::WriteBatch batch;
  batch.put_registry(RegistryTable::Settings, codec::mode_key(subject), codec::encode_setting(to_string(mode)));
  if (auto st = commit(std::move(batch)); !st.ok) return store_failure(st);
  modes_[subject] = mode;
  return mode;
}

Result<Mode> Registry::delete_mode(const std::string& subject) {
  std::unique_lock lk(mu_);
  auto it = modes_.find(subject);
  if (it == modes_.end()) {
    if (subject.empty()) return Mode::ReadWrite;
    if (!subjects_.count(subject)) return subject_not_found(subject);
    return Error{404, 40409, "Subject '" + subject + "' does not have subject-level mode configured"};
  }
  const auto previous = it->second;
  store::WriteBatch batch;
  batch.delete_registry(RegistryTable::Settings, codec::mode_key(subject));
  if (auto st = commit(std::move(batch)); !st.ok) return store_failure(st);
  modes_.erase(subject);
  return previous;
}

// ---- Accord's own -------------------------------------------------------------------------------

Result<ValidationReport> Registry::validate(const std::string& subject, const std::string& version,
                                            std::string_view payload, bool binary,
                                            std::size_t max_errors) const {
  std::shared_ptr<const ParsedSchema> schema;
  ValidationReport report;
  {
    std::shared_lock lk(mu_);
    auto v = resolve_version(subject, version, false);
    if (!v) return v.error();
    report.subject = subject;
    report.version = *v;
    report.id = subjects_.at(subject).versions.at(*v);
    schema = parsed_for(subject, report.id);
  }
  // Outside the lock: a big payload must not hold up registrations.
  report.errors = schema->validate(payload, binary, max_errors);
  return report;
}

Result<VersionDiff> Registry::diff(const std::string& subject, const std::string& from,
                                   const std::string& to) const {
  std::shared_lock lk(mu_);
  auto a = resolve_version(subject, from, true);
  if (!a) return a.error();
  auto b = resolve_version(subject, to, true);
  if (!b) return b.error();
  const auto& s = subjects_.at(subject);
  const auto& old_schema = *parsed_for(subject, s.versions.at(*a));
  const auto& new_schema = *parsed_for(subject, s.versions.at(*b));
  VersionDiff d;
  d.subject = subject;
  d.from = *a;
  d.to = *b;
  json::array changes;
  for (auto& c : json_diff(old_schema.structure(), new_schema.structure())) {
    json::object o;
    o["op"] = c.op;
    o["path"] = c.path;
    if (c.op != "add") o["from"] = c.from;
    if (c.op != "remove") o["to"] = c.to;
    changes.push_back(std::move(o));
  }
  d.changes = std::move(changes);
  // `to` is the newer one when the diff goes forward in history.
  const bool to_is_newer = *b >= *a;
  auto fill = [&](CompatibilityReport& r, const ParsedSchema& reader, const ParsedSchema& writer,
                  const char* direction, bool reader_is_to) {
    const Newer newer = (reader_is_to == to_is_newer) ? Newer::Reader : Newer::Writer;
    for (const auto& i : reader.can_read(writer, newer)) {
      r.compatible = false;
      r.messages.push_back(describe(i));
      r.entries.push_back({*a, direction, i});
    }
  };
  fill(d.backward, new_schema, old_schema, "backward", true);
  fill(d.forward, old_schema, new_schema, "forward", false);
  return d;
}

}  // namespace accord::registry
