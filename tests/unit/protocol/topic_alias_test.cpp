#include "broker/protocol/topic_alias.hpp"

#include <gtest/gtest.h>

namespace accord::protocol {
namespace {

using mqtt::ReasonCode;

TEST(InboundTopicAliases, NoAliasPassesTopicThrough) {
  InboundTopicAliases a(10);
  auto r = a.resolve("a/b", std::nullopt);
  EXPECT_FALSE(r.error);
  EXPECT_EQ(r.topic, "a/b");
  // No topic and no alias is a protocol error.
  EXPECT_EQ(a.resolve("", std::nullopt).error, ReasonCode::ProtocolError);
}

TEST(InboundTopicAliases, ZeroAndAboveMaximumAreInvalid) {
  InboundTopicAliases a(10);
  EXPECT_EQ(a.resolve("t", 0).error, ReasonCode::TopicAliasInvalid);
  EXPECT_EQ(a.resolve("t", 11).error, ReasonCode::TopicAliasInvalid);
  EXPECT_EQ(a.resolve("", 11).error, ReasonCode::TopicAliasInvalid);
  EXPECT_FALSE(a.resolve("t", 10).error);

  InboundTopicAliases none(0);
  EXPECT_EQ(none.resolve("t", 1).error, ReasonCode::TopicAliasInvalid);
}

TEST(InboundTopicAliases, BindThenUse) {
  InboundTopicAliases a(10);
  auto bind = a.resolve("sensors/1", 3);
  EXPECT_FALSE(bind.error);
  EXPECT_EQ(bind.topic, "sensors/1");
  auto use = a.resolve("", 3);
  EXPECT_FALSE(use.error);
  EXPECT_EQ(use.topic, "sensors/1");
}

TEST(InboundTopicAliases, UnknownAliasWithEmptyTopic) {
  InboundTopicAliases a(10);
  EXPECT_EQ(a.resolve("", 1).error, ReasonCode::ProtocolError);
  EXPECT_FALSE(a.resolve("x", 5).error);
  // Aliases below a bound one are still unbound.
  EXPECT_EQ(a.resolve("", 2).error, ReasonCode::ProtocolError);
}

TEST(InboundTopicAliases, Rebinding) {
  InboundTopicAliases a(2);
  EXPECT_FALSE(a.resolve("first", 1).error);
  EXPECT_FALSE(a.resolve("other", 2).error);
  EXPECT_EQ(a.resolve("second", 1).topic, "second");
  EXPECT_EQ(a.resolve("", 1).topic, "second");
  EXPECT_EQ(a.resolve("", 2).topic, "other");
}

TEST(OutboundTopicAliases, DisabledWhenClientAcceptsNone) {
  OutboundTopicAliases a(0);
  EXPECT_FALSE(a.choose("t"));
  EXPECT_EQ(a.bound(), 0u);
  OutboundTopicAliases def;
  EXPECT_FALSE(def.choose("t"));
}

TEST(OutboundTopicAliases, FirstUseSendsTopicThenNot) {
  OutboundTopicAliases a(5);
  auto c1 = a.choose("a");
  ASSERT_TRUE(c1);
  EXPECT_EQ(c1->alias, 1);
  EXPECT_TRUE(c1->send_topic);
  auto c2 = a.choose("a");
  ASSERT_TRUE(c2);
  EXPECT_EQ(c2->alias, 1);
  EXPECT_FALSE(c2->send_topic);
  auto c3 = a.choose("b");
  EXPECT_EQ(c3->alias, 2);
  EXPECT_TRUE(c3->send_topic);
  EXPECT_EQ(a.bound(), 2u);
}

TEST(OutboundTopicAliases, LeastRecentlyUsedIsRebound) {
  OutboundTopicAliases a(3);
  EXPECT_EQ(a.choose("a")->alias, 1);
  EXPECT_EQ(a.choose("b")->alias, 2);
  EXPECT_EQ(a.choose("c")->alias, 3);
  EXPECT_FALSE(a.choose("a")->send_topic);  // a is now the most recent; b the least

  auto d = a.choose("d");
  EXPECT_EQ(d->alias, 2);  // b's alias
  EXPECT_TRUE(d->send_topic);
  EXPECT_EQ(a.bound(), 3u);

  // b lost its alias: choosing it again rebinds the now least recent one (c, alias 3).
  auto b = a.choose("b");
  EXPECT_EQ(b->alias, 3);
  EXPECT_TRUE(b->send_topic);

  // a and d kept theirs.
  EXPECT_EQ(a.choose("a")->alias, 1);
  EXPECT_FALSE(a.choose("a")->send_topic);
  EXPECT_EQ(a.choose("d")->alias, 2);
  EXPECT_FALSE(a.choose("d")->send_topic);
}

TEST(OutboundTopicAliases, SingleAliasAlternatingTopics) {
  OutboundTopicAliases a(1);
  EXPECT_TRUE(a.choose("x")->send_topic);
  EXPECT_FALSE(a.choose("x")->send_topic);
  auto y = a.choose("y");
  EXPECT_EQ(y->alias, 1);
  EXPECT_TRUE(y->send_topic);
  EXPECT_TRUE(a.choose("x")->send_topic);
}

TEST(OutboundTopicAliases, CopyAndMoveKeepBindings) {
  OutboundTopicAliases a(2);
  a.choose("a");
  OutboundTopicAliases copy = a;
  EXPECT_FALSE(copy.choose("a")->send_topic);
  OutboundTopicAliases moved = std::move(copy);
  EXPECT_FALSE(moved.choose("a")->send_topic);
  EXPECT_EQ(moved.maximum(), 2);
  // Reassigning (a new connection) starts fresh.
  moved = OutboundTopicAliases(2);
  EXPECT_TRUE(moved.choose("a")->send_topic);
}

TEST(OutboundTopicAliases, IdleCostIsSmall) {
  EXPECT_LE(sizeof(OutboundTopicAliases), 16u);
}

}  // namespace
}  // namespace accord::protocol
