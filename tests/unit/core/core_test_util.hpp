// Shared by the core tests: a queue-driven Executor standing for the I/O threads and a Link
// that records what the session sends, so that every step is deterministic.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "broker/core/executor.hpp"
#include "broker/core/link.hpp"

namespace accord::core {

using mqtt::ProtocolVersion;
using mqtt::ReasonCode;

// Runs posted work in FIFO order, pretending to be the named I/O thread.
// post() may come from any thread (a store's writer thread); the work runs on the test's thread
// in run_all().
class QueueExecutor final : public Executor {
 public:
  explicit QueueExecutor(unsigned threads) : threads_(threads) {}
  unsigned thread_count() const override { return threads_; }
  void post(unsigned thread, std::function<void()> fn) override {
    std::lock_guard lock(mutex_);
    queue_.emplace_back(thread, std::move(fn));
  }
  // Runs everything queued, including what that work posts; returns how many tasks ran.
  std::size_t run_all() {
    std::size_t ran = 0;
    for (;;) {
      std::pair<unsigned, std::function<void()>> task;
      {
        std::lock_guard lock(mutex_);
        if (queue_.empty()) return ran;
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      const int saved = current_io_thread;
      current_io_thread = static_cast<int>(task.first);
      task.second();
      current_io_thread = saved;
      ++ran;
    }
  }

 private:
  unsigned threads_;
  std::mutex mutex_;
  std::deque<std::pair<unsigned, std::function<void()>>> queue_;
};

struct SentPublish {
  std::string topic;
  std::string payload;
  std::uint8_t qos;
  bool retain;
  bool dup;
  std::uint16_t packet_id;
  std::vector<std::uint32_t> subscription_ids;
  std::optional<std::uint16_t> topic_alias;
};

class RecordingLink final : public Link {
 public:
  explicit RecordingLink(ProtocolVersion v) : version_(v) {}
  ProtocolVersion version() const override { return version_; }
  void send(const mqtt::Packet& p) override { packets.push_back(p); }
  void send_publish(const mqtt::PublishHead& h, const MessagePtr& m) override {
    publishes.push_back(SentPublish{std::string(h.topic), m->payload, h.qos, h.retain, h.dup,
                                    h.packet_id,
                                    {h.subscription_identifiers.begin(), h.subscription_identifiers.end()},
                                    h.topic_alias});
    queued += 100;
  }
  std::size_t queued_bytes() const override { return queued; }
  void disconnect(ReasonCode r, std::string_view) override { disconnected = r; }
  std::string_view peer() const override { return "test"; }

  template <class T>
  std::vector<T> sent() const {
    std::vector<T> out;
    for (const auto& p : packets) {
      if (auto* x = std::get_if<T>(&p)) out.push_back(*x);
    }
    return out;
  }

  ProtocolVersion version_;
  std::vector<mqtt::Packet> packets;
  std::vector<SentPublish> publishes;
  std::optional<ReasonCode> disconnected;
  std::size_t queued = 0;
};

}  // namespace accord::core
