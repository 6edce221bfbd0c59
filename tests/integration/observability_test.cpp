// The admin API's operational endpoints against the real broker: /healthz and /readyz (also
// without credentials when the admin API has them, and /readyz going 503 during a graceful
// shutdown), and /metrics read with a strict Prometheus text parser while traffic moves it.
#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <signal.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "http_client.hpp"
#include "prometheus.hpp"
#include "test_support.hpp"

namespace accord::it {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;

class Observability : public BrokerTest {
 protected:
  HttpClient http() { return HttpClient("127.0.0.1", broker().admin_port(), 10s); }
  Scrape scrape() {
    auto r = http().get("/metrics");
    if (r.status != 200) throw std::runtime_error("GET /metrics: " + r.describe());
    Scrape s = parse_prometheus(r.body);
    EXPECT_TRUE(s.problems.empty()) << joined(s.problems) << r.body;
    EXPECT_TRUE(histogram_problems(s).empty()) << joined(histogram_problems(s));
    return s;
  }
};

TEST_F(Observability, HealthzAndReadyzAnswer200WhenServing) {
  SKIP_UNDER_MOSQUITTO("no admin API");
  auto h = http().get("/healthz");
  ASSERT_EQ(h.status, 200u) << h.describe();
  EXPECT_EQ(json::parse(h.body).at("status"), "ok");
  auto r = http().get("/readyz");
  ASSERT_EQ(r.status, 200u) << r.describe();
  EXPECT_EQ(json::parse(r.body).at("status"), "ready");
}

std::string bearer_line(const std::string& name, const std::string& role, const std::string& token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : digest) {
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 15]);
  }
  return "bearer " + name + " " + role + " sha256$" + hex;
}

TEST_F(Observability, ProbesNeedNoCredentialsWhenTheAdminApiHasThem) {
  SKIP_UNDER_MOSQUITTO("no admin API");
  std::string dir = (fs::temp_directory_path() / "accord-obs-XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const std::string file = dir + "/credentials";
  std::ofstream(file) << bearer_line("ops", "admin", "tok-obs-8c1d2e3f4a5b6c7d") << "\n";
  start_broker(BrokerOptions{{{"admin.credentials_file", file}}});
  EXPECT_EQ(http().get("/metrics").status, 401u);  // the control: credentials are enforced
  EXPECT_EQ(http().get("/healthz").status, 200u);
  EXPECT_EQ(http().get("/readyz").status, 200u);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST_F(Observability, ReadyzIs503DuringGracefulShutdown) {
  SKIP_UNDER_MOSQUITTO("no admin API");
  // A subscriber that never reads holds the shutdown open: its socket is full, so the broker
  // waits (up to shutdown_grace_ms) for the DISCONNECT queued behind the data to go out.
  ACCORD_START_BROKER_WITH({{"server.shutdown_grace_ms", "8000"},
                            {"limits.write_queue_high_water", "262144"}});
  RawClient stuck;
  ConnectOptions so;
  so.client_id = "stuck";
  ASSERT_EQ(stuck.connect(port(), so).code, 0);
  ASSERT_EQ(stuck.subscribe("hold/#", 0).reasons, std::vector<std::uint8_t>{0});
  RawClient pub;
  ConnectOptions po;
  po.client_id = "filler";
  ASSERT_EQ(pub.connect(port(), po).code, 0);
  const std::string payload(64 * 1024, 'h');
  for (int i = 0; i < 320; ++i) pub.publish("hold/x", payload, 0);  // 20 MB, far past the buffers
  pub.publish_and_wait("hold/sync", "", 1);  // all of it went through the broker
  ASSERT_EQ(http().get("/readyz").status, 200u);

  ASSERT_EQ(::kill(broker().pid(), SIGTERM), 0);
  bool saw_503 = eventually(
      [&] {
        try {
          auto r = http().get("/readyz");
          if (r.status != 503) return false;
          const auto body = json::parse(r.body);
          EXPECT_EQ(body.at("status"), "not ready");
          const auto& reasons = body.at("reasons").as_array();
          EXPECT_NE(std::find(reasons.begin(), reasons.end(), json::value("shutting down")),
                    reasons.end())
              << r.body;
          return true;
        } catch (const std::exception&) {
          return false;  // the process already went away: fail below
        }
      },
      5s);
  EXPECT_TRUE(saw_503) << "no 503 from /readyz within the shutdown grace period";
  stuck.drop();
  broker().stop();
}

TEST_F(Observability, MetricsParseAndMoveWithTraffic) {
  SKIP_UNDER_MOSQUITTO("no admin API");
  // Whatever is connected now (the start-up probe may linger a moment): wait for 0.
  ASSERT_TRUE(eventually([&] { return scrape().value("accord_connections", {}) == 0; }, 10s));
  const Scrape before = scrape();
  for (const char* family :
       {"accord_connections_accepted_total", "accord_connections_refused_total",
        "accord_messages_received_total", "accord_messages_sent_total", "accord_bytes_received_total",
        "accord_bytes_sent_total", "accord_messages_dropped_total", "accord_protocol_errors_total"}) {
    EXPECT_EQ(before.types.count(family) ? before.types.at(family) : "", "counter") << family;
    EXPECT_TRUE(before.helps.count(family)) << family;
  }
  for (const char* family : {"accord_connections", "accord_sessions", "accord_queued_messages",
                             "accord_queued_bytes", "accord_subscriptions",
                             "accord_store_estimated_keys", "accord_store_sst_bytes",
                             "accord_store_live_data_bytes", "accord_store_pending_compaction_bytes"}) {
    EXPECT_EQ(before.types.count(family) ? before.types.at(family) : "", "gauge") << family;
  }
  for (const char* reason : {"max_connections", "max_connections_per_address", "connect_rate_per_address"})
    EXPECT_EQ(before.count("accord_connections_refused_total", {{"reason", reason}}), 1u) << reason;
  for (const char* reason : {"queue_full", "slow_subscriber_qos0", "expired"})
    EXPECT_EQ(before.count("accord_messages_dropped_total", {{"reason", reason}}), 1u) << reason;

  constexpr int kN = 25;
  constexpr std::size_t kPayload = 200;
  {
    RawClient sub;
    ConnectOptions so;
    so.client_id = "metrics-sub";
    ASSERT_EQ(sub.connect(port(), so).code, 0);
    ASSERT_EQ(sub.subscribe("m/#", 1).reasons, std::vector<std::uint8_t>{1});
    RawClient pub;
    ConnectOptions po;
    po.client_id = "metrics-pub";
    ASSERT_EQ(pub.connect(port(), po).code, 0);
    EXPECT_EQ(scrape().value("accord_connections", {}), 2);
    const std::string payload(kPayload, 'm');
    for (int i = 0; i < kN; ++i) pub.publish("m/q0", payload, 0);
    for (int i = 0; i < kN; ++i) pub.publish_and_wait("m/q1", payload, 1);
    for (int i = 0; i < 2 * kN; ++i) {
      Publish p = sub.expect_publish(5s);
      if (p.qos == 1) sub.ack(PUBACK, p.packet_id);
    }
    const Scrape after = scrape();
    auto delta = [&](const char* name, std::map<std::string, std::string> labels = {}) {
      return after.value(name, labels) - before.value(name, labels);
    };
    EXPECT_GE(delta("accord_messages_received_total", {{"qos", "0"}}), kN);
    EXPECT_GE(delta("accord_messages_received_total", {{"qos", "1"}}), kN);
    EXPECT_GE(delta("accord_messages_sent_total", {{"qos", "0"}}), kN);
    EXPECT_GE(delta("accord_messages_sent_total", {{"qos", "1"}}), kN);
    EXPECT_GE(delta("accord_bytes_received_total"), 2.0 * kN * kPayload);
    EXPECT_GE(delta("accord_bytes_sent_total"), 2.0 * kN * kPayload);
    EXPECT_GE(delta("accord_connections_accepted_total"), 2);
    EXPECT_EQ(after.value("accord_subscriptions", {}), before.value("accord_subscriptions", {}) + 1);
    sub.disconnect();
    pub.disconnect();
  }
  EXPECT_TRUE(eventually([&] { return scrape().value("accord_connections", {}) == 0; }, 10s))
      << "the connection gauge did not come back down";
}

}  // namespace
}  // namespace accord::it
