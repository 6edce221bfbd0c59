// is_valid() (the fast path) and validate() (the error report) are separate instantiations of
// the evaluator; on any schema and document they must reach the same verdict. Random schemas
// and documents drawn from a small grammar exercise the combinations the suite does not.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

#include "tests/unit/jsonschema/test_support.hpp"

namespace accord::jsonschema {
namespace {

class Generator {
 public:
  explicit Generator(unsigned seed) : random_(seed) {}

  std::string schema(int depth) {
    if (depth == 0 || pick(6) == 0) return pick(4) == 0 ? "false" : "true";
    std::string out = "{";
    const int keywords = 1 + pick(3);
    for (int i = 0; i < keywords; ++i) {
      if (i > 0) out += ",";
      out += keyword(depth);
    }
    // Keyword names may repeat above; keep the first by making the object unique-keyed.
    return dedupe(out + "}");
  }

  std::string document(int depth) {
    switch (depth == 0 ? pick(5) : pick(7)) {
      case 0:
        return "null";
      case 1:
        return pick(2) ? "true" : "false";
      case 2:
        return std::to_string(static_cast<int>(pick(21)) - 10);
      case 3:
        return pick(2) ? "2.5" : "1.0";
      case 4:
        return "\"" + std::string(1 + pick(3), "abx"[pick(3)]) + "\"";
      case 5: {
        std::string out = "[";
        const int n = pick(4);
        for (int i = 0; i < n; ++i) out += (i ? "," : "") + document(depth - 1);
        return out + "]";
      }
      default: {
        std::string out = "{";
        const int n = pick(4);
        for (int i = 0; i < n; ++i) {
          out += (i ? ",\"" : "\"") + std::string(1, "abcd"[i]) + "\":" + document(depth - 1);
        }
        return out + "}";
      }
    }
  }

 private:
  int pick(int n) { return static_cast<int>(random_() % static_cast<unsigned>(n)); }

  std::string keyword(int depth) {
    switch (pick(24)) {
      case 0:
        return R"("type":")" + std::string(kTypes[pick(7)]) + "\"";
      case 1:
        return R"("type":["string","null"])";
      case 2:
        return R"("minimum":)" + std::to_string(pick(5) - 2);
      case 3:
        return R"("exclusiveMaximum":)" + std::to_string(pick(5));
      case 4:
        return R"("multipleOf":)" + std::string(pick(2) ? "2" : "0.5");
      case 5:
        return R"("maxLength":)" + std::to_string(pick(3));
      case 6:
        return R"("pattern":")" + std::string(pick(2) ? "^a+$" : "x|b") + "\"";
      case 7:
        return R"("enum":[1,"a",null,[1]])";
      case 8:
        return R"("const":)" + document(1);
      case 9:
        return R"("required":["a","b"])";
      case 10:
        return R"("properties":{"a":)" + schema(depth - 1) + R"(,"b":)" + schema(depth - 1) + "}";
      case 11:
        return R"("additionalProperties":)" + schema(depth - 1);
      case 12:
        return R"("items":)" + schema(depth - 1);
      case 13:
        return R"("prefixItems":[)" + schema(depth - 1) + "]";
      case 14:
        return R"("contains":)" + schema(depth - 1);
      case 15:
        return R"("allOf":[)" + schema(depth - 1) + "," + schema(depth - 1) + "]";
      case 16:
        return R"("anyOf":[)" + schema(depth - 1) + "," + schema(depth - 1) + "]";
      case 17:
        return R"("oneOf":[)" + schema(depth - 1) + "," + schema(depth - 1) + "]";
      case 18:
        return R"("not":)" + schema(depth - 1);
      case 19:
        return R"("if":)" + schema(depth - 1) + R"(,"then":)" + schema(depth - 1);
      case 20:
        return R"("unevaluatedProperties":)" + schema(depth - 1);
      case 21:
        return R"("unevaluatedItems":)" + schema(depth - 1);
      case 22:
        return R"("dependentSchemas":{"a":)" + schema(depth - 1) + "}";
      default:
        return R"("uniqueItems":true)";
    }
  }

  // Drops repeated top-level keywords (the generator may emit a name twice).
  static std::string dedupe(const std::string& schema) {
    simdjson::dom::parser parser;
    simdjson::dom::object object;
    if (parser.parse(schema).get(object)) return schema;
    std::string out = "{";
    std::vector<std::string_view> seen;
    for (const auto field : object) {
      if (std::find(seen.begin(), seen.end(), field.key) != seen.end()) continue;
      seen.push_back(field.key);
      out += (seen.size() > 1 ? ",\"" : "\"") + std::string(field.key) +
             "\":" + simdjson::minify(field.value);
    }
    return out + "}";
  }

  static constexpr const char* kTypes[] = {"null",   "boolean", "object", "array",
                                           "number", "string",  "integer"};
  std::mt19937 random_;
};

TEST(Agreement, IsValidAndValidateAgreeOnRandomInput) {
  Generator generate(20260523);
  int compiled = 0;
  int checked = 0;
  for (int s = 0; s < 400; ++s) {
    const std::string schema_text = generate.schema(3);
    const auto result = Schema::compile(schema_text);
    const auto* schema = std::get_if<std::shared_ptr<const Schema>>(&result);
    ASSERT_NE(schema, nullptr) << schema_text << ": " << std::get<CompileError>(result).message;
    ++compiled;
    for (int d = 0; d < 25; ++d) {
      const std::string document = generate.document(3);
      const bool fast = (*schema)->is_valid(document);
      const auto errors = (*schema)->validate(document, 0);
      ASSERT_EQ(fast, errors.empty())
          << "schema " << schema_text << "\ndocument " << document
          << (errors.empty() ? "" : "\nfirst error " + errors[0].message);
      ++checked;
    }
  }
  EXPECT_EQ(compiled, 400);
  EXPECT_EQ(checked, 10000);
}

}  // namespace
}  // namespace accord::jsonschema
