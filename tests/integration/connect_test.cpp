// CONNECT / CONNACK: clean start and session present, client identifiers, keep alive, takeover.
#include <iostream>

#include "test_support.hpp"

namespace accord::it {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class Connect : public BrokerTest {};

TEST_F(Connect, CleanStartAndSessionPresentV5) {
  auto o = v5("sp5", /*clean=*/false);
  o.props.add_num(prop::SessionExpiry, 300);
  {
    RawClient c;
    Connack a = c.connect(port(), o);
    EXPECT_EQ(a.code, 0);
    EXPECT_FALSE(a.session_present) << "no session existed yet";
    c.disconnect();
  }
  {
    RawClient c;
    Connack a = c.connect(port(), o);
    EXPECT_EQ(a.code, 0);
    EXPECT_TRUE(a.session_present) << "session kept with session expiry 300";
    c.disconnect();
  }
  {
    RawClient c;
    o.clean = true;
    Connack a = c.connect(port(), o);
    EXPECT_EQ(a.code, 0);
    EXPECT_FALSE(a.session_present) << "clean start discards the session";
    c.disconnect();
  }
}

TEST_F(Connect, CleanSessionAndSessionPresentV311) {
  auto o = v311("sp311", /*clean=*/false);
  {
    RawClient c;
    Connack a = c.connect(port(), o);
    EXPECT_EQ(a.code, 0);
    EXPECT_FALSE(a.session_present);
    c.disconnect();
  }
  {
    RawClient c;
    Connack a = c.connect(port(), o);
    EXPECT_EQ(a.code, 0);
    EXPECT_TRUE(a.session_present);
    c.disconnect();
  }
  {
    RawClient c;
    o.clean = true;
    Connack a = c.connect(port(), o);
    EXPECT_EQ(a.code, 0);
    EXPECT_FALSE(a.session_present) << "[MQTT-3.2.2-1] clean session => session present 0";
    c.disconnect();
  }
  {
    // A clean session is not kept after the connection ends either.
    RawClient c;
    o.clean = false;
    Connack a = c.connect(port(), o);
    EXPECT_FALSE(a.session_present);
    c.disconnect();
  }
}

TEST_F(Connect, EmptyClientIdV5GetsAssignedClientId) {
  RawClient a, b;
  Connack ca = a.connect(port(), v5(""));
  Connack cb = b.connect(port(), v5(""));
  ASSERT_EQ(ca.code, 0);
  ASSERT_EQ(cb.code, 0);
  auto ida = ca.props.str(prop::AssignedClientId);
  auto idb = cb.props.str(prop::AssignedClientId);
  ASSERT_TRUE(ida.has_value()) << "CONNACK must carry Assigned Client Identifier";
  ASSERT_TRUE(idb.has_value());
  EXPECT_FALSE(ida->empty());
  EXPECT_NE(*ida, *idb) << "assigned identifiers must be unique";
  // Both connections work independently.
  a.subscribe("assigned/t", 0);
  b.publish("assigned/t", "x");
  EXPECT_EQ(a.expect_publish().payload, "x");
}

TEST_F(Connect, EmptyClientIdV311CleanSessionAccepted) {
  RawClient c;
  Connack a = c.connect(port(), v311(""));
  EXPECT_EQ(a.code, 0);
  EXPECT_FALSE(a.session_present);
  c.subscribe("e/t", 0);
  c.publish("e/t", "self");
  EXPECT_EQ(c.expect_publish().payload, "self");
}

TEST_F(Connect, EmptyClientIdV311PersistentSessionRejected) {
  RawClient c;
  Connack a = c.connect(port(), v311("", /*clean=*/false));
  EXPECT_EQ(a.code, 0x02) << "[MQTT-3.1.3-8] identifier rejected";
  EXPECT_TRUE(c.wait_closed(3s).has_value()) << "connection must be closed after a refused CONNACK";
}

TEST_F(Connect, PingKeepsConnectionAlive) {
  auto o = v311("pinger");
  o.keep_alive = 1;
  RawClient c;
  ASSERT_EQ(c.connect(port(), o).code, 0);
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(600ms);
    c.send(encode_pingreq());
    c.expect(PINGRESP, 2s);
  }
  EXPECT_FALSE(c.closed());
}

bool t_is_mosquitto(BrokerTest&) { return broker_kind_from_env() == BrokerKind::Mosquitto; }

// A client that goes silent is disconnected after 1.5 x keep alive, not before 1 x.
void check_keep_alive_timeout(BrokerTest& t, RawClient& watcher, RawClient& c, int version,
                              std::uint16_t port) {
  auto o = ConnectOptions{};
  o.version = version;
  o.client_id = "silent" + std::to_string(version);
  o.keep_alive = 2;
  o.will = Will{"will/silent", "gone", 0, false, {}};
  auto start = Clock::now();
  ASSERT_EQ(c.connect(port, o).code, 0);
  // Not closed within 1 x keep alive (small margin for scheduling).
  EXPECT_FALSE(c.wait_closed(1800ms).has_value()) << "closed before 1 x keep alive";
  auto seen = c.wait_closed(t_is_mosquitto(t) ? 7200ms : 2400ms);
  auto elapsed = Clock::now() - start;
  ASSERT_TRUE(seen.has_value()) << "still open after 1.5 x keep alive + margin";
  // 1.5 x 2 s plus 1.2 s of scheduling margin. Mosquitto 2.0 only checks keep alives about
  // every few seconds, so it gets a wider bound (a known deviation, not Accord's).
  EXPECT_LE(elapsed, t_is_mosquitto(t) ? 9000ms : 4200ms);
  for (const auto& p : *seen) {
    // MQTT 5 allows a DISCONNECT 0x8D (Keep Alive timeout) before closing; nothing else.
    ASSERT_EQ(p.type, DISCONNECT) << "unexpected " << packet_name(p.type);
    if (version == 5) {
      EXPECT_EQ(decode_disconnect(version, p).reason, 0x8D);
    }
  }
  // The will is published when the keep alive expires.
  Publish w = watcher.expect_publish(2s);
  EXPECT_EQ(w.topic, "will/silent");
  EXPECT_EQ(w.payload, "gone");
}

TEST_F(Connect, KeepAliveTimeoutV311) {
  auto watcher = raw(v311("watcher"));
  watcher->subscribe("will/#", 0);
  RawClient c;
  check_keep_alive_timeout(*this, *watcher, c, 4, port());
}

TEST_F(Connect, KeepAliveTimeoutV5) {
  auto watcher = raw(v5("watcher"));
  watcher->subscribe("will/#", 0);
  RawClient c;
  check_keep_alive_timeout(*this, *watcher, c, 5, port());
}

TEST_F(Connect, ServerKeepAliveLowersRequest) {
  ACCORD_START_BROKER_WITH({{"limits.max_keep_alive", "20"}});
  auto o = v5("ka");
  o.keep_alive = 60;
  RawClient c;
  Connack a = c.connect(port(), o);
  ASSERT_EQ(a.code, 0);
  ASSERT_TRUE(a.props.num(prop::ServerKeepAlive).has_value()) << "Server Keep Alive expected";
  EXPECT_EQ(*a.props.num(prop::ServerKeepAlive), 20u);
  // A request below the maximum is kept: either no property or the same value.
  RawClient d;
  o.client_id = "ka2";
  o.keep_alive = 7;
  Connack b = d.connect(port(), o);
  ASSERT_EQ(b.code, 0);
  if (auto v = b.props.num(prop::ServerKeepAlive)) {
    EXPECT_EQ(*v, 7u);
  }
}

TEST_F(Connect, TakeoverV5DisconnectsOldClientWith0x8E) {
  RawClient old_client;
  ASSERT_EQ(old_client.connect(port(), v5("dup")).code, 0);
  RawClient new_client;
  ASSERT_EQ(new_client.connect(port(), v5("dup")).code, 0);
  auto seen = old_client.wait_closed(3s);
  ASSERT_TRUE(seen.has_value()) << "old connection must be closed";
  if (is_mosquitto() && seen->empty()) {
    // Mosquitto 2.0.11 closes without the DISCONNECT that [MQTT-3.1.4-3] requires.
    std::cerr << "note: mosquitto closed the taken-over connection without DISCONNECT 0x8E\n";
  } else {
    ASSERT_EQ(seen->size(), 1u) << "expected exactly one DISCONNECT before close";
    EXPECT_EQ(decode_disconnect(5, seen->front()).reason, 0x8E) << "Session taken over";
  }
  // The new connection is fully functional.
  new_client.subscribe("dup/t", 1);
  new_client.publish_and_wait("dup/t", "still here", 1);
  Publish p = new_client.expect_publish();
  EXPECT_EQ(p.payload, "still here");
}

TEST_F(Connect, TakeoverV311ClosesOldConnection) {
  RawClient old_client;
  ASSERT_EQ(old_client.connect(port(), v311("dup311")).code, 0);
  RawClient new_client;
  ASSERT_EQ(new_client.connect(port(), v311("dup311")).code, 0);
  auto seen = old_client.wait_closed(3s);
  ASSERT_TRUE(seen.has_value());
  EXPECT_TRUE(seen->empty()) << "MQTT 3.1.1 has no server DISCONNECT";
  new_client.send(encode_pingreq());
  new_client.expect(PINGRESP);
}

TEST_F(Connect, TakeoverResumesPersistentSession) {
  auto o = v5("resume", false);
  o.props.add_num(prop::SessionExpiry, 300);
  RawClient a;
  ASSERT_EQ(a.connect(port(), o).code, 0);
  a.subscribe("resume/t", 1);
  RawClient b;
  Connack cb = b.connect(port(), o);
  ASSERT_EQ(cb.code, 0);
  EXPECT_TRUE(cb.session_present) << "takeover with clean start 0 resumes the session";
  auto pub = raw(v5("resume-pub"));
  pub->publish_and_wait("resume/t", "to-b", 1);
  Publish p = b.expect_publish();
  EXPECT_EQ(p.payload, "to-b");
}

TEST_F(Connect, BrokerRestartAcceptsNewConnections) {
  auto c = raw(v5("before"));
  pid_t before = broker().pid();
  EXPECT_GT(before, 0);
  broker().restart();
  EXPECT_TRUE(c->wait_closed(3s).has_value()) << "connection closed by broker shutdown";
  EXPECT_NE(broker().pid(), before);
  auto d = raw(v5("after"));
  d->subscribe("r/t", 0);
  d->publish("r/t", "ok");
  EXPECT_EQ(d->expect_publish().payload, "ok");
}

}  // namespace
}  // namespace accord::it
