// Compatibility levels (Confluent's names) and which existing versions a level compares a new
// schema with, in which direction. The per-format checks (can_read) live with the formats.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace accord::registry {

enum class CompatibilityLevel : std::uint8_t {
  None,
  Backward,
  BackwardTransitive,
  Forward,
  ForwardTransitive,
  Full,
  FullTransitive,
};

const char* to_string(CompatibilityLevel level);
std::optional<CompatibilityLevel> parse_compatibility_level(std::string_view text);

// BACKWARD*: the new schema must read data written with the old (consumers upgrade first).
bool checks_backward(CompatibilityLevel level);
// FORWARD*: the old schema must read data written with the new (producers upgrade first).
bool checks_forward(CompatibilityLevel level);
// *_TRANSITIVE: against every live version, else against the latest only.
bool is_transitive(CompatibilityLevel level);

}  // namespace accord::registry
