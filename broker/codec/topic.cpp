#include "broker/codec/topic.hpp"

#include <cstdint>
#include <cstring>

namespace accord::mqtt {

namespace {
constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
constexpr std::size_t kMaxStringLength = 65535;
constexpr std::string_view kSharePrefix = "$share/";

inline bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// Wildcard syntax of a non-shared filter; UTF-8 and length are checked by the caller.
bool filter_syntax_ok(std::string_view f) {
  if (f.empty()) return false;
  const std::size_t n = f.size();
  for (std::size_t i = 0; i < n; ++i) {
    const char c = f[i];
    if (c == '+') {
      if ((i > 0 && f[i - 1] != '/') || (i + 1 < n && f[i + 1] != '/')) return false;
    } else if (c == '#') {
      if ((i > 0 && f[i - 1] != '/') || i + 1 != n) return false;
    }
  }
  return true;
}

// Splits "$share/group/rest" without validating; nullopt when the prefix is absent.
std::optional<SharedFilter> split_shared(std::string_view filter) {
  if (filter.substr(0, kSharePrefix.size()) != kSharePrefix) return std::nullopt;
  const std::string_view rest = filter.substr(kSharePrefix.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return SharedFilter{rest, {}};
  return SharedFilter{rest.substr(0, slash), rest.substr(slash + 1)};
}

bool shared_parts_ok(const SharedFilter& s) {
  if (s.group.empty() || s.group.find_first_of("+#") != std::string_view::npos) return false;
  return filter_syntax_ok(s.filter);
}
}  // namespace

bool is_valid_mqtt_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* const end = p + s.size();
  while (p < end) {
    // Eight ASCII bytes at a time: no high bit set and no zero byte.
    if (end - p >= 8) {
      std::uint64_t v;
      std::memcpy(&v, p, 8);
      if (((v | ((v - kOnes) & ~v)) & kHighs) == 0) {
        p += 8;
        continue;
      }
    }
    const unsigned char c = *p;
    if (c < 0x80) {
      if (c == 0) return false;
      ++p;
      continue;
    }
    if (c < 0xC2) return false;  // stray continuation byte, or overlong 2-byte form (C0, C1)
    if (c < 0xE0) {
      if (end - p < 2 || !is_continuation(p[1])) return false;
      p += 2;
      continue;
    }
    if (c < 0xF0) {
      if (end - p < 3) return false;
      const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;  // E0 80..9F would be overlong
      const unsigned char hi = c == 0xED ? 0x9F : 0xBF;  // ED A0..BF are surrogates
      if (p[1] < lo || p[1] > hi || !is_continuation(p[2])) return false;
      p += 3;
      continue;
    }
    if (c < 0xF5) {
      if (end - p < 4) return false;
      const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;  // F0 80..8F would be overlong
      const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;  // above F4 8F is beyond U+10FFFF
      if (p[1] < lo || p[1] > hi || !is_continuation(p[2]) || !is_continuation(p[3])) return false;
      p += 4;
      continue;
    }
    return false;
  }
  return true;
}

bool is_valid_topic_name(std::string_view topic) {
  if (topic.empty() || topic.size() > kMaxStringLength) return false;
  if (topic.find_first_of("+#") != std::string_view::npos) return false;
  return is_valid_mqtt_utf8(topic);
}

bool is_valid_topic_filter(std::string_view filter) {
  if (filter.empty() || filter.size() > kMaxStringLength) return false;
  if (auto shared = split_shared(filter)) {
    if (!shared_parts_ok(*shared)) return false;
  } else if (!filter_syntax_ok(filter)) {
    return false;
  }
  return is_valid_mqtt_utf8(filter);
}

std::optional<SharedFilter> parse_shared_filter(std::string_view filter) {
  auto shared = split_shared(filter);
  if (!shared || !shared_parts_ok(*shared)) return std::nullopt;
  return shared;
}

bool topic_matches_filter(std::string_view topic, std::string_view filter) {
  if (topic.empty() || filter.empty()) return false;
  if (topic.front() == '$' && (filter.front() == '+' || filter.front() == '#')) return false;
  std::size_t t = 0;
  std::size_t f = 0;
  const std::size_t tn = topic.size();
  const std::size_t fn = filter.size();
  for (;;) {
    // Both t and f sit at the start of a level.
    std::size_t fe = filter.find('/', f);
    if (fe == std::string_view::npos) fe = fn;
    std::size_t te = topic.find('/', t);
    if (te == std::string_view::npos) te = tn;
    const std::string_view level = filter.substr(f, fe - f);
    if (level == "#") return true;
    if (level != "+" && level != topic.substr(t, te - t)) return false;
    const bool filter_done = fe == fn;
    const bool topic_done = te == tn;
    if (filter_done && topic_done) return true;
    // "a/#" also matches "a": the multi-level wildcard includes the parent level.
    if (topic_done) return filter.substr(fe) == "/#";
    if (filter_done) return false;
    t = te + 1;
    f = fe + 1;
  }
}

}  // namespace accord::mqtt
