// A cheap, sound test that two regexes can never match the same property name: both are
// anchored with '^' and start with literal text that diverges ("^temp_" vs "^hum_"). Used to
// pair a reader patternProperties entry with a closed writer's different patterns.
#pragma once

#include <string_view>

namespace accord::compat {

// True only when no string can match both patterns; false means "may overlap".
bool patterns_never_overlap(std::string_view a, std::string_view b);

}  // namespace accord::compat
