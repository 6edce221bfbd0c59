// Leveled, structured logging: one event name plus key/value fields per line, written as logfmt
// (`ts=... level=info event=connect client_id=dev-1 addr=127.0.0.1:5123`) or as one JSON object
// per line. Thread-safe; backed by spdlog.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <variant>

#include <spdlog/common.h>

namespace accord::log {

using Level = spdlog::level::level_enum;

struct Field {
  std::string_view key;
  std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool> value;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  template <class I>
    requires std::is_integral_v<I> && (!std::is_same_v<I, bool>)
  Field(std::string_view k, I v) {
    key = k;
    if constexpr (std::is_signed_v<I>) value = static_cast<std::int64_t>(v);
    else value = static_cast<std::uint64_t>(v);
  }
};

enum class Format { Text, Json };

// Configures the process-wide logger. `file` empty: stderr. Throws std::runtime_error on a bad
// level name or an unwritable file (start-up only).
void init(std::string_view level, Format format, std::string_view file = {});

bool enabled(Level level);

// Writes one event if `level` is enabled. Values are quoted/escaped as the format requires.
void event(Level level, std::string_view name, std::initializer_list<Field> fields = {});

inline void info(std::string_view name, std::initializer_list<Field> f = {}) { event(Level::info, name, f); }
inline void warn(std::string_view name, std::initializer_list<Field> f = {}) { event(Level::warn, name, f); }
inline void error(std::string_view name, std::initializer_list<Field> f = {}) { event(Level::err, name, f); }
inline void debug(std::string_view name, std::initializer_list<Field> f = {}) { event(Level::debug, name, f); }

}  // namespace accord::log
