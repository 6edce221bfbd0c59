// Process-wide counters. Relaxed atomics: they are statistics, not synchronisation.
//
// Counters bumped on the publish path (messages by QoS, queue depths) live in per-thread
// shards: each I/O thread writes only its own cache line with a plain load + store (no locked
// instruction, no line bouncing between threads); readers sum the shards. Threads without a
// shard of their own (startup, tests, more than kShards I/O threads) share one with atomic adds.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>

#include "broker/core/executor.hpp"

namespace accord::core {

struct Metrics {
  using Counter = std::atomic<std::uint64_t>;
  using Gauge = std::atomic<std::int64_t>;

  // Why a TCP connection was closed right after accept.
  enum class RefusedReason : std::uint8_t { MaxConnections, PerAddress, Rate };
  static constexpr std::size_t kRefusedReasons = 3;
  static constexpr const char* refused_reason_name(RefusedReason r) {
    switch (r) {
      case RefusedReason::MaxConnections: return "max_connections";
      case RefusedReason::PerAddress: return "max_connections_per_address";
      case RefusedReason::Rate: return "connect_rate_per_address";
    }
    return "?";
  }

  Counter connections_accepted{0};
  std::array<Counter, kRefusedReasons> connections_refused{};
  std::atomic<std::int64_t> connections_current{0};
  std::atomic<std::int64_t> sessions_current{0};
  Counter bytes_received{0};
  Counter bytes_sent{0};
  Counter dropped_qos0_slow_subscriber{0};  // write queue above the high-water mark
  Counter dropped_queue_full{0};            // session queue limit reached
  Counter dropped_expired{0};               // message expiry passed while queued
  Counter dropped_too_large{0};             // larger than the client's maximum packet size
  Counter dropped_offline_qos0{0};
  Counter protocol_errors{0};
  Counter idle_timeouts{0};                 // closed by server.idle_timeout_ms
  // MQTT authentication refusals (CONNACK) and ACL denials (broker/auth), by reason / action.
  Counter auth_failed_bad_credentials{0};   // 0x86: unknown user, wrong or missing password
  Counter auth_failed_not_authorized{0};    // 0x87: anonymous client not allowed
  Counter auth_failed_bad_method{0};        // 0x8C: unsupported enhanced authentication
  Counter auth_failed_busy{0};              // 0x89: too many password checks waiting
  Counter acl_denied_subscribe{0};
  Counter acl_denied_publish{0};
  Counter acl_denied_will{0};
  Counter acl_denied_read{0};               // not delivered: the subscriber may not read it

  static void add(Counter& c, std::uint64_t n = 1) { c.fetch_add(n, std::memory_order_relaxed); }

  // ---- sharded ----
  struct alignas(64) Shard {
    std::array<Counter, 3> received_by_qos{};  // PUBLISH from clients
    std::array<Counter, 3> sent_by_qos{};      // PUBLISH to clients
    Gauge queued_messages{0};                  // in session queues (all sessions)
    Gauge queued_bytes{0};                     // payload bytes of those
  };
  static constexpr int kShards = 64;

  void count_received(std::uint8_t qos) { bump(local().received_by_qos[std::min<int>(qos, 2)], 1u); }
  void count_sent(std::uint8_t qos) { bump(local().sent_by_qos[std::min<int>(qos, 2)], 1u); }
  // Session queue depth changes (negative when messages leave the queue).
  void count_queued(std::int64_t messages, std::int64_t bytes) {
    Shard& s = local();
    bump(s.queued_messages, messages);
    bump(s.queued_bytes, bytes);
  }

  std::uint64_t received(int qos) const { return sum([qos](const Shard& s) { return s.received_by_qos[qos].load(std::memory_order_relaxed); }); }
  std::uint64_t sent(int qos) const { return sum([qos](const Shard& s) { return s.sent_by_qos[qos].load(std::memory_order_relaxed); }); }
  std::uint64_t messages_received() const { return received(0) + received(1) + received(2); }
  std::uint64_t messages_sent() const { return sent(0) + sent(1) + sent(2); }
  std::int64_t queued_messages() const { return sum_signed([](const Shard& s) { return s.queued_messages.load(std::memory_order_relaxed); }); }
  std::int64_t queued_bytes() const { return sum_signed([](const Shard& s) { return s.queued_bytes.load(std::memory_order_relaxed); }); }
  std::uint64_t refused_total() const {
    std::uint64_t n = 0;
    for (const auto& c : connections_refused) n += c.load(std::memory_order_relaxed);
    return n;
  }

 private:
  static bool own_shard() { return current_io_thread >= 0 && current_io_thread < kShards; }
  Shard& local() { return own_shard() ? shards_[current_io_thread] : shards_[kShards]; }
  template <class T, class N>
  static void bump(std::atomic<T>& c, N n) {
    if (own_shard()) {
      c.store(c.load(std::memory_order_relaxed) + static_cast<T>(n), std::memory_order_relaxed);
    } else {
      c.fetch_add(static_cast<T>(n), std::memory_order_relaxed);
    }
  }
  template <class F>
  std::uint64_t sum(F f) const {
    std::uint64_t n = 0;
    for (const Shard& s : shards_) n += f(s);
    return n;
  }
  template <class F>
  std::int64_t sum_signed(F f) const {
    std::int64_t n = 0;
    for (const Shard& s : shards_) n += f(s);
    return n;
  }
  std::array<Shard, kShards + 1> shards_{};  // last: shared by threads without a shard
};

}  // namespace accord::core
