// libprotobuf's JSON parser reports a failure as one status message, with the location (when
// it knows one) folded into the text. This splits it back into a PayloadError's path and
// message.
#pragma once

#include <string>

#include "registry/protobuf/payload_validation.hpp"

namespace accord::protobuf_schema {

PayloadError payload_error_from_json_status(const std::string& status_message);

}  // namespace accord::protobuf_schema
