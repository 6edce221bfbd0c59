#include "registry/compat/schema_set.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "registry/compat/json_pointer.hpp"
#include "registry/compat/schema_keywords.hpp"

namespace accord::compat {

namespace {

std::string_view without_fragment(std::string_view uri) {
  return uri.substr(0, uri.find('#'));
}

bool has_scheme(std::string_view uri) {
  const auto colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    const char c = uri[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool other = (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
    if (!letter && !(i > 0 && other)) return false;
  }
  return true;
}

bool is_legacy_draft(const boost::json::value& root) {
  const auto* object = root.if_object();
  const auto* schema = object ? object->if_contains("$schema") : nullptr;
  if (!schema || !schema->is_string()) return false;
  const std::string_view uri = schema->get_string();
  for (std::string_view draft : {"draft-03", "draft-04", "draft-06", "draft-07"}) {
    if (uri.find(draft) != std::string_view::npos) return true;
  }
  return false;
}

const boost::json::string* string_member(const boost::json::value& schema, std::string_view key) {
  const auto* object = schema.if_object();
  const auto* member = object ? object->if_contains(key) : nullptr;
  return member ? member->if_string() : nullptr;
}

}  // namespace

std::string resolve_uri(std::string_view base, std::string_view reference) {
  reference = without_fragment(reference);
  base = without_fragment(base);
  if (reference.empty()) return std::string(base);
  if (base.empty() || has_scheme(reference)) return std::string(reference);
  if (has_scheme(base)) {
    auto parsed_base = boost::urls::parse_uri(base);
    auto parsed_reference = boost::urls::parse_uri_reference(reference);
    if (parsed_base && parsed_reference) {
      boost::urls::url resolved;
      if (boost::urls::resolve(*parsed_base, *parsed_reference, resolved)) {
        resolved.remove_fragment();
        return std::string(resolved.buffer());
      }
    }
    return std::string(reference);
  }
  // A relative base such as "sensor.json": keep its directory part.
  if (reference.front() == '/') return std::string(reference);
  const auto slash = base.rfind('/');
  if (slash == std::string_view::npos) return std::string(reference);
  return std::string(base.substr(0, slash + 1)) + std::string(reference);
}

SchemaSet::SchemaSet(JsonRefLoader loader) : loader_(std::move(loader)) {}

Resource& SchemaSet::new_resource(std::string base_uri, const Document& document,
                                  const boost::json::value& root, std::string pointer) {
  Resource& resource = resources_.emplace_back();
  resource.base_uri = std::move(base_uri);
  resource.document = &document;
  resource.root = &root;
  resource.root_pointer = std::move(pointer);
  by_schema_[&root] = &resource;
  if (!resource.base_uri.empty())
    by_uri_.emplace(std::pair(&document, resource.base_uri), &resource);
  return resource;
}

const Document& SchemaSet::new_document(const boost::json::value& root, std::string label,
                                        std::string base_uri) {
  Document& document = documents_.emplace_back();
  document.label = std::move(label);
  document.ref_overrides_siblings = is_legacy_draft(root);
  document.root = &root;
  if (const auto* id = string_member(root, "$id"); id && !id->starts_with("#")) {
    base_uri = resolve_uri(base_uri, *id);
  }
  Resource& resource = new_resource(std::move(base_uri), document, root, "");
  index(root, &resource, "");
  return document;
}

Node SchemaSet::add_document(const boost::json::value& root) {
  new_document(root, "", "");
  return Node{&root, by_schema_.at(&root), ""};
}

void SchemaSet::index(const boost::json::value& schema, Resource* resource,
                      const std::string& pointer) {
  const auto* object = schema.if_object();
  if (!object) return;
  if (const auto* id = string_member(schema, "$id")) {
    if (id->starts_with("#")) {
      // draft-07 spelling of an anchor.
      resource->anchors.emplace(std::string(id->subview(1)), AnchorTarget{&schema, pointer});
    } else if (resource->root != &schema) {
      resource =
          &new_resource(resolve_uri(resource->base_uri, *id), *resource->document, schema, pointer);
    }
  }
  for (std::string_view anchor_keyword : {"$anchor", "$dynamicAnchor"}) {
    if (const auto* anchor = string_member(schema, anchor_keyword)) {
      resource->anchors.emplace(std::string(*anchor), AnchorTarget{&schema, pointer});
    }
  }
  for (const auto& member : *object) {
    const std::string here = pointer + "/" + escape_pointer_token(member.key());
    const auto& value = member.value();
    switch (keyword_shape(member.key())) {
      case KeywordShape::kSchema:
        index(value, resource, here);
        break;
      case KeywordShape::kSchemaOrSchemaArray:
      case KeywordShape::kSchemaArray:
        if (const auto* array = value.if_array()) {
          for (std::size_t i = 0; i < array->size(); ++i) {
            index((*array)[i], resource, here + "/" + std::to_string(i));
          }
        } else {
          index(value, resource, here);
        }
        break;
      case KeywordShape::kSchemaMap:
      case KeywordShape::kSchemaOrStringArray:
        if (const auto* map = value.if_object()) {
          for (const auto& entry : *map) {
            index(entry.value(), resource, here + "/" + escape_pointer_token(entry.key()));
          }
        }
        break;
      case KeywordShape::kValue:
        break;
    }
  }
}

const Resource* SchemaSet::resource_for(const boost::json::value& schema,
                                        const Resource* fallback) const {
  const auto found = by_schema_.find(&schema);
  return found == by_schema_.end() ? fallback : found->second;
}

Node SchemaSet::child(const Node& parent, std::string_view name) const {
  const auto& value = parent.schema->as_object().at(name);
  return Node{&value, resource_for(value, parent.resource),
              parent.pointer + "/" + escape_pointer_token(name)};
}

Node SchemaSet::child(const Node& parent, std::string_view keyword, std::string_view name) const {
  const auto& value = parent.schema->as_object().at(keyword).as_object().at(name);
  return Node{
      &value, resource_for(value, parent.resource),
      parent.pointer + "/" + escape_pointer_token(keyword) + "/" + escape_pointer_token(name)};
}

Node SchemaSet::child(const Node& parent, std::string_view keyword, std::size_t index) const {
  const auto& value = parent.schema->as_object().at(keyword).as_array().at(index);
  return Node{&value, resource_for(value, parent.resource),
              parent.pointer + "/" + escape_pointer_token(keyword) + "/" + std::to_string(index)};
}

Node SchemaSet::without_reference_wrappers(const Node& node) {
  Node current = node;
  // A chain longer than this is a loop of bare references.
  for (int hop = 0; hop < 32 && is_reference_only(current); ++hop) {
    const RefLookup ref = ref_of(current);
    if (!ref.target) break;
    current = *ref.target;
  }
  return current;
}

bool SchemaSet::ref_overrides_siblings(const Node& node) {
  return node.resource && node.resource->document->ref_overrides_siblings;
}

std::optional<std::string_view> SchemaSet::reference_text(const Node& node) {
  for (std::string_view name : {"$ref", "$dynamicRef", "$recursiveRef"}) {
    if (const auto* reference = string_member(*node.schema, name)) return *reference;
  }
  return std::nullopt;
}

RefLookup SchemaSet::ref_of(const Node& node) {
  RefLookup lookup;
  if (const auto text = reference_text(node)) {
    lookup.present = true;
    lookup.text = std::string(*text);
    lookup.target = resolve(node, lookup.text);
  }
  return lookup;
}

const Resource* SchemaSet::find_or_load(const Document& from, std::string_view as_written,
                                        const std::string& absolute) {
  if (const auto own = by_uri_.find(std::pair(&from, absolute)); own != by_uri_.end()) {
    return own->second;
  }
  for (std::string_view key : {as_written, std::string_view(absolute)}) {
    if (const auto cached = loaded_.find(key); cached != loaded_.end() && cached->second) {
      return cached->second;
    }
  }
  if (!loader_) return nullptr;
  const boost::json::value* root = nullptr;
  if (!loaded_.contains(as_written)) root = loader_(as_written);
  if (!root && absolute != as_written && !loaded_.contains(absolute)) root = loader_(absolute);
  if (!root) {
    loaded_.emplace(std::string(as_written), nullptr);
    loaded_.emplace(absolute, nullptr);
    return nullptr;
  }
  new_document(*root, absolute, absolute);
  const Resource* resource = by_schema_.at(root);
  loaded_[std::string(as_written)] = resource;
  loaded_[absolute] = resource;
  return resource;
}

std::optional<Node> SchemaSet::resolve(const Node& at, std::string_view reference) {
  const auto hash = reference.find('#');
  const std::string_view uri = reference.substr(0, hash);
  const std::string fragment =
      hash == std::string_view::npos ? std::string() : percent_decode(reference.substr(hash + 1));

  const Resource* resource = at.resource;
  if (!uri.empty()) {
    if (!at.resource) return std::nullopt;
    resource = find_or_load(*at.resource->document, uri, resolve_uri(at.resource->base_uri, uri));
  }
  if (!resource) return std::nullopt;

  if (fragment.empty()) return Node{resource->root, resource, resource->root_pointer};
  if (fragment.front() != '/') {
    const auto anchor = resource->anchors.find(fragment);
    if (anchor == resource->anchors.end()) return std::nullopt;
    return Node{anchor->second.schema, resource_for(*anchor->second.schema, resource),
                anchor->second.pointer};
  }
  const auto tokens = split_pointer(fragment);
  if (!tokens) return std::nullopt;
  Node node{resource->root, resource, resource->root_pointer};
  for (const auto& token : *tokens) {
    const auto* next = step_into(*node.schema, token);
    if (!next) return std::nullopt;
    node.schema = next;
    node.resource = resource_for(*next, node.resource);
    node.pointer += "/" + escape_pointer_token(token);
  }
  return node;
}

Node SchemaSet::synthetic(const boost::json::value& schema) {
  if (!synthetic_) {
    static const boost::json::value empty_document = boost::json::object();
    const Document& document = new_document(empty_document, "(implied)", "");
    synthetic_ = by_schema_.at(document.root);
  }
  return Node{&schema, synthetic_, ""};
}

}  // namespace accord::compat
