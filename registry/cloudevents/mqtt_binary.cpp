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
    // The binding maps datacontenttype to the MQTT Content Type property. The CloudEvents
    // JavaScript SDK writes it as a user property as well (and reads it back only from there),
    // so a copy that agrees with Content Type, or stands in for a missing one, is accepted; one
    // that contradicts it is not.
    if (name == "datacontenttype") {
      if (message.content_type && *message.content_type != value)
        add(out, name, "binding",
            "datacontenttype user property " + shown(value) +
                " contradicts the MQTT Content Type " + shown(*message.content_type));
      else if (!message.content_type)
        result.event.datacontenttype = value;
      continue;
    }
    // Binary mode carries every value in its canonical string form, so any type is a string here.
    detail::set_attribute(result.event, name, value);
  }
  if (message.content_type) result.event.datacontenttype = message.content_type;
  if (!message.payload.empty()) result.event.data_bytes = std::string(message.payload);
  detail::check_event(result.event, out);
  return result;
}

}  // namespace accord::cloudevents
