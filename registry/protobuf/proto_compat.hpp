// Wire compatibility between two versions of a Protobuf schema: can a consumer compiled with
// `reader` decode every message encoded with `writer` without misinterpreting data? The rules
// (one comment each in proto_compat.cpp, summary in docs) follow buf's WIRE category, plus
// field and enum value names because the registry also validates JSON payloads, where names
// are the keys.
#pragma once

#include "registry/compat/incompatibility.hpp"
#include "registry/protobuf/proto_schema.hpp"

namespace accord::protobuf_schema {

// Which schema is the newer version. Two versions alone cannot tell a removed field from an
// added one (the pair looks the same either way round), so the rules about how removals are
// done (reserve the number and name; never reuse what was reserved) need to know. With
// Unknown they are skipped and only what breaks decoding between these two is reported.
enum class NewerSchema { Unknown, Reader, Writer };

// Empty = compatible. Registry levels: BACKWARD = check_protobuf(new, old, NewerSchema::Reader),
// FORWARD = check_protobuf(old, new, NewerSchema::Writer), FULL = both.
compat::Incompatibilities check_protobuf(const ProtoSchema& reader, const ProtoSchema& writer,
                                         NewerSchema newer = NewerSchema::Unknown);

// The registry levels spelled out, so callers need not remember which side reads.
// BACKWARD: consumers on `new_schema` read data written with `old_schema`.
compat::Incompatibilities check_backward(const ProtoSchema& new_schema,
                                         const ProtoSchema& old_schema);
// FORWARD: consumers still on `old_schema` read data written with `new_schema`.
compat::Incompatibilities check_forward(const ProtoSchema& new_schema,
                                        const ProtoSchema& old_schema);

}  // namespace accord::protobuf_schema
