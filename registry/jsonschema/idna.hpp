// IDNA A-labels ("xn--..." host name labels): Punycode decoding (RFC 3492) and the IDNA2008
// validity rules for the decoded U-label (RFC 5891 section 5.4, RFC 5892 contextual rules).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace accord::jsonschema::detail {

// The code points encoded by `encoded` (the part after "xn--"); nullopt when not valid
// Punycode.
std::optional<std::u32string> punycode_decode(std::string_view encoded);

// RFC 5891/5892 checks on a decoded label. Character validity uses Unicode general categories
// (letters, digits and marks are allowed; upper case, symbols, punctuation and spaces are not)
// plus the RFC 5892 exception list; this approximates the full derived-property table.
bool is_valid_u_label(std::u32string_view label);

}  // namespace accord::jsonschema::detail
