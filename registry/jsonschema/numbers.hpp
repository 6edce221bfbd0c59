// JSON numbers as simdjson delivers them (int64, uint64 or double), compared and divided
// exactly where the representation allows it, so 1 == 1.0 and 2^64-1 stays exact.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>

namespace accord::jsonschema::detail {

struct Number {
  enum class Kind : std::uint8_t { Int, UInt, Double };
  Kind kind = Kind::Int;
  std::int64_t i = 0;   // Kind::Int
  std::uint64_t u = 0;  // Kind::UInt (only values above INT64_MAX)
  double d = 0;         // Kind::Double

  static Number of_int(std::int64_t v) { return {Kind::Int, v, 0, 0}; }
  static Number of_uint(std::uint64_t v);
  static Number of_double(double v) { return {Kind::Double, 0, 0, v}; }
  // Empty when the element is not a number.
  static std::optional<Number> of(const simdjson::dom::element& e);

  double as_double() const;
  bool is_integer() const;  // 1.0 is an integer
  bool is_negative() const;
};

// <0, 0, >0; exact for every pair simdjson can produce.
int compare(const Number& a, const Number& b);

// `divisor` > 0. Exact for integers; for fractions a tolerance of a few ulps of the quotient
// absorbs the binary rounding of decimal input (0.0075 is a multiple of 0.0001).
bool is_multiple_of(const Number& value, const Number& divisor);

// Shortest text that reads back as the same value ("40", "42.5", "1e+308").
std::string to_string(const Number& n);

}  // namespace accord::jsonschema::detail
