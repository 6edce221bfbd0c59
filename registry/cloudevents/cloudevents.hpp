// CloudEvents 1.0 as MQTT carries them: parse an event in one of its three encodings and check
// it against the spec's attribute rules. Pure functions, no I/O; safe to call from any thread.
//
// Every broken rule is reported (not just the first) so a producer can fix an event in one go.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace accord::cloudevents {

// One broken rule: the attribute it concerns ("" for the envelope as a whole), a short rule
// name (see rules.hpp for the list) and a human-readable message.
struct Violation {
  std::string attribute;
  std::string rule;
  std::string message;
};

struct Event {
  std::string id, source, specversion, type;
  std::optional<std::string> datacontenttype, dataschema, subject, time;
  // Extension attributes in their canonical string form (the form binary modes carry).
  std::map<std::string, std::string> extensions;
  // At most one of these is set.
  std::optional<std::string> data_json;   // `data` of a structured JSON event, minified
  std::optional<std::string> data_bytes;  // data_base64 decoded, MQTT payload, or protobuf data
};

struct ParseResult {
  Event event;
  std::vector<Violation> violations;
  bool ok() const { return violations.empty(); }
};

// application/cloudevents+json
ParseResult parse_structured_json(std::string_view payload);

// An MQTT 5 PUBLISH in binary content mode: attributes are user properties named exactly as
// the attributes, datacontenttype is the Content Type property, the payload is the data.
struct Mqtt5Binary {
  std::optional<std::string> content_type;
  std::vector<std::pair<std::string, std::string>> user_properties;
  std::string_view payload;
};
ParseResult parse_mqtt5_binary(const Mqtt5Binary& message);

// application/cloudevents+protobuf (io.cloudevents.v1.CloudEvent)
ParseResult parse_protobuf(std::string_view payload);

// Where a dataschema points into this registry:
//   <any base>/subjects/{subject}/versions/{version}   (version: digits or "latest")
//   <any base>/schemas/ids/{id}                        (subject and version empty)
//   accord:<subject>:<version>
struct SchemaPin {
  std::string subject;
  std::string version;
  std::optional<int> id;
};
std::optional<SchemaPin> schema_pin(std::string_view dataschema);

}  // namespace accord::cloudevents
