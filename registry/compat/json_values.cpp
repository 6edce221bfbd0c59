#include "registry/compat/json_values.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <boost/json/serialize.hpp>

namespace accord::compat {

std::optional<double> number_of(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::int64:
      return static_cast<double>(value.get_int64());
    case boost::json::kind::uint64:
      return static_cast<double>(value.get_uint64());
    case boost::json::kind::double_:
      return value.get_double();
    default:
      return std::nullopt;
  }
}

bool is_integer_value(const boost::json::value& value) {
  if (value.is_int64() || value.is_uint64()) return true;
  if (!value.is_double()) return false;
  const double x = value.get_double();
  return std::isfinite(x) && std::floor(x) == x;
}

bool json_equal(const boost::json::value& a, const boost::json::value& b) {
  const auto na = number_of(a);
  const auto nb = number_of(b);
  if (na || nb) {
    if (!na || !nb) return false;
    // Integers beyond 2^53 lose precision as doubles; compare them exactly when both are whole.
    if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
    if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
    return *na == *nb;
  }
  if (a.kind() != b.kind()) return false;
  if (const auto* oa = a.if_object()) {
    const auto& ob = b.get_object();
    if (oa->size() != ob.size()) return false;
    for (const auto& member : *oa) {
      const auto* other = ob.if_contains(member.key());
      if (!other || !json_equal(member.value(), *other)) return false;
    }
    return true;
  }
  if (const auto* aa = a.if_array()) {
    const auto& ab = b.get_array();
    if (aa->size() != ab.size()) return false;
    for (std::size_t i = 0; i < aa->size(); ++i) {
      if (!json_equal((*aa)[i], ab[i])) return false;
    }
    return true;
  }
  return a == b;
}

std::string show_value(const boost::json::value& value, std::size_t limit) {
  std::string text = boost::json::serialize(value);
  if (text.size() > limit) {
    text.resize(limit);
    text += "...";
  }
  return text;
}

std::size_t code_point_length(std::string_view utf8) {
  std::size_t count = 0;
  for (unsigned char c : utf8) {
    if ((c & 0xC0) != 0x80) ++count;
  }
  return count;
}

bool is_multiple_of(double x, double divisor) {
  if (!(divisor > 0) || !std::isfinite(x)) return false;
  const double quotient = x / divisor;
  return std::fabs(quotient - std::round(quotient)) <= 1e-9 * std::max(1.0, std::fabs(quotient));
}

std::string show_number(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.15g", x);
  return buffer;
}

std::string counted(double count, std::string_view singular, std::string_view plural) {
  return show_number(count) + " " + std::string(count == 1 ? singular : plural);
}

}  // namespace accord::compat
