// What an operator declares for a set of topics: must publishes there be CloudEvents, in which
// content modes, of which types, with data valid against which registry subject, and what
// happens to a publish that breaks the contract.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace accord::enforcement {

enum class ContentMode : std::uint8_t { StructuredJson, Mqtt5Binary, Protobuf };
const char* to_string(ContentMode mode);

// Every content mode: a policy's default. A function, not a braced list in the member
// initializer, so that copies of Policy do not trip GCC 12's -Wmaybe-uninitialized.
std::vector<ContentMode> all_content_modes();

enum class FailureAction : std::uint8_t { Reject, DeadLetter, Drop, LogOnly };
const char* to_string(FailureAction action);

// How the registry subject is derived when the event's dataschema does not pin one.
enum class SubjectStrategy : std::uint8_t {
  Type,       // subject = event type
  Topic,      // subject = topic name
  TopicType,  // subject = topic + "-" + type
};

// What "reject" does when the publish has no acknowledgement to carry a reason code (MQTT 3.1.1
// at any QoS, MQTT 5 at QoS 0).
enum class UnackedReject : std::uint8_t {
  Drop,        // acknowledge as usual (3.1.1) and deliver to nobody
  Disconnect,  // close the connection (MQTT 5: DISCONNECT 0x99 with the reason first)
};

enum class VersionSelection : std::uint8_t {
  Latest,         // the subject's latest live version
  AnyRegistered,  // any live version: lets old producers keep publishing during a rollout
};

struct Policy {
  std::string name;
  std::string topic_filter;  // MQTT filter, '+' and '#' allowed; no $share
  bool require_cloudevents = true;
  std::vector<ContentMode> allowed_modes = all_content_modes();
  // Empty: any type. An entry ending in '*' matches types starting with what precedes it.
  std::vector<std::string> allowed_types;
  bool validate_data = false;
  std::size_t max_payload_bytes = 0;  // 0 = no limit
  FailureAction action = FailureAction::Reject;
  std::string dead_letter_topic;  // required for DeadLetter
  bool dry_run = false;           // evaluate and report, but always accept
  SubjectStrategy subject_strategy = SubjectStrategy::Type;
  VersionSelection version_selection = VersionSelection::Latest;
  UnackedReject reject_without_ack = UnackedReject::Drop;

  bool operator==(const Policy&) const = default;
};

// Why a policy cannot be used, or "" when it can. Checked when an Enforcer is built so a bad
// configuration fails at load time instead of on some later publish.
std::string validate_policy(const Policy& policy);

// Does `type` satisfy the policy's allowed types?
bool type_allowed(const Policy& policy, std::string_view type);

}  // namespace accord::enforcement
