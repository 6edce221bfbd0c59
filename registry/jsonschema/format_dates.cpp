// RFC 3339 date, time and date-time, and the ISO 8601 durations of RFC 3339 appendix A.
#include "registry/jsonschema/formats.hpp"

namespace accord::jsonschema {
namespace {

// Reads exactly `count` ASCII digits at s[pos] (non-ASCII digits are rejected).
bool read_digits(std::string_view s, std::size_t& pos, int count, int& value) {
  if (pos + count > s.size()) return false;
  value = 0;
  for (int k = 0; k < count; ++k) {
    const char c = s[pos + k];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += count;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

bool is_leap_year(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

bool parse_full_date(std::string_view s, std::size_t& pos) {
  int year = 0, month = 0, day = 0;
  if (!read_digits(s, pos, 4, year) || !expect(s, pos, '-') || !read_digits(s, pos, 2, month) ||
      !expect(s, pos, '-') || !read_digits(s, pos, 2, day)) {
    return false;
  }
  return month >= 1 && month <= 12 && day >= 1 && day <= days_in_month(year, month);
}

// partial-time time-offset; a second of 60 is a leap second, which RFC 3339 allows only where
// the time is 23:59:60 in UTC.
bool parse_full_time(std::string_view s, std::size_t& pos) {
  int hour = 0, minute = 0, second = 0;
  if (!read_digits(s, pos, 2, hour) || !expect(s, pos, ':') || !read_digits(s, pos, 2, minute) ||
      !expect(s, pos, ':') || !read_digits(s, pos, 2, second)) {
    return false;
  }
  if (hour > 23 || minute > 59 || second > 60) return false;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return false;
  }
  if (pos >= s.size()) return false;
  int offset_minutes = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    const int sign = s[pos] == '+' ? 1 : -1;
    ++pos;
    int offset_hour = 0, offset_minute = 0;
    if (!read_digits(s, pos, 2, offset_hour) || !expect(s, pos, ':') ||
        !read_digits(s, pos, 2, offset_minute)) {
      return false;
    }
    if (offset_hour > 23 || offset_minute > 59) return false;
    offset_minutes = sign * (offset_hour * 60 + offset_minute);
  } else {
    return false;
  }
  if (second == 60) {
    constexpr int kMinutesPerDay = 24 * 60;
    const int utc =
        ((hour * 60 + minute - offset_minutes) % kMinutesPerDay + kMinutesPerDay) % kMinutesPerDay;
    if (utc != 23 * 60 + 59) return false;
  }
  return true;
}

// One "<digits><unit>" component of a duration; false when the next text is not one.
bool read_component(std::string_view s, std::size_t& pos, char& unit) {
  const std::size_t start = pos;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
  if (pos == start || pos == s.size()) return false;
  unit = s[pos++];
  return true;
}

}  // namespace

bool is_date(std::string_view s) {
  std::size_t pos = 0;
  return parse_full_date(s, pos) && pos == s.size();
}

bool is_time(std::string_view s) {
  std::size_t pos = 0;
  return parse_full_time(s, pos) && pos == s.size();
}

bool is_date_time(std::string_view s) {
  std::size_t pos = 0;
  if (!parse_full_date(s, pos)) return false;
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't')) return false;
  ++pos;
  return parse_full_time(s, pos) && pos == s.size();
}

// duration = "P" (dur-date / dur-time / dur-week), where the units must appear in the order
// Y M D, then "T" H M S, and each unit may only be followed by the next one (P1Y2D and PT1H2S
// are not durations: the ABNF chains year->month->day and hour->minute->second).
bool is_duration(std::string_view s) {
  std::size_t pos = 0;
  if (!expect(s, pos, 'P') || pos == s.size()) return false;
  auto chain = [&](std::string_view units) {
    // The first component may be any unit of the chain, each following one must be the next.
    char unit = 0;
    std::size_t saved = pos;
    if (!read_component(s, pos, unit)) {
      pos = saved;
      return false;
    }
    std::size_t index = units.find(unit);
    if (index == std::string_view::npos) {
      pos = saved;
      return false;
    }
    while (pos < s.size() && s[pos] != 'T') {
      saved = pos;
      if (!read_component(s, pos, unit) || index + 1 >= units.size() || units[index + 1] != unit) {
        pos = saved;
        return false;
      }
      ++index;
    }
    return true;
  };
  if (s[pos] != 'T') {
    // A week duration stands alone.
    std::size_t probe = pos;
    char unit = 0;
    if (read_component(s, probe, unit) && unit == 'W') return probe == s.size();
    if (!chain("YMD")) return false;
    if (pos == s.size()) return true;
  }
  if (!expect(s, pos, 'T') || pos == s.size()) return false;
  return chain("HMS") && pos == s.size();
}

}  // namespace accord::jsonschema
