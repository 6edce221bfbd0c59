// JSON Schema compatibility: can a consumer that validates with one schema (the reader) accept
// every document that is valid under another (the writer)? The registry builds its levels from
// this one question: BACKWARD = check(new, old), FORWARD = check(old, new), FULL = both.
//
// The answer is conservative: when the checker cannot prove that every writer document is
// accepted, it reports an incompatibility. The rules it applies, one per keyword family, are
// listed in docs (and in the *_rules.cpp files of this directory).
#pragma once

#include <functional>
#include <string_view>

#include <boost/json/value.hpp>

#include "registry/compat/incompatibility.hpp"

namespace accord::compat {

// Resolves a $ref pointing outside the document (another registered schema, by the URI used in
// $ref) to its parsed JSON; nullptr if unknown. It is called first with the URI as written in
// the $ref (fragment removed), then, if that is unknown and differs, with the URI resolved
// against the enclosing $id. The returned value must stay alive until check_json_schema returns.
using JsonRefLoader = std::function<const boost::json::value*(std::string_view uri)>;

// Empty result = compatible: every document valid under `writer` is valid under `reader`.
// Otherwise one entry per problem found (all of them, de-duplicated by path and kind):
//   path   - JSON pointer of the offending keyword, in the reader schema when it exists there
//            (else in the writer); "<uri>#<pointer>" inside a document reached through `loader`,
//   kind   - stable UPPER_SNAKE identifier (TYPE_CHANGED, REQUIRED_ADDED, ...),
//   reason - one sentence naming the property and what changed.
// Schemas may be draft-07 or 2020-12 (2019-09 reads as 2020-12); both keyword sets are
// understood. Never throws for odd schemas; keywords it does not know are ignored.
Incompatibilities check_json_schema(const boost::json::value& reader,
                                    const boost::json::value& writer,
                                    const JsonRefLoader& loader = {});

}  // namespace accord::compat
