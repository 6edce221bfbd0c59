// A fast matcher for the patterns IoT schemas mostly use ("^dev-[0-9]{6}$",
// "^[a-z0-9_-]{1,64}$", UUID shapes): a sequence of ASCII characters or ASCII classes with
// quantifiers, optionally anchored. Such a pattern is a Glushkov automaton of at most 64
// positions, simulated with bit operations (one table lookup and a few shifts per byte): linear
// time like RE2, but without RE2's per-call overhead and its shared DFA-cache lock, which all
// threads validating with one schema would contend on. Anything else is left to RE2.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace accord::jsonschema::detail {

class SimplePattern {
 public:
  // Nullopt when the ECMA-262 pattern is outside the supported subset: groups, alternation,
  // '.', negated classes, \s, \b, non-ASCII characters, or more than 64 positions.
  static std::optional<SimplePattern> compile(std::string_view pattern);

  // ECMA-262 semantics: true when the pattern matches anywhere in `text` (respecting ^ and $).
  bool search(std::string_view text) const;

 private:
  std::array<std::uint64_t, 128> classes_{};  // per ASCII byte: the positions it can fill
  std::uint64_t optional_ = 0;                // positions that may be skipped
  std::uint64_t loop_ = 0;                    // positions that may repeat
  std::uint64_t last_ = 0;                    // bit of the last position (0 for an empty pattern)
  std::uint64_t start_ = 0;  // positions fillable by the first character of a match
  bool anchored_start_ = false;
  bool anchored_end_ = false;
  bool nullable_ = false;  // every position is optional: the empty string matches

  std::uint64_t closure(std::uint64_t matched) const;
};

}  // namespace accord::jsonschema::detail
