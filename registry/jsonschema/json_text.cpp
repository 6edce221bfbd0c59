#include "registry/jsonschema/json_text.hpp"

#include <algorithm>
#include <cstring>

namespace accord::jsonschema::detail {
namespace {

// simdjson parses integers up to these magnitudes exactly (uint64 for positive, int64 for
// negative); only larger ones are rewritten as doubles.
constexpr std::string_view kMaxUnsigned = "18446744073709551615";
constexpr std::string_view kMaxNegativeMagnitude = "9223372036854775808";

// A thread keeps its parser between calls; after one huge document it shrinks back to this, so
// an occasional large payload does not pin its memory for the thread's lifetime.
constexpr std::size_t kRetainedCapacity = 1 << 20;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Does the decimal `digits` (no sign, no leading zeros beyond a single "0") exceed `limit`?
bool exceeds(std::string_view digits, std::string_view limit) {
  if (digits.size() != limit.size()) return digits.size() > limit.size();
  return digits > limit;
}

}  // namespace

std::optional<std::string> widen_big_integers(std::string_view json) {
  std::string out;
  bool changed = false;
  std::size_t i = 0;
  while (i < json.size()) {
    const char c = json[i];
    if (c == '"') {
      // Copy the string literal untouched, escapes included.
      const std::size_t start = i++;
      while (i < json.size() && json[i] != '"') i += json[i] == '\\' ? 2 : 1;
      i = std::min(i + 1, json.size());
      out.append(json, start, i - start);
      continue;
    }
    if (c == '-' || is_digit(c)) {
      const std::size_t start = i;
      if (c == '-') ++i;
      const std::size_t digits_start = i;
      while (i < json.size() && is_digit(json[i])) ++i;
      const std::size_t digits = i - digits_start;
      const bool fraction_or_exponent =
          i < json.size() && (json[i] == '.' || json[i] == 'e' || json[i] == 'E');
      out.append(json, start, i - start);
      const std::string_view magnitude = json.substr(digits_start, digits);
      if (!fraction_or_exponent &&
          exceeds(magnitude, c == '-' ? kMaxNegativeMagnitude : kMaxUnsigned)) {
        out += ".0";
        changed = true;
      }
      continue;
    }
    out.push_back(c);
    ++i;
  }
  if (!changed) return std::nullopt;
  return out;
}

simdjson::error_code TextParser::parse_padded(std::string_view json, std::size_t max_depth,
                                              simdjson::dom::document* document,
                                              simdjson::dom::element& root) {
  const std::size_t needed = json.size() + simdjson::SIMDJSON_PADDING;
  const bool shrink = buffer_capacity_ > kRetainedCapacity && needed <= kRetainedCapacity;
  if (needed > buffer_capacity_ || shrink) {
    buffer_capacity_ = shrink ? kRetainedCapacity : std::max(needed, buffer_capacity_ * 2);
    buffer_ = std::make_unique<char[]>(buffer_capacity_);
  }
  // An empty view may carry a null pointer, which memcpy must not see even for 0 bytes.
  if (!json.empty()) std::memcpy(buffer_.get(), json.data(), json.size());
  std::memset(buffer_.get() + json.size(), 0, simdjson::SIMDJSON_PADDING);
  const bool shrink_parser =
      parser_.capacity() > kRetainedCapacity && json.size() <= kRetainedCapacity;
  if (depth_ != max_depth || shrink_parser) {
    // simdjson's depth counts the root value as one level and a scalar inside the deepest
    // container as another, hence the +1 for "max_depth nested arrays/objects".
    const std::size_t capacity =
        shrink_parser ? kRetainedCapacity : std::max(json.size(), parser_.capacity());
    if (auto error = parser_.allocate(capacity, max_depth + 1)) {
      return error;
    }
    depth_ = max_depth;
  }
  if (document != nullptr) {
    return parser_.parse_into_document(*document, buffer_.get(), json.size(), false).get(root);
  }
  return parser_.parse(buffer_.get(), json.size(), false).get(root);
}

simdjson::error_code TextParser::parse(std::string_view json, std::size_t max_depth,
                                       simdjson::dom::element& root) {
  auto error = parse_padded(json, max_depth, nullptr, root);
  if (error == simdjson::NUMBER_ERROR) {
    if (auto widened = widen_big_integers(json)) {
      error = parse_padded(*widened, max_depth, nullptr, root);
    }
  }
  return error;
}

simdjson::error_code TextParser::parse_into(std::string_view json, std::size_t max_depth,
                                            simdjson::dom::document& document,
                                            simdjson::dom::element& root) {
  auto error = parse_padded(json, max_depth, &document, root);
  if (error == simdjson::NUMBER_ERROR) {
    if (auto widened = widen_big_integers(json)) {
      error = parse_padded(*widened, max_depth, &document, root);
    }
  }
  return error;
}

}  // namespace accord::jsonschema::detail
