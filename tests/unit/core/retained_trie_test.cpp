#include "broker/core/retained_trie.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace accord::core {
namespace {

using Trie = RetainedTrie<std::string>;
using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs match(const Trie& t, std::string_view filter) {
  Pairs out;
  t.match(filter, [&](std::string_view topic, const std::string& v) {
    out.emplace_back(std::string(topic), v);
  });
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> topics(const Trie& t, std::string_view filter) {
  std::vector<std::string> out;
  for (auto& [topic, v] : match(t, filter)) out.push_back(topic);
  return out;
}

using S = std::vector<std::string>;

TEST(RetainedTrie, SetReplaceFindErase) {
  Trie t;
  EXPECT_EQ(t.find("a/b"), nullptr);
  t.set("a/b", "one");
  ASSERT_NE(t.find("a/b"), nullptr);
  EXPECT_EQ(*t.find("a/b"), "one");
  EXPECT_EQ(t.find("a"), nullptr);  // intermediate node holds nothing
  EXPECT_EQ(t.size(), 1u);

  t.set("a/b", "two");
  EXPECT_EQ(*t.find("a/b"), "two");
  EXPECT_EQ(t.size(), 1u);

  t.set("a", "parent");
  EXPECT_EQ(t.size(), 2u);
  EXPECT_FALSE(t.erase("a/b/c"));
  EXPECT_FALSE(t.erase("x"));
  EXPECT_TRUE(t.erase("a/b"));
  EXPECT_FALSE(t.erase("a/b"));
  EXPECT_EQ(t.find("a/b"), nullptr);
  EXPECT_EQ(*t.find("a"), "parent");
  EXPECT_EQ(t.size(), 1u);
}

TEST(RetainedTrie, ErasePrunesEmptyNodes) {
  Trie t;
  t.set("a/b/c/d", "v");
  t.set("a/x", "w");
  EXPECT_EQ(t.node_count(), 5u);  // a, b, c, d, x
  EXPECT_TRUE(t.erase("a/b/c/d"));
  EXPECT_EQ(t.node_count(), 2u);  // a, x
  EXPECT_TRUE(t.erase("a/x"));
  EXPECT_EQ(t.node_count(), 0u);
  EXPECT_EQ(t.size(), 0u);
}

TEST(RetainedTrie, EraseKeepsNodesWithChildren) {
  Trie t;
  t.set("a", "1");
  t.set("a/b", "2");
  EXPECT_TRUE(t.erase("a"));
  EXPECT_EQ(t.node_count(), 2u);
  EXPECT_EQ(*t.find("a/b"), "2");
}

TEST(RetainedTrie, ExactFilter) {
  Trie t;
  t.set("a/b", "1");
  t.set("a/c", "2");
  EXPECT_EQ(match(t, "a/b"), (Pairs{{"a/b", "1"}}));
  EXPECT_TRUE(match(t, "a").empty());
  EXPECT_TRUE(match(t, "a/b/c").empty());
}

TEST(RetainedTrie, WildcardFilters) {
  Trie t;
  for (const char* topic : {"a", "a/b", "a/c", "a/b/c", "b/b", "a//c", "/x"}) t.set(topic, topic);
  EXPECT_EQ(topics(t, "a/+"), (S{"a/b", "a/c"}));
  EXPECT_EQ(topics(t, "+/b"), (S{"a/b", "b/b"}));
  EXPECT_EQ(topics(t, "a/+/c"), (S{"a//c", "a/b/c"}));
  EXPECT_EQ(topics(t, "a/#"), (S{"a", "a//c", "a/b", "a/b/c", "a/c"}));  // parent "a" too
  EXPECT_EQ(topics(t, "a/b/#"), (S{"a/b", "a/b/c"}));
  EXPECT_EQ(topics(t, "#"), (S{"/x", "a", "a//c", "a/b", "a/b/c", "a/c", "b/b"}));
  EXPECT_EQ(topics(t, "+"), (S{"a"}));
  EXPECT_EQ(topics(t, "+/+"), (S{"/x", "a/b", "a/c", "b/b"}));
  EXPECT_EQ(topics(t, "+/x"), (S{"/x"}));
  EXPECT_EQ(topics(t, "+/+/#"), (S{"/x", "a//c", "a/b", "a/b/c", "a/c", "b/b"}));
  // The visitor sees the value too.
  EXPECT_EQ(match(t, "b/+"), (Pairs{{"b/b", "b/b"}}));
}

TEST(RetainedTrie, DollarTopics) {
  Trie t;
  t.set("$SYS/broker/uptime", "1");
  t.set("$SYS", "0");
  t.set("normal", "2");
  t.set("a/$b", "3");
  EXPECT_EQ(topics(t, "#"), (S{"a/$b", "normal"}));
  EXPECT_EQ(topics(t, "+/broker/uptime"), S{});
  EXPECT_EQ(topics(t, "+"), S{"normal"});
  EXPECT_EQ(topics(t, "$SYS/#"), (S{"$SYS", "$SYS/broker/uptime"}));
  EXPECT_EQ(topics(t, "$SYS/+/uptime"), S{"$SYS/broker/uptime"});
  EXPECT_EQ(topics(t, "a/+"), S{"a/$b"});  // only the first level is special
  // for_each is not a filter: it sees everything.
  std::vector<std::string> all;
  t.for_each([&](std::string_view topic, const std::string&) { all.emplace_back(topic); });
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (S{"$SYS", "$SYS/broker/uptime", "a/$b", "normal"}));
}

TEST(RetainedTrie, ForEachBuildsFullTopics) {
  Trie t;
  t.set("/lead", "1");
  t.set("a//b", "2");
  t.set("a/", "3");
  std::map<std::string, std::string> all;
  t.for_each([&](std::string_view topic, const std::string& v) { all[std::string(topic)] = v; });
  EXPECT_EQ(all, (std::map<std::string, std::string>{{"/lead", "1"}, {"a//b", "2"}, {"a/", "3"}}));
  EXPECT_EQ(topics(t, "+/+"), (S{"/lead", "a/"}));
}

TEST(RetainedTrie, MoveOnlyValues) {
  RetainedTrie<std::unique_ptr<int>> t;
  t.set("a", std::make_unique<int>(1));
  t.set("a", std::make_unique<int>(2));
  ASSERT_NE(t.find("a"), nullptr);
  EXPECT_EQ(**t.find("a"), 2);
  int sum = 0;
  t.match("#", [&](std::string_view, const std::unique_ptr<int>& v) { sum += *v; });
  EXPECT_EQ(sum, 2);
}

bool brute_matches(std::string_view filter, std::string_view topic) {
  auto split = [](std::string_view s) {
    std::vector<std::string_view> out;
    for (;;) {
      auto p = s.find('/');
      out.push_back(s.substr(0, p));
      if (p == std::string_view::npos) return out;
      s.remove_prefix(p + 1);
    }
  };
  auto f = split(filter);
  auto t = split(topic);
  if (topic.front() == '$' && (f[0] == "+" || f[0] == "#")) return false;
  std::size_t i = 0;
  for (; i < f.size(); ++i) {
    if (f[i] == "#") return true;
    if (i >= t.size()) return false;
    if (f[i] != "+" && f[i] != t[i]) return false;
  }
  return i == t.size();
}

TEST(RetainedTrie, RandomizedAgainstBruteForce) {
  std::mt19937 rng(777);
  const char* const kLevels[] = {"a", "b", "", "$x", "dev"};
  const char* const kFilterLevels[] = {"a", "b", "", "$x", "+", "+"};
  std::uniform_int_distribution<int> len(1, 4), pick(0, 4), fpick(0, 5);
  std::bernoulli_distribution hash(0.3), erase(0.3);
  auto make = [&](bool filter) {
    std::string s;
    const int n = len(rng);
    for (int i = 0; i < n; ++i) {
      if (i) s += '/';
      if (filter && i == n - 1 && hash(rng)) {
        s += '#';
        break;
      }
      s += filter ? kFilterLevels[fpick(rng)] : kLevels[pick(rng)];
    }
    return s;
  };
  Trie t;
  std::map<std::string, std::string> model;
  for (int i = 0; i < 2000; ++i) {
    const std::string topic = make(false);
    if (erase(rng)) {
      EXPECT_EQ(t.erase(topic), model.erase(topic) == 1);
    } else {
      t.set(topic, std::to_string(i));
      model[topic] = std::to_string(i);
    }
  }
  ASSERT_EQ(t.size(), model.size());
  for (int i = 0; i < 2000; ++i) {
    const std::string filter = make(true);
    Pairs want;
    for (const auto& [topic, v] : model) {
      if (brute_matches(filter, topic)) want.emplace_back(topic, v);
    }
    ASSERT_EQ(match(t, filter), want) << "filter " << filter;
  }
  for (const auto& [topic, v] : model) ASSERT_TRUE(t.erase(topic));
  EXPECT_EQ(t.node_count(), 0u);
  EXPECT_EQ(t.size(), 0u);
}

}  // namespace
}  // namespace accord::core
