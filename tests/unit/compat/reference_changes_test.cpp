// Change cases for $ref: local pointers (with escaping), $defs vs definitions, $id-relative
// and $anchor references, other registered schemas through the loader, recursive schemas, and
// the draft-07 rule that $ref hides its siblings.
#include "tests/unit/compat/change_case.hpp"

namespace accord::compat::testing {

namespace {

std::string tree(const char* value_type) {
  return std::string(R"j({"$ref": "#/$defs/node", "$defs": {"node": {"type": "object",
      "required": ["value"],
      "properties": {"value": {"type": ")j") +
         value_type + R"j("},
                     "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}}})j";
}

std::string site(const char* temp_type) {
  return std::string(R"j({"$ref": "#/$defs/zone", "$defs": {
      "zone": {"type": "object", "properties": {
          "devices": {"type": "array", "items": {"$ref": "#/$defs/device"}},
          "subzones": {"type": "array", "items": {"$ref": "#/$defs/zone"}}}},
      "device": {"type": "object", "properties": {
          "zone": {"$ref": "#/$defs/zone"}, "temp": {"type": ")j") +
         temp_type + R"j("}}}}})j";
}

}  // namespace

const std::vector<ChangeCase>& reference_cases() {
  static const std::vector<ChangeCase> cases = {
      {"definitions_renamed_to_defs",
       R"j({"$schema": "http://json-schema.org/draft-07/schema#",
            "definitions": {"reading": {"type": "object", "properties": {"temp": {"type": "number"}}}},
            "properties": {"current": {"$ref": "#/definitions/reading"}}})j",
       R"j({"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": {"measurement": {"type": "object", "properties": {"temp": {"type": "number"}}}},
            "properties": {"current": {"$ref": "#/$defs/measurement"}}})j",
       compatible(), compatible()},

      {"referenced_definition_changed",
       R"j({"$defs": {"reading": {"type": "object", "properties": {"temp": {"type": "number"}}}},
            "properties": {"current": {"$ref": "#/$defs/reading"}}})j",
       R"j({"$defs": {"reading": {"type": "object", "properties": {"temp": {"type": "string"}}}},
            "properties": {"current": {"$ref": "#/$defs/reading"}}})j",
       breaks("TYPE_CHANGED", "/$defs/reading/properties/temp/type"),
       breaks("TYPE_CHANGED", "/$defs/reading/properties/temp/type")},

      {"inline_schema_moved_behind_ref",
       R"j({"properties": {"temp": {"type": "number", "minimum": -40}}})j",
       R"j({"$defs": {"celsius": {"type": "number", "minimum": -40}},
            "properties": {"temp": {"$ref": "#/$defs/celsius"}}})j",
       compatible(), compatible()},

      {"escaped_and_percent_encoded_pointers",
       R"j({"$defs": {"temp/celsius": {"type": "number"}},
            "properties": {"temp": {"$ref": "#/$defs/temp~1celsius"}}})j",
       R"j({"$defs": {"temp/celsius": {"type": "integer"}},
            "properties": {"temp": {"$ref": "#/%24defs/temp~1celsius"}}})j",
       breaks("TYPE_NARROWED", "/$defs/temp~1celsius/type"), compatible()},

      {"id_relative_ref_to_embedded_resource",
       R"j({"$id": "https://accord.example/schemas/thermostat.json",
            "$defs": {"unit": {"$id": "unit.json", "enum": ["C", "F"]}},
            "properties": {"unit": {"$ref": "unit.json"}}})j",
       R"j({"$id": "https://accord.example/schemas/thermostat.json",
            "$defs": {"unit": {"$id": "unit.json", "enum": ["C"]}},
            "properties": {"unit": {"$ref": "https://accord.example/schemas/unit.json"}}})j",
       breaks("ENUM_NARROWED", "/$defs/unit/enum"), compatible()},

      {"anchor_ref",
       R"j({"$defs": {"mode": {"$anchor": "mode", "enum": ["eco", "comfort"]}},
            "properties": {"mode": {"$ref": "#mode"}}})j",
       R"j({"$defs": {"mode": {"$anchor": "mode", "enum": ["eco", "comfort", "boost"]}},
            "properties": {"mode": {"$ref": "#mode"}}})j",
       compatible(), breaks("ENUM_NARROWED", "/$defs/mode/enum")},

      {"external_ref_to_stricter_registered_schema",
       R"j({"type": "object", "properties": {"location": {"$ref": "geo.json"}}})j",
       R"j({"type": "object", "properties": {"location": {"$ref": "geo-v2.json"}}})j",
       breaks("REQUIRED_ADDED", "geo-v2.json#/required/0"),
       compatible(),
       {{"geo.json",
         R"j({"type": "object", "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}})j"},
        {"geo-v2.json",
         R"j({"type": "object", "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
                             "required": ["lat", "lon"]})j"}}},

      {"external_ref_resolved_against_id",
       R"j({"$id": "https://accord.example/schemas/reading.json",
            "properties": {"location": {"$ref": "geo/1.json"}}})j",
       R"j({"$id": "https://accord.example/schemas/reading.json",
            "properties": {"location": {"$ref": "geo/2.json"}}})j",
       breaks("TYPE_CHANGED", "https://accord.example/schemas/geo/2.json#/properties/lat/type"),
       breaks("TYPE_CHANGED", "https://accord.example/schemas/geo/1.json#/properties/lat/type"),
       {{"https://accord.example/schemas/geo/1.json",
         R"j({"properties": {"lat": {"type": "number"}}})j"},
        {"https://accord.example/schemas/geo/2.json",
         R"j({"properties": {"lat": {"type": "string"}}})j"}}},

      {"unresolvable_external_ref", R"j({"properties": {"location": {"type": "object"}}})j",
       R"j({"properties": {"location": {"$ref": "missing.json"}}})j",
       breaks("UNRESOLVED_REF", "/properties/location/$ref"),
       breaks("TYPE_NARROWED", "/properties/location/type")},

      {"recursive_tree_value_widened", tree("integer"), tree("number"), compatible(),
       breaks("TYPE_NARROWED", "/$defs/node/properties/value/type")},

      {"recursive_root_ref_gains_required",
       R"j({"type": "object", "properties": {"name": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#"}}}})j",
       R"j({"type": "object", "required": ["name"], "properties": {"name": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#"}}}})j",
       breaks("REQUIRED_ADDED", "/required/0"), compatible()},

      {"mutually_recursive_site_model", site("integer"), site("number"), compatible(),
       breaks("TYPE_NARROWED", "/$defs/device/properties/temp/type")},

      {"draft07_ref_hides_its_siblings",
       R"j({"$schema": "http://json-schema.org/draft-07/schema#",
            "definitions": {"celsius": {"type": "number"}},
            "properties": {"temp": {"$ref": "#/definitions/celsius", "type": "string"}}})j",
       R"j({"$schema": "http://json-schema.org/draft-07/schema#",
            "definitions": {"celsius": {"type": "number"}},
            "properties": {"temp": {"$ref": "#/definitions/celsius"}}})j",
       compatible(), compatible()},

      {"ref_siblings_apply_in_2020_12",
       R"j({"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": {"celsius": {"type": "number"}},
            "properties": {"temp": {"$ref": "#/$defs/celsius", "minimum": -40}}})j",
       R"j({"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": {"celsius": {"type": "number"}},
            "properties": {"temp": {"$ref": "#/$defs/celsius"}}})j",
       compatible(), breaks("MINIMUM_ADDED", "/properties/temp/minimum")},
  };
  return cases;
}

INSTANTIATE_TEST_SUITE_P(References, SchemaChange, ::testing::ValuesIn(reference_cases()),
                         case_name);

}  // namespace accord::compat::testing
