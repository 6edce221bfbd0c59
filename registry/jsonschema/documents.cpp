#include "registry/jsonschema/documents.hpp"

#include <array>
#include <utility>

#include "registry/jsonschema/dom_access.hpp"
#include "registry/jsonschema/embedded_metaschemas.hpp"
#include "registry/jsonschema/json_pointer.hpp"
#include "registry/jsonschema/uri.hpp"

namespace accord::jsonschema::detail {
namespace {

using simdjson::dom::element;

constexpr std::string_view kDraft7Uris[] = {"http://json-schema.org/draft-07/schema",
                                            "https://json-schema.org/draft-07/schema"};
constexpr std::string_view kDraft2020Uri = "https://json-schema.org/draft/2020-12/schema";

// A custom metaschema may itself name another custom metaschema; this bounds the chain.
constexpr std::size_t kMaxMetaschemaChain = 8;

constexpr std::array<std::pair<std::string_view, std::uint8_t>, 7> kVocabularies = {{
    {"https://json-schema.org/draft/2020-12/vocab/core", 0},
    {"https://json-schema.org/draft/2020-12/vocab/applicator", kApplicatorVocabulary},
    {"https://json-schema.org/draft/2020-12/vocab/unevaluated", kUnevaluatedVocabulary},
    {"https://json-schema.org/draft/2020-12/vocab/validation", kValidationVocabulary},
    {"https://json-schema.org/draft/2020-12/vocab/format-annotation", kFormatVocabulary},
    {"https://json-schema.org/draft/2020-12/vocab/content", kContentVocabulary},
    {"https://json-schema.org/draft/2020-12/vocab/meta-data", kMetaDataVocabulary},
}};

// The format-assertion vocabulary is understood too: it only makes `format` assert, which
// Options::format_assertion decides anyway.
constexpr std::string_view kFormatAssertionVocabulary =
    "https://json-schema.org/draft/2020-12/vocab/format-assertion";

// $anchor / $dynamicAnchor values: ^[A-Za-z_][-A-Za-z0-9._]*$
bool is_anchor_name(std::string_view s) {
  if (s.empty()) return false;
  auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  if (!letter(s[0]) && s[0] != '_') return false;
  for (char c : s.substr(1)) {
    if (!letter(c) && !(c >= '0' && c <= '9') && c != '-' && c != '.' && c != '_') return false;
  }
  return true;
}

std::string child_pointer(const std::string& parent, std::string_view keyword) {
  std::string p = parent;
  append_pointer_token(p, keyword);
  return p;
}

}  // namespace

DocumentSet::DocumentSet(const Options& options) : options_(options) {}

std::string DocumentSet::site_key(std::uint32_t document, std::string_view pointer) {
  std::string key = std::to_string(document);
  key += ':';
  key += pointer;
  return key;
}

void DocumentSet::fail_at(std::uint32_t document, const std::string& pointer,
                          std::string message) const {
  CompileError error;
  error.schema_location =
      document == 0 ? pointer : display_uri(documents_[document].uri) + "#" + pointer;
  error.message = std::move(message);
  throw CompileFailure(std::move(error));
}

std::string DocumentSet::error_location(const SchemaSite& site, std::string_view keyword,
                                        std::string_view child) const {
  std::string p = site.pointer;
  if (!keyword.empty()) append_pointer_token(p, keyword);
  if (!child.empty()) append_pointer_token(p, child);
  if (site.document == 0) return p;
  return display_uri(documents_[site.document].uri) + "#" + p;
}

void DocumentSet::fail(const SchemaSite& site, std::string_view keyword,
                       std::string message) const {
  throw CompileFailure(CompileError{error_location(site, keyword), std::move(message)});
}

std::string DocumentSet::absolute_location(const SchemaSite& site) const {
  const SchemaResource& r = resources_[site.resource];
  std::string_view relative = site.pointer;
  if (relative.starts_with(r.pointer)) relative.remove_prefix(r.pointer.size());
  return display_uri(r.uri) + "#" + std::string(relative);
}

std::uint32_t DocumentSet::add_resource(std::string uri, std::uint32_t document,
                                        std::string pointer) {
  const auto index = static_cast<std::uint32_t>(resources_.size());
  resources_.push_back(SchemaResource{uri, document, std::move(pointer), {}});
  // The first resource to claim a URI keeps it.
  resources_by_uri_.emplace(std::move(uri), index);
  return index;
}

const SchemaSite& DocumentSet::load_root(std::string_view text) {
  std::string base(kInternalBase);
  if (!options_.base_uri.empty()) {
    const auto resolved = resolve_uri(kInternalBase, options_.base_uri);
    if (!resolved) {
      throw CompileFailure(
          CompileError{"", "base_uri \"" + options_.base_uri + "\" is not a valid URI reference"});
    }
    base = std::string(split_fragment(*resolved).document);
  }
  const Dialect fallback{options_.default_draft, kAllVocabularies};
  const std::uint32_t document = add_document(text, base, fallback, nullptr, {});
  return sites_[site_index_.at(site_key(document, ""))];
}

std::uint32_t DocumentSet::add_document(std::string_view text, std::string uri,
                                        const Dialect& fallback, const SchemaSite* from,
                                        std::string_view keyword) {
  auto dom = std::make_unique<simdjson::dom::document>();
  element root;
  // A schema nests two JSON levels per subschema level ("properties" -> name -> schema).
  const std::size_t max_json_depth = 2 * options_.max_schema_depth + 8;
  if (const auto error = parser_.parse_into(text, max_json_depth, *dom, root)) {
    std::string message =
        error == simdjson::DEPTH_ERROR
            ? "schema nesting exceeds " + std::to_string(options_.max_schema_depth)
            : std::string("not valid JSON: ") + simdjson::error_message(error);
    if (from == nullptr) throw CompileFailure(CompileError{"", std::move(message)});
    fail(*from, keyword,
         "document \"" + display_uri(uri) + "\" is " +
             (error == simdjson::DEPTH_ERROR ? "too deep: " : "") + message);
  }
  const auto index = static_cast<std::uint32_t>(documents_.size());
  documents_.push_back(Document{std::move(dom), root, uri});
  documents_by_uri_.emplace(uri, index);
  const Dialect dialect = dialect_of(root, fallback, from, index);
  const std::uint32_t resource = add_resource(uri, index, "");
  scan(index, root, "", uri, dialect, resource, 0);
  return index;
}

std::uint32_t DocumentSet::load(std::string_view uri, const Dialect& fallback,
                                const SchemaSite* from, std::string_view keyword) {
  const std::string key(uri);
  if (const auto it = documents_by_uri_.find(key); it != documents_by_uri_.end()) {
    return it->second;
  }
  for (const auto& embedded : embedded_metaschemas()) {
    if (embedded.uri == uri) return add_document(embedded.text, key, fallback, from, keyword);
  }
  std::optional<std::string> text;
  if (options_.resolver) {
    // The Resolver is the caller's code (often a registry lookup): its failure is this
    // schema's compile error, not an exception escaping compile().
    try {
      text = options_.resolver(display_uri(uri));
    } catch (const std::exception& e) {
      const std::string message =
          "cannot resolve \"" + display_uri(uri) + "\": the resolver failed: " + e.what();
      if (from == nullptr) throw CompileFailure(CompileError{"", message});
      fail(*from, keyword, message);
    }
  }
  if (!text) {
    const std::string message = "cannot resolve \"" + display_uri(uri) + "\": unknown document";
    if (from == nullptr) throw CompileFailure(CompileError{"", message});
    fail(*from, keyword, message);
  }
  return add_document(*text, key, fallback, from, keyword);
}

Dialect DocumentSet::dialect_of(element root, const Dialect& fallback, const SchemaSite* from,
                                std::uint32_t document) {
  element schema;
  if (!root.is_object() || as_object(root).at_key("$schema").get(schema)) {
    return fallback;
  }
  if (!schema.is_string()) fail_at(document, "/$schema", "$schema must be a string");
  return dialect_for_metaschema(schema.get_string().value_unsafe(), from, document);
}

Dialect DocumentSet::dialect_for_metaschema(std::string_view uri, const SchemaSite* from,
                                            std::uint32_t document) {
  std::string_view normalized = uri;
  if (normalized.ends_with('#')) normalized.remove_suffix(1);
  for (const auto known : kDraft7Uris) {
    if (normalized == known) return Dialect{Draft::Draft7, kAllVocabularies};
  }
  if (normalized == kDraft2020Uri) return Dialect{Draft::Draft2020_12, kAllVocabularies};
  const std::string key(normalized);
  if (const auto it = metaschema_dialects_.find(key); it != metaschema_dialects_.end()) {
    return it->second;
  }
  if (!has_scheme(normalized)) {
    fail_at(document, "/$schema", "$schema \"" + std::string(uri) + "\" is not an absolute URI");
  }
  if (++metaschema_chain_ > kMaxMetaschemaChain) {
    fail_at(document, "/$schema",
            "$schema \"" + std::string(uri) + "\": metaschemas refer to each other in a loop");
  }
  // A custom metaschema: its own $schema says which draft it extends, its $vocabulary which
  // keywords schemas written against it use.
  std::uint32_t meta_document;
  try {
    meta_document = load(normalized, Dialect{}, from, "$schema");
  } catch (const CompileFailure&) {
    fail_at(document, "/$schema",
            "unknown $schema \"" + std::string(uri) +
                "\": not draft-07 or 2020-12, and no Resolver provides it");
  }
  const element meta_root = documents_[meta_document].root;
  element meta_schema;
  if (!meta_root.is_object() || as_object(meta_root).at_key("$schema").get(meta_schema)) {
    fail_at(
        document, "/$schema",
        "metaschema \"" + std::string(uri) + "\" does not say which draft it extends ($schema)");
  }
  Dialect dialect = dialect_of(meta_root, Dialect{}, from, meta_document);
  element vocabulary;
  if (dialect.draft == Draft::Draft2020_12 &&
      !as_object(meta_root).at_key("$vocabulary").get(vocabulary)) {
    if (!vocabulary.is_object())
      fail_at(meta_document, "/$vocabulary", "$vocabulary must be an object");
    dialect.vocabularies = 0;
    for (const auto field : as_object(vocabulary)) {
      if (!field.value.is_bool()) {
        fail_at(meta_document, "/$vocabulary", "$vocabulary values must be booleans");
      }
      bool known = false;
      for (const auto& [name, bit] : kVocabularies) {
        if (field.key == name) {
          dialect.vocabularies |= bit;
          known = true;
        }
      }
      if (field.key == kFormatAssertionVocabulary) {
        dialect.vocabularies |= kFormatVocabulary;
        known = true;
      }
      if (!known && field.value.get_bool().value_unsafe()) {
        fail_at(document, "/$schema",
                "metaschema \"" + std::string(uri) + "\" requires the unsupported vocabulary \"" +
                    std::string(field.key) + "\"");
      }
    }
  }
  --metaschema_chain_;
  metaschema_dialects_.emplace(key, dialect);
  return dialect;
}

void DocumentSet::scan(std::uint32_t document, element value, std::string pointer, std::string base,
                       Dialect dialect, std::uint32_t resource, std::size_t depth) {
  if (depth > options_.max_schema_depth) {
    fail_at(document, pointer,
            "schema nesting exceeds " + std::to_string(options_.max_schema_depth));
  }
  std::string key = site_key(document, pointer);
  if (site_index_.contains(key)) return;
  const bool is_object = value.is_object();
  const bool draft7 = dialect.draft == Draft::Draft7;
  // In draft-07 "$ref" makes every sibling keyword, "$id" included, meaningless.
  element ignored;
  const bool ref_only = is_object && draft7 && !as_object(value).at_key("$ref").get(ignored);

  if (is_object && !ref_only) {
    const auto object = as_object(value);
    element id_value;
    if (!object.at_key("$id").get(id_value)) {
      if (!id_value.is_string())
        fail_at(document, child_pointer(pointer, "$id"), "$id must be a string");
      const std::string_view id = id_value.get_string().value_unsafe();
      const auto parts = split_fragment(id);
      if (!draft7 && !parts.fragment.empty()) {
        fail_at(document, child_pointer(pointer, "$id"),
                "$id must not have a fragment (name subschemas with $anchor)");
      }
      std::string uri = base;
      if (!parts.document.empty()) {
        const auto resolved = resolve_uri(base, parts.document);
        if (!resolved) {
          fail_at(document, child_pointer(pointer, "$id"),
                  "$id \"" + std::string(id) + "\" is not a valid URI reference");
        }
        uri = std::string(split_fragment(*resolved).document);
        if (pointer.empty()) {
          // The document's own $id names the resource its retrieval URI already opened.
          resources_[resource].uri = uri;
          resources_by_uri_.emplace(uri, resource);
        } else {
          resource = add_resource(uri, document, pointer);
          element schema;
          if (!object.at_key("$schema").get(schema)) {
            dialect = dialect_of(value, dialect, nullptr, document);
          }
        }
        base = uri;
      }
      if (draft7 && !parts.fragment.empty()) {
        // draft-07 location-independent identifier: "$id": "#name".
        const auto name = percent_decode(parts.fragment);
        if (name) anchors_[std::to_string(resource) + "#" + *name] = key;
      }
    }
  }

  const std::size_t index = sites_.size();
  sites_.push_back(SchemaSite{document, pointer, value, base, dialect, resource, depth});
  site_index_.emplace(key, index);
  if (!is_object || ref_only) return;

  if (!draft7) {
    const auto object = as_object(value);
    for (const std::string_view keyword : {"$anchor", "$dynamicAnchor"}) {
      element anchor;
      if (object.at_key(keyword).get(anchor)) continue;
      if (!anchor.is_string() || !is_anchor_name(anchor.get_string().value_unsafe())) {
        fail_at(document, child_pointer(pointer, keyword),
                std::string(keyword) + " must be a string matching ^[A-Za-z_][-A-Za-z0-9._]*$");
      }
      const std::string name(anchor.get_string().value_unsafe());
      anchors_.emplace(std::to_string(resource) + "#" + name, key);
      if (keyword == "$dynamicAnchor") resources_[resource].dynamic_anchors.emplace(name, pointer);
    }
  }
  scan_children(sites_[index]);
}

void DocumentSet::scan_children(const SchemaSite& site) {
  // Copies: scanning children appends to sites_, and `site` must not be read after that.
  const std::uint32_t document = site.document;
  const std::string pointer = site.pointer;
  const std::string base = site.base_uri;
  const Dialect dialect = site.dialect;
  const std::uint32_t resource = site.resource;
  const std::size_t depth = site.depth + 1;
  const bool draft7 = dialect.draft == Draft::Draft7;

  auto scan_one = [&](std::string_view keyword, element child) {
    scan(document, child, child_pointer(pointer, keyword), base, dialect, resource, depth);
  };
  auto scan_map = [&](std::string_view keyword, element map, bool schemas_only) {
    if (!map.is_object()) return;
    const std::string map_pointer = child_pointer(pointer, keyword);
    for (const auto field : as_object(map)) {
      if (schemas_only && !field.value.is_object() && !field.value.is_bool()) continue;
      scan(document, field.value, child_pointer(map_pointer, field.key), base, dialect, resource,
           depth);
    }
  };
  auto scan_array = [&](std::string_view keyword, element list) {
    if (!list.is_array()) return;
    const std::string list_pointer = child_pointer(pointer, keyword);
    std::size_t i = 0;
    for (const element item : as_array(list)) {
      std::string item_pointer = list_pointer;
      append_pointer_index(item_pointer, i++);
      scan(document, item, std::move(item_pointer), base, dialect, resource, depth);
    }
  };

  for (const auto field : as_object(site.value)) {
    const std::string_view k = field.key;
    if (draft7) {
      if (k == "definitions" || k == "properties" || k == "patternProperties") {
        scan_map(k, field.value, false);
      } else if (k == "dependencies") {
        scan_map(k, field.value, true);
      } else if (k == "items") {
        if (field.value.is_array()) {
          scan_array(k, field.value);
        } else {
          scan_one(k, field.value);
        }
      } else if (k == "additionalItems" || k == "additionalProperties" || k == "propertyNames" ||
                 k == "contains" || k == "if" || k == "then" || k == "else" || k == "not") {
        scan_one(k, field.value);
      } else if (k == "allOf" || k == "anyOf" || k == "oneOf") {
        scan_array(k, field.value);
      }
      continue;
    }
    if (k == "$defs" || k == "definitions" || k == "properties" || k == "patternProperties" ||
        k == "dependentSchemas") {
      scan_map(k, field.value, false);
    } else if (k == "additionalProperties" || k == "propertyNames" || k == "items" ||
               k == "contains" || k == "if" || k == "then" || k == "else" || k == "not" ||
               k == "unevaluatedItems" || k == "unevaluatedProperties" || k == "contentSchema") {
      scan_one(k, field.value);
    } else if (k == "allOf" || k == "anyOf" || k == "oneOf" || k == "prefixItems") {
      scan_array(k, field.value);
    }
  }
}

const SchemaSite* DocumentSet::site_at(std::uint32_t document, const std::string& pointer) {
  if (const auto it = site_index_.find(site_key(document, pointer)); it != site_index_.end()) {
    return &sites_[it->second];
  }
  const auto tokens = split_pointer(pointer);
  if (!tokens) return nullptr;
  const auto value = follow_pointer(documents_[document].root, *tokens);
  if (!value) return nullptr;
  // Inherit base URI, dialect and resource from the nearest enclosing known subschema.
  const SchemaSite* ancestor = nullptr;
  for (std::size_t n = tokens->size(); n-- > 0 && ancestor == nullptr;) {
    const auto it =
        site_index_.find(site_key(document, join_pointer(std::span(tokens->data(), n))));
    if (it != site_index_.end()) ancestor = &sites_[it->second];
  }
  if (ancestor == nullptr) return nullptr;
  scan(document, *value, pointer, ancestor->base_uri, ancestor->dialect, ancestor->resource,
       ancestor->depth + 1);
  return &sites_[site_index_.at(site_key(document, pointer))];
}

const SchemaSite& DocumentSet::resolve(std::string_view uri, const SchemaSite& from,
                                       std::string_view keyword) {
  const auto parts = split_fragment(uri);
  const std::string document_uri(parts.document);
  auto it = resources_by_uri_.find(document_uri);
  if (it == resources_by_uri_.end()) {
    load(document_uri, from.dialect, &from, keyword);
    it = resources_by_uri_.find(document_uri);
    if (it == resources_by_uri_.end()) {
      fail(from, keyword, "cannot resolve \"" + display_uri(uri) + "\"");
    }
  }
  const std::uint32_t resource_id = it->second;
  const auto fragment = percent_decode(parts.fragment);
  if (!fragment) fail(from, keyword, "invalid percent-encoding in \"" + std::string(uri) + "\"");
  const SchemaResource& resource = resources_[resource_id];
  if (fragment->empty()) return *site_at(resource.document, resource.pointer);
  if (fragment->front() == '/') {
    const auto tokens = split_pointer(*fragment);
    if (!tokens) fail(from, keyword, "invalid JSON pointer in \"" + display_uri(uri) + "\"");
    const std::uint32_t document = resource.document;
    const std::string pointer = resource.pointer + join_pointer(*tokens);
    const SchemaSite* site = site_at(document, pointer);
    if (site == nullptr) fail(from, keyword, "\"" + display_uri(uri) + "\" does not exist");
    return *site;
  }
  const auto anchor = anchors_.find(std::to_string(resource_id) + "#" + *fragment);
  if (anchor == anchors_.end()) {
    fail(from, keyword,
         "no anchor named \"" + *fragment + "\" in \"" + display_uri(parts.document) + "\"");
  }
  return sites_[site_index_.at(anchor->second)];
}

std::vector<const SchemaSite*> DocumentSet::sites_of(std::uint32_t document) const {
  std::vector<const SchemaSite*> out;
  for (const auto& site : sites_) {
    if (site.document == document) out.push_back(&site);
  }
  return out;
}

std::vector<std::unique_ptr<simdjson::dom::document>> DocumentSet::take_documents() {
  std::vector<std::unique_ptr<simdjson::dom::document>> out;
  for (auto& d : documents_) out.push_back(std::move(d.dom));
  return out;
}

}  // namespace accord::jsonschema::detail
