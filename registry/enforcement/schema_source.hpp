// Where the enforcer gets schemas. An interface rather than the Registry itself so the engine
// depends on three lookups only; RegistrySchemaSource is the implementation the broker uses.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "registry/core/schema_format.hpp"

namespace accord::registry {
class Registry;
}

namespace accord::enforcement {

struct ResolvedSchema {
  std::shared_ptr<const registry::ParsedSchema> schema;  // never null in a returned value
  std::string subject;  // "" when found by id alone
  int version = 0;      // 0 when found by id alone
  int id = 0;
};

// Implementations must be safe to call from many threads at once.
class SchemaSource {
 public:
  virtual ~SchemaSource() = default;
  // `version`: "latest" or a number. nullopt when the subject or version does not exist (or
  // is soft-deleted).
  virtual std::optional<ResolvedSchema> get(const std::string& subject,
                                            const std::string& version) const = 0;
  virtual std::optional<ResolvedSchema> by_id(int id) const = 0;
  // Live versions, ascending; empty for an unknown subject.
  virtual std::vector<int> live_versions(const std::string& subject) const = 0;
};

// Backed by the registry; the registry's own shared lock makes it thread-safe.
class RegistrySchemaSource final : public SchemaSource {
 public:
  explicit RegistrySchemaSource(const registry::Registry& registry) : registry_(registry) {}
  std::optional<ResolvedSchema> get(const std::string& subject,
                                    const std::string& version) const override;
  std::optional<ResolvedSchema> by_id(int id) const override;
  std::vector<int> live_versions(const std::string& subject) const override;

 private:
  const registry::Registry& registry_;
};

}  // namespace accord::enforcement
