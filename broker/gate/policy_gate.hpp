// The broker's PublishGate on top of registry/enforcement: the current policy set, schemas from
// the registry through a per-thread cache, counters per policy and subject, rate-limited logs.
//
// Policies change at runtime (admin API) without a restart and without a lock per publish: the
// set is an immutable snapshot; replace() publishes a new one and bumps a generation counter;
// each I/O thread keeps its own reference to the snapshot and only takes the mutex when the
// generation moved. A publish being checked while the set changes finishes under the old set.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "broker/core/publish_gate.hpp"
#include "broker/gate/gate_metrics.hpp"
#include "registry/enforcement/enforcer.hpp"
#include "registry/enforcement/schema_cache.hpp"

namespace accord::registry {
class Registry;
}

namespace accord::gate {

class PolicyGate final : public core::PublishGate {
 public:
  // `registry` must outlive the gate. Throws std::invalid_argument for an unusable policy.
  PolicyGate(const registry::Registry& registry, std::vector<enforcement::Policy> policies);
  ~PolicyGate() override;

  core::GateDecision check(const core::GateRequest& request) override;

  // Replaces the whole set atomically. Returns the reason when a policy is unusable (and keeps
  // the current set).
  std::optional<std::string> replace(std::vector<enforcement::Policy> policies);
  std::vector<enforcement::Policy> policies() const;

  const GateMetrics& metrics() const { return metrics_; }

 private:
  struct Snapshot;
  const Snapshot& snapshot();
  void log_failure(const enforcement::Policy& policy, const core::GateRequest& request,
                   const enforcement::Verdict& verdict, std::size_t index,
                   const Snapshot& snapshot);

  enforcement::RegistrySchemaSource registry_source_;
  enforcement::CachingSchemaSource schemas_;
  GateMetrics metrics_;

  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> current_;  // guarded by mu_
  std::atomic<std::uint64_t> generation_{1};
  const std::uint64_t instance_;
};

}  // namespace accord::gate
