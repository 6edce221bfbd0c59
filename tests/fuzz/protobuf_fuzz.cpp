// libFuzzer harness for the registry's Protobuf schemas (registry/protobuf).
//
// Input: .proto text, a NUL byte, payload bytes (no NUL: the whole input is the .proto text and
// the payload is empty). The text is parsed; when it parses:
//   - canonical_text() must parse again and give the same canonical text (proto_schema.hpp:
//     "It parses back ... into the same schema");
//   - the payload is validated as binary and as JSON, with unknown fields rejected and accepted.
//     Rejecting unknown fields only adds errors, so a payload that fails with Accept must fail
//     with Reject too; and a binary payload that passes with Accept must decode with
//     libprotobuf's own parser (payload_validation.cpp: the walk "accepts exactly what
//     protobuf's parser accepts").
// A broken property is a bug in the module: the harness prints it and calls abort().
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "registry/protobuf/payload_validation.hpp"
#include "registry/protobuf/proto_schema.hpp"

#include "fuzz_support.hpp"

namespace {

using accord::fuzz::print_escaped;

using namespace accord::protobuf_schema;

[[noreturn]] void die(const char* what, std::string_view text, std::string_view payload) {
  std::fprintf(stderr, "protobuf schema invariant broken: %s\n", what);
  print_escaped("proto text", text);
  print_escaped("payload", payload);
  std::abort();
}

void print_errors(const char* label, const std::vector<PayloadError>& errors) {
  std::fprintf(stderr, "%s:\n", label);
  for (const PayloadError& e : errors) {
    std::fprintf(stderr, "  \"%s\": %s\n", e.path.c_str(), e.message.c_str());
  }
}

void check_canonical_text(const ProtoSchema& schema, std::string_view text,
                          std::string_view payload) {
  const std::string canonical = schema.canonical_text();
  auto again = ProtoSchema::parse(canonical);
  if (const auto* error = std::get_if<ParseError>(&again)) {
    std::fprintf(stderr, "canonical text:\n%s\nits parse error:\n%s\n", canonical.c_str(),
                 error->message.c_str());
    die("canonical_text() does not parse", text, payload);
  }
  const std::string twice = std::get<std::shared_ptr<const ProtoSchema>>(again)->canonical_text();
  if (twice != canonical) {
    std::fprintf(stderr, "canonical text:\n%s\ncanonical text of that:\n%s\n", canonical.c_str(),
                 twice.c_str());
    die("canonical_text() is not a fixed point", text, payload);
  }
}

void check_binary(const ProtoSchema& schema, std::string_view text, std::string_view payload) {
  const std::vector<PayloadError> rejecting =
      validate_binary(schema, payload, UnknownFields::Reject);
  const std::vector<PayloadError> accepting =
      validate_binary(schema, payload, UnknownFields::Accept);
  if (!accepting.empty() && rejecting.empty()) {
    print_errors("binary errors with Accept", accepting);
    die("binary payload fails with UnknownFields::Accept but passes with Reject", text, payload);
  }
  if (accepting.empty() && schema.prototype() != nullptr) {
    std::unique_ptr<google::protobuf::Message> message(schema.prototype()->New());
    if (!message->ParsePartialFromArray(payload.data(), static_cast<int>(payload.size()))) {
      die("validate_binary accepts a payload libprotobuf's parser rejects", text, payload);
    }
  }
}

void check_json(const ProtoSchema& schema, std::string_view text, std::string_view payload) {
  const std::vector<PayloadError> rejecting = validate_json(schema, payload, UnknownFields::Reject);
  const std::vector<PayloadError> accepting = validate_json(schema, payload, UnknownFields::Accept);
  if (!accepting.empty() && rejecting.empty()) {
    print_errors("JSON errors with Accept", accepting);
    die("JSON payload fails with UnknownFields::Accept but passes with Reject", text, payload);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view text = input.substr(0, nul);
  const std::string_view payload =
      nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);

  auto parsed = ProtoSchema::parse(text);
  if (const auto* error = std::get_if<ParseError>(&parsed)) {
    if (error->message.empty()) die("ParseError without a message", text, payload);
    return 0;
  }
  const std::shared_ptr<const ProtoSchema>& schema =
      std::get<std::shared_ptr<const ProtoSchema>>(parsed);
  if (!schema) die("parse returned a null schema", text, payload);

  check_canonical_text(*schema, text, payload);
  check_binary(*schema, text, payload);
  check_json(*schema, text, payload);
  return 0;
}
