// The schema registry: subjects with immutable versions 1, 2, ...; schemas with globally unique
// ids (one id per normalized schema, whatever subjects share it); soft and permanent deletes;
// compatibility levels and modes, global and per subject; references between schemas. Kept in
// memory, written through to the broker's store (its registry tables) in one atomic batch per
// change, so a restart finds exactly what was acknowledged.
//
// Threading: every method may be called from any thread. Changes are serialized (one writer at
// a time, waiting for its commit); reads share a lock. compiled() is what the publish path uses.
//
// Errors carry Confluent Schema Registry's HTTP status and error code, so the REST layer
// (routes.cpp) only translates.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <variant>
#include <vector>

#include "registry/core/compatibility.hpp"
#include "registry/core/schema_format.hpp"
#include "broker/store/store.hpp"

namespace accord::registry {

struct Error {
  unsigned http_status = 500;
  int error_code = 50001;
  std::string message;
};

template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const { return std::get<0>(v_); }
  T& value() { return std::get<0>(v_); }
  const T& operator*() const { return value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct SchemaReference {
  std::string name;     // as the schema spells it: a $ref URI or an import path
  std::string subject;
  int version = 0;
  bool operator==(const SchemaReference&) const = default;
};

// What a client sends to register, look up or check a schema.
struct SchemaInput {
  std::string schema;
  SchemaType type = SchemaType::Json;
  std::vector<SchemaReference> references;  // version -1: the latest at the time of the call
};

struct StoredSchema {
  int id = 0;
  SchemaType type = SchemaType::Json;
  std::string text;  // as first registered
  std::vector<SchemaReference> references;
};

struct SubjectVersion {
  std::string subject;
  int version = 0;
  int id = 0;
  bool deleted = false;
  StoredSchema schema;
};

enum class Mode : std::uint8_t { ReadWrite, ReadOnly };
const char* to_string(Mode mode);
std::optional<Mode> parse_mode(std::string_view text);

struct RegistryOptions {
  CompatibilityLevel default_compatibility = CompatibilityLevel::Backward;
  FormatOptions formats;
  std::size_t max_subjects = 100000;
  std::size_t max_versions_per_subject = 10000;
  std::size_t max_reference_depth = 32;
};

struct CompatibilityReport {
  bool compatible = true;
  // One line per problem, "version 2: /properties/temp/type TYPE_CHANGED: ..." (Confluent's
  // verbose `messages`), and the same as structured entries.
  std::vector<std::string> messages;
  struct Entry {
    int version = 0;
    std::string direction;  // "backward": the new schema reads old data; "forward": the reverse
    compat::Incompatibility problem;
  };
  std::vector<Entry> entries;
};

struct ValidationReport {
  std::string subject;
  int version = 0;
  int id = 0;
  std::vector<PayloadError> errors;  // empty: valid
};

struct VersionDiff {
  std::string subject;
  int from = 0, to = 0;
  boost::json::value changes;  // array of {op, path, from, to}
  CompatibilityReport backward;  // `to` reads data written with `from`
  CompatibilityReport forward;   // `from` reads data written with `to`
};

class Registry {
 public:
  // Loads what the store holds (nothing for durability=memory). Fails, naming the record, when
  // a stored schema no longer parses: the registry never serves a partial state.
  static Result<std::unique_ptr<Registry>> open(store::Store& store, RegistryOptions options);

  // POST /subjects/{s}/versions: the schema's id; the same schema again returns the same id
  // without a new version. 409 when incompatible under the subject's level, 42201 invalid,
  // 42205 read-only.
  Result<int> register_schema(const std::string& subject, const SchemaInput& input);
  // POST /subjects/{s}: the version of the subject holding this schema.
  Result<SubjectVersion> lookup(const std::string& subject, const SchemaInput& input,
                                bool deleted) const;

  std::vector<std::string> subjects(bool deleted) const;
  Result<std::vector<int>> versions(const std::string& subject, bool deleted) const;
  // `version`: "latest", "-1" or a number >= 1.
  Result<SubjectVersion> version(const std::string& subject, const std::string& version,
                                 bool deleted) const;
  Result<std::vector<int>> referenced_by(const std::string& subject, const std::string& version) const;

  Result<std::vector<int>> delete_subject(const std::string& subject, bool permanent);
  Result<int> delete_version(const std::string& subject, const std::string& version, bool permanent);

  Result<StoredSchema> schema_by_id(int id) const;
  Result<std::vector<std::string>> subjects_for_id(int id, bool deleted) const;
  Result<std::vector<std::pair<std::string, int>>> versions_for_id(int id, bool deleted) const;

  // POST /compatibility/subjects/{s}/versions[/{v}]: against one version, or (no version) the
  // versions the subject's level names.
  Result<CompatibilityReport> check_compatibility(const std::string& subject,
                                                  const std::optional<std::string>& version,
                                                  const SchemaInput& input) const;

  // Compatibility level: subject "" = global. get(): nullopt when a subject has none of its own.
  std::optional<CompatibilityLevel> compatibility(const std::string& subject) const;
  CompatibilityLevel effective_compatibility(const std::string& subject) const;
  Result<CompatibilityLevel> set_compatibility(const std::string& subject, CompatibilityLevel level);
  // Returns the level that was in force (40408 for a subject without one).
  Result<CompatibilityLevel> delete_compatibility(const std::string& subject);

  std::optional<Mode> mode(const std::string& subject) const;
  Mode effective_mode(const std::string& subject) const;
  Result<Mode> set_mode(const std::string& subject, Mode mode);
  Result<Mode> delete_mode(const std::string& subject);

  // Accord's own: validate a payload against a subject version; diff two versions.
  Result<ValidationReport> validate(const std::string& subject, const std::string& version,
                                    std::string_view payload, bool binary,
                                    std::size_t max_errors = 100) const;
  Result<VersionDiff> diff(const std::string& subject, const std::string& from,
                           const std::string& to) const;

  // The parsed, ready-to-validate schema for an id (null when unknown). For Protobuf this is
  // the file's first message; a subject may pick another one: use the subject's overload.
  std::shared_ptr<const ParsedSchema> compiled(int id) const;
  // The schema a subject version validates with (null when the version does not exist).
  std::shared_ptr<const ParsedSchema> compiled(const std::string& subject,
                                               const std::string& version) const;

  // Settings other parts of accord keep in the registry's settings table, opaque to the registry
  // (the enforcement policies set through the admin API: key "accord.policies"). Keys must not
  // start with "config/" or "mode/" or be "next_id".
  std::optional<std::string> stored_setting(const std::string& key) const;
  // Every opaque setting whose key starts with `prefix`, by key.
  std::map<std::string, std::string> stored_settings(const std::string& prefix) const;
  // Writes (or, with nullopt, deletes) one; returns the store's error message on failure.
  std::optional<std::string> store_setting(const std::string& key,
                                           const std::optional<std::string>& value);

  // Grows with every committed change (taken before the change becomes visible to readers, who
  // wait on the lock): a cache that saw generation G may keep what it read until this differs.
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  struct Counts {
    std::size_t schemas = 0, subjects = 0, versions = 0;
  };
  Counts counts() const;

  Registry(store::Store& store, RegistryOptions options);

 private:
  struct Subject {
    std::map<int, int> versions;  // version -> schema id
    std::map<int, bool> deleted;  // version -> soft-deleted
    bool has_live() const;
    int latest_live() const;  // 0 when none
  };
  struct Entry {
    StoredSchema stored;
    // Parsed without a subject (Protobuf: the file's first message). Subjects that pick another
    // message type have their own parse in by_subject_.
    std::shared_ptr<const ParsedSchema> parsed;
    std::string identity;  // type + canonical text + references: equal schemas, one id
  };

  // Locks held by callers.
  Result<int> resolve_version(const std::string& subject, const std::string& version,
                              bool deleted) const;
  Result<std::vector<ResolvedReference>> resolve_references(
      const std::vector<SchemaReference>& refs, std::size_t depth) const;
  Result<std::shared_ptr<const ParsedSchema>> parse(const std::string& subject,
                                                    const SchemaInput& input,
                                                    std::vector<SchemaReference>& pinned) const;
  CompatibilityReport check_against(const ParsedSchema& candidate, const std::string& subject,
                                    const std::vector<int>& versions, CompatibilityLevel level) const;
  SubjectVersion make_version(const std::string& subject, int version) const;
  Error store_failure(const store::Status& status) const;
  store::Status commit(store::WriteBatch batch);
  std::optional<Error> writable(const std::string& subject) const;
  bool is_referenced(int id) const;
  // The schema as `subject` uses it (the subject chooses a Protobuf message type).
  std::shared_ptr<const ParsedSchema> parsed_for(const std::string& subject, int id) const;
  // Parses a stored schema for a subject; empty error on success.
  std::string parse_stored(const std::string& subject, int id,
                           std::shared_ptr<const ParsedSchema>& out) const;
  void forget_subject_parse(const std::string& subject, int id);
  CompatibilityLevel level_for(const std::string& subject) const;
  Mode mode_for(const std::string& subject) const;

  store::Store& store_;
  RegistryOptions options_;
  mutable std::shared_mutex mu_;
  std::map<int, Entry> schemas_;
  std::map<std::string, int> ids_by_identity_;
  std::map<std::pair<std::string, int>, std::shared_ptr<const ParsedSchema>> by_subject_;
  std::map<std::string, Subject> subjects_;
  std::map<std::string, CompatibilityLevel> compatibility_;  // "" = global override
  std::map<std::string, Mode> modes_;                        // "" = global
  std::map<std::string, std::string> opaque_settings_;       // stored_setting()
  int next_id_ = 1;
  std::atomic<std::uint64_t> generation_{1};
};

}  // namespace accord::registry
