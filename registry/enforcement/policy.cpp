#include "registry/enforcement/policy.hpp"

#include <algorithm>
#include <cctype>

#include "broker/codec/topic.hpp"

namespace accord::enforcement {

const char* to_string(ContentMode mode) {
  switch (mode) {
    case ContentMode::StructuredJson: return "structured";
    case ContentMode::Mqtt5Binary: return "binary";
    case ContentMode::Protobuf: return "protobuf";
  }
  return "unknown";
}

std::vector<ContentMode> all_content_modes() {
  return {ContentMode::StructuredJson, ContentMode::Mqtt5Binary, ContentMode::Protobuf};
}

const char* to_string(FailureAction action) {
  switch (action) {
    case FailureAction::Reject: return "reject";
    case FailureAction::DeadLetter: return "dead-letter";
    case FailureAction::Drop: return "drop";
    case FailureAction::LogOnly: return "log-only";
  }
  return "unknown";
}

std::string validate_policy(const Policy& p) {
  const std::string who = "policy '" + p.name + "': ";
  // Names end up in metric labels, $SYS topic levels and URLs: keep them plain.
  if (p.name.empty()) return "policy: name is empty";
  if (p.name.size() > 128) return who + "name is longer than 128 characters";
  for (unsigned char c : p.name)
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '-')
      return who + "name may only use letters, digits, '.', '_' and '-'";
  if (p.topic_filter.empty()) return who + "topic filter is empty";
  if (!mqtt::is_valid_topic_filter(p.topic_filter))
    return who + "topic filter '" + p.topic_filter + "' is not a valid MQTT filter ('+' and '#' must be whole levels, '#' last)";
  // A shared-subscription prefix names a consumer group, not topics: publishes never match it.
  if (mqtt::parse_shared_filter(p.topic_filter))
    return who + "topic filter may not be a $share filter";
  if (p.allowed_modes.empty()) return who + "no content mode is allowed";
  for (const auto& t : p.allowed_types) {
    auto star = t.find('*');
    if (t.empty() || (star != std::string::npos && star != t.size() - 1))
      return who + "allowed type '" + t + "' may only use '*' as its last character";
  }
  if (p.action == FailureAction::DeadLetter) {
    if (p.dead_letter_topic.empty()) return who + "action dead-letter needs a dead_letter_topic";
    if (!mqtt::is_valid_topic_name(p.dead_letter_topic))
      return who + "dead_letter_topic '" + p.dead_letter_topic + "' is not a valid topic name";
    // A dead letter that the same policy governs would fail again and be dead-lettered again.
    if (mqtt::topic_matches_filter(p.dead_letter_topic, p.topic_filter))
      return who + "dead_letter_topic '" + p.dead_letter_topic + "' matches the policy's own filter (loop)";
  }
  return {};
}

bool type_allowed(const Policy& p, std::string_view type) {
  if (p.allowed_types.empty()) return true;
  return std::any_of(p.allowed_types.begin(), p.allowed_types.end(), [&](const std::string& t) {
    if (!t.empty() && t.back() == '*') return type.starts_with(std::string_view(t).substr(0, t.size() - 1));
    return type == t;
  });
}

}  // namespace accord::enforcement
