// Rules for strings (checked only when both sides allow strings).
//  - minLength: the reader's must not exceed the writer's (absent = 0); maxLength: the
//    writer must have one no larger than the reader's (absent = unbounded: MAX_LENGTH_ADDED).
//  - pattern: regexes are not compared for inclusion; a reader pattern is satisfied only by
//    the same pattern text in the writer (PATTERN_ADDED / PATTERN_CHANGED otherwise), except a
//    pattern that matches every string (".*", "", any unanchored pattern matching "").
//  - format, contentEncoding, contentMediaType: a reader value must equal the writer's;
//    added or changed is incompatible, removed is fine. contentSchema: same, by meaning.
#include <algorithm>

#include "registry/compat/compat_checker.hpp"
#include "registry/compat/json_values.hpp"

namespace accord::compat {

namespace {

// A search with no anchors, word boundaries or lookaround that matches the empty string
// matches (at offset 0) in every string.
bool matches_every_string(std::string_view pattern, PatternMatcher& patterns) {
  for (std::string_view special : {"^", "$", "\\b", "\\B", "(?"}) {
    if (pattern.find(special) != std::string_view::npos) return false;
  }
  return patterns.search(pattern, "").value_or(false);
}

const boost::json::string* string_keyword(const Node& node, std::string_view name) {
  const auto* value = keyword(node, name);
  return value ? value->if_string() : nullptr;
}

}  // namespace

void CompatChecker::check_strings(const Node& reader, const WriterSet& writer) {
  if (const auto reader_min = number_keyword(reader, "minLength"); reader_min && *reader_min > 0) {
    double writer_min = 0;
    for (const Node& node : writer.all_of) {
      writer_min = std::max(writer_min, number_keyword(node, "minLength").value_or(0));
    }
    if (writer_min < *reader_min) {
      report(reader, "/minLength", kind::kMinLengthIncreased,
             subject() + " minimum length raised from " + show_number(writer_min) + " to " +
                 show_number(*reader_min) +
                 ": shorter strings the writer allows would be rejected");
    }
  }
  if (const auto reader_max = number_keyword(reader, "maxLength")) {
    std::optional<double> writer_max;
    for (const Node& node : writer.all_of) {
      if (const auto own = number_keyword(node, "maxLength")) {
        writer_max = writer_max ? std::min(*writer_max, *own) : *own;
      }
    }
    if (!writer_max || *writer_max > *reader_max) {
      report(reader, "/maxLength", writer_max ? kind::kMaxLengthDecreased : kind::kMaxLengthAdded,
             subject() + " maximum length " +
                 (writer_max ? "lowered from " + show_number(*writer_max) + " to "
                             : std::string("set to ")) +
                 show_number(*reader_max) + ": longer strings the writer allows would be rejected");
    }
  }

  if (const auto* pattern = string_keyword(reader, "pattern");
      pattern && !matches_every_string(*pattern, patterns_)) {
    const boost::json::string* writer_pattern = nullptr;
    bool same = false;
    for (const Node& node : writer.all_of) {
      if (const auto* own = string_keyword(node, "pattern")) {
        writer_pattern = own;
        same = same || *own == *pattern;
      }
    }
    if (!same) {
      report(reader, "/pattern", writer_pattern ? kind::kPatternChanged : kind::kPatternAdded,
             subject() +
                 (writer_pattern ? " pattern changed from " + show_value(*writer_pattern) + " to "
                                 : std::string(" must now match the pattern ")) +
                 show_value(*pattern, 80) +
                 ": strings the writer allows may not match it and would be rejected");
    }
  }

  struct Annotation {
    std::string_view name;
    std::string_view kind_added;
    std::string_view kind_changed;
  };
  for (const Annotation& rule :
       {Annotation{"format", kind::kFormatAdded, kind::kFormatChanged},
        Annotation{"contentEncoding", kind::kContentEncodingChanged, kind::kContentEncodingChanged},
        Annotation{"contentMediaType", kind::kContentMediaTypeChanged,
                   kind::kContentMediaTypeChanged}}) {
    const auto* wanted = string_keyword(reader, rule.name);
    if (!wanted) continue;
    const boost::json::string* writer_value = nullptr;
    bool same = false;
    for (const Node& node : writer.all_of) {
      if (const auto* own = string_keyword(node, rule.name)) {
        writer_value = own;
        same = same || *own == *wanted;
      }
    }
    if (same) continue;
    report(reader, "/" + std::string(rule.name), writer_value ? rule.kind_changed : rule.kind_added,
           subject() + " " + std::string(rule.name) +
               (writer_value ? " changed from " + show_value(*writer_value) + " to "
                             : std::string(" added: ")) +
               show_value(*wanted) + ": strings the writer allows may not conform");
  }

  if (keyword(reader, "contentSchema")) {
    const Node wanted = schemas_.child(reader, "contentSchema");
    bool same = false;
    for (const Node& node : writer.all_of) {
      same = same || (keyword(node, "contentSchema") &&
                      same_(wanted, schemas_.child(node, "contentSchema")));
    }
    if (!same && !accepts_everything(wanted)) {
      report(reader, "/contentSchema", kind::kContentSchemaChanged,
             subject() +
                 " contentSchema was added or changed: encoded content the writer allows "
                 "may not conform");
    }
  }
}

}  // namespace accord::compat
