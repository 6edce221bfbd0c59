#include "broker/protocol/keep_alive.hpp"

#include <gtest/gtest.h>

namespace accord::protocol {
namespace {

using std::chrono::milliseconds;

TEST(KeepAlive, DeadlineIsOneAndAHalfTimes) {
  EXPECT_EQ(keep_alive_deadline(0), milliseconds(0));  // none
  EXPECT_EQ(keep_alive_deadline(1), milliseconds(1500));
  EXPECT_EQ(keep_alive_deadline(60), milliseconds(90000));
  EXPECT_EQ(keep_alive_deadline(65535), milliseconds(65535LL * 1500));
  static_assert(keep_alive_deadline(10) == milliseconds(15000));
}

TEST(KeepAlive, ServerKeepAliveLowersLargeRequests) {
  EXPECT_EQ(choose_server_keep_alive(30, 60), std::nullopt);
  EXPECT_EQ(choose_server_keep_alive(60, 60), std::nullopt);
  EXPECT_EQ(choose_server_keep_alive(61, 60), std::optional<std::uint16_t>(60));
  EXPECT_EQ(choose_server_keep_alive(65535, 60), std::optional<std::uint16_t>(60));
}

TEST(KeepAlive, ZeroRequestGetsTheMaximum) {
  EXPECT_EQ(choose_server_keep_alive(0, 60), std::optional<std::uint16_t>(60));
  EXPECT_EQ(choose_server_keep_alive(0, 65535), std::optional<std::uint16_t>(65535));
}

TEST(KeepAlive, NoMaximumMeansNoOverride) {
  EXPECT_EQ(choose_server_keep_alive(0, 0), std::nullopt);
  EXPECT_EQ(choose_server_keep_alive(65535, 0), std::nullopt);
}

}  // namespace
}  // namespace accord::protocol
