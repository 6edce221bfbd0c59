// Small helpers over JSON values with JSON Schema's meaning: 1 and 1.0 are the same number,
// string length counts code points, and values are shown to people in short form.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace accord::compat {

// Equality as `const`/`enum` define it: numbers by mathematical value, objects ignore order.
bool json_equal(const boost::json::value& a, const boost::json::value& b);

// The number a value holds (int64, uint64 or double); nullopt for non-numbers.
std::optional<double> number_of(const boost::json::value& value);

// JSON Schema calls a number an integer when its fractional part is zero (1.0 is an integer).
bool is_integer_value(const boost::json::value& value);

// Compact JSON text for a reason sentence, cut to about `limit` characters.
std::string show_value(const boost::json::value& value, std::size_t limit = 40);

// Length in Unicode code points, as minLength/maxLength count it (continuation bytes skipped).
std::size_t code_point_length(std::string_view utf8);

// Is `x` an integer multiple of `divisor` (> 0)? Tolerates binary rounding, so 0.3 is a
// multiple of 0.1 as a person means it.
bool is_multiple_of(double x, double divisor);

// `x` rendered without a trailing ".0" for integral values, for reasons: 5, 0.5, 1e+20.
std::string show_number(double x);

// "1 item", "3 items": a count for reasons.
std::string counted(double count, std::string_view singular, std::string_view plural);

}  // namespace accord::compat
