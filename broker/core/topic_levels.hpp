// Splitting a topic name or filter into its '/'-separated levels, for the tries.
#pragma once

#include <string_view>

namespace accord::core {

// One level of a topic or filter: [level, rest) where has_more says a '/' followed (so "a/"
// has a second, empty level — empty levels are real levels in MQTT).
struct LevelSplit {
  std::string_view level;
  std::string_view rest;
  bool has_more;
};

inline LevelSplit split_level(std::string_view s) {
  const auto slash = s.find('/');
  if (slash == std::string_view::npos) return {s, {}, false};
  return {s.substr(0, slash), s.substr(slash + 1), true};
}

}  // namespace accord::core
