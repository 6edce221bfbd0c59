#include <algorithm>
#include <cctype>

#include "registry/enforcement/detail.hpp"

namespace accord::enforcement::detail {

std::string media_type(std::string_view ct) {
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && std::isspace(static_cast<unsigned char>(ct.front()))) ct.remove_prefix(1);
  while (!ct.empty() && std::isspace(static_cast<unsigned char>(ct.back()))) ct.remove_suffix(1);
  std::string out(ct);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

namespace {
// MQTT 3.1.1 has no content type, so a CloudEvent there can only be a structured JSON event.
// When the policy does not require CloudEvents, a cheap sniff decides whether to treat the
// payload as one: a JSON object that names specversion.
bool looks_structured(std::string_view payload) {
  auto first = payload.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && payload[first] == '{' &&
         payload.find("\"specversion\"") != std::string_view::npos;
}
}  // namespace

std::optional<ContentMode> detect_mode(const PublishView& p, bool require_cloudevents) {
  if (p.protocol_version < 5) {
    if (require_cloudevents || looks_structured(p.payload)) return ContentMode::StructuredJson;
    return std::nullopt;
  }
  if (p.content_type) {
    auto mt = media_type(*p.content_type);
    if (mt == "application/cloudevents+json") return ContentMode::StructuredJson;
    if (mt == "application/cloudevents+protobuf") return ContentMode::Protobuf;
  }
  // The MQTT binding puts every attribute in a user property named as the attribute; the one
  // every event must have is specversion.
  for (const auto& [name, value] : p.user_properties)
    if (name == "specversion") return ContentMode::Mqtt5Binary;
  return std::nullopt;
}

std::optional<DataFormat> data_format(const std::optional<std::string>& content_type,
                                      bool absent_means_json) {
  if (!content_type) {
    if (absent_means_json) return DataFormat::Json;
    return std::nullopt;
  }
  auto mt = media_type(*content_type);
  if (mt == "application/json" || mt == "text/json" || mt.ends_with("+json")) return DataFormat::Json;
  if (mt == "application/protobuf" || mt == "application/x-protobuf") return DataFormat::ProtobufBinary;
  return std::nullopt;
}

}  // namespace accord::enforcement::detail
