#include "broker/auth/password_file.hpp"

#include <gtest/gtest.h>

namespace accord::auth {
namespace {

std::string line_for(const std::string& name, const std::string& password) {
  return name + ":" + format_hash(hash_password(password, kMinIterations));
}

std::string error_of(const std::string& text) {
  try {
    PasswordFile::parse(text, "users.txt");
  } catch (const LoadError& e) {
    return e.what();
  }
  return "";
}

TEST(PasswordFile, ParsesUsersCommentsAndBlankLines) {
  const std::string text = "# users\n\n" + line_for("alice", "a") + "\r\n" + line_for("bob", "b") + "\n";
  const PasswordFile f = PasswordFile::parse(text, "users.txt");
  EXPECT_EQ(f.size(), 2u);
  ASSERT_NE(f.find("alice"), nullptr);
  EXPECT_TRUE(verify_password("a", *f.find("alice")));
  EXPECT_FALSE(verify_password("a", *f.find("bob")));
  EXPECT_EQ(f.find("carol"), nullptr);
  EXPECT_EQ(f.names(), (std::vector<std::string>{"alice", "bob"}));
}

TEST(PasswordFile, ErrorsNameFileAndLine) {
  const std::string ok = line_for("alice", "a");
  EXPECT_EQ(error_of(ok + "\n# c\nbob:hunter2\n").rfind("users.txt:3: user 'bob': not a '$pbkdf2", 0), 0u)
      << error_of(ok + "\n# c\nbob:hunter2\n");
  EXPECT_EQ(error_of("\nno colon here\n").rfind("users.txt:2: expected", 0), 0u);
  EXPECT_EQ(error_of(ok + "\n" + line_for("alice", "b")).rfind("users.txt:2: user 'alice' appears twice", 0), 0u);
  EXPECT_EQ(error_of(":" + ok.substr(6)).rfind("users.txt:1: user name is empty", 0), 0u);
  EXPECT_EQ(error_of("carol:$sha256$abcd\n").rfind("users.txt:1: user 'carol': hash scheme 'sha256'", 0), 0u);
  const std::string fast = "dave:$pbkdf2-sha256$1000$c2FsdHNhbHQ=$" + std::string(43, 'A') + "=";
  EXPECT_NE(error_of(fast).find("users.txt:1: user 'dave': 1000 PBKDF2 iterations is too fast"), std::string::npos)
      << error_of(fast);
}

TEST(PasswordFile, MissingFileIsNamed) {
  try {
    PasswordFile::load("/nonexistent/accord-users");
    FAIL() << "loaded a missing file";
  } catch (const LoadError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/accord-users"), std::string::npos);
  }
}

TEST(PasswordFile, UpsertAndRemoveKeepOtherLines) {
  std::string text = "# keep me\n" + line_for("alice", "a") + "\n";
  text = upsert_user(text, "bob", hash_password("b", kMinIterations));
  text = upsert_user(text, "alice", hash_password("new", kMinIterations));
  const PasswordFile f = PasswordFile::parse(text, "t");
  EXPECT_EQ(text.rfind("# keep me\nalice:", 0), 0u) << text;
  EXPECT_TRUE(verify_password("new", *f.find("alice")));
  EXPECT_TRUE(verify_password("b", *f.find("bob")));
  auto removed = remove_user(text, "alice");
  ASSERT_TRUE(removed);
  EXPECT_EQ(PasswordFile::parse(*removed, "t").names(), std::vector<std::string>{"bob"});
  EXPECT_NE(removed->find("# keep me"), std::string::npos);
  EXPECT_FALSE(remove_user(*removed, "alice"));
  EXPECT_THROW(upsert_user(text, "a:b", hash_password("x", kMinIterations)), std::invalid_argument);
  EXPECT_THROW(upsert_user(text, "", hash_password("x", kMinIterations)), std::invalid_argument);
}

}  // namespace
}  // namespace accord::auth
