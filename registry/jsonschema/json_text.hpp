// Parsing JSON text with simdjson for the validator: a reusable padded buffer (no allocation
// per call once warm), and the fallback for integers beyond 64 bits.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace accord::jsonschema::detail {

// simdjson rejects integer literals that do not fit 64 bits. JSON Schema still has to judge
// them ("is a 60-digit integer an integer?"), so on that error the text is re-parsed with every
// such literal turned into a decimal ("123...9" -> "123...9.0"): it becomes a double of the same
// magnitude, integral, compared with double precision. Returns the rewritten text, or nullopt
// when the text has no such literal (so the error was something else).
std::optional<std::string> widen_big_integers(std::string_view json);

// A parser with its own padded input buffer, reused across calls.
class TextParser {
 public:
  // Parses into the parser's document (valid until the next call). Big integers are widened.
  simdjson::error_code parse(std::string_view json, std::size_t max_depth,
                             simdjson::dom::element& root);
  // Parses into a document the caller keeps (for schema documents).
  simdjson::error_code parse_into(std::string_view json, std::size_t max_depth,
                                  simdjson::dom::document& document, simdjson::dom::element& root);

 private:
  simdjson::error_code parse_padded(std::string_view json, std::size_t max_depth,
                                    simdjson::dom::document* document,
                                    simdjson::dom::element& root);
  simdjson::dom::parser parser_;
  std::unique_ptr<char[]> buffer_;
  std::size_t buffer_capacity_ = 0;
  std::size_t depth_ = 0;
};

}  // namespace accord::jsonschema::detail
