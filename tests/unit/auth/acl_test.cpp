#include "broker/auth/acl.hpp"

#include <gtest/gtest.h>

namespace accord::auth {
namespace {

std::shared_ptr<const Permissions> rules_for(const std::string& text, std::optional<std::string> user,
                                             std::string client_id = "c1") {
  return AclRules::parse(text, "acl").resolve(Identity{std::move(user), std::move(client_id)}, 1);
}

std::string error_of(const std::string& text) {
  try {
    AclRules::parse(text, "acl.txt");
  } catch (const LoadError& e) {
    return e.what();
  }
  return "";
}

TEST(FilterCovers, MqttSemantics) {
  EXPECT_TRUE(filter_covers("#", "a/b"));
  EXPECT_TRUE(filter_covers("#", "#"));
  EXPECT_TRUE(filter_covers("a/#", "a"));
  EXPECT_TRUE(filter_covers("a/#", "a/#"));
  EXPECT_TRUE(filter_covers("a/#", "a/+/c"));
  EXPECT_TRUE(filter_covers("a/+", "a/b"));
  EXPECT_TRUE(filter_covers("a/+", "a/+"));
  EXPECT_TRUE(filter_covers("a/b", "a/b"));
  EXPECT_FALSE(filter_covers("a/+", "a/#"));
  EXPECT_FALSE(filter_covers("a/b", "a/+"));
  EXPECT_FALSE(filter_covers("a/b", "a"));
  EXPECT_FALSE(filter_covers("a", "a/b"));
  EXPECT_FALSE(filter_covers("sensors/#", "#"));
  EXPECT_FALSE(filter_covers("#", "$SYS/x"));
  EXPECT_FALSE(filter_covers("+/x", "$SYS/x"));
  EXPECT_TRUE(filter_covers("$SYS/#", "$SYS/x"));
}

TEST(Acl, AnonymousRulesComeBeforeUserLines) {
  const std::string text =
      "topic read public/#\n"
      "user alice\n"
      "topic readwrite alice/#\n";
  auto anon = rules_for(text, std::nullopt);
  EXPECT_TRUE(anon->can_read("public/x"));
  EXPECT_FALSE(anon->can_publish("public/x"));
  EXPECT_FALSE(anon->can_read("alice/x"));
  auto alice = rules_for(text, "alice");
  EXPECT_TRUE(alice->can_publish("alice/x"));
  EXPECT_TRUE(alice->can_read("alice/x"));
  EXPECT_FALSE(alice->can_read("public/x"));  // anonymous rules are not everyone's
  auto bob = rules_for(text, "bob");
  EXPECT_FALSE(bob->can_read("alice/x"));  // default deny
  EXPECT_FALSE(bob->can_subscribe("#"));
}

TEST(Acl, AccessWordsAndDenyWins) {
  const std::string text =
      "user u\n"
      "topic a/#\n"  // no word: readwrite
      "topic write in/+\n"
      "topic read out/#\n"
      "topic deny a/secret/#\n";
  auto p = rules_for(text, "u");
  EXPECT_TRUE(p->can_publish("a/b"));
  EXPECT_TRUE(p->can_read("a/b"));
  EXPECT_FALSE(p->can_read("a/secret/x"));
  EXPECT_FALSE(p->can_publish("a/secret"));
  EXPECT_TRUE(p->can_publish("in/1"));
  EXPECT_FALSE(p->can_read("in/1"));
  EXPECT_FALSE(p->can_publish("in/1/2"));
  EXPECT_TRUE(p->can_read("out/x/y"));
  EXPECT_FALSE(p->can_publish("out/x"));
}

TEST(Acl, SubscribeNeedsReadOnEverythingTheFilterMatches) {
  const std::string text =
      "user u\n"
      "topic read sensors/#\n"
      "topic deny sensors/secret/#\n"
      "topic write cmd/#\n";
  auto p = rules_for(text, "u");
  EXPECT_TRUE(p->can_subscribe("sensors/#"));  // the deny part is checked at delivery
  EXPECT_TRUE(p->can_subscribe("sensors/+/temp"));
  EXPECT_TRUE(p->can_subscribe("$share/g/sensors/a"));
  EXPECT_FALSE(p->can_subscribe("#"));
  EXPECT_FALSE(p->can_subscribe("sensors/secret/#"));
  EXPECT_FALSE(p->can_subscribe("sensors/secret/x"));
  EXPECT_FALSE(p->can_subscribe("cmd/#"));  // write only
  EXPECT_FALSE(p->can_subscribe("$share/g/#"));
  EXPECT_FALSE(p->can_read("sensors/secret/x"));
}

TEST(Acl, PatternsSubstituteUserAndClientId) {
  const std::string text =
      "pattern write devices/%c/up\n"
      "pattern read users/%u/#\n"
      "user alice\n"
      "topic read x\n";
  auto p = rules_for(text, "alice", "dev-7");
  EXPECT_TRUE(p->can_publish("devices/dev-7/up"));
  EXPECT_FALSE(p->can_publish("devices/dev-8/up"));
  EXPECT_TRUE(p->can_read("users/alice/inbox"));
  EXPECT_FALSE(p->can_read("users/bob/inbox"));
  EXPECT_TRUE(p->can_subscribe("users/alice/#"));
  EXPECT_FALSE(p->can_subscribe("users/+/#"));
  // Patterns apply to other users (and anonymous clients) too; %u never does for anonymous.
  auto anon = rules_for(text, std::nullopt, "dev-9");
  EXPECT_TRUE(anon->can_publish("devices/dev-9/up"));
  EXPECT_FALSE(anon->can_read("users//inbox"));
}

TEST(Acl, SubstitutionCannotWidenAccess) {
  const std::string text =
      "pattern readwrite devices/%c/#\n"
      "pattern readwrite users/%u\n";
  for (const std::string& evil : std::vector<std::string>{"#", "+", "a/b", "a+", "x#", std::string("a\0b", 3), ""}) {
    auto by_client = rules_for(text, "ok", evil);
    EXPECT_FALSE(by_client->can_publish("devices/other/x")) << evil;
    EXPECT_FALSE(by_client->can_subscribe("devices/#")) << evil;
    EXPECT_FALSE(by_client->can_read("devices/a/b/c")) << evil;
    auto by_user = rules_for(text, evil, "c");
    EXPECT_FALSE(by_user->can_publish("users/bob")) << evil;
    EXPECT_FALSE(by_user->can_subscribe("users/+")) << evil;
    EXPECT_FALSE(by_user->can_subscribe("users/#")) << evil;
  }
  EXPECT_FALSE(substitute("d/%c", Identity{std::nullopt, "a/b"}));
  EXPECT_EQ(substitute("d/%c/%u", Identity{std::string("u"), "c"}), "d/c/u");
  EXPECT_EQ(substitute("d/%x%", Identity{std::nullopt, "c"}), "d/%x%");
}

TEST(Acl, ParseErrorsNameLine) {
  EXPECT_EQ(error_of("topic read a\n\nbogus line\n").rfind("acl.txt:3: unknown keyword 'bogus'", 0), 0u);
  EXPECT_EQ(error_of("# c\nuser\n").rfind("acl.txt:2: 'user' needs a name", 0), 0u);
  EXPECT_EQ(error_of("topic read\n").rfind("acl.txt:1: 'topic read' needs a topic filter", 0), 0u);
  EXPECT_EQ(error_of("topic\n").rfind("acl.txt:1: 'topic' needs a topic filter", 0), 0u);
  EXPECT_EQ(error_of("user a\ntopic read a/#/b\n").rfind("acl.txt:2: 'a/#/b' is not a valid topic filter", 0), 0u)
      << error_of("user a\ntopic read a/#/b\n");
  EXPECT_EQ(error_of("pattern write x/%c+\n").rfind("acl.txt:1:", 0), 0u);
  EXPECT_EQ(error_of("  # indented comment\n\ttopic read a b c\n"), "");  // spaces in a level
}

}  // namespace
}  // namespace accord::auth
