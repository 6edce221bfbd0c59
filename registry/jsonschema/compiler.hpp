// Turns the subschemas of a DocumentSet into a Program: checks every keyword value (a wrong
// type is a CompileError with its location), resolves references, compiles regexes, and
// rejects reference cycles that would loop without consuming any input.
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "registry/jsonschema/documents.hpp"
#include "registry/jsonschema/program.hpp"

namespace accord::jsonschema::detail {

class Compiler {
 public:
  Compiler(DocumentSet& documents, const Options& options, Program& program)
      : documents_(documents), options_(options), program_(program) {}

  // Compiles the root and every other subschema of the root document (so an error anywhere in
  // it is reported), plus whatever they reference. Throws CompileFailure.
  void compile(const SchemaSite& root);

 private:
  friend class NodeBuilder;

  NodeId node_for(const SchemaSite& site);
  std::uint32_t anchor_index(std::string_view name);
  void compile_node(NodeId id, const SchemaSite& site);
  void drain();
  void bind_dynamic_anchors();
  void check_cycles() const;
  void link_forwards();

  DocumentSet& documents_;
  const Options& options_;
  Program& program_;
  std::unordered_map<const SchemaSite*, NodeId> node_of_site_;
  std::vector<const SchemaSite*> site_of_node_;
  std::vector<std::pair<NodeId, const SchemaSite*>> queue_;
  std::unordered_map<std::string, std::uint32_t> regex_index_;
  std::unordered_map<std::string, std::uint32_t> anchor_index_;
  std::unordered_set<std::uint64_t> bound_anchors_;  // (resource << 32 | anchor) already bound
};

}  // namespace accord::jsonschema::detail
