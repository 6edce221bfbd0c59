// Runs JSON Schema `pattern` / `patternProperties` regexes against concrete strings (property
// names, enum values). RE2 keeps every match linear in time; a pattern RE2 cannot compile
// (lookaround, backreferences: ECMA-262 features it lacks) gives "don't know", and the caller
// then takes the conservative path.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace accord::compat {

class PatternMatcher {
 public:
  PatternMatcher();
  ~PatternMatcher();
  PatternMatcher(const PatternMatcher&) = delete;
  PatternMatcher& operator=(const PatternMatcher&) = delete;

  // Does `pattern` match somewhere in `text` (ECMA-262 `test` semantics: unanchored)?
  // nullopt when the pattern cannot be compiled.
  std::optional<bool> search(std::string_view pattern, std::string_view text);

 private:
  std::map<std::string, std::unique_ptr<re2::RE2>, std::less<>> compiled_;  // null: unusable
};

}  // namespace accord::compat
