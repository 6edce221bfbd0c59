// The recursion. For a reader node R and a writer conjunction W:
//  1. W with no documents (a false schema, contradictory types) is compatible with anything;
//     R that accepts everything accepts W; R meaning the same as one of W's schemas accepts W.
//  2. A (R, W) pair already being compared further up is assumed compatible: recursive $refs
//     (trees, linked lists) terminate, and any real difference is found on the first pass.
//  3. Writer alternatives are split first: anyOf/oneOf branches and if/then/else each become
//     their own writer (base AND branch), so "every writer branch must be accepted" is
//     checked branch by branch. oneOf branches carry their siblings as schemas they avoid.
//  4. When W allows only a few values (const/enum/boolean/null), each is validated against R
//     directly; otherwise R is walked keyword family by keyword family.
//  5. R's $ref target and allOf members must each accept W (a draft-07 $ref hides siblings).
#include "registry/compat/compat_checker.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace accord::compat {

namespace {

// Bounds the work for adversarial schemas (nested alternatives multiply). Far above what real
// event schemas need; when hit, the result says TOO_COMPLEX instead of guessing.
constexpr std::size_t kMaxSteps = 200000;
// Bounds the stack: real schemas nest a few dozen levels; recursive ones stop at the guard.
constexpr std::size_t kMaxDepth = 200;

std::uintptr_t identity(const Node& node) {
  // Schema values are at least 8-byte aligned, so the low bits are free for the split flags.
  return reinterpret_cast<std::uintptr_t>(node.schema) | node.split;
}

std::vector<std::uintptr_t> guard_key(const Node& reader, const WriterSet& writer) {
  std::vector<std::uintptr_t> all_of;
  for (const Node& node : writer.all_of) all_of.push_back(identity(node));
  std::vector<std::uintptr_t> none_of;
  for (const Node& node : writer.none_of) none_of.push_back(identity(node));
  std::sort(all_of.begin(), all_of.end());
  std::sort(none_of.begin(), none_of.end());
  std::vector<std::uintptr_t> key{identity(reader)};
  key.insert(key.end(), all_of.begin(), all_of.end());
  key.push_back(0);
  key.insert(key.end(), none_of.begin(), none_of.end());
  return key;
}

}  // namespace

CompatChecker::CompatChecker(SchemaSet& schemas)
    : schemas_(schemas), values_(schemas, patterns_), same_(schemas) {}

void CompatChecker::compare(const Node& reader, WriterSet writer) {
  if (report_->done() || exhausted_) return;
  if (++steps_ > kMaxSteps || depth_ >= kMaxDepth) {
    exhausted_ = true;
    return;
  }
  ++depth_;
  struct Ascend {
    std::size_t& depth;
    ~Ascend() { --depth; }
  } ascend{depth_};
  expand(writer, schemas_);
  if (accepts_everything(reader)) return;
  for (const Node& node : writer.all_of) {
    if (is_false_schema(node)) return;
  }
  for (const Node& node : writer.all_of) {
    if (same_(reader, node)) return;
  }

  const auto key = guard_key(reader, writer);
  if (!active_.insert(key).second) return;
  struct Leave {
    std::set<std::vector<std::uintptr_t>>& active;
    const std::vector<std::uintptr_t>& key;
    ~Leave() { active.erase(key); }
  } leave{active_, key};

  if (split_writer(reader, writer)) return;
  const WriterFacts facts = facts_of(writer);
  if (facts.impossible) return;
  if (is_false_schema(reader)) {
    report(reader, "", kind::kFalseSchema,
           subject() + " is rejected by the reader's schema `false`, but the writer allows it");
    return;
  }
  if (check_writer_values(reader, facts)) return;
  compare_reader_keywords(reader, writer, facts);
}

bool CompatChecker::split_writer(const Node& reader, const WriterSet& writer) {
  for (std::size_t i = 0; i < writer.all_of.size(); ++i) {
    const Node node = writer.all_of[i];
    for (const auto& [name, flag] :
         {std::pair{"anyOf", Node::kSplitAnyOf}, std::pair{"oneOf", Node::kSplitOneOf}}) {
      const auto* branches = keyword(node, name);
      if ((node.split & flag) || !branches || !branches->is_array()) continue;
      const std::size_t count = branches->as_array().size();
      for (std::size_t b = 0; b < count; ++b) {
        WriterSet alternative = writer;
        alternative.all_of[i].split |= flag;
        alternative.require(schemas_.child(node, name, b));
        if (flag == Node::kSplitOneOf) {
          // A document of this branch matches no other branch: oneOf said so.
          for (std::size_t other = 0; other < count; ++other) {
            if (other != b) alternative.avoid(schemas_.child(node, name, other));
          }
        }
        compare(reader, std::move(alternative));
      }
      return true;
    }
    if (!(node.split & Node::kSplitIf) && keyword(node, "if")) {
      WriterSet matched = writer;
      matched.all_of[i].split |= Node::kSplitIf;
      matched.require(schemas_.child(node, "if"));
      if (keyword(node, "then")) matched.require(schemas_.child(node, "then"));
      WriterSet unmatched = writer;
      unmatched.all_of[i].split |= Node::kSplitIf;
      unmatched.avoid(schemas_.child(node, "if"));
      if (keyword(node, "else")) unmatched.require(schemas_.child(node, "else"));
      compare(reader, std::move(matched));
      compare(reader, std::move(unmatched));
      return true;
    }
  }
  return false;
}

void CompatChecker::compare_reader_keywords(const Node& reader, const WriterSet& writer,
                                            const WriterFacts& facts) {
  const RefLookup ref = schemas_.ref_of(reader);
  if (ref.present) {
    if (ref.target) {
      compare(*ref.target, writer);
    } else {
      const std::string_view name = keyword(reader, "$ref")          ? "/$ref"
                                    : keyword(reader, "$dynamicRef") ? "/$dynamicRef"
                                                                     : "/$recursiveRef";
      report(reader, name, kind::kUnresolvedRef,
             subject() + " is checked by the reader against \"" + ref.text +
                 "\", which cannot be resolved, so its documents cannot be proven acceptable");
    }
    if (SchemaSet::ref_overrides_siblings(reader)) return;
  }
  if (const auto* members = keyword(reader, "allOf"); members && members->is_array()) {
    for (std::size_t i = 0; i < members->as_array().size(); ++i) {
      compare(schemas_.child(reader, "allOf", i), writer);
    }
  }
  for (std::string_view name : {"anyOf", "oneOf"}) {
    if (const auto* branches = keyword(reader, name); branches && branches->is_array()) {
      check_alternatives(reader, name, writer, facts);
    }
  }
  if (keyword(reader, "not")) check_not(reader, writer);
  if (keyword(reader, "if")) check_conditional(reader, writer);

  const JsonTypeSet shared = check_type(reader, facts);
  check_enumeration(reader, facts);
  if (shared.has(JsonTypeSet::kInteger | JsonTypeSet::kFraction)) {
    check_numbers(reader, writer, facts);
  }
  if (shared.has(JsonTypeSet::kString)) check_strings(reader, writer);
  if (shared.has(JsonTypeSet::kObject)) check_objects(reader, writer);
  if (shared.has(JsonTypeSet::kArray)) check_arrays(reader, writer);
}

bool CompatChecker::accepts(const Node& reader, const WriterSet& writer) {
  CompatReport trial(/*stop_at_first=*/true);
  CompatReport* outer = std::exchange(report_, &trial);
  compare(reader, writer);
  report_ = outer;
  return trial.empty() && !exhausted_;
}

std::pair<std::string, std::size_t> CompatChecker::explain(const Node& reader,
                                                           const WriterSet& writer) {
  CompatReport trial;
  CompatReport* outer = std::exchange(report_, &trial);
  compare(reader, writer);
  report_ = outer;
  if (trial.empty()) return {"", exhausted_ ? std::numeric_limits<std::size_t>::max() : 0};
  return {trial.items().front().reason, trial.items().size()};
}

void CompatChecker::report(const Node& at, std::string_view suffix, std::string_view kind,
                           std::string reason) {
  report_->add(location(at, suffix), std::string(kind), std::move(reason));
}

void CompatChecker::report_at(std::string path, std::string_view kind, std::string reason) {
  report_->add(std::move(path), std::string(kind), std::move(reason));
}

bool CompatChecker::impossible(WriterSet& writer) {
  expand(writer, schemas_);
  return facts_of(writer).impossible;
}

Incompatibilities CompatChecker::finish() {
  if (exhausted_) {
    main_report_.add("", std::string(kind::kTooComplex),
                     "the schemas are too complex to compare within the work limit, so they are "
                     "treated as incompatible");
  }
  return main_report_.take();
}

}  // namespace accord::compat
