// Contract tests (docs/contracts.md): a service's contract file declares the CloudEvents it
// produces (schema file, subject, topics, example events) and the fields of the events it
// consumes. This library parses contract files, runs the checks against a registry view (online
// or an export file: RegistryView) and renders the results (summary, JUnit XML, GitHub Actions
// annotations). No sockets: the online view and the live MQTT check live in accordctl.
#pragma once

#include <boost/json.hpp>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "registry/core/schema_format.hpp"

namespace accord::contract {

// An unreadable or invalid contract file (or a file it names): one line, exit code 2.
struct ContractError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ExampleFile {
  std::string file;    // as the contract spells it (relative to the contract file)
  std::string path;    // resolved path, for messages and annotations
  std::string text;    // the file's content
  std::string reason;  // invalid examples: must appear in the first error's line ("" = any)
};

struct Produced {
  std::string type, subject;
  std::string schema_file, schema_path, schema_text;
  registry::SchemaType schema_type = registry::SchemaType::Json;
  std::vector<std::string> topics;
  std::vector<ExampleFile> valid, invalid;
};

struct Field {
  std::string path;  // JSON pointer into the event's data, "/temperature"
  std::string type;  // JSON type: string, number, integer, boolean, object, array, null
  bool optional = false;  // the consumer copes with the field being absent
};

struct Consumed {
  std::string type, subject;
  std::vector<Field> fields;
};

struct Contract {
  std::string service;
  std::string path;  // the contract file
  std::vector<Produced> produces;
  std::vector<Consumed> consumes;
};

// Reads a YAML contract file and every file it names. Throws ContractError.
Contract load_contract(const std::string& path);
// The consumer part of a contract as published to the registry (PUT /accord/v1/contracts/{s}).
boost::json::object to_json(const Contract& contract);
// A published contract (consumes only is read). Throws ContractError.
Contract from_json(const boost::json::value& value);

// What a check needs from the registry.
struct CompatOutcome {
  bool new_subject = false;  // the subject has no registered version: nothing to be compatible with
  bool compatible = true;
  std::string level;
  std::vector<std::string> messages;
};
struct LatestSchema {
  registry::SchemaType type = registry::SchemaType::Json;
  std::string text;
  int version = 0;
};
// Registry access failures throw RegistryUnreachable (exit 3).
struct RegistryUnreachable : std::runtime_error {
  using std::runtime_error::runtime_error;
};
class RegistryView {
 public:
  virtual ~RegistryView() = default;
  virtual CompatOutcome check_compatibility(const std::string& subject, const Produced& produced) = 0;
  virtual std::optional<LatestSchema> latest(const std::string& subject) = 0;
  // Every published contract.
  virtual std::vector<Contract> contracts() = 0;
};

// Offline: a registry export file (accordctl registry export) loaded into an in-process
// registry. Throws ContractError when the file is unreadable or not an export.
std::unique_ptr<RegistryView> export_view(const std::string& export_file,
                                          std::vector<Contract> consumer_contracts);

// ---- checks ----
enum class Kind { Compatibility, Examples, Consumers, Live };
const char* to_string(Kind kind);

struct CheckResult {
  Kind kind = Kind::Compatibility;
  std::string name;     // what was checked: "com.example.thermostat.reading: schemas/reading.schema.json"
  bool passed = true;
  std::string message;  // the cause (failures) or a note (passes)
  std::string file;     // the file a failure points at, for annotations ("" = the contract)
};

struct Report {
  std::string service;
  std::string contract_path;
  std::vector<CheckResult> results;
  bool passed() const;
};

// (1) each produced schema against the subject's registered versions.
void check_compatibility(const Contract& c, RegistryView& view, Report& out);
// (2) examples: valid ones validate (envelope and data), invalid ones fail for the stated reason.
void check_examples(const Contract& c, Report& out);
// (3) consumers: every published consumer of a produced type still finds its fields in the new
// schema; this contract's own consumed fields against the latest registered schemas.
void check_consumers(const Contract& c, RegistryView& view, Report& out);

// Why an event is invalid against a schema: one "where: message" line per finding (the broker's
// reason-string format); empty when it is valid. `expected_type`: the event's type must be it.
std::vector<std::string> event_findings(std::string_view event_json, const registry::ParsedSchema& schema,
                                        const std::string& expected_type);
// The JSON Schema field check: "" when `field` is present with its type, else what changed.
std::string field_problem(const boost::json::value& schema, const Field& field);

// ---- outputs ----
std::string summary_text(const Report& report);
std::string junit_xml(const Report& report);
std::string github_annotations(const Report& report);

}  // namespace accord::contract
