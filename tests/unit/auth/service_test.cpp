#include "broker/auth/service.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>

namespace accord::auth {
namespace {

namespace fs = std::filesystem;
using V = Outcome::Verdict;

class AuthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("accord-auth-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::trunc) << text;
    return p.string();
  }
  static std::string user(const std::string& name, const std::string& password) {
    return name + ":" + format_hash(hash_password(password, kMinIterations)) + "\n";
  }
  // verify_async() with a bounded wait.
  static Outcome verify(AuthService& s, Credentials c) {
    auto promise = std::make_shared<std::promise<Outcome>>();
    auto future = promise->get_future();
    EXPECT_TRUE(s.verify_async(std::move(c), [promise](Outcome o) { promise->set_value(std::move(o)); }));
    if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
      ADD_FAILURE() << "no answer";
      return Outcome{V::Busy, {}, "timeout"};
    }
    return future.get();
  }
  static Credentials creds(std::optional<std::string> u, std::optional<std::string> p, bool loopback = false) {
    return Credentials{std::move(u), std::move(p), loopback, std::nullopt, false};
  }
  fs::path dir_;
};

TEST_F(AuthServiceTest, AnonymousModes) {
  AuthService local(AuthOptions{Anonymous::Local, "", ""});
  EXPECT_EQ(local.check_fast(creds(std::nullopt, std::nullopt, true))->verdict, V::Allowed);
  EXPECT_EQ(local.check_fast(creds(std::nullopt, std::nullopt, false))->verdict, V::NotAuthorized);
  // Without a password file a user name proves nothing.
  EXPECT_EQ(local.check_fast(creds("alice", "x", false))->verdict, V::NotAuthorized);
  EXPECT_EQ(local.check_fast(creds("alice", "x", true))->user, std::nullopt);
  AuthService allow(AuthOptions{Anonymous::Allow, "", ""});
  EXPECT_EQ(allow.check_fast(creds(std::nullopt, std::nullopt, false))->verdict, V::Allowed);
  AuthService deny(AuthOptions{Anonymous::Deny, "", ""});
  EXPECT_EQ(deny.check_fast(creds(std::nullopt, std::nullopt, true))->verdict, V::NotAuthorized);
  Credentials cert = creds(std::nullopt, std::nullopt, false);
  cert.certified = true;
  EXPECT_EQ(deny.check_fast(cert)->verdict, V::Allowed);
  Credentials named = creds(std::nullopt, std::nullopt, false);
  named.certified_user = "device-1";
  EXPECT_EQ(deny.check_fast(named)->user, "device-1");
  EXPECT_EQ(parse_anonymous("local"), Anonymous::Local);
  EXPECT_EQ(parse_anonymous("nope"), std::nullopt);
}

TEST_F(AuthServiceTest, PasswordsAreCheckedOffThreadThenRemembered) {
  AuthService s(AuthOptions{Anonymous::Deny, write("users", user("alice", "right")), ""});
  EXPECT_FALSE(s.check_fast(creds("alice", "right")));  // needs the KDF
  EXPECT_EQ(s.check_fast(creds("alice", std::nullopt))->verdict, V::BadCredentials);
  EXPECT_EQ(verify(s, creds("alice", "wrong")).verdict, V::BadCredentials);
  EXPECT_EQ(verify(s, creds("nobody", "right")).verdict, V::BadCredentials);
  EXPECT_FALSE(s.check_fast(creds("alice", "wrong")));  // failures are not remembered
  const Outcome ok = verify(s, creds("alice", "right"));
  EXPECT_EQ(ok.verdict, V::Allowed);
  EXPECT_EQ(ok.user, "alice");
  auto fast = s.check_fast(creds("alice", "right"));
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->user, "alice");
  EXPECT_FALSE(s.check_fast(creds("alice", "wrong")));
}

TEST_F(AuthServiceTest, BadFilesAtStartNameFileAndLine) {
  const std::string users = write("users", user("alice", "a") + "bob:plain\n");
  try {
    AuthService s(AuthOptions{Anonymous::Local, users, ""});
    FAIL() << "loaded";
  } catch (const LoadError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(users + ":2: user 'bob'", 0), 0u) << e.what();
  }
  const std::string acl = write("acl", "topic read a\nnope\n");
  try {  // with a good password file: its worker threads must not outlive the failed start
    AuthService s(AuthOptions{Anonymous::Local, write("good", user("alice", "a")), acl});
    FAIL() << "loaded";
  } catch (const LoadError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(acl + ":2: unknown keyword", 0), 0u) << e.what();
  }
}

TEST_F(AuthServiceTest, ReloadTakesGoodFilesAndKeepsOldRulesOnError) {
  const std::string users = write("users", user("alice", "a"));
  const std::string acl = write("acl", "user alice\ntopic read a/#\n");
  AuthService s(AuthOptions{Anonymous::Deny, users, acl});
  const std::uint64_t g1 = s.generation();
  EXPECT_EQ(verify(s, creds("bob", "b")).verdict, V::BadCredentials);
  EXPECT_FALSE(s.permissions(Identity{std::string("alice"), "c"})->can_read("b/x"));

  write("users", user("alice", "a") + user("bob", "b"));
  write("acl", "user alice\ntopic read b/#\n");
  ReloadResult r = s.reload();
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.users, 2u);
  EXPECT_NE(s.generation(), g1);
  EXPECT_EQ(verify(s, creds("bob", "b")).verdict, V::Allowed);
  EXPECT_TRUE(s.permissions(Identity{std::string("alice"), "c"})->can_read("b/x"));

  // Broken files: errors name the line; the previous users and rules stay.
  write("users", "carol:plain\n");
  write("acl", "user alice\ntopic read c/#\nbroken\n");
  const std::uint64_t g2 = s.generation();
  r = s.reload();
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_NE(r.errors[0].find(users + ":1:"), std::string::npos) << r.errors[0];
  EXPECT_NE(r.errors[1].find(acl + ":3:"), std::string::npos) << r.errors[1];
  EXPECT_EQ(s.generation(), g2);
  EXPECT_EQ(verify(s, creds("bob", "b")).verdict, V::Allowed);
  EXPECT_TRUE(s.permissions(Identity{std::string("alice"), "c"})->can_read("b/x"));
  EXPECT_FALSE(s.permissions(Identity{std::string("alice"), "c"})->can_read("c/x"));
}

TEST_F(AuthServiceTest, NoAclMeansNoPermissionsObject) {
  AuthService s(AuthOptions{Anonymous::Local, "", ""});
  EXPECT_FALSE(s.acl_enabled());
  EXPECT_EQ(s.permissions(Identity{std::nullopt, "c"}), nullptr);
}

}  // namespace
}  // namespace accord::auth
