// JSON Schema as a registry format: registry/jsonschema validates, registry/compat compares.
#include <boost/json.hpp>

#include <map>

#include "registry/compat/json_schema_compat.hpp"
#include "registry/core/canonical_json.hpp"
#include "registry/core/schema_format.hpp"
#include "registry/jsonschema/jsonschema.hpp"

namespace accord::registry {

namespace json = boost::json;

namespace {

// A reference is named as the schema's $ref spells it ("address.json") or by its absolute URI;
// the validator resolves $refs against the schema's base URI first, so accept both spellings.
template <class Map>
auto find_reference(const Map& refs, std::string_view uri) -> decltype(&refs.begin()->second) {
  if (auto it = refs.find(std::string(uri)); it != refs.end()) return &it->second;
  for (const auto& [name, value] : refs) {
    if (uri.size() > name.size() && uri.substr(uri.size() - name.size()) == name &&
        uri[uri.size() - name.size() - 1] == '/')
      return &value;
  }
  return nullptr;
}

class JsonSchemaFormat final : public ParsedSchema {
 public:
  JsonSchemaFormat(json::value root, std::map<std::string, json::value> refs,
                   std::shared_ptr<const jsonschema::Schema> validator)
      : root_(std::move(root)),
        refs_(std::move(refs)),
        validator_(std::move(validator)),
        canonical_(canonical_json(root_)) {}

  SchemaType type() const override { return SchemaType::Json; }
  const std::string& canonical() const override { return canonical_; }

  // Reader/writer semantics need no history: `newer` changes nothing for JSON Schema.
  compat::Incompatibilities can_read(const ParsedSchema& writer, Newer) const override {
    const auto* w = dynamic_cast<const JsonSchemaFormat*>(&writer);
    if (!w)
      return {{"", "SCHEMA_TYPE_CHANGED",
               std::string("the other version is a ") + to_string(writer.type()) +
                   " schema; a JSON Schema consumer cannot read it"}};
    // $refs to other registered schemas resolve in the document that holds them: the reader's
    // references for the reader's side, the writer's for the writer's.
    auto loader = [this, w](std::string_view uri) -> const json::value* {
      if (auto* v = find_reference(refs_, uri)) return v;
      return find_reference(w->refs_, uri);
    };
    return compat::check_json_schema(root_, w->root_, loader);
  }

  bool is_valid(std::string_view payload, bool) const override {
    return validator_->is_valid(payload);
  }

  std::vector<PayloadError> validate(std::string_view payload, bool,
                                     std::size_t max_errors) const override {
    std::vector<PayloadError> out;
    for (auto& e : validator_->validate(payload, max_errors))
      out.push_back({std::move(e.instance_location), std::move(e.keyword_location),
                     std::move(e.message)});
    return out;
  }

  json::value structure() const override { return root_; }

 private:
  json::value root_;
  std::map<std::string, json::value> refs_;
  std::shared_ptr<const jsonschema::Schema> validator_;
  std::string canonical_;
};



// Boost.JSON stops at 32 levels by default; a schema nests two JSON levels per subschema
// ("properties", then the property's schema), and the validator allows 256 subschema levels.
constexpr std::size_t kMaxSchemaJsonDepth = 2 * 256 + 16;

json::value parse_deep(std::string_view text, boost::system::error_code& ec) {
  json::parse_options o;
  o.max_depth = kMaxSchemaJsonDepth;
  return json::parse(text, ec, {}, o);
}

}  // namespace

ParseOutcome parse_json_schema(std::string_view text, const std::vector<ResolvedReference>& refs,
                               const FormatOptions& options) {
  boost::system::error_code ec;
  json::value root = parse_deep(text, ec);
  if (ec) return {nullptr, "invalid JSON: " + ec.message()};
  if (!root.is_object() && !root.is_bool())
    return {nullptr, "a JSON Schema must be an object or a boolean"};

  std::map<std::string, json::value> parsed_refs;
  std::map<std::string, std::string> ref_texts;
  for (const auto& r : refs) {
    if (r.type != SchemaType::Json)
      return {nullptr, "reference '" + r.name + "' is a " + to_string(r.type) +
                           " schema; a JSON Schema can only reference JSON schemas"};
    auto v = parse_deep(r.text, ec);
    if (ec) return {nullptr, "reference '" + r.name + "' is not valid JSON"};
    parsed_refs.emplace(r.name, std::move(v));
    ref_texts.emplace(r.name, r.text);
  }

  jsonschema::Options o;
  o.format_assertion = options.json_format_assertion;
  o.resolver = [ref_texts](std::string_view uri) -> std::optional<std::string> {
    if (auto* t = find_reference(ref_texts, uri)) return *t;
    return std::nullopt;
  };
  auto compiled = jsonschema::Schema::compile(text, o);
  if (auto* err = std::get_if<jsonschema::CompileError>(&compiled)) {
    std::string where = err->schema_location.empty() ? "" : " at " + err->schema_location;
    return {nullptr, "invalid JSON Schema" + where + ": " + err->message};
  }
  return {std::make_shared<JsonSchemaFormat>(
              std::move(root), std::move(parsed_refs),
              std::get<std::shared_ptr<const jsonschema::Schema>>(std::move(compiled))),
          {}};
}

}  // namespace accord::registry
