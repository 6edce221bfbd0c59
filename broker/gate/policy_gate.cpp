#include "broker/gate/policy_gate.hpp"

#include <chrono>
#include <stdexcept>

#include "broker/core/log.hpp"
#include "registry/core/registry.hpp"

namespace accord::gate {

namespace en = accord::enforcement;
using core::GateDecision;

namespace {

// MQTT 5 strings are at most 65,535 bytes; a reason string that long helps nobody. Cut on a
// UTF-8 boundary.
std::string shorten(std::string s, std::size_t max = 400) {
  if (s.size() <= max) return s;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  s += "...";
  return s;
}

std::optional<ActionTaken> action_taken(const en::Verdict& v) {
  if (v.passed()) return std::nullopt;
  if (v.dry_run) return ActionTaken::DryRun;
  switch (v.outcome) {
    case en::Outcome::Rejected: return ActionTaken::Rejected;
    case en::Outcome::DeadLettered: return ActionTaken::DeadLettered;
    case en::Outcome::Dropped: return ActionTaken::Dropped;
    case en::Outcome::LoggedOnly: return ActionTaken::LoggedOnly;
    default: return std::nullopt;
  }
}

// At most kLogLinesPerSecond log lines per policy; the rest are counted and the count is
// reported on the next line that gets out.
constexpr std::uint32_t kLogLinesPerSecond = 10;

}  // namespace

struct PolicyGate::Snapshot {
  struct LogLimit {
    std::atomic<std::int64_t> second{0};
    std::atomic<std::uint32_t> lines{0};
    std::atomic<std::uint64_t> suppressed{0};
  };
  std::unique_ptr<en::Enforcer> enforcer;
  std::unique_ptr<LogLimit[]> log_limits;
};

PolicyGate::PolicyGate(const registry::Registry& registry, std::vector<en::Policy> policies)
    : registry_source_(registry),
      schemas_(registry_source_, [&registry] { return registry.generation(); }),
      instance_([] {
        static std::atomic<std::uint64_t> next{1};
        return next.fetch_add(1, std::memory_order_relaxed);
      }()) {
  if (auto error = replace(std::move(policies))) throw std::invalid_argument(*error);
}

PolicyGate::~PolicyGate() = default;

std::optional<std::string> PolicyGate::replace(std::vector<en::Policy> policies) {
  auto next = std::make_shared<Snapshot>();
  try {
    next->enforcer = std::make_unique<en::Enforcer>(std::move(policies), schemas_);
  } catch (const std::invalid_argument& e) {
    return std::string(e.what());
  }
  next->log_limits = std::make_unique<Snapshot::LogLimit[]>(next->enforcer->policies().size());
  std::lock_guard lock(mu_);
  current_ = std::move(next);
  generation_.fetch_add(1, std::memory_order_release);
  return std::nullopt;
}

std::vector<en::Policy> PolicyGate::policies() const {
  std::lock_guard lock(mu_);
  return current_->enforcer->policies();
}

const PolicyGate::Snapshot& PolicyGate::snapshot() {
  // Each thread holds the snapshot it last saw; the mutex only when the set changed since.
  struct Cached {
    std::uint64_t instance = 0, generation = 0;
    std::shared_ptr<const Snapshot> snapshot;
  };
  thread_local Cached cached;
  const std::uint64_t generation = generation_.load(std::memory_order_acquire);
  if (cached.instance != instance_ || cached.generation != generation) {
    std::lock_guard lock(mu_);
    cached.snapshot = current_;
    cached.instance = instance_;
    cached.generation = generation;
  }
  return *cached.snapshot;
}

GateDecision PolicyGate::check(const core::GateRequest& r) {
  const Snapshot& snap = snapshot();
  const en::Enforcer& enforcer = *snap.enforcer;
  if (enforcer.policies().empty()) return {};

  en::PublishView view;
  view.topic = r.topic;
  view.protocol_version = r.version == mqtt::ProtocolVersion::v5 ? 5 : 4;
  view.content_type = r.properties->content_type;
  view.user_properties.reserve(r.properties->user_properties.size());
  for (const auto& p : r.properties->user_properties) view.user_properties.emplace_back(p.key, p.value);
  view.payload = r.payload;

  const auto started = std::chrono::steady_clock::now();
  en::Verdict v = enforcer.evaluate(view);
  if (v.outcome == en::Outcome::NotGoverned) return {};
  const auto elapsed = std::chrono::steady_clock::now() - started;

  const auto action = action_taken(v);
  metrics_.record(v.policy, v, elapsed, action ? &*action : nullptr);
  if (v.passed()) return {};

  std::size_t index = 0;
  const auto& policies = enforcer.policies();
  while (index < policies.size() && policies[index].name != v.policy) ++index;
  const en::Policy& policy = policies[index];
  log_failure(policy, r, v, index, snap);

  GateDecision d;
  switch (v.outcome) {
    case en::Outcome::Rejected:
      d.action = GateDecision::Action::Reject;
      d.reason = shorten(v.reason);
      d.disconnect_unacked = policy.reject_without_ack == en::UnackedReject::Disconnect;
      break;
    case en::Outcome::DeadLettered:
      d.action = GateDecision::Action::Redirect;
      d.redirect_topic = std::move(v.dead_letter_topic);
      d.redirect_properties.reserve(v.dead_letter_properties.size());
      for (auto& [name, value] : v.dead_letter_properties) {
        if (name == en::kDeadLetterClientId) value = std::string(r.client_id);
        d.redirect_properties.push_back({std::move(name), std::move(value)});
      }
      break;
    case en::Outcome::Dropped:
      d.action = GateDecision::Action::Drop;
      break;
    default:  // accepted in a dry run, logged only
      break;
  }
  return d;
}

void PolicyGate::log_failure(const en::Policy& policy, const core::GateRequest& r,
                             const en::Verdict& v, std::size_t index, const Snapshot& snap) {
  auto& limit = snap.log_limits[index];
  const std::int64_t second = std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::steady_clock::now().time_since_epoch())
                                  .count();
  if (limit.second.load(std::memory_order_relaxed) != second) {
    limit.second.store(second, std::memory_order_relaxed);
    limit.lines.store(0, std::memory_order_relaxed);
  }
  if (limit.lines.fetch_add(1, std::memory_order_relaxed) >= kLogLinesPerSecond) {
    limit.suppressed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const std::uint64_t suppressed = limit.suppressed.exchange(0, std::memory_order_relaxed);
  const char* name = v.dry_run ? "policy_dry_run_violation"
                     : v.outcome == en::Outcome::LoggedOnly ? "policy_violation_logged"
                                                            : "policy_violation";
  const auto level = v.outcome == en::Outcome::LoggedOnly ? log::Level::warn : log::Level::info;
  log::event(level, name,
             {{"policy", policy.name},
              {"action", v.dry_run ? "none (dry run)" : en::to_string(v.would_be)},
              {"would_be", en::to_string(v.would_be)},
              {"client_id", r.client_id},
              {"topic", r.topic},
              {"will", r.is_will},
              {"subject", v.subject},
              {"version", v.version},
              {"reason_class", en::to_string(v.failure)},
              {"reason", v.reason},
              {"suppressed", suppressed}});
}

}  // namespace accord::gate
