// JSON event format (application/cloudevents+json), structured content mode.
#include "registry/cloudevents/cloudevents.hpp"
#include "registry/cloudevents/rules.hpp"

#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <set>

namespace accord::cloudevents {
namespace {

using detail::add;
using detail::shown;
namespace dom = simdjson::dom;

constexpr std::int64_t kIntMin = std::numeric_limits<std::int32_t>::min();
constexpr std::int64_t kIntMax = std::numeric_limits<std::int32_t>::max();

// An extension's JSON value in its canonical string form, or a violation. The JSON format maps
// String, Integer and Boolean to JSON string, number and boolean; there is no object or array
// type in the type system, and the Integer type is signed 32-bit.
void read_extension(const std::string& name, dom::element value, Event& event,
                    std::vector<Violation>& out) {
  switch (value.type()) {
    case dom::element_type::STRING:
      event.extensions[name] = std::string(std::string_view(value.get_string().value_unsafe()));
      return;
    case dom::element_type::BOOL:
      event.extensions[name] = value.get_bool().value_unsafe() ? "true" : "false";
      return;
    case dom::element_type::INT64: {
      std::int64_t v = value.get_int64().value_unsafe();
      if (v < kIntMin || v > kIntMax) break;
      event.extensions[name] = std::to_string(v);
      return;
    }
    case dom::element_type::UINT64:
      break;  // above int64, so certainly above Integer's range
    case dom::element_type::DOUBLE: {
      // 3.0 or 1e3 are still integers; 1.5 is not representable in the type system.
      double d = value.get_double().value_unsafe();
      if (std::trunc(d) != d) {
        add(out, name, "type", "extension " + name + " is a non-integral number; the type system has only Integer");
        return;
      }
      if (d < static_cast<double>(kIntMin) || d > static_cast<double>(kIntMax)) break;
      event.extensions[name] = std::to_string(static_cast<std::int64_t>(d));
      return;
    }
    case dom::element_type::NULL_VALUE:
      return;  // null means the attribute is absent
    case dom::element_type::ARRAY:
    case dom::element_type::OBJECT:
      add(out, name, "type", "extension " + name + " must be a string, number or boolean, not an " +
                                 (value.type() == dom::element_type::ARRAY ? "array" : "object"));
      return;
  }
  add(out, name, "Integer", "extension " + name + " " + simdjson::minify(value) +
                                " is outside the Integer range -2147483648..2147483647");
}

}  // namespace

ParseResult parse_structured_json(std::string_view payload) {
  ParseResult result;
  auto& out = result.violations;
  dom::parser parser;  // per call: dom::parser is not thread-safe to share
  dom::element root;
  if (auto err = parser.parse(payload.data(), payload.size()).get(root)) {
    add(out, "", "syntax", std::string("not valid JSON: ") + simdjson::error_message(err));
    return result;
  }
  dom::object object;
  if (root.get_object().get(object)) {
    add(out, "", "syntax", "a structured CloudEvent must be a JSON object");
    return result;
  }
  std::set<std::string> seen;
  std::optional<std::string> data_base64;
  for (auto field : object) {
    std::string name(field.key);
    if (!seen.insert(name).second) {
      add(out, name, "duplicate", "member " + shown(name) + " appears more than once");
      continue;
    }
    dom::element value = field.value;
    if (name == "data") {
      if (!value.is_null()) result.event.data_json = simdjson::minify(value);
      continue;
    }
    if (name == "data_base64") {
      if (value.is_null()) continue;
      if (!value.is_string()) {
        add(out, name, "type", "data_base64 must be a string");
        continue;
      }
      data_base64 = std::string(std::string_view(value.get_string().value_unsafe()));
      continue;
    }
    if (detail::is_core_attribute(name)) {
      // Every context attribute the spec defines is a String, URI, URI-reference or
      // Timestamp, all of which the JSON format encodes as JSON strings.
      if (value.is_null()) continue;
      if (!value.is_string()) {
        add(out, name, "type", name + " must be a JSON string");
        continue;
      }
      detail::set_attribute(result.event, name,
                            std::string(std::string_view(value.get_string().value_unsafe())));
      continue;
    }
    read_extension(name, value, result.event, out);
  }
  if (data_base64) {
    if (result.event.data_json) {
      add(out, "data", "exclusive", "data and data_base64 are mutually exclusive");
    } else if (auto bytes = detail::decode_base64(*data_base64)) {
      result.event.data_bytes = std::move(*bytes);
    } else {
      add(out, "data_base64", "base64", "data_base64 is not valid base64 (RFC 4648)");
    }
  }
  detail::check_event(result.event, out);
  return result;
}

}  // namespace accord::cloudevents
