// Protobuf event format (application/cloudevents+protobuf).
#include "registry/cloudevents/cloudevents.hpp"
#include "registry/cloudevents/rules.hpp"

#include "cloudevents/cloudevents.pb.h"

#include <google/protobuf/util/time_util.h>

#include <limits>

namespace accord::cloudevents {
namespace {

using detail::add;
using detail::shown;
using Value = io::cloudevents::v1::CloudEventAttributeValue;

// The attribute value in canonical string form (the type system's string encodings).
std::optional<std::string> canonical(const Value& v) {
  switch (v.attr_case()) {
    case Value::kCeBoolean: return v.ce_boolean() ? "true" : "false";
    case Value::kCeInteger: return std::to_string(v.ce_integer());
    case Value::kCeString: return v.ce_string();
    case Value::kCeBytes: return detail::encode_base64(v.ce_bytes());
    case Value::kCeUri: return v.ce_uri();
    case Value::kCeUriRef: return v.ce_uri_ref();
    case Value::kCeTimestamp: return google::protobuf::util::TimeUtil::ToString(v.ce_timestamp());
    case Value::ATTR_NOT_SET: break;
  }
  return std::nullopt;
}

// The oneof case the format expects for each OPTIONAL core attribute.
Value::AttrCase expected_case(std::string_view name) {
  if (name == "dataschema") return Value::kCeUri;
  if (name == "time") return Value::kCeTimestamp;
  return Value::kCeString;  // datacontenttype, subject
}

}  // namespace

ParseResult parse_protobuf(std::string_view payload) {
  ParseResult result;
  auto& out = result.violations;
  io::cloudevents::v1::CloudEvent msg;
  if (payload.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      !msg.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    add(out, "", "syntax", "not a valid io.cloudevents.v1.CloudEvent protobuf message");
    return result;
  }
  Event& e = result.event;
  e.id = msg.id();
  e.source = msg.source();
  e.specversion = msg.spec_version();
  e.type = msg.type();
  for (const auto& [name, value] : msg.attributes()) {
    if (name == "id" || name == "source" || name == "specversion" || name == "type") {
      add(out, name, "binding", name + " is REQUIRED and must be the explicit field, not in attributes");
      continue;
    }
    auto text = canonical(value);
    if (!text) {
      add(out, name, "type", "attribute " + shown(name) + " has no value set");
      continue;
    }
    if (detail::is_core_attribute(name) && value.attr_case() != expected_case(name)) {
      add(out, name, "type", name + " has the wrong CloudEventAttributeValue type");
      continue;
    }
    detail::set_attribute(e, name, std::move(*text));
  }
  switch (msg.data_case()) {
    case io::cloudevents::v1::CloudEvent::kBinaryData: e.data_bytes = msg.binary_data(); break;
    case io::cloudevents::v1::CloudEvent::kTextData: e.data_bytes = msg.text_data(); break;
    // The packed message's bytes; its type is in the Any's type_url, not kept here.
    case io::cloudevents::v1::CloudEvent::kProtoData: e.data_bytes = msg.proto_data().value(); break;
    case io::cloudevents::v1::CloudEvent::DATA_NOT_SET: break;
  }
  detail::check_event(e, out);
  return result;
}

}  // namespace accord::cloudevents
