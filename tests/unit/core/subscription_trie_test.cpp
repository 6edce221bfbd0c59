#include "broker/core/subscription_trie.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace accord::core {
namespace {

using Trie = SubscriptionTrie<int>;

mqtt::SubscriptionOptions qos(std::uint8_t q) {
  mqtt::SubscriptionOptions o;
  o.max_qos = q;
  return o;
}

// What one match() reports: sorted subscribers of plain entries (with repeats) and the
// (group name, member count) of every shared group.
struct Result {
  std::vector<int> subscribers;
  std::vector<std::string> groups;
};

Result match(const Trie& t, std::string_view topic) {
  Result r;
  t.match(
      topic, [&](const Trie::Entry& e) { r.subscribers.push_back(e.subscriber); },
      [&](const Trie::SharedGroup& g) { r.groups.push_back(g.name()); });
  std::sort(r.subscribers.begin(), r.subscribers.end());
  std::sort(r.groups.begin(), r.groups.end());
  return r;
}

std::vector<int> subs(const Trie& t, std::string_view topic) {
  return match(t, topic).subscribers;
}

using V = std::vector<int>;

TEST(SubscriptionTrie, ExactMatch) {
  Trie t;
  EXPECT_TRUE(t.subscribe("a/b/c", 1, qos(1)));
  EXPECT_EQ(subs(t, "a/b/c"), V{1});
  EXPECT_EQ(subs(t, "a/b"), V{});
  EXPECT_EQ(subs(t, "a/b/c/d"), V{});
  EXPECT_EQ(subs(t, "a/b/C"), V{});
  EXPECT_EQ(subs(t, "a/b/c/"), V{});
  EXPECT_EQ(t.size(), 1u);
}

TEST(SubscriptionTrie, EmptyLevelsAreLevels) {
  Trie t;
  t.subscribe("a//b", 1, qos(0));
  t.subscribe("/a", 2, qos(0));
  t.subscribe("a/", 3, qos(0));
  t.subscribe("a/+", 4, qos(0));
  t.subscribe("+/+", 5, qos(0));
  EXPECT_EQ(subs(t, "a//b"), V{1});
  EXPECT_EQ(subs(t, "a/b"), (V{4, 5}));
  EXPECT_EQ(subs(t, "/a"), (V{2, 5}));
  EXPECT_EQ(subs(t, "a/"), (V{3, 4, 5}));
}

TEST(SubscriptionTrie, PlusMatchesExactlyOneLevel) {
  Trie t;
  t.subscribe("a/+/c", 1, qos(0));
  t.subscribe("+", 2, qos(0));
  t.subscribe("+/+", 3, qos(0));
  EXPECT_EQ(subs(t, "a/b/c"), V{1});
  EXPECT_EQ(subs(t, "a/x/c"), V{1});
  EXPECT_EQ(subs(t, "a/c"), V{3});
  EXPECT_EQ(subs(t, "a/b/c/d"), V{});
  EXPECT_EQ(subs(t, "a"), V{2});
  EXPECT_EQ(subs(t, "a/b"), V{3});
}

TEST(SubscriptionTrie, HashMatchesRestAndParent) {
  Trie t;
  t.subscribe("a/#", 1, qos(0));
  t.subscribe("#", 2, qos(0));
  t.subscribe("a/+/#", 3, qos(0));
  EXPECT_EQ(subs(t, "a"), (V{1, 2}));       // "a/#" matches its parent "a"
  EXPECT_EQ(subs(t, "a/b"), (V{1, 2, 3}));  // "a/+/#" matches "a/b" too
  EXPECT_EQ(subs(t, "a/b/c/d"), (V{1, 2, 3}));
  EXPECT_EQ(subs(t, "b"), V{2});
  EXPECT_EQ(subs(t, "b/a"), V{2});
  EXPECT_EQ(subs(t, "/"), V{2});
}

TEST(SubscriptionTrie, DollarTopicsAndWildcards) {
  Trie t;
  t.subscribe("#", 1, qos(0));
  t.subscribe("+/monitor/Clients", 2, qos(0));
  t.subscribe("$SYS/#", 3, qos(0));
  t.subscribe("$SYS/monitor/+", 4, qos(0));
  t.subscribe("+", 5, qos(0));
  t.subscribe("$share/g/#", 6, qos(0));
  EXPECT_EQ(subs(t, "$SYS/monitor/Clients"), (V{3, 4}));
  EXPECT_EQ(match(t, "$SYS/monitor/Clients").groups, std::vector<std::string>{});
  EXPECT_EQ(subs(t, "$SYS"), V{3});
  EXPECT_EQ(subs(t, "$x"), V{});
  EXPECT_EQ(subs(t, "x/monitor/Clients"), (V{1, 2}));
  EXPECT_EQ(match(t, "x/monitor/Clients").groups, std::vector<std::string>{"g"});
  // '$' only matters in the first level.
  EXPECT_EQ(subs(t, "a/$b"), V{1});
  EXPECT_EQ(subs(t, "x"), (V{1, 5}));
}

TEST(SubscriptionTrie, OverlappingFiltersReportedOncePerFilter) {
  Trie t;
  t.subscribe("a/b", 1, qos(0));
  t.subscribe("a/+", 1, qos(1));
  t.subscribe("a/#", 1, qos(2));
  t.subscribe("#", 2, qos(0));
  std::vector<std::uint8_t> qoses;
  t.match(
      "a/b",
      [&](const Trie::Entry& e) {
        if (e.subscriber == 1) qoses.push_back(e.options.max_qos);
      },
      [](const Trie::SharedGroup&) { FAIL(); });
  std::sort(qoses.begin(), qoses.end());
  EXPECT_EQ(qoses, (std::vector<std::uint8_t>{0, 1, 2}));
  EXPECT_EQ(subs(t, "a/b"), (V{1, 1, 1, 2}));
  EXPECT_EQ(t.size(), 4u);
}

TEST(SubscriptionTrie, ResubscribeReplacesOptions) {
  Trie t;
  EXPECT_TRUE(t.subscribe("a/b", 1, qos(0), 5));
  EXPECT_FALSE(t.subscribe("a/b", 1, qos(2), 9));
  EXPECT_EQ(t.size(), 1u);
  int calls = 0;
  t.match(
      "a/b",
      [&](const Trie::Entry& e) {
        ++calls;
        EXPECT_EQ(e.options.max_qos, 2);
        EXPECT_EQ(e.subscription_id, 9u);
      },
      [](const Trie::SharedGroup&) {});
  EXPECT_EQ(calls, 1);
}

TEST(SubscriptionTrie, UnsubscribeAndPrune) {
  Trie t;
  t.subscribe("a/b/c", 1, qos(0));
  t.subscribe("a/b/c", 2, qos(0));
  t.subscribe("a/+/#", 1, qos(0));
  t.subscribe("x", 3, qos(0));
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(t.node_count(), 6u);  // a, a/b, a/b/c, a/+, a/+/#, x

  EXPECT_FALSE(t.unsubscribe("a/b", 1));             // no such filter
  EXPECT_FALSE(t.unsubscribe("a/b/c", 3));           // not subscribed to it
  EXPECT_FALSE(t.unsubscribe("a/b/c/d", 1));         // beyond the trie
  EXPECT_FALSE(t.unsubscribe("$share/g/a/b/c", 1));  // shared is a different subscription
  EXPECT_EQ(t.size(), 4u);

  EXPECT_TRUE(t.unsubscribe("a/b/c", 1));
  EXPECT_FALSE(t.unsubscribe("a/b/c", 1));
  EXPECT_EQ(subs(t, "a/b/c"), (V{1, 2}));  // 1 still via a/+/#
  EXPECT_EQ(t.node_count(), 6u);           // nothing to prune yet

  EXPECT_TRUE(t.unsubscribe("a/+/#", 1));
  EXPECT_EQ(subs(t, "a/b/c"), V{2});
  EXPECT_EQ(t.node_count(), 4u);  // '+' and '#' pruned

  EXPECT_TRUE(t.unsubscribe("a/b/c", 2));
  EXPECT_EQ(t.node_count(), 1u);  // only x
  EXPECT_TRUE(t.unsubscribe("x", 3));
  EXPECT_EQ(t.node_count(), 0u);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(subs(t, "x"), V{});
}

TEST(SubscriptionTrie, PruningKeepsNodesStillInUseAsPrefix) {
  Trie t;
  t.subscribe("a", 1, qos(0));
  t.subscribe("a/b", 2, qos(0));
  EXPECT_TRUE(t.unsubscribe("a", 1));
  EXPECT_EQ(t.node_count(), 2u);
  EXPECT_EQ(subs(t, "a/b"), V{2});
  EXPECT_EQ(subs(t, "a"), V{});
}

TEST(SubscriptionTrie, ManySubscribersOnOneFilter) {
  // Crosses the threshold where a node indexes its subscribers, and back.
  Trie t;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(t.subscribe("hot/topic", i, qos(0), i + 1));
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(t.subscribe("hot/topic", i, qos(1), i + 1000));
  EXPECT_EQ(t.size(), 100u);
  std::map<int, std::uint32_t> seen;
  t.match(
      "hot/topic",
      [&](const Trie::Entry& e) {
        EXPECT_EQ(e.options.max_qos, 1);
        seen[e.subscriber] = e.subscription_id;
      },
      [](const Trie::SharedGroup&) {});
  ASSERT_EQ(seen.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(seen[i], static_cast<std::uint32_t>(i + 1000));

  for (int i = 0; i < 100; i += 2) EXPECT_TRUE(t.unsubscribe("hot/topic", i));
  for (int i = 0; i < 100; i += 2) EXPECT_FALSE(t.unsubscribe("hot/topic", i));
  V expected;
  for (int i = 1; i < 100; i += 2) expected.push_back(i);
  EXPECT_EQ(subs(t, "hot/topic"), expected);
  for (int i = 1; i < 95; i += 2) EXPECT_TRUE(t.unsubscribe("hot/topic", i));
  EXPECT_EQ(subs(t, "hot/topic"), (V{95, 97, 99}));
  EXPECT_FALSE(t.subscribe("hot/topic", 97, qos(2)));
  EXPECT_TRUE(t.subscribe("hot/topic", 4, qos(2)));
  EXPECT_EQ(subs(t, "hot/topic"), (V{4, 95, 97, 99}));
  EXPECT_EQ(t.size(), 4u);
}

TEST(SubscriptionTrie, SharedGroupRoundRobin) {
  Trie t;
  EXPECT_TRUE(t.subscribe("$share/workers/jobs/+", 1, qos(1)));
  EXPECT_TRUE(t.subscribe("$share/workers/jobs/+", 2, qos(1)));
  EXPECT_TRUE(t.subscribe("$share/workers/jobs/+", 3, qos(1)));
  EXPECT_FALSE(t.subscribe("$share/workers/jobs/+", 3, qos(2)));  // replace
  EXPECT_EQ(t.size(), 3u);

  std::map<int, int> deliveries;
  for (int i = 0; i < 30; ++i) {
    int groups = 0;
    t.match(
        "jobs/build", [](const Trie::Entry&) { FAIL() << "no plain subscription"; },
        [&](const Trie::SharedGroup& g) {
          ++groups;
          EXPECT_EQ(g.name(), "workers");
          ASSERT_EQ(g.members().size(), 3u);
          const auto& m = g.members()[g.next_index()];
          ++deliveries[m.subscriber];
          if (m.subscriber == 3) {
            EXPECT_EQ(m.options.max_qos, 2);
          }
        });
    EXPECT_EQ(groups, 1);
  }
  EXPECT_EQ(deliveries, (std::map<int, int>{{1, 10}, {2, 10}, {3, 10}}));

  EXPECT_EQ(match(t, "jobs").groups, std::vector<std::string>{});
  EXPECT_EQ(match(t, "jobs/a/b").groups, std::vector<std::string>{});
}

TEST(SharedGroup, NextIndexAlwaysInRangeAfterMembersLeave) {
  Trie t;
  for (int i = 0; i < 5; ++i) t.subscribe("$share/g/t", i, qos(0));
  auto pick = [&] {
    int chosen = -1;
    t.match(
        "t", [](const Trie::Entry&) {},
        [&](const Trie::SharedGroup& g) {
          const std::size_t i = g.next_index();
          ASSERT_LT(i, g.members().size());
          chosen = g.members()[i].subscriber;
        });
    return chosen;
  };
  for (int i = 0; i < 3; ++i) pick();
  t.unsubscribe("$share/g/t", 0);
  t.unsubscribe("$share/g/t", 4);
  std::set<int> chosen;
  for (int i = 0; i < 6; ++i) chosen.insert(pick());
  EXPECT_EQ(chosen, (std::set<int>{1, 2, 3}));
}

TEST(SubscriptionTrie, SeveralGroupsOnOneFilterAndSameGroupOnSeveralFilters) {
  Trie t;
  t.subscribe("$share/a/s/+", 1, qos(0));
  t.subscribe("$share/a/s/+", 2, qos(0));
  t.subscribe("$share/b/s/+", 3, qos(0));
  t.subscribe("$share/a/s/#", 4, qos(0));  // same group name, other filter: separate
  t.subscribe("$share/a/s/x", 5, qos(0));
  EXPECT_EQ(t.size(), 5u);

  std::vector<std::pair<std::string, std::vector<int>>> seen;
  t.match(
      "s/x", [](const Trie::Entry&) { FAIL(); },
      [&](const Trie::SharedGroup& g) {
        std::vector<int> members;
        for (const auto& m : g.members()) members.push_back(m.subscriber);
        seen.emplace_back(g.name(), members);
      });
  std::sort(seen.begin(), seen.end());
  const std::vector<std::pair<std::string, std::vector<int>>> expected{
      {"a", {1, 2}}, {"a", {4}}, {"a", {5}}, {"b", {3}}};
  EXPECT_EQ(seen, expected);

  EXPECT_EQ(match(t, "s/y").groups, (std::vector<std::string>{"a", "a", "b"}));
  EXPECT_EQ(match(t, "s").groups, (std::vector<std::string>{"a"}));  // s/# parent match
}

TEST(SubscriptionTrie, SharedAndPlainTogether) {
  Trie t;
  t.subscribe("$share/g/news/#", 1, qos(1));
  t.subscribe("news/#", 1, qos(0));
  t.subscribe("news/today", 2, qos(0));
  EXPECT_EQ(t.size(), 3u);
  auto r = match(t, "news/today");
  EXPECT_EQ(r.subscribers, (V{1, 2}));
  EXPECT_EQ(r.groups, std::vector<std::string>{"g"});

  EXPECT_TRUE(t.unsubscribe("$share/g/news/#", 1));
  r = match(t, "news/today");
  EXPECT_EQ(r.subscribers, (V{1, 2}));
  EXPECT_TRUE(r.groups.empty());
  EXPECT_TRUE(t.unsubscribe("news/#", 1));
  EXPECT_EQ(subs(t, "news/today"), V{2});
  EXPECT_TRUE(t.unsubscribe("news/today", 2));
  EXPECT_EQ(t.node_count(), 0u);
}

TEST(SubscriptionTrie, SharedUnsubscribePrunesEmptyGroup) {
  Trie t;
  t.subscribe("$share/g/a/b", 1, qos(0));
  t.subscribe("$share/g/a/b", 2, qos(0));
  EXPECT_FALSE(t.unsubscribe("$share/h/a/b", 1));  // other group
  EXPECT_FALSE(t.unsubscribe("a/b", 1));           // plain subscription
  EXPECT_TRUE(t.unsubscribe("$share/g/a/b", 1));
  EXPECT_EQ(match(t, "a/b").groups, std::vector<std::string>{"g"});
  EXPECT_TRUE(t.unsubscribe("$share/g/a/b", 2));
  EXPECT_TRUE(match(t, "a/b").groups.empty());
  EXPECT_EQ(t.node_count(), 0u);
  EXPECT_EQ(t.size(), 0u);
}

TEST(SubscriptionTrie, ConcurrentMatchesRotateSharedGroupFairly) {
  Trie t;
  for (int i = 0; i < 4; ++i) t.subscribe("$share/g/load", i, qos(0));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 1000;
  std::vector<std::vector<int>> counts(kThreads, std::vector<int>(4, 0));
  std::vector<std::thread> threads;
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      for (int i = 0; i < kPerThread; ++i) {
        t.match(
            "load", [](const Trie::Entry&) {},
            [&](const Trie::SharedGroup& g) {
              ++counts[th][g.members()[g.next_index()].subscriber];
            });
      }
    });
  }
  for (auto& th : threads) th.join();
  // The atomic cursor hands out every ticket exactly once: the totals are exact.
  for (int m = 0; m < 4; ++m) {
    int total = 0;
    for (int th = 0; th < kThreads; ++th) total += counts[th][m];
    EXPECT_EQ(total, kThreads * kPerThread / 4);
  }
}

// ---- randomized comparison against a brute-force matcher ----

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  for (;;) {
    auto p = s.find('/');
    out.push_back(s.substr(0, p));
    if (p == std::string_view::npos) return out;
    s.remove_prefix(p + 1);
  }
}

// Spec 4.7, written as directly as possible.
bool brute_matches(std::string_view filter, std::string_view topic) {
  auto f = split(filter);
  auto t = split(topic);
  if (!topic.empty() && topic.front() == '$' && (f[0] == "+" || f[0] == "#")) return false;
  std::size_t i = 0;
  for (; i < f.size(); ++i) {
    if (f[i] == "#") return true;  // matches the rest, including nothing (parent)
    if (i >= t.size()) return false;
    if (f[i] != "+" && f[i] != t[i]) return false;
  }
  return i == t.size();
}

std::string random_topic(std::mt19937& rng, bool allow_dollar) {
  static const char* const kLevels[] = {"a", "b", "c", "", "dev", "$SYS", "x"};
  std::uniform_int_distribution<int> len(1, 5);
  std::uniform_int_distribution<int> pick(0, 6);
  std::string s;
  const int n = len(rng);
  for (int i = 0; i < n; ++i) {
    if (i) s += '/';
    std::string level = kLevels[pick(rng)];
    if (level == "$SYS" && (!allow_dollar || i != 0)) level = "a";
    s += level;
  }
  return s;
}

std::string random_filter(std::mt19937& rng) {
  static const char* const kLevels[] = {"a", "b", "c", "", "dev", "+", "+", "$SYS"};
  std::uniform_int_distribution<int> len(1, 5);
  std::uniform_int_distribution<int> pick(0, 7);
  std::bernoulli_distribution hash(0.3);
  std::string s;
  const int n = len(rng);
  for (int i = 0; i < n; ++i) {
    if (i) s += '/';
    if (i == n - 1 && hash(rng)) {
      s += '#';
      break;
    }
    std::string level = kLevels[pick(rng)];
    if (level == "$SYS" && i != 0) level = "c";
    s += level;
  }
  return s;
}

TEST(SubscriptionTrie, RandomizedAgainstBruteForce) {
  std::mt19937 rng(12345);
  Trie t;
  // (filter, subscriber) -> still subscribed; some filters are shared.
  std::map<std::pair<std::string, int>, bool> model;
  std::uniform_int_distribution<int> who(0, 20);
  std::bernoulli_distribution shared(0.15);
  std::bernoulli_distribution drop(0.25);

  for (int i = 0; i < 1500; ++i) {
    std::string f = random_filter(rng);
    if (shared(rng)) f = "$share/g" + std::to_string(who(rng) % 3) + "/" + f;
    const int s = who(rng);
    const bool is_new = model.emplace(std::make_pair(f, s), true).second;
    EXPECT_EQ(t.subscribe(f, s, qos(0)), is_new) << f;
  }
  // Remove a quarter at random.
  for (auto it = model.begin(); it != model.end();) {
    if (drop(rng)) {
      EXPECT_TRUE(t.unsubscribe(it->first.first, it->first.second));
      it = model.erase(it);
    } else {
      ++it;
    }
  }
  ASSERT_EQ(t.size(), model.size());

  for (int i = 0; i < 3000; ++i) {
    const std::string topic = random_topic(rng, true);
    std::multiset<int> expected_plain;
    std::map<std::pair<std::string, std::string>, std::set<int>> expected_groups;
    for (const auto& [key, _] : model) {
      std::string_view filter = key.first;
      std::string group;
      if (filter.starts_with("$share/")) {
        filter.remove_prefix(7);
        group = std::string(filter.substr(0, filter.find('/')));
        filter.remove_prefix(group.size() + 1);
      }
      if (!brute_matches(filter, topic)) continue;
      if (group.empty()) {
        expected_plain.insert(key.second);
      } else {
        expected_groups[{group, std::string(filter)}].insert(key.second);
      }
    }

    std::multiset<int> got_plain;
    std::multiset<std::pair<std::string, std::set<int>>> got_groups;
    t.match(
        topic, [&](const Trie::Entry& e) { got_plain.insert(e.subscriber); },
        [&](const Trie::SharedGroup& g) {
          std::set<int> members;
          for (const auto& m : g.members()) members.insert(m.subscriber);
          got_groups.emplace(g.name(), members);
        });
    std::multiset<std::pair<std::string, std::set<int>>> want_groups;
    for (const auto& [k, members] : expected_groups) want_groups.emplace(k.first, members);

    ASSERT_EQ(got_plain, expected_plain) << "topic " << topic;
    ASSERT_EQ(got_groups, want_groups) << "topic " << topic;
  }

  // Unsubscribing everything prunes the whole trie.
  for (const auto& [key, _] : model) ASSERT_TRUE(t.unsubscribe(key.first, key.second));
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.node_count(), 0u);
}

}  // namespace
}  // namespace accord::core
