// Durable state across restarts and kill -9: retained messages and persistent sessions with
// their subscriptions (store.durability = sync), and clear errors for unusable data directories.
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "test_support.hpp"

namespace accord::it {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

using Durability = DurableBrokerTest;

TEST_F(Durability, RetainedAndPersistentSessionsSurviveKill9AndCleanRestart) {
  start_durable();
  {
    auto pub = raw(v5("retainer"));
    pub->publish_and_wait("devices/lamp/state", "on", 1, /*retain=*/true);
    pub->publish_and_wait("devices/door/state", "open", 1, /*retain=*/true);
    pub->publish_and_wait("devices/door/state", "", 1, /*retain=*/true);  // deleted
    Properties expiry;
    expiry.items.push_back({0x11, 3600});  // session expiry 1 h
    ConnectOptions o = v5("field-unit", /*clean=*/false);
    o.props = expiry;
    auto sub = raw(o);
    sub->subscribe("alerts/#", 1);
    sub->disconnect();
  }
  for (int round = 0; round < 2; ++round) {
    if (round == 0) {
      broker().kill_hard();  // SIGKILL: nothing flushed on the way out
    } else {
      broker().stop();  // SIGTERM
    }
    broker().start();
    auto fresh = raw(v5("reader-" + std::to_string(round)));
    fresh->subscribe("devices/#", 0);
    Publish m = fresh->expect_publish();
    EXPECT_EQ(m.topic, "devices/lamp/state");
    EXPECT_EQ(m.payload, "on");
    EXPECT_TRUE(fresh->quiet_for(300ms)) << "the deleted retained message must not come back";

    ConnectOptions o = v5("field-unit", /*clean=*/false);
    o.props.items.push_back({0x11, 3600});
    RawClient unit;
    Connack ack = unit.connect(port(), o);
    EXPECT_TRUE(ack.session_present) << "round " << round;
    auto pub = raw(v5("alerter-" + std::to_string(round)));
    pub->publish_and_wait("alerts/fire", "round " + std::to_string(round), 1);
    Publish alert = unit.expect_publish();
    EXPECT_EQ(alert.payload, "round " + std::to_string(round))
        << "the subscription was restored without subscribing again";
    unit.ack(PUBACK, alert.packet_id);
    unit.disconnect();
  }
}

TEST_F(Durability, ExpiredSessionsAndRetainedMessagesDoNotComeBack) {
  start_durable();
  {
    auto pub = raw(v5("short-lived"));
    Properties p;
    p.items.push_back({0x02, 1});  // message expiry 1 s
    pub->publish("tmp/reading", "21.5", 1, /*retain=*/true, pub->next_id(), p);
    pub->expect(PUBACK);
    ConnectOptions o = v5("brief", /*clean=*/false);
    o.props.items.push_back({0x11, 1});  // session expiry 1 s
    auto s = raw(o);
    s->subscribe("x/#", 1);
    s->disconnect();
    // The broker closes after our DISCONNECT; the offline record (with its expiry time) is
    // written right before. Give the writer a moment, since nothing acknowledges it.
    s->wait_closed(3s);
    std::this_thread::sleep_for(300ms);
  }
  broker().kill_hard();
  std::this_thread::sleep_for(2100ms);
  broker().start();
  auto reader = raw(v5("reader"));
  reader->subscribe("tmp/#", 0);
  EXPECT_TRUE(reader->quiet_for(300ms)) << "expired retained message resurrected";
  ConnectOptions o = v5("brief", /*clean=*/false);
  o.props.items.push_back({0x11, 1});
  RawClient again;
  EXPECT_FALSE(again.connect(port(), o).session_present) << "expired session resurrected";
  EXPECT_NE(broker().log_text().find("event=recovered"), std::string::npos);
}

TEST_F(Durability, SessionOnlineAtTheCrashIsNotTakenForExpired) {
  start_durable();
  ConnectOptions o = v5("reconnector", /*clean=*/false);
  o.props.items.push_back({0x11, 2});  // session expiry 2 s
  {
    auto first = raw(o);
    first->subscribe("r/#", 1);
    first->disconnect();  // stored as offline, expiring 2 s from now
    first->wait_closed(3s);
  }
  std::this_thread::sleep_for(500ms);
  auto online = raw(o);  // back online: the stored expiry time must go
  std::this_thread::sleep_for(2500ms);  // past the old expiry time, still connected
  broker().kill_hard();
  broker().start();
  RawClient again;
  EXPECT_TRUE(again.connect(port(), o).session_present)
      << "a session that was online when the broker died must not be purged as expired";
}

TEST_F(Durability, LockedDataDirectoryIsRefusedWithPathAndCause) {
  start_durable();
  auto second = run_process({accord_binary(), "--listen", "127.0.0.1:0", "--set",
                             "store.durability=sync", "--set", "store.data_dir=" + data_dir_},
                            10s);
  EXPECT_FALSE(second.timed_out);
  EXPECT_NE(second.exit_code, 0) << second.out;
  EXPECT_NE(second.out.find(data_dir_), std::string::npos) << second.out;
  EXPECT_NE(second.out.find("lock"), std::string::npos) << second.out;
  // The first broker is unaffected.
  auto c = raw(v5("still-fine"));
  EXPECT_FALSE(c->closed());
}

TEST_F(Durability, CorruptDataDirectoryIsRefusedNotStartedEmpty) {
  start_durable();
  {
    auto pub = raw(v5("p"));
    pub->publish_and_wait("keep/me", "1", 1, true);
  }
  broker().stop();
  std::ofstream(data_dir_ + "/CURRENT", std::ios::trunc) << "garbage-that-names-no-manifest\n";
  auto r = run_process({accord_binary(), "--listen", "127.0.0.1:0", "--set",
                        "store.durability=sync", "--set", "store.data_dir=" + data_dir_},
                       10s);
  EXPECT_FALSE(r.timed_out);
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find(data_dir_), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("event=started"), std::string::npos) << "must not start over it: " << r.out;
}

}  // namespace
}  // namespace accord::it
