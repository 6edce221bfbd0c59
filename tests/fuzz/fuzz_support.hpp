// Shared by the harnesses: how a failing input is shown before abort(), so it can be pasted
// into a test as a C string.
#pragma once

#include <cstdio>
#include <string_view>

namespace accord::fuzz {

inline void print_escaped(const char* label, std::string_view text) {
  std::fprintf(stderr, "%s (%zu bytes): \"", label, text.size());
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      std::fprintf(stderr, "\\%c", c);
    } else if (c == '\n') {
      std::fprintf(stderr, "\\n");
    } else if (c >= 0x20 && c < 0x7f) {
      std::fputc(c, stderr);
    } else {
      std::fprintf(stderr, "\\x%02X\"\"", c);
    }
  }
  std::fprintf(stderr, "\"\n");
}

}  // namespace accord::fuzz
