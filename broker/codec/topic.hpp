// The spec's rules for UTF-8 strings, topic names and topic filters. Pure functions.
#pragma once

#include <optional>
#include <string_view>

namespace accord::mqtt {

// MQTT UTF-8 Encoded String rules (spec 1.5.4): well-formed UTF-8 (no overlong forms, no
// surrogates U+D800..U+DFFF, nothing above U+10FFFF) and no U+0000.
bool is_valid_mqtt_utf8(std::string_view s);

// A topic name a PUBLISH may carry: 1..65535 bytes, valid UTF-8, no '+' or '#'.
bool is_valid_topic_name(std::string_view topic);

// A topic filter a SUBSCRIBE may carry: 1..65535 bytes, valid UTF-8, '+' only as a whole level,
// '#' only as the whole last level; `$share/{group}/{filter}` needs a non-empty group without
// '+', '#' or '/' and a valid non-empty filter after it. The `$share` rules are applied whatever
// the protocol version; the part after the group is a plain filter (never read as shared again).
bool is_valid_topic_filter(std::string_view filter);

// A shared subscription `$share/{group}/{filter}` split into its parts.
struct SharedFilter {
  std::string_view group;
  std::string_view filter;
};
// Returns the parts when `filter` is a (valid) shared subscription, nullopt otherwise.
std::optional<SharedFilter> parse_shared_filter(std::string_view filter);

// Does `topic` (a valid topic name) match `filter` (a valid, non-shared filter)? Applies the
// rule that topics starting with '$' are not matched by filters starting with '+' or '#'.
bool topic_matches_filter(std::string_view topic, std::string_view filter);

}  // namespace accord::mqtt
