// Store operations from the command line against a running broker: `accordctl store inspect`
// (records per kind, size) and `accordctl store backup` (RocksDB checkpoint), the backup read
// back and served by a second broker, and the CLI's errors with their exit codes.
#include <filesystem>

#include "test_support.hpp"

namespace accord::it {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

#ifndef ACCORDCTL_BIN_PATH
#define ACCORDCTL_BIN_PATH ""
#endif

class Operations : public DurableBrokerTest {
 protected:
  std::string admin() { return "http://127.0.0.1:" + std::to_string(broker().admin_port()); }
  ProcessResult ctl(std::vector<std::string> args) {
    args.insert(args.begin(), ACCORDCTL_BIN_PATH);
    return run_process(args, 30s);
  }
  // Two retained messages and a persistent session with three queued messages.
  void fill() {
    auto pub = raw(v5("filler"));
    pub->publish_and_wait("site/a/state", "on", 1, /*retain=*/true);
    pub->publish_and_wait("site/b/state", "off", 1, /*retain=*/true);
    ConnectOptions o = v5("offline-unit", /*clean=*/false);
    o.props.items.push_back({0x11, 3600});
    {
      auto sub = raw(o);
      sub->subscribe("alerts/#", 1);
      sub->disconnect();
    }
    for (int i = 0; i < 3; ++i) pub->publish_and_wait("alerts/" + std::to_string(i), "x", 1);
  }
  std::string scratch(const std::string& name) { return fs::path(data_dir_).parent_path() / name; }
};

TEST_F(Operations, InspectCountsWhatTheRunningBrokerHolds) {
  start_durable();
  fill();
  auto r = ctl({"--admin", admin(), "store", "inspect", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\"retained\":2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"sessions\":1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"queue_entries\":3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"durability\":\"sync\""), std::string::npos) << r.out;
  auto table = ctl({"--admin", admin(), "store", "inspect"});
  ASSERT_EQ(table.exit_code, 0) << table.out;
  EXPECT_NE(table.out.find("retained         2"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("size on disk"), std::string::npos) << table.out;
}

TEST_F(Operations, OnlineBackupIsConsistentAndServable) {
  start_durable();
  fill();
  const std::string backup = scratch("backup-1");
  auto r = ctl({"--admin", admin(), "store", "backup", backup});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(fs::exists(backup + "/CURRENT")) << r.out;
  // The broker kept serving meanwhile.
  raw(v5("still-there"))->publish_and_wait("site/c/state", "new", 1, true);

  auto offline = ctl({"store", "inspect", "--data-dir", backup, "-o", "json"});
  ASSERT_EQ(offline.exit_code, 0) << offline.out;
  EXPECT_NE(offline.out.find("\"retained\":2"), std::string::npos) << offline.out;
  EXPECT_NE(offline.out.find("\"queue_entries\":3"), std::string::npos) << offline.out;

  // A broker started on the backup serves its state: the retained messages and the queued
  // messages of the offline session, as of the backup (not "site/c").
  BrokerProcess restored(BrokerOptions{{{"store.durability", "sync"}, {"store.data_dir", backup}}});
  restored.start();
  RawClient reader;
  reader.connect(restored.port(), v5("reader"));
  reader.subscribe("site/#", 0);
  std::set<std::string> topics;
  for (int i = 0; i < 2; ++i) topics.insert(reader.expect_publish().topic);
  EXPECT_EQ(topics, (std::set<std::string>{"site/a/state", "site/b/state"}));
  EXPECT_TRUE(reader.quiet_for(300ms));
  ConnectOptions o = v5("offline-unit", /*clean=*/false);
  o.props.items.push_back({0x11, 3600});
  RawClient unit;
  EXPECT_TRUE(unit.connect(restored.port(), o).session_present);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(unit.expect_publish().topic, "alerts/" + std::to_string(i));
}

TEST_F(Operations, ErrorsAreOneLineWithDistinctExitCodes) {
  start_durable();
  const std::string backup = scratch("backup-2");
  ASSERT_EQ(ctl({"--admin", admin(), "store", "backup", backup}).exit_code, 0);
  auto exists = ctl({"--admin", admin(), "store", "backup", backup});
  EXPECT_EQ(exists.exit_code, 1) << exists.out;
  EXPECT_NE(exists.out.find("already exists"), std::string::npos) << exists.out;

  auto unreachable = ctl({"--admin", "http://127.0.0.1:" + std::to_string(pick_free_port()),
                          "--timeout", "5", "store", "inspect"});
  EXPECT_EQ(unreachable.exit_code, 3) << unreachable.out;
  EXPECT_NE(unreachable.out.find("cannot reach the admin API"), std::string::npos) << unreachable.out;

  auto bad_url = ctl({"--admin", "ftp://x", "store", "inspect"});
  EXPECT_EQ(bad_url.exit_code, 3) << bad_url.out;

  auto no_dir = ctl({"store", "inspect", "--data-dir", scratch("nothing-here")});
  EXPECT_EQ(no_dir.exit_code, 4) << no_dir.out;
  EXPECT_NE(no_dir.out.find("nothing-here"), std::string::npos) << no_dir.out;

  auto usage = ctl({"store", "backup"});
  EXPECT_EQ(usage.exit_code, 2) << usage.out;

  for (const auto* r : {&exists, &unreachable, &no_dir}) {
    EXPECT_EQ(std::count(r->out.begin(), r->out.end(), '\n'), 1) << "one line: " << r->out;
  }
}

TEST_F(Operations, BackupOfAMemoryStoreIsRefused) {
  start_durable("memory");
  auto r = ctl({"--admin", admin(), "store", "backup", scratch("backup-3")});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("nothing on disk"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace accord::it
