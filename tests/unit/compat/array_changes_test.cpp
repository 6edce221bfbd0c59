// Change cases for arrays: items (schema and tuple forms, draft-07 and 2020-12), item counts,
// uniqueItems and contains.
#include "tests/unit/compat/change_case.hpp"

namespace accord::compat::testing {

const std::vector<ChangeCase>& array_cases() {
  static const std::vector<ChangeCase> cases = {
      {"readings_items_narrowed_to_integer",
       R"j({"properties": {"readings": {"type": "array", "items": {"type": "number"}}}})j",
       R"j({"properties": {"readings": {"type": "array", "items": {"type": "integer"}}}})j",
       breaks("TYPE_NARROWED", "/properties/readings/items/type"), compatible()},

      {"readings_min_items_raised",
       R"j({"properties": {"readings": {"type": "array", "items": {"type": "number"}}}})j",
       R"j({"properties": {"readings": {"type": "array", "items": {"type": "number"}, "minItems": 1}}})j",
       breaks("MIN_ITEMS_INCREASED", "/properties/readings/minItems"), compatible()},

      {"readings_max_items_added", R"j({"properties": {"readings": {"type": "array"}}})j",
       R"j({"properties": {"readings": {"type": "array", "maxItems": 100}}})j",
       breaks("MAX_ITEMS_ADDED", "/properties/readings/maxItems"), compatible()},

      {"readings_max_items_lowered",
       R"j({"properties": {"readings": {"type": "array", "maxItems": 100}}})j",
       R"j({"properties": {"readings": {"type": "array", "maxItems": 10}}})j",
       breaks("MAX_ITEMS_DECREASED", "/properties/readings/maxItems"), compatible()},

      {"tags_unique_items_added",
       R"j({"properties": {"tags": {"type": "array", "items": {"type": "string"}}}})j",
       R"j({"properties": {"tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true}}})j",
       breaks("UNIQUE_ITEMS_ADDED", "/properties/tags/uniqueItems"), compatible()},

      {"items_true_to_false", R"j({"properties": {"tags": {"type": "array", "items": true}}})j",
       R"j({"properties": {"tags": {"type": "array", "items": false}}})j",
       breaks("ITEM_NOT_ALLOWED", "/properties/tags/items"), compatible()},

      {"draft07_tuple_equals_prefix_items",
       R"j({"$schema": "http://json-schema.org/draft-07/schema#",
            "properties": {"position": {"type": "array",
              "items": [{"type": "number"}, {"type": "number"}], "additionalItems": false}}})j",
       R"j({"$schema": "https://json-schema.org/draft/2020-12/schema",
            "properties": {"position": {"type": "array",
              "prefixItems": [{"type": "number"}, {"type": "number"}], "items": false}}})j",
       compatible(), compatible()},

      {"closed_tuple_gains_altitude",
       R"j({"properties": {"position": {"type": "array",
              "prefixItems": [{"type": "number"}, {"type": "number"}], "items": false}}})j",
       R"j({"properties": {"position": {"type": "array",
              "prefixItems": [{"type": "number"}, {"type": "number"}, {"type": "number"}], "items": false}}})j",
       compatible(), breaks("ITEM_NOT_ALLOWED", "/properties/position/items")},

      {"open_tuple_gains_typed_position",
       R"j({"properties": {"sample": {"type": "array", "prefixItems": [{"type": "number"}]}}})j",
       R"j({"properties": {"sample": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "string"}]}}})j",
       breaks("TYPE_NARROWED", "/properties/sample/prefixItems/1/type"), compatible()},

      {"tuple_position_type_changed",
       R"j({"properties": {"position": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}]}}})j",
       R"j({"properties": {"position": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "string"}]}}})j",
       breaks("TYPE_CHANGED", "/properties/position/prefixItems/1/type"),
       breaks("TYPE_CHANGED", "/properties/position/prefixItems/1/type")},

      {"draft07_additional_items_narrowed",
       R"j({"$schema": "http://json-schema.org/draft-07/schema#",
            "properties": {"frame": {"type": "array", "items": [{"type": "string"}],
                                     "additionalItems": {"type": "number"}}}})j",
       R"j({"$schema": "http://json-schema.org/draft-07/schema#",
            "properties": {"frame": {"type": "array", "items": [{"type": "string"}],
                                     "additionalItems": {"type": "integer"}}}})j",
       breaks("TYPE_NARROWED", "/properties/frame/additionalItems/type"), compatible()},

      {"items_schema_vs_tuple_of_same_type",
       R"j({"properties": {"pair": {"type": "array", "items": {"type": "number"}, "maxItems": 2}}})j",
       R"j({"properties": {"pair": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}],
                                    "items": false}}})j",
       compatible(), compatible()},

      {"alarm_contains_added",
       R"j({"properties": {"events": {"type": "array", "items": {"type": "object"}}}})j",
       R"j({"properties": {"events": {"type": "array", "items": {"type": "object"},
                                      "contains": {"required": ["alarm"]}}}})j",
       breaks("CONTAINS_ADDED", "/properties/events/contains"), compatible()},

      {"alarm_min_contains_raised",
       R"j({"properties": {"events": {"type": "array", "contains": {"required": ["alarm"]}}}})j",
       R"j({"properties": {"events": {"type": "array", "contains": {"required": ["alarm"]}, "minContains": 2}}})j",
       breaks("MIN_CONTAINS_INCREASED", "/properties/events/minContains"), compatible()},

      {"alarm_max_contains_added",
       R"j({"properties": {"events": {"type": "array", "contains": {"required": ["alarm"]}}}})j",
       R"j({"properties": {"events": {"type": "array", "contains": {"required": ["alarm"]}, "maxContains": 3}}})j",
       breaks("MAX_CONTAINS_ADDED", "/properties/events/maxContains"), compatible()},

      {"contains_met_by_every_item",
       R"j({"properties": {"readings": {"type": "array", "items": {"type": "number"}, "minItems": 1}}})j",
       R"j({"properties": {"readings": {"type": "array", "items": {"type": "number"}, "minItems": 1,
                                        "contains": {"type": "number"}}}})j",
       compatible(), compatible()},

      {"contains_widened",
       R"j({"properties": {"readings": {"type": "array", "contains": {"type": "integer"}}}})j",
       R"j({"properties": {"readings": {"type": "array", "contains": {"type": "number"}}}})j",
       compatible(), breaks("CONTAINS_CHANGED", "/properties/readings/contains")},
  };
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Arrays, SchemaChange, ::testing::ValuesIn(array_cases()), case_name);

}  // namespace accord::compat::testing
