// JSON Schema patterns are ECMA-262 regular expressions (with unicode semantics); we run them
// on RE2, which guarantees linear time. This translates the syntax where the two differ and
// says clearly when a valid ECMA-262 pattern needs a feature RE2 cannot offer.
#pragma once

#include <string>
#include <string_view>

namespace accord::jsonschema::detail {

struct TranslatedRegex {
  enum class Status {
    Ok,           // `re2` holds an equivalent RE2 pattern
    Unsupported,  // valid ECMA-262, but uses lookaround or a backreference: `message` says which
    Invalid,      // not an ECMA-262 pattern: `message` says why
  };
  Status status = Status::Ok;
  std::string re2;
  std::string message;
};

// Differences handled: `.` excludes all ECMA line terminators; `\s`/`\S` use ECMA's Unicode
// whitespace set; `\uXXXX` (with surrogate pairs), `\u{...}`, `\xHH`, `\cX`, `\0`; `[^]` and
// `[]`; `(?<name>` named groups; `\p{...}` long general-category names and "Script=".
// Identity escapes are allowed for punctuation only (a letter escape such as `\a` is invalid,
// as in unicode mode).
TranslatedRegex translate_ecma_regex(std::string_view pattern);

}  // namespace accord::jsonschema::detail
