// The enforcer's answer for one publish: what to do, why, and what to attach.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace accord::enforcement {

enum class Outcome : std::uint8_t {
  Accepted,      // deliver
  Rejected,      // refuse: PUBACK/PUBREC reason 0x99 (payload format invalid) + reason string
  DeadLettered,  // deliver to the policy's dead_letter_topic instead, with dead_letter_properties
  Dropped,       // acknowledge but do not deliver
  LoggedOnly,    // deliver and log the errors
  NotGoverned,   // no policy's filter matches the topic: deliver
};
const char* to_string(Outcome outcome);

// Why a publish failed, as a closed set: the label metrics count by (a reason string would give
// one time series per distinct message).
enum class FailureReason : std::uint8_t {
  None,
  PayloadTooLarge,  // over the policy's max_payload_bytes
  NotCloudEvent,    // CloudEvents required and the publish is none
  ContentMode,      // a content mode the policy does not allow
  Attribute,        // a CloudEvents attribute rule (missing id, bad time, ...)
  TypeNotAllowed,   // type outside the policy's allowed types
  SchemaNotFound,   // no registered schema for the subject or the dataschema pin
  DataInvalid,      // data fails its schema, or cannot be read as its content type
};
inline constexpr int kFailureReasonCount = 8;
const char* to_string(FailureReason reason);  // "payload_too_large", ...

// One broken rule. `where`: a CloudEvents attribute ("time"), the data with a JSON pointer or
// field path ("data/temperature"), a policy check ("content-mode", "type", "payload"), or "".
struct Finding {
  std::string where;
  std::string message;
};

// User property names on a dead-lettered message. Repeated "accord-error" properties carry one
// finding each: MQTT 5 allows a name to repeat and consumers keep the order.
inline constexpr const char* kDeadLetterOriginalTopic = "accord-original-topic";
inline constexpr const char* kDeadLetterClientId = "accord-client-id";
inline constexpr const char* kDeadLetterPolicy = "accord-policy";
inline constexpr const char* kDeadLetterSchema = "accord-schema";  // "subject/version/id"
inline constexpr const char* kDeadLetterError = "accord-error";

struct Verdict {
  Outcome outcome = Outcome::NotGoverned;
  // What the policy's action would have produced: equal to `outcome` except in dry runs,
  // where `outcome` is Accepted and this says what enforcement would have done.
  Outcome would_be = Outcome::NotGoverned;
  bool dry_run = false;
  std::string policy;
  std::string subject;  // registry subject the data was checked against ("" if none)
  int version = 0;      // 0 when unknown (e.g. pinned by id)
  int schema_id = 0;
  FailureReason failure = FailureReason::None;  // the class of the first finding
  std::string reason;   // the first finding on one line (the MQTT 5 reason string); "" if none
  std::vector<Finding> errors;
  // DeadLettered (or would be, in a dry run): where to publish and what to attach. The value of
  // kDeadLetterClientId is left empty: only the caller knows the publishing client.
  std::string dead_letter_topic;
  std::vector<std::pair<std::string, std::string>> dead_letter_properties;

  bool passed() const { return errors.empty(); }
};

}  // namespace accord::enforcement
