#include "registry/protobuf/payload_validation.hpp"

#include <google/protobuf/util/json_util.h>

#include <memory>

#include "registry/protobuf/json_status_error.hpp"
#include "registry/protobuf/wire_format_check.hpp"

namespace accord::protobuf_schema {

namespace gp = google::protobuf;

namespace {

PayloadError no_message_error() {
  return {"", "the schema declares no message to validate against"};
}

// Proto2 required fields are the one thing the structural walk does not check: decode with
// protobuf's own parser and ask it which are missing, by path.
void check_required_fields(const ProtoSchema& schema, std::string_view bytes,
                           std::vector<PayloadError>& errors) {
  std::unique_ptr<gp::Message> message(schema.prototype()->New());
  // Payloads come from outside: libprotobuf would log an ERROR line for each bad UTF-8 string;
  // the structural walk already reported it to the caller.
  gp::LogSilencer quiet;
  if (!message->ParsePartialFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    errors.push_back({"", "not a valid encoding of " + schema.message()->full_name()});
    return;
  }
  if (message->IsInitialized()) return;
  std::vector<std::string> missing;
  message->FindInitializationErrors(&missing);
  for (const std::string& path : missing) {
    const auto dot = path.rfind('.');
    const std::string name = dot == std::string::npos ? path : path.substr(dot + 1);
    errors.push_back({path, "required field \"" + name + "\" is missing"});
  }
}

}  // namespace

std::vector<PayloadError> validate_binary(const ProtoSchema& schema, std::string_view bytes,
                                          UnknownFields unknown_fields) {
  if (schema.message() == nullptr) return {no_message_error()};
  // The walk accepts exactly what protobuf's parser accepts (a differential test keeps it
  // so), at a fraction of the cost of decoding, so a full decode happens only when required
  // fields need checking.
  WireCheckResult wire = check_wire_format(*schema.message(), bytes, unknown_fields);
  if (!wire.malformed && schema.has_required_fields())
    check_required_fields(schema, bytes, wire.errors);
  return std::move(wire.errors);
}

std::vector<PayloadError> validate_json(const ProtoSchema& schema, std::string_view json,
                                        UnknownFields unknown_fields) {
  if (schema.message() == nullptr) return {no_message_error()};
  gp::util::JsonParseOptions options;
  options.ignore_unknown_fields = unknown_fields == UnknownFields::Accept;
  // The converter resolves types through the schema's resolver (built once) and checks
  // everything, proto2 required fields included; the binary it produces is not needed.
  std::string binary;
  const gp::util::Status status =
      gp::util::JsonToBinaryString(schema.type_resolver(), schema.type_url(),
                                   gp::StringPiece(json.data(), json.size()), &binary, options);
  if (!status.ok()) return {payload_error_from_json_status(std::string(status.message()))};
  return {};
}

}  // namespace accord::protobuf_schema
