#include "registry/jsonschema/numbers.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace accord::jsonschema::detail {
namespace {

constexpr double kTwo63 = 9223372036854775808.0;
constexpr double kTwo64 = 18446744073709551616.0;

// An integral double inside the 64-bit range becomes an exact integer Number, so that the
// integer paths below handle it; anything else stays a double.
Number canonical(const Number& n) {
  if (n.kind != Number::Kind::Double) return n;
  const double d = n.d;
  if (d != std::floor(d)) return n;
  if (d >= -kTwo63 && d < kTwo63) return Number::of_int(static_cast<std::int64_t>(d));
  if (d >= 0 && d < kTwo64) return Number::of_uint(static_cast<std::uint64_t>(d));
  return n;
}

template <typename T>
int three_way(T a, T b) {
  return a < b ? -1 : (a > b ? 1 : 0);
}

int compare_integers(const Number& a, const Number& b) {
  using K = Number::Kind;
  if (a.kind == K::Int && b.kind == K::Int) return three_way(a.i, b.i);
  if (a.kind == K::UInt && b.kind == K::UInt) return three_way(a.u, b.u);
  // UInt values are all above INT64_MAX, so the UInt side is the larger one.
  return a.kind == K::UInt ? 1 : -1;
}

// One side is a double that is fractional or outside the 64-bit range, the other an integer.
int compare_double_with_integer(double d, const Number& integer) {
  if (d >= kTwo64) return 1;
  if (d < -kTwo63) return -1;
  // Fractional doubles are below 2^52 in magnitude, so rounding the integer to double cannot
  // move it across d.
  const double x = integer.as_double();
  return three_way(d, x);
}

}  // namespace

Number Number::of_uint(std::uint64_t v) {
  if (v <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return of_int(static_cast<std::int64_t>(v));
  }
  return {Kind::UInt, 0, v, 0};
}

std::optional<Number> Number::of(const simdjson::dom::element& e) {
  switch (e.type()) {
    case simdjson::dom::element_type::INT64:
      return of_int(e.get_int64().value_unsafe());
    case simdjson::dom::element_type::UINT64:
      return of_uint(e.get_uint64().value_unsafe());
    case simdjson::dom::element_type::DOUBLE:
      return of_double(e.get_double().value_unsafe());
    default:
      return std::nullopt;
  }
}

double Number::as_double() const {
  switch (kind) {
    case Kind::Int:
      return static_cast<double>(i);
    case Kind::UInt:
      return static_cast<double>(u);
    case Kind::Double:
      break;
  }
  return d;
}

bool Number::is_integer() const {
  return kind != Kind::Double || (std::isfinite(d) && d == std::floor(d));
}

bool Number::is_negative() const {
  switch (kind) {
    case Kind::Int:
      return i < 0;
    case Kind::UInt:
      return false;
    case Kind::Double:
      break;
  }
  return d < 0;
}

int compare(const Number& a_in, const Number& b_in) {
  const Number a = canonical(a_in);
  const Number b = canonical(b_in);
  const bool a_double = a.kind == Number::Kind::Double;
  const bool b_double = b.kind == Number::Kind::Double;
  if (!a_double && !b_double) return compare_integers(a, b);
  if (a_double && b_double) return three_way(a.d, b.d);
  if (a_double) return compare_double_with_integer(a.d, b);
  return -compare_double_with_integer(b.d, a);
}

bool is_multiple_of(const Number& value_in, const Number& divisor_in) {
  const Number value = canonical(value_in);
  const Number divisor = canonical(divisor_in);
  if (value.kind != Number::Kind::Double && divisor.kind != Number::Kind::Double) {
    // Both exact integers; divisor > 0. Work on magnitudes in uint64 (|INT64_MIN| fits).
    const std::uint64_t v = value.kind == Number::Kind::UInt ? value.u
                            : value.i < 0 ? 0 - static_cast<std::uint64_t>(value.i)
                                          : static_cast<std::uint64_t>(value.i);
    const std::uint64_t m =
        divisor.kind == Number::Kind::UInt ? divisor.u : static_cast<std::uint64_t>(divisor.i);
    return m != 0 && v % m == 0;
  }
  const double x = value.as_double();
  const double m = divisor.as_double();
  const double quotient = x / m;
  if (!std::isfinite(quotient)) return std::fmod(x, m) == 0.0;
  const double nearest = std::nearbyint(quotient);
  // The inputs were decimal text rounded to binary, and the division rounds once more: a true
  // multiple lands within a few ulps of an integer quotient, a non-multiple far from it.
  const double tolerance =
      16 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::fabs(quotient));
  return std::fabs(quotient - nearest) <= tolerance;
}

std::string to_string(const Number& n) {
  char buffer[64];
  std::to_chars_result r{};
  switch (n.kind) {
    case Number::Kind::Int:
      r = std::to_chars(buffer, buffer + sizeof buffer, n.i);
      break;
    case Number::Kind::UInt:
      r = std::to_chars(buffer, buffer + sizeof buffer, n.u);
      break;
    case Number::Kind::Double:
      r = std::to_chars(buffer, buffer + sizeof buffer, n.d);
      break;
  }
  return std::string(buffer, r.ptr);
}

}  // namespace accord::jsonschema::detail
