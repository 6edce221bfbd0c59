// Change cases for numeric bounds, multipleOf and string keywords.
#include "tests/unit/compat/change_case.hpp"

namespace accord::compat::testing {

const std::vector<ChangeCase>& number_and_string_cases() {
  static const std::vector<ChangeCase> cases = {
      {"temp_minimum_added", R"j({"properties": {"temp": {"type": "number"}}})j",
       R"j({"properties": {"temp": {"type": "number", "minimum": -40}}})j",
       breaks("MINIMUM_ADDED", "/properties/temp/minimum"), compatible()},

      {"temp_minimum_raised", R"j({"properties": {"temp": {"type": "number", "minimum": -50}}})j",
       R"j({"properties": {"temp": {"type": "number", "minimum": -40}}})j",
       breaks("MINIMUM_INCREASED", "/properties/temp/minimum"), compatible()},

      {"temp_maximum_lowered", R"j({"properties": {"temp": {"type": "number", "maximum": 125}}})j",
       R"j({"properties": {"temp": {"type": "number", "maximum": 100}}})j",
       breaks("MAXIMUM_DECREASED", "/properties/temp/maximum"), compatible()},

      {"temp_bounds_widened",
       R"j({"properties": {"temp": {"type": "number", "minimum": -40, "maximum": 100}}})j",
       R"j({"properties": {"temp": {"type": "number", "minimum": -55, "maximum": 125}}})j",
       compatible(), breaks("MINIMUM_INCREASED", "/properties/temp/minimum")},

      {"humidity_minimum_made_exclusive",
       R"j({"properties": {"humidity": {"type": "number", "minimum": 0}}})j",
       R"j({"properties": {"humidity": {"type": "number", "exclusiveMinimum": 0}}})j",
       breaks("MINIMUM_INCREASED", "/properties/humidity/exclusiveMinimum"), compatible()},

      {"draft07_numeric_exclusive_vs_draft04_boolean_form",
       R"j({"$schema": "http://json-schema.org/draft-07/schema#",
            "properties": {"battery": {"type": "number", "exclusiveMaximum": 100}}})j",
       R"j({"$schema": "http://json-schema.org/draft-04/schema#",
            "properties": {"battery": {"type": "number", "maximum": 100, "exclusiveMaximum": true}}})j",
       compatible(), compatible()},

      {"draft07_exclusive_maximum_relaxed_to_inclusive",
       R"j({"$schema": "http://json-schema.org/draft-07/schema#",
            "properties": {"battery": {"type": "number", "exclusiveMaximum": 100}}})j",
       R"j({"$schema": "http://json-schema.org/draft-07/schema#",
            "properties": {"battery": {"type": "number", "maximum": 100}}})j",
       compatible(), breaks("MAXIMUM_DECREASED", "/properties/battery/exclusiveMaximum")},

      {"integer_exclusive_zero_equals_minimum_one",
       R"j({"properties": {"retries": {"type": "integer", "exclusiveMinimum": 0}}})j",
       R"j({"properties": {"retries": {"type": "integer", "minimum": 1}}})j", compatible(),
       compatible()},

      {"temp_multiple_of_refined",
       R"j({"properties": {"temp": {"type": "number", "multipleOf": 0.5}}})j",
       R"j({"properties": {"temp": {"type": "number", "multipleOf": 0.1}}})j", compatible(),
       breaks("MULTIPLE_OF_CHANGED", "/properties/temp/multipleOf")},

      {"temp_multiple_of_added", R"j({"properties": {"temp": {"type": "number"}}})j",
       R"j({"properties": {"temp": {"type": "number", "multipleOf": 0.5}}})j",
       breaks("MULTIPLE_OF_ADDED", "/properties/temp/multipleOf"), compatible()},

      {"whole_numbers_spelled_two_ways",
       R"j({"properties": {"count": {"type": "number", "multipleOf": 1}}})j",
       R"j({"properties": {"count": {"type": "integer"}}})j", compatible(), compatible()},

      {"device_id_max_length_lowered",
       R"j({"properties": {"deviceId": {"type": "string", "maxLength": 64}}})j",
       R"j({"properties": {"deviceId": {"type": "string", "maxLength": 32}}})j",
       breaks("MAX_LENGTH_DECREASED", "/properties/deviceId/maxLength"), compatible()},

      {"device_id_min_length_added", R"j({"properties": {"deviceId": {"type": "string"}}})j",
       R"j({"properties": {"deviceId": {"type": "string", "minLength": 3}}})j",
       breaks("MIN_LENGTH_INCREASED", "/properties/deviceId/minLength"), compatible()},

      {"device_id_max_length_added", R"j({"properties": {"deviceId": {"type": "string"}}})j",
       R"j({"properties": {"deviceId": {"type": "string", "maxLength": 64}}})j",
       breaks("MAX_LENGTH_ADDED", "/properties/deviceId/maxLength"), compatible()},

      {"device_id_pattern_added", R"j({"properties": {"deviceId": {"type": "string"}}})j",
       R"j({"properties": {"deviceId": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"}}})j",
       breaks("PATTERN_ADDED", "/properties/deviceId/pattern"), compatible()},

      {"device_id_pattern_changed",
       R"j({"properties": {"deviceId": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"}}})j",
       R"j({"properties": {"deviceId": {"type": "string", "pattern": "^[A-Z]{2}-[0-9]{6}$"}}})j",
       breaks("PATTERN_CHANGED", "/properties/deviceId/pattern"),
       breaks("PATTERN_CHANGED", "/properties/deviceId/pattern")},

      {"device_id_pattern_removed",
       R"j({"properties": {"deviceId": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"}}})j",
       R"j({"properties": {"deviceId": {"type": "string"}}})j", compatible(),
       breaks("PATTERN_ADDED", "/properties/deviceId/pattern")},

      {"match_everything_pattern_added", R"j({"properties": {"note": {"type": "string"}}})j",
       R"j({"properties": {"note": {"type": "string", "pattern": ".*"}}})j", compatible(),
       compatible()},

      {"timestamp_format_added", R"j({"properties": {"ts": {"type": "string"}}})j",
       R"j({"properties": {"ts": {"type": "string", "format": "date-time"}}})j",
       breaks("FORMAT_ADDED", "/properties/ts/format"), compatible()},

      {"timestamp_format_changed",
       R"j({"properties": {"ts": {"type": "string", "format": "date-time"}}})j",
       R"j({"properties": {"ts": {"type": "string", "format": "date"}}})j",
       breaks("FORMAT_CHANGED", "/properties/ts/format"),
       breaks("FORMAT_CHANGED", "/properties/ts/format")},

      {"firmware_content_encoding_changed",
       R"j({"properties": {"firmware": {"type": "string", "contentEncoding": "base64"}}})j",
       R"j({"properties": {"firmware": {"type": "string", "contentEncoding": "base32"}}})j",
       breaks("CONTENT_ENCODING_CHANGED", "/properties/firmware/contentEncoding"),
       breaks("CONTENT_ENCODING_CHANGED", "/properties/firmware/contentEncoding")},

      {"payload_content_media_type_added",
       R"j({"properties": {"payload": {"type": "string", "contentEncoding": "base64"}}})j",
       R"j({"properties": {"payload": {"type": "string", "contentEncoding": "base64",
                                       "contentMediaType": "application/cbor"}}})j",
       breaks("CONTENT_MEDIA_TYPE_CHANGED", "/properties/payload/contentMediaType"), compatible()},

      {"string_keywords_on_number_property_are_inert",
       R"j({"properties": {"temp": {"type": "number"}}})j",
       R"j({"properties": {"temp": {"type": "number", "maxLength": 3, "pattern": "^x$"}}})j",
       compatible(), compatible()},
  };
  return cases;
}

INSTANTIATE_TEST_SUITE_P(NumbersAndStrings, SchemaChange,
                         ::testing::ValuesIn(number_and_string_cases()), case_name);

}  // namespace accord::compat::testing
