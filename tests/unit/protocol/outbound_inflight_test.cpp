#include "broker/protocol/outbound_inflight.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

namespace accord::protocol {
namespace {

using Inflight = OutboundInflight<std::string>;

TEST(OutboundInflight, StartsEmptyAndSmall) {
  Inflight f;
  EXPECT_TRUE(f.empty());
  EXPECT_EQ(f.size(), 0u);
  EXPECT_TRUE(f.can_send());
  EXPECT_EQ(f.receive_maximum(), 65535);
  EXPECT_EQ(f.entries().capacity(), 0u);  // an idle session allocates nothing
  EXPECT_LE(sizeof(OutboundInflight<std::shared_ptr<int>>), 32u);
}

TEST(OutboundInflight, Qos1Handshake) {
  Inflight f;
  auto id = f.start("m1", 1);
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, 1);
  ASSERT_NE(f.find(*id), nullptr);
  EXPECT_EQ(f.find(*id)->state, OutboundState::AwaitingPuback);
  EXPECT_EQ(f.find(*id)->item, "m1");

  std::string out;
  EXPECT_EQ(f.on_puback(*id, &out), AckOutcome::Completed);
  EXPECT_EQ(out, "m1");
  EXPECT_TRUE(f.empty());
  EXPECT_EQ(f.find(*id), nullptr);
  // A second PUBACK for the same id is now unknown.
  EXPECT_EQ(f.on_puback(*id), AckOutcome::UnknownId);
}

TEST(OutboundInflight, Qos2Handshake) {
  Inflight f;
  auto id = f.start("m2", 2);
  ASSERT_TRUE(id);
  EXPECT_EQ(f.find(*id)->state, OutboundState::AwaitingPubrec);

  EXPECT_EQ(f.on_pubrec(*id), AckOutcome::SendPubrel);
  ASSERT_NE(f.find(*id), nullptr);
  EXPECT_EQ(f.find(*id)->state, OutboundState::AwaitingPubcomp);
  // The payload is released once the PUBLISH can no longer be resent.
  EXPECT_EQ(f.find(*id)->item, "");
  EXPECT_EQ(f.size(), 1u);  // still occupies the window until PUBCOMP

  EXPECT_EQ(f.on_pubcomp(*id), AckOutcome::Completed);
  EXPECT_TRUE(f.empty());
  EXPECT_EQ(f.on_pubcomp(*id), AckOutcome::UnknownId);
}

TEST(OutboundInflight, Qos2PubrecMovesItemOutWhenAsked) {
  Inflight f;
  auto id = *f.start("payload", 2);
  std::string out;
  EXPECT_EQ(f.on_pubrec(id, 0, &out), AckOutcome::SendPubrel);
  EXPECT_EQ(out, "payload");
}

TEST(OutboundInflight, RepeatedPubrecAnswersPubrelAgain) {
  Inflight f;
  auto id = *f.start("m", 2);
  EXPECT_EQ(f.on_pubrec(id), AckOutcome::SendPubrel);
  EXPECT_EQ(f.on_pubrec(id), AckOutcome::SendPubrel);
  EXPECT_EQ(f.on_pubrec(id, 0x80), AckOutcome::UnexpectedAck);
  EXPECT_EQ(f.find(id)->state, OutboundState::AwaitingPubcomp);
}

TEST(OutboundInflight, PubrecWithErrorReasonEndsTheFlow) {
  Inflight f;
  auto id = *f.start("m", 2);
  std::string out;
  EXPECT_EQ(f.on_pubrec(id, 0x87, &out), AckOutcome::Completed);
  EXPECT_EQ(out, "m");
  EXPECT_TRUE(f.empty());
  EXPECT_EQ(f.on_pubcomp(id), AckOutcome::UnknownId);  // no PUBREL was sent
}

TEST(OutboundInflight, PubrecWithSuccessLikeCodesContinues) {
  Inflight f;
  auto id = *f.start("m", 2);
  // 0x10 No matching subscribers is a success code (< 0x80).
  EXPECT_EQ(f.on_pubrec(id, 0x10), AckOutcome::SendPubrel);
}

TEST(OutboundInflight, WrongAcks) {
  Inflight f;
  auto q1 = *f.start("q1", 1);
  auto q2 = *f.start("q2", 2);

  // Unknown ids.
  EXPECT_EQ(f.on_puback(999), AckOutcome::UnknownId);
  EXPECT_EQ(f.on_pubrec(999), AckOutcome::UnknownId);
  EXPECT_EQ(f.on_pubcomp(999), AckOutcome::UnknownId);

  // PUBACK for a QoS 2 message, PUBCOMP before PUBREC.
  std::string out = "untouched";
  EXPECT_EQ(f.on_puback(q2, &out), AckOutcome::UnexpectedAck);
  EXPECT_EQ(out, "untouched");
  EXPECT_EQ(f.on_pubcomp(q2), AckOutcome::UnexpectedAck);
  EXPECT_EQ(f.find(q2)->state, OutboundState::AwaitingPubrec);

  // PUBREC / PUBCOMP for a QoS 1 message.
  EXPECT_EQ(f.on_pubrec(q1), AckOutcome::UnexpectedAck);
  EXPECT_EQ(f.on_pubrec(q1, 0x80), AckOutcome::UnexpectedAck);
  EXPECT_EQ(f.on_pubcomp(q1), AckOutcome::UnexpectedAck);
  EXPECT_EQ(f.find(q1)->state, OutboundState::AwaitingPuback);

  // After PUBREC, a PUBACK is still wrong.
  EXPECT_EQ(f.on_pubrec(q2), AckOutcome::SendPubrel);
  EXPECT_EQ(f.on_puback(q2), AckOutcome::UnexpectedAck);
  EXPECT_EQ(f.size(), 2u);
  EXPECT_EQ(f.entries()[1].state, OutboundState::AwaitingPubcomp);
}

TEST(OutboundInflight, ReceiveMaximumWindow) {
  Inflight f(2);
  auto a = f.start("a", 1);
  auto b = f.start("b", 2);
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(f.can_send());
  EXPECT_FALSE(f.start("c", 1));
  EXPECT_EQ(f.size(), 2u);

  // A failed ack does not free the window.
  EXPECT_EQ(f.on_puback(*b), AckOutcome::UnexpectedAck);
  EXPECT_FALSE(f.can_send());

  EXPECT_EQ(f.on_puback(*a), AckOutcome::Completed);
  EXPECT_TRUE(f.can_send());
  auto c = f.start("c", 1);
  ASSERT_TRUE(c);
  EXPECT_FALSE(f.can_send());

  // QoS 2 frees its slot only at PUBCOMP.
  EXPECT_EQ(f.on_pubrec(*b), AckOutcome::SendPubrel);
  EXPECT_FALSE(f.can_send());
  EXPECT_EQ(f.on_pubcomp(*b), AckOutcome::Completed);
  EXPECT_TRUE(f.can_send());
}

TEST(OutboundInflight, LoweringReceiveMaximumKeepsWhatIsInFlight) {
  Inflight f(10);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(f.start("x", 1));
  f.set_receive_maximum(3);
  EXPECT_EQ(f.receive_maximum(), 3);
  EXPECT_EQ(f.size(), 5u);
  EXPECT_FALSE(f.can_send());
  f.on_puback(1);
  f.on_puback(2);
  EXPECT_FALSE(f.can_send());  // 3 left, window 3
  f.on_puback(3);
  EXPECT_TRUE(f.can_send());
}

TEST(OutboundInflight, ZeroReceiveMaximumIsReadAsOne) {
  Inflight f(0);
  EXPECT_EQ(f.receive_maximum(), 1);
  EXPECT_TRUE(f.start("a", 1));
  EXPECT_FALSE(f.start("b", 1));
}

TEST(OutboundInflight, IdsAreRoundRobinNotReused) {
  Inflight f;
  auto a = *f.start("a", 1);
  EXPECT_EQ(f.on_puback(a), AckOutcome::Completed);
  // The freed id 1 is not handed out again straight away.
  EXPECT_EQ(*f.start("b", 1), 2);
  EXPECT_EQ(*f.start("c", 1), 3);
}

TEST(OutboundInflight, IdsWrapAroundAndSkipIdsInUse) {
  Inflight f;
  // Id 1 and 2 stay in flight the whole time.
  ASSERT_EQ(*f.start("one", 1), 1);
  ASSERT_EQ(*f.start("two", 2), 2);
  std::uint16_t last = 0;
  for (int i = 3; i <= 65535; ++i) {
    auto id = f.start("x", 1);
    ASSERT_TRUE(id);
    ASSERT_EQ(*id, i);
    ASSERT_EQ(f.on_puback(*id), AckOutcome::Completed);
    last = *id;
  }
  EXPECT_EQ(last, 65535);
  // Wraps to 1..: 1 and 2 are in use, so 3 is next; 0 is never used.
  EXPECT_EQ(*f.start("y", 1), 3);
  EXPECT_EQ(f.on_puback(1), AckOutcome::Completed);
  EXPECT_EQ(*f.start("z", 1), 4);
}

TEST(OutboundInflight, WrapSkipsScatteredIdsInUse) {
  Inflight f;
  std::set<std::uint16_t> kept{1, 2, 5, 65535};
  for (int i = 1000; i <= 65000; i += 1000) kept.insert(static_cast<std::uint16_t>(i));
  for (int i = 1; i <= 65535; ++i) {
    auto id = f.start("x", 1);
    ASSERT_TRUE(id);
    ASSERT_EQ(*id, i);
    if (!kept.count(*id)) {
      ASSERT_EQ(f.on_puback(*id), AckOutcome::Completed);
    }
  }
  ASSERT_EQ(f.size(), kept.size());
  // Second lap: every id not kept, in order, never a kept one, never 0.
  std::uint16_t expected = 1;
  for (int n = 0; n < 5000; ++n) {
    while (kept.count(expected)) ++expected;
    auto id = f.start("y", 2);
    ASSERT_TRUE(id);
    ASSERT_EQ(*id, expected);
    ASSERT_EQ(f.on_pubrec(*id), AckOutcome::SendPubrel);
    ASSERT_EQ(f.on_pubcomp(*id), AckOutcome::Completed);
    ++expected;
  }
  EXPECT_EQ(f.size(), kept.size());
}

TEST(OutboundInflight, OldMessageKeepsItsIdAcrossLaps) {
  // One message stays unacknowledged while the counter laps the whole id space.
  Inflight f;
  for (int i = 1; i <= 2000; ++i) ASSERT_TRUE(f.start("x", 1));
  for (int i = 1; i <= 2000; ++i) {
    if (i != 1500) {
      ASSERT_EQ(f.on_puback(static_cast<std::uint16_t>(i)), AckOutcome::Completed);
    }
  }
  // Cycle the counter round to just before the kept id.
  for (int i = 2001; i <= 65535 + 1499; ++i) {
    auto id = f.start("x", 1);
    ASSERT_TRUE(id);
    ASSERT_EQ(f.on_puback(*id), AckOutcome::Completed);
  }
  EXPECT_EQ(*f.start("next", 1), 1501);  // 1500 is skipped
}

TEST(OutboundInflight, EntriesKeepSendOrderForResend) {
  Inflight f;
  auto a = *f.start("a", 1);
  auto b = *f.start("b", 2);
  auto c = *f.start("c", 1);
  auto d = *f.start("d", 2);
  EXPECT_EQ(f.on_pubrec(d), AckOutcome::SendPubrel);
  EXPECT_EQ(f.on_puback(a), AckOutcome::Completed);  // removal from the front
  auto e = *f.start("e", 1);

  const auto& es = f.entries();
  ASSERT_EQ(es.size(), 4u);
  EXPECT_EQ(es[0].packet_id, b);
  EXPECT_EQ(es[0].item, "b");
  EXPECT_EQ(es[0].state, OutboundState::AwaitingPubrec);
  EXPECT_EQ(es[1].packet_id, c);
  EXPECT_EQ(es[1].state, OutboundState::AwaitingPuback);
  EXPECT_EQ(es[2].packet_id, d);
  EXPECT_EQ(es[2].state, OutboundState::AwaitingPubcomp);
  EXPECT_EQ(es[3].packet_id, e);
  EXPECT_EQ(es[3].item, "e");

  EXPECT_EQ(f.on_puback(c), AckOutcome::Completed);  // removal from the middle
  ASSERT_EQ(f.entries().size(), 3u);
  EXPECT_EQ(f.entries()[0].packet_id, b);
  EXPECT_EQ(f.entries()[1].packet_id, d);
  EXPECT_EQ(f.entries()[2].packet_id, e);
}

TEST(OutboundInflight, ClearForgetsEverythingAndReleasesMemory) {
  Inflight f(100);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(f.start("x", 1 + i % 2));
  f.clear();
  EXPECT_TRUE(f.empty());
  EXPECT_TRUE(f.can_send());
  EXPECT_EQ(f.entries().capacity(), 0u);
  EXPECT_EQ(f.on_puback(1), AckOutcome::UnknownId);
}

TEST(OutboundInflight, DrainingABurstReleasesTheBuffer) {
  Inflight f;
  for (int i = 1; i <= 100; ++i) ASSERT_TRUE(f.start("x", 1));
  for (int i = 1; i <= 100; ++i)
    ASSERT_EQ(f.on_puback(static_cast<std::uint16_t>(i)), AckOutcome::Completed);
  EXPECT_EQ(f.entries().capacity(), 0u);
}

TEST(OutboundInflight, MoveOnlyItems) {
  OutboundInflight<std::unique_ptr<int>> f;
  auto id = *f.start(std::make_unique<int>(7), 1);
  std::unique_ptr<int> out;
  EXPECT_EQ(f.on_puback(id, &out), AckOutcome::Completed);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, 7);
}

}  // namespace
}  // namespace accord::protocol
