#include "registry/compat/pattern_matcher.hpp"

#include <re2/re2.h>

namespace accord::compat {

PatternMatcher::PatternMatcher() = default;
PatternMatcher::~PatternMatcher() = default;

std::optional<bool> PatternMatcher::search(std::string_view pattern, std::string_view text) {
  auto found = compiled_.find(pattern);
  if (found == compiled_.end()) {
    RE2::Options options;
    options.set_log_errors(false);
    // A schema's regex should not be able to make one check use unbounded memory.
    options.set_max_mem(8 << 20);
    auto regex = std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
    if (!regex->ok()) regex.reset();
    found = compiled_.emplace(std::string(pattern), std::move(regex)).first;
  }
  if (!found->second) return std::nullopt;
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *found->second);
}

}  // namespace accord::compat
