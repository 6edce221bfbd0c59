// Compiles one subschema (object or boolean) into a Node: reads each keyword the dialect
// defines, checks its value, and emits the typed Keyword checks and plans for it.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "registry/jsonschema/compiler.hpp"

namespace accord::jsonschema::detail {

class NodeBuilder {
 public:
  NodeBuilder(Compiler& compiler, const SchemaSite& site) : c_(compiler), site_(site) {}

  Node build();

 private:
  using element = simdjson::dom::element;

  std::optional<element> field(std::string_view keyword) const;
  bool uses(std::uint8_t vocabulary) const;
  [[noreturn]] void fail(std::string_view keyword, std::string message,
                         std::string_view child = {}) const;

  // Keyword value readers: each checks the value's type and fails with its location.
  NodeId schema(std::string_view keyword, element value);
  NodeId schema_member(std::string_view keyword, std::string_view name, element value);
  std::vector<NodeId> schema_array(std::string_view keyword, element value);
  Number number(std::string_view keyword, element value) const;
  std::uint64_t count(std::string_view keyword, element value) const;
  std::string_view string(std::string_view keyword, element value) const;
  std::vector<std::string_view> unique_strings(std::string_view keyword, element value,
                                               std::string_view child = {}) const;
  bool boolean(std::string_view keyword, element value) const;
  std::uint32_t regex(std::string_view keyword, std::string_view source,
                      std::string_view child = {});

  void emit(KeywordGroup group, Op op, std::string_view name, std::uint32_t arg = 0,
            std::uint64_t count = 0, Number number = {});

  void core_keywords();
  void reference(std::string_view keyword, element value);
  void applicator_keywords();
  void object_applicators();
  void array_applicators();
  void validation_keywords();
  void other_keywords();
  void finish(Node& node);

  Compiler& c_;
  const SchemaSite& site_;
  std::vector<std::pair<std::string_view, element>> fields_;
  std::vector<Keyword> groups_[kGroupCount];
  ObjectPlan object_plan_;
  bool object_plan_used_ = false;
  ArrayPlan array_plan_;
  bool array_plan_used_ = false;
  std::uint8_t type_mask_ = kAnyType;
  NodeId unevaluated_properties_ = kNoNode;
  NodeId unevaluated_items_ = kNoNode;
};

}  // namespace accord::jsonschema::detail
