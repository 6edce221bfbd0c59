// Server-level behaviour: graceful shutdown, bounded memory under a slow subscriber, the
// connect/disconnect log lines, one I/O thread per core.
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "test_support.hpp"

namespace accord::it {
namespace {

using namespace std::chrono_literals;

// The value of `key=` in the broker's `event=stopped` line, or -1.
long stopped_counter(const std::string& log, const std::string& key) {
  std::smatch m;
  const std::regex re("event=stopped.*\\b" + key + "=([0-9]+)");
  return std::regex_search(log, m, re) ? std::stol(m[1]) : -1;
}

class Server : public BrokerTest {};

TEST_F(Server, SigtermSendsServerShuttingDownAndExitsCleanly) {
  SKIP_UNDER_MOSQUITTO("mosquitto closes without DISCONNECT 0x8B");
  auto c5 = raw(v5("shutdown-v5"));
  auto c311 = raw(v311("shutdown-v311"));
  const int status = broker().stop(5s);
  ASSERT_TRUE(WIFEXITED(status)) << "accord must exit by itself on SIGTERM";
  EXPECT_EQ(WEXITSTATUS(status), 0);
  auto seen = c5->wait_closed(3s);
  ASSERT_TRUE(seen.has_value());
  ASSERT_FALSE(seen->empty()) << "MQTT 5 client gets a DISCONNECT before the close";
  EXPECT_EQ(seen->back().type, 14);
  EXPECT_EQ(static_cast<std::uint8_t>(seen->back().body.at(0)), 0x8B);
  auto seen311 = c311->wait_closed(3s);
  ASSERT_TRUE(seen311.has_value());
  EXPECT_TRUE(seen311->empty()) << "3.1.1 has no server DISCONNECT: just closed";
}

TEST_F(Server, SlowSubscriberCannotGrowBrokerMemoryWithoutBound) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer keeps freed memory in quarantine: RSS says nothing here";
#endif
  ACCORD_START_BROKER_WITH({{"limits.write_queue_high_water", "1048576"},
                            {"limits.max_inflight_out", "16"},
                            {"limits.max_queued_messages", "100"}});
  // A subscriber that never reads its socket and never acknowledges.
  auto slow = raw(v311("slow", /*clean=*/true));
  slow->subscribe("flood/#", 1);
  // A healthy subscriber on another topic, reading all the time.
  PahoClient healthy(uri(), "healthy", 4);
  healthy.connect();
  healthy.subscribe("healthy/#", 1);

  auto publisher = raw(v311("flooder"));
  const long before = rss_kib(broker().pid());
  const std::string payload(64 * 1024, 'x');
  // 160 MiB of QoS 0 and 64 MiB of QoS 1 towards the slow subscriber.
  for (int i = 0; i < 2560; ++i) publisher->publish("flood/q0", payload, 0);
  for (int i = 0; i < 1024; ++i) publisher->publish_and_wait("flood/q1", payload, 1);
  publisher->publish_and_wait("healthy/marker", "still here", 1);

  auto marker = healthy.next(5s);
  ASSERT_NE(marker, nullptr) << "other clients keep being served";
  EXPECT_EQ(marker->get_payload_str(), "still here");
  const long after = rss_kib(broker().pid());
  ASSERT_GT(before, 0);
  // Bound: write queue 1 MiB + 16 in flight + 100 queued (64 KiB each) ~= 8 MiB, plus slack
  // for allocator caches. Without the bounds this would be > 200 MiB.
  EXPECT_LT(after - before, 48 * 1024) << "RSS grew from " << before << " to " << after << " KiB";

  healthy.disconnect();
  broker().stop(5s);
  const std::string log = broker().log_text();
  EXPECT_GT(stopped_counter(log, "dropped_qos0_slow_subscriber"), 0) << log;
  EXPECT_GT(stopped_counter(log, "dropped_queue_full"), 0) << log;
}

TEST_F(Server, LogsOneLinePerConnectAndDisconnectWithClientIdAddressAndReason) {
  SKIP_UNDER_MOSQUITTO("checks Accord's own log format");
  {
    auto c = raw(v5("log-check"));
    c->disconnect(0);
    c->wait_closed(3s);
  }
  const bool logged = eventually(
      [&] {
        const std::string log = broker().log_text();
        return log.find("event=disconnect client_id=log-check") != std::string::npos;
      },
      3s);
  const std::string log = broker().log_text();
  ASSERT_TRUE(logged) << log;
  EXPECT_TRUE(std::regex_search(
      log, std::regex("event=connect client_id=log-check addr=127\\.0\\.0\\.1:[0-9]+ protocol=5\\.0")))
      << log;
  EXPECT_TRUE(std::regex_search(
      log, std::regex("event=disconnect client_id=log-check addr=127\\.0\\.0\\.1:[0-9]+ reason=")))
      << log;
}

TEST_F(Server, RunsOneIoThreadPerCoreByDefault) {
  SKIP_UNDER_MOSQUITTO("mosquitto is single-threaded");
  broker();
  // The port file appears before the loops start: wait for the start line and the threads.
  const std::regex started("event=started io_threads=([0-9]+)");
  ASSERT_TRUE(eventually([&] {
    const std::string log = broker().log_text();
    return std::regex_search(log, started);
  })) << broker().log_text();
  const std::string log = broker().log_text();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(log, m, started));
  EXPECT_EQ(std::stoul(m[1]), std::thread::hardware_concurrency());
  // And the process really has them: main + one per core.
  const auto thread_count = [&] {
    std::ifstream status("/proc/" + std::to_string(broker().pid()) + "/status");
    std::string line;
    long threads = 0;
    while (std::getline(status, line)) {
      if (line.rfind("Threads:", 0) == 0) threads = std::stol(line.substr(8));
    }
    return threads;
  };
  const long expected = static_cast<long>(std::thread::hardware_concurrency()) + 1;
  eventually([&] { return thread_count() >= expected; });
  const long threads = thread_count();
  EXPECT_GE(threads, expected);
}

}  // namespace
}  // namespace accord::it
