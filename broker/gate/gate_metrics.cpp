#include "broker/gate/gate_metrics.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace accord::gate {

namespace json = boost::json;
using enforcement::FailureReason;
using enforcement::kFailureReasonCount;

const char* to_string(ActionTaken action) {
  switch (action) {
    case ActionTaken::Rejected: return "rejected";
    case ActionTaken::DeadLettered: return "dead_lettered";
    case ActionTaken::Dropped: return "dropped";
    case ActionTaken::LoggedOnly: return "logged_only";
    case ActionTaken::DryRun: return "dry_run";
  }
  return "unknown";
}

std::uint64_t GateMetrics::next_instance() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

namespace {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

// This thread's way to its series: policy -> subject -> series. Lookups with string_views, so a
// hit allocates nothing.
struct ThreadIndex {
  std::uint64_t instance = 0;
  StringMap<StringMap<GateMetrics::Series*>> by_policy;
};

// Prometheus label values escape backslash, double quote and newline.
std::string label(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// Sums of the shards of one (policy, subject).
struct Totals {
  std::uint64_t evaluated = 0, accepted = 0, latency_sum_ns = 0;
  std::array<std::uint64_t, kFailureReasonCount> failed{};
  std::array<std::uint64_t, kActionCount> actions{};
  std::array<std::uint64_t, kLatencyBucketsUs.size() + 1> latency{};

  void add(const GateMetrics::Series& s) {
    auto get = [](const GateMetrics::Series::Counter& c) { return c.load(std::memory_order_relaxed); };
    evaluated += get(s.evaluated);
    accepted += get(s.accepted);
    latency_sum_ns += get(s.latency_sum_ns);
    for (int i = 0; i < kFailureReasonCount; ++i) failed[i] += get(s.failed[i]);
    for (int i = 0; i < kActionCount; ++i) actions[i] += get(s.actions[i]);
    for (std::size_t i = 0; i < latency.size(); ++i) latency[i] += get(s.latency[i]);
  }
  void add(const Totals& t) {
    evaluated += t.evaluated;
    accepted += t.accepted;
    latency_sum_ns += t.latency_sum_ns;
    for (int i = 0; i < kFailureReasonCount; ++i) failed[i] += t.failed[i];
    for (int i = 0; i < kActionCount; ++i) actions[i] += t.actions[i];
    for (std::size_t i = 0; i < latency.size(); ++i) latency[i] += t.latency[i];
  }
};

json::object totals_json(const Totals& t) {
  json::object o;
  o["evaluated"] = t.evaluated;
  o["accepted"] = t.accepted;
  json::object failed;
  for (int i = 1; i < kFailureReasonCount; ++i)
    if (t.failed[i]) failed[to_string(static_cast<FailureReason>(i))] = t.failed[i];
  o["failed"] = std::move(failed);
  json::object actions;
  for (int i = 0; i < kActionCount; ++i)
    if (t.actions[i]) actions[to_string(static_cast<ActionTaken>(i))] = t.actions[i];
  o["actions"] = std::move(actions);
  o["validation_seconds_sum"] = static_cast<double>(t.latency_sum_ns) / 1e9;
  return o;
}

}  // namespace

GateMetrics::Series& GateMetrics::series(std::string_view policy, std::string_view subject) {
  if (subject.empty()) subject = kNoSubject;
  thread_local ThreadIndex index;
  if (index.instance != instance_) {
    index.by_policy.clear();
    index.instance = instance_;
  }
  auto p = index.by_policy.find(policy);
  if (p == index.by_policy.end()) p = index.by_policy.emplace(std::string(policy), StringMap<Series*>{}).first;
  if (auto s = p->second.find(subject); s != p->second.end()) return *s->second;

  // First time on this thread: make this thread's shard (the only locked step).
  std::lock_guard lock(mu_);
  auto seen = [&](std::string_view subj) {
    return std::any_of(distinct_.begin(), distinct_.end(),
                       [&](const Key& k) { return k.policy == policy && k.subject == subj; });
  };
  std::string_view kept = subject;
  if (!seen(subject)) {
    if (distinct_.size() >= kMaxSeries) {
      kept = kOtherSubject;
      // This thread's "(other)" shard serves every further subject.
      if (auto other = p->second.find(kOtherSubject); other != p->second.end()) {
        p->second.emplace(std::string(subject), other->second);
        return *other->second;
      }
      if (!seen(kOtherSubject)) distinct_.push_back(Key{std::string(policy), std::string(kOtherSubject)});
    } else {
      distinct_.push_back(Key{std::string(policy), std::string(subject)});
    }
  }
  shards_.push_back(Shard{Key{std::string(policy), std::string(kept)}, std::make_unique<Series>()});
  Series* s = shards_.back().series.get();
  p->second.emplace(std::string(kept), s);
  if (kept != subject) p->second.emplace(std::string(subject), s);
  return *s;
}

void GateMetrics::record(std::string_view policy, const enforcement::Verdict& v,
                         std::chrono::nanoseconds latency, const ActionTaken* action) {
  // Subjects label only schemas that exist: a client inventing event types gets "(none)", not a
  // time series of its own.
  Series& s = series(policy, v.schema_id ? std::string_view(v.subject) : std::string_view());
  Series::bump(s.evaluated);
  if (v.passed()) Series::bump(s.accepted);
  else Series::bump(s.failed[static_cast<int>(v.failure)]);
  if (action) Series::bump(s.actions[static_cast<int>(*action)]);
  const auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(latency.count(), 0));
  Series::bump(s.latency_sum_ns, ns);
  std::size_t bucket = 0;
  while (bucket < kLatencyBucketsUs.size() && ns > std::uint64_t{kLatencyBucketsUs[bucket]} * 1000)
    ++bucket;
  Series::bump(s.latency[bucket]);
}

std::string GateMetrics::render_prometheus() const {
  std::map<std::pair<std::string, std::string>, Totals> by_key;
  {
    std::lock_guard lock(mu_);
    for (const auto& shard : shards_) by_key[{shard.key.policy, shard.key.subject}].add(*shard.series);
  }
  std::map<std::string, Totals> by_policy;
  for (const auto& [key, t] : by_key) by_policy[key.first].add(t);

  std::string out;
  auto head = [&](const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  head("accord_enforcement_evaluated_total", "counter",
       "Publishes checked by a policy, by registry subject.");
  for (const auto& [k, t] : by_key)
    out += fmt::format("accord_enforcement_evaluated_total{{policy=\"{}\",subject=\"{}\"}} {}\n",
                       label(k.first), label(k.second), t.evaluated);
  head("accord_enforcement_accepted_total", "counter", "Publishes that met their policy.");
  for (const auto& [k, t] : by_key)
    out += fmt::format("accord_enforcement_accepted_total{{policy=\"{}\",subject=\"{}\"}} {}\n",
                       label(k.first), label(k.second), t.accepted);
  head("accord_enforcement_failed_total", "counter",
       "Publishes that broke their policy, by the class of the first error (dry runs included).");
  for (const auto& [k, t] : by_key)
    for (int i = 1; i < kFailureReasonCount; ++i)
      if (t.failed[i])
        out += fmt::format(
            "accord_enforcement_failed_total{{policy=\"{}\",subject=\"{}\",reason=\"{}\"}} {}\n",
            label(k.first), label(k.second), to_string(static_cast<FailureReason>(i)), t.failed[i]);
  head("accord_enforcement_actions_total", "counter",
       "What was done with failing publishes (dry_run: nothing, only counted).");
  for (const auto& [policy, t] : by_policy)
    for (int i = 0; i < kActionCount; ++i)
      out += fmt::format("accord_enforcement_actions_total{{policy=\"{}\",action=\"{}\"}} {}\n",
                         label(policy), to_string(static_cast<ActionTaken>(i)), t.actions[i]);
  head("accord_enforcement_validation_seconds", "histogram",
       "Time to check one publish against its policy (parse, resolve the schema, validate).");
  for (const auto& [k, t] : by_key) {
    const std::string labels = fmt::format("policy=\"{}\",subject=\"{}\"", label(k.first), label(k.second));
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kLatencyBucketsUs.size(); ++i) {
      cumulative += t.latency[i];
      out += fmt::format("accord_enforcement_validation_seconds_bucket{{{},le=\"{}\"}} {}\n", labels,
                         kLatencyBucketsUs[i] / 1e6, cumulative);
    }
    cumulative += t.latency.back();
    out += fmt::format("accord_enforcement_validation_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels,
                       cumulative);
    out += fmt::format("accord_enforcement_validation_seconds_sum{{{}}} {}\n", labels,
                       static_cast<double>(t.latency_sum_ns) / 1e9);
    out += fmt::format("accord_enforcement_validation_seconds_count{{{}}} {}\n", labels, cumulative);
  }
  return out;
}

json::object GateMetrics::to_json() const {
  std::map<std::pair<std::string, std::string>, Totals> by_key;
  {
    std::lock_guard lock(mu_);
    for (const auto& shard : shards_) by_key[{shard.key.policy, shard.key.subject}].add(*shard.series);
  }
  std::map<std::string, std::pair<Totals, json::object>> by_policy;
  for (const auto& [k, t] : by_key) {
    auto& [sum, subjects] = by_policy[k.first];
    sum.add(t);
    subjects[k.second] = totals_json(t);
  }
  json::object out;
  for (auto& [policy, entry] : by_policy) {
    json::object o = totals_json(entry.first);
    o["subjects"] = std::move(entry.second);
    out[policy] = std::move(o);
  }
  return out;
}

}  // namespace accord::gate
