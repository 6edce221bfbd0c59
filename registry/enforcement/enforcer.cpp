#include "registry/enforcement/enforcer.hpp"

#include <algorithm>
#include <stdexcept>

#include "broker/codec/topic.hpp"
#include "registry/enforcement/detail.hpp"

namespace accord::enforcement {

namespace ce = cloudevents;

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::Accepted: return "accepted";
    case Outcome::Rejected: return "rejected";
    case Outcome::DeadLettered: return "dead-lettered";
    case Outcome::Dropped: return "dropped";
    case Outcome::LoggedOnly: return "logged-only";
    case Outcome::NotGoverned: return "not-governed";
  }
  return "unknown";
}

const char* to_string(FailureReason reason) {
  switch (reason) {
    case FailureReason::None: return "none";
    case FailureReason::PayloadTooLarge: return "payload_too_large";
    case FailureReason::NotCloudEvent: return "not_cloudevent";
    case FailureReason::ContentMode: return "content_mode";
    case FailureReason::Attribute: return "attribute";
    case FailureReason::TypeNotAllowed: return "type_not_allowed";
    case FailureReason::SchemaNotFound: return "schema_not_found";
    case FailureReason::DataInvalid: return "data_invalid";
  }
  return "unknown";
}

namespace {

Outcome outcome_for(FailureAction action) {
  switch (action) {
    case FailureAction::Reject: return Outcome::Rejected;
    case FailureAction::DeadLetter: return Outcome::DeadLettered;
    case FailureAction::Drop: return Outcome::Dropped;
    case FailureAction::LogOnly: return Outcome::LoggedOnly;
  }
  return Outcome::Rejected;
}

// Messages from the CloudEvents rules already name their attribute; do not say it twice.
std::string one_line(const Finding& f) {
  if (f.where.empty() || f.message.starts_with(f.where)) return f.message;
  return f.where + ": " + f.message;
}

std::string subject_for(const Policy& p, std::string_view topic, const std::string& type) {
  switch (p.subject_strategy) {
    case SubjectStrategy::Type: return type;
    case SubjectStrategy::Topic: return std::string(topic);
    case SubjectStrategy::TopicType: return std::string(topic) + "-" + type;
  }
  return type;
}

ce::ParseResult parse(ContentMode mode, const PublishView& p) {
  switch (mode) {
    case ContentMode::StructuredJson: return ce::parse_structured_json(p.payload);
    case ContentMode::Protobuf: return ce::parse_protobuf(p.payload);
    case ContentMode::Mqtt5Binary: break;
  }
  return ce::parse_mqtt5_binary({p.content_type, p.user_properties, p.payload});
}

// Everything up to the decision: appends findings to v.errors.
void inspect(const Policy& policy, const SchemaSource& source, const PublishView& p, Verdict& v) {
  if (policy.max_payload_bytes && p.payload.size() > policy.max_payload_bytes) {
    // Checked first so an oversized payload is never parsed.
    detail::add_finding(v, FailureReason::PayloadTooLarge, "payload",
                        "payload is " + std::to_string(p.payload.size()) +
                            " bytes, over the limit of " + std::to_string(policy.max_payload_bytes));
    return;
  }
  auto mode = detail::detect_mode(p, policy.require_cloudevents);
  if (!mode) {
    if (policy.require_cloudevents) {
      detail::add_finding(v, FailureReason::NotCloudEvent, "content-mode",
                          "not a CloudEvent (no cloudevents content type and no specversion "
                          "user property)");
      return;
    }
    // A plain payload on a topic that tolerates them: its only possible subject is the topic.
    if (policy.validate_data && policy.subject_strategy == SubjectStrategy::Topic) {
      detail::DataToCheck in{std::string(p.topic), std::nullopt, p.payload,
                             detail::data_format(p.content_type, true),
                             p.content_type.value_or("")};
      detail::check_data(policy, source, in, v);
    }
    return;
  }
  if (std::find(policy.allowed_modes.begin(), policy.allowed_modes.end(), *mode) ==
      policy.allowed_modes.end()) {
    detail::add_finding(v, FailureReason::ContentMode, "content-mode",
                        std::string("content mode ") + to_string(*mode) +
                            " is not allowed on this topic");
    return;
  }
  auto parsed = parse(*mode, p);
  for (auto& violation : parsed.violations)
    // A violation without an attribute is about the envelope as a whole (not JSON, not an
    // object, an undecodable protobuf event): not a CloudEvent at all.
    detail::add_finding(v, violation.attribute.empty() ? FailureReason::NotCloudEvent
                                                       : FailureReason::Attribute,
                        violation.attribute, violation.message);
  if (!parsed.ok()) return;
  const auto& e = parsed.event;
  if (!type_allowed(policy, e.type)) {
    detail::add_finding(v, FailureReason::TypeNotAllowed, "type",
                        "type '" + e.type + "' is not allowed on this topic");
    return;
  }
  if (!policy.validate_data) return;
  detail::DataToCheck in;
  in.subject = subject_for(policy, p.topic, e.type);
  if (e.dataschema) in.pin = ce::schema_pin(*e.dataschema);
  if (e.data_json) in.data = *e.data_json;
  else if (e.data_bytes) in.data = *e.data_bytes;
  // Only the JSON event format defines an absent datacontenttype as JSON.
  in.format = detail::data_format(e.datacontenttype, *mode == ContentMode::StructuredJson);
  // `data` (not data_base64) in a JSON event is JSON whatever datacontenttype claims.
  if (e.data_json) in.format = detail::DataFormat::Json;
  in.content_type = e.datacontenttype.value_or("");
  detail::check_data(policy, source, in, v);
}

}  // namespace

Enforcer::Enforcer(std::vector<Policy> policies, const SchemaSource& source)
    : policies_(std::move(policies)), source_(source) {
  for (const auto& p : policies_)
    if (auto error = validate_policy(p); !error.empty()) throw std::invalid_argument(error);
}

const Policy* Enforcer::match(std::string_view topic) const {
  for (const auto& p : policies_)
    if (mqtt::topic_matches_filter(topic, p.topic_filter)) return &p;
  return nullptr;
}

Verdict Enforcer::evaluate(const PublishView& p) const {
  Verdict v;
  const Policy* policy = match(p.topic);
  if (!policy) return v;  // NotGoverned
  v.policy = policy->name;
  v.dry_run = policy->dry_run;
  inspect(*policy, source_, p, v);

  if (v.errors.empty()) {
    v.outcome = v.would_be = Outcome::Accepted;
    return v;
  }
  v.reason = one_line(v.errors.front());
  v.would_be = outcome_for(policy->action);
  v.outcome = policy->dry_run ? Outcome::Accepted : v.would_be;
  if (v.would_be == Outcome::DeadLettered) {
    v.dead_letter_topic = policy->dead_letter_topic;
    auto& props = v.dead_letter_properties;
    props.emplace_back(kDeadLetterOriginalTopic, std::string(p.topic));
    props.emplace_back(kDeadLetterClientId, "");
    props.emplace_back(kDeadLetterPolicy, policy->name);
    if (!v.subject.empty() || v.schema_id)
      props.emplace_back(kDeadLetterSchema, v.subject + "/" + std::to_string(v.version) + "/" +
                                                std::to_string(v.schema_id));
    for (const auto& f : v.errors) props.emplace_back(kDeadLetterError, one_line(f));
  }
  return v;
}

}  // namespace accord::enforcement
