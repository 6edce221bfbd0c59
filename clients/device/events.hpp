// The events accord-device publishes: a template (a JSON CloudEvent with placeholders) or a JSON
// Schema's `examples`, rendered per message. Placeholders (anywhere in the template text, inside
// strings or as bare values; also in --topic, --type and --source):
//
//   {{device}}          the device name: device-1 .. device-N
//   {{seq}}             the device's message number, 1, 2, ...
//   {{n}}               the run's message number, 1, 2, ...
//   {{uuid}}            a random UUID (version 4)
//   {{now}}             the send time, RFC 3339 UTC with milliseconds
//   {{rand:MIN:MAX}}    a uniform random number; integers when MIN and MAX are integers,
//                       else a decimal with 2 digits
//
// A rendered template must be a JSON object; missing specversion ("1.0"), id ({{uuid}}) and
// source (/accord-device/{{device}}) are filled in, --type/--source replace the template's.
#pragma once

#include <boost/json.hpp>

#include <random>
#include <string>
#include <vector>

namespace accord::clients {

struct RenderContext {
  std::string device;
  std::uint64_t seq = 1;
  std::uint64_t n = 1;
  std::mt19937_64* rng = nullptr;
};

// A text with placeholders, parsed once; throws Failure (kUsage) on an unknown placeholder.
class Template {
 public:
  Template() = default;
  explicit Template(const std::string& text);
  std::string render(const RenderContext& ctx) const;
  bool empty() const { return parts_.empty(); }

 private:
  enum class Kind { Text, Device, Seq, N, Uuid, Now, RandInt, RandReal };
  struct Part {
    Kind kind;
    std::string text;
    double lo = 0, hi = 0;
  };
  std::vector<Part> parts_;
};

class EventSource {
 public:
  // A template file (a JSON CloudEvent with placeholders).
  static EventSource from_template_text(const std::string& text, const std::string& type,
                                        const std::string& source);
  // A JSON Schema's `examples` (each one an event's data); `type` is required.
  static EventSource from_schema_text(const std::string& schema, const std::string& type,
                                      const std::string& source, const std::string& what);

  // The event for one message; throws Failure (kUsage) when the template does not render to a
  // JSON object.
  boost::json::object render(const RenderContext& ctx) const;
  std::size_t variants() const { return templates_.size(); }

 private:
  std::vector<Template> templates_;  // round-robin over the schema's examples
  Template type_, source_;
};

std::string uuid4(std::mt19937_64& rng);

}  // namespace accord::clients
