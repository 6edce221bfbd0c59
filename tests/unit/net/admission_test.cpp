// Per-address admission: the connection cap, the token bucket, and that the table forgets
// addresses (bounded memory under churn).
#include "broker/net/admission.hpp"

#include <gtest/gtest.h>

namespace accord::net {
namespace {

using namespace std::chrono_literals;
using V = Admission::Verdict;
const auto kA = boost::asio::ip::make_address("192.0.2.1");
const auto kB = boost::asio::ip::make_address("2001:db8::1");

TEST(Admission, CapsConnectionsPerAddressAndFreesSlotsOnRelease) {
  Admission a(3, 0);
  const auto t = Admission::Clock::now();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(a.admit(kA, t), V::Admit);
  EXPECT_EQ(a.admit(kA, t), V::PerAddressLimit);
  EXPECT_EQ(a.admit(kB, t), V::Admit);  // other addresses are not affected
  a.release(kA);
  EXPECT_EQ(a.admit(kA, t), V::Admit);
  EXPECT_EQ(a.admit(kA, t), V::PerAddressLimit);
}

TEST(Admission, RateAllowsABurstThenRefillsOverTime) {
  Admission a(0, 4);
  const auto t = Admission::Clock::now();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(a.admit(kA, t), V::Admit) << i;
  EXPECT_EQ(a.admit(kA, t), V::RateLimit);
  EXPECT_EQ(a.admit(kA, t + 100ms), V::RateLimit);  // 0.4 tokens back
  EXPECT_EQ(a.admit(kA, t + 300ms), V::Admit);      // 1.2 tokens back
  EXPECT_EQ(a.admit(kA, t + 300ms), V::RateLimit);
  EXPECT_EQ(a.admit(kB, t), V::Admit);
}

TEST(Admission, RefusalsHoldNoSlot) {
  Admission a(1, 1);
  const auto t = Admission::Clock::now();
  EXPECT_EQ(a.admit(kA, t), V::Admit);
  EXPECT_EQ(a.admit(kA, t), V::PerAddressLimit);
  a.release(kA);  // one release for the one admitted
  EXPECT_EQ(a.admit(kA, t), V::RateLimit);  // bucket empty
  EXPECT_EQ(a.admit(kA, t + 1s), V::Admit);
}

TEST(Admission, ForgetsAddressesWithoutConnections) {
  Admission a(10, 5);
  const auto t = Admission::Clock::now();
  for (std::uint32_t i = 0; i < 10'000; ++i) {
    const auto addr = boost::asio::ip::address_v4(0x0A000000u + i);
    ASSERT_EQ(a.admit(addr, t), V::Admit);
    a.release(addr);
  }
  EXPECT_EQ(a.tracked_addresses(), 10'000u);  // buckets still refilling
  a.prune(t + 1s);
  EXPECT_EQ(a.tracked_addresses(), 0u);
  // An address with an open connection is kept.
  EXPECT_EQ(a.admit(kA, t + 2s), V::Admit);
  a.prune(t + 10s);
  EXPECT_EQ(a.tracked_addresses(), 1u);
  a.release(kA);
  EXPECT_EQ(a.tracked_addresses(), 0u);  // bucket full again: gone at once
}

TEST(Admission, UnlimitedTracksNothing) {
  Admission a(0, 0);
  const auto t = Admission::Clock::now();
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.admit(kA, t), V::Admit);
  EXPECT_EQ(a.tracked_addresses(), 0u);
}

}  // namespace
}  // namespace accord::net
