// One reason why two schema versions are not compatible. Shared by every schema format's
// checker (JSON Schema: registry/compat, Protobuf: registry/protobuf) so the registry reports
// them the same way. Header-only on purpose: format modules include it without linking each other.
#pragma once

#include <string>
#include <vector>

namespace accord::compat {

struct Incompatibility {
  // Where, in the schema: a JSON pointer for JSON Schema ("/properties/temp/type"), a
  // descriptor path for Protobuf ("Reading.temperature" or "Reading#7" for a field number).
  std::string path;
  // Stable machine-readable kind, e.g. "TYPE_NARROWED", "FIELD_REMOVED_NOT_RESERVED".
  std::string kind;
  // One sentence a person can act on: what changed and why an old reader/writer breaks.
  std::string reason;
};

using Incompatibilities = std::vector<Incompatibility>;

}  // namespace accord::compat
