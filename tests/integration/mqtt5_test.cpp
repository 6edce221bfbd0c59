// MQTT 5 features: topic aliases, receive maximum, maximum packet size, subscription identifiers,
// no-local, properties passed through, reason codes.
#include <map>
#include <set>

#include "test_support.hpp"

namespace accord::it {
namespace {

using namespace std::chrono_literals;

class Mqtt5 : public BrokerTest {};

TEST_F(Mqtt5, TopicAliasClientToBroker) {
  auto sub = raw(v5("ta-sub"));
  sub->subscribe("ta/#", 0);
  RawClient pub;
  Connack ca = pub.connect(port(), v5("ta-pub"));
  ASSERT_EQ(ca.code, 0);
  ASSERT_GE(ca.props.num(prop::TopicAliasMaximum).value_or(0), 1u) << "broker must accept topic aliases";
  Properties set_alias, use_alias;
  set_alias.add_num(prop::TopicAlias, 1);
  use_alias.add_num(prop::TopicAlias, 1);
  pub.publish("ta/long/topic/name", "first", 0, false, 0, set_alias);
  pub.publish("", "second", 0, false, 0, use_alias);
  pub.publish("ta/other", "third", 0, false, 0, set_alias);  // re-map alias 1
  pub.publish("", "fourth", 0, false, 0, use_alias);
  std::vector<std::pair<std::string, std::string>> got;
  for (int i = 0; i < 4; ++i) {
    Publish m = sub->expect_publish();
    got.emplace_back(m.topic, m.payload);
  }
  EXPECT_EQ(got, (std::vector<std::pair<std::string, std::string>>{{"ta/long/topic/name", "first"},
                                                                    {"ta/long/topic/name", "second"},
                                                                    {"ta/other", "third"},
                                                                    {"ta/other", "fourth"}}));
}

TEST_F(Mqtt5, TopicAliasAboveMaximumIsRejected0x94) {
  ACCORD_START_BROKER_WITH({{"limits.topic_alias_maximum", "2"}});
  RawClient pub;
  Connack ca = pub.connect(port(), v5("ta-max"));
  ASSERT_EQ(ca.props.num(prop::TopicAliasMaximum).value_or(0), 2u);
  Properties p;
  p.add_num(prop::TopicAlias, 3);
  pub.publish("ta/x", "x", 0, false, 0, p);
  auto seen = pub.wait_closed(3s);
  ASSERT_TRUE(seen.has_value()) << "connection must be closed";
  ASSERT_EQ(seen->size(), 1u);
  EXPECT_EQ(decode_disconnect(5, seen->front()).reason, 0x94) << "Topic Alias invalid";
}

TEST_F(Mqtt5, UnknownTopicAliasIsProtocolError) {
  RawClient pub;
  pub.connect(port(), v5("ta-unknown"));
  Properties p;
  p.add_num(prop::TopicAlias, 1);
  pub.publish("", "no mapping", 0, false, 0, p);
  auto seen = pub.wait_closed(3s);
  ASSERT_TRUE(seen.has_value());
  ASSERT_EQ(seen->size(), 1u);
  EXPECT_EQ(decode_disconnect(5, seen->front()).reason, 0x82) << "Protocol Error";
}

TEST_F(Mqtt5, TopicAliasBrokerToClient) {
  RawClient sub;
  auto o = v5("ta-recv");
  o.props.add_num(prop::TopicAliasMaximum, 4);
  sub.connect(port(), o);
  sub.subscribe("tb/#", 0);
  auto pub = raw(v5("tb-pub"));
  std::map<std::uint32_t, std::string> aliases;
  bool used_alias = false;
  for (int i = 0; i < 6; ++i) {
    std::string topic = i % 2 ? "tb/a/long/topic" : "tb/b/another/long/topic";
    pub->publish(topic, std::to_string(i));
    Publish m = sub.expect_publish();
    auto alias = m.props.num(prop::TopicAlias);
    std::string resolved = m.topic;
    if (alias) {
      ASSERT_GE(*alias, 1u);
      ASSERT_LE(*alias, 4u) << "alias above the client's Topic Alias Maximum";
      if (m.topic.empty()) {
        ASSERT_TRUE(aliases.count(*alias)) << "alias used before it was set";
        resolved = aliases[*alias];
        used_alias = true;
      } else {
        aliases[*alias] = m.topic;
      }
    }
    EXPECT_EQ(resolved, topic);
    EXPECT_EQ(m.payload, std::to_string(i));
  }
  if (!is_mosquitto()) {
    EXPECT_TRUE(used_alias) << "Accord is expected to replace repeated topics by aliases";
  }
}

TEST_F(Mqtt5, NoTopicAliasWithoutClientMaximum) {
  auto sub = raw(v5("ta-none"));  // no Topic Alias Maximum: 0
  sub->subscribe("tn/#", 0);
  auto pub = raw(v5("tn-pub"));
  for (int i = 0; i < 3; ++i) pub->publish("tn/same/topic", "x");
  for (int i = 0; i < 3; ++i) {
    Publish m = sub->expect_publish();
    EXPECT_EQ(m.topic, "tn/same/topic");
    EXPECT_FALSE(m.props.has(prop::TopicAlias)) << "[MQTT-3.3.2-8]";
  }
}

TEST_F(Mqtt5, ClientReceiveMaximumLimitsInflight) {
  RawClient sub;
  auto o = v5("rm-sub");
  o.props.add_num(prop::ReceiveMaximum, 2);
  sub.connect(port(), o);
  sub.subscribe("rm/t", 1);
  auto pub = raw(v5("rm-pub"));
  for (int i = 0; i < 5; ++i) pub->publish_and_wait("rm/t", std::to_string(i), 1);
  Publish a = sub.expect_publish();
  Publish b = sub.expect_publish();
  EXPECT_TRUE(sub.quiet_for(500ms)) << "no more than Receive Maximum unacknowledged QoS 1";
  if (is_mosquitto()) {
    // Mosquitto 2.0.11 refills the window by two after one PUBACK (3 in flight): known bug.
    GTEST_SKIP() << "mosquitto: window refill after PUBACK exceeds Receive Maximum";
  }
  sub.ack(PUBACK, a.packet_id);
  Publish c = sub.expect_publish();
  EXPECT_TRUE(sub.quiet_for(300ms)) << "one PUBACK frees exactly one slot";
  sub.ack(PUBACK, b.packet_id);
  sub.ack(PUBACK, c.packet_id);
  Publish d = sub.expect_publish();
  Publish e = sub.expect_publish();
  EXPECT_EQ(a.payload + b.payload + c.payload + d.payload + e.payload, "01234") << "order kept";
}

TEST_F(Mqtt5, BrokerReceiveMaximumEnforced0x93) {
  ACCORD_START_BROKER_WITH({{"limits.receive_maximum", "2"}});
  RawClient c;
  Connack ca = c.connect(port(), v5("rm-broker"));
  ASSERT_EQ(ca.props.num(prop::ReceiveMaximum).value_or(65535), 2u);
  // QoS 2 publishes stay in flight until PUBREL: the third exceeds the window.
  c.publish("rmb/t", "1", 2, false, 1);
  c.expect(PUBREC);
  c.publish("rmb/t", "2", 2, false, 2);
  c.expect(PUBREC);
  c.publish("rmb/t", "3", 2, false, 3);
  auto seen = c.wait_closed(3s);
  ASSERT_TRUE(seen.has_value());
  ASSERT_FALSE(seen->empty());
  EXPECT_EQ(decode_disconnect(5, seen->back()).reason, 0x93) << "Receive Maximum exceeded";
}

TEST_F(Mqtt5, ClientMaximumPacketSizeRespected) {
  RawClient sub;
  auto o = v5("mps-sub");
  o.props.add_num(prop::MaximumPacketSize, 200);
  sub.connect(port(), o);
  sub.subscribe("mps/t", 1);
  auto pub = raw(v5("mps-pub"));
  pub->publish_and_wait("mps/t", std::string(500, 'x'), 1);
  pub->publish_and_wait("mps/t", "small", 1);
  auto p = sub.read(2s);
  ASSERT_TRUE(p.has_value());
  EXPECT_LE(p->wire_size, 200u) << "broker sent a packet larger than the client's maximum";
  Publish m = decode_publish(5, *p);
  EXPECT_EQ(m.payload, "small") << "the oversize message is discarded for this client";
  sub.ack(PUBACK, m.packet_id);
  EXPECT_FALSE(sub.closed());
}

TEST_F(Mqtt5, BrokerMaximumPacketSizeEnforced0x95) {
  ACCORD_START_BROKER_WITH({{"limits.max_packet_size", "1024"}});
  auto bystander_sub = raw(v5("mps-by-sub"));
  bystander_sub->subscribe("mpb/#", 1);
  auto bystander_pub = raw(v5("mps-by-pub"));
  RawClient c;
  Connack ca = c.connect(port(), v5("mps-big"));
  ASSERT_EQ(ca.props.num(prop::MaximumPacketSize).value_or(0), 1024u);
  c.publish("mpb/big", std::string(2000, 'y'), 1);
  auto seen = c.wait_closed(3s);
  ASSERT_TRUE(seen.has_value()) << "oversize PUBLISH must close the connection";
  ASSERT_EQ(seen->size(), 1u);
  EXPECT_EQ(decode_disconnect(5, seen->front()).reason, 0x95) << "Packet too large";
  bystander_pub->publish_and_wait("mpb/ok", "fine", 1);
  Publish m = bystander_sub->expect_publish();
  EXPECT_EQ(m.payload, "fine");
  EXPECT_TRUE(bystander_sub->quiet_for(200ms)) << "the oversize message was not forwarded";
}

TEST_F(Mqtt5, SubscriptionIdentifiers) {
  auto c = raw(v5("subid"));
  Properties id7, id9;
  id7.add_num(prop::SubscriptionId, 7);
  id9.add_num(prop::SubscriptionId, 9);
  c->subscribe("sid/#", 1, id7);
  c->subscribe("sid/b", 1, id9);
  c->subscribe("sid/none/+", 1);
  auto pub = raw(v5("subid-pub"));
  pub->publish_and_wait("sid/b", "both", 1);
  std::set<std::uint32_t> ids;
  for (;;) {  // one PUBLISH with both ids, or one per subscription
    auto p = c->read(500ms);
    if (!p) break;
    if (p->type != PUBLISH) continue;
    Publish m = decode_publish(5, *p);
    c->ack(PUBACK, m.packet_id);
    for (auto v : m.props.all_nums(prop::SubscriptionId)) ids.insert(v);
  }
  EXPECT_EQ(ids, (std::set<std::uint32_t>{7, 9}));
  pub->publish_and_wait("sid/c", "seven", 1);
  Publish m = c->expect_publish();
  EXPECT_EQ(m.props.all_nums(prop::SubscriptionId), std::vector<std::uint32_t>{7});
  c->ack(PUBACK, m.packet_id);

  for (auto p = c->read(300ms); p; p = c->read(300ms)) {
    if (p->type == PUBLISH) c->ack(PUBACK, decode_publish(5, *p).packet_id);
  }
  pub->publish_and_wait("sid/none/x", "noid", 1);
  // Matches sid/# (id 7) and sid/none/+ (no id).
  bool saw_without = false;
  for (auto p = c->read(500ms); p; p = c->read(500ms)) {
    if (p->type != PUBLISH) continue;
    Publish q = decode_publish(5, *p);
    c->ack(PUBACK, q.packet_id);
    auto v = q.props.all_nums(prop::SubscriptionId);
    for (auto x : v) EXPECT_EQ(x, 7u);
    if (v.empty()) saw_without = true;
  }
  (void)saw_without;  // a broker may merge both into one PUBLISH carrying id 7
}

TEST_F(Mqtt5, NoLocal) {
  auto c = raw(v5("nolocal"));
  c->subscribe({{"nl/t", 0x04 | 1}});
  c->publish_and_wait("nl/t", "mine", 1);
  EXPECT_TRUE(c->quiet_for(400ms)) << "no-local: own messages are not delivered";
  auto other = raw(v5("nl-other"));
  other->publish_and_wait("nl/t", "theirs", 1);
  EXPECT_EQ(c->expect_publish().payload, "theirs");
  // Without no-local the client gets its own message.
  auto l = raw(v5("local"));
  l->subscribe("nl/l", 0);
  l->publish("nl/l", "echo");
  EXPECT_EQ(l->expect_publish().payload, "echo");
}

TEST_F(Mqtt5, PublishPropertiesPassedThrough) {
  auto sub = raw(v5("props-sub"));
  sub->subscribe("pp/t", 1);
  auto pub = raw(v5("props-pub"));
  Properties p;
  p.add_num(prop::PayloadFormat, 1)
      .add_str(prop::ContentType, "application/json")
      .add_str(prop::ResponseTopic, "pp/reply")
      .add_str(prop::CorrelationData, std::string("\x00\x01\xff", 3))
      .add_user("k1", "v1")
      .add_user("k2", "v2")
      .add_user("k1", "v3");
  pub->publish_and_wait("pp/t", "{\"a\":1}", 1, false, p);
  Publish m = sub->expect_publish();
  EXPECT_EQ(m.payload, "{\"a\":1}");
  EXPECT_EQ(m.props.num(prop::PayloadFormat).value_or(0), 1u);
  EXPECT_EQ(m.props.str(prop::ContentType).value_or(""), "application/json");
  EXPECT_EQ(m.props.str(prop::ResponseTopic).value_or(""), "pp/reply");
  EXPECT_EQ(m.props.str(prop::CorrelationData).value_or(""), std::string("\x00\x01\xff", 3));
  EXPECT_EQ(m.props.user(), (std::vector<std::pair<std::string, std::string>>{
                                {"k1", "v1"}, {"k2", "v2"}, {"k1", "v3"}}))
      << "user properties in order, duplicates kept";
}

TEST_F(Mqtt5, RequestResponse) {
  auto responder = raw(v5("responder"));
  responder->subscribe("svc/req", 1);
  auto requester = raw(v5("requester"));
  requester->subscribe("svc/reply/requester", 1);
  Properties req;
  req.add_str(prop::ResponseTopic, "svc/reply/requester").add_str(prop::CorrelationData, "corr-42");
  requester->publish_and_wait("svc/req", "ping", 1, false, req);
  Publish in = responder->expect_publish();
  responder->ack(PUBACK, in.packet_id);
  ASSERT_TRUE(in.props.str(prop::ResponseTopic).has_value());
  Properties resp;
  resp.add_str(prop::CorrelationData, in.props.str(prop::CorrelationData).value_or(""));
  responder->publish_and_wait(*in.props.str(prop::ResponseTopic), "pong", 1, false, resp);
  Publish out = requester->expect_publish();
  EXPECT_EQ(out.payload, "pong");
  EXPECT_EQ(out.props.str(prop::CorrelationData).value_or(""), "corr-42");
}

TEST_F(Mqtt5, ConnackAdvertisesCapabilities) {
  RawClient c;
  Connack a = c.connect(port(), v5("caps"));
  ASSERT_EQ(a.code, 0);
  // Absent means "available"; when present these must say so for a default Accord.
  EXPECT_EQ(a.props.num(prop::RetainAvailable).value_or(1), 1u);
  EXPECT_EQ(a.props.num(prop::WildcardAvailable).value_or(1), 1u);
  EXPECT_EQ(a.props.num(prop::SubIdAvailable).value_or(1), 1u);
  EXPECT_EQ(a.props.num(prop::SharedAvailable).value_or(1), 1u);
  EXPECT_FALSE(a.props.has(prop::MaximumQos)) << "maximum QoS 2 is signalled by absence";
}

TEST_F(Mqtt5, SessionExpiryOnDisconnectFromZeroIsProtocolError) {
  RawClient c;
  c.connect(port(), v5("sexp0"));  // session expiry 0
  Properties p;
  p.add_num(prop::SessionExpiry, 60);
  c.send(encode_disconnect(5, 0, p));
  auto seen = c.wait_closed(3s);
  ASSERT_TRUE(seen.has_value());
  if (is_mosquitto() && seen->empty()) return;  // mosquitto closes silently
  ASSERT_EQ(seen->size(), 1u);
  EXPECT_EQ(decode_disconnect(5, seen->front()).reason, 0x82) << "[MQTT-3.14.2-2] Protocol Error";
}

TEST_F(Mqtt5, ReasonStringOnProtocolErrorDisconnect) {
  SKIP_UNDER_MOSQUITTO("mosquitto sends no reason strings");
  RawClient c;
  c.connect(port(), v5("rs"));
  c.send(encode_connect(v5("rs")));  // second CONNECT
  auto seen = c.wait_closed(3s);
  ASSERT_TRUE(seen.has_value());
  ASSERT_EQ(seen->size(), 1u);
  Disconnect d = decode_disconnect(5, seen->front());
  EXPECT_EQ(d.reason, 0x82);
  ASSERT_TRUE(d.props.str(prop::ReasonString).has_value()) << "Accord explains errors with a reason string";
  EXPECT_FALSE(d.props.str(prop::ReasonString)->empty());
}

TEST_F(Mqtt5, NoReasonStringWhenProblemInformationNotRequested) {
  RawClient c;
  auto o = v5("noproblem");
  o.props.add_num(prop::RequestProblemInfo, 0);
  c.connect(port(), o);
  Ack u = c.unsubscribe({"never/subscribed"});
  EXPECT_FALSE(u.props.has(prop::ReasonString)) << "[MQTT-3.1.2-29]";
  EXPECT_TRUE(u.props.user().empty()) << "[MQTT-3.1.2-29]";
}

}  // namespace
}  // namespace accord::it
