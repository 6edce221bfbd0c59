// Process-wide counters. Relaxed atomics: they are statistics, not synchronisation.
#pragma once

#include <atomic>
#include <cstdint>

namespace accord::core {

struct Metrics {
  using Counter = std::atomic<std::uint64_t>;
  Counter connections_accepted{0};
  Counter connections_refused{0};
  std::atomic<std::int64_t> connections_current{0};
  std::atomic<std::int64_t> sessions_current{0};
  Counter messages_received{0};
  Counter messages_sent{0};
  Counter bytes_received{0};
  Counter bytes_sent{0};
  Counter dropped_qos0_slow_subscriber{0};  // write queue above the high-water mark
  Counter dropped_queue_full{0};            // session queue limit reached
  Counter dropped_expired{0};               // message expiry passed while queued
  Counter dropped_too_large{0};             // larger than the client's maximum packet size
  Counter dropped_offline_qos0{0};
  Counter protocol_errors{0};

  static void add(Counter& c, std::uint64_t n = 1) { c.fetch_add(n, std::memory_order_relaxed); }
};

}  // namespace accord::core
