// Helpers for the store tests: a fresh temp directory per test, synchronous submit, sample records.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <future>
#include <stdexcept>
#include <string>

#include "broker/store/store.hpp"

namespace accord::store::test {

class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "accord-store-XXXXXX").string();
    if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
    root_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(root_, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(root_, ec);
  }
  const std::filesystem::path& root() const { return root_; }
  std::string db() const { return (root_ / "db").string(); }
  std::string sub(const std::string& name) const { return (root_ / name).string(); }

 private:
  std::filesystem::path root_;
};

inline Status commit(Store& store, WriteBatch batch) {
  std::promise<Status> p;
  auto f = p.get_future();
  store.submit(std::move(batch), [&p](const Status& s) { p.set_value(s); });
  return f.get();
}

inline std::unique_ptr<Store> open_ok(const std::string& path, Durability d = Durability::Sync,
                                      rocksdb::Env* env = nullptr) {
  StoreOptions o;
  o.path = path;
  o.durability = d;
  o.env = env;
  auto r = open_store(o);
  EXPECT_TRUE(r.status.ok) << r.status.message;
  return std::move(r.store);
}

inline Status open_error(const std::string& path) {
  StoreOptions o;
  o.path = path;
  auto r = open_store(o);
  EXPECT_FALSE(r.status.ok) << "opened " << path;
  EXPECT_EQ(r.store, nullptr);
  EXPECT_EQ(r.status.message.find('\n'), std::string::npos) << r.status.message;
  return r.status;
}

inline MessageRecord message(std::uint64_t id, std::string topic, std::string payload,
                             std::optional<UnixMillis> expires_at = std::nullopt) {
  MessageRecord m;
  m.id = id;
  m.topic = std::move(topic);
  m.payload = std::move(payload);
  m.qos = 1;
  m.expires_at = expires_at;
  return m;
}

inline SessionRecord session(std::string client_id,
                             std::optional<UnixMillis> expires_at = std::nullopt) {
  SessionRecord s;
  s.client_id = std::move(client_id);
  s.expiry_interval = 3600;
  s.expires_at = expires_at;
  SubscriptionRecord sub;
  sub.filter = "devices/+/telemetry";
  sub.options.max_qos = 1;
  s.subscriptions.push_back(sub);
  return s;
}

inline QueueEntry entry(std::string client_id, std::uint64_t seq, std::uint64_t message_id,
                        QueueState state = QueueState::Queued, std::uint16_t packet_id = 0) {
  QueueEntry e;
  e.client_id = std::move(client_id);
  e.seq = seq;
  e.message_id = message_id;
  e.qos = 1;
  e.state = state;
  e.packet_id = packet_id;
  return e;
}

}  // namespace accord::store::test
