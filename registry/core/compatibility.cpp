#include "registry/core/compatibility.hpp"

namespace accord::registry {

namespace {
struct Name {
  CompatibilityLevel level;
  const char* text;
};
constexpr Name kNames[] = {
    {CompatibilityLevel::None, "NONE"},
    {CompatibilityLevel::Backward, "BACKWARD"},
    {CompatibilityLevel::BackwardTransitive, "BACKWARD_TRANSITIVE"},
    {CompatibilityLevel::Forward, "FORWARD"},
    {CompatibilityLevel::ForwardTransitive, "FORWARD_TRANSITIVE"},
    {CompatibilityLevel::Full, "FULL"},
    {CompatibilityLevel::FullTransitive, "FULL_TRANSITIVE"},
};
}  // namespace

const char* to_string(CompatibilityLevel level) {
  for (const auto& n : kNames)
    if (n.level == level) return n.text;
  return "NONE";
}

std::optional<CompatibilityLevel> parse_compatibility_level(std::string_view text) {
  for (const auto& n : kNames)
    if (text == n.text) return n.level;
  return std::nullopt;
}

bool checks_backward(CompatibilityLevel level) {
  return level == CompatibilityLevel::Backward || level == CompatibilityLevel::BackwardTransitive ||
         level == CompatibilityLevel::Full || level == CompatibilityLevel::FullTransitive;
}

bool checks_forward(CompatibilityLevel level) {
  return level == CompatibilityLevel::Forward || level == CompatibilityLevel::ForwardTransitive ||
         level == CompatibilityLevel::Full || level == CompatibilityLevel::FullTransitive;
}

bool is_transitive(CompatibilityLevel level) {
  return level == CompatibilityLevel::BackwardTransitive ||
         level == CompatibilityLevel::ForwardTransitive ||
         level == CompatibilityLevel::FullTransitive;
}

}  // namespace accord::registry
