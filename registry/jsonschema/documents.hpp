// The schema documents one compilation reads (the root, remotes from the Resolver, built-in
// metaschemas), and what their identifiers mean: which URI names which subschema ($id,
// $anchor, $dynamicAnchor, JSON pointer fragments), and which dialect each subschema is in.
// Lives only during Schema::compile.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "registry/jsonschema/json_text.hpp"
#include "registry/jsonschema/jsonschema.hpp"

namespace accord::jsonschema::detail {

// Thrown inside compilation only; Schema::compile turns it into its CompileError result.
class CompileFailure : public std::exception {
 public:
  explicit CompileFailure(CompileError error) : error_(std::move(error)) {}
  const CompileError& error() const { return error_; }
  const char* what() const noexcept override { return error_.message.c_str(); }

 private:
  CompileError error_;
};

enum Vocabulary : std::uint8_t {
  kApplicatorVocabulary = 1,
  kUnevaluatedVocabulary = 2,
  kValidationVocabulary = 4,
  kFormatVocabulary = 8,
  kContentVocabulary = 16,
  kMetaDataVocabulary = 32,
  kAllVocabularies = 63,
};

// The keywords a subschema is read with: its draft, and (2020-12) the vocabularies its
// metaschema declares. The core vocabulary is always on.
struct Dialect {
  Draft draft = Draft::Draft2020_12;
  std::uint8_t vocabularies = kAllVocabularies;
};

// A place in a loaded document that holds a subschema.
struct SchemaSite {
  std::uint32_t document = 0;
  std::string pointer;  // canonical JSON pointer from the document root
  simdjson::dom::element value;
  std::string base_uri;  // absolute, no fragment: what references in this subschema resolve against
  Dialect dialect;
  std::uint32_t resource = 0;  // the schema resource (index into resources()) it belongs to
  std::size_t depth = 0;       // subschema nesting below its document's root
};

struct SchemaResource {
  std::string uri;  // absolute, no fragment
  std::uint32_t document = 0;
  std::string pointer;  // of the resource's root within its document
  std::map<std::string, std::string, std::less<>> dynamic_anchors;  // name -> site pointer
};

class DocumentSet {
 public:
  explicit DocumentSet(const Options& options);

  // Parses and scans the root schema; returns its root site.
  const SchemaSite& load_root(std::string_view text);

  // The site an absolute URI (with optional fragment) names, loading its document if needed.
  // `from` and `keyword` only locate the error if it cannot be resolved.
  const SchemaSite& resolve(std::string_view uri, const SchemaSite& from, std::string_view keyword);

  // The already known site at a pointer, or one created (and scanned) on demand: pointers may
  // lead into places no keyword marks as a subschema (e.g. inside an unknown keyword).
  const SchemaSite* site_at(std::uint32_t document, const std::string& pointer);

  // Every site of one document, in scan order (the root first).
  std::vector<const SchemaSite*> sites_of(std::uint32_t document) const;

  const std::vector<SchemaResource>& resources() const { return resources_; }

  // Where a keyword of a site is, for CompileError: "/properties/a/minimum" in the root
  // document, "<uri>#/pointer" in others.
  std::string error_location(const SchemaSite& site, std::string_view keyword = {},
                             std::string_view child = {}) const;
  // The site's canonical absolute location: resource URI + "#" + pointer within the resource.
  std::string absolute_location(const SchemaSite& site) const;

  [[noreturn]] void fail(const SchemaSite& site, std::string_view keyword,
                         std::string message) const;

  std::vector<std::unique_ptr<simdjson::dom::document>> take_documents();

 private:
  struct Document {
    std::unique_ptr<simdjson::dom::document> dom;
    simdjson::dom::element root;
    std::string uri;  // retrieval URI, absolute, no fragment
  };

  std::uint32_t load(std::string_view uri, const Dialect& fallback, const SchemaSite* from,
                     std::string_view keyword);
  std::uint32_t add_document(std::string_view text, std::string uri, const Dialect& fallback,
                             const SchemaSite* from, std::string_view keyword);
  Dialect dialect_of(simdjson::dom::element root, const Dialect& fallback, const SchemaSite* from,
                     std::uint32_t document);
  Dialect dialect_for_metaschema(std::string_view uri, const SchemaSite* from,
                                 std::uint32_t document);
  void scan(std::uint32_t document, simdjson::dom::element value, std::string pointer,
            std::string base, Dialect dialect, std::uint32_t resource, std::size_t depth);
  void scan_children(const SchemaSite& site);
  std::uint32_t add_resource(std::string uri, std::uint32_t document, std::string pointer);
  [[noreturn]] void fail_at(std::uint32_t document, const std::string& pointer,
                            std::string message) const;
  static std::string site_key(std::uint32_t document, std::string_view pointer);

  const Options& options_;
  TextParser parser_;
  std::vector<Document> documents_;
  std::unordered_map<std::string, std::uint32_t> documents_by_uri_;
  std::deque<SchemaSite> sites_;  // deque: sites are referenced by address
  std::unordered_map<std::string, std::size_t> site_index_;
  std::vector<SchemaResource> resources_;
  std::unordered_map<std::string, std::uint32_t> resources_by_uri_;
  std::unordered_map<std::string, std::string> anchors_;  // "uri#name" -> site key
  std::unordered_map<std::string, Dialect> metaschema_dialects_;
  std::size_t metaschema_chain_ = 0;
};

}  // namespace accord::jsonschema::detail
