// The schemas one check can reach: the reader and writer documents and any document the ref
// loader returns. Indexes $id and $anchor so that $ref resolves the way a validator resolves it
// (local JSON pointers, anchors, $id-relative URIs, other registered schemas).
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "registry/compat/json_schema_compat.hpp"
#include "registry/compat/schema_node.hpp"

namespace accord::compat {

// A node's $ref (or $dynamicRef / $recursiveRef, read statically) and where it leads.
struct RefLookup {
  bool present = false;
  std::string text;            // the reference as written
  std::optional<Node> target;  // nullopt when it resolves nowhere
};

class SchemaSet {
 public:
  explicit SchemaSet(JsonRefLoader loader);
  SchemaSet(const SchemaSet&) = delete;
  SchemaSet& operator=(const SchemaSet&) = delete;

  // Registers the reader or writer document (paths inside it are plain pointers).
  Node add_document(const boost::json::value& root);

  // parent.schema[name]; parent must hold it.
  Node child(const Node& parent, std::string_view name) const;
  // parent.schema[keyword][name] for map keywords (properties, $defs...).
  Node child(const Node& parent, std::string_view keyword, std::string_view name) const;
  // parent.schema[keyword][index] for array keywords (allOf, prefixItems...).
  Node child(const Node& parent, std::string_view keyword, std::size_t index) const;

  RefLookup ref_of(const Node& node);
  // The reference as written, without resolving (or loading) anything.
  static std::optional<std::string_view> reference_text(const Node& node);
  std::optional<Node> resolve(const Node& at, std::string_view reference);

  // Follows nodes that hold nothing but a resolvable $ref to what they finally point to.
  Node without_reference_wrappers(const Node& node);

  // True when this node's document is draft-07 or older, where $ref hides its siblings.
  static bool ref_overrides_siblings(const Node& node);

  // A node for a schema the checker makes up itself ({"type": "string"} for property names).
  // `schema` must be a static value; it may not contain $ref.
  Node synthetic(const boost::json::value& schema);

 private:
  Resource& new_resource(std::string base_uri, const Document& document,
                         const boost::json::value& root, std::string pointer);
  const Document& new_document(const boost::json::value& root, std::string label,
                               std::string base_uri);
  void index(const boost::json::value& schema, Resource* resource, const std::string& pointer);
  const Resource* resource_for(const boost::json::value& schema, const Resource* fallback) const;
  const Resource* find_or_load(const Document& from, std::string_view as_written,
                               const std::string& absolute);

  JsonRefLoader loader_;
  std::deque<Document> documents_;
  std::deque<Resource> resources_;
  // $id URIs, per document: the reader and writer usually share their $id, and each must
  // resolve its references within itself.
  std::map<std::pair<const Document*, std::string>, const Resource*, std::less<>> by_uri_;
  std::unordered_map<const boost::json::value*, const Resource*> by_schema_;  // nodes with $id
  std::map<std::string, const Resource*, std::less<>> loaded_;  // loader answers, misses too
  const Resource* synthetic_ = nullptr;
};

// RFC 3986 reference resolution, fragment dropped. Relative bases (an "$id": "sensor.json" with
// no scheme) are joined by path; an empty base leaves the reference as it is.
std::string resolve_uri(std::string_view base, std::string_view reference);

}  // namespace accord::compat
