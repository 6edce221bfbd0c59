#include "broker/protocol/inbound_flow.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace accord::protocol {
namespace {

using Outcome = InboundFlow::PublishOutcome;

TEST(InboundFlow, Qos0NeverUsesQuota) {
  InboundFlow f(1);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(f.on_publish(0, 0), Outcome::Forward);
  EXPECT_EQ(f.unacknowledged(), 0u);
}

TEST(InboundFlow, Qos1QuotaExceededAndFreedByAck) {
  InboundFlow f(2);
  EXPECT_EQ(f.on_publish(1, 1), Outcome::Forward);
  EXPECT_EQ(f.on_publish(2, 1), Outcome::Forward);
  EXPECT_EQ(f.unacknowledged(), 2u);
  EXPECT_EQ(f.on_publish(3, 1), Outcome::QuotaExceeded);
  EXPECT_EQ(f.unacknowledged(), 2u);  // a refused message takes no quota
  f.ack_qos1();
  EXPECT_EQ(f.unacknowledged(), 1u);
  EXPECT_EQ(f.on_publish(3, 1), Outcome::Forward);
}

TEST(InboundFlow, Qos2HoldsQuotaUntilPubrel) {
  InboundFlow f(2);
  EXPECT_EQ(f.on_publish(10, 2), Outcome::Forward);
  EXPECT_EQ(f.on_publish(11, 1), Outcome::Forward);
  EXPECT_EQ(f.on_publish(12, 2), Outcome::QuotaExceeded);
  EXPECT_EQ(f.on_publish(13, 1), Outcome::QuotaExceeded);
  EXPECT_TRUE(f.on_pubrel(10));
  EXPECT_EQ(f.unacknowledged(), 1u);
  EXPECT_EQ(f.on_publish(12, 2), Outcome::Forward);
  EXPECT_EQ(f.pending_qos2(), std::vector<std::uint16_t>{12});
}

TEST(InboundFlow, Qos2DuplicateIsNotForwardedAgain) {
  InboundFlow f(5);
  EXPECT_EQ(f.on_publish(7, 2), Outcome::Forward);
  EXPECT_EQ(f.on_publish(7, 2), Outcome::DuplicateQos2);
  EXPECT_EQ(f.on_publish(7, 2), Outcome::DuplicateQos2);
  EXPECT_EQ(f.unacknowledged(), 1u);  // the duplicate takes no extra quota
  EXPECT_TRUE(f.on_pubrel(7));
  // After PUBREL the id is free: a new message with it is forwarded.
  EXPECT_EQ(f.on_publish(7, 2), Outcome::Forward);
}

TEST(InboundFlow, Qos2DuplicateIsRecognisedEvenWhenQuotaIsFull) {
  InboundFlow f(1);
  EXPECT_EQ(f.on_publish(7, 2), Outcome::Forward);
  EXPECT_EQ(f.on_publish(7, 2), Outcome::DuplicateQos2);
  EXPECT_EQ(f.on_publish(8, 2), Outcome::QuotaExceeded);
}

TEST(InboundFlow, PubrelUnknownId) {
  InboundFlow f;
  EXPECT_FALSE(f.on_pubrel(1));
  EXPECT_EQ(f.on_publish(1, 2), Outcome::Forward);
  EXPECT_FALSE(f.on_pubrel(2));
  EXPECT_TRUE(f.on_pubrel(1));
  EXPECT_FALSE(f.on_pubrel(1));  // second PUBREL: already released
  EXPECT_TRUE(f.pending_qos2().empty());
}

TEST(InboundFlow, AbandonQos2ReleasesQuotaAndId) {
  InboundFlow f(1);
  EXPECT_EQ(f.on_publish(3, 2), Outcome::Forward);
  f.abandon_qos2(3);
  EXPECT_EQ(f.unacknowledged(), 0u);
  EXPECT_FALSE(f.on_pubrel(3));
  EXPECT_EQ(f.on_publish(3, 2), Outcome::Forward);
}

TEST(InboundFlow, ResetConnectionKeepsQos2Ids) {
  InboundFlow f(3);
  EXPECT_EQ(f.on_publish(1, 1), Outcome::Forward);
  EXPECT_EQ(f.on_publish(2, 1), Outcome::Forward);
  EXPECT_EQ(f.on_publish(3, 2), Outcome::Forward);
  EXPECT_EQ(f.on_publish(4, 1), Outcome::QuotaExceeded);
  f.reset_connection();
  EXPECT_EQ(f.unacknowledged(), 1u);
  EXPECT_EQ(f.pending_qos2(), std::vector<std::uint16_t>{3});
  // The resent QoS 2 message after reconnect is still a duplicate.
  EXPECT_EQ(f.on_publish(3, 2), Outcome::DuplicateQos2);
  f.ack_qos1();  // stray ack after reset does not underflow
  EXPECT_EQ(f.unacknowledged(), 1u);
}

TEST(InboundFlow, ManyPendingIds) {
  InboundFlow f(100);
  for (std::uint16_t id = 1; id <= 100; ++id) ASSERT_EQ(f.on_publish(id, 2), Outcome::Forward);
  EXPECT_EQ(f.on_publish(101, 2), Outcome::QuotaExceeded);
  for (std::uint16_t id = 1; id <= 100; id += 2) ASSERT_TRUE(f.on_pubrel(id));
  auto pending = f.pending_qos2();
  std::sort(pending.begin(), pending.end());
  ASSERT_EQ(pending.size(), 50u);
  for (std::size_t i = 0; i < pending.size(); ++i) EXPECT_EQ(pending[i], 2 * (i + 1));
}

}  // namespace
}  // namespace accord::protocol
