// A SchemaSource that remembers answers per thread, so the publish path looks schemas up without
// taking the registry's lock or copying its records. Each thread keeps its own table (no sharing,
// no lock); a table is dropped when the registry's generation moves on, so a new version is seen
// by the next publish after it was registered.
//
// Misses are remembered too (an unknown subject stays cheap), which is why a table is cleared
// once it holds kMaxEntries subjects: event types come from clients and must not grow memory
// without bound.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "registry/enforcement/schema_source.hpp"

namespace accord::enforcement {

class CachingSchemaSource final : public SchemaSource {
 public:
  static constexpr std::size_t kMaxEntries = 4096;

  // `inner` and whatever `generation` reads must outlive this object. `generation` is called once
  // per lookup, so it must be cheap (an atomic load, e.g. Registry::generation).
  CachingSchemaSource(const SchemaSource& inner, std::function<std::uint64_t()> generation);
  ~CachingSchemaSource() override;

  std::optional<ResolvedSchema> get(const std::string& subject,
                                    const std::string& version) const override;
  std::optional<ResolvedSchema> by_id(int id) const override;
  std::vector<int> live_versions(const std::string& subject) const override;

 private:
  struct Table;
  Table& table() const;

  const SchemaSource& inner_;
  std::function<std::uint64_t()> generation_;
  const std::uint64_t instance_;  // tells this cache's per-thread tables from another's
};

}  // namespace accord::enforcement
