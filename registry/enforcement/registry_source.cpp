#include "registry/core/registry.hpp"
#include "registry/enforcement/schema_source.hpp"

namespace accord::enforcement {

std::optional<ResolvedSchema> RegistrySchemaSource::get(const std::string& subject,
                                                        const std::string& version) const {
  auto v = registry_.version(subject, version, false);
  if (!v.ok()) return std::nullopt;
  // Resolve "latest" to a number first so the schema and the reported version agree even if a
  // new version is registered between the two calls.
  auto schema = registry_.compiled(subject, std::to_string(v->version));
  if (!schema) return std::nullopt;  // deleted in between
  return ResolvedSchema{std::move(schema), subject, v->version, v->id};
}

std::optional<ResolvedSchema> RegistrySchemaSource::by_id(int id) const {
  auto schema = registry_.compiled(id);
  if (!schema) return std::nullopt;
  return ResolvedSchema{std::move(schema), "", 0, id};
}

std::vector<int> RegistrySchemaSource::live_versions(const std::string& subject) const {
  auto v = registry_.versions(subject, false);
  return v.ok() ? v.value() : std::vector<int>{};
}

}  // namespace accord::enforcement
