// SUBSCRIBE / UNSUBSCRIBE, wildcards, QoS in both directions, retained messages.
#include <algorithm>
#include <set>

#include "test_support.hpp"

namespace accord::it {
namespace {

using namespace std::chrono_literals;

class PubSub : public BrokerTest {};

// Collects PUBLISH packets until nothing arrives for `quiet`; acknowledges QoS 1/2 properly.
std::vector<Publish> drain(RawClient& c, std::chrono::milliseconds quiet = 400ms) {
  std::vector<Publish> out;
  for (;;) {
    auto p = c.read(quiet);
    if (!p) return out;
    if (p->type == PUBLISH) {
      Publish m = decode_publish(c.version(), *p);
      if (m.qos == 1) c.ack(PUBACK, m.packet_id);
      if (m.qos == 2) c.ack(PUBREC, m.packet_id);
      out.push_back(m);
    } else if (p->type == PUBREL) {
      c.ack(PUBCOMP, decode_ack(c.version(), *p).packet_id);
    }
  }
}

std::set<std::string> topics_of(const std::vector<Publish>& v) {
  std::set<std::string> s;
  for (const auto& m : v) s.insert(m.topic);
  return s;
}

TEST_F(PubSub, WildcardMatching) {
  struct Case {
    std::string filter;
    std::set<std::string> expected;
  };
  const std::vector<std::string> published = {"a/b/c", "a/x/c", "a/b", "a", "a/b/c/d", "b/b/c", "/a/b"};
  const std::vector<Case> cases = {
      {"a/+/c", {"a/b/c", "a/x/c"}},
      {"a/#", {"a", "a/b", "a/b/c", "a/x/c", "a/b/c/d"}},
      {"+/b/#", {"a/b", "a/b/c", "a/b/c/d", "b/b/c"}},
      {"+", {"a"}},
      {"#", {"a/b/c", "a/x/c", "a/b", "a", "a/b/c/d", "b/b/c", "/a/b"}},
      {"+/+", {"a/b"}},
      {"/+/b", {"/a/b"}},
      {"a/b/c", {"a/b/c"}},
  };
  std::vector<std::unique_ptr<RawClient>> subs;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    subs.push_back(raw(v311("wc" + std::to_string(i))));
    Ack a = subs.back()->subscribe(cases[i].filter, 0);
    ASSERT_EQ(a.reasons, std::vector<std::uint8_t>{0}) << cases[i].filter;
  }
  auto pub = raw(v311("wc-pub"));
  for (const auto& t : published) pub->publish(t, "m:" + t, 0);
  pub->send(encode_pingreq());
  pub->expect(PINGRESP);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto got = drain(*subs[i], 300ms);
    EXPECT_EQ(topics_of(got), cases[i].expected) << "filter " << cases[i].filter;
    EXPECT_EQ(got.size(), cases[i].expected.size()) << "duplicates for " << cases[i].filter;
  }
}

TEST_F(PubSub, DollarTopicsNotMatchedByRootWildcards) {
  auto hash = raw(v5("d-hash"));
  hash->subscribe("#", 0);
  auto plus = raw(v5("d-plus"));
  plus->subscribe("+/x", 0);
  auto dollar = raw(v5("d-dollar"));
  dollar->subscribe("$app/#", 0);
  auto pub = raw(v5("d-pub"));
  pub->publish("$app/x", "dollar");
  Publish p = dollar->expect_publish();
  EXPECT_EQ(p.topic, "$app/x");
  // [MQTT-4.7.2-1]: # and + at the first level do not match topics starting with $.
  pub->publish("plain/x", "plain");
  Publish h = hash->expect_publish();
  EXPECT_EQ(h.topic, "plain/x") << "# must skip $app/x";
  Publish q = plus->expect_publish();
  EXPECT_EQ(q.topic, "plain/x") << "+/x must skip $app/x";
}

TEST_F(PubSub, SubackGrantsRequestedQosV5) {
  auto c = raw(v5("suback5"));
  Ack a = c->subscribe({{"s/0", 0}, {"s/1", 1}, {"s/2", 2}, {"s/+/#", 1}});
  EXPECT_EQ(a.reasons, (std::vector<std::uint8_t>{0, 1, 2, 1}));
}

TEST_F(PubSub, SubackGrantsRequestedQosV311) {
  auto c = raw(v311("suback311"));
  Ack a = c->subscribe({{"s/0", 0}, {"s/1", 1}, {"s/2", 2}});
  EXPECT_EQ(a.reasons, (std::vector<std::uint8_t>{0, 1, 2}));
}

TEST_F(PubSub, InvalidTopicFilterV5Suback0x8F) {
  SKIP_UNDER_MOSQUITTO("2.0.11 treats an invalid filter as a malformed packet and disconnects");
  auto c = raw(v5("badfilter"));
  Ack a = c->subscribe({{"ok/#", 1}, {"bad/#/x", 1}, {"bad+", 0}});
  ASSERT_EQ(a.reasons.size(), 3u);
  EXPECT_EQ(a.reasons[0], 1);
  EXPECT_EQ(a.reasons[1], 0x8F) << "Topic Filter invalid";
  EXPECT_EQ(a.reasons[2], 0x8F) << "Topic Filter invalid";
}

TEST_F(PubSub, MaximumQosDowngradesSubscription) {
  ACCORD_START_BROKER_WITH({{"features.maximum_qos", "1"}});
  RawClient c;
  Connack ca = c.connect(port(), v5("maxqos"));
  ASSERT_EQ(ca.code, 0);
  ASSERT_TRUE(ca.props.num(prop::MaximumQos).has_value());
  EXPECT_EQ(*ca.props.num(prop::MaximumQos), 1u);
  Ack a = c.subscribe("mq/t", 2);
  EXPECT_EQ(a.reasons, std::vector<std::uint8_t>{1}) << "granted QoS lowered to the maximum";
  c.publish_and_wait("mq/t", "x", 1);
  EXPECT_EQ(c.expect_publish().qos, 1);
}

TEST_F(PubSub, UnsubscribeStopsDeliveryV5) {
  auto c = raw(v5("unsub"));
  c->subscribe({{"u/a", 1}, {"u/b", 1}});
  Ack u = c->unsubscribe({"u/a", "u/never"});
  EXPECT_EQ(u.reasons, (std::vector<std::uint8_t>{0x00, 0x11})) << "Success, No subscription existed";
  auto pub = raw(v5("unsub-pub"));
  pub->publish_and_wait("u/a", "gone", 1);
  pub->publish_and_wait("u/b", "kept", 1);
  auto got = drain(*c);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "u/b");
}

TEST_F(PubSub, UnsubscribeStopsDeliveryV311) {
  auto c = raw(v311("unsub311"));
  c->subscribe("u/#", 0);
  Ack u = c->unsubscribe({"u/#"});
  EXPECT_TRUE(u.reasons.empty()) << "3.1.1 UNSUBACK has no payload";
  auto pub = raw(v311("unsub311-pub"));
  pub->publish_and_wait("u/x", "gone", 1);
  EXPECT_TRUE(c->quiet_for(400ms));
}

TEST_F(PubSub, ResubscribeReplacesQos) {
  auto c = raw(v5("resub"));
  c->subscribe("rs/t", 2);
  c->subscribe("rs/t", 0);
  auto pub = raw(v5("resub-pub"));
  pub->publish_and_wait("rs/t", "x", 2);
  auto got = drain(*c);
  ASSERT_EQ(got.size(), 1u) << "one subscription, replaced, not two";
  EXPECT_EQ(got[0].qos, 0);
}

// Every publish QoS x subscription QoS: delivered at min(pub, sub), full handshakes both ways.
class QosMatrix : public BrokerTest, public ::testing::WithParamInterface<int> {};

TEST_P(QosMatrix, DeliveredAtMinimumQos) {
  const int version = GetParam();
  auto opts = [&](const std::string& id) { return version == 5 ? v5(id) : v311(id); };
  auto sub = raw(opts("qm-sub"));
  Ack a = sub->subscribe({{"q/s0", 0}, {"q/s1", 1}, {"q/s2", 2}});
  ASSERT_EQ(a.reasons, (std::vector<std::uint8_t>{0, 1, 2}));
  auto pub = raw(opts("qm-pub"));
  for (int pq = 0; pq <= 2; ++pq) {
    for (int sq = 0; sq <= 2; ++sq) {
      std::string topic = "q/s" + std::to_string(sq);
      std::string payload = "p" + std::to_string(pq) + "s" + std::to_string(sq);
      pub->publish_and_wait(topic, payload, pq);
      Publish m = sub->expect_publish();
      EXPECT_EQ(m.topic, topic);
      EXPECT_EQ(m.payload, payload);
      EXPECT_EQ(m.qos, std::min(pq, sq)) << payload;
      EXPECT_FALSE(m.dup);
      EXPECT_FALSE(m.retain);
      if (m.qos > 0) {
        EXPECT_NE(m.packet_id, 0);
      }
      if (m.qos == 1) sub->ack(PUBACK, m.packet_id);
      if (m.qos == 2) {
        sub->ack(PUBREC, m.packet_id);
        Ack rel = decode_ack(version, sub->expect(PUBREL));
        EXPECT_EQ(rel.packet_id, m.packet_id);
        sub->ack(PUBCOMP, m.packet_id);
      }
    }
  }
  EXPECT_TRUE(sub->quiet_for(300ms)) << "no duplicates";
}

INSTANTIATE_TEST_SUITE_P(Versions, QosMatrix, ::testing::Values(4, 5),
                         [](const auto& info) { return info.param == 5 ? "V5" : "V311"; });

// ---- retained -----------------------------------------------------------------------------------

TEST_F(PubSub, RetainedSetReplaceDelete) {
  auto pub = raw(v5("ret-pub"));
  pub->publish_and_wait("ret/a", "first", 1, /*retain=*/true);
  {
    auto s = raw(v5("ret-s1"));
    s->subscribe("ret/a", 1);
    Publish m = s->expect_publish();
    EXPECT_EQ(m.payload, "first");
    EXPECT_TRUE(m.retain) << "retained delivery on subscribe has RETAIN=1";
    s->ack(PUBACK, m.packet_id);
  }
  pub->publish_and_wait("ret/a", "second", 1, true);
  {
    auto s = raw(v5("ret-s2"));
    s->subscribe("ret/a", 1);
    auto got = drain(*s);
    ASSERT_EQ(got.size(), 1u) << "only the replacing message is retained";
    EXPECT_EQ(got[0].payload, "second");
  }
  // A live subscriber sees a retained publish with RETAIN=0 (no retain-as-published).
  auto live = raw(v5("ret-live"));
  live->subscribe("ret/a", 0);
  drain(*live, 300ms);
  pub->publish_and_wait("ret/a", "", 1, true);  // delete
  Publish del = live->expect_publish();
  EXPECT_EQ(del.payload, "");
  EXPECT_FALSE(del.retain);
  {
    auto s = raw(v5("ret-s3"));
    s->subscribe("ret/a", 1);
    EXPECT_TRUE(s->quiet_for(400ms)) << "empty retained payload deletes the retained message";
  }
}

TEST_F(PubSub, RetainedDeliveredForWildcardSubscription) {
  auto pub = raw(v311("retw-pub"));
  pub->publish_and_wait("rw/1", "one", 1, true);
  pub->publish_and_wait("rw/2/x", "two", 0, true);
  pub->publish_and_wait("other/3", "three", 1, true);
  auto s = raw(v311("retw-sub"));
  s->subscribe("rw/#", 1);
  auto got = drain(*s);
  EXPECT_EQ(topics_of(got), (std::set<std::string>{"rw/1", "rw/2/x"}));
  for (const auto& m : got) {
    EXPECT_TRUE(m.retain);
    EXPECT_EQ(m.qos, m.topic == "rw/1" ? 1 : 0) << "retained keeps its own QoS (bounded by the subscription)";
  }
}

TEST_F(PubSub, RetainAsPublished) {
  auto rap = raw(v5("rap"));
  auto norap = raw(v5("norap"));
  rap->subscribe({{"rap/t", 0x08 | 0}});
  norap->subscribe({{"rap/t", 0}});
  auto pub = raw(v5("rap-pub"));
  pub->publish_and_wait("rap/t", "r", 1, true);
  EXPECT_TRUE(rap->expect_publish().retain) << "retain-as-published keeps RETAIN=1";
  EXPECT_FALSE(norap->expect_publish().retain);
  pub->publish_and_wait("rap/t", "nr", 1, false);
  EXPECT_FALSE(rap->expect_publish().retain);
}

TEST_F(PubSub, RetainHandlingOptions) {
  auto pub = raw(v5("rh-pub"));
  pub->publish_and_wait("rh/t", "kept", 1, true);
  auto rh = [](int v) { return std::uint8_t(1 | (v << 4)); };
  // 0: retained messages on every subscribe, also a re-subscribe.
  auto c0 = raw(v5("rh0"));
  c0->subscribe({{"rh/t", rh(0)}});
  EXPECT_EQ(drain(*c0).size(), 1u);
  c0->subscribe({{"rh/t", rh(0)}});
  EXPECT_EQ(drain(*c0).size(), 1u) << "retain handling 0 sends again on re-subscribe";
  // 1: only if the subscription did not exist.
  auto c1 = raw(v5("rh1"));
  c1->subscribe({{"rh/t", rh(1)}});
  EXPECT_EQ(drain(*c1).size(), 1u);
  c1->subscribe({{"rh/t", rh(1)}});
  EXPECT_EQ(drain(*c1).size(), 0u) << "retain handling 1 skips an existing subscription";
  // 2: never.
  auto c2 = raw(v5("rh2"));
  c2->subscribe({{"rh/t", rh(2)}});
  EXPECT_EQ(drain(*c2).size(), 0u) << "retain handling 2 sends no retained messages";
  // ... but live messages still arrive.
  pub->publish_and_wait("rh/t", "live", 1);
  auto live = drain(*c2);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].payload, "live");
}

}  // namespace
}  // namespace accord::it
