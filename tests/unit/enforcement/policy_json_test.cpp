// Policies as JSON: what the admin API accepts and returns, and what the config file's
// [[policies]] become. Every key round-trips; every bad value is refused naming its key.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "registry/enforcement/policy_json.hpp"

namespace accord::enforcement {
namespace {

#define EXPECT_HAS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << (text)

std::optional<Policy> read(std::string_view text, std::string& error) {
  return policy_from_json(boost::json::parse(text), error);
}

TEST(PolicyJson, MinimalPolicyGetsTheDefaults) {
  std::string error;
  auto p = read(R"({"name":"t","topic_filter":"a/#"})", error);
  ASSERT_TRUE(p) << error;
  Policy expected;
  expected.name = "t";
  expected.topic_filter = "a/#";
  EXPECT_EQ(*p, expected);
  EXPECT_TRUE(p->require_cloudevents);
  EXPECT_EQ(p->action, FailureAction::Reject);
  EXPECT_EQ(p->allowed_modes.size(), 3u);
}

TEST(PolicyJson, EveryKeyRoundTrips) {
  const char* text = R"({"name":"fleet.readings-1","topic_filter":"fleet/+/reading",
    "require_cloudevents":false,"content_modes":["binary","structured"],
    "allowed_types":["com.example.*","org.x.y"],"validate_data":true,"max_payload_bytes":4096,
    "action":"dead-letter","dead_letter_topic":"dlq/fleet","dry_run":true,
    "subject_strategy":"topic-type","version_selection":"any","reject_without_ack":"disconnect"})";
  std::string error;
  auto p = read(text, error);
  ASSERT_TRUE(p) << error;
  EXPECT_FALSE(p->require_cloudevents);
  EXPECT_EQ(p->allowed_modes, (std::vector{ContentMode::Mqtt5Binary, ContentMode::StructuredJson}));
  EXPECT_EQ(p->allowed_types, (std::vector<std::string>{"com.example.*", "org.x.y"}));
  EXPECT_TRUE(p->validate_data);
  EXPECT_EQ(p->max_payload_bytes, 4096u);
  EXPECT_EQ(p->action, FailureAction::DeadLetter);
  EXPECT_EQ(p->dead_letter_topic, "dlq/fleet");
  EXPECT_TRUE(p->dry_run);
  EXPECT_EQ(p->subject_strategy, SubjectStrategy::TopicType);
  EXPECT_EQ(p->version_selection, VersionSelection::AnyRegistered);
  EXPECT_EQ(p->reject_without_ack, UnackedReject::Disconnect);

  auto again = policy_from_json(policy_to_json(*p), error);
  ASSERT_TRUE(again) << error;
  EXPECT_EQ(*again, *p);
}

TEST(PolicyJson, BadValuesAreRefusedNamingTheKey) {
  struct Case {
    const char* json;
    const char* expected;
  } cases[] = {
      {R"([1])", "JSON object"},
      {R"({"name":"t","topic_filter":"a","colour":"red"})", "unknown policy key 'colour'"},
      {R"({"name":"t","topic_filter":"a","action":"explode"})",
       "action must be one of: reject, dead-letter, drop, log-only"},
      {R"({"name":"t","topic_filter":"a","dry_run":"yes"})", "dry_run must be true or false"},
      {R"({"name":"t","topic_filter":"a","max_payload_bytes":-1})", "max_payload_bytes must be a non-negative integer"},
      {R"({"name":"t","topic_filter":"a","content_modes":["xml"]})", "'xml' is not one of"},
      {R"({"name":"t","topic_filter":"a","allowed_types":"x"})", "allowed_types must be an array of strings"},
      {R"({"name":"t","topic_filter":"a","subject_strategy":"record"})", "subject_strategy must be one of"},
      {R"({"name":"t","topic_filter":"a","version_selection":"oldest"})", "version_selection must be one of"},
      {R"({"name":"t","topic_filter":"a","reject_without_ack":"ignore"})", "reject_without_ack must be one of"},
      {R"({"name":"t","topic_filter":"a","action":"dead-letter"})", "needs a dead_letter_topic"},
      {R"({"name":"t","topic_filter":"a/#","action":"dead-letter","dead_letter_topic":"a/dlq"})", "loop"},
      {R"({"name":"t","topic_filter":"a/#/b"})", "not a valid MQTT filter"},
      {R"({"topic_filter":"a"})", "name is empty"},
      {R"({"name":"has space","topic_filter":"a"})", "name may only use"},
      {R"({"name":"t"})", "topic filter is empty"},
  };
  for (const auto& c : cases) {
    std::string error;
    EXPECT_FALSE(read(c.json, error)) << c.json;
    EXPECT_HAS(error, c.expected);
  }
}

TEST(PolicyJson, ASetNeedsUniqueNamesAndSaysWhichEntryIsWrong) {
  std::string error;
  auto set = policies_from_json(boost::json::parse(
                                    R"([{"name":"a","topic_filter":"x/#"},{"name":"b","topic_filter":"y"}])"),
                                error);
  ASSERT_TRUE(set) << error;
  EXPECT_EQ(set->size(), 2u);
  EXPECT_EQ((*set)[1].name, "b");

  EXPECT_FALSE(policies_from_json(
      boost::json::parse(R"([{"name":"a","topic_filter":"x"},{"name":"a","topic_filter":"y"}])"), error));
  EXPECT_HAS(error, "policies[1]: a policy named 'a' comes earlier");
  EXPECT_FALSE(policies_from_json(
      boost::json::parse(R"([{"name":"a","topic_filter":"x"},{"name":"b","action":"no"}])"), error));
  EXPECT_HAS(error, "policies[1]: policy 'b': action must be one of");
  EXPECT_FALSE(policies_from_json(boost::json::parse(R"({"name":"a"})"), error));
  EXPECT_HAS(error, "array");

  boost::json::array many;
  for (std::size_t i = 0; i <= kMaxPolicies; ++i)
    many.push_back(boost::json::object{{"name", "p" + std::to_string(i)}, {"topic_filter", "t/" + std::to_string(i)}});
  EXPECT_FALSE(policies_from_json(many, error));
  EXPECT_HAS(error, "more than the limit of 1000");
  many.pop_back();
  EXPECT_TRUE(policies_from_json(many, error)) << error;
}

}  // namespace
}  // namespace accord::enforcement
