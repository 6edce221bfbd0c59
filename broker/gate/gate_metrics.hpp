// Counters of the publish-path contract checks, per policy and registry subject: evaluated,
// accepted, failed by reason, actions taken, and a validation latency histogram. Rendered as
// Prometheus text (GET /metrics) and as JSON ($SYS topics).
//
// Threading: every I/O thread counts into series of its own (one writer per series, relaxed
// atomics, no shared cache line between threads); readers sum the shards. A thread finds its
// series through a small per-thread table, so the only lock is taken the first time a thread
// meets a (policy, subject) pair.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "registry/enforcement/verdict.hpp"

namespace accord::gate {

// What was done with a failing publish (dry runs count as DryRun whatever their action).
enum class ActionTaken : std::uint8_t { Rejected, DeadLettered, Dropped, LoggedOnly, DryRun };
inline constexpr int kActionCount = 5;
const char* to_string(ActionTaken action);

// Upper bounds of the latency buckets, in microseconds (then +Inf).
inline constexpr std::array<std::uint32_t, 13> kLatencyBucketsUs = {
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};

class GateMetrics {
 public:
  // Distinct (policy, subject) pairs kept apart; further subjects are counted as "(other)" so
  // that clients inventing event types cannot grow memory or the scrape without bound.
  static constexpr std::size_t kMaxSeries = 10'000;
  static constexpr std::string_view kNoSubject = "(none)";
  static constexpr std::string_view kOtherSubject = "(other)";

  struct Series {
    using Counter = std::atomic<std::uint64_t>;
    Counter evaluated{0}, accepted{0};
    std::array<Counter, enforcement::kFailureReasonCount> failed{};
    std::array<Counter, kActionCount> actions{};
    std::array<Counter, kLatencyBucketsUs.size() + 1> latency{};  // last: +Inf
    Counter latency_sum_ns{0};

    // Single writer (the owning thread): a plain load + store, no locked instruction.
    static void bump(Counter& c, std::uint64_t n = 1) {
      c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
  };

  // This thread's series for (policy, subject); `subject` "" means none was resolved.
  Series& series(std::string_view policy, std::string_view subject);
  void record(std::string_view policy, const enforcement::Verdict& verdict,
              std::chrono::nanoseconds latency, const ActionTaken* action);

  std::string render_prometheus() const;
  // {"<policy>": {"evaluated":..., "accepted":..., "failed": {"data_invalid": n, ...},
  //  "actions": {...}, "subjects": {"<subject>": {...same...}}}}
  boost::json::object to_json() const;

 private:
  struct Key {
    std::string policy, subject;
  };
  struct Shard {
    Key key;
    std::unique_ptr<Series> series;
  };
  mutable std::mutex mu_;
  std::vector<Shard> shards_;         // guarded by mu_; series never move or go away
  std::vector<Key> distinct_;         // guarded by mu_: the (policy, subject) pairs seen
  const std::uint64_t instance_ = next_instance();
  static std::uint64_t next_instance();
};

}  // namespace accord::gate
