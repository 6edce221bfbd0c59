#include "registry/compat/pattern_overlap.hpp"

#include <optional>
#include <string>

namespace accord::compat {

namespace {

// The literal text every match must start with, for a pattern anchored at the start and
// without alternation; nullopt when there is no such guarantee.
std::optional<std::string> anchored_literal_prefix(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '^') return std::nullopt;
  if (pattern.find('|') != std::string_view::npos) return std::nullopt;
  std::string prefix;
  constexpr std::string_view kSpecial = ".[](){}*+?\\^$";
  for (std::size_t i = 1; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (kSpecial.find(c) != std::string_view::npos) {
      // A quantifier makes the character before it optional (or repeatable).
      if ((c == '*' || c == '?' || c == '{') && !prefix.empty()) prefix.pop_back();
      break;
    }
    prefix += c;
  }
  return prefix;
}

}  // namespace

bool patterns_never_overlap(std::string_view a, std::string_view b) {
  const auto prefix_a = anchored_literal_prefix(a);
  const auto prefix_b = anchored_literal_prefix(b);
  if (!prefix_a || !prefix_b) return false;
  const std::size_t shared = std::min(prefix_a->size(), prefix_b->size());
  return prefix_a->compare(0, shared, *prefix_b, 0, shared) != 0;
}

}  // namespace accord::compat
