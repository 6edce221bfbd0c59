// Rules for arrays (checked only when both sides allow arrays).
//  - Items are compared position by position: the reader's schema for position i (prefixItems
//    or draft-07 tuple `items`, then `items` / `additionalItems` / unevaluatedItems for the
//    rest) must accept the writer's, up to the longest tuple either side declares, then the
//    "rest" schemas. Positions the writer can never fill (maxItems, a closed tuple, a false
//    item schema) are skipped. A reader `false` where the writer may have an item is
//    ITEM_NOT_ALLOWED.
//  - minItems / maxItems: the writer's bounds (a closed writer tuple bounds its length) must
//    lie within the reader's.
//  - uniqueItems added: incompatible unless the writer also has it or never writes 2 items.
//  - contains: the writer must guarantee at least minContains (default 1) matching items: by
//    its own contains with a schema the reader's contains accepts and a minContains at least
//    as large, or by every item matching. maxContains: the writer's own maxContains over a
//    contains schema that covers the reader's, or maxItems, must be within the reader's.
#include <algorithm>

#include "registry/compat/compat_checker.hpp"
#include "registry/compat/evaluated_neighbours.hpp"
#include "registry/compat/json_values.hpp"

namespace accord::compat {

namespace {

// 2020-12 spells a tuple prefixItems + items; draft-07 spells it items (array) +
// additionalItems.
struct TupleForm {
  std::string_view prefix_keyword;
  std::size_t prefix_size = 0;
  std::string_view rest_keyword = "items";
  bool has_rest = false;
};

TupleForm tuple_form(const Node& node) {
  TupleForm form;
  const auto* prefix = keyword(node, "prefixItems");
  const auto* items = keyword(node, "items");
  if (prefix && prefix->is_array()) {
    form = {"prefixItems", prefix->as_array().size(), "items", items != nullptr};
  } else if (items && items->is_array()) {
    form = {"items", items->as_array().size(), "additionalItems",
            keyword(node, "additionalItems") != nullptr};
  } else {
    form.has_rest = items != nullptr;
  }
  return form;
}

enum class Side { kReader, kWriter };

// The schema `node` applies to item `index`; nullopt when it says nothing about it.
std::optional<Node> item_schema(const Node& node, std::size_t index, Side side,
                                SchemaSet& schemas) {
  const TupleForm form = tuple_form(node);
  if (index < form.prefix_size) return schemas.child(node, form.prefix_keyword, index);
  if (form.has_rest) return schemas.child(node, form.rest_keyword);
  if (!keyword(node, "unevaluatedItems")) return std::nullopt;
  // Items evaluated by contains are not "unevaluated": for a writer that makes the keyword's
  // reach uncertain, so it is left out (the writer looks larger); a reader applies it anyway.
  if (side == Side::kWriter && keyword(node, "contains")) return std::nullopt;
  const auto neighbours = evaluated_by_neighbours(node, schemas);
  if (neighbours.all_items || index < neighbours.prefix_items) return std::nullopt;
  return schemas.child(node, "unevaluatedItems");
}

}  // namespace

std::optional<double> CompatChecker::writer_max_items(const WriterSet& writer) {
  std::optional<double> bound;
  const auto lower_to = [&](double value) { bound = bound ? std::min(*bound, value) : value; };
  for (const Node& node : writer.all_of) {
    if (const auto own = number_keyword(node, "maxItems")) lower_to(*own);
    const TupleForm form = tuple_form(node);
    for (std::size_t i = 0; i < form.prefix_size; ++i) {
      if (is_false_schema(schemas_.child(node, form.prefix_keyword, i))) {
        lower_to(static_cast<double>(i));
        break;
      }
    }
    if (const auto rest = item_schema(node, form.prefix_size, Side::kWriter, schemas_);
        rest && is_false_schema(*rest)) {
      lower_to(static_cast<double>(form.prefix_size));
    }
  }
  return bound;
}

void CompatChecker::check_arrays(const Node& reader, const WriterSet& writer) {
  const auto writer_max = writer_max_items(writer);
  check_items(reader, writer, writer_max);

  if (const auto reader_min = number_keyword(reader, "minItems"); reader_min && *reader_min > 0) {
    double writer_min = 0;
    for (const Node& node : writer.all_of) {
      writer_min = std::max(writer_min, number_keyword(node, "minItems").value_or(0));
    }
    if (writer_min < *reader_min) {
      report(reader, "/minItems", kind::kMinItemsIncreased,
             subject() + " needs at least " + counted(*reader_min, "item", "items") +
                 ", the writer guarantees " + show_number(writer_min) +
                 ": shorter writer arrays would be rejected");
    }
  }
  if (const auto reader_max = number_keyword(reader, "maxItems");
      reader_max && (!writer_max || *writer_max > *reader_max)) {
    report(reader, "/maxItems", writer_max ? kind::kMaxItemsDecreased : kind::kMaxItemsAdded,
           subject() + " allows at most " + counted(*reader_max, "item", "items") +
               ", the writer " +
               (writer_max ? "up to " + show_number(*writer_max) : std::string("any number")) +
               ": longer writer arrays would be rejected");
  }
  if (const auto* unique = keyword(reader, "uniqueItems");
      unique && unique->is_bool() && unique->get_bool() && !(writer_max && *writer_max <= 1)) {
    bool writer_unique = false;
    for (const Node& node : writer.all_of) {
      const auto* own = keyword(node, "uniqueItems");
      writer_unique = writer_unique || (own && own->is_bool() && own->get_bool());
    }
    if (!writer_unique) {
      report(reader, "/uniqueItems", kind::kUniqueItemsAdded,
             subject() +
                 " must now hold unique items: writer arrays with repeated items would "
                 "be rejected");
    }
  }
  check_contains(reader, writer, writer_max);
}

void CompatChecker::check_items(const Node& reader, const WriterSet& writer,
                                std::optional<double> writer_max) {
  std::size_t positions = tuple_form(reader).prefix_size;
  for (const Node& node : writer.all_of)
    positions = std::max(positions, tuple_form(node).prefix_size);

  const auto writer_items = [&](std::size_t index) {
    WriterSet value;
    for (const Node& node : writer.all_of) {
      if (auto schema = item_schema(node, index, Side::kWriter, schemas_)) {
        value.require(*schema);
      }
    }
    return value;
  };
  // Compares position `index` (or, for index == positions, every later position).
  const auto compare_position = [&](std::size_t index, bool rest) {
    if (writer_max && *writer_max <= static_cast<double>(index)) return false;
    WriterSet value = writer_items(index);
    if (impossible(value)) return false;  // writer arrays never get this long
    const auto schema = item_schema(reader, index, Side::kReader, schemas_);
    if (!schema) return true;
    InstanceScope scope(
        instance_, [&](InstancePath& path) { rest ? path.push_items() : path.push_item(index); });
    if (is_false_schema(*schema)) {
      report(*schema, "", kind::kItemNotAllowed,
             subject() + " is not allowed by the reader: writer arrays with more than " +
                 std::to_string(index) + " items would be rejected");
    } else {
      compare(*schema, std::move(value));
    }
    return true;
  };
  for (std::size_t i = 0; i < positions; ++i) {
    if (!compare_position(i, false)) return;
  }
  compare_position(positions, true);
}

void CompatChecker::check_contains(const Node& reader, const WriterSet& writer,
                                   std::optional<double> writer_max) {
  if (!keyword(reader, "contains")) return;
  const Node wanted = schemas_.child(reader, "contains");
  const double reader_min = number_keyword(reader, "minContains").value_or(1);

  if (reader_min > 0) {
    bool satisfied = false;
    bool covering_contains = false;  // a writer contains the reader's accepts, too few times
    bool writer_contains = false;
    for (const Node& node : writer.all_of) {
      if (!keyword(node, "contains")) continue;
      writer_contains = true;
      if (!accepts(wanted, WriterSet{{schemas_.child(node, "contains")}, {}})) continue;
      covering_contains = true;
      satisfied = satisfied || number_keyword(node, "minContains").value_or(1) >= reader_min;
    }
    if (!satisfied) {
      // Every writer item matches: then minItems items match.
      double writer_min = 0;
      bool plain_items = true;
      for (const Node& node : writer.all_of) {
        writer_min = std::max(writer_min, number_keyword(node, "minItems").value_or(0));
        plain_items = plain_items && tuple_form(node).prefix_size == 0;
      }
      if (plain_items && writer_min >= reader_min) {
        WriterSet items;
        for (const Node& node : writer.all_of) {
          if (auto schema = item_schema(node, 0, Side::kWriter, schemas_)) {
            items.require(*schema);
          }
        }
        satisfied = accepts(wanted, items);
      }
    }
    if (!satisfied) {
      if (covering_contains) {
        report(reader, keyword(reader, "minContains") ? "/minContains" : "/contains",
               kind::kMinContainsIncreased,
               subject() + " needs at least " +
                   counted(reader_min, "matching item", "matching items") +
                   ", more than the writer guarantees");
      } else {
        report(reader, "/contains", writer_contains ? kind::kContainsChanged : kind::kContainsAdded,
               subject() + (writer_contains ? " contains changed" : " gained a contains rule") +
                   ": writer arrays without a matching item would be rejected");
      }
    }
  }

  const auto reader_max = number_keyword(reader, "maxContains");
  if (!reader_max) return;
  bool bounded = writer_max && *writer_max <= *reader_max;
  bool writer_has_max = false;
  for (const Node& node : writer.all_of) {
    const auto own_max = number_keyword(node, "maxContains");
    if (!own_max || !keyword(node, "contains")) continue;
    writer_has_max = true;
    // Items matching the reader's contains also match the writer's, so they are counted by it.
    bounded = bounded || (*own_max <= *reader_max &&
                          accepts(schemas_.child(node, "contains"), WriterSet{{wanted}, {}}));
  }
  if (!bounded) {
    report(reader, "/maxContains",
           writer_has_max ? kind::kMaxContainsDecreased : kind::kMaxContainsAdded,
           subject() + " allows at most " +
               counted(*reader_max, "matching item", "matching items") +
               ": writer arrays with more would be rejected");
  }
}

}  // namespace accord::compat
