#include "registry/jsonschema/json_equal.hpp"

#include <functional>
#include <string_view>

#include "registry/jsonschema/dom_access.hpp"
#include "registry/jsonschema/numbers.hpp"

namespace accord::jsonschema::detail {
namespace {

using simdjson::dom::element_type;

bool is_number(element_type t) {
  return t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
}

std::size_t mix(std::size_t seed, std::size_t value) {
  return seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

}  // namespace

bool json_equal(const simdjson::dom::element& a, const simdjson::dom::element& b) {
  const auto ta = a.type();
  const auto tb = b.type();
  if (is_number(ta) && is_number(tb)) {
    return compare(*Number::of(a), *Number::of(b)) == 0;
  }
  if (ta != tb) return false;
  switch (ta) {
    case element_type::STRING:
      return a.get_string().value_unsafe() == b.get_string().value_unsafe();
    case element_type::BOOL:
      return a.get_bool().value_unsafe() == b.get_bool().value_unsafe();
    case element_type::NULL_VALUE:
      return true;
    case element_type::ARRAY: {
      const auto xs = as_array(a);
      const auto ys = as_array(b);
      auto x = xs.begin();
      auto y = ys.begin();
      for (; x != xs.end() && y != ys.end(); ++x, ++y) {
        if (!json_equal(*x, *y)) return false;
      }
      return x == xs.end() && y == ys.end();
    }
    case element_type::OBJECT: {
      const auto xs = as_object(a);
      const auto ys = as_object(b);
      if (xs.size() != ys.size()) return false;
      for (const auto field : xs) {
        simdjson::dom::element other;
        if (ys.at_key(field.key).get(other)) return false;
        if (!json_equal(field.value, other)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

std::size_t json_hash(const simdjson::dom::element& value) {
  const auto t = value.type();
  if (is_number(t)) {
    // Equal numbers have equal double approximations; -0.0 and 0.0 must agree too.
    const double d = Number::of(value)->as_double();
    return std::hash<double>{}(d == 0 ? 0.0 : d);
  }
  switch (t) {
    case element_type::STRING:
      return mix(1, std::hash<std::string_view>{}(value.get_string().value_unsafe()));
    case element_type::BOOL:
      return value.get_bool().value_unsafe() ? 3 : 2;
    case element_type::NULL_VALUE:
      return 4;
    case element_type::ARRAY: {
      std::size_t seed = 5;
      for (const auto item : as_array(value)) seed = mix(seed, json_hash(item));
      return seed;
    }
    case element_type::OBJECT: {
      // Member order must not matter: combine the members with a commutative sum.
      std::size_t sum = 6;
      for (const auto field : as_object(value)) {
        sum += mix(std::hash<std::string_view>{}(field.key), json_hash(field.value));
      }
      return sum;
    }
    default:
      return 0;
  }
}

}  // namespace accord::jsonschema::detail
