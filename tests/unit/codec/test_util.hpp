// Byte-vector helpers for the codec tests.
#pragma once

#include <algorithm>

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/codec/codec.hpp"

namespace accord::mqtt::testing {

using Bytes = std::vector<std::uint8_t>;

// "30 05 00 01" -> bytes; spaces are ignored.
inline Bytes hex(std::string_view s) {
  Bytes out;
  int nibble = -1;
  for (char ch : s) {
    int v;
    if (ch >= '0' && ch <= '9')
      v = ch - '0';
    else if (ch >= 'a' && ch <= 'f')
      v = ch - 'a' + 10;
    else if (ch >= 'A' && ch <= 'F')
      v = ch - 'A' + 10;
    else
      continue;
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(nibble << 4 | v));
      nibble = -1;
    }
  }
  return out;
}

inline std::string to_hex(std::span<const std::uint8_t> b) {
  std::string s;
  char buf[4];
  for (auto x : b) {
    std::snprintf(buf, sizeof buf, "%02X ", x);
    s += buf;
  }
  if (!s.empty()) s.pop_back();
  return s;
}

// A whole packet: first byte, remaining length computed from the body.
inline Bytes frame(std::uint8_t first, const Bytes& body) {
  Bytes out{first};
  encode_variable_byte_integer(static_cast<std::uint32_t>(body.size()), out);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}
inline Bytes frame(std::uint8_t first, std::string_view body_hex) {
  return frame(first, hex(body_hex));
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A two-byte-length-prefixed string.
inline Bytes mqtt_str(std::string_view s) {
  // Sized up front and filled by index: GCC 12 -O2 warns (-Warray-bounds, a false positive)
  // when a 2-element vector grows through insert().
  Bytes out(2 + s.size());
  out[0] = static_cast<std::uint8_t>(s.size() >> 8);
  out[1] = static_cast<std::uint8_t>(s.size());
  std::copy(s.begin(), s.end(), out.begin() + 2);
  return out;
}

}  // namespace accord::mqtt::testing
