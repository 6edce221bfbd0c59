// UTF-8 rules, topic names, topic filters, shared subscriptions and matching.
#include <gtest/gtest.h>

#include <string>

#include "broker/codec/topic.hpp"

namespace accord::mqtt {
namespace {

using namespace std::string_literals;

TEST(Utf8, Table) {
  struct Case {
    const char* name;
    std::string s;
    bool valid;
  };
  const std::vector<Case> cases = {
      {"empty", "", true},
      {"ascii", "hello/world", true},
      {"long ascii (word path)", std::string(100, 'a'), true},
      {"2-byte e-acute", "\xC3\xA9", true},
      {"3-byte euro", "\xE2\x82\xAC", true},
      {"4-byte emoji", "\xF0\x9F\x98\x80", true},
      {"U+10FFFF", "\xF4\x8F\xBF\xBF", true},
      {"U+FFFF noncharacter is allowed", "\xEF\xBF\xBF", true},
      {"U+0001 control is allowed", "\x01", true},
      {"last before surrogates U+D7FF", "\xED\x9F\xBF", true},
      {"first after surrogates U+E000", "\xEE\x80\x80", true},
      {"mixed in long string", std::string(20, 'a') + "\xE2\x82\xAC" + std::string(20, 'b'), true},
      {"U+0000", "a\0b"s, false},
      {"U+0000 inside a word", "abcdefg\0hijklmn"s, false},
      {"U+0000 at end of word", "abcdefgh\0"s, false},
      {"surrogate ED A0 80", "\xED\xA0\x80", false},
      {"surrogate ED BF BF", "\xED\xBF\xBF", false},
      {"overlong C0 80", "\xC0\x80", false},
      {"overlong C1 BF", "\xC1\xBF", false},
      {"overlong E0 80 80", "\xE0\x80\x80", false},
      {"overlong E0 9F BF", "\xE0\x9F\xBF", false},
      {"overlong F0 8F BF BF", "\xF0\x8F\xBF\xBF", false},
      {"above U+10FFFF F4 90 80 80", "\xF4\x90\x80\x80", false},
      {"F5 lead byte", "\xF5\x80\x80\x80", false},
      {"FF byte", "\xFF", false},
      {"stray continuation", "\x80", false},
      {"truncated 2-byte", "\xC3", false},
      {"truncated 3-byte", "\xE2\x82", false},
      {"truncated 4-byte", "\xF0\x9F\x98", false},
      {"bad continuation", "\xC3\x28", false},
      {"bad third byte", "\xE2\x82\x28", false},
      {"bad fourth byte", "\xF0\x9F\x98\x28", false},
      {"invalid after ascii word", std::string(8, 'a') + "\xC0\x80", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(is_valid_mqtt_utf8(c.s), c.valid) << c.name;
  }
}

TEST(TopicName, Table) {
  EXPECT_TRUE(is_valid_topic_name("a"));
  EXPECT_TRUE(is_valid_topic_name("a/b/c"));
  EXPECT_TRUE(is_valid_topic_name("/"));
  EXPECT_TRUE(is_valid_topic_name("a//b"));
  EXPECT_TRUE(is_valid_topic_name("$SYS/broker"));
  EXPECT_TRUE(is_valid_topic_name("$share/g/t"));  // a name, not a filter
  EXPECT_TRUE(is_valid_topic_name(" "));
  EXPECT_TRUE(is_valid_topic_name("t\xC3\xA9l\xC3\xA9metrie"));
  EXPECT_TRUE(is_valid_topic_name(std::string(65535, 'a')));
  EXPECT_FALSE(is_valid_topic_name(std::string(65536, 'a')));
  EXPECT_FALSE(is_valid_topic_name(""));
  EXPECT_FALSE(is_valid_topic_name("a/+"));
  EXPECT_FALSE(is_valid_topic_name("a/#"));
  EXPECT_FALSE(is_valid_topic_name("a+b"));
  EXPECT_FALSE(is_valid_topic_name("#"));
  EXPECT_FALSE(is_valid_topic_name("a\0b"s));
  EXPECT_FALSE(is_valid_topic_name("\xED\xA0\x80"));
}

TEST(TopicFilter, Table) {
  struct Case {
    std::string f;
    bool valid;
  };
  const std::vector<Case> cases = {
      {"a", true},
      {"a/b", true},
      {"#", true},
      {"+", true},
      {"/", true},
      {"+/+", true},
      {"a/+/c", true},
      {"a/#", true},
      {"+/#", true},
      {"/#", true},
      {"a//+", true},
      {"$SYS/#", true},
      {"$share", true},       // no slash: an ordinary filter
      {"$sharex/g/a", true},  // not the shared prefix
      {"$share/g/a", true},
      {"$share/g/+/b/#", true},
      {"$share/g//", true},
      {"$share/g/#", true},
      {"", false},
      {"a/#/b", false},
      {"a#", false},
      {"#/", false},
      {"##", false},
      {"a+", false},
      {"+a", false},
      {"a/+b/c", false},
      {"++", false},
      {"$share/", false},      // no group
      {"$share//a", false},    // empty group
      {"$share/g", false},     // no filter
      {"$share/g/", false},    // empty filter
      {"$share/g+/a", false},  // wildcard in group
      {"$share/#/a", false},
      {"$share/g/a#", false},  // invalid filter after group
      {"a\0b"s, false},
      {"a/\xC0\x80", false},
      {std::string(65535, 'a'), true},
      {std::string(65536, 'a'), false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(is_valid_topic_filter(c.f), c.valid) << "'" << c.f << "'";
  }
}

TEST(SharedFilter, Parse) {
  auto s = parse_shared_filter("$share/group1/a/+/c");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->group, "group1");
  EXPECT_EQ(s->filter, "a/+/c");
  auto h = parse_shared_filter("$share/g/#");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->group, "g");
  EXPECT_EQ(h->filter, "#");
  EXPECT_FALSE(parse_shared_filter("a/b"));
  EXPECT_FALSE(parse_shared_filter("$share"));
  EXPECT_FALSE(parse_shared_filter("$share/"));
  EXPECT_FALSE(parse_shared_filter("$share/g"));
  EXPECT_FALSE(parse_shared_filter("$share//a"));
  EXPECT_FALSE(parse_shared_filter("$share/g+/a"));
  EXPECT_FALSE(parse_shared_filter("$share/g/a/#/b"));
  EXPECT_FALSE(parse_shared_filter("$SHARE/g/a"));
}

TEST(TopicMatch, Table) {
  struct Case {
    const char* topic;
    const char* filter;
    bool match;
  };
  const std::vector<Case> cases = {
      {"a", "a", true},
      {"a", "b", false},
      {"a/b", "a/b", true},
      {"a/b", "a", false},
      {"a", "a/b", false},
      {"a/b/c", "a/+/c", true},
      {"a/b/c", "a/+", false},
      {"a/b", "a/+", true},
      {"a", "a/+", false},
      {"a/", "a/+", true},  // '+' matches an empty level
      {"/", "+/+", true},
      {"/a", "+/a", true},
      {"/a", "/+", true},
      {"a//b", "a/+/b", true},
      {"a/b/c/d", "a/#", true},
      {"a/b", "a/#", true},
      {"a", "a/#", true},  // '#' includes the parent level
      {"a/", "a/#", true},
      {"ab", "a/#", false},
      {"b", "a/#", false},
      {"a", "a/+/#", false},
      {"a/b", "a/+/#", true},
      {"a/b/c", "+/#", true},
      {"a", "+/#", true},
      {"a", "#", true},
      {"/", "#", true},
      {"a/b", "+", false},
      {"a", "+", true},
      {"sport/tennis/player1", "sport/tennis/+", true},
      {"sport/tennis/player1/ranking", "sport/tennis/+", false},
      {"sport", "sport/#", true},
      {"$SYS/x", "#", false},  // '$' topics not matched by leading wildcards
      {"$SYS/x", "+/x", false},
      {"$SYS", "+", false},
      {"$SYS/x", "$SYS/#", true},
      {"$SYS/x", "$SYS/+", true},
      {"$SYS", "$SYS/#", true},
      {"$SYS/x", "$SYS/x", true},
      {"a/$SYS", "a/+", true},  // only the first character counts
      {"a/b", "a/b/#", true},
      {"a/b", "a/b/c/#", false},
      {"a/bc", "a/b", false},
      {"a/b", "a/bc", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(topic_matches_filter(c.topic, c.filter), c.match)
        << "topic '" << c.topic << "' filter '" << c.filter << "'";
  }
}

}  // namespace
}  // namespace accord::mqtt
