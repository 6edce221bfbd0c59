#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "broker/store/record_codec.hpp"
#include "broker/store/store.hpp"
#include "store_test_util.hpp"

namespace accord::store::test {
namespace {

constexpr UnixMillis kNow = 1'700'000'000'000;

SessionRecord full_session() {
  SessionRecord s;
  s.client_id = "sensor-7";
  s.expiry_interval = 0xFFFFFFFF;
  s.expires_at = kNow + 60'000;
  SubscriptionRecord a;
  a.filter = "$share/g/plant/+/temp";
  a.options = {2, true, true, 1};
  a.subscription_id = 42;
  SubscriptionRecord b;
  b.filter = "alerts/#";
  b.options.max_qos = 0;
  s.subscriptions = {a, b};
  mqtt::Will w;
  w.topic = "status/sensor-7";
  w.payload = std::string("gone\0\xff", 6);
  w.qos = 1;
  w.retain = true;
  w.properties.will_delay_interval = 30;
  w.properties.payload_format_indicator = 1;
  w.properties.message_expiry_interval = 600;
  w.properties.content_type = "text/plain";
  w.properties.response_topic = "reply/here";
  w.properties.correlation_data = std::string("\x01\x00\x02", 3);
  w.properties.user_properties = {{"k", "v"}, {"k", "v2"}};
  s.will = w;
  s.will_due = kNow + 30'000;
  return s;
}

TEST(RocksStore, EveryRecordKindRoundTripsThroughReopen) {
  TempDir dir;
  MessageRecord retained = message(0, "plant/1/temp", "21.5");
  retained.retain = true;
  retained.shared_properties = std::string("\x01\x01", 2);
  retained.expires_at = kNow + 100'000;
  MessageRecord body = message(7, "plant/1/alarm", std::string("\0binary\xff", 8));
  body.qos = 2;
  QueueEntry e1 = entry("sensor-7", 1, 7);
  e1.subscription_ids = {42, 43};
  e1.retain = true;
  QueueEntry e2 = entry("sensor-7", 2, 7, QueueState::AwaitingPubrec, 11);
  e2.qos = 2;
  QueueEntry e3 = entry("sensor-7", 3, 7, QueueState::AwaitingPubcomp, 12);
  QueueEntry e4 = entry("sensor-7", 4, 7, QueueState::AwaitingPuback, 13);
  {
    auto store = open_ok(dir.db());
    WriteBatch b;
    b.put_retained(retained);
    b.put_session(full_session());
    b.put_message(body);
    for (const auto& e : {e1, e2, e3, e4}) b.put_queue_entry(e);
    b.put_inbound_qos2("sensor-7", 99);
    b.put_inbound_qos2("sensor-7", 3);
    ASSERT_TRUE(commit(*store, std::move(b)).ok);
    store->close();
  }
  auto store = open_ok(dir.db());
  Recovered r = store->recover(kNow);
  ASSERT_TRUE(r.status.ok) << r.status.message;
  ASSERT_EQ(r.retained.size(), 1u);
  EXPECT_EQ(r.retained[0], retained);
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0], full_session());
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0], body);
  ASSERT_EQ(r.queue.size(), 4u);
  EXPECT_EQ(r.queue[0], e1);
  EXPECT_EQ(r.queue[1], e2);
  EXPECT_EQ(r.queue[2], e3);
  EXPECT_EQ(r.queue[3], e4);
  ASSERT_EQ(r.inbound_qos2.size(), 2u);
  EXPECT_EQ(r.inbound_qos2[0], std::make_pair(std::string("sensor-7"), std::uint16_t{3}));
  EXPECT_EQ(r.inbound_qos2[1], std::make_pair(std::string("sensor-7"), std::uint16_t{99}));
  EXPECT_EQ(r.next_message_id, 8u);
  EXPECT_EQ(r.purged_expired, 0u);
  EXPECT_EQ(r.undecodable, 0u);
}

TEST(RocksStore, QueueIsInSeqOrderPerClientAndClientsDoNotMix) {
  TempDir dir;
  auto store = open_ok(dir.db());
  WriteBatch b;
  b.put_message(message(1, "t", "p"));
  for (const char* c : {"ab", "a", "b"}) {
    b.put_session(session(c));
    // 256 and 1 would sort wrongly as little-endian or decimal text.
    for (std::uint64_t seq : {256u, 1u, 65536u, 2u}) b.put_queue_entry(entry(c, seq, 1));
  }
  ASSERT_TRUE(commit(*store, std::move(b)).ok);
  Recovered r = store->recover(kNow);
  ASSERT_EQ(r.queue.size(), 12u);
  for (std::size_t i = 0; i < 12; i += 4) {
    EXPECT_EQ(r.queue[i].client_id, r.queue[i + 3].client_id);
    EXPECT_EQ(r.queue[i].seq, 1u);
    EXPECT_EQ(r.queue[i + 1].seq, 2u);
    EXPECT_EQ(r.queue[i + 2].seq, 256u);
    EXPECT_EQ(r.queue[i + 3].seq, 65536u);
  }
}

TEST(RocksStore, BatchesCommitInOrder) {
  TempDir dir;
  auto store = open_ok(dir.db());
  std::vector<int> order;
  std::mutex mu;
  std::promise<void> last;
  for (int i = 0; i < 100; ++i) {
    WriteBatch b;
    b.put_retained(message(0, "t", std::to_string(i)));
    if (i % 2 == 0)
      b.delete_retained("u");
    else
      b.put_retained(message(0, "u", std::to_string(i)));
    store->submit(std::move(b), [&, i](const Status& s) {
      EXPECT_TRUE(s.ok);
      std::lock_guard lk(mu);
      order.push_back(i);
      if (i == 99) last.set_value();
    });
  }
  last.get_future().wait();
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
  store->close();
  store = open_ok(dir.db());
  Recovered r = store->recover(kNow);
  ASSERT_EQ(r.retained.size(), 2u);
  EXPECT_EQ(r.retained[0].payload, "99");
  EXPECT_EQ(r.retained[1].payload, "99");
}

TEST(RocksStore, DeleteSessionRemovesItsQueueAndInboundIdsOnly) {
  TempDir dir;
  auto store = open_ok(dir.db());
  WriteBatch b;
  b.put_message(message(1, "t", "p"));
  // "a" is a byte prefix of "ab": the length prefix keeps their keys apart.
  for (const char* c : {"a", "ab"}) {
    b.put_session(session(c));
    b.put_queue_entry(entry(c, 1, 1));
    b.put_queue_entry(entry(c, 2, 1));
    b.put_inbound_qos2(c, 5);
  }
  ASSERT_TRUE(commit(*store, std::move(b)).ok);
  WriteBatch del;
  del.delete_session("a");
  ASSERT_TRUE(commit(*store, std::move(del)).ok);
  Stats st = store->stats();
  EXPECT_EQ(st.sessions, 1u);
  EXPECT_EQ(st.queue_entries, 2u);
  EXPECT_EQ(st.inbound_qos2, 1u);

  // Deleted and recreated in one batch: the new entries survive the range deletion before them.
  WriteBatch again;
  again.delete_session("ab");
  again.put_session(session("ab"));
  again.put_queue_entry(entry("ab", 9, 1));
  ASSERT_TRUE(commit(*store, std::move(again)).ok);
  store->close();
  store = open_ok(dir.db());
  Recovered r = store->recover(kNow);
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(r.sessions[0].client_id, "ab");
  ASSERT_EQ(r.queue.size(), 1u);
  EXPECT_EQ(r.queue[0].seq, 9u);
  EXPECT_TRUE(r.inbound_qos2.empty());
}

// State with something to purge for every rule; `now` = kNow.
void write_purgeable(Store& store) {
  WriteBatch b;
  b.put_retained(message(0, "old", "x", kNow - 1));
  b.put_retained(message(0, "fresh", "x", kNow + 1000));
  b.put_retained(message(0, "forever", "x"));
  SessionRecord gone = session("gone", kNow - 1);
  gone.will = mqtt::Will{"status/gone", "bye", 1, false, {}};
  b.put_session(gone);
  b.put_session(session("alive", kNow + 60'000));
  b.put_session(session("online"));
  b.put_message(message(1, "t", "for gone"));
  b.put_message(message(2, "t", "for alive"));
  b.put_message(message(3, "t", "expired, queued", kNow - 5));
  b.put_message(message(4, "t", "expired, in flight", kNow - 5));
  b.put_message(message(5, "t", "named by nobody"));
  b.put_queue_entry(entry("gone", 1, 1));
  b.put_inbound_qos2("gone", 7);
  b.put_queue_entry(entry("alive", 1, 2));
  b.put_queue_entry(entry("alive", 2, 3));
  b.put_queue_entry(entry("alive", 3, 4, QueueState::AwaitingPuback, 17));
  b.put_inbound_qos2("alive", 8);
  b.put_queue_entry(entry("nobody", 1, 2));  // no session
  ASSERT_TRUE(commit(store, std::move(b)).ok);
}

void expect_purged_state(const Recovered& r) {
  ASSERT_EQ(r.retained.size(), 2u);
  EXPECT_EQ(r.retained[0].topic, "forever");
  EXPECT_EQ(r.retained[1].topic, "fresh");
  ASSERT_EQ(r.sessions.size(), 2u);
  EXPECT_EQ(r.sessions[0].client_id, "alive");
  EXPECT_EQ(r.sessions[1].client_id, "online");
  ASSERT_EQ(r.queue.size(), 2u);
  EXPECT_EQ(r.queue[0].message_id, 2u);
  EXPECT_EQ(r.queue[1].message_id, 4u);  // in flight: completes although expired
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[0].id, 2u);
  EXPECT_EQ(r.messages[1].id, 4u);
  ASSERT_EQ(r.inbound_qos2.size(), 1u);
  EXPECT_EQ(r.inbound_qos2[0].first, "alive");
}

TEST(RocksStore, RecoverPurgesExpiredAndUnreferencedNeverResurrects) {
  TempDir dir;
  {
    auto store = open_ok(dir.db());
    write_purgeable(*store);
    store->close();
  }
  auto store = open_ok(dir.db());
  Recovered r = store->recover(kNow);
  ASSERT_TRUE(r.status.ok) << r.status.message;
  expect_purged_state(r);
  // old retained, gone session, queued expired entry, orphan entry, bodies 1, 3 and 5.
  EXPECT_EQ(r.purged_expired, 7u);
  ASSERT_EQ(r.expired_wills.size(), 1u);
  EXPECT_EQ(r.expired_wills[0].topic, "status/gone");
  EXPECT_EQ(r.next_message_id, 6u);
  Stats st = store->stats();
  EXPECT_EQ(st.retained, 2u);
  EXPECT_EQ(st.sessions, 2u);
  EXPECT_EQ(st.queue_entries, 2u);
  EXPECT_EQ(st.messages, 2u);
  EXPECT_EQ(st.inbound_qos2, 1u);
  store->close();

  // Purged for good, even when the clock goes back.
  store = open_ok(dir.db());
  Recovered again = store->recover(kNow - 1'000'000);
  expect_purged_state(again);
  EXPECT_EQ(again.purged_expired, 0u);
  EXPECT_EQ(again.next_message_id, 6u);  // ids are never reused
}

TEST(RocksStore, PurgeExpiredWhileRunning) {
  TempDir dir;
  auto store = open_ok(dir.db());
  write_purgeable(*store);
  EXPECT_EQ(store->purge_expired(kNow), 7u);
  EXPECT_EQ(store->purge_expired(kNow), 0u);
  Stats st = store->stats();
  EXPECT_EQ(st.retained, 2u);
  EXPECT_EQ(st.sessions, 2u);
  EXPECT_EQ(st.queue_entries, 2u);
  EXPECT_EQ(st.messages, 2u);
  EXPECT_EQ(st.inbound_qos2, 1u);
  expect_purged_state(store->recover(kNow));
}

TEST(RocksStore, BodyNamedByALaterBatchSurvivesTheSweep) {
  TempDir dir;
  auto store = open_ok(dir.db());
  WriteBatch b;
  b.put_session(session("c"));
  b.put_message(message(1, "t", "p"));
  b.put_queue_entry(entry("c", 1, 1));
  ASSERT_TRUE(commit(*store, std::move(b)).ok);
  WriteBatch acked;
  acked.delete_queue_entry("c", 1);
  ASSERT_TRUE(commit(*store, std::move(acked)).ok);
  // Unreferenced now; a new entry naming it arrives before the sweep applies its plan.
  WriteBatch again;
  again.put_queue_entry(entry("c", 2, 1));
  ASSERT_TRUE(commit(*store, std::move(again)).ok);
  store->purge_expired(kNow);
  Recovered r = store->recover(kNow);
  ASSERT_EQ(r.messages.size(), 1u);
  ASSERT_EQ(r.queue.size(), 1u);
}

class Modes : public ::testing::TestWithParam<Durability> {};

TEST_P(Modes, PersistAcrossCloseAndReopen) {
  TempDir dir;
  {
    auto store = open_ok(dir.db(), GetParam());
    EXPECT_EQ(store->durability(), GetParam());
    for (int i = 0; i < 50; ++i) {
      WriteBatch b;
      b.put_retained(message(0, "t/" + std::to_string(i), "v"));
      ASSERT_TRUE(commit(*store, std::move(b)).ok);
    }
    store->close();
  }
  auto store = open_ok(dir.db(), GetParam());
  EXPECT_EQ(store->recover(kNow).retained.size(), 50u);
}

INSTANTIATE_TEST_SUITE_P(RocksStore, Modes, ::testing::Values(Durability::Sync, Durability::Async),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(RocksStore, GroupCommitCallsEveryDoneOnceInOrderWithFewerWrites) {
  TempDir dir;
  auto store = open_ok(dir.db(), Durability::Sync);
  constexpr int kThreads = 4, kPerThread = 300;
  std::vector<std::vector<int>> seen(kThreads);
  std::mutex mu;
  std::atomic<int> outstanding{kThreads * kPerThread};
  std::promise<void> all;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        WriteBatch b;
        const std::string client = "c" + std::to_string(t);
        b.put_queue_entry(entry(client, static_cast<std::uint64_t>(i), 1));
        store->submit(std::move(b), [&, t, i](const Status& s) {
          EXPECT_TRUE(s.ok) << s.message;
          {
            std::lock_guard lk(mu);
            seen[static_cast<std::size_t>(t)].push_back(i);
          }
          if (--outstanding == 0) all.set_value();
        });
      }
    });
  }
  for (auto& th : threads) th.join();
  all.get_future().wait();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(seen[static_cast<std::size_t>(t)].size(), static_cast<std::size_t>(kPerThread));
    for (int i = 0; i < kPerThread; ++i)
      EXPECT_EQ(seen[static_cast<std::size_t>(t)][static_cast<std::size_t>(i)], i);
  }
  Stats st = store->stats();
  EXPECT_EQ(st.batches, static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_LT(st.writes, st.batches);
  EXPECT_EQ(st.queue_entries, static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(st.failed_writes, 0u);
}

TEST(RocksStore, SubmitAfterCloseFailsInsteadOfAcknowledging) {
  TempDir dir;
  auto store = open_ok(dir.db());
  store->close();
  WriteBatch b;
  b.put_retained(message(0, "t", "v"));
  Status s = commit(*store, std::move(b));
  EXPECT_FALSE(s.ok);
  EXPECT_NE(s.message.find(dir.db()), std::string::npos);
}

TEST(RocksStore, CheckpointOpensWithTheSameState) {
  TempDir dir;
  auto store = open_ok(dir.db());
  write_purgeable(*store);
  Recovered before = store->recover(kNow);
  ASSERT_TRUE(store->checkpoint(dir.sub("copy")).ok);
  Status again = store->checkpoint(dir.sub("copy"));
  EXPECT_FALSE(again.ok);  // must not exist
  EXPECT_NE(again.message.find(dir.sub("copy")), std::string::npos) << again.message;
  // The copy is independent of the running store.
  WriteBatch later;
  later.put_retained(message(0, "later", "x"));
  ASSERT_TRUE(commit(*store, std::move(later)).ok);
  auto copy = open_ok(dir.sub("copy"));
  Recovered r = copy->recover(kNow);
  expect_purged_state(r);
  EXPECT_EQ(r.retained, before.retained);
  EXPECT_EQ(r.queue, before.queue);
  EXPECT_EQ(r.next_message_id, before.next_message_id);
}

TEST(RocksStore, StatsCountRecordsAndBytes) {
  TempDir dir;
  auto store = open_ok(dir.db());
  WriteBatch b;
  for (int i = 0; i < 10; ++i)
    b.put_retained(message(0, "r/" + std::to_string(i), std::string(1000, 'x')));
  for (int i = 0; i < 3; ++i) b.put_session(session("s" + std::to_string(i)));
  b.put_message(message(1, "t", "p"));
  b.put_message(message(2, "t", "p"));
  b.put_queue_entry(entry("s0", 1, 1));
  b.put_inbound_qos2("s0", 1);
  ASSERT_TRUE(commit(*store, std::move(b)).ok);
  Stats st = store->stats();
  EXPECT_EQ(st.retained, 10u);
  EXPECT_EQ(st.sessions, 3u);
  EXPECT_EQ(st.messages, 2u);
  EXPECT_EQ(st.queue_entries, 1u);
  EXPECT_EQ(st.inbound_qos2, 1u);
  EXPECT_GT(st.bytes_on_disk, 10'000u);  // at least the WAL holding the payloads
  EXPECT_EQ(st.batches, 1u);
  EXPECT_EQ(st.writes, 1u);
}

TEST(MemoryStore, AcknowledgesAtOnceAndRecoversNothing) {
  StoreOptions o;
  o.durability = Durability::Memory;
  auto r = open_store(o);
  ASSERT_TRUE(r.status.ok);
  bool called = false;
  WriteBatch b;
  b.put_retained(message(0, "t", "v"));
  r.store->submit(std::move(b), [&](const Status& s) { called = s.ok; });
  EXPECT_TRUE(called);
  Recovered rec = r.store->recover(kNow);
  EXPECT_TRUE(rec.retained.empty());
  EXPECT_EQ(r.store->durability(), Durability::Memory);
  EXPECT_FALSE(r.store->checkpoint("/tmp/x").ok);
}

TEST(Durability, ParsesAndPrints) {
  for (auto d : {Durability::Memory, Durability::Async, Durability::Sync})
    EXPECT_EQ(parse_durability(to_string(d)), d);
  EXPECT_EQ(parse_durability("fsync"), std::nullopt);
}

TEST(WriteBatch, AppendKeepsOrder) {
  WriteBatch a, b;
  a.put_retained(message(0, "1", ""));
  b.delete_retained("2");
  b.put_session(session("3"));
  a.append(std::move(b));
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a.ops()[0].key, "1");
  EXPECT_EQ(a.ops()[1].key, "2");
  EXPECT_EQ(a.ops()[2].key, "3");
  EXPECT_TRUE(b.empty());
}

}  // namespace
}  // namespace accord::store::test
