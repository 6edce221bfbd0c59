// The broker over a real RocksDB store (sync mode, temp directory): what is acknowledged is
// stored first, what is stored comes back after a restart, and the QoS 2 handshakes continue
// where they stopped. A "restart" here closes the store and builds a new Broker from what it
// recovers; the SIGKILL tests in tests/integration/ do the same with a real process.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../store/full_disk_fs.hpp"
#include "../store/store_test_util.hpp"
#include "broker/core/broker.hpp"
#include "core_test_util.hpp"

namespace accord::core {
namespace {

store::UnixMillis wall_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class DurableSessionTest : public ::testing::Test {
 protected:
  DurableSessionTest() { current_io_thread = 0; }
  ~DurableSessionTest() override {
    stop();
    current_io_thread = -1;
  }

  struct Client {
    std::string id;
    SessionPtr session;
    std::unique_ptr<RecordingLink> link;
    std::uint64_t epoch = 0;
    bool present = false;
    std::uint32_t expiry = 0;
  };

  void SetUp() override { start(); }

  // `wall_offset_ms`: how much later than now the restart happens (for expiry).
  void start(rocksdb::Env* env = nullptr, store::UnixMillis wall_offset_ms = 0) {
    store_ = store::test::open_ok(dir_.db(), store::Durability::Sync, env);
    ASSERT_NE(store_, nullptr);
    broker_ = std::make_unique<Broker>(config_, executor_, metrics_, [this] { return now_; });
    const auto now_unix = wall_now() + wall_offset_ms;
    auto recovered = store_->recover(now_unix);
    ASSERT_TRUE(recovered.status.ok) << recovered.status.message;
    broker_->restore(std::move(recovered), now_unix);
    broker_->attach_store(store_.get());
    executor_.run_all();
  }

  void stop() {
    if (!broker_) return;
    settle();
    // The connections vanish without a word, as in a crash: no DISCONNECT, nothing written.
    for (auto& c : clients_)
      if (c->session && c->session->link() == c->link.get()) c->session->detach();
    clients_.clear();
    store_->close();
    executor_.run_all();
    broker_.reset();
    store_.reset();
  }

  // Drops every client (their connections are gone), then starts over from the store.
  void restart(store::UnixMillis wall_offset_ms = 0) {
    stop();
    start(nullptr, wall_offset_ms);
  }

  // Waits until every batch submitted so far is committed and everything it triggered ran.
  void settle() {
    for (;;) {
      std::promise<void> committed;
      store_->submit({}, [&](const store::Status&) { committed.set_value(); });
      committed.get_future().wait();
      if (executor_.run_all() == 0) return;
    }
  }

  Client& connect(const std::string& id, std::uint32_t expiry = 3600, bool clean = false,
                  ProtocolVersion v = ProtocolVersion::v5,
                  std::optional<mqtt::Will> will = std::nullopt) {
    auto client = std::make_unique<Client>();
    client->id = id;
    client->expiry = expiry;
    client->link = std::make_unique<RecordingLink>(v);
    mqtt::Connect c;
    c.version = v;
    c.client_id = id;
    c.clean_start = clean;
    c.will = std::move(will);
    Client* raw = client.get();
    broker_->open_session(c, expiry, 0, [raw, c, expiry](Broker::OpenResult r) {
      raw->session = r.session;
      raw->epoch = r.epoch;
      raw->present = r.session_present;
      if (r.session) r.session->attach(*raw->link, c, expiry);
    });
    settle();
    clients_.push_back(std::move(client));
    return *raw;
  }

  void close(Client& c, bool will = false) {
    broker_->connection_closed(c.session, c.epoch, will);
    settle();
  }

  void subscribe(Client& c, const std::string& filter, std::uint8_t qos) {
    mqtt::Subscribe s;
    s.packet_id = 1;
    mqtt::SubscriptionOptions o;
    o.max_qos = qos;
    s.subscriptions.push_back({filter, o});
    c.session->on_subscribe(std::move(s));
    settle();
  }

  // Does not settle: the caller decides when the store catches up.
  void publish_async(Client& c, const std::string& topic, const std::string& payload,
                     std::uint8_t qos, std::uint16_t id, bool retain = false) {
    mqtt::Publish p;
    p.topic = topic;
    p.payload = payload;
    p.qos = qos;
    p.retain = retain;
    p.packet_id = id;
    c.session->on_publish(std::move(p));
  }
  void publish(Client& c, const std::string& topic, const std::string& payload, std::uint8_t qos,
               std::uint16_t id, bool retain = false) {
    publish_async(c, topic, payload, qos, id, retain);
    settle();
  }

  static std::vector<std::string> payloads(const Client& c) {
    std::vector<std::string> out;
    for (const auto& p : c.link->publishes) out.push_back(p.payload);
    return out;
  }

  store::test::TempDir dir_;
  Config config_;
  Metrics metrics_;
  QueueExecutor executor_{2};
  Clock::time_point now_ = Clock::time_point{} + std::chrono::hours(1);
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Broker> broker_;
  std::vector<std::unique_ptr<Client>> clients_;
};

TEST_F(DurableSessionTest, AcknowledgedOnlyAfterTheStoreCommitted) {
  auto& sub = connect("sub");
  subscribe(sub, "t", 1);
  close(sub);
  auto& pub = connect("pub", 0, true);
  publish_async(pub, "t", "m1", 1, 11);
  publish_async(pub, "t", "m2", 2, 12);
  // The acks are sent from the store's completion, which runs on the executor only.
  EXPECT_TRUE(pub.link->sent<mqtt::Puback>().empty());
  EXPECT_TRUE(pub.link->sent<mqtt::Pubrec>().empty());
  settle();
  ASSERT_EQ(pub.link->sent<mqtt::Puback>().size(), 1u);
  EXPECT_EQ(pub.link->sent<mqtt::Puback>()[0].reason_code, 0);
  ASSERT_EQ(pub.link->sent<mqtt::Pubrec>().size(), 1u);
  EXPECT_EQ(store_->stats().queue_entries, 2u);
  EXPECT_EQ(store_->stats().messages, 2u);
}

TEST_F(DurableSessionTest, OfflineQueueSurvivesARestartInOrder) {
  auto& sub = connect("sub");
  subscribe(sub, "t/#", 2);
  close(sub);
  auto& pub = connect("pub", 0, true);
  for (int i = 0; i < 6; ++i) {
    publish(pub, "t/" + std::to_string(i % 2), "m" + std::to_string(i), i % 2 ? 2 : 1,
            static_cast<std::uint16_t>(i + 1));
  }
  restart();
  auto& back = connect("sub");
  EXPECT_TRUE(back.present);
  // Order holds per QoS (spec 4.6): a stored QoS 2 copy goes out once its packet id is stored,
  // so QoS 1 copies behind it may overtake it.
  std::vector<std::string> qos1, qos2;
  for (const auto& p : back.link->publishes) {
    (p.qos == 1 ? qos1 : qos2).push_back(p.payload);
    EXPECT_FALSE(p.dup);
  }
  EXPECT_EQ(qos1, (std::vector<std::string>{"m0", "m2", "m4"}));
  EXPECT_EQ(qos2, (std::vector<std::string>{"m1", "m3", "m5"}));
}

TEST_F(DurableSessionTest, AcknowledgedDeliveriesAreNotRedelivered) {
  auto& sub = connect("sub");
  subscribe(sub, "t", 1);
  auto& pub = connect("pub", 0, true);
  for (int i = 0; i < 3; ++i) publish(pub, "t", "m" + std::to_string(i), 1, 1 + i);
  ASSERT_EQ(sub.link->publishes.size(), 3u);
  sub.session->on_puback(mqtt::Puback{sub.link->publishes[0].packet_id, 0, {}});
  sub.session->on_puback(mqtt::Puback{sub.link->publishes[1].packet_id, 0, {}});
  settle();
  EXPECT_EQ(store_->stats().queue_entries, 1u);
  restart();
  auto& back = connect("sub");
  // QoS 1 in flight at the restart comes again (a duplicate QoS 1 allows); the acked ones never.
  EXPECT_EQ(payloads(back), (std::vector<std::string>{"m2"}));
}

TEST_F(DurableSessionTest, OutboundQos2HandshakeContinuesWithTheSamePacketIds) {
  auto& sub = connect("sub");
  subscribe(sub, "t", 2);
  auto& pub = connect("pub", 0, true);
  publish(pub, "t", "a", 2, 1);
  publish(pub, "t", "b", 2, 2);
  ASSERT_EQ(sub.link->publishes.size(), 2u);
  const auto id_a = sub.link->publishes[0].packet_id;
  const auto id_b = sub.link->publishes[1].packet_id;
  sub.session->on_pubrec(mqtt::Pubrec{id_a, 0, {}});
  // PUBREL only once the store knows the PUBLISH will never be resent.
  EXPECT_TRUE(sub.link->sent<mqtt::Pubrel>().empty());
  settle();
  ASSERT_EQ(sub.link->sent<mqtt::Pubrel>().size(), 1u);
  EXPECT_EQ(sub.link->sent<mqtt::Pubrel>()[0].packet_id, id_a);

  restart();
  auto& back = connect("sub");
  // "a" continues with PUBREL, "b" is resent with DUP and its packet id: the client can tell
  // both apart from new messages, so neither is delivered to it twice.
  ASSERT_EQ(back.link->sent<mqtt::Pubrel>().size(), 1u);
  EXPECT_EQ(back.link->sent<mqtt::Pubrel>()[0].packet_id, id_a);
  ASSERT_EQ(back.link->publishes.size(), 1u);
  EXPECT_EQ(back.link->publishes[0].payload, "b");
  EXPECT_EQ(back.link->publishes[0].packet_id, id_b);
  EXPECT_TRUE(back.link->publishes[0].dup);

  back.session->on_pubcomp(mqtt::Pubcomp{id_a, 0, {}});
  back.session->on_pubrec(mqtt::Pubrec{id_b, 0, {}});
  settle();
  back.session->on_pubcomp(mqtt::Pubcomp{id_b, 0, {}});
  settle();
  EXPECT_EQ(store_->stats().queue_entries, 0u);
  restart();
  auto& again = connect("sub");
  EXPECT_TRUE(again.link->publishes.empty());
  EXPECT_TRUE(again.link->sent<mqtt::Pubrel>().empty());
}

TEST_F(DurableSessionTest, InboundQos2IdSurvivesARestartAndIsFreedByPubrel) {
  auto& sub = connect("sub");
  subscribe(sub, "t", 2);
  auto& pub = connect("pub");
  publish(pub, "t", "once", 2, 5);
  ASSERT_EQ(pub.link->sent<mqtt::Pubrec>().size(), 1u);
  ASSERT_EQ(sub.link->publishes.size(), 1u);
  sub.session->on_pubrec(mqtt::Pubrec{sub.link->publishes[0].packet_id, 0, {}});
  settle();
  sub.session->on_pubcomp(mqtt::Pubcomp{sub.link->publishes[0].packet_id, 0, {}});
  settle();

  restart();
  auto& sub2 = connect("sub");
  auto& pub2 = connect("pub");
  // The publisher did not see PUBCOMP, so it resends (spec 4.4): not delivered again.
  publish(pub2, "t", "once", 2, 5);
  EXPECT_TRUE(sub2.link->publishes.empty());
  ASSERT_EQ(pub2.link->sent<mqtt::Pubrec>().size(), 1u);
  pub2.session->on_pubrel(mqtt::Pubrel{5, 0, {}});
  EXPECT_TRUE(pub2.link->sent<mqtt::Pubcomp>().empty());  // waits for the store
  settle();
  ASSERT_EQ(pub2.link->sent<mqtt::Pubcomp>().size(), 1u);
  EXPECT_EQ(pub2.link->sent<mqtt::Pubcomp>()[0].reason_code, 0);

  restart();
  auto& sub3 = connect("sub");
  auto& pub3 = connect("pub");
  // Id 5 is free again: a new message with it is a new message.
  publish(pub3, "t", "next", 2, 5);
  EXPECT_EQ(payloads(sub3), (std::vector<std::string>{"next"}));
}

TEST_F(DurableSessionTest, DroppedCopiesLeaveNothingBehind) {
  config_.max_queued_messages = 2;
  auto& sub = connect("sub");
  subscribe(sub, "t", 1);
  close(sub);
  auto& pub = connect("pub", 0, true);
  for (int i = 0; i < 4; ++i) publish(pub, "t", "m" + std::to_string(i), 1, 1 + i);
  EXPECT_EQ(metrics_.dropped_queue_full.load(), 2u);
  EXPECT_EQ(store_->stats().queue_entries, 2u);
  restart();
  auto& back = connect("sub");
  EXPECT_EQ(payloads(back), (std::vector<std::string>{"m0", "m1"}));
}

TEST_F(DurableSessionTest, ExpiredQueuedMessagesAreNotRestored) {
  auto& sub = connect("sub");
  subscribe(sub, "t", 1);
  close(sub);
  auto& pub = connect("pub", 0, true);
  mqtt::Publish p;
  p.topic = "t";
  p.payload = "short-lived";
  p.qos = 1;
  p.packet_id = 1;
  p.properties.message_expiry_interval = 5;
  pub.session->on_publish(std::move(p));
  publish(pub, "t", "lasting", 1, 2);
  restart(/*wall_offset_ms=*/10'000);
  auto& back = connect("sub");
  EXPECT_EQ(payloads(back), (std::vector<std::string>{"lasting"}));
}

TEST_F(DurableSessionTest, CleanStartDiscardsTheStoredQueue) {
  auto& sub = connect("sub");
  subscribe(sub, "t", 1);
  close(sub);
  auto& pub = connect("pub", 0, true);
  publish(pub, "t", "old", 1, 1);
  auto& fresh = connect("sub", 3600, /*clean=*/true);
  EXPECT_FALSE(fresh.present);
  EXPECT_TRUE(fresh.link->publishes.empty());
  restart();
  auto& back = connect("sub");
  EXPECT_TRUE(back.present);
  EXPECT_TRUE(back.link->publishes.empty());
}

TEST_F(DurableSessionTest, DelayedWillSurvivesARestart) {
  auto& watcher = connect("watcher");
  subscribe(watcher, "wills/#", 1);
  close(watcher);
  mqtt::Will will;
  will.topic = "wills/dev";
  will.payload = "gone";
  will.qos = 1;
  will.properties.will_delay_interval = 60;
  auto& dev = connect("dev", 3600, false, ProtocolVersion::v5, will);
  close(dev, /*will=*/true);
  restart();
  broker_->tick();
  settle();
  auto& w = connect("watcher");
  EXPECT_TRUE(w.link->publishes.empty());
  now_ += std::chrono::seconds(61);
  broker_->tick();
  settle();
  EXPECT_EQ(payloads(w), (std::vector<std::string>{"gone"}));
  // Published once: the stored record no longer carries it.
  restart();
  now_ += std::chrono::seconds(120);
  broker_->tick();
  settle();
  auto& w2 = connect("watcher");
  // The watcher acked nothing, so "gone" comes again as an in-flight QoS 1 copy, and only once.
  EXPECT_EQ(payloads(w2), (std::vector<std::string>{"gone"}));
}

TEST_F(DurableSessionTest, RetainedMessageIsVisibleOnlyOnceStored) {
  auto& pub = connect("pub", 0, true);
  publish_async(pub, "r", "v", 1, 1, /*retain=*/true);
  EXPECT_EQ(broker_->retained_count(), 0u);
  settle();
  EXPECT_EQ(broker_->retained_count(), 1u);
  restart();
  EXPECT_EQ(broker_->retained_count(), 1u);
}

// A write error (full disk, simulated under RocksDB): failure reason codes, no delivery, and
// nothing of it after a restart.
TEST_F(DurableSessionTest, WriteErrorGivesFailureCodesAndDeliversNothing) {
  stop();
  auto fs = std::make_shared<store::test::FullDiskFileSystem>(rocksdb::FileSystem::Default());
  auto env = rocksdb::NewCompositeEnv(fs);
  start(env.get());
  auto& sub = connect("sub");
  subscribe(sub, "t", 2);
  auto& pub5 = connect("pub5", 0, true);
  auto& pub3 = connect("pub3", 0, true, ProtocolVersion::v311);
  publish(pub5, "t", "stored", 1, 1);
  ASSERT_EQ(sub.link->publishes.size(), 1u);

  fs->full = true;
  publish(pub5, "t", "lost-1", 1, 2);
  publish(pub5, "t", "lost-2", 2, 3);
  publish(pub3, "t", "lost-3", 1, 4);
  const auto pubacks = pub5.link->sent<mqtt::Puback>();
  ASSERT_EQ(pubacks.size(), 2u);
  EXPECT_EQ(pubacks[1].reason_code, static_cast<std::uint8_t>(ReasonCode::UnspecifiedError));
  ASSERT_EQ(pub5.link->sent<mqtt::Pubrec>().size(), 1u);
  EXPECT_EQ(pub5.link->sent<mqtt::Pubrec>()[0].reason_code,
            static_cast<std::uint8_t>(ReasonCode::UnspecifiedError));
  // MQTT 3.1.1 has no failure code in PUBACK: the connection is closed instead.
  EXPECT_TRUE(pub3.link->sent<mqtt::Puback>().empty());
  EXPECT_TRUE(pub3.link->disconnected.has_value());
  EXPECT_EQ(payloads(sub), (std::vector<std::string>{"stored"}));

  // Space again: the store reopens the database (at most once a second) and later publishes
  // are stored and acknowledged. Until then they keep failing, and are not delivered.
  fs->full = false;
  std::uint16_t id = 5;
  for (; id < 600; ++id) {
    publish(pub5, "t", "after", 1, id);
    if (pub5.link->sent<mqtt::Puback>().back().reason_code == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_LT(id, 600) << "the store did not recover";
  EXPECT_EQ(payloads(sub), (std::vector<std::string>{"stored", "after"}));
  stop();
  start();
  auto& back = connect("sub");
  // Neither was acked by the subscriber: both come back, nothing of the failed writes does.
  EXPECT_EQ(payloads(back), (std::vector<std::string>{"stored", "after"}));
}

}  // namespace
}  // namespace accord::core
