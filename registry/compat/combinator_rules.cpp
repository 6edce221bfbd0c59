// Rules for the reader's anyOf, oneOf, not and if/then/else (the writer's own alternatives
// have already been split into separate writers by the time these run).
//  - anyOf: some reader branch must accept the writer. When no single branch does and the
//    writer allows several types, each type is tried on its own ({"type": ["number","string"]}
//    vs anyOf [number, string] is fine). Otherwise ANY_OF_NO_MATCH, citing the closest branch.
//  - oneOf: as anyOf (ONE_OF_NO_MATCH), and every other branch must provably match no writer
//    document of that branch; if overlap cannot be ruled out, ONE_OF_AMBIGUOUS (a document
//    matching two branches fails oneOf). Typical safe case: a const discriminator property.
//  - not: the reader's `not` schema must provably match no writer document (same `not` in the
//    writer, disjoint types or values, ...); otherwise NOT_ADDED / NOT_CHANGED.
//  - if/then/else: writer documents that may match `if` must be accepted by `then`, those that
//    may fail it by `else` (with the condition added to / excluded from the writer); otherwise
//    CONDITIONAL_ADDED / CONDITIONAL_CHANGED.
#include <limits>

#include "registry/compat/compat_checker.hpp"

namespace accord::compat {

namespace {

struct TypePiece {
  std::uint8_t bits;
  const char* type_name;
  const char* description;
};

const boost::json::value& type_schema(const char* type_name) {
  static const boost::json::value schemas[] = {
      boost::json::object{{"type", "null"}},   boost::json::object{{"type", "boolean"}},
      boost::json::object{{"type", "object"}}, boost::json::object{{"type", "array"}},
      boost::json::object{{"type", "number"}}, boost::json::object{{"type", "integer"}},
      boost::json::object{{"type", "string"}}};
  for (const auto& schema : schemas) {
    if (schema.at("type").as_string() == type_name) return schema;
  }
  return schemas[0];
}

}  // namespace

void CompatChecker::check_alternatives(const Node& reader, std::string_view name,
                                       const WriterSet& writer, const WriterFacts& facts) {
  const std::size_t count = keyword(reader, name)->as_array().size();
  const bool one_of = name == "oneOf";
  const auto branch_at = [&](std::size_t i) { return schemas_.child(reader, name, i); };

  struct Piece {
    WriterSet writer;
    std::string description;
    // Per branch, computed on demand: provably matches none of these documents?
    std::vector<std::optional<bool>> disjoint;
  };
  const auto disjoint = [&](Piece& piece, std::size_t i) {
    if (!piece.disjoint[i]) piece.disjoint[i] = provably_disjoint(piece.writer, branch_at(i));
    return *piece.disjoint[i];
  };
  const auto first_accepting = [&](Piece& piece) -> std::optional<std::size_t> {
    // A branch that is literally one of the writer's schemas (the usual case when a union
    // keeps its branches) accepts at once; look for it before trying branches in order.
    for (std::size_t i = 0; i < count; ++i) {
      const Node branch = schemas_.without_reference_wrappers(branch_at(i));
      for (const Node& node : piece.writer.all_of) {
        if (same_(branch, node)) return i;
      }
    }
    // A branch disjoint from the writer documents cannot accept them (the writer has some:
    // empty writers never get here); skipping it keeps large discriminated unions cheap.
    for (std::size_t i = 0; i < count; ++i) {
      if (!disjoint(piece, i) && accepts(branch_at(i), piece.writer)) return i;
    }
    return std::nullopt;
  };

  std::vector<Piece> pieces;
  pieces.push_back({writer, "writer documents", std::vector<std::optional<bool>>(count)});
  std::optional<std::size_t> whole = first_accepting(pieces.front());
  if (!whole) {
    // Try each writer type on its own: a union of types may be covered branch by branch.
    const bool integers_only = !facts.types.has(JsonTypeSet::kFraction);
    const TypePiece kinds[] = {
        {JsonTypeSet::kNull, "null", "writer documents with null"},
        {JsonTypeSet::kBoolean, "boolean", "writer documents with a boolean"},
        {JsonTypeSet::kObject, "object", "writer documents with an object"},
        {JsonTypeSet::kArray, "array", "writer documents with an array"},
        {JsonTypeSet::kInteger | JsonTypeSet::kFraction, integers_only ? "integer" : "number",
         integers_only ? "writer documents with an integer" : "writer documents with a number"},
        {JsonTypeSet::kString, "string", "writer documents with a string"}};
    std::vector<Piece> by_type;
    for (const TypePiece& kind : kinds) {
      if (!facts.types.has(kind.bits)) continue;
      Piece piece{writer, kind.description, std::vector<std::optional<bool>>(count)};
      piece.writer.require(schemas_.synthetic(type_schema(kind.type_name)));
      by_type.push_back(std::move(piece));
    }
    if (by_type.size() > 1) pieces = std::move(by_type);
  }

  for (Piece& piece : pieces) {
    if (report_->done()) return;
    const auto branch = pieces.size() == 1 && whole ? whole : first_accepting(piece);
    if (!branch) {
      // The closest branch is the one with the fewest problems; branches that provably match
      // none of these documents (another discriminator value) are not worth explaining.
      std::vector<std::size_t> candidates;
      for (std::size_t i = 0; i < count; ++i) {
        if (!disjoint(piece, i)) candidates.push_back(i);
      }
      if (candidates.empty()) {
        for (std::size_t i = 0; i < count; ++i) candidates.push_back(i);
      }
      std::size_t closest = 0;
      std::string closest_reason;
      std::size_t fewest = std::numeric_limits<std::size_t>::max();
      for (const std::size_t i : candidates) {
        auto [reason, problems] = explain(branch_at(i), piece.writer);
        if (problems < fewest) {
          fewest = problems;
          closest = i;
          closest_reason = std::move(reason);
        }
      }
      std::string reason = subject() + ": " + piece.description + " match none of the reader's " +
                           std::string(name) + " branches";
      if (count > 0 && !closest_reason.empty()) {
        reason += " (closest is branch " + std::to_string(closest) + ": " + closest_reason + ")";
      }
      report(reader, "/" + std::string(name), one_of ? kind::kOneOfNoMatch : kind::kAnyOfNoMatch,
             std::move(reason));
      continue;
    }
    if (!one_of) continue;
    for (std::size_t other = 0; other < count; ++other) {
      if (other == *branch || disjoint(piece, other)) continue;
      report(branch_at(other), "", kind::kOneOfAmbiguous,
             subject() + ": " + piece.description + " accepted by oneOf branch " +
                 std::to_string(*branch) + " may also match branch " + std::to_string(other) +
                 ", and oneOf rejects a document matching two branches");
    }
  }
}

void CompatChecker::check_not(const Node& reader, const WriterSet& writer) {
  const Node excluded = schemas_.child(reader, "not");
  if (provably_disjoint(writer, excluded)) return;
  bool writer_has_not = false;
  for (const Node& node : writer.all_of) writer_has_not = writer_has_not || keyword(node, "not");
  report(reader, "/not", writer_has_not ? kind::kNotChanged : kind::kNotAdded,
         subject() +
             " must not match the reader's `not` schema, and writer documents may match "
             "it: they would be rejected");
}

void CompatChecker::check_conditional(const Node& reader, const WriterSet& writer) {
  const bool has_then = keyword(reader, "then") != nullptr;
  const bool has_else = keyword(reader, "else") != nullptr;
  if (!has_then && !has_else) return;
  const Node condition = schemas_.child(reader, "if");
  bool writer_has_if = false;
  for (const Node& node : writer.all_of) writer_has_if = writer_has_if || keyword(node, "if");
  const std::string_view kind = writer_has_if ? kind::kConditionalChanged : kind::kConditionalAdded;

  if (has_then && !provably_disjoint(writer, condition)) {
    WriterSet matched = writer;
    matched.require(condition);
    const Node then_schema = schemas_.child(reader, "then");
    if (!accepts(then_schema, matched)) {
      report(reader, "/then", kind,
             subject() +
                 ": writer documents matching the reader's `if` may be rejected by its "
                 "`then` (" +
                 explain(then_schema, matched).first + ")");
    }
  }
  if (has_else && !accepts(condition, writer)) {
    WriterSet unmatched = writer;
    unmatched.avoid(condition);
    const Node else_schema = schemas_.child(reader, "else");
    if (!accepts(else_schema, unmatched)) {
      report(reader, "/else", kind,
             subject() +
                 ": writer documents not matching the reader's `if` may be rejected by "
                 "its `else` (" +
                 explain(else_schema, unmatched).first + ")");
    }
  }
}

}  // namespace accord::compat
