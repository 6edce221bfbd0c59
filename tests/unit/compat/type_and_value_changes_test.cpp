// Change cases for boolean schemas, `type`, `const`, `enum` and annotations.
#include "tests/unit/compat/change_case.hpp"

namespace accord::compat::testing {

const std::vector<ChangeCase>& type_and_value_cases() {
  static const std::vector<ChangeCase> cases = {
      {"identical_thermostat_reading",
       R"j({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
            "properties": {"deviceId": {"type": "string"}, "temp": {"type": "number"},
                           "unit": {"enum": ["C", "F"]}},
            "required": ["deviceId", "temp"]})j",
       R"j({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
            "properties": {"deviceId": {"type": "string"}, "temp": {"type": "number"},
                           "unit": {"enum": ["C", "F"]}},
            "required": ["deviceId", "temp"]})j",
       compatible(), compatible()},

      {"annotations_changed",
       R"j({"type": "object", "title": "Reading",
            "properties": {"temp": {"type": "number", "description": "Celsius"}}})j",
       R"j({"type": "object", "title": "Thermostat reading", "$comment": "v2",
            "properties": {"temp": {"type": "number", "description": "degrees Celsius",
                                    "examples": [21.5], "default": 20, "deprecated": true,
                                    "readOnly": true, "writeOnly": false}}})j",
       compatible(), compatible()},

      {"unknown_keyword_added",
       R"j({"type": "object", "properties": {"temp": {"type": "number"}}})j",
       R"j({"type": "object", "properties": {"temp": {"type": "number", "x-unit-label": "C",
                                                      "x-grafana": {"panel": 3}}}})j",
       compatible(), compatible()},

      {"temp_number_to_string",
       R"j({"type": "object", "properties": {"temp": {"type": "number"}}})j",
       R"j({"type": "object", "properties": {"temp": {"type": "string"}}})j",
       breaks("TYPE_CHANGED", "/properties/temp/type"),
       breaks("TYPE_CHANGED", "/properties/temp/type")},

      {"temp_integer_widened_to_number",
       R"j({"type": "object", "properties": {"temp": {"type": "integer"}}})j",
       R"j({"type": "object", "properties": {"temp": {"type": "number"}}})j", compatible(),
       breaks("TYPE_NARROWED", "/properties/temp/type")},

      {"temp_made_nullable", R"j({"type": "object", "properties": {"temp": {"type": "number"}}})j",
       R"j({"type": "object", "properties": {"temp": {"type": ["number", "null"]}}})j",
       compatible(), breaks("TYPE_NARROWED", "/properties/temp/type")},

      {"temp_type_dropped", R"j({"type": "object", "properties": {"temp": {"type": "number"}}})j",
       R"j({"type": "object", "properties": {"temp": {"description": "anything goes"}}})j",
       compatible(), breaks("TYPE_NARROWED", "/properties/temp/type")},

      {"root_true_to_empty_object", R"j(true)j", R"j({})j", compatible(), compatible()},

      {"root_true_to_object_schema", R"j(true)j", R"j({"type": "object"})j",
       breaks("TYPE_NARROWED", "/type"), compatible()},

      {"root_false_to_object_schema", R"j(false)j", R"j({"type": "object"})j", compatible(),
       breaks("FALSE_SCHEMA", "")},

      {"property_schema_true_to_false",
       R"j({"type": "object", "properties": {"calibration": true}})j",
       R"j({"type": "object", "properties": {"calibration": false}})j",
       breaks("PROPERTY_NOT_ALLOWED", "/properties/calibration"), compatible()},

      {"unit_const_added", R"j({"type": "object", "properties": {"unit": {"type": "string"}}})j",
       R"j({"type": "object", "properties": {"unit": {"type": "string", "const": "C"}}})j",
       breaks("CONST_ADDED", "/properties/unit/const"), compatible()},

      {"unit_const_changed", R"j({"type": "object", "properties": {"unit": {"const": "C"}}})j",
       R"j({"type": "object", "properties": {"unit": {"const": "F"}}})j",
       breaks("CONST_CHANGED", "/properties/unit/const"),
       breaks("CONST_CHANGED", "/properties/unit/const")},

      {"unit_enum_value_added",
       R"j({"type": "object", "properties": {"unit": {"enum": ["C", "F"]}}})j",
       R"j({"type": "object", "properties": {"unit": {"enum": ["C", "F", "K"]}}})j", compatible(),
       breaks("ENUM_NARROWED", "/properties/unit/enum")},

      {"unit_enum_added", R"j({"type": "object", "properties": {"unit": {"type": "string"}}})j",
       R"j({"type": "object", "properties": {"unit": {"type": "string", "enum": ["C", "F"]}}})j",
       breaks("ENUM_ADDED", "/properties/unit/enum"), compatible()},

      {"unit_enum_narrowed_to_const",
       R"j({"type": "object", "properties": {"unit": {"enum": ["C", "F"]}}})j",
       R"j({"type": "object", "properties": {"unit": {"const": "C"}}})j",
       breaks("CONST_CHANGED", "/properties/unit/const"), compatible()},

      {"enum_numbers_compare_by_value",
       R"j({"type": "object", "properties": {"fanSpeed": {"enum": [1, 2]}}})j",
       R"j({"type": "object", "properties": {"fanSpeed": {"enum": [1.0, 2.0, 3]}}})j", compatible(),
       breaks("ENUM_NARROWED", "/properties/fanSpeed/enum")},

      {"boolean_type_vs_enum_of_both_booleans",
       R"j({"type": "object", "properties": {"heating": {"type": "boolean"}}})j",
       R"j({"type": "object", "properties": {"heating": {"enum": [true, false]}}})j", compatible(),
       compatible()},

      {"boolean_narrowed_to_true",
       R"j({"type": "object", "properties": {"online": {"type": "boolean"}}})j",
       R"j({"type": "object", "properties": {"online": {"enum": [true]}}})j",
       breaks("ENUM_ADDED", "/properties/online/enum"), compatible()},

      {"enum_value_invalid_under_type_dropped",
       R"j({"type": "object", "properties": {"mode": {"type": "string", "enum": ["eco", "boost", 1]}}})j",
       R"j({"type": "object", "properties": {"mode": {"type": "string", "enum": ["eco", "boost"]}}})j",
       compatible(), compatible()},

      {"mode_enum_with_max_length_that_fits",
       R"j({"type": "object", "properties": {"mode": {"enum": ["eco", "comfort"]}}})j",
       R"j({"type": "object", "properties": {"mode": {"enum": ["eco", "comfort"], "maxLength": 7}}})j",
       compatible(), compatible()},

      {"mode_enum_with_max_length_too_short",
       R"j({"type": "object", "properties": {"mode": {"enum": ["eco", "comfort"]}}})j",
       R"j({"type": "object", "properties": {"mode": {"enum": ["eco", "comfort"], "maxLength": 5}}})j",
       breaks("VALUE_REJECTED", "/properties/mode/maxLength"), compatible()},

      {"nullable_status_const_null",
       R"j({"type": "object", "properties": {"error": {"type": "null"}}})j",
       R"j({"type": "object", "properties": {"error": {"const": null}}})j", compatible(),
       compatible()},
  };
  return cases;
}

INSTANTIATE_TEST_SUITE_P(TypesAndValues, SchemaChange, ::testing::ValuesIn(type_and_value_cases()),
                         case_name);

}  // namespace accord::compat::testing
