// MQTT protocol binding, MQTT 5 binary content mode.
#include "registry/cloudevents/cloudevents.hpp"
#include "registry/cloudevents/rules.hpp"

#include <set>

namespace accord::cloudevents {

using detail::add;
using detail::shown;

ParseResult parse_mqtt5_binary(const Mqtt5Binary& message) {
  ParseResult result;
  auto& out = result.violations;
  std::set<std::string> seen;
  for (const auto& [name, value] : message.user_properties) {
    // MQTT 5 allows repeated user property names; an attribute can only have one value.
    if (!seen.insert(name).second) {
      add(out, name, "duplicate", "user property " + shown(name) + " is given more than once");
      continue;
    }
    // The binding maps datacontenttype to the MQTT Content Type property, not a user property.
    if (name == "datacontenttype") {
      add(out, name, "binding", "datacontenttype must be carried in the MQTT Content Type property");
      continue;
    }
    // Binary mode carries every value in its canonical string form, so any type is a string here.
    detail::set_attribute(result.event, name, value);
  }
  result.event.datacontenttype = message.content_type;
  if (!message.payload.empty()) result.event.data_bytes = std::string(message.payload);
  detail::check_event(result.event, out);
  return result;
}

}  // namespace accord::cloudevents
