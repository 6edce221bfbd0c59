// Change cases for anyOf, oneOf, allOf, not and if/then/else.
#include "tests/unit/compat/change_case.hpp"

namespace accord::compat::testing {

namespace {

// A tagged union of device events; the "kind" const tells the branches apart.
constexpr const char* kDeviceDefs = R"j(
  "$defs": {
    "thermostat": {"type": "object", "required": ["kind", "temp"],
                   "properties": {"kind": {"const": "thermostat"}, "temp": {"type": "number"}}},
    "door": {"type": "object", "required": ["kind", "open"],
             "properties": {"kind": {"const": "door"}, "open": {"type": "boolean"}}},
    "humidity": {"type": "object", "required": ["kind", "rh"],
                 "properties": {"kind": {"const": "humidity"}, "rh": {"type": "number"}}}
  })j";

std::string device_union(const std::string& branches) {
  return std::string("{") + kDeviceDefs + R"j(, "oneOf": [)j" + branches + "]}";
}

// Fahrenheit readings may go higher than Celsius ones.
std::string unit_conditional(const char* then_maximum, const char* else_maximum) {
  return std::string(R"j({"type": "object",
      "properties": {"unit": {"enum": ["C", "F"]}, "temp": {"type": "number"}},
      "if": {"properties": {"unit": {"const": "F"}}, "required": ["unit"]},
      "then": {"properties": {"temp": {"maximum": )j") +
         then_maximum + R"j(}}},
      "else": {"properties": {"temp": {"maximum": )j" +
         else_maximum + "}}}}";
}

}  // namespace

const std::vector<ChangeCase>& combinator_cases() {
  static const std::vector<ChangeCase> cases = {
      {"value_any_of_branch_added",
       R"j({"properties": {"value": {"anyOf": [{"type": "number"}, {"type": "string"}]}}})j",
       R"j({"properties": {"value": {"anyOf": [{"type": "number"}, {"type": "string"}, {"type": "boolean"}]}}})j",
       compatible(), breaks("ANY_OF_NO_MATCH", "/properties/value/anyOf")},

      {"value_any_of_branch_removed",
       R"j({"properties": {"value": {"anyOf": [{"type": "number"}, {"type": "string"}, {"type": "null"}]}}})j",
       R"j({"properties": {"value": {"anyOf": [{"type": "number"}, {"type": "string"}]}}})j",
       breaks("ANY_OF_NO_MATCH", "/properties/value/anyOf"), compatible()},

      {"type_union_rewritten_as_any_of",
       R"j({"properties": {"value": {"type": ["number", "string"]}}})j",
       R"j({"properties": {"value": {"anyOf": [{"type": "number"}, {"type": "string"}]}}})j",
       compatible(), compatible()},

      {"plain_type_to_nullable_any_of", R"j({"properties": {"value": {"type": "number"}}})j",
       R"j({"properties": {"value": {"anyOf": [{"type": "number"}, {"type": "null"}]}}})j",
       compatible(), breaks("TYPE_CHANGED", "/properties/value/type")},

      {"any_of_branch_narrowed",
       R"j({"properties": {"value": {"anyOf": [{"type": "number", "maximum": 100}, {"type": "string"}]}}})j",
       R"j({"properties": {"value": {"anyOf": [{"type": "number", "maximum": 50}, {"type": "string"}]}}})j",
       breaks("ANY_OF_NO_MATCH", "/properties/value/anyOf"), compatible()},

      {"device_union_gains_discriminated_branch",
       device_union(R"j({"$ref": "#/$defs/thermostat"}, {"$ref": "#/$defs/door"})j"),
       device_union(
           R"j({"$ref": "#/$defs/thermostat"}, {"$ref": "#/$defs/door"}, {"$ref": "#/$defs/humidity"})j"),
       compatible(), breaks("ONE_OF_NO_MATCH", "/oneOf")},

      {"one_of_gains_overlapping_branch",
       R"j({"properties": {"value": {"oneOf": [{"type": "integer"}, {"type": "string"}]}}})j",
       R"j({"properties": {"value": {"oneOf": [{"type": "integer"}, {"type": "string"}, {"type": "number"}]}}})j",
       breaks("ONE_OF_AMBIGUOUS", "/properties/value/oneOf/2"),
       breaks("ONE_OF_NO_MATCH", "/properties/value/oneOf")},

      {"one_of_with_overlapping_branches_kept_while_id_widened",
       R"j({"type": "object", "properties": {"id": {"type": "string", "maxLength": 10}},
            "oneOf": [{"required": ["lat", "lon"]}, {"required": ["address"]}]})j",
       R"j({"type": "object", "properties": {"id": {"type": "string", "maxLength": 20}},
            "oneOf": [{"required": ["lat", "lon"]}, {"required": ["address"]}]})j",
       compatible(), breaks("MAX_LENGTH_DECREASED", "/properties/id/maxLength")},

      {"nullable_reading_made_mandatory",
       R"j({"$defs": {"reading": {"type": "object", "properties": {"temp": {"type": "number"}}}},
            "properties": {"last": {"anyOf": [{"$ref": "#/$defs/reading"}, {"type": "null"}]}}})j",
       R"j({"$defs": {"reading": {"type": "object", "properties": {"temp": {"type": "number"}}}},
            "properties": {"last": {"$ref": "#/$defs/reading"}}})j",
       breaks("TYPE_CHANGED", "/$defs/reading/type"), compatible()},

      {"all_of_member_adds_requirement",
       R"j({"$defs": {"device": {"properties": {"deviceId": {"type": "string"}}}},
            "allOf": [{"$ref": "#/$defs/device"}]})j",
       R"j({"$defs": {"device": {"properties": {"deviceId": {"type": "string"}}}},
            "allOf": [{"$ref": "#/$defs/device"}, {"required": ["firmware"]}]})j",
       breaks("REQUIRED_ADDED", "/allOf/1/required/0"), compatible()},

      {"writer_all_of_is_a_conjunction",
       R"j({"properties": {"level": {"allOf": [{"type": "number"}, {"minimum": 0}]}}})j",
       R"j({"properties": {"level": {"type": "number", "minimum": 0}}})j", compatible(),
       compatible()},

      {"status_not_added", R"j({"properties": {"status": {"type": "string"}}})j",
       R"j({"properties": {"status": {"type": "string", "not": {"const": "unknown"}}}})j",
       breaks("NOT_ADDED", "/properties/status/not"), compatible()},

      {"not_added_for_a_type_never_written", R"j({"properties": {"temp": {"type": "number"}}})j",
       R"j({"properties": {"temp": {"type": "number", "not": {"type": "string"}}}})j", compatible(),
       compatible()},

      {"status_not_changed",
       R"j({"properties": {"status": {"type": "string", "not": {"const": "unknown"}}}})j",
       R"j({"properties": {"status": {"type": "string", "not": {"const": "n/a"}}}})j",
       breaks("NOT_CHANGED", "/properties/status/not"),
       breaks("NOT_CHANGED", "/properties/status/not")},

      {"unit_conditional_added",
       R"j({"type": "object", "properties": {"unit": {"enum": ["C", "F"]}, "temp": {"type": "number"}}})j",
       unit_conditional("250", "125"), breaks("CONDITIONAL_ADDED", "/then"), compatible()},

      {"unit_conditional_then_narrowed", unit_conditional("250", "125"),
       unit_conditional("200", "125"), breaks("CONDITIONAL_CHANGED", "/then"), compatible()},

      {"unit_conditional_replaced_by_plain_bound", unit_conditional("250", "125"),
       R"j({"type": "object", "properties": {"unit": {"enum": ["C", "F"]}, "temp": {"type": "number", "maximum": 250}}})j",
       compatible(), breaks("CONDITIONAL_ADDED", "/else")},
  };
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Combinators, SchemaChange, ::testing::ValuesIn(combinator_cases()),
                         case_name);

}  // namespace accord::compat::testing
