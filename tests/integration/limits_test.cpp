// Limits against abuse, end to end against the real broker: connection limits (global, per
// source address, connect rate), the idle timeout, and a slow consumer whose queue limit keeps
// the broker's memory bounded while a publisher keeps going.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "http_client.hpp"
#include "prometheus.hpp"
#include "test_support.hpp"

namespace accord::it {
namespace {

using namespace std::chrono_literals;

class Limits : public BrokerTest {
 protected:
  Scrape scrape() {
    HttpClient http("127.0.0.1", broker().admin_port(), 10s);
    auto r = http.get("/metrics");
    if (r.status != 200) throw std::runtime_error("GET /metrics: " + r.describe());
    Scrape s = parse_prometheus(r.body);
    EXPECT_TRUE(s.problems.empty()) << joined(s.problems);
    return s;
  }
  double metric(const std::string& name, const std::map<std::string, std::string>& labels = {}) {
    return scrape().value(name, labels);
  }
  // The broker's readiness probe (BrokerProcess connects once) may still be open: wait until
  // no connection is, so the counts below are ours alone.
  void wait_no_connections() {
    ASSERT_TRUE(eventually([&] { return metric("accord_connections") == 0; }, 10s));
  }
  // A TCP connection that sends CONNECT; connected() tells whether a CONNACK 0 came back,
  // refused() whether the broker closed it without any answer.
  struct Attempt {
    std::unique_ptr<RawClient> client = std::make_unique<RawClient>();
    bool accepted = false;
  };
  Attempt attempt(const std::string& id) {
    Attempt a;
    ConnectOptions o;
    o.client_id = id;
    try {
      a.accepted = a.client->connect(port(), o, 5s).code == 0;
    } catch (const std::exception&) {
      a.accepted = false;  // closed before a CONNACK
    }
    return a;
  }
  // A refused connection: closed by the broker with nothing sent back.
  bool closed_silently(RawClient& c) {
    auto seen = c.wait_closed(5s);
    return seen.has_value() && seen->empty();
  }

  // N clients up to the limit, then more are refused while the N keep working; after closing
  // two, new clients get in again.
  void check_connection_limit(int n, const std::string& reason) {
    wait_no_connections();
    std::vector<std::unique_ptr<RawClient>> held;
    for (int i = 0; i < n; ++i) {
      ConnectOptions o;
      o.client_id = "held-" + std::to_string(i);
      held.push_back(std::make_unique<RawClient>());
      ASSERT_EQ(held.back()->connect(port(), o).code, 0) << i;
    }
    for (int i = 0; i < 3; ++i) {
      RawClient extra;
      extra.open(port());
      ConnectOptions o;
      o.client_id = "extra-" + std::to_string(i);
      extra.send(encode_connect(o));
      EXPECT_TRUE(closed_silently(extra)) << "connection " << n + i << " past the limit was not refused";
    }
    EXPECT_GE(metric("accord_connections_refused_total", {{"reason", reason}}), 3);
    // The held clients still work: a QoS 1 round trip through the broker.
    ASSERT_EQ(held[0]->subscribe("limits/echo", 1).reasons, std::vector<std::uint8_t>{1});
    held[1]->publish_and_wait("limits/echo", "still here", 1);
    EXPECT_EQ(held[0]->expect_publish(5s).payload, "still here");
    // Two leave; two newcomers get in.
    held[2]->disconnect();
    held[3]->disconnect();
    ASSERT_TRUE(eventually([&] { return metric("accord_connections") == n - 2; }, 10s));
    for (int i = 0; i < 2; ++i) {
      Attempt a = attempt("newcomer-" + std::to_string(i));
      EXPECT_TRUE(a.accepted) << "after closing two, newcomer " << i << " was refused";
    }
  }
};

TEST_F(Limits, MaxConnectionsRefusesPastTheLimitWhileExistingClientsWork) {
  ACCORD_START_BROKER_WITH({{"server.max_connections", "5"},
                            {"server.connect_rate_per_address", "0"}});
  check_connection_limit(5, "max_connections");
}

TEST_F(Limits, MaxConnectionsPerAddressRefusesPastTheLimitWhileExistingClientsWork) {
  ACCORD_START_BROKER_WITH({{"server.max_connections_per_address", "5"},
                            {"server.connect_rate_per_address", "0"}});
  check_connection_limit(5, "max_connections_per_address");
  EXPECT_EQ(metric("accord_connections_refused_total", {{"reason", "max_connections"}}), 0);
}

TEST_F(Limits, ConnectRateRefusesABurstAndAcceptsLater) {
  // 2 a second, burst 2: twenty connections opened back to back cannot all get in (that would
  // take nine seconds of refill), and one gets in again once the bucket refills.
  ACCORD_START_BROKER_WITH({{"server.connect_rate_per_address", "2"}});
  std::vector<std::unique_ptr<RawClient>> burst;
  for (int i = 0; i < 20; ++i) {
    burst.push_back(std::make_unique<RawClient>());
    burst.back()->open(port());
    ConnectOptions o;
    o.client_id = "burst-" + std::to_string(i);
    burst.back()->send(encode_connect(o));
  }
  int accepted = 0, refused = 0;
  for (auto& c : burst) {
    auto p = c->read(5s);
    if (p && p->type == CONNACK) {
      ++accepted;
    } else if (c->closed()) {
      ++refused;
    }
  }
  EXPECT_EQ(accepted + refused, 20);
  EXPECT_GE(refused, 1);
  EXPECT_LE(accepted, 19);
  EXPECT_EQ(metric("accord_connections_refused_total", {{"reason", "connect_rate_per_address"}}),
            refused);
  // Later the bucket has refilled: a new connection is accepted (bounded retries).
  bool later = eventually([&] { return attempt("later").accepted; }, 10s);
  EXPECT_TRUE(later);
}

TEST_F(Limits, IdleTimeoutClosesAQuietClientEvenWithKeepAliveZero) {
  ACCORD_START_BROKER_WITH({{"server.idle_timeout_ms", "700"}});
  RawClient quiet;
  ConnectOptions o;
  o.client_id = "quiet";
  o.keep_alive = 0;
  ASSERT_EQ(quiet.connect(port(), o).code, 0);
  auto seen = quiet.wait_closed(10s);
  ASSERT_TRUE(seen.has_value()) << "a client silent past idle_timeout_ms stayed connected";
  ASSERT_EQ(seen->size(), 1u);
  ASSERT_EQ((*seen)[0].type, DISCONNECT);
  EXPECT_EQ(decode_disconnect(5, (*seen)[0]).reason, 0x8D);
  EXPECT_GE(metric("accord_idle_timeouts_total"), 1);
}

TEST_F(Limits, IdleTimeoutOffByDefault) {
  // Control for the test above: without the setting, the same client stays (its keep-alive is
  // 0, so nothing else would close it).
  RawClient quiet;
  ConnectOptions o;
  o.client_id = "quiet";
  o.keep_alive = 0;
  ASSERT_EQ(quiet.connect(port(), o).code, 0);
  EXPECT_FALSE(quiet.wait_closed(2s).has_value());
}

TEST_F(Limits, SlowConsumerHitsItsQueueLimitWithBoundedMemory) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer keeps freed memory in quarantine: RSS says nothing here";
#endif
  constexpr std::uint64_t kQueuedBytes = 8u << 20;
  constexpr std::uint64_t kHighWater = 1u << 20;
  constexpr std::uint64_t kInflight = 16;
  constexpr std::size_t kPayload = 64 * 1024;
  constexpr std::uint64_t kTotal = 200ull << 20;  // what the publisher sends
  ACCORD_START_BROKER_WITH({{"limits.max_queued_bytes", std::to_string(kQueuedBytes)},
                            {"limits.max_queued_messages", "1000000"},
                            {"limits.write_queue_high_water", std::to_string(kHighWater)},
                            {"limits.max_inflight_out", std::to_string(kInflight)},
                            {"store.durability", "memory"}});
  const long baseline = rss_kib(broker().pid());
  ASSERT_GT(baseline, 0);

  RawClient slow;  // subscribes at QoS 1, then never reads nor acknowledges
  ConnectOptions so;
  so.client_id = "slow";
  ASSERT_EQ(slow.connect(port(), so).code, 0);
  ASSERT_EQ(slow.subscribe("flood/q1", 1).reasons, std::vector<std::uint8_t>{1});

  RawClient pub;
  ConnectOptions po;
  po.client_id = "flooder";
  ASSERT_EQ(pub.connect(port(), po).code, 0);
  const std::string payload(kPayload, 'x');
  long peak = baseline;
  for (std::uint64_t sent = 0, i = 0; sent < kTotal; sent += kPayload, ++i) {
    pub.publish_and_wait("flood/q1", payload, 1);  // throws when no PUBACK comes
    if (i % 64 == 0) peak = std::max(peak, rss_kib(broker().pid()));
  }
  peak = std::max(peak, rss_kib(broker().pid()));

  // What the limits let the broker hold for the slow session: its queue, its in-flight window
  // and its socket's write queue. Twice that (allocator slack, message copies in flight) plus a
  // fixed 16 MiB; without the queue limit it would hold the whole 200 MB.
  const long configured_kib =
      static_cast<long>((kQueuedBytes + kHighWater + kInflight * kPayload) / 1024);
  const long bound = baseline + 2 * configured_kib + 16 * 1024;
  RecordProperty("rss_baseline_kib", std::to_string(baseline));
  RecordProperty("rss_peak_kib", std::to_string(peak));
  RecordProperty("rss_bound_kib", std::to_string(bound));
  std::printf("slow consumer: rss baseline %ld KiB, peak %ld KiB, bound %ld KiB\n", baseline, peak, bound);
  EXPECT_LT(peak, bound);

  Scrape s = scrape();
  EXPECT_GT(s.value("accord_messages_dropped_total", {{"reason", "queue_full"}}), 0);
  EXPECT_LE(s.value("accord_queued_bytes", {}), static_cast<double>(kQueuedBytes));
  EXPECT_GT(s.value("accord_queued_messages", {}), 0);
  EXPECT_GE(s.value("accord_messages_received_total", {{"qos", "1"}}),
            static_cast<double>(kTotal / kPayload));
}

}  // namespace
}  // namespace accord::it
