// libFuzzer harness for CloudEvents parsing and the spec's attribute rules (registry/cloudevents).
//
// Input: one selector byte, then the body. selector % 4 picks the entry point (so the ASCII
// digits '0'..'3' used by the seeds pick them in order):
//   0  parse_structured_json(body)
//   1  parse_mqtt5_binary: the body split at NUL bytes into pieces
//        content type, name, value, name, value, ..., payload
//      An empty first piece means no Content Type property. With a single piece there is no
//      payload; otherwise the last piece is the payload and the pieces between are user
//      properties, in pairs (a name without a value gets an empty value).
//   2  parse_protobuf(body)
//   3  schema_pin(body)
// Properties checked for every ParseResult (cloudevents.hpp):
//   - ok() == violations.empty();
//   - every violation has a non-empty rule and a non-empty message;
//   - a structured JSON event that parses ok has non-empty id, source, type and specversion,
//     and specversion == "1.0".
// For schema_pin, a pin is either an id (> 0, subject and version empty) or a non-empty
// subject with a version that is "latest" or digits. An ok event's dataschema is fed to
// schema_pin too. A broken property is a bug in the module: the harness prints it and aborts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <google/protobuf/stubs/logging.h>

#include "registry/cloudevents/cloudevents.hpp"

#include "fuzz_support.hpp"

namespace {

using accord::fuzz::print_escaped;

using namespace accord::cloudevents;

[[noreturn]] void die(const char* what, const char* entry, std::string_view body,
                      const ParseResult* result = nullptr) {
  std::fprintf(stderr, "cloudevents invariant broken (%s): %s\n", entry, what);
  print_escaped("body", body);
  if (result != nullptr) {
    const Event& e = result->event;
    print_escaped("id", e.id);
    print_escaped("source", e.source);
    print_escaped("specversion", e.specversion);
    print_escaped("type", e.type);
    for (const Violation& v : result->violations) {
      std::fprintf(stderr, "  violation attribute \"%s\" rule \"%s\": %s\n", v.attribute.c_str(),
                   v.rule.c_str(), v.message.c_str());
    }
  }
  std::abort();
}

bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

void check_pin(const char* entry, std::string_view body, std::string_view dataschema) {
  const std::optional<SchemaPin> pin = schema_pin(dataschema);
  if (!pin) return;
  if (pin->id) {
    if (*pin->id <= 0) die("schema_pin gives an id <= 0", entry, body);
    if (!pin->subject.empty() || !pin->version.empty()) {
      die("schema_pin gives an id together with a subject or version", entry, body);
    }
    return;
  }
  if (pin->subject.empty()) die("schema_pin gives an empty subject", entry, body);
  if (pin->version != "latest" && !is_digits(pin->version)) {
    die("schema_pin gives a version that is neither \"latest\" nor digits", entry, body);
  }
}

void check_result(const char* entry, std::string_view body, const ParseResult& result,
                  bool structured) {
  if (result.ok() != result.violations.empty()) {
    die("ok() disagrees with violations.empty()", entry, body, &result);
  }
  for (const Violation& v : result.violations) {
    if (v.rule.empty()) die("violation without a rule", entry, body, &result);
    if (v.message.empty()) die("violation without a message", entry, body, &result);
  }
  if (!result.ok()) return;
  const Event& e = result.event;
  if (structured) {
    if (e.id.empty()) die("ok structured event with an empty id", entry, body, &result);
    if (e.source.empty()) die("ok structured event with an empty source", entry, body, &result);
    if (e.type.empty()) die("ok structured event with an empty type", entry, body, &result);
    if (e.specversion.empty()) {
      die("ok structured event with an empty specversion", entry, body, &result);
    }
    if (e.specversion != "1.0") {
      die("ok structured event whose specversion is not \"1.0\"", entry, body, &result);
    }
  }
  if (e.dataschema) check_pin(entry, body, *e.dataschema);
}

Mqtt5Binary split_binary(std::string_view body) {
  std::vector<std::string_view> pieces;
  for (;;) {
    const std::size_t nul = body.find('\0');
    pieces.push_back(body.substr(0, nul));
    if (nul == std::string_view::npos) break;
    body.remove_prefix(nul + 1);
  }
  Mqtt5Binary message;
  if (!pieces.front().empty()) message.content_type = std::string(pieces.front());
  if (pieces.size() >= 2) {
    message.payload = pieces.back();
    for (std::size_t i = 1; i + 1 < pieces.size(); i += 2) {
      const std::string_view name = pieces[i];
      const std::string_view value = i + 2 < pieces.size() ? pieces[i + 1] : std::string_view();
      message.user_properties.emplace_back(std::string(name), std::string(value));
    }
  }
  return message;
}

}  // namespace

// libprotobuf logs every string field with invalid UTF-8 it meets while parsing; the fuzzer meets
// many, and parse_protobuf reports them as violations anyway. Keep the output readable.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      check_result("structured JSON", body, parse_structured_json(body), true);
      break;
    case 1:
      check_result("MQTT 5 binary", body, parse_mqtt5_binary(split_binary(body)), false);
      break;
    case 2:
      check_result("protobuf", body, parse_protobuf(body), false);
      break;
    case 3:
      check_pin("schema_pin", body, body);
      break;
  }
  return 0;
}
