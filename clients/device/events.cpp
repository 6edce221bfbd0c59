#include "events.hpp"

#include <cmath>
#include <cstdio>

#include "mqtt_connection.hpp"

namespace accord::clients {

namespace json = boost::json;

namespace {

bool parse_number(const std::string& s, double& out, bool& integral) {
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(out)) return false;
  integral = s.find_first_of(".eE") == std::string::npos;
  return true;
}

}  // namespace

std::string uuid4(std::mt19937_64& rng) {
  const std::uint64_t a = rng(), b = rng();
  unsigned char bytes[16];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(a >> (8 * i));
  for (int i = 0; i < 8; ++i) bytes[8 + i] = static_cast<unsigned char>(b >> (8 * i));
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", bytes[0],
                bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
  return out;
}

Template::Template(const std::string& text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto open = text.find("{{", pos);
    if (open == std::string::npos) {
      parts_.push_back({Kind::Text, text.substr(pos)});
      break;
    }
    if (open > pos) parts_.push_back({Kind::Text, text.substr(pos, open - pos)});
    const auto close = text.find("}}", open + 2);
    if (close == std::string::npos)
      throw Failure{kUsage, "unterminated placeholder '" + text.substr(open, 20) + "'"};
    const std::string name = text.substr(open + 2, close - open - 2);
    if (name == "device") parts_.push_back({Kind::Device, {}});
    else if (name == "seq") parts_.push_back({Kind::Seq, {}});
    else if (name == "n") parts_.push_back({Kind::N, {}});
    else if (name == "uuid") parts_.push_back({Kind::Uuid, {}});
    else if (name == "now") parts_.push_back({Kind::Now, {}});
    else if (name.rfind("rand:", 0) == 0) {
      const std::string args = name.substr(5);
      const auto colon = args.find(':');
      double lo = 0, hi = 0;
      bool lo_int = false, hi_int = false;
      if (colon == std::string::npos || !parse_number(args.substr(0, colon), lo, lo_int) ||
          !parse_number(args.substr(colon + 1), hi, hi_int) || hi < lo)
        throw Failure{kUsage, "bad placeholder {{" + name + "}} (expected {{rand:MIN:MAX}}, MIN <= MAX)"};
      parts_.push_back({lo_int && hi_int ? Kind::RandInt : Kind::RandReal, {}, lo, hi});
    } else {
      throw Failure{kUsage, "unknown placeholder {{" + name +
                                "}} (known: device, seq, n, uuid, now, rand:MIN:MAX)"};
    }
    pos = close + 2;
  }
}

std::string Template::render(const RenderContext& ctx) const {
  std::string out;
  for (const auto& p : parts_) {
    switch (p.kind) {
      case Kind::Text: out += p.text; break;
      case Kind::Device: out += ctx.device; break;
      case Kind::Seq: out += std::to_string(ctx.seq); break;
      case Kind::N: out += std::to_string(ctx.n); break;
      case Kind::Uuid: out += uuid4(*ctx.rng); break;
      case Kind::Now: out += rfc3339_now(); break;
      case Kind::RandInt: {
        std::uniform_int_distribution<long long> d(static_cast<long long>(p.lo), static_cast<long long>(p.hi));
        out += std::to_string(d(*ctx.rng));
        break;
      }
      case Kind::RandReal: {
        std::uniform_real_distribution<double> d(p.lo, p.hi);
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.2f", d(*ctx.rng));
        out += buf;
        break;
      }
    }
  }
  return out;
}

EventSource EventSource::from_template_text(const std::string& text, const std::string& type,
                                            const std::string& source) {
  EventSource s;
  s.templates_.emplace_back(text);
  if (!type.empty()) s.type_ = Template(type);
  if (!source.empty()) s.source_ = Template(source);
  return s;
}

EventSource EventSource::from_schema_text(const std::string& schema_text, const std::string& type,
                                          const std::string& source, const std::string& what) {
  json::error_code ec;
  const json::value schema = json::parse(schema_text, ec);
  if (ec || !schema.is_object()) throw Failure{kUsage, what + " is not a JSON Schema (JSON object)"};
  const auto* examples = schema.as_object().if_contains("examples");
  if (!examples || !examples->is_array() || examples->as_array().empty())
    throw Failure{kUsage, what + " has no `examples` to publish"};
  if (type.empty()) throw Failure{kUsage, "--type is needed with --schema"};
  EventSource s;
  for (const auto& example : examples->as_array()) {
    json::object event{{"specversion", "1.0"}, {"id", "{{uuid}}"}, {"time", "{{now}}"},
                       {"datacontenttype", "application/json"}, {"data", example}};
    s.templates_.emplace_back(to_json_text(event));
  }
  s.type_ = Template(type);
  if (!source.empty()) s.source_ = Template(source);
  return s;
}

json::object EventSource::render(const RenderContext& ctx) const {
  const Template& t = templates_[(ctx.n - 1) % templates_.size()];
  const std::string text = t.render(ctx);
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) throw Failure{kUsage, "the template does not render to JSON (" + ec.message() + "): " + text.substr(0, 200)};
  if (!v.is_object()) throw Failure{kUsage, "the template does not render to a JSON object"};
  json::object& in = v.as_object();
  if (!type_.empty()) in["type"] = type_.render(ctx);
  if (!source_.empty()) in["source"] = source_.render(ctx);
  if (!in.contains("specversion")) in["specversion"] = "1.0";
  if (!in.contains("id")) in["id"] = uuid4(*ctx.rng);
  if (!in.contains("source")) in["source"] = "/accord-device/" + ctx.device;
  if (!in.contains("type")) throw Failure{kUsage, "the event has no type: give --type or a \"type\" in the template"};
  if (in.contains("data") && !in.contains("datacontenttype") && !in.contains("data_base64"))
    in["datacontenttype"] = "application/json";
  // The context attributes first, then the template's order, data last.
  json::object event;
  for (const char* k : {"specversion", "id", "source", "type", "time", "datacontenttype", "dataschema", "subject"})
    if (const auto* a = in.if_contains(k)) event[k] = *a;
  for (const auto& [k, a] : in)
    if (!event.contains(k) && k != "data" && k != "data_base64") event[k] = a;
  for (const char* k : {"data", "data_base64"})
    if (const auto* a = in.if_contains(k)) event[k] = *a;
  return event;
}

}  // namespace accord::clients
