// The comparison itself: walks a reader schema and a writer conjunction side by side and
// reports every way a writer document may be rejected by the reader. One instance per
// check_json_schema call (it caches compiled regexes and holds the recursion guard).
//
// The work is split by keyword family; each *_rules.cpp file implements one family and states
// its rules at the top:
//   compat_checker.cpp      recursion, $ref/allOf on the reader, writer alternatives, guard
//   value_rules.cpp         type, const, enum, and writers with few possible values
//   number_rules.cpp        minimum/maximum (both exclusive forms), multipleOf
//   string_rules.cpp        minLength/maxLength, pattern, format, content*
//   object_rules.cpp        properties and content models, required, patternProperties, ...
//   array_rules.cpp         items/prefixItems/additionalItems, item counts, uniqueItems, contains
//   combinator_rules.cpp    anyOf/oneOf, not, if/then/else on the reader
//   disjointness.cpp        proving that no writer document matches some reader schema
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "registry/compat/compat_kinds.hpp"
#include "registry/compat/compat_report.hpp"
#include "registry/compat/pattern_matcher.hpp"
#include "registry/compat/same_schema.hpp"
#include "registry/compat/schema_set.hpp"
#include "registry/compat/value_check.hpp"
#include "registry/compat/writer_set.hpp"

namespace accord::compat {

class CompatChecker {
 public:
  explicit CompatChecker(SchemaSet& schemas);

  // Reports every way a document valid under all of `writer` may be rejected by `reader`.
  void compare(const Node& reader, WriterSet writer);
  // The reports, de-duplicated; adds TOO_COMPLEX when the work budget ran out.
  Incompatibilities finish();

 private:
  // --- compat_checker.cpp
  bool split_writer(const Node& reader, const WriterSet& writer);
  void compare_reader_keywords(const Node& reader, const WriterSet& writer,
                               const WriterFacts& facts);
  // Does `reader` accept every writer document? A trial: its reports are thrown away.
  bool accepts(const Node& reader, const WriterSet& writer);
  // The first reason `reader` rejects some writer document, and how many reasons it found.
  std::pair<std::string, std::size_t> explain(const Node& reader, const WriterSet& writer);
  void report(const Node& at, std::string_view suffix, std::string_view kind, std::string reason);
  void report_at(std::string path, std::string_view kind, std::string reason);
  std::string subject() const { return instance_.describe(); }
  WriterFacts facts_of(const WriterSet& writer) { return writer_facts(writer, values_); }
  bool impossible(WriterSet& writer);

  // --- value_rules.cpp
  bool check_writer_values(const Node& reader, const WriterFacts& facts);
  JsonTypeSet check_type(const Node& reader, const WriterFacts& facts);
  void check_enumeration(const Node& reader, const WriterFacts& facts);

  // --- number_rules.cpp / string_rules.cpp
  void check_numbers(const Node& reader, const WriterSet& writer, const WriterFacts& facts);
  void check_strings(const Node& reader, const WriterSet& writer);

  // --- object_rules.cpp
  void check_objects(const Node& reader, const WriterSet& writer);
  void check_named_properties(const Node& reader, const WriterSet& writer);
  void check_unnamed_properties(const Node& reader, const WriterSet& writer);
  void check_required(const Node& reader, const WriterSet& writer);
  void check_property_counts(const Node& reader, const WriterSet& writer);
  void check_property_names(const Node& reader, const WriterSet& writer);
  void check_dependencies(const Node& reader, const WriterSet& writer);
  std::vector<Node> reader_property_schemas(const Node& reader, std::string_view name);
  WriterSet writer_property_schemas(const WriterSet& writer, std::string_view name);
  bool writer_requires(const WriterSet& writer, std::string_view name) const;
  // The property names a closed writer can produce; nullopt when it is open.
  std::optional<std::vector<std::string>> writer_property_names(const WriterSet& writer);

  // --- array_rules.cpp
  void check_arrays(const Node& reader, const WriterSet& writer);
  void check_items(const Node& reader, const WriterSet& writer, std::optional<double> writer_max);
  void check_contains(const Node& reader, const WriterSet& writer,
                      std::optional<double> writer_max);
  std::optional<double> writer_max_items(const WriterSet& writer);

  // --- combinator_rules.cpp
  void check_alternatives(const Node& reader, std::string_view name, const WriterSet& writer,
                          const WriterFacts& facts);
  void check_not(const Node& reader, const WriterSet& writer);
  void check_conditional(const Node& reader, const WriterSet& writer);

  // --- disjointness.cpp
  // True only when it is certain that no writer document is valid under `schema`.
  bool provably_disjoint(const WriterSet& writer, const Node& schema, int depth = 0);
  bool disjoint_objects(const WriterSet& writer, const WriterSet& other, int depth);

  SchemaSet& schemas_;
  PatternMatcher patterns_;
  ValueChecker values_;
  SameSchema same_;
  CompatReport main_report_;
  CompatReport* report_ = &main_report_;
  InstancePath instance_;
  // (reader, writer) pairs being compared on the current path: met again means a recursive
  // schema came back to where it started, and assuming "compatible" there is sound (any real
  // incompatibility is found on the way down).
  std::set<std::vector<std::uintptr_t>> active_;
  std::size_t steps_ = 0;
  std::size_t depth_ = 0;
  bool exhausted_ = false;
};

}  // namespace accord::compat
