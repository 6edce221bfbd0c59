// A subschema together with what is needed to read it: the document and base URI its $refs
// resolve against, and its JSON pointer for reports. Nodes point into JSON values owned by the
// caller of check_json_schema (or by the ref loader), which outlive the check.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace accord::compat {

struct Document {
  // "" for the reader and writer documents (their paths are plain pointers); for a document
  // reached through the ref loader, the URI it was loaded by (paths become "<uri>#<pointer>").
  std::string label;
  // draft-04/06/07: a $ref replaces its sibling keywords. 2019-09/2020-12 (and documents that do
  // not say): $ref is one more constraint next to its siblings.
  bool ref_overrides_siblings = false;
  const boost::json::value* root = nullptr;
};

struct AnchorTarget {
  const boost::json::value* schema = nullptr;
  std::string pointer;
};

// A schema resource: a document root or a subschema with its own $id.
struct Resource {
  std::string base_uri;  // "" when nothing gave the document a URI
  const Document* document = nullptr;
  const boost::json::value* root = nullptr;
  std::string root_pointer;
  std::map<std::string, AnchorTarget, std::less<>> anchors;  // $anchor and draft-07 "$id": "#x"
};

struct Node {
  const boost::json::value* schema = nullptr;
  const Resource* resource = nullptr;
  std::string pointer;  // where `schema` sits in its document
  // Writer side only: combinators of this node already split into alternatives (see WriterSet).
  unsigned split = 0;

  static constexpr unsigned kSplitAnyOf = 1;
  static constexpr unsigned kSplitOneOf = 2;
  static constexpr unsigned kSplitIf = 4;
};

// The value of `keyword` when the node is an object schema holding it; nullptr otherwise.
const boost::json::value* keyword(const Node& node, std::string_view name);
std::optional<double> number_keyword(const Node& node, std::string_view name);

// `true`, or an object schema with no constraint keyword (only annotations or unknown words).
bool accepts_everything(const Node& node);
bool is_false_schema(const Node& node);
// An object schema whose only constraint is its $ref (or $dynamicRef / $recursiveRef): it
// accepts exactly what its target accepts.
bool is_reference_only(const Node& node);

// What a report calls this place: the pointer, prefixed by "<uri>#" outside the two documents.
std::string location(const Node& node, std::string_view suffix = {});

}  // namespace accord::compat
