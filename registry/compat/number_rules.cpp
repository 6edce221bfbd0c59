// Rules for numeric bounds and multipleOf (checked only when both sides allow numbers).
//  - The reader's lower bound (minimum, exclusiveMinimum as a number, or draft-04's boolean
//    exclusiveMinimum that makes minimum exclusive; the tighter one wins) must be at or below
//    the writer's tightest lower bound; "> 5" satisfies ">= 5" but not the other way round.
//    No writer bound means the writer allows any number: MINIMUM_ADDED. Same for maximum.
//  - A writer of integers only is compared on the integers it can actually write: writer
//    "> 0" satisfies reader ">= 1".
//  - A reader multipleOf must divide some writer multipleOf (reader 0.5, writer 1.5: fine);
//    an integer-only writer also satisfies a multipleOf that divides 1 (1, 0.5, 0.25).
#include <cmath>

#include "registry/compat/compat_checker.hpp"
#include "registry/compat/json_values.hpp"

namespace accord::compat {

namespace {

enum class Side { kLower, kUpper };

struct Bound {
  double value = 0;
  bool exclusive = false;
  std::string_view keyword;
};

bool tighter(const Bound& a, const Bound& b, Side side) {
  if (a.value == b.value) return a.exclusive && !b.exclusive;
  return side == Side::kLower ? a.value > b.value : a.value < b.value;
}

std::optional<Bound> bound_of(const Node& node, Side side) {
  const std::string_view inclusive_name = side == Side::kLower ? "minimum" : "maximum";
  const std::string_view exclusive_name =
      side == Side::kLower ? "exclusiveMinimum" : "exclusiveMaximum";
  std::optional<Bound> best;
  const auto inclusive = number_keyword(node, inclusive_name);
  if (inclusive) best = Bound{*inclusive, false, inclusive_name};
  if (const auto* exclusive = keyword(node, exclusive_name)) {
    if (exclusive->is_bool()) {
      if (exclusive->get_bool() && inclusive) best = Bound{*inclusive, true, exclusive_name};
    } else if (const auto value = number_of(*exclusive)) {
      const Bound candidate{*value, true, exclusive_name};
      if (!best || tighter(candidate, *best, side)) best = candidate;
    }
  }
  return best;
}

// Is every writer number inside `writer` also inside `reader`?
bool within(const Bound& reader, const Bound& writer, Side side, bool integers_only) {
  if (integers_only) {
    if (side == Side::kLower) {
      const double first =
          writer.exclusive ? std::floor(writer.value) + 1 : std::ceil(writer.value);
      return reader.exclusive ? first > reader.value : first >= reader.value;
    }
    const double last = writer.exclusive ? std::ceil(writer.value) - 1 : std::floor(writer.value);
    return reader.exclusive ? last < reader.value : last <= reader.value;
  }
  if (writer.value == reader.value) return !reader.exclusive || writer.exclusive;
  return side == Side::kLower ? writer.value > reader.value : writer.value < reader.value;
}

std::string show_bound(const Bound& bound, Side side) {
  const char* op =
      side == Side::kLower ? (bound.exclusive ? "> " : ">= ") : (bound.exclusive ? "< " : "<= ");
  return op + show_number(bound.value);
}

}  // namespace

void CompatChecker::check_numbers(const Node& reader, const WriterSet& writer,
                                  const WriterFacts& facts) {
  const bool integers_only = !facts.types.has(JsonTypeSet::kFraction);

  for (const Side side : {Side::kLower, Side::kUpper}) {
    const auto reader_bound = bound_of(reader, side);
    if (!reader_bound) continue;
    std::optional<Bound> writer_bound;
    for (const Node& node : writer.all_of) {
      const auto bound = bound_of(node, side);
      if (bound && (!writer_bound || tighter(*bound, *writer_bound, side))) writer_bound = bound;
    }
    if (writer_bound && within(*reader_bound, *writer_bound, side, integers_only)) continue;
    const bool lower = side == Side::kLower;
    const std::string_view kind = writer_bound
                                      ? (lower ? kind::kMinimumIncreased : kind::kMaximumDecreased)
                                      : (lower ? kind::kMinimumAdded : kind::kMaximumAdded);
    const std::string which = lower ? "lower" : "upper";
    const std::string beyond = lower ? "smaller" : "larger";
    std::string reason = writer_bound
                             ? subject() + " " + which + " bound tightened from " +
                                   show_bound(*writer_bound, side) + " to " +
                                   show_bound(*reader_bound, side) + ": " + beyond +
                                   " values the writer allows would be rejected"
                             : subject() + (lower ? " gained a " : " gained an ") + which +
                                   " bound (" + show_bound(*reader_bound, side) + "): " + beyond +
                                   " values the writer allows would be rejected";
    report(reader, "/" + std::string(reader_bound->keyword), kind, std::move(reason));
  }

  const auto divisor = number_keyword(reader, "multipleOf");
  if (!divisor || !(*divisor > 0)) return;
  bool divides = integers_only && is_multiple_of(1.0, *divisor);
  std::optional<double> writer_divisor;
  for (const Node& node : writer.all_of) {
    if (const auto own = number_keyword(node, "multipleOf"); own && *own > 0) {
      writer_divisor = own;
      divides = divides || is_multiple_of(*own, *divisor);
    }
  }
  if (divides) return;
  report(reader, "/multipleOf", writer_divisor ? kind::kMultipleOfChanged : kind::kMultipleOfAdded,
         subject() + " must now be a multiple of " + show_number(*divisor) +
             (writer_divisor ? " (the writer only guarantees multiples of " +
                                   show_number(*writer_divisor) + ")"
                             : " (the writer allows any number)") +
             ": other values the writer allows would be rejected");
}

}  // namespace accord::compat
