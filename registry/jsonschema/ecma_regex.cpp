#include "registry/jsonschema/ecma_regex.hpp"

#include <array>
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

#include "registry/jsonschema/utf8.hpp"

namespace accord::jsonschema::detail {
namespace {

// ECMA-262 WhiteSpace and LineTerminator code points (what `\s` means there), as ranges.
constexpr std::array<std::pair<char32_t, char32_t>, 10> kWhitespace = {{
    {0x09, 0x0D},
    {0x20, 0x20},
    {0xA0, 0xA0},
    {0x1680, 0x1680},
    {0x2000, 0x200A},
    {0x2028, 0x2029},
    {0x202F, 0x202F},
    {0x205F, 0x205F},
    {0x3000, 0x3000},
    {0xFEFF, 0xFEFF},
}};

constexpr char32_t kMaxCodePoint = 0x10FFFF;

// General_Category values and their aliases (Unicode PropertyValueAliases.txt), all of which
// ECMA-262 accepts in `\p{...}`; RE2 knows only the short forms.
constexpr std::array<std::pair<std::string_view, std::string_view>, 44> kGeneralCategories = {{
    {"Letter", "L"},
    {"Cased_Letter", "LC"},
    {"Uppercase_Letter", "Lu"},
    {"Lowercase_Letter", "Ll"},
    {"Titlecase_Letter", "Lt"},
    {"Modifier_Letter", "Lm"},
    {"Other_Letter", "Lo"},
    {"Mark", "M"},
    {"Combining_Mark", "M"},
    {"Nonspacing_Mark", "Mn"},
    {"Spacing_Mark", "Mc"},
    {"Enclosing_Mark", "Me"},
    {"Number", "N"},
    {"Decimal_Number", "Nd"},
    {"digit", "Nd"},
    {"Letter_Number", "Nl"},
    {"Other_Number", "No"},
    {"Punctuation", "P"},
    {"punct", "P"},
    {"Connector_Punctuation", "Pc"},
    {"Dash_Punctuation", "Pd"},
    {"Open_Punctuation", "Ps"},
    {"Close_Punctuation", "Pe"},
    {"Initial_Punctuation", "Pi"},
    {"Final_Punctuation", "Pf"},
    {"Other_Punctuation", "Po"},
    {"Symbol", "S"},
    {"Math_Symbol", "Sm"},
    {"Currency_Symbol", "Sc"},
    {"Modifier_Symbol", "Sk"},
    {"Other_Symbol", "So"},
    {"Separator", "Z"},
    {"Space_Separator", "Zs"},
    {"Line_Separator", "Zl"},
    {"Paragraph_Separator", "Zp"},
    {"Other", "C"},
    {"Control", "Cc"},
    {"cntrl", "Cc"},
    {"Format", "Cf"},
    {"Surrogate", "Cs"},
    {"Private_Use", "Co"},
    {"Unassigned", "Cn"},
    {"LC", "LC"},
    {"L&", "LC"},
}};

constexpr std::array<std::string_view, 38> kShortCategories = {
    "L",  "Lu", "Ll", "Lt", "Lm", "Lo", "M",  "Mn", "Mc", "Me", "N",  "Nd", "Nl",
    "No", "P",  "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S",  "Sm", "Sc", "Sk",
    "So", "Z",  "Zs", "Zl", "Zp", "C",  "Cc", "Cf", "Cs", "Co", "Cn", "LC"};

// ECMA-262 binary Unicode properties: valid in a pattern, but RE2 has none of them.
constexpr std::array<std::string_view, 53> kBinaryProperties = {"ASCII_Hex_Digit",
                                                                "AHex",
                                                                "Alphabetic",
                                                                "Alpha",
                                                                "Assigned",
                                                                "Bidi_Control",
                                                                "Bidi_C",
                                                                "Bidi_Mirrored",
                                                                "Bidi_M",
                                                                "Case_Ignorable",
                                                                "CI",
                                                                "Cased",
                                                                "Changes_When_Casefolded",
                                                                "Changes_When_Casemapped",
                                                                "Changes_When_Lowercased",
                                                                "Changes_When_NFKC_Casefolded",
                                                                "Changes_When_Titlecased",
                                                                "Changes_When_Uppercased",
                                                                "Dash",
                                                                "Default_Ignorable_Code_Point",
                                                                "Deprecated",
                                                                "Diacritic",
                                                                "Emoji",
                                                                "Emoji_Component",
                                                                "Emoji_Modifier",
                                                                "Emoji_Modifier_Base",
                                                                "Emoji_Presentation",
                                                                "Extended_Pictographic",
                                                                "Extender",
                                                                "Grapheme_Base",
                                                                "Grapheme_Extend",
                                                                "Hex_Digit",
                                                                "IDS_Binary_Operator",
                                                                "IDS_Trinary_Operator",
                                                                "ID_Continue",
                                                                "ID_Start",
                                                                "Ideographic",
                                                                "Join_Control",
                                                                "Logical_Order_Exception",
                                                                "Lowercase",
                                                                "Math",
                                                                "Noncharacter_Code_Point",
                                                                "Pattern_Syntax",
                                                                "Pattern_White_Space",
                                                                "Quotation_Mark",
                                                                "Radical",
                                                                "Regional_Indicator",
                                                                "Sentence_Terminal",
                                                                "Soft_Dotted",
                                                                "Terminal_Punctuation",
                                                                "Unified_Ideograph",
                                                                "Uppercase",
                                                                "White_Space"};

bool is_syntax_character(char32_t c) {
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
      return true;
    default:
      return false;
  }
}

bool is_ascii_alnum(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int hex_digit(char32_t c) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<int>(c - 'A' + 10);
  return -1;
}

void append_hex_escape(std::string& out, char32_t cp) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "\\x{%x}", static_cast<unsigned>(cp));
  out += buffer;
}

// What one class escape or literal stands for, before it is written out.
struct ClassItem {
  enum class Kind { Char, Set } kind = Kind::Char;
  char32_t cp = 0;       // Kind::Char
  std::string set_body;  // Kind::Set: text that can sit inside an RE2 [...]
};

class Translator {
 public:
  explicit Translator(std::string_view pattern) : src_(pattern) {}

  TranslatedRegex run() {
    while (!failed() && !at_end()) step();
    if (!failed() && group_depth_ > 0) fail("missing ')'");
    TranslatedRegex result;
    if (failed()) {
      result.status = TranslatedRegex::Status::Invalid;
      result.message = error_;
    } else if (!unsupported_.empty()) {
      result.status = TranslatedRegex::Status::Unsupported;
      result.message = unsupported_;
    } else {
      result.re2 = std::move(out_);
    }
    return result;
  }

 private:
  bool failed() const { return !error_.empty(); }
  bool at_end() const { return pos_ >= src_.size(); }
  char32_t peek() const {
    std::size_t i = pos_;
    return next_code_point(src_, i);
  }
  char32_t take() { return next_code_point(src_, pos_); }
  bool take_if(char32_t c) {
    if (at_end() || peek() != c) return false;
    take();
    return true;
  }
  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }
  void not_supported(std::string what) {
    if (unsupported_.empty()) unsupported_ = std::move(what);
  }

  // One token of the pattern: an atom (with its quantifier), an assertion, '|', or a group
  // bracket.
  void step() {
    const char32_t c = take();
    switch (c) {
      case '|':
        out_ += '|';
        can_quantify_ = false;
        return;
      case '^':
      case '$':
        out_ += static_cast<char>(c);
        can_quantify_ = false;
        return;
      case '(':
        open_group();
        return;
      case ')':
        if (group_depth_ == 0) return fail("unmatched ')'");
        --group_depth_;
        out_ += ')';
        // A lookaround group is an assertion: quantifying it is a syntax error in unicode mode.
        can_quantify_ = !lookaround_stack_.back();
        lookaround_stack_.pop_back();
        return;
      case '*':
      case '+':
      case '?':
        quantifier(c);
        return;
      case '{':
        if (!can_quantify_) return fail("nothing to repeat before '{'");
        brace_quantifier();
        return;
      case '}':
        return fail("lone '}'");
      case ']':
        return fail("lone ']'");
      case '[':
        character_class();
        can_quantify_ = true;
        return;
      case '.':
        out_ += "[^\\n\\r\\x{2028}\\x{2029}]";
        can_quantify_ = true;
        return;
      case '\\':
        atom_escape();
        return;
      default:
        append_literal(c);
        can_quantify_ = true;
        return;
    }
  }

  void open_group() {
    ++group_depth_;
    bool lookaround = false;
    if (take_if('?')) {
      if (take_if(':')) {
      } else if (take_if('=') || take_if('!')) {
        lookaround = true;
        not_supported("lookahead assertion");
      } else if (take_if('<')) {
        if (take_if('=') || take_if('!')) {
          lookaround = true;
          not_supported("lookbehind assertion");
        } else {
          group_name();
        }
      } else {
        return fail("invalid group: '(?' must be followed by ':', '=', '!' or '<'");
      }
    }
    // RE2 runs with never_capture, so every group is just a group.
    out_ += "(?:";
    lookaround_stack_.push_back(lookaround);
    can_quantify_ = false;
  }

  // After "(?<": an identifier and '>'.
  void group_name() {
    std::size_t length = 0;
    while (!at_end() && peek() != '>') {
      const char32_t c = take();
      const bool ok = is_ascii_alnum(c) || c == '_' || c == '$' || c >= 0x80;
      if (!ok || (length == 0 && c >= '0' && c <= '9')) return fail("invalid group name");
      ++length;
    }
    if (length == 0 || !take_if('>')) fail("invalid group name");
  }

  void quantifier(char32_t c) {
    if (!can_quantify_)
      return fail("nothing to repeat before '" + std::string(1, static_cast<char>(c)) + "'");
    out_ += static_cast<char>(c);
    if (take_if('?')) out_ += '?';
    can_quantify_ = false;
  }

  std::optional<unsigned long long> digits() {
    if (at_end() || peek() < '0' || peek() > '9') return std::nullopt;
    unsigned long long value = 0;
    while (!at_end() && peek() >= '0' && peek() <= '9') {
      value = value * 10 + (take() - '0');
      if (value > 1'000'000'000ULL) value = 1'000'000'000ULL;  // saturate; RE2 rejects > 1000
    }
    return value;
  }

  void brace_quantifier() {
    const auto min = digits();
    if (!min) return fail("incomplete quantifier '{'");
    std::optional<unsigned long long> max = min;
    bool open_ended = false;
    if (take_if(',')) {
      max = digits();
      open_ended = !max;
    }
    if (!take_if('}')) return fail("incomplete quantifier '{'");
    if (!open_ended && *max < *min) return fail("numbers out of order in {} quantifier");
    out_ += '{';
    out_ += std::to_string(*min);
    if (open_ended) {
      out_ += ',';
    } else if (*max != *min) {
      out_ += ',';
      out_ += std::to_string(*max);
    }
    out_ += '}';
    if (take_if('?')) out_ += '?';
    can_quantify_ = false;
  }

  void append_literal(char32_t c) {
    if (c < 0x80 && !is_ascii_alnum(c)) {
      // Escaping every ASCII punctuation character is always valid in RE2.
      if (c < 0x20 || c == 0x7F) {
        append_hex_escape(out_, c);
      } else {
        out_ += '\\';
        out_ += static_cast<char>(c);
      }
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      // A lone surrogate can never occur in UTF-8 text: match nothing.
      out_ += "[^\\x{0}-\\x{10ffff}]";
    } else {
      append_utf8(out_, c);
    }
  }

  // \uXXXX, with a following \uXXXX low surrogate folded into one code point.
  std::optional<char32_t> unicode_escape() {
    if (take_if('{')) {
      char32_t cp = 0;
      int count = 0;
      while (!at_end() && peek() != '}') {
        const int h = hex_digit(take());
        if (h < 0) return std::nullopt;
        cp = cp * 16 + static_cast<char32_t>(h);
        if (cp > kMaxCodePoint) return std::nullopt;
        ++count;
      }
      if (count == 0 || !take_if('}')) return std::nullopt;
      return cp;
    }
    auto four_hex = [&]() -> std::optional<char32_t> {
      char32_t cp = 0;
      for (int k = 0; k < 4; ++k) {
        if (at_end()) return std::nullopt;
        const int h = hex_digit(take());
        if (h < 0) return std::nullopt;
        cp = cp * 16 + static_cast<char32_t>(h);
      }
      return cp;
    };
    const auto high = four_hex();
    if (!high) return std::nullopt;
    if (*high >= 0xD800 && *high <= 0xDBFF && src_.substr(pos_).starts_with("\\u")) {
      const std::size_t saved = pos_;
      pos_ += 2;
      const auto low = four_hex();
      if (low && *low >= 0xDC00 && *low <= 0xDFFF) {
        return 0x10000 + ((*high - 0xD800) << 10) + (*low - 0xDC00);
      }
      pos_ = saved;
    }
    return high;
  }

  // `\p{...}` / `\P{...}` after the letter: the body of an RE2 class for it.
  std::optional<std::string> property_escape(bool negated) {
    if (!take_if('{')) {
      fail("\\p must be followed by {name}");
      return std::nullopt;
    }
    std::string name;
    while (!at_end() && peek() != '}') append_utf8(name, take());
    if (!take_if('}') || name.empty()) {
      fail("unterminated \\p{...}");
      return std::nullopt;
    }
    const char* prefix = negated ? "\\P{" : "\\p{";
    std::string_view key = name;
    std::string_view value;
    if (const auto eq = key.find('='); eq != std::string_view::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
      if (key == "General_Category" || key == "gc") {
        key = value;
      } else if (key == "Script" || key == "sc" || key == "Script_Extensions" || key == "scx") {
        // RE2 knows scripts by their long names (Greek, Latin, Han, ...).
        return std::string(prefix) + std::string(value) + "}";
      } else {
        fail("unknown Unicode property '" + std::string(key) + "'");
        return std::nullopt;
      }
    }
    for (const auto& [alias, code] : kGeneralCategories) {
      if (alias == key) return std::string(prefix) + std::string(code) + "}";
    }
    for (const auto& code : kShortCategories) {
      if (code == key) return std::string(prefix) + std::string(code) + "}";
    }
    if (key == "Any") return std::string(negated ? "" : "\\x{0}-\\x{10ffff}");
    if (key == "ASCII") return std::string(negated ? "\\x{80}-\\x{10ffff}" : "\\x{0}-\\x{7f}");
    for (const auto& binary : kBinaryProperties) {
      if (binary == key) {
        not_supported("Unicode property \\p{" + std::string(key) + "}");
        return std::string("\\x{0}");
      }
    }
    fail("unknown Unicode property '" + std::string(key) + "'");
    return std::nullopt;
  }

  static std::string whitespace_body() {
    std::string body;
    for (const auto& [lo, hi] : kWhitespace) {
      append_hex_escape(body, lo);
      if (hi != lo) {
        body += '-';
        append_hex_escape(body, hi);
      }
    }
    return body;
  }

  static std::string non_whitespace_body() {
    std::string body;
    char32_t next = 0;
    for (const auto& [lo, hi] : kWhitespace) {
      if (lo > next) {
        append_hex_escape(body, next);
        body += '-';
        append_hex_escape(body, lo - 1);
      }
      next = hi + 1;
    }
    append_hex_escape(body, next);
    body += '-';
    append_hex_escape(body, kMaxCodePoint);
    return body;
  }

  // An escape that is allowed both inside and outside classes. Returns nullopt (and sets an
  // error) when invalid. `in_class` changes the meaning of \b and allows \-.
  std::optional<ClassItem> character_escape(bool in_class) {
    if (at_end()) {
      fail("pattern ends with '\\'");
      return std::nullopt;
    }
    const char32_t c = take();
    ClassItem item;
    auto set = [&](std::string body) {
      item.kind = ClassItem::Kind::Set;
      item.set_body = std::move(body);
      return item;
    };
    switch (c) {
      case 'd':
        return set("0-9");
      case 'D':
        return set("\\x{0}-\\x{2f}\\x{3a}-\\x{10ffff}");
      case 'w':
        return set("0-9A-Za-z_");
      case 'W':
        return set("\\x{0}-\\x{2f}\\x{3a}-\\x{40}\\x{5b}-\\x{5e}\\x{60}\\x{7b}-\\x{10ffff}");
      case 's':
        return set(whitespace_body());
      case 'S':
        return set(non_whitespace_body());
      case 'p':
      case 'P': {
        auto body = property_escape(c == 'P');
        if (!body) return std::nullopt;
        return set(std::move(*body));
      }
      case 'f':
        item.cp = 0x0C;
        return item;
      case 'n':
        item.cp = 0x0A;
        return item;
      case 'r':
        item.cp = 0x0D;
        return item;
      case 't':
        item.cp = 0x09;
        return item;
      case 'v':
        item.cp = 0x0B;
        return item;
      case 'b':
        if (in_class) {
          item.cp = 0x08;
          return item;
        }
        break;
      case 'c': {
        const char32_t letter = at_end() ? 0 : peek();
        if ((letter >= 'a' && letter <= 'z') || (letter >= 'A' && letter <= 'Z')) {
          take();
          item.cp = letter % 32;
          return item;
        }
        fail("\\c must be followed by a letter");
        return std::nullopt;
      }
      case '0':
        if (!at_end() && peek() >= '0' && peek() <= '9') {
          fail("octal escapes are not allowed");
          return std::nullopt;
        }
        item.cp = 0;
        return item;
      case 'x': {
        const int hi = at_end() ? -1 : hex_digit(take());
        const int lo = at_end() ? -1 : hex_digit(take());
        if (hi < 0 || lo < 0) {
          fail("\\x must be followed by two hex digits");
          return std::nullopt;
        }
        item.cp = static_cast<char32_t>(hi * 16 + lo);
        return item;
      }
      case 'u': {
        const auto cp = unicode_escape();
        if (!cp) {
          fail("invalid \\u escape");
          return std::nullopt;
        }
        item.cp = *cp;
        return item;
      }
      case '-':
        if (in_class) {
          item.cp = '-';
          return item;
        }
        break;
      default:
        break;
    }
    if (is_syntax_character(c)) {
      item.cp = c;
      return item;
    }
    fail(std::string("invalid escape '\\") +
         (c < 0x80 ? std::string(1, static_cast<char>(c)) : "?") + "'");
    return std::nullopt;
  }

  void atom_escape() {
    if (at_end()) return fail("pattern ends with '\\'");
    const char32_t c = peek();
    if (c == 'b' || c == 'B') {
      take();
      out_ += '\\';
      out_ += static_cast<char>(c);
      can_quantify_ = false;
      return;
    }
    if (c >= '1' && c <= '9') {
      while (!at_end() && peek() >= '0' && peek() <= '9') take();
      not_supported("backreference");
      can_quantify_ = true;
      return;
    }
    if (c == 'k') {
      take();
      if (!take_if('<')) return fail("\\k must be followed by <name>");
      group_name();
      not_supported("named backreference");
      can_quantify_ = true;
      return;
    }
    auto item = character_escape(false);
    if (!item) return;
    if (item->kind == ClassItem::Kind::Set) {
      if (item->set_body.empty()) {
        out_ += "[^\\x{0}-\\x{10ffff}]";
      } else {
        out_ += '[';
        out_ += item->set_body;
        out_ += ']';
      }
    } else {
      append_literal(item->cp);
    }
    can_quantify_ = true;
  }

  std::optional<ClassItem> class_atom() {
    const char32_t c = take();
    if (c == '\\') return character_escape(true);
    ClassItem item;
    item.cp = c;
    return item;
  }

  static void append_class_char(std::string& body, char32_t cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) return;  // never present in UTF-8 text
    if (is_ascii_alnum(cp)) {
      body.push_back(static_cast<char>(cp));
    } else {
      append_hex_escape(body, cp);
    }
  }

  void character_class() {
    const bool negated = take_if('^');
    std::string body;
    bool empty = true;
    while (true) {
      if (at_end()) return fail("missing ']'");
      if (peek() == ']') {
        take();
        break;
      }
      auto first = class_atom();
      if (!first) return;
      empty = false;
      // A '-' between two atoms makes a range; at the end or after a set it is literal.
      if (!at_end() && peek() == '-' && src_.substr(pos_ + 1).size() > 0 && src_[pos_ + 1] != ']') {
        take();
        auto last = class_atom();
        if (!last) return;
        if (first->kind == ClassItem::Kind::Set || last->kind == ClassItem::Kind::Set) {
          return fail("a class escape cannot be a range bound");
        }
        if (first->cp > last->cp) return fail("range out of order in character class");
        append_class_char(body, first->cp);
        body += '-';
        append_class_char(body, last->cp);
        continue;
      }
      if (first->kind == ClassItem::Kind::Set) {
        body += first->set_body;
      } else {
        append_class_char(body, first->cp);
      }
    }
    if (empty || body.empty()) {
      // [] matches nothing, [^] matches any character (line terminators included).
      out_ += negated ? "[\\x{0}-\\x{10ffff}]" : "[^\\x{0}-\\x{10ffff}]";
      return;
    }
    out_ += negated ? "[^" : "[";
    out_ += body;
    out_ += ']';
  }

  std::string_view src_;
  std::size_t pos_ = 0;
  std::string out_;
  std::string error_;
  std::string unsupported_;
  int group_depth_ = 0;
  std::vector<bool> lookaround_stack_;
  bool can_quantify_ = false;
};

}  // namespace

TranslatedRegex translate_ecma_regex(std::string_view pattern) {
  return Translator(pattern).run();
}

}  // namespace accord::jsonschema::detail
