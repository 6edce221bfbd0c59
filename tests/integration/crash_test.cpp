// The durability contract under SIGKILL (store.durability = sync): a Paho C++ publisher sends a
// numbered stream at QoS 1 or 2 to a persistent subscriber (offline part of the time) while the
// broker is killed with SIGKILL and restarted several times. Every message whose PUBACK/PUBCOMP
// the publisher received must reach the subscriber; QoS 1 may repeat some (counted), QoS 2 none.
// Both clients keep their sessions (clean start 0, session expiry 1 h) and reconnect on their own.
#include <mqtt/async_client.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "test_support.hpp"

namespace accord::it {
namespace {

using namespace std::chrono_literals;

constexpr const char* kTopic = "fleet/crash/stream";

// Connects with clean start 0 and a session expiry of 1 h, reconnecting on its own afterwards.
// (Paho C++ 1.2 keeps a pointer to the properties of the connect_options they were set on: the
// options must stay alive, and not be a copy, until connect() has been called.)
bool connect_persistent(mqtt::async_client& client) {
  mqtt::connect_options opts = mqtt::connect_options_builder()
                                   .mqtt_version(MQTTVERSION_5)
                                   .clean_start(false)
                                   .connect_timeout(5s)
                                   .keep_alive_interval(20s)
                                   .automatic_reconnect(50ms, 500ms)
                                   .finalize();
  mqtt::properties props;
  props.add(mqtt::property(mqtt::property::SESSION_EXPIRY_INTERVAL, 3600));
  opts.set_properties(props);
  return client.connect(opts)->wait_for(10s);
}

// What the subscriber received: payload -> times.
class Received {
 public:
  void add(const std::string& payload) {
    std::lock_guard lock(mutex_);
    ++counts_[payload];
    cv_.notify_all();
  }
  // Waits (bounded) until every one of `wanted` arrived at least once.
  bool wait_for_all(const std::set<std::string>& wanted, std::chrono::seconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] {
      for (const auto& w : wanted)
        if (!counts_.count(w)) return false;
      return true;
    });
  }
  std::map<std::string, int> snapshot() {
    std::lock_guard lock(mutex_);
    return counts_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::string, int> counts_;
};

// Publishes "m<N>" with up to `window` messages unacknowledged; records the acknowledged ones.
class NumberedPublisher : public virtual mqtt::iaction_listener {
 public:
  NumberedPublisher(mqtt::async_client& client, int qos, int window)
      : client_(client), qos_(qos), window_(window) {}

  void run(const std::atomic<bool>& stop) {
    while (!stop) {
      {
        std::unique_lock lock(mutex_);
        if (!cv_.wait_for(lock, 200ms, [&] { return outstanding_ < window_; })) continue;
      }
      if (!client_.is_connected()) {
        std::this_thread::sleep_for(10ms);
        continue;
      }
      const long n = next_;
      auto msg = mqtt::make_message(kTopic, "m" + std::to_string(n), qos_, false);
      try {
        {
          std::lock_guard lock(mutex_);
          ++outstanding_;
        }
        client_.publish(msg, reinterpret_cast<void*>(n), *this);
        ++next_;
      } catch (const mqtt::exception&) {
        // Not connected after all: nothing was sent, nothing can be acknowledged.
        std::lock_guard lock(mutex_);
        --outstanding_;
      }
    }
  }
  // Waits (bounded) for every publish to complete one way or the other.
  bool drain(std::chrono::seconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return outstanding_ == 0; });
  }
  std::set<std::string> acknowledged() {
    std::lock_guard lock(mutex_);
    return acked_;
  }
  long sent() const { return next_; }
  long failed() {
    std::lock_guard lock(mutex_);
    return failed_;
  }

 private:
  void on_success(const mqtt::token& tok) override {
    const long n = reinterpret_cast<long>(tok.get_user_context());
    std::lock_guard lock(mutex_);
    // PUBACK for QoS 1, PUBCOMP for QoS 2: the broker stored it.
    acked_.insert("m" + std::to_string(n));
    --outstanding_;
    cv_.notify_all();
  }
  void on_failure(const mqtt::token&) override {
    std::lock_guard lock(mutex_);
    ++failed_;
    --outstanding_;
    cv_.notify_all();
  }

  mqtt::async_client& client_;
  const int qos_;
  const int window_;
  std::atomic<long> next_{0};
  std::mutex mutex_;
  std::condition_variable cv_;
  int outstanding_ = 0;
  long failed_ = 0;
  std::set<std::string> acked_;
};

class CrashTest : public DurableBrokerTest, public ::testing::WithParamInterface<int> {};

TEST_P(CrashTest, NoAcknowledgedMessageIsLostAcrossSigkill) {
  // Paho writes to sockets the killed broker left behind: that must fail the write, not kill us.
  ::signal(SIGPIPE, SIG_IGN);
  const int qos = GetParam();
  // The queue limit would drop copies for the offline subscriber (counted, by design): the test
  // is about what the store keeps, so the limit is out of the way.
  start_durable("sync", {{"limits.max_queued_messages", "10000000"}});

  Received received;
  mqtt::async_client sub(uri(), "crash-sub-" + std::to_string(qos),
                         mqtt::create_options(MQTTVERSION_5));
  sub.set_message_callback([&](mqtt::const_message_ptr m) { received.add(m->get_payload_str()); });
  ASSERT_TRUE(connect_persistent(sub));
  ASSERT_TRUE(sub.subscribe(kTopic, qos)->wait_for(5s));

  mqtt::async_client pub(uri(), "crash-pub-" + std::to_string(qos),
                         mqtt::create_options(MQTTVERSION_5));
  ASSERT_TRUE(connect_persistent(pub));

  NumberedPublisher publisher(pub, qos, /*window=*/32);
  std::atomic<bool> stop{false};
  std::thread publishing([&] { publisher.run(stop); });
  struct Joiner {  // a failed ASSERT below returns early: the thread must still be joined
    std::atomic<bool>& stop;
    std::thread& thread;
    ~Joiner() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } joiner{stop, publishing};

  constexpr int kKills = 5;
  std::mt19937 rng(20261123 + qos);
  std::uniform_int_distribution<int> traffic_ms(400, 900);
  for (int kill = 0; kill < kKills; ++kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(traffic_ms(rng)));
    // The subscriber is offline across the middle kills: its copies wait in the store.
    if (kill == 1) {
      // (It may still be reconnecting after the previous kill.)
      ASSERT_TRUE(eventually([&] { return sub.is_connected(); }, 10s));
      ASSERT_TRUE(sub.disconnect()->wait_for(5s));
    }
    broker().kill_hard();
    broker().start();
    if (kill == 3) {
      ASSERT_TRUE(connect_persistent(sub));
    }
  }
  std::this_thread::sleep_for(500ms);
  stop = true;
  publishing.join();

  // In-flight publishes complete once the clients have reconnected (Paho resends them).
  if (!publisher.drain(30s)) {
    // Paho MQTT C sometimes resends an unacknowledged QoS 2 PUBLISH after a reconnect with an
    // empty or garbled topic name (the same reconnect loop is reported against Mosquitto:
    // eclipse-mosquitto/mosquitto#3242; its use-after-free is in tests/sanitizers/asan.supp).
    // The broker must refuse such a packet (MQTT 5 3.3.2.1: Protocol Error), so that publish
    // never completes. Excused only when the broker log shows exactly that refusal: a publish
    // that is never acknowledged is not covered by the no-loss promise checked below.
    const std::string log = broker().log_text();
    const bool client_sent_corrupt_resend =
        log.find("bad_packet client_id=crash-pub-" + std::to_string(qos)) != std::string::npos;
    EXPECT_TRUE(client_sent_corrupt_resend) << "publishes still unacknowledged";
    if (client_sent_corrupt_resend)
      std::printf("[ crash    ] qos %d: the client resent corrupt PUBLISH packets (Paho bug); "
                  "those publishes stay unacknowledged\n", qos);
  }
  const auto acked = publisher.acknowledged();
  ASSERT_GT(acked.size(), 100u) << "too little traffic for the test to mean anything";
  const bool all = received.wait_for_all(acked, 30s);

  const auto counts = received.snapshot();
  std::size_t lost = 0, duplicates = 0;
  long lowest_lost = -1, highest_lost = -1;  // where the gap is, should there be one
  for (const auto& a : acked) {
    if (counts.count(a)) continue;
    ++lost;
    const long n = std::stol(a.substr(1));
    if (lowest_lost < 0 || n < lowest_lost) lowest_lost = n;
    highest_lost = std::max(highest_lost, n);
  }
  for (const auto& [payload, times] : counts) duplicates += static_cast<std::size_t>(times - 1);
  std::printf("[ crash    ] qos %d: %ld sent, %zu acknowledged, %ld failed, %zu distinct received, "
              "%zu duplicates, %zu lost, %d kills\n",
              qos, publisher.sent(), acked.size(), publisher.failed(), counts.size(), duplicates,
              lost, kKills);
  RecordProperty("acknowledged", static_cast<int>(acked.size()));
  RecordProperty("duplicates", static_cast<int>(duplicates));
  EXPECT_TRUE(all);
  EXPECT_EQ(lost, 0u) << "lost between m" << lowest_lost << " and m" << highest_lost;
  if (qos == 2) {
    EXPECT_EQ(duplicates, 0u) << "QoS 2 is exactly once";
  }

  try {
    pub.disconnect()->wait_for(2s);
    sub.disconnect()->wait_for(2s);
  } catch (...) {
  }
}

INSTANTIATE_TEST_SUITE_P(Sync, CrashTest, ::testing::Values(1, 2),
                         [](const auto& info) { return "Qos" + std::to_string(info.param); });

}  // namespace
}  // namespace accord::it
