// A set of JSON Schema types. "number" is stored as integer + non-integer number, so that
// "integer is a subset of number" falls out of plain set operations.
#pragma once

#include <cstdint>
#include <string>

#include <boost/json/value.hpp>

namespace accord::compat {

class JsonTypeSet {
 public:
  enum Bit : std::uint8_t {
    kNull = 1,
    kBoolean = 2,
    kObject = 4,
    kArray = 8,
    kInteger = 16,
    kFraction = 32,  // numbers with a fractional part
    kString = 64,
  };

  static JsonTypeSet all() { return JsonTypeSet(0x7F); }
  static JsonTypeSet none() { return JsonTypeSet(0); }
  static JsonTypeSet only(std::uint8_t bits) { return JsonTypeSet(bits); }
  // From a `type` keyword value: a name or an array of names. Unknown names add nothing.
  static JsonTypeSet from_keyword(const boost::json::value& type);
  // The type of one JSON value (1.0 counts as integer).
  static JsonTypeSet of_value(const boost::json::value& value);

  bool empty() const { return bits_ == 0; }
  bool has(std::uint8_t bits) const { return (bits_ & bits) != 0; }
  bool has_all(std::uint8_t bits) const { return (bits_ & bits) == bits; }
  std::uint8_t bits() const { return bits_; }
  bool operator==(const JsonTypeSet&) const = default;

  JsonTypeSet operator&(JsonTypeSet other) const { return JsonTypeSet(bits_ & other.bits_); }
  JsonTypeSet operator|(JsonTypeSet other) const { return JsonTypeSet(bits_ | other.bits_); }
  JsonTypeSet without(JsonTypeSet other) const { return JsonTypeSet(bits_ & ~other.bits_); }

  // "number", "string or null", "integer", "non-integer number", "any type", "no type".
  std::string describe() const;

 private:
  explicit JsonTypeSet(unsigned bits) : bits_(static_cast<std::uint8_t>(bits & 0x7F)) {}
  std::uint8_t bits_;
};

}  // namespace accord::compat
