// JSON Schema validator (draft 2020-12 and draft-07): a schema is compiled once into an
// immutable program that any number of threads then run against JSON documents.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace accord::jsonschema {

enum class Draft { Draft7, Draft2020_12 };

// One validation failure.
struct Error {
  std::string instance_location;  // RFC 6901 JSON pointer into the document, "" = root
  // JSON pointer along the evaluation path from the root schema, e.g.
  // "/properties/temp/maximum"; a `$ref` that was followed appears as a "/$ref" segment.
  std::string keyword_location;
  std::string message;  // human readable: "42.5 is greater than the maximum 40"
  // Where the failing keyword really is: the absolute URI of its schema resource plus a JSON
  // pointer fragment, e.g. "https://example.com/reading.json#/$defs/temp/maximum"; for the root
  // document without an `$id` or base_uri it is just "#/...".
  std::string absolute_keyword_location;
};

// Why a schema was rejected (returned to registry users as HTTP 422).
struct CompileError {
  // JSON pointer of the offending keyword in the root schema, e.g. "/properties/a/minimum";
  // inside another document (a remote `$ref`) it is that document's URI + "#" + pointer.
  std::string schema_location;
  std::string message;
};

// Returns the text of the schema document at `uri` (another registered schema, a remote), or
// nullopt if unknown. A reference that is relative while the root schema has neither an
// absolute `$id` nor Options::base_uri is passed as the resolved relative reference
// (e.g. "other.json").
using Resolver = std::function<std::optional<std::string>(std::string_view uri)>;

struct Options {
  Draft default_draft = Draft::Draft2020_12;  // when the root has no $schema
  bool format_assertion = true;               // formats below are assertions (not just annotations)
  Resolver resolver;                          // external $ref targets; metaschemas are built in
  std::string base_uri;                       // retrieval URI of the root document (may be empty)
  std::size_t max_schema_depth = 256;         // nesting of subschemas in the schema document
  std::size_t max_document_depth = 256;       // nesting of arrays/objects in a validated document
};

namespace detail {
struct Program;
}

// A compiled schema. Immutable: share one instance between all threads.
class Schema {
 public:
  static std::variant<std::shared_ptr<const Schema>, CompileError> compile(
      std::string_view schema_json, const Options& = {});

  // Parse + validate; malformed JSON (or nesting beyond max_document_depth) -> false.
  // Allocation-free in the steady state; stops at the first failure.
  bool is_valid(std::string_view json) const;
  // An already parsed document (e.g. a CloudEvent's `data`). Nesting is bounded only where the
  // schema descends; the caller's parser bounds the rest.
  bool is_valid(const simdjson::dom::element& document) const;

  // Every error, up to max_errors (0 = no limit). A parse error is one Error at "".
  std::vector<Error> validate(std::string_view json, std::size_t max_errors = 100) const;
  std::vector<Error> validate(const simdjson::dom::element& document,
                              std::size_t max_errors = 100) const;

  Draft draft() const;

  ~Schema();
  Schema(const Schema&) = delete;
  Schema& operator=(const Schema&) = delete;

 private:
  explicit Schema(std::unique_ptr<const detail::Program> program);
  std::unique_ptr<const detail::Program> program_;
};

}  // namespace accord::jsonschema
