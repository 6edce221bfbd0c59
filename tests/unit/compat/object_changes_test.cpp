// Change cases for objects: open and closed content models, required, patternProperties,
// propertyNames, property counts and dependencies (draft-07 and 2020-12 spellings).
#include "tests/unit/compat/change_case.hpp"

namespace accord::compat::testing {

const std::vector<ChangeCase>& object_cases() {
  static const std::vector<ChangeCase> cases = {
      {"optional_property_added_to_open_model",
       R"j({"type": "object", "properties": {"deviceId": {"type": "string"}, "temp": {"type": "number"}}})j",
       R"j({"type": "object", "properties": {"deviceId": {"type": "string"}, "temp": {"type": "number"},
                                             "humidity": {"type": "number"}}})j",
       breaks("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "/properties/humidity"), compatible()},

      {"optional_property_removed_from_open_model",
       R"j({"type": "object", "properties": {"deviceId": {"type": "string"}, "humidity": {"type": "number"}}})j",
       R"j({"type": "object", "properties": {"deviceId": {"type": "string"}}})j", compatible(),
       breaks("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "/properties/humidity")},

      {"unconstrained_property_added_to_open_model",
       R"j({"type": "object", "properties": {"deviceId": {"type": "string"}}})j",
       R"j({"type": "object", "properties": {"deviceId": {"type": "string"},
                                             "labels": {"description": "free-form"}}})j",
       compatible(), compatible()},

      {"optional_property_added_to_closed_model",
       R"j({"type": "object", "additionalProperties": false,
            "properties": {"deviceId": {"type": "string"}, "temp": {"type": "number"}}})j",
       R"j({"type": "object", "additionalProperties": false,
            "properties": {"deviceId": {"type": "string"}, "temp": {"type": "number"},
                           "humidity": {"type": "number"}}})j",
       compatible(), breaks("PROPERTY_NOT_ALLOWED", "/properties/humidity")},

      {"property_removed_from_closed_model",
       R"j({"type": "object", "additionalProperties": false,
            "properties": {"deviceId": {"type": "string"}, "humidity": {"type": "number"}}})j",
       R"j({"type": "object", "additionalProperties": false,
            "properties": {"deviceId": {"type": "string"}}})j",
       breaks("PROPERTY_NOT_ALLOWED", "/properties/humidity"), compatible()},

      {"content_model_closed",
       R"j({"type": "object", "properties": {"deviceId": {"type": "string"}}})j",
       R"j({"type": "object", "properties": {"deviceId": {"type": "string"}},
            "additionalProperties": false})j",
       breaks("CONTENT_MODEL_CLOSED", "/additionalProperties"), compatible()},

      {"content_model_closed_by_unevaluated_properties",
       R"j({"type": "object", "properties": {"deviceId": {"type": "string"}}})j",
       R"j({"type": "object", "properties": {"deviceId": {"type": "string"}},
            "unevaluatedProperties": false})j",
       breaks("CONTENT_MODEL_CLOSED", "/unevaluatedProperties"), compatible()},

      {"unevaluated_properties_sees_properties_from_allof_ref",
       R"j({"$defs": {"device": {"properties": {"deviceId": {"type": "string"}}}},
            "allOf": [{"$ref": "#/$defs/device"}],
            "properties": {"temp": {"type": "number"}}, "unevaluatedProperties": false})j",
       R"j({"$defs": {"device": {"properties": {"deviceId": {"type": "string"}}}},
            "allOf": [{"$ref": "#/$defs/device"}],
            "properties": {"temp": {"type": "number"}, "humidity": {"type": "number"}},
            "unevaluatedProperties": false})j",
       compatible(), breaks("PROPERTY_NOT_ALLOWED", "/properties/humidity")},

      {"reader_property_must_accept_writer_additional_schema",
       R"j({"type": "object", "properties": {"deviceId": {"type": "string"}},
            "additionalProperties": {"type": "number"}})j",
       R"j({"type": "object", "properties": {"deviceId": {"type": "string"}, "battery": {"type": "integer"}},
            "additionalProperties": {"type": "number"}})j",
       breaks("TYPE_NARROWED", "/properties/battery/type"), compatible()},

      {"additional_properties_schema_narrowed",
       R"j({"type": "object", "additionalProperties": {"type": "number"}})j",
       R"j({"type": "object", "additionalProperties": {"type": "integer"}})j",
       breaks("TYPE_NARROWED", "/additionalProperties/type"), compatible()},

      {"closed_property_moved_into_additional_schema",
       R"j({"type": "object", "properties": {"co2": {"type": "integer"}}, "additionalProperties": false})j",
       R"j({"type": "object", "additionalProperties": {"type": "number"}})j", compatible(),
       breaks("CONTENT_MODEL_CLOSED", "/additionalProperties")},

      {"unit_made_required",
       R"j({"type": "object", "properties": {"deviceId": {"type": "string"}, "unit": {"type": "string"}},
            "required": ["deviceId"]})j",
       R"j({"type": "object", "properties": {"deviceId": {"type": "string"}, "unit": {"type": "string"}},
            "required": ["deviceId", "unit"]})j",
       breaks("REQUIRED_ADDED", "/required/1"), compatible()},

      {"unit_no_longer_required",
       R"j({"type": "object", "properties": {"deviceId": {"type": "string"}, "unit": {"type": "string"}},
            "required": ["deviceId", "unit"]})j",
       R"j({"type": "object", "properties": {"deviceId": {"type": "string"}, "unit": {"type": "string"}},
            "required": ["deviceId"]})j",
       compatible(), breaks("REQUIRED_ADDED", "/required/1")},

      {"sensor_pattern_property_narrowed",
       R"j({"type": "object", "patternProperties": {"^sensor_": {"type": "number"}}})j",
       R"j({"type": "object", "patternProperties": {"^sensor_": {"type": "integer"}}})j",
       breaks("TYPE_NARROWED", "/patternProperties/^sensor_/type"), compatible()},

      {"pattern_property_added_to_open_model",
       R"j({"type": "object", "properties": {"deviceId": {"type": "string"}}})j",
       R"j({"type": "object", "properties": {"deviceId": {"type": "string"}},
            "patternProperties": {"^x-": {"type": "string"}}})j",
       breaks("TYPE_NARROWED", "/patternProperties/^x-/type"), compatible()},

      {"pattern_property_added_to_closed_model",
       R"j({"type": "object", "patternProperties": {"^s_": {"type": "number"}},
            "additionalProperties": false})j",
       R"j({"type": "object", "patternProperties": {"^s_": {"type": "number"}, "^t_": {"type": "string"}},
            "additionalProperties": false})j",
       compatible(), breaks("CONTENT_MODEL_CLOSED", "/additionalProperties")},

      {"property_names_pattern_added",
       R"j({"type": "object", "additionalProperties": {"type": "number"}})j",
       R"j({"type": "object", "additionalProperties": {"type": "number"},
            "propertyNames": {"pattern": "^[a-z_]+$"}})j",
       breaks("PATTERN_ADDED", "/propertyNames/pattern"), compatible()},

      {"property_names_rule_met_by_closed_writer",
       R"j({"type": "object", "additionalProperties": false,
            "properties": {"temp": {"type": "number"}, "humidity": {"type": "number"}}})j",
       R"j({"type": "object", "additionalProperties": false,
            "properties": {"temp": {"type": "number"}, "humidity": {"type": "number"}},
            "propertyNames": {"maxLength": 10}})j",
       compatible(), compatible()},

      {"property_names_rule_rejects_closed_writer_name",
       R"j({"type": "object", "additionalProperties": false,
            "properties": {"temp": {"type": "number"}, "relativeHumidity": {"type": "number"}}})j",
       R"j({"type": "object", "additionalProperties": false,
            "properties": {"temp": {"type": "number"}, "relativeHumidity": {"type": "number"}},
            "propertyNames": {"maxLength": 10}})j",
       breaks("PROPERTY_NAME_REJECTED", "/propertyNames/maxLength"), compatible()},

      {"min_properties_raised",
       R"j({"type": "object", "additionalProperties": {"type": "number"}, "minProperties": 1})j",
       R"j({"type": "object", "additionalProperties": {"type": "number"}, "minProperties": 2})j",
       breaks("MIN_PROPERTIES_INCREASED", "/minProperties"), compatible()},

      {"min_properties_covered_by_required",
       R"j({"type": "object", "required": ["deviceId", "temp"]})j",
       R"j({"type": "object", "required": ["deviceId", "temp"], "minProperties": 2})j",
       compatible(), compatible()},

      {"max_properties_added_to_open_map",
       R"j({"type": "object", "additionalProperties": {"type": "number"}})j",
       R"j({"type": "object", "additionalProperties": {"type": "number"}, "maxProperties": 16})j",
       breaks("MAX_PROPERTIES_ADDED", "/maxProperties"), compatible()},

      {"max_properties_met_by_closed_writer",
       R"j({"type": "object", "additionalProperties": false,
            "properties": {"a": {"type": "number"}, "b": {"type": "number"}, "c": {"type": "number"}}})j",
       R"j({"type": "object", "additionalProperties": false, "maxProperties": 3,
            "properties": {"a": {"type": "number"}, "b": {"type": "number"}, "c": {"type": "number"}}})j",
       compatible(), compatible()},

      {"dependent_required_added",
       R"j({"type": "object", "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}})j",
       R"j({"type": "object", "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
            "dependentRequired": {"lat": ["lon"]}})j",
       breaks("DEPENDENT_REQUIRED_ADDED", "/dependentRequired/lat/0"), compatible()},

      {"draft07_dependencies_array_equals_dependent_required",
       R"j({"$schema": "http://json-schema.org/draft-07/schema#",
            "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
            "dependencies": {"lat": ["lon"]}})j",
       R"j({"$schema": "https://json-schema.org/draft/2020-12/schema",
            "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
            "dependentRequired": {"lat": ["lon"]}})j",
       compatible(), compatible()},

      {"dependent_schema_added",
       R"j({"type": "object", "properties": {"battery": {"type": "number"}}})j",
       R"j({"type": "object", "properties": {"battery": {"type": "number"}},
            "dependentSchemas": {"battery": {"required": ["batteryUnit"]}}})j",
       breaks("REQUIRED_ADDED", "/dependentSchemas/battery/required/0"), compatible()},

      {"draft07_schema_dependency_narrowed",
       R"j({"$schema": "http://json-schema.org/draft-07/schema#",
            "dependencies": {"battery": {"properties": {"level": {"type": "number"}}}}})j",
       R"j({"$schema": "http://json-schema.org/draft-07/schema#",
            "dependencies": {"battery": {"properties": {"level": {"type": "integer"}}}}})j",
       breaks("TYPE_NARROWED", "/dependencies/battery/properties/level/type"), compatible()},

      {"nested_location_property_type_changed",
       R"j({"type": "object", "properties": {"location": {"type": "object",
            "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}}}})j",
       R"j({"type": "object", "properties": {"location": {"type": "object",
            "properties": {"lat": {"type": "string"}, "lon": {"type": "number"}}}}})j",
       breaks("TYPE_CHANGED", "/properties/location/properties/lat/type"),
       breaks("TYPE_CHANGED", "/properties/location/properties/lat/type")},
  };
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Objects, SchemaChange, ::testing::ValuesIn(object_cases()), case_name);

}  // namespace accord::compat::testing
