// Will messages, persistent sessions, redelivery, QoS 2 exactly-once, session and message expiry,
// shared subscriptions.
#include <map>
#include <set>

#include "test_support.hpp"

namespace accord::it {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class Will_ : public BrokerTest {
 protected:
  ConnectOptions with_will(ConnectOptions o, std::string topic, std::string payload, int qos = 1,
                           bool retain = false) {
    o.will = Will{std::move(topic), std::move(payload), qos, retain, {}};
    return o;
  }
};

TEST_F(Will_, FiredWhenConnectionDropsV311) {
  auto watcher = raw(v311("w-watch"));
  watcher->subscribe("will/#", 1);
  auto c = raw(with_will(v311("w-client"), "will/c", "bye", 1));
  c->drop();
  Publish w = watcher->expect_publish();
  EXPECT_EQ(w.topic, "will/c");
  EXPECT_EQ(w.payload, "bye");
  EXPECT_EQ(w.qos, 1);
}

TEST_F(Will_, FiredWhenConnectionResetV5) {
  auto watcher = raw(v5("w-watch"));
  watcher->subscribe("will/#", 2);
  auto o = with_will(v5("w-client"), "will/c", "reset", 2);
  o.will->props.add_user("why", "rst").add_str(prop::ContentType, "text/plain");
  auto c = raw(o);
  c->drop(/*reset=*/true);
  Publish w = watcher->expect_publish();
  EXPECT_EQ(w.topic, "will/c");
  EXPECT_EQ(w.payload, "reset");
  EXPECT_EQ(w.qos, 2);
  EXPECT_EQ(w.props.user(), (std::vector<std::pair<std::string, std::string>>{{"why", "rst"}}));
  EXPECT_EQ(w.props.str(prop::ContentType).value_or(""), "text/plain");
}

TEST_F(Will_, NotFiredAfterNormalDisconnect) {
  auto watcher = raw(v5("w-watch"));
  watcher->subscribe("will/#", 1);
  auto c5 = raw(with_will(v5("w5"), "will/5", "no"));
  c5->disconnect(0x00);
  auto c3 = raw(with_will(v311("w3"), "will/3", "no"));
  c3->disconnect();
  EXPECT_TRUE(watcher->quiet_for(800ms)) << "normal DISCONNECT discards the will";
}

TEST_F(Will_, RetainedWill) {
  auto c = raw(with_will(v311("w-ret"), "will/ret", "last", 1, /*retain=*/true));
  c->drop();
  // Once published, the will is retained: a later subscriber gets it.
  bool got = eventually([&] {
    RawClient s;
    s.connect(port(), v311("w-late"));
    s.subscribe("will/ret", 1);
    auto p = s.read(300ms);
    return p && p->type == PUBLISH && decode_publish(4, *p).payload == "last" && decode_publish(4, *p).retain;
  }, 3s);
  EXPECT_TRUE(got);
}

TEST_F(Will_, DisconnectWithWillMessage0x04) {
  auto watcher = raw(v5("w-watch"));
  watcher->subscribe("will/#", 1);
  auto c = raw(with_will(v5("w-04"), "will/04", "asked"));
  c->disconnect(0x04);
  Publish w = watcher->expect_publish();
  EXPECT_EQ(w.topic, "will/04");
  EXPECT_EQ(w.payload, "asked");
}

TEST_F(Will_, WillDelayPublishesAfterDelay) {
  auto watcher = raw(v5("w-watch"));
  watcher->subscribe("will/#", 1);
  auto o = with_will(v5("w-delay", false), "will/delay", "late");
  o.props.add_num(prop::SessionExpiry, 60);
  o.will->props.add_num(prop::WillDelay, 2);
  auto c = raw(o);
  auto dropped = Clock::now();
  c->drop();
  EXPECT_TRUE(watcher->quiet_for(1500ms)) << "will published before its delay";
  Publish w = watcher->expect_publish(3500ms);
  EXPECT_EQ(w.payload, "late");
  EXPECT_GE(Clock::now() - dropped, 1900ms);
}

TEST_F(Will_, WillDelayCancelledByReconnect) {
  auto watcher = raw(v5("w-watch"));
  watcher->subscribe("will/#", 1);
  auto o = with_will(v5("w-cancel", false), "will/cancel", "never");
  o.props.add_num(prop::SessionExpiry, 60);
  o.will->props.add_num(prop::WillDelay, 2);
  auto c = raw(o);
  c->drop();
  std::this_thread::sleep_for(300ms);
  auto again = raw(v5("w-cancel", false));  // reconnect before the delay ends
  EXPECT_TRUE(watcher->quiet_for(3000ms)) << "reconnecting cancels the delayed will";
}

TEST_F(Will_, WillDelayBoundedBySessionExpiry) {
  // The will is published when the session ends, even if the will delay is longer.
  auto watcher = raw(v5("w-watch"));
  watcher->subscribe("will/#", 1);
  auto o = with_will(v5("w-sexp", false), "will/sexp", "session-ended");
  o.props.add_num(prop::SessionExpiry, 1);
  o.will->props.add_num(prop::WillDelay, 30);
  auto c = raw(o);
  c->drop();
  Publish w = watcher->expect_publish(4s);
  EXPECT_EQ(w.payload, "session-ended");
}

// ---- persistent sessions ------------------------------------------------------------------------

class Session : public BrokerTest {
 protected:
  ConnectOptions persistent(const std::string& id, int version, std::uint32_t expiry = 300) {
    ConnectOptions o = version == 5 ? v5(id, false) : v311(id, false);
    if (version == 5) o.props.add_num(prop::SessionExpiry, expiry);
    return o;
  }
};

class SessionBothVersions : public Session, public ::testing::WithParamInterface<int> {};

TEST_P(SessionBothVersions, SubscriptionsKeptAndOfflineMessagesQueued) {
  const int ver = GetParam();
  {
    auto c = raw(persistent("ps", ver));
    c->subscribe({{"ps/q1", 1}, {"ps/q2", 2}});
    c->disconnect();
  }
  auto pub = raw(ver == 5 ? v5("ps-pub") : v311("ps-pub"));
  pub->publish_and_wait("ps/q1", "one", 1);
  pub->publish_and_wait("ps/q2", "two", 2);
  RawClient c;
  Connack a = c.connect(port(), persistent("ps", ver));
  EXPECT_TRUE(a.session_present);
  Publish m1 = c.expect_publish();
  EXPECT_EQ(m1.topic, "ps/q1");
  EXPECT_EQ(m1.payload, "one");
  EXPECT_EQ(m1.qos, 1);
  c.ack(PUBACK, m1.packet_id);
  Publish m2 = c.expect_publish();
  EXPECT_EQ(m2.topic, "ps/q2");
  EXPECT_EQ(m2.qos, 2);
  c.ack(PUBREC, m2.packet_id);
  c.expect(PUBREL);
  c.ack(PUBCOMP, m2.packet_id);
  // The subscription is still active without re-subscribing.
  pub->publish_and_wait("ps/q1", "live", 1);
  Publish live = c.expect_publish();
  EXPECT_EQ(live.payload, "live");
  c.ack(PUBACK, live.packet_id);
}

INSTANTIATE_TEST_SUITE_P(Versions, SessionBothVersions, ::testing::Values(4, 5),
                         [](const auto& info) { return info.param == 5 ? "V5" : "V311"; });

TEST_F(Session, UnacknowledgedRedeliveredWithDup) {
  std::uint16_t first_id = 0;
  {
    auto c = raw(persistent("redeliver", 5));
    c->subscribe("rd/t", 1);
    auto pub = raw(v5("rd-pub"));
    pub->publish_and_wait("rd/t", "ack me", 1);
    Publish m = c->expect_publish();
    EXPECT_FALSE(m.dup);
    first_id = m.packet_id;
    c->drop();  // no PUBACK
  }
  {
    RawClient c;
    Connack a = c.connect(port(), persistent("redeliver", 5));
    EXPECT_TRUE(a.session_present);
    Publish m = c.expect_publish();
    EXPECT_EQ(m.payload, "ack me");
    EXPECT_TRUE(m.dup) << "[MQTT-4.4.0-1] resent PUBLISH has DUP=1";
    EXPECT_EQ(m.packet_id, first_id) << "resent with the original packet identifier";
    c.ack(PUBACK, m.packet_id);
    c.disconnect();
  }
  {
    RawClient c;
    c.connect(port(), persistent("redeliver", 5));
    EXPECT_TRUE(c.quiet_for(500ms)) << "acknowledged message must not come again";
  }
}

TEST_F(Session, UnacknowledgedRedeliveredWithDupV311) {
  {
    auto c = raw(persistent("redeliver3", 4));
    c->subscribe("rd/t", 2);
    auto pub = raw(v311("rd-pub"));
    pub->publish_and_wait("rd/t", "q2", 2);
    Publish m = c->expect_publish();
    EXPECT_EQ(m.qos, 2);
    c->drop();
  }
  RawClient c;
  ASSERT_TRUE(c.connect(port(), persistent("redeliver3", 4)).session_present);
  Publish m = c.expect_publish();
  EXPECT_TRUE(m.dup);
  EXPECT_EQ(m.payload, "q2");
  c.ack(PUBREC, m.packet_id);
  c.expect(PUBREL);
  c.ack(PUBCOMP, m.packet_id);
}

// Receiver side: PUBREC sent, connection lost before PUBREL: after reconnect the broker resends
// PUBREL (not the PUBLISH) and the message is delivered exactly once.
TEST_F(Session, Qos2ExactlyOnceAcrossReconnectReceiver) {
  std::uint16_t id = 0;
  {
    auto c = raw(persistent("eo-recv", 5));
    c->subscribe("eo/t", 2);
    auto pub = raw(v5("eo-pub"));
    pub->publish_and_wait("eo/t", "once", 2);
    Publish m = c->expect_publish();
    id = m.packet_id;
    c->ack(PUBREC, id);
    c->expect(PUBREL);
    c->drop();  // no PUBCOMP
  }
  RawClient c;
  ASSERT_TRUE(c.connect(port(), persistent("eo-recv", 5)).session_present);
  auto p = c.read(3s);
  ASSERT_TRUE(p.has_value());
  ASSERT_EQ(p->type, PUBREL) << "expected PUBREL to be resent, got " << packet_name(p->type);
  EXPECT_EQ(decode_ack(5, *p).packet_id, id);
  c.ack(PUBCOMP, id);
  EXPECT_TRUE(c.quiet_for(500ms)) << "the message must not be delivered again";
}

// Sender side: PUBLISH QoS 2 answered with PUBREC, connection lost before PUBREL; the client
// resends the PUBLISH with DUP after reconnecting: the broker must not forward it twice.
TEST_F(Session, Qos2ExactlyOnceAcrossReconnectSender) {
  auto sub = raw(v5("eo-sub"));
  sub->subscribe("eo/s", 2);
  {
    auto c = raw(persistent("eo-send", 5));
    c->publish("eo/s", "exactly", 2, false, 7);
    Ack rec = decode_ack(5, c->expect(PUBREC));
    EXPECT_EQ(rec.packet_id, 7);
    c->drop();
  }
  RawClient c;
  ASSERT_TRUE(c.connect(port(), persistent("eo-send", 5)).session_present);
  c.publish("eo/s", "exactly", 2, false, 7, {}, /*dup=*/true);
  Ack rec = decode_ack(5, c.expect(PUBREC));
  EXPECT_EQ(rec.packet_id, 7);
  c.ack(PUBREL, 7);
  Ack comp = decode_ack(5, c.expect(PUBCOMP));
  EXPECT_EQ(comp.packet_id, 7);
  EXPECT_EQ(comp.reason, 0);
  int copies = 0;
  for (;;) {
    auto p = sub->read(600ms);
    if (!p) break;
    if (p->type == PUBLISH) {
      Publish m = decode_publish(5, *p);
      EXPECT_EQ(m.payload, "exactly");
      ++copies;
      sub->ack(PUBREC, m.packet_id);
    } else if (p->type == PUBREL) {
      sub->ack(PUBCOMP, decode_ack(5, *p).packet_id);
    }
  }
  EXPECT_EQ(copies, 1) << "QoS 2 must be delivered exactly once";
}

TEST_F(Session, SessionExpiresAfterInterval) {
  {
    auto c = raw(persistent("expiring", 5, /*expiry=*/1));
    c->subscribe("ex/t", 1);
    c->disconnect();
  }
  {
    // Still there right away.
    RawClient c;
    EXPECT_TRUE(c.connect(port(), persistent("expiring", 5, 1)).session_present);
    c.disconnect();
  }
  std::this_thread::sleep_for(2200ms);
  auto pub = raw(v5("ex-pub"));
  pub->publish_and_wait("ex/t", "to nobody", 1);
  RawClient c;
  Connack a = c.connect(port(), persistent("expiring", 5, 1));
  EXPECT_FALSE(a.session_present) << "session must be gone after its expiry interval";
  EXPECT_TRUE(c.quiet_for(500ms)) << "no subscription, no queued message";
}

TEST_F(Session, SessionExpiryZeroEndsAtDisconnect) {
  {
    auto c = raw(persistent("zero", 5, 0));
    c->subscribe("z/t", 1);
    c->disconnect();
  }
  RawClient c;
  EXPECT_FALSE(c.connect(port(), persistent("zero", 5, 0)).session_present);
}

TEST_F(Session, SessionExpiryChangedOnDisconnect) {
  {
    auto c = raw(persistent("dchg", 5, 300));
    c->subscribe("dchg/t", 1);
    Properties p;
    p.add_num(prop::SessionExpiry, 0);
    c->disconnect(0, p);
  }
  RawClient c;
  EXPECT_FALSE(c.connect(port(), persistent("dchg", 5, 300)).session_present)
      << "DISCONNECT with Session Expiry 0 ends the session";
}

TEST_F(Session, MessageExpiry) {
  {
    auto c = raw(persistent("mexp", 5));
    c->subscribe("mx/t", 1);
    c->disconnect();
  }
  auto pub = raw(v5("mx-pub"));
  Properties short_lived, long_lived;
  short_lived.add_num(prop::MessageExpiry, 1);
  long_lived.add_num(prop::MessageExpiry, 30);
  pub->publish_and_wait("mx/t", "short", 1, false, short_lived);
  pub->publish_and_wait("mx/t", "long", 1, false, long_lived);
  std::this_thread::sleep_for(2100ms);
  RawClient c;
  ASSERT_TRUE(c.connect(port(), persistent("mexp", 5)).session_present);
  Publish m = c.expect_publish();
  EXPECT_EQ(m.payload, "long") << "the expired message must not be delivered";
  ASSERT_TRUE(m.props.num(prop::MessageExpiry).has_value());
  EXPECT_LE(*m.props.num(prop::MessageExpiry), 28u) << "remaining expiry is decremented";
  EXPECT_GE(*m.props.num(prop::MessageExpiry), 20u);
  c.ack(PUBACK, m.packet_id);
  EXPECT_TRUE(c.quiet_for(400ms));
}

TEST_F(Session, RetainedMessageExpiry) {
  auto pub = raw(v5("rmx-pub"));
  Properties p;
  p.add_num(prop::MessageExpiry, 1);
  pub->publish_and_wait("rmx/t", "fleeting", 1, true, p);
  std::this_thread::sleep_for(2100ms);
  auto s = raw(v5("rmx-sub"));
  s->subscribe("rmx/t", 1);
  EXPECT_TRUE(s->quiet_for(400ms)) << "an expired retained message is not delivered";
}

// ---- shared subscriptions -----------------------------------------------------------------------

class Shared : public BrokerTest {};

TEST_F(Shared, EachMessageToExactlyOneMember) {
  auto m1 = raw(v5("sh1"));
  auto m2 = raw(v5("sh2"));
  auto other_group = raw(v5("sh-other"));
  auto plain = raw(v5("sh-plain"));
  m1->subscribe("$share/g/sh/#", 1);
  m2->subscribe("$share/g/sh/#", 1);
  other_group->subscribe("$share/h/sh/#", 1);
  plain->subscribe("sh/#", 1);
  auto pub = raw(v5("sh-pub"));
  const int n = 20;
  for (int i = 0; i < n; ++i) pub->publish_and_wait("sh/t", std::to_string(i), 1);
  auto collect = [](RawClient& c) {
    std::vector<std::string> out;
    for (;;) {
      auto p = c.read(500ms);
      if (!p) return out;
      if (p->type != PUBLISH) continue;
      Publish m = decode_publish(5, *p);
      c.ack(PUBACK, m.packet_id);
      out.push_back(m.payload);
    }
  };
  auto g1 = collect(*m1), g2 = collect(*m2), h = collect(*other_group), all = collect(*plain);
  std::multiset<std::string> group(g1.begin(), g1.end());
  group.insert(g2.begin(), g2.end());
  EXPECT_EQ(group.size(), std::size_t(n)) << "each message to exactly one member of group g";
  EXPECT_EQ(std::set<std::string>(group.begin(), group.end()).size(), std::size_t(n)) << "no duplicates";
  EXPECT_FALSE(g1.empty()) << "messages are distributed across members";
  EXPECT_FALSE(g2.empty()) << "messages are distributed across members";
  EXPECT_EQ(h.size(), std::size_t(n)) << "every group gets every message";
  EXPECT_EQ(all.size(), std::size_t(n)) << "non-shared subscription unaffected";
}

TEST_F(Shared, RemainingMemberGetsAllAfterOtherLeaves) {
  auto m1 = raw(v311("shl1"));
  auto m2 = raw(v311("shl2"));
  m1->subscribe("$share/g/l/t", 0);
  m2->subscribe("$share/g/l/t", 0);
  m2->disconnect();
  auto pub = raw(v311("shl-pub"));
  for (int i = 0; i < 5; ++i) pub->publish_and_wait("l/t", std::to_string(i), 1);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(m1->expect_publish().payload, std::to_string(i));
}

TEST_F(Shared, SharedSubscriptionUnsubscribe) {
  auto m1 = raw(v5("shu1"));
  m1->subscribe("$share/g/u/t", 0);
  Ack u = m1->unsubscribe({"$share/g/u/t"});
  EXPECT_EQ(u.reasons, std::vector<std::uint8_t>{0});
  auto pub = raw(v5("shu-pub"));
  pub->publish_and_wait("u/t", "x", 1);
  EXPECT_TRUE(m1->quiet_for(400ms));
}

}  // namespace
}  // namespace accord::it
