// ECMA-262 patterns on RE2: translation of the syntax differences, the features that are
// refused, and the bit-parallel fast path checked against RE2 itself.
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <random>
#include <string>

#include "registry/jsonschema/ecma_regex.hpp"
#include "registry/jsonschema/simple_pattern.hpp"
#include "tests/unit/jsonschema/test_support.hpp"

namespace accord::jsonschema {
namespace {

using detail::SimplePattern;
using detail::translate_ecma_regex;
using detail::TranslatedRegex;

// Both arguments are JSON string contents (escapes as in JSON text).
bool matches(std::string_view pattern, std::string_view text) {
  const auto schema = testing::compile_ok(R"({"pattern":")" + std::string(pattern) + "\"}");
  return schema && schema->is_valid("\"" + std::string(text) + "\"");
}

TEST(Patterns, PartialMatchSemantics) {
  EXPECT_TRUE(matches("es", "test"));
  EXPECT_FALSE(matches("^es", "test"));
  EXPECT_TRUE(matches("^te", "test"));
  EXPECT_FALSE(matches("^abc$", "abc\\n"));
}

TEST(Patterns, EcmaEscapesAndClasses) {
  EXPECT_TRUE(matches("^\\\\d+$", "123"));
  EXPECT_TRUE(matches("^\\\\s$", "\\u00a0"));   // ECMA \\s includes NBSP
  EXPECT_FALSE(matches("^\\\\S$", "\\u2003"));  // and EM SPACE
  EXPECT_TRUE(matches("^\\\\u0041$", "A"));
  EXPECT_TRUE(matches("^\\\\cJ$", "\\n"));
  EXPECT_TRUE(matches("^[^]$", "\\n"));  // [^] matches anything
  EXPECT_FALSE(matches("^.$", "\\n"));   // . excludes line terminators
  EXPECT_TRUE(matches("^\\\\p{Letter}+$", "\\u00e9t\\u00e9"));
  EXPECT_TRUE(matches("^(?<word>[a-z]+)$", "abc"));
}

TEST(Patterns, TranslationStatus) {
  EXPECT_EQ(translate_ecma_regex("a(?=b)").status, TranslatedRegex::Status::Unsupported);
  EXPECT_EQ(translate_ecma_regex("(a)\\1").status, TranslatedRegex::Status::Unsupported);
  EXPECT_EQ(translate_ecma_regex("(?<n>a)\\k<n>").status, TranslatedRegex::Status::Unsupported);
  EXPECT_EQ(translate_ecma_regex("(?i)a").status, TranslatedRegex::Status::Invalid);
  EXPECT_EQ(translate_ecma_regex("a{2,1}").status, TranslatedRegex::Status::Invalid);
  EXPECT_EQ(translate_ecma_regex("\\a").status, TranslatedRegex::Status::Invalid);
  EXPECT_EQ(translate_ecma_regex("[z-a]").status, TranslatedRegex::Status::Invalid);
  EXPECT_EQ(translate_ecma_regex("^[a-z\\-_]{1,64}$").status, TranslatedRegex::Status::Ok);
}

TEST(Patterns, SimplePatternCoverage) {
  EXPECT_TRUE(SimplePattern::compile("^dev-[0-9]{6}$"));
  EXPECT_TRUE(
      SimplePattern::compile("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"));
  EXPECT_TRUE(SimplePattern::compile("^\\d+\\.\\d+\\.\\d+$"));
  EXPECT_FALSE(SimplePattern::compile("^(on|off)$"));  // alternation: RE2
  EXPECT_FALSE(SimplePattern::compile("^[^a]$"));      // negated class: RE2
  EXPECT_FALSE(SimplePattern::compile("^a{65}$"));     // too many positions: RE2
  EXPECT_FALSE(SimplePattern::compile("^é$"));         // non-ASCII: RE2
}

// The fast path must agree with RE2 on every pattern it accepts.
TEST(Patterns, SimplePatternAgreesWithRe2) {
  std::mt19937 random(12345);
  const std::string atoms[] = {"a", "b", "c", "-", "\\d", "[ab]", "[a-c0-9]", "\\w", "\\.", "x"};
  const std::string quantifiers[] = {"", "", "?", "*", "+", "{2}", "{0,2}", "{1,3}", "{2,}"};
  const std::string alphabet = "abc-1x.9_";
  int checked = 0;
  for (int p = 0; p < 3000; ++p) {
    std::string pattern;
    const bool start = random() % 2 == 0;
    const bool end = random() % 2 == 0;
    if (start) pattern += '^';
    const int atom_count = 1 + static_cast<int>(random() % 5);
    for (int a = 0; a < atom_count; ++a) {
      pattern += atoms[random() % std::size(atoms)];
      pattern += quantifiers[random() % std::size(quantifiers)];
    }
    if (end) pattern += '$';
    const auto simple = SimplePattern::compile(pattern);
    ASSERT_TRUE(simple) << pattern;
    const auto translated = translate_ecma_regex(pattern);
    ASSERT_EQ(translated.status, TranslatedRegex::Status::Ok) << pattern;
    RE2 re(translated.re2);
    ASSERT_TRUE(re.ok()) << pattern;
    for (int t = 0; t < 30; ++t) {
      std::string text;
      const int length = static_cast<int>(random() % 8);
      for (int i = 0; i < length; ++i) text += alphabet[random() % alphabet.size()];
      EXPECT_EQ(simple->search(text), RE2::PartialMatch(text, re))
          << "pattern " << pattern << " text \"" << text << "\"";
      ++checked;
    }
  }
  EXPECT_EQ(checked, 90000);
}

}  // namespace
}  // namespace accord::jsonschema
