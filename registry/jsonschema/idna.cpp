#include "registry/jsonschema/idna.hpp"
#include "registry/jsonschema/utf8.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <string>

namespace accord::jsonschema::detail {
namespace {

// RFC 3492 section 5 parameters.
constexpr std::uint32_t kBase = 36;
constexpr std::uint32_t kTMin = 1;
constexpr std::uint32_t kTMax = 26;
constexpr std::uint32_t kSkew = 38;
constexpr std::uint32_t kDamp = 700;
constexpr std::uint32_t kInitialBias = 72;
constexpr std::uint32_t kInitialN = 128;

std::uint32_t adapt(std::uint32_t delta, std::uint32_t points, bool first) {
  delta = first ? delta / kDamp : delta / 2;
  delta += delta / points;
  std::uint32_t k = 0;
  while (delta > ((kBase - kTMin) * kTMax) / 2) {
    delta /= kBase - kTMin;
    k += kBase;
  }
  return k + (kBase - kTMin + 1) * delta / (delta + kSkew);
}

int digit_value(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= '0' && c <= '9') return c - '0' + 26;
  return -1;
}

// Unicode properties come from RE2's tables, so no character database is carried here.
bool matches(const RE2& re, char32_t cp) {
  std::string text;
  append_utf8(text, cp);
  return RE2::FullMatch(text, re);
}

const RE2& pattern(std::string_view text) {
  // Only a handful of fixed patterns are ever passed; each is compiled once.
  static const RE2 kMark("\\p{M}");
  static const RE2 kLetterDigitMark("[\\p{Ll}\\p{Lo}\\p{Lm}\\p{Mn}\\p{Mc}\\p{Nd}]");
  static const RE2 kGreek("\\p{Greek}");
  static const RE2 kHebrew("\\p{Hebrew}");
  static const RE2 kJapaneseOrHan("[\\p{Hiragana}\\p{Katakana}\\p{Han}]");
  static const RE2 kJoiningLetter("[\\p{Arabic}\\p{Syriac}\\p{Nko}\\p{Mongolian}]");
  static const RE2 kTransparent("[\\p{Mn}\\p{Me}\\p{Cf}]");
  if (text == "mark") return kMark;
  if (text == "ldm") return kLetterDigitMark;
  if (text == "greek") return kGreek;
  if (text == "hebrew") return kHebrew;
  if (text == "japanese") return kJapaneseOrHan;
  if (text == "joining") return kJoiningLetter;
  return kTransparent;
}

// Canonical_Combining_Class = 9 (Virama), needed by the ZWJ/ZWNJ rules of RFC 5892.
constexpr char32_t kViramas[] = {
    0x094D,  0x09CD,  0x0A4D,  0x0ACD,  0x0B4D,  0x0BCD,  0x0C4D,  0x0CCD,  0x0D3B,
    0x0D3C,  0x0D4D,  0x0DCA,  0x0E3A,  0x0EBA,  0x0F84,  0x1039,  0x103A,  0x1714,
    0x1715,  0x1734,  0x17D2,  0x1A60,  0x1B44,  0x1BAA,  0x1BAB,  0x1BF2,  0x1BF3,
    0x2D7F,  0xA806,  0xA82C,  0xA8C4,  0xA953,  0xA9C0,  0xAAF6,  0xABED,  0x10A3F,
    0x11046, 0x11070, 0x1107F, 0x110B9, 0x11133, 0x11134, 0x111C0, 0x11235, 0x112EA,
    0x1134D, 0x11442, 0x114C2, 0x115BF, 0x1163F, 0x116B6, 0x1172B, 0x11839, 0x1193D,
    0x1193E, 0x119E0, 0x11A34, 0x11A47, 0x11A99, 0x11C3F, 0x11D44, 0x11D45, 0x11D97};

bool is_virama(char32_t cp) {
  return std::find(std::begin(kViramas), std::end(kViramas), cp) != std::end(kViramas);
}

// RFC 5892 section 2.6 exceptions.
bool is_exception_pvalid(char32_t cp) {
  switch (cp) {
    case 0x00DF:
    case 0x03C2:
    case 0x06FD:
    case 0x06FE:
    case 0x0F0B:
    case 0x3007:
      return true;
    default:
      return false;
  }
}

bool is_exception_disallowed(char32_t cp) {
  switch (cp) {
    case 0x0640:
    case 0x07FA:
    case 0x302E:
    case 0x302F:
    case 0x3031:
    case 0x3032:
    case 0x3033:
    case 0x3034:
    case 0x3035:
    case 0x303B:
      return true;
    default:
      return false;
  }
}

bool is_arabic_indic_digit(char32_t cp) {
  return cp >= 0x0660 && cp <= 0x0669;
}
bool is_extended_arabic_indic_digit(char32_t cp) {
  return cp >= 0x06F0 && cp <= 0x06F9;
}

// ZWNJ's regular-expression rule: a joining letter, transparent marks, ZWNJ, transparent marks,
// a joining letter. Letters of the cursive scripts stand in for Joining_Type L/D/R here.
bool zwnj_between_joiners(std::u32string_view label, std::size_t at) {
  std::size_t before = at;
  while (before > 0 && matches(pattern("transparent"), label[before - 1])) --before;
  if (before == 0 || !matches(pattern("joining"), label[before - 1])) return false;
  std::size_t after = at + 1;
  while (after < label.size() && matches(pattern("transparent"), label[after])) ++after;
  return after < label.size() && matches(pattern("joining"), label[after]);
}

bool context_rule_holds(std::u32string_view label, std::size_t i) {
  const char32_t cp = label[i];
  const bool has_before = i > 0;
  const bool has_after = i + 1 < label.size();
  switch (cp) {
    case 0x200D:  // ZERO WIDTH JOINER
      return has_before && is_virama(label[i - 1]);
    case 0x200C:  // ZERO WIDTH NON-JOINER
      return (has_before && is_virama(label[i - 1])) || zwnj_between_joiners(label, i);
    case 0x00B7:  // MIDDLE DOT: only between two 'l' (Catalan l·l)
      return has_before && has_after && label[i - 1] == 'l' && label[i + 1] == 'l';
    case 0x0375:  // GREEK LOWER NUMERAL SIGN (KERAIA)
      return has_after && matches(pattern("greek"), label[i + 1]);
    case 0x05F3:  // HEBREW PUNCTUATION GERESH
    case 0x05F4:  // HEBREW PUNCTUATION GERSHAYIM
      return has_before && matches(pattern("hebrew"), label[i - 1]);
    case 0x30FB:  // KATAKANA MIDDLE DOT
      return std::any_of(label.begin(), label.end(),
                         [](char32_t c) { return c != 0x30FB && matches(pattern("japanese"), c); });
    default:
      break;
  }
  if (is_arabic_indic_digit(cp)) {
    return std::none_of(label.begin(), label.end(), is_extended_arabic_indic_digit);
  }
  if (is_extended_arabic_indic_digit(cp)) {
    return std::none_of(label.begin(), label.end(), is_arabic_indic_digit);
  }
  return false;
}

bool has_context_rule(char32_t cp) {
  return cp == 0x200C || cp == 0x200D || cp == 0x00B7 || cp == 0x0375 || cp == 0x05F3 ||
         cp == 0x05F4 || cp == 0x30FB || is_arabic_indic_digit(cp) ||
         is_extended_arabic_indic_digit(cp);
}

}  // namespace

std::optional<std::u32string> punycode_decode(std::string_view encoded) {
  std::u32string output;
  std::size_t basic_end = encoded.rfind('-');
  std::size_t pos = 0;
  if (basic_end != std::string_view::npos) {
    for (std::size_t k = 0; k < basic_end; ++k) {
      const auto c = static_cast<unsigned char>(encoded[k]);
      if (c >= 0x80) return std::nullopt;
      output.push_back(c);
    }
    pos = basic_end + 1;
  }
  std::uint64_t n = kInitialN;
  std::uint64_t i = 0;
  std::uint32_t bias = kInitialBias;
  constexpr std::uint64_t kLimit = 0x10FFFF * 64ULL;  // far beyond any valid label
  while (pos < encoded.size()) {
    const std::uint64_t old_i = i;
    std::uint64_t w = 1;
    for (std::uint32_t k = kBase;; k += kBase) {
      if (pos >= encoded.size()) return std::nullopt;
      const int digit = digit_value(encoded[pos++]);
      if (digit < 0) return std::nullopt;
      i += static_cast<std::uint64_t>(digit) * w;
      if (i > kLimit) return std::nullopt;
      const std::uint32_t t = k <= bias ? kTMin : (k >= bias + kTMax ? kTMax : k - bias);
      if (static_cast<std::uint32_t>(digit) < t) break;
      w *= kBase - t;
      if (w > kLimit) return std::nullopt;
    }
    const auto points = static_cast<std::uint32_t>(output.size() + 1);
    bias = adapt(static_cast<std::uint32_t>(i - old_i), points, old_i == 0);
    n += i / points;
    i %= points;
    if (n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF)) return std::nullopt;
    output.insert(output.begin() + static_cast<std::ptrdiff_t>(i), static_cast<char32_t>(n));
    ++i;
  }
  return output;
}

bool is_valid_u_label(std::u32string_view label) {
  if (label.empty() || label.front() == '-' || label.back() == '-') return false;
  // Hyphens in positions 3 and 4 are reserved for tagged labels such as "xn--".
  if (label.size() >= 4 && label[2] == '-' && label[3] == '-') return false;
  if (matches(pattern("mark"), label.front())) return false;
  bool non_ascii = false;
  for (std::size_t i = 0; i < label.size(); ++i) {
    const char32_t cp = label[i];
    if (cp >= 0x80) non_ascii = true;
    if (cp < 0x80) {
      const bool ldh = (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || cp == '-';
      if (!ldh) return false;
      continue;
    }
    if (is_exception_disallowed(cp)) return false;
    if (is_exception_pvalid(cp)) continue;
    if (has_context_rule(cp)) {
      if (!context_rule_holds(label, i)) return false;
      continue;
    }
    if (!matches(pattern("ldm"), cp)) return false;
  }
  // An A-label always encodes something beyond ASCII.
  return non_ascii;
}

}  // namespace accord::jsonschema::detail
