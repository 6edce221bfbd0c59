// A structural walk of protobuf binary against a message descriptor, without decoding into a
// message. It exists for what the protobuf parser does not say: the parser stops at the first
// malformed byte without telling where, and it files a known field with the wrong wire type,
// or a value outside a closed enum, as an unknown field without complaint.
#pragma once

#include <google/protobuf/descriptor.h>

#include <string_view>
#include <vector>

#include "registry/protobuf/payload_validation.hpp"

namespace accord::protobuf_schema {

struct WireCheckResult {
  std::vector<PayloadError> errors;
  // True when the bytes are not well-formed protobuf at all (the walk stopped there);
  // false when they are, even if they carry unknown or mistyped fields.
  bool malformed = false;
};

WireCheckResult check_wire_format(const google::protobuf::Descriptor& message,
                                  std::string_view bytes, UnknownFields unknown_fields);

}  // namespace accord::protobuf_schema
