#include "broker/auth/kdf.hpp"

#include <gtest/gtest.h>

namespace accord::auth {
namespace {

// The minimum keeps these tests quick; the format and the code path are the same.
TEST(Kdf, RoundTripVerifies) {
  const PasswordHash h = hash_password("s3cret", kMinIterations);
  EXPECT_TRUE(verify_password("s3cret", h));
  std::string error;
  auto parsed = parse_hash(format_hash(h), &error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(*parsed, h);
  EXPECT_TRUE(verify_password("s3cret", *parsed));
}

TEST(Kdf, WrongPasswordFails) {
  const PasswordHash h = hash_password("s3cret", kMinIterations);
  EXPECT_FALSE(verify_password("s3cret ", h));
  EXPECT_FALSE(verify_password("", h));
  EXPECT_FALSE(verify_password("S3cret", h));
}

TEST(Kdf, SaltsDiffer) {
  const PasswordHash a = hash_password("same", kMinIterations);
  const PasswordHash b = hash_password("same", kMinIterations);
  EXPECT_NE(a.salt, b.salt);
  EXPECT_NE(a.digest, b.digest);
}

TEST(Kdf, FormatIsPbkdf2WithIterations) {
  const std::string text = format_hash(hash_password("plain-password-marker", 123456));
  EXPECT_EQ(text.rfind("$pbkdf2-sha256$123456$", 0), 0u) << text;
  EXPECT_EQ(text.find("plain-password-marker"), std::string::npos);
}

TEST(Kdf, DefaultFollowsOwasp) { EXPECT_GE(kDefaultIterations, 600000u); }

TEST(Kdf, RefusesPlainAndFastHashes) {
  const std::string good = format_hash(hash_password("x", kMinIterations));
  const std::string body = good.substr(good.find('$', 1));  // "$ITER$SALT$HASH"
  std::string error;
  EXPECT_FALSE(parse_hash("hunter2", &error));
  EXPECT_NE(error.find("plain-text"), std::string::npos) << error;
  EXPECT_FALSE(parse_hash("$sha256$" + std::string(64, 'a'), &error));
  EXPECT_NE(error.find("'sha256' is not accepted"), std::string::npos) << error;
  EXPECT_FALSE(parse_hash("$6$salt$hash", &error));  // crypt SHA-512
  EXPECT_FALSE(parse_hash("$md5$abc", &error));
  EXPECT_FALSE(parse_hash("$pbkdf2-sha256$99999" + body.substr(body.find('$', 1)), &error));
  EXPECT_NE(error.find("too fast"), std::string::npos) << error;
  EXPECT_FALSE(parse_hash("$pbkdf2-sha256$abc$c2FsdHNhbHQ=$" + std::string(44, 'A'), &error));
  EXPECT_FALSE(parse_hash("$pbkdf2-sha256$100000$!!!!$" + std::string(44, 'A'), &error));
  EXPECT_FALSE(parse_hash("$pbkdf2-sha256$100000$c2FsdHNhbHQ=$AAAA", &error));
  EXPECT_NE(error.find("32 bytes"), std::string::npos) << error;
  EXPECT_TRUE(parse_hash(good, &error)) << error;
}

TEST(Kdf, ConstantTimeCompare) {
  EXPECT_TRUE(equal_constant_time("abc", "abc"));
  EXPECT_FALSE(equal_constant_time("abc", "abd"));
  EXPECT_FALSE(equal_constant_time("abc", "abcd"));
}

}  // namespace
}  // namespace accord::auth
