// Broker + Session rules without sockets: a recording Link stands for the network connection
// and a queue-driven Executor stands for the I/O threads, so every step is deterministic.
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "broker/core/broker.hpp"
#include "core_test_util.hpp"

namespace accord::core {
namespace {

using mqtt::ProtocolVersion;
using mqtt::ReasonCode;

class BrokerTest : public ::testing::Test {
 protected:
  BrokerTest() : executor_(2), broker_(config_, executor_, metrics_, [this] { return now_; }) {
    current_io_thread = 0;
  }
  ~BrokerTest() override { current_io_thread = -1; }

  struct Client {
    SessionPtr session;
    std::unique_ptr<RecordingLink> link;
    std::uint64_t epoch = 0;
    bool present = false;
  };

  Client connect(const std::string& id, ProtocolVersion v = ProtocolVersion::v5,
                 bool clean = true, std::uint32_t expiry = 0,
                 std::optional<mqtt::Will> will = std::nullopt, unsigned thread = 0,
                 std::uint16_t receive_max = 65535) {
    mqtt::Connect c;
    c.version = v;
    c.client_id = id;
    c.clean_start = clean;
    c.will = std::move(will);
    if (v == ProtocolVersion::v5) c.properties.receive_maximum = receive_max;
    Client client;
    client.link = std::make_unique<RecordingLink>(v);
    broker_.open_session(c, expiry, thread, [&](Broker::OpenResult r) {
      client.session = r.session;
      client.epoch = r.epoch;
      client.present = r.session_present;
      if (r.session) r.session->attach(*client.link, c, expiry);
    });
    executor_.run_all();
    return client;
  }

  void close(Client& c, bool will = true) {
    broker_.connection_closed(c.session, c.epoch, will);
    executor_.run_all();
  }

  void subscribe(Client& c, const std::string& filter, std::uint8_t qos,
                 mqtt::SubscriptionOptions extra = {}, std::uint32_t sub_id = 0) {
    mqtt::Subscribe s;
    s.packet_id = 1;
    extra.max_qos = qos;
    s.subscriptions.push_back({filter, extra});
    if (sub_id) s.properties.subscription_identifiers.push_back(sub_id);
    c.session->on_subscribe(std::move(s));
    executor_.run_all();
  }

  void publish(Client& c, const std::string& topic, const std::string& payload,
               std::uint8_t qos = 0, bool retain = false, std::uint16_t id = 0) {
    mqtt::Publish p;
    p.topic = topic;
    p.payload = payload;
    p.qos = qos;
    p.retain = retain;
    p.packet_id = id;
    c.session->on_publish(std::move(p));
    executor_.run_all();
  }

  Config config_;
  Metrics metrics_;
  QueueExecutor executor_;
  Clock::time_point now_ = Clock::time_point{} + std::chrono::hours(1);
  Broker broker_;
};

TEST_F(BrokerTest, RoutesToMatchingSubscribersWithGrantedQosDowngrade) {
  auto sub = connect("sub");
  auto pub = connect("pub");
  subscribe(sub, "sensors/+/temp", 1);
  publish(pub, "sensors/a/temp", "21", 2, false, 7);
  publish(pub, "sensors/a/humidity", "40", 1, false, 8);
  ASSERT_EQ(sub.link->publishes.size(), 1u);
  EXPECT_EQ(sub.link->publishes[0].topic, "sensors/a/temp");
  EXPECT_EQ(sub.link->publishes[0].qos, 1);  // min(2, granted 1)
  EXPECT_NE(sub.link->publishes[0].packet_id, 0);
  // The publisher got PUBREC for QoS 2 and PUBACK for QoS 1.
  ASSERT_EQ(pub.link->sent<mqtt::Pubrec>().size(), 1u);
  EXPECT_EQ(pub.link->sent<mqtt::Pubrec>()[0].packet_id, 7);
  ASSERT_EQ(pub.link->sent<mqtt::Puback>().size(), 1u);
}

TEST_F(BrokerTest, QoS2InboundIsForwardedOnceEvenWhenResent) {
  auto sub = connect("sub");
  auto pub = connect("pub");
  subscribe(sub, "t", 2);
  publish(pub, "t", "x", 2, false, 9);
  publish(pub, "t", "x", 2, false, 9);  // resent before PUBREL: duplicate
  EXPECT_EQ(sub.link->publishes.size(), 1u);
  EXPECT_EQ(pub.link->sent<mqtt::Pubrec>().size(), 2u);
  pub.session->on_pubrel(mqtt::Pubrel{9, 0, {}});
  auto comps = pub.link->sent<mqtt::Pubcomp>();
  ASSERT_EQ(comps.size(), 1u);
  EXPECT_EQ(comps[0].reason_code, 0);
  pub.session->on_pubrel(mqtt::Pubrel{9, 0, {}});  // unknown now
  EXPECT_EQ(pub.link->sent<mqtt::Pubcomp>().back().reason_code,
            static_cast<std::uint8_t>(ReasonCode::PacketIdentifierNotFound));
}

TEST_F(BrokerTest, OutboundQos2HandshakeSendsPubrelAndFreesWindow) {
  auto sub = connect("sub", ProtocolVersion::v5, true, 0, std::nullopt, 0, /*receive_max=*/1);
  auto pub = connect("pub");
  subscribe(sub, "t", 2);
  publish(pub, "t", "1", 2, false, 1);
  publish(pub, "t", "2", 2, false, 2);
  ASSERT_EQ(sub.link->publishes.size(), 1u);  // receive maximum 1: second waits
  const auto id = sub.link->publishes[0].packet_id;
  sub.session->on_pubrec(mqtt::Pubrec{id, 0, {}});
  ASSERT_EQ(sub.link->sent<mqtt::Pubrel>().size(), 1u);
  EXPECT_EQ(sub.link->publishes.size(), 1u);  // still in flight until PUBCOMP
  sub.session->on_pubcomp(mqtt::Pubcomp{id, 0, {}});
  ASSERT_EQ(sub.link->publishes.size(), 2u);
  EXPECT_EQ(sub.link->publishes[1].payload, "2");
}

TEST_F(BrokerTest, RetainedSetReplaceDeleteAndDeliveryOnSubscribe) {
  auto pub = connect("pub");
  publish(pub, "home/lamp", "on", 1, true, 1);
  publish(pub, "home/lamp", "off", 1, true, 2);  // replaces
  publish(pub, "home/door", "open", 0, true);
  publish(pub, "home/door", "", 0, true);  // deletes
  EXPECT_EQ(broker_.retained_count(), 1u);
  auto sub = connect("sub");
  subscribe(sub, "home/#", 1);
  ASSERT_EQ(sub.link->publishes.size(), 1u);
  EXPECT_EQ(sub.link->publishes[0].payload, "off");
  EXPECT_TRUE(sub.link->publishes[0].retain);
  // Live messages to an existing subscription do not carry retain unless retain-as-published.
  publish(pub, "home/lamp", "on", 0, true);
  ASSERT_EQ(sub.link->publishes.size(), 2u);
  EXPECT_FALSE(sub.link->publishes[1].retain);
}

TEST_F(BrokerTest, RetainHandlingAndRetainAsPublished) {
  auto pub = connect("pub");
  publish(pub, "r", "v", 0, true);
  auto sub = connect("sub");
  mqtt::SubscriptionOptions never;
  never.retain_handling = 2;
  subscribe(sub, "r", 0, never);
  EXPECT_TRUE(sub.link->publishes.empty());
  mqtt::SubscriptionOptions if_new;
  if_new.retain_handling = 1;
  if_new.retain_as_published = true;
  subscribe(sub, "r/#", 0, if_new);  // new subscription: sends
  ASSERT_EQ(sub.link->publishes.size(), 1u);
  subscribe(sub, "r/#", 0, if_new);  // exists already: does not send again
  EXPECT_EQ(sub.link->publishes.size(), 1u);
  publish(pub, "r", "w", 0, true);
  // One copy (overlapping filters merge), retain kept because one filter has RAP.
  ASSERT_EQ(sub.link->publishes.size(), 2u);
  EXPECT_TRUE(sub.link->publishes[1].retain);
}

TEST_F(BrokerTest, OverlappingSubscriptionsGiveOneCopyWithMaxQosAndAllIds) {
  auto sub = connect("sub");
  auto pub = connect("pub");
  subscribe(sub, "a/+", 0, {}, 11);
  subscribe(sub, "a/#", 1, {}, 12);
  publish(pub, "a/b", "x", 1, false, 1);
  ASSERT_EQ(sub.link->publishes.size(), 1u);
  EXPECT_EQ(sub.link->publishes[0].qos, 1);
  auto ids = sub.link->publishes[0].subscription_ids;
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::uint32_t>{11, 12}));
}

TEST_F(BrokerTest, NoLocalSkipsOwnMessages) {
  auto c = connect("c");
  mqtt::SubscriptionOptions nl;
  nl.no_local = true;
  subscribe(c, "chat", 0, nl);
  publish(c, "chat", "mine");
  EXPECT_TRUE(c.link->publishes.empty());
  auto other = connect("other");
  publish(other, "chat", "theirs");
  EXPECT_EQ(c.link->publishes.size(), 1u);
}

TEST_F(BrokerTest, SharedSubscriptionDeliversEachMessageToOneMember) {
  auto a = connect("a");
  auto b = connect("b");
  auto pub = connect("pub");
  subscribe(a, "$share/g/jobs/#", 1);
  subscribe(b, "$share/g/jobs/#", 1);
  for (int i = 0; i < 10; ++i) publish(pub, "jobs/x", std::to_string(i), 1, false, i + 1);
  EXPECT_EQ(a.link->publishes.size() + b.link->publishes.size(), 10u);
  EXPECT_GT(a.link->publishes.size(), 0u);
  EXPECT_GT(b.link->publishes.size(), 0u);
}

TEST_F(BrokerTest, PersistentSessionQueuesWhileOfflineAndRedeliversInflightWithDup) {
  auto sub = connect("sub", ProtocolVersion::v311, /*clean=*/false, 0xFFFFFFFF);
  subscribe(sub, "q", 1);
  auto pub = connect("pub");
  publish(pub, "q", "first", 1, false, 1);
  ASSERT_EQ(sub.link->publishes.size(), 1u);  // sent, never acknowledged
  close(sub);
  publish(pub, "q", "second", 1, false, 2);
  publish(pub, "q", "dropped-qos0", 0);
  EXPECT_EQ(broker_.session_count(), 2u);

  auto again = connect("sub", ProtocolVersion::v311, false, 0xFFFFFFFF);
  EXPECT_TRUE(again.present);
  ASSERT_EQ(again.link->publishes.size(), 2u);
  EXPECT_EQ(again.link->publishes[0].payload, "first");
  EXPECT_TRUE(again.link->publishes[0].dup);
  EXPECT_EQ(again.link->publishes[1].payload, "second");
  EXPECT_FALSE(again.link->publishes[1].dup);
}

TEST_F(BrokerTest, RetransmissionRespectsTheNewReceiveMaximum) {
  auto sub = connect("sub", ProtocolVersion::v5, false, 600, std::nullopt, 0, /*receive_max=*/10);
  subscribe(sub, "t", 1);
  auto pub = connect("pub");
  for (int i = 0; i < 5; ++i) publish(pub, "t", std::to_string(i), 1, false, i + 1);
  ASSERT_EQ(sub.link->publishes.size(), 5u);  // all in flight, none acknowledged
  close(sub);
  auto again = connect("sub", ProtocolVersion::v5, false, 600, std::nullopt, 0, /*receive_max=*/2);
  ASSERT_EQ(again.link->publishes.size(), 2u) << "only as many as the new window allows";
  EXPECT_TRUE(again.link->publishes[0].dup);
  EXPECT_EQ(again.link->publishes[0].payload, "0");
  EXPECT_EQ(again.link->publishes[1].payload, "1");
  again.session->on_puback(mqtt::Puback{again.link->publishes[0].packet_id, 0, {}});
  ASSERT_EQ(again.link->publishes.size(), 3u) << "one ack, one more retransmission";
  EXPECT_EQ(again.link->publishes[2].payload, "2");
  EXPECT_TRUE(again.link->publishes[2].dup);
}

TEST_F(BrokerTest, CleanStartDiscardsTheOldSession) {
  auto sub = connect("sub", ProtocolVersion::v5, false, 300);
  subscribe(sub, "q", 1);
  close(sub);
  auto fresh = connect("sub", ProtocolVersion::v5, true, 300);
  EXPECT_FALSE(fresh.present);
  auto pub = connect("pub");
  publish(pub, "q", "x", 1, false, 1);
  EXPECT_TRUE(fresh.link->publishes.empty());
  EXPECT_EQ(broker_.subscription_count(), 0u);
}

TEST_F(BrokerTest, TakeoverDisconnectsTheOldConnectionAcrossThreads) {
  auto first = connect("dup", ProtocolVersion::v5, false, 60, std::nullopt, /*thread=*/0);
  subscribe(first, "t", 0);
  auto second = connect("dup", ProtocolVersion::v5, false, 60, std::nullopt, /*thread=*/1);
  EXPECT_EQ(first.link->disconnected, ReasonCode::SessionTakenOver);
  EXPECT_TRUE(second.present);
  EXPECT_EQ(second.session, first.session);
  EXPECT_EQ(second.session->owner(), 1u);
  auto pub = connect("pub");
  publish(pub, "t", "after");
  ASSERT_EQ(second.link->publishes.size(), 1u);
}

TEST_F(BrokerTest, OldConnectionDroppingDuringTakeoverLeavesNoStaleLink) {
  auto watcher = connect("watcher");
  subscribe(watcher, "w", 0);
  mqtt::Will will{"w", "old-connection-lost", 0, false, {}};
  auto first = connect("dev", ProtocolVersion::v5, false, 60, will, /*thread=*/0);

  // A second connection asks for the session on thread 1; before the hand-over runs on
  // thread 0, the first connection drops by itself.
  mqtt::Connect c;
  c.version = ProtocolVersion::v5;
  c.client_id = "dev";
  c.clean_start = false;
  RecordingLink second_link(ProtocolVersion::v5);
  SessionPtr second;
  current_io_thread = 1;  // the CONNECT arrives on thread 1
  broker_.open_session(c, 60, 1, [&](Broker::OpenResult r) {
    second = r.session;
    if (r.session) r.session->attach(second_link, c, 60);
  });
  current_io_thread = 0;  // the old connection's close runs on its own thread
  broker_.connection_closed(first.session, first.epoch, /*publish_will=*/true);
  EXPECT_EQ(first.session->link(), nullptr) << "a closed connection must not stay attached";
  executor_.run_all();

  ASSERT_EQ(second, first.session);
  EXPECT_EQ(second->link(), &second_link);
  EXPECT_FALSE(first.link->disconnected) << "the hand-over found no old link to close";
  ASSERT_EQ(watcher.link->publishes.size(), 1u) << "will without delay: published once";
  EXPECT_EQ(watcher.link->publishes[0].payload, "old-connection-lost");
}

TEST_F(BrokerTest, WillPublishedOnConnectionLossNotOnNormalDisconnect) {
  auto watcher = connect("watcher");
  subscribe(watcher, "wills/#", 0);
  mqtt::Will will{"wills/dev", "gone", 0, false, {}};
  auto dev = connect("dev", ProtocolVersion::v311, true, 0, will);
  close(dev, /*will=*/true);
  ASSERT_EQ(watcher.link->publishes.size(), 1u);
  EXPECT_EQ(watcher.link->publishes[0].payload, "gone");
  auto dev2 = connect("dev2", ProtocolVersion::v311, true, 0, will);
  close(dev2, /*will=*/false);
  EXPECT_EQ(watcher.link->publishes.size(), 1u);
}

TEST_F(BrokerTest, WillDelayFiresLaterAndIsCancelledByReconnect) {
  auto watcher = connect("watcher");
  subscribe(watcher, "w", 0);
  mqtt::Will will{"w", "late", 0, false, {}};
  will.properties.will_delay_interval = 5;
  auto dev = connect("dev", ProtocolVersion::v5, false, 60, will);
  close(dev);
  EXPECT_TRUE(watcher.link->publishes.empty());
  now_ += std::chrono::seconds(6);
  broker_.tick();
  executor_.run_all();
  ASSERT_EQ(watcher.link->publishes.size(), 1u);

  auto dev2 = connect("dev2", ProtocolVersion::v5, false, 60, will);
  close(dev2);
  now_ += std::chrono::seconds(2);
  auto back = connect("dev2", ProtocolVersion::v5, false, 60);
  now_ += std::chrono::seconds(10);
  broker_.tick();
  executor_.run_all();
  EXPECT_EQ(watcher.link->publishes.size(), 1u);  // cancelled
}

TEST_F(BrokerTest, SessionExpiresAfterItsInterval) {
  auto dev = connect("dev", ProtocolVersion::v5, false, 10);
  subscribe(dev, "t", 1);
  close(dev);
  now_ += std::chrono::seconds(9);
  broker_.tick();
  EXPECT_EQ(broker_.session_count(), 1u);
  now_ += std::chrono::seconds(2);
  broker_.tick();
  executor_.run_all();
  EXPECT_EQ(broker_.session_count(), 0u);
  EXPECT_EQ(broker_.subscription_count(), 0u);
}

TEST_F(BrokerTest, ExpiredQueuedMessageIsNotDelivered) {
  auto sub = connect("sub", ProtocolVersion::v5, false, 600);
  subscribe(sub, "t", 1);
  close(sub);
  auto pub = connect("pub");
  mqtt::Publish p;
  p.topic = "t";
  p.payload = "short-lived";
  p.qos = 1;
  p.packet_id = 1;
  p.properties.message_expiry_interval = 5;
  pub.session->on_publish(std::move(p));
  publish(pub, "t", "durable", 1, false, 2);
  now_ += std::chrono::seconds(6);
  auto again = connect("sub", ProtocolVersion::v5, false, 600);
  ASSERT_EQ(again.link->publishes.size(), 1u);
  EXPECT_EQ(again.link->publishes[0].payload, "durable");
  EXPECT_EQ(metrics_.dropped_expired.load(), 1u);
}

TEST_F(BrokerTest, OfflineQueueIsBounded) {
  config_.max_queued_messages = 3;
  auto sub = connect("sub", ProtocolVersion::v311, false, 0xFFFFFFFF);
  subscribe(sub, "t", 1);
  close(sub);
  auto pub = connect("pub");
  for (int i = 0; i < 5; ++i) publish(pub, "t", std::to_string(i), 1, false, i + 1);
  EXPECT_EQ(metrics_.dropped_queue_full.load(), 2u);
  auto again = connect("sub", ProtocolVersion::v311, false, 0xFFFFFFFF);
  EXPECT_EQ(again.link->publishes.size(), 3u);
}

TEST_F(BrokerTest, SlowSubscriberDropsQos0AboveHighWaterAndQueuesQos1) {
  config_.write_queue_high_water = 250;  // the recording link counts 100 bytes per publish
  auto sub = connect("sub");
  subscribe(sub, "t", 1);
  auto pub = connect("pub");
  for (int i = 0; i < 5; ++i) publish(pub, "t", "q0");
  EXPECT_EQ(sub.link->publishes.size(), 3u);
  EXPECT_EQ(metrics_.dropped_qos0_slow_subscriber.load(), 2u);
  publish(pub, "t", "q1", 1, false, 1);
  EXPECT_EQ(sub.link->publishes.size(), 3u);  // queued, not dropped
  EXPECT_EQ(sub.session->queued(), 1u);
  sub.link->queued = 0;  // the socket drained
  sub.session->pump();
  ASSERT_EQ(sub.link->publishes.size(), 4u);
  EXPECT_EQ(sub.link->publishes[3].payload, "q1");
}

TEST_F(BrokerTest, InvalidFilterGetsFailureCodeAndOthersSucceed) {
  auto c = connect("c");
  mqtt::Subscribe s;
  s.packet_id = 3;
  s.subscriptions.push_back({"a/#/b", {}});
  s.subscriptions.push_back({"ok/+", {1}});
  c.session->on_subscribe(std::move(s));
  auto acks = c.link->sent<mqtt::Suback>();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].reason_codes,
            (std::vector<std::uint8_t>{static_cast<std::uint8_t>(ReasonCode::TopicFilterInvalid), 1}));
}

TEST_F(BrokerTest, UnsubscribeReportsMissingSubscriptions) {
  auto c = connect("c");
  subscribe(c, "x", 0);
  c.session->on_unsubscribe(mqtt::Unsubscribe{4, {}, {"x", "y"}});
  auto acks = c.link->sent<mqtt::Unsuback>();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].reason_codes,
            (std::vector<std::uint8_t>{0, static_cast<std::uint8_t>(ReasonCode::NoSubscriptionExisted)}));
  EXPECT_EQ(broker_.subscription_count(), 0u);
}

TEST_F(BrokerTest, ReceiveMaximumExceededByClientIsAProtocolError) {
  config_.receive_maximum = 2;
  auto c = connect("c");
  // QoS 2 messages hold quota until PUBREL.
  publish(c, "t", "1", 2, false, 1);
  publish(c, "t", "2", 2, false, 2);
  EXPECT_FALSE(c.link->disconnected);
  publish(c, "t", "3", 2, false, 3);
  EXPECT_EQ(c.link->disconnected, ReasonCode::ReceiveMaximumExceeded);
}

TEST_F(BrokerTest, InboundTopicAliasResolves) {
  auto sub = connect("sub");
  subscribe(sub, "long/topic/name", 0);
  auto pub = connect("pub");
  mqtt::Publish first;
  first.topic = "long/topic/name";
  first.payload = "1";
  first.properties.topic_alias = 1;
  pub.session->on_publish(std::move(first));
  mqtt::Publish second;
  second.payload = "2";
  second.properties.topic_alias = 1;
  pub.session->on_publish(std::move(second));
  executor_.run_all();
  ASSERT_EQ(sub.link->publishes.size(), 2u);
  EXPECT_EQ(sub.link->publishes[1].payload, "2");
  mqtt::Publish bad;
  bad.payload = "3";
  bad.properties.topic_alias = 2;  // never bound
  pub.session->on_publish(std::move(bad));
  EXPECT_EQ(pub.link->disconnected, ReasonCode::ProtocolError);
}

}  // namespace
}  // namespace accord::core
