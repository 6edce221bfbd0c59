#include "registry/jsonschema/compiler.hpp"

#include <algorithm>

#include "registry/jsonschema/node_builder.hpp"

namespace accord::jsonschema::detail {

void Compiler::compile(const SchemaSite& root) {
  program_.root = node_for(root);
  // Every subschema of the root document is compiled, used or not: a registry must reject a
  // broken schema anywhere in the document, not only on the paths some instance takes.
  for (const SchemaSite* site : documents_.sites_of(root.document)) node_for(*site);
  bind_dynamic_anchors();
  program_.dynamic_anchors.resize(documents_.resources().size());
  check_cycles();
  link_forwards();
}

void Compiler::link_forwards() {
  // $dynamicRef needs every resource a $ref enters on its dynamic scope: no shortcuts then.
  if (program_.uses_dynamic_scope) return;
  auto pure_ref = [&](const Node& n) -> NodeId {
    if (n.kind != Node::Kind::Keywords || n.type_mask != kAnyType ||
        n.unevaluated_properties != kNoNode || n.unevaluated_items != kNoNode ||
        n.bounds[kGroupCount] - n.bounds[0] != 1) {
      return kNoNode;
    }
    const Keyword& k = program_.keywords[n.bounds[0]];
    return k.op == Op::Ref ? static_cast<NodeId>(k.arg) : kNoNode;
  };
  // Resolve each chain once, remembering every node on it (chains may be long and share tails).
  constexpr std::uint32_t kUnknown = UINT32_MAX;
  std::vector<std::uint32_t> hops(program_.nodes.size(), kUnknown);
  std::vector<NodeId> chain;
  for (NodeId start = 0; start < program_.nodes.size(); ++start) {
    if (hops[start] != kUnknown) continue;
    chain.clear();
    NodeId id = start;
    // Cycles of plain $refs were rejected by check_cycles(), so this walk ends.
    while (hops[id] == kUnknown && pure_ref(program_.nodes[id]) != kNoNode) {
      chain.push_back(id);
      id = pure_ref(program_.nodes[id]);
    }
    // `id` is the end of the chain, or a node already resolved.
    NodeId target = id;
    std::uint32_t tail = 0;
    if (hops[id] == kUnknown) {
      hops[id] = 0;
    } else if (hops[id] != 0) {
      target = program_.nodes[id].forward;
      tail = hops[id];
    }
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      ++tail;
      hops[*it] = tail;
      program_.nodes[*it].forward = target;
      program_.nodes[*it].forward_hops = tail;
    }
  }
}

NodeId Compiler::node_for(const SchemaSite& site) {
  if (const auto it = node_of_site_.find(&site); it != node_of_site_.end()) return it->second;
  const auto id = static_cast<NodeId>(program_.nodes.size());
  program_.nodes.emplace_back();
  site_of_node_.push_back(&site);
  node_of_site_.emplace(&site, id);
  // Compiled later from a queue, not recursively: reference chains can be arbitrarily long.
  queue_.emplace_back(id, &site);
  return id;
}

void Compiler::drain() {
  while (!queue_.empty()) {
    const auto [id, site] = queue_.back();
    queue_.pop_back();
    compile_node(id, *site);
  }
}

void Compiler::compile_node(NodeId id, const SchemaSite& site) {
  NodeBuilder builder(*this, site);
  Node node = builder.build();
  program_.nodes[id] = std::move(node);
}

std::uint32_t Compiler::anchor_index(std::string_view name) {
  const auto [it, inserted] = anchor_index_.emplace(
      std::string(name), static_cast<std::uint32_t>(program_.anchor_names.size()));
  if (inserted) program_.anchor_names.emplace_back(name);
  return it->second;
}

void Compiler::bind_dynamic_anchors() {
  // A $dynamicRef may land on any same-named $dynamicAnchor of any resource in the dynamic
  // scope, so all of those are compiled; compiling them can load documents with more anchors.
  while (true) {
    drain();
    bool bound = false;
    for (std::size_t r = 0; r < documents_.resources().size(); ++r) {
      const auto anchors = documents_.resources()[r].dynamic_anchors;  // copy: may grow
      const std::uint32_t document = documents_.resources()[r].document;
      for (const auto& [name, pointer] : anchors) {
        const auto it = anchor_index_.find(name);
        if (it == anchor_index_.end()) continue;
        const std::uint64_t key = (static_cast<std::uint64_t>(r) << 32) | it->second;
        if (!bound_anchors_.insert(key).second) continue;
        const SchemaSite* site = documents_.site_at(document, pointer);
        if (site == nullptr) continue;
        const NodeId target = node_for(*site);
        if (program_.dynamic_anchors.size() <= r) program_.dynamic_anchors.resize(r + 1);
        program_.dynamic_anchors[r].emplace_back(it->second, target);
        bound = true;
      }
    }
    if (!bound && queue_.empty()) break;
  }
}

void Compiler::check_cycles() const {
  // Edges between subschemas that apply to the same instance location. A cycle of them is an
  // evaluation that recurses without consuming input: it can never terminate.
  const auto& nodes = program_.nodes;
  auto successors = [&](NodeId id) {
    std::vector<NodeId> next;
    const Node& n = nodes[id];
    if (n.kind != Node::Kind::Keywords) return next;
    for (std::uint32_t i = n.bounds[kAnyGroup]; i < n.bounds[kAnyGroup + 1]; ++i) {
      const Keyword& k = program_.keywords[i];
      switch (k.op) {
        case Op::Ref:
        case Op::Not:
          next.push_back(k.arg);
          break;
        case Op::DynamicRef: {
          const DynamicRef& d = program_.dynamic_refs[k.arg];
          next.push_back(d.static_target);
          if (d.anchor != DynamicRef::kNoAnchor) {
            for (const auto& anchors : program_.dynamic_anchors) {
              for (const auto& [anchor, target] : anchors) {
                if (anchor == d.anchor) next.push_back(target);
              }
            }
          }
          break;
        }
        case Op::AllOf:
        case Op::AnyOf:
        case Op::OneOf:
          for (const NodeId t : program_.node_lists[k.arg].nodes) next.push_back(t);
          break;
        case Op::Conditional: {
          const Conditional& c = program_.conditionals[k.arg];
          for (const NodeId t : {c.if_node, c.then_node, c.else_node}) {
            if (t != kNoNode) next.push_back(t);
          }
          break;
        }
        default:
          break;
      }
    }
    for (std::uint32_t i = n.bounds[kObjectGroup]; i < n.bounds[kObjectGroup + 1]; ++i) {
      const Keyword& k = program_.keywords[i];
      if (k.op != Op::Members) continue;
      for (const auto& d : program_.object_plans[k.arg].dependent_schemas) next.push_back(d.node);
    }
    return next;
  };

  enum class Mark : std::uint8_t { New, Active, Done };
  std::vector<Mark> mark(nodes.size(), Mark::New);
  struct Frame {
    NodeId id;
    std::vector<NodeId> next;
    std::size_t position;
  };
  for (NodeId start = 0; start < nodes.size(); ++start) {
    if (mark[start] != Mark::New) continue;
    std::vector<Frame> stack;
    stack.push_back({start, successors(start), 0});
    mark[start] = Mark::Active;
    while (!stack.empty()) {
      Frame& top = stack.back();
      if (top.position == top.next.size()) {
        mark[top.id] = Mark::Done;
        stack.pop_back();
        continue;
      }
      const NodeId next = top.next[top.position++];
      if (mark[next] == Mark::Active) {
        std::string path;
        bool in_cycle = false;
        for (const Frame& f : stack) {
          if (f.id == next) in_cycle = true;
          if (!in_cycle) continue;
          path += program_.nodes[f.id].location + " -> ";
        }
        path += program_.nodes[next].location;
        throw CompileFailure(CompileError{
            documents_.error_location(*site_of_node_[next]),
            "reference cycle that never consumes input (evaluation would not terminate): " + path});
      }
      if (mark[next] == Mark::New) {
        mark[next] = Mark::Active;
        stack.push_back({next, successors(next), 0});
      }
    }
  }
}

}  // namespace accord::jsonschema::detail
