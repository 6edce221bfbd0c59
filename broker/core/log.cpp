// Structured logging on top of spdlog: we format the whole line ourselves (logfmt or JSON) and
// hand it to a logger whose pattern is "%v", so spdlog only provides sinks, locking and levels.
#include "broker/core/log.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <variant>

#include <fmt/format.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace accord::log {
namespace {

using Buffer = fmt::memory_buffer;

struct State {
  // Checked before anything else, so a disabled level costs one relaxed load.
  std::atomic<int> level{static_cast<int>(Level::info)};
  std::atomic<Format> format{Format::Text};
  std::atomic<std::shared_ptr<spdlog::logger>> logger;
};

std::shared_ptr<spdlog::logger> make_logger(spdlog::sink_ptr sink) {
  auto logger = std::make_shared<spdlog::logger>("accord", std::move(sink));
  logger->set_pattern("%v");
  logger->set_level(Level::trace);     // filtering happens on State::level
  logger->flush_on(Level::trace);      // one write per line: nothing is lost on a crash
  return logger;
}

State& state() {
  static State* s = [] {
    auto* st = new State;  // never destroyed: logging from static destructors stays safe
    st->logger.store(make_logger(std::make_shared<spdlog::sinks::stderr_sink_mt>()));
    return st;
  }();
  return *s;
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::trace: return "trace";
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::err: return "error";
    case Level::critical: return "critical";
    default: return "off";
  }
}

bool parse_level(std::string_view name, Level& out) {
  static constexpr std::array<std::pair<std::string_view, Level>, 9> kNames{{
      {"trace", Level::trace},
      {"debug", Level::debug},
      {"info", Level::info},
      {"warn", Level::warn},
      {"warning", Level::warn},
      {"error", Level::err},
      {"err", Level::err},
      {"critical", Level::critical},
      {"off", Level::off},
  }};
  for (const auto& [n, l] : kNames) {
    if (n == name) {
      out = l;
      return true;
    }
  }
  return false;
}

// 2026-11-23T12:00:00.123Z. The date/time part is cached per thread and second.
void append_timestamp(Buffer& out) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto secs = time_point_cast<seconds>(now);
  const auto ms = duration_cast<milliseconds>(now - secs).count();
  thread_local std::time_t cached_sec = -1;
  thread_local std::array<char, 32> cached{};
  thread_local std::size_t cached_len = 0;
  const std::time_t t = system_clock::to_time_t(secs);
  if (t != cached_sec) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    cached_len = std::strftime(cached.data(), cached.size(), "%Y-%m-%dT%H:%M:%S", &tm);
    cached_sec = t;
  }
  out.append(cached.data(), cached.data() + cached_len);
  fmt::format_to(std::back_inserter(out), ".{:03}Z", ms);
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if the byte there starts none.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // > U+10FFFF
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return 0;
  }
  return len;
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD for invalid UTF-8 bytes

// Escapes for the inside of a double-quoted string; identical for logfmt and JSON, so a logfmt
// value can be decoded with any JSON string decoder.
void append_escaped(Buffer& out, std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t len = utf8_sequence_length(s, i);
      if (len == 0) {
        out.append(kReplacement);
        ++i;
      } else {
        out.append(s.substr(i, len));
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"': out.append(std::string_view("\\\"")); break;
      case '\\': out.append(std::string_view("\\\\")); break;
      case '\n': out.append(std::string_view("\\n")); break;
      case '\r': out.append(std::string_view("\\r")); break;
      case '\t': out.append(std::string_view("\\t")); break;
      case '\b': out.append(std::string_view("\\b")); break;
      case '\f': out.append(std::string_view("\\f")); break;
      default:
        if (c < 0x20 || c == 0x7F) fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        else out.push_back(static_cast<char>(c));
    }
    ++i;
  }
}

void append_json_string(Buffer& out, std::string_view s) {
  out.push_back('"');
  append_escaped(out, s);
  out.push_back('"');
}

bool logfmt_needs_quotes(std::string_view s) {
  if (s.empty()) return true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c <= 0x20 || c == 0x7F || c == '"' || c == '=' || c == '\\') return true;
    if (c >= 0x80) {
      const std::size_t len = utf8_sequence_length(s, i);
      if (len == 0) return true;
      i += len - 1;
    }
  }
  return false;
}

void append_logfmt_value(Buffer& out, std::string_view s) {
  if (!logfmt_needs_quotes(s)) {
    out.append(s);
    return;
  }
  append_json_string(out, s);
}

// Keys come from code, but keep the line parseable whatever they are.
void append_logfmt_key(Buffer& out, std::string_view key) {
  if (key.empty()) {
    out.push_back('_');
    return;
  }
  for (char ch : key) {
    const auto c = static_cast<unsigned char>(ch);
    out.push_back(c <= 0x20 || c == 0x7F || c == '"' || c == '=' ? '_' : ch);
  }
}

void append_double(Buffer& out, double v, bool json) {
  if (std::isfinite(v)) {
    fmt::format_to(std::back_inserter(out), "{}", v);
  } else if (json) {
    out.append(std::string_view("null"));  // JSON has no NaN/Infinity
  } else {
    out.append(std::string_view(std::isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf")));
  }
}

struct ValueWriter {
  Buffer& out;
  bool json;
  void operator()(std::string_view s) const {
    if (json) append_json_string(out, s);
    else append_logfmt_value(out, s);
  }
  void operator()(std::int64_t v) const { fmt::format_to(std::back_inserter(out), "{}", v); }
  void operator()(std::uint64_t v) const { fmt::format_to(std::back_inserter(out), "{}", v); }
  void operator()(double v) const { append_double(out, v, json); }
  void operator()(bool v) const { out.append(std::string_view(v ? "true" : "false")); }
};

void format_text(Buffer& out, Level level, std::string_view name, std::initializer_list<Field> fields) {
  out.append(std::string_view("ts="));
  append_timestamp(out);
  out.append(std::string_view(" level="));
  out.append(level_name(level));
  out.append(std::string_view(" event="));
  append_logfmt_value(out, name);
  for (const Field& f : fields) {
    out.push_back(' ');
    append_logfmt_key(out, f.key);
    out.push_back('=');
    std::visit(ValueWriter{out, false}, f.value);
  }
}

void format_json(Buffer& out, Level level, std::string_view name, std::initializer_list<Field> fields) {
  out.append(std::string_view("{\"ts\":\""));
  append_timestamp(out);
  out.append(std::string_view("\",\"level\":\""));
  out.append(level_name(level));
  out.append(std::string_view("\",\"event\":"));
  append_json_string(out, name);
  for (const Field& f : fields) {
    out.push_back(',');
    append_json_string(out, f.key);
    out.push_back(':');
    std::visit(ValueWriter{out, true}, f.value);
  }
  out.push_back('}');
}

}  // namespace

void init(std::string_view level, Format format, std::string_view file) {
  Level parsed{};
  if (!parse_level(level, parsed)) {
    throw std::runtime_error(fmt::format(
        "unknown log level '{}' (expected trace, debug, info, warn, error or off)", level));
  }
  spdlog::sink_ptr sink;
  if (file.empty()) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    try {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(std::string(file), /*truncate=*/false);
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("cannot open log file '{}': {}", file, e.what()));
    }
  }
  State& s = state();
  auto old = s.logger.exchange(make_logger(std::move(sink)));
  if (old) old->flush();
  s.format.store(format, std::memory_order_relaxed);
  s.level.store(static_cast<int>(parsed), std::memory_order_relaxed);
}

bool enabled(Level level) {
  return level != Level::off &&
         static_cast<int>(level) >= state().level.load(std::memory_order_relaxed);
}

void event(Level level, std::string_view name, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  State& s = state();
  Buffer buf;
  if (s.format.load(std::memory_order_relaxed) == Format::Json) format_json(buf, level, name, fields);
  else format_text(buf, level, name, fields);
  const auto logger = s.logger.load();
  logger->log(level, spdlog::string_view_t(buf.data(), buf.size()));
}

}  // namespace accord::log
