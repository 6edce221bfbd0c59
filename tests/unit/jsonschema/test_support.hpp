// Helpers shared by the jsonschema unit tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "registry/jsonschema/jsonschema.hpp"

namespace accord::jsonschema::testing {

// Compiles or fails the test with the compile error.
inline std::shared_ptr<const Schema> compile_ok(std::string_view schema,
                                                const Options& options = {}) {
  auto result = Schema::compile(schema, options);
  if (const auto* error = std::get_if<CompileError>(&result)) {
    ADD_FAILURE() << "schema does not compile: " << error->schema_location << ": " << error->message
                  << "\n  schema: " << schema;
    return nullptr;
  }
  return std::get<std::shared_ptr<const Schema>>(result);
}

// The compile error, or a failed test when the schema compiles.
inline CompileError compile_error(std::string_view schema, const Options& options = {}) {
  auto result = Schema::compile(schema, options);
  if (const auto* error = std::get_if<CompileError>(&result)) return *error;
  ADD_FAILURE() << "schema compiled but should not: " << schema;
  return {};
}

// is_valid() on text and on a parsed element, and validate(), must all agree.
inline bool valid(const Schema& schema, std::string_view json) {
  const bool from_text = schema.is_valid(json);
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  if (!parser.parse(std::string(json)).get(element)) {
    EXPECT_EQ(schema.is_valid(element), from_text) << json;
  }
  EXPECT_EQ(schema.validate(json).empty(), from_text) << json;
  return from_text;
}

}  // namespace accord::jsonschema::testing
