#include "registry/jsonschema/simple_pattern.hpp"

#include <bitset>
#include <vector>

namespace accord::jsonschema::detail {
namespace {

using CharSet = std::bitset<128>;

constexpr std::size_t kMaxPositions = 64;

struct Position {
  CharSet chars;
  bool optional = false;
  bool loop = false;
};

bool is_syntax_character(char c) {
  switch (c) {
    case '^':
    case '$':
    case '\\':
    case '.':
    case '*':
    case '+':
    case '?':
    case '(':
    case ')':
    case '[':
    case ']':
    case '{':
    case '}':
    case '|':
    case '/':
    case '-':
      return true;
    default:
      return false;
  }
}

// The characters an escape stands for, or false when it is not in the supported subset.
bool escape_chars(char e, CharSet& out) {
  switch (e) {
    case 'd':
      for (char c = '0'; c <= '9'; ++c) out.set(static_cast<unsigned char>(c));
      return true;
    case 'w':
      for (char c = '0'; c <= '9'; ++c) out.set(static_cast<unsigned char>(c));
      for (char c = 'a'; c <= 'z'; ++c) out.set(static_cast<unsigned char>(c));
      for (char c = 'A'; c <= 'Z'; ++c) out.set(static_cast<unsigned char>(c));
      out.set('_');
      return true;
    case 'n':
      out.set('\n');
      return true;
    case 't':
      out.set('\t');
      return true;
    case 'r':
      out.set('\r');
      return true;
    case 'f':
      out.set('\f');
      return true;
    case 'v':
      out.set('\v');
      return true;
    default:
      if (!is_syntax_character(e)) return false;
      out.set(static_cast<unsigned char>(e));
      return true;
  }
}

// A single character for a range bound: a literal or a one-character escape.
bool single_char(std::string_view p, std::size_t& i, unsigned char& out) {
  const char c = p[i];
  if (static_cast<unsigned char>(c) >= 0x80) return false;
  if (c != '\\') {
    out = static_cast<unsigned char>(c);
    ++i;
    return true;
  }
  if (i + 1 >= p.size()) return false;
  const char e = p[i + 1];
  if (e == 'd' || e == 'w') return false;  // a class cannot bound a range
  CharSet set;
  if (!escape_chars(e, set) || set.count() != 1) return false;
  for (std::size_t b = 0; b < 128; ++b) {
    if (set.test(b)) out = static_cast<unsigned char>(b);
  }
  i += 2;
  return true;
}

bool parse_class(std::string_view p, std::size_t& i, CharSet& out) {
  ++i;  // '['
  if (i < p.size() && p[i] == '^') return false;
  bool empty = true;
  while (i < p.size() && p[i] != ']') {
    empty = false;
    if (p[i] == '\\' && i + 1 < p.size() && (p[i + 1] == 'd' || p[i + 1] == 'w')) {
      escape_chars(p[i + 1], out);
      i += 2;
      continue;
    }
    unsigned char first = 0;
    if (!single_char(p, i, first)) return false;
    if (i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') {
      ++i;
      unsigned char last = 0;
      if (!single_char(p, i, last) || last < first) return false;
      for (unsigned c = first; c <= last; ++c) out.set(c);
    } else {
      out.set(first);
    }
  }
  if (i >= p.size() || empty) return false;
  ++i;  // ']'
  return true;
}

bool parse_count(std::string_view p, std::size_t& i, std::size_t& value) {
  const std::size_t start = i;
  value = 0;
  while (i < p.size() && p[i] >= '0' && p[i] <= '9') {
    value = value * 10 + static_cast<std::size_t>(p[i] - '0');
    if (value > kMaxPositions) value = kMaxPositions + 1;  // too many positions anyway
    ++i;
  }
  return i > start;
}

}  // namespace

std::optional<SimplePattern> SimplePattern::compile(std::string_view p) {
  SimplePattern result;
  std::size_t i = 0;
  std::size_t end = p.size();
  if (i < end && p[i] == '^') {
    result.anchored_start_ = true;
    ++i;
  }
  if (end > i && p[end - 1] == '$') {
    std::size_t backslashes = 0;
    while (end - 1 - backslashes > i && p[end - 2 - backslashes] == '\\') ++backslashes;
    if (backslashes % 2 == 0) {
      result.anchored_end_ = true;
      --end;
    }
  }
  const std::string_view body = p.substr(0, end);

  std::vector<Position> positions;
  while (i < end) {
    CharSet chars;
    const char c = body[i];
    if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;
    if (c == '\\') {
      if (i + 1 >= end || !escape_chars(body[i + 1], chars)) return std::nullopt;
      i += 2;
    } else if (c == '[') {
      if (!parse_class(body, i, chars)) return std::nullopt;
    } else if (is_syntax_character(c) && c != '-' && c != '/') {
      return std::nullopt;  // groups, alternation, '.', anchors inside, stray quantifiers
    } else {
      chars.set(static_cast<unsigned char>(c));
      ++i;
    }

    std::size_t min = 1;
    std::size_t max = 1;
    bool unbounded = false;
    if (i < end) {
      if (body[i] == '?') {
        min = 0;
        ++i;
      } else if (body[i] == '*') {
        min = 0;
        unbounded = true;
        ++i;
      } else if (body[i] == '+') {
        unbounded = true;
        ++i;
      } else if (body[i] == '{') {
        ++i;
        if (!parse_count(body, i, min)) return std::nullopt;
        max = min;
        if (i < end && body[i] == ',') {
          ++i;
          if (!parse_count(body, i, max)) unbounded = true;
        }
        if (i >= end || body[i] != '}' || (!unbounded && max < min)) return std::nullopt;
        ++i;
      }
      if (i < end && body[i] == '?') ++i;  // lazy or greedy: the same yes/no answer
    }
    // x{n,m} -> n copies, then m-n optional copies; x{n,} -> n copies, the last one looping
    // (or one optional looping copy when n == 0).
    const std::size_t copies = unbounded ? (min == 0 ? 1 : min) : max;
    if (positions.size() + copies > kMaxPositions) return std::nullopt;
    for (std::size_t k = 0; k < copies; ++k) {
      Position position;
      position.chars = chars;
      position.optional = unbounded ? min == 0 : k >= min;
      position.loop = unbounded && k + 1 == copies;
      positions.push_back(position);
    }
  }

  const std::size_t m = positions.size();
  bool all_optional = true;
  for (std::size_t q = 0; q < m; ++q) {
    const std::uint64_t bit = std::uint64_t{1} << q;
    for (std::size_t b = 0; b < 128; ++b) {
      if (positions[q].chars.test(b)) result.classes_[b] |= bit;
    }
    if (positions[q].optional) result.optional_ |= bit;
    if (positions[q].loop) result.loop_ |= bit;
    // The first character of a match can fill q when every position before q is optional.
    if (all_optional) result.start_ |= bit;
    all_optional = all_optional && positions[q].optional;
  }
  result.nullable_ = all_optional;
  result.last_ = m == 0 ? 0 : std::uint64_t{1} << (m - 1);
  return result;
}

// Positions "matched through" once skippable ones are skipped: a matched position followed by
// a run of optional positions matches through the whole run. The addition carries a seed bit
// up to the top of its run of ones in `optional_` in one step.
std::uint64_t SimplePattern::closure(std::uint64_t matched) const {
  const std::uint64_t seeds = (matched << 1) & optional_;
  return matched | seeds | (optional_ & ~(optional_ + seeds));
}

bool SimplePattern::search(std::string_view text) const {
  if (last_ == 0) return !(anchored_start_ && anchored_end_) || text.empty();
  if (nullable_ && (!anchored_start_ || !anchored_end_)) return true;
  if (nullable_ && text.empty()) return true;
  if (optional_ == 0 && anchored_start_) {
    // The common shape ("^dev-[0-9]{6}$"): nothing to skip, one start. Each byte shifts the
    // matched positions on by one, or keeps a looping position, within its character class.
    std::uint64_t matched = 0;
    bool first = true;
    for (const char ch : text) {
      const auto c = static_cast<unsigned char>(ch);
      const std::uint64_t next = first ? start_ : (matched << 1) | (matched & loop_);
      first = false;
      matched = next & (c < 128 ? classes_[c] : 0);
      if (matched == 0) return false;
      if (!anchored_end_ && (matched & last_) != 0) return true;
    }
    return (matched & last_) != 0;
  }
  std::uint64_t matched = 0;
  bool first = true;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const std::uint64_t through = closure(matched);
    std::uint64_t next = (through << 1) | (through & loop_);
    if (!anchored_start_ || first) next |= start_;
    first = false;
    matched = next & (c < 128 ? classes_[c] : 0);
    if (!anchored_end_ && (closure(matched) & last_) != 0) return true;
    if (matched == 0 && anchored_start_) return false;
  }
  return (closure(matched) & last_) != 0;
}

}  // namespace accord::jsonschema::detail
