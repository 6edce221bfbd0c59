// The broker's gate over a real registry (in-memory store): what each policy action turns into
// for the publish path, runtime replacement while other threads check, and the counters.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "broker/gate/policy_gate.hpp"
#include "broker/store/store.hpp"
#include "registry/core/registry.hpp"

namespace accord::gate {
namespace {

namespace en = accord::enforcement;
using Action = core::GateDecision::Action;

#define EXPECT_HAS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << (text)

const char* kSchema =
    R"({"type":"object","properties":{"t":{"type":"number","maximum":85}},"required":["t"]})";
const std::string kType = "com.example.reading";

std::string event(const std::string& t, const std::string& type = kType) {
  return R"({"specversion":"1.0","id":"1","source":"/d/1","type":")" + type +
         R"(","data":{"t":)" + t + "}}";
}

class PolicyGateTest : public ::testing::Test {
 protected:
  PolicyGateTest() {
    store::StoreOptions o;
    o.durability = store::Durability::Memory;
    store_ = std::move(store::open_store(o).store);
    registry_ = std::move(registry::Registry::open(*store_, {}).value());
    schema_id_ = registry_->register_schema(kType, {kSchema, registry::SchemaType::Json, {}}).value();
  }
  ~PolicyGateTest() override {
    registry_.reset();
    store_->close();
  }

  static en::Policy policy(std::string name = "readings", std::string filter = "fleet/#") {
    en::Policy p;
    p.name = std::move(name);
    p.topic_filter = std::move(filter);
    p.validate_data = true;
    return p;
  }

  core::GateDecision check(PolicyGate& gate, const std::string& topic, const std::string& payload,
                           mqtt::ProtocolVersion version = mqtt::ProtocolVersion::v5) {
    props_.content_type = version == mqtt::ProtocolVersion::v5
                              ? std::optional<std::string>("application/cloudevents+json")
                              : std::nullopt;
    return gate.check(core::GateRequest{"dev-1", version, topic, &props_, payload, 1, false});
  }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<registry::Registry> registry_;
  mqtt::Properties props_;
  int schema_id_ = 0;
};

TEST_F(PolicyGateTest, ValidAndUngovernedPublishesAreDelivered) {
  PolicyGate gate(*registry_, {policy()});
  EXPECT_EQ(check(gate, "fleet/1", event("20")).action, Action::Deliver);
  EXPECT_EQ(check(gate, "other/1", "anything").action, Action::Deliver);
}

TEST_F(PolicyGateTest, RejectCarriesTheFirstErrorAndTheUnackedChoice) {
  auto p = policy();
  PolicyGate gate(*registry_, {p});
  auto d = check(gate, "fleet/1", event("99"));
  EXPECT_EQ(d.action, Action::Reject);
  EXPECT_EQ(d.reason, "data/t: 99 is greater than the maximum 85");
  EXPECT_FALSE(d.disconnect_unacked);

  p.reject_without_ack = en::UnackedReject::Disconnect;
  ASSERT_FALSE(gate.replace({p}));
  EXPECT_TRUE(check(gate, "fleet/1", event("99")).disconnect_unacked);
}

TEST_F(PolicyGateTest, DeadLetterNamesThePublisher) {
  auto p = policy();
  p.action = en::FailureAction::DeadLetter;
  p.dead_letter_topic = "dlq/fleet";
  PolicyGate gate(*registry_, {p});
  auto d = check(gate, "fleet/7", event("99"), mqtt::ProtocolVersion::v311);
  ASSERT_EQ(d.action, Action::Redirect);
  EXPECT_EQ(d.redirect_topic, "dlq/fleet");
  auto has = [&](const std::string& k, const std::string& v) {
    for (const auto& prop : d.redirect_properties)
      if (prop.key == k && prop.value == v) return true;
    return false;
  };
  EXPECT_TRUE(has("accord-original-topic", "fleet/7"));
  EXPECT_TRUE(has("accord-client-id", "dev-1"));
  EXPECT_TRUE(has("accord-policy", "readings"));
  EXPECT_TRUE(has("accord-schema", kType + "/1/" + std::to_string(schema_id_)));
  EXPECT_TRUE(has("accord-error", "data/t: 99 is greater than the maximum 85"));
}

TEST_F(PolicyGateTest, DropLogOnlyAndDryRun) {
  auto drop = policy("drop", "drop/#");
  drop.action = en::FailureAction::Drop;
  auto logged = policy("logged", "logged/#");
  logged.action = en::FailureAction::LogOnly;
  auto dry = policy("dry", "dry/#");
  dry.dry_run = true;
  PolicyGate gate(*registry_, {drop, logged, dry});
  EXPECT_EQ(check(gate, "drop/1", event("99")).action, Action::Drop);
  EXPECT_EQ(check(gate, "logged/1", event("99")).action, Action::Deliver);
  EXPECT_EQ(check(gate, "dry/1", event("99")).action, Action::Deliver);

  const auto text = gate.metrics().render_prometheus();
  EXPECT_HAS(text, "accord_enforcement_actions_total{policy=\"drop\",action=\"dropped\"} 1\n");
  EXPECT_HAS(text, "accord_enforcement_actions_total{policy=\"logged\",action=\"logged_only\"} 1\n");
  EXPECT_HAS(text, "accord_enforcement_actions_total{policy=\"dry\",action=\"dry_run\"} 1\n");
  EXPECT_HAS(text, "accord_enforcement_actions_total{policy=\"dry\",action=\"rejected\"} 0\n");
}

TEST_F(PolicyGateTest, CountersPerPolicySubjectAndReason) {
  PolicyGate gate(*registry_, {policy()});
  for (int i = 0; i < 3; ++i) check(gate, "fleet/1", event("20"));
  check(gate, "fleet/1", event("99"));
  check(gate, "fleet/1", event("20", "com.example.unknown"));  // no such subject
  check(gate, "fleet/1", "{not json");

  const auto text = gate.metrics().render_prometheus();
  const std::string s = "policy=\"readings\",subject=\"" + kType + "\"";
  EXPECT_HAS(text, "accord_enforcement_evaluated_total{" + s + "} 4\n");
  EXPECT_HAS(text, "accord_enforcement_accepted_total{" + s + "} 3\n");
  EXPECT_HAS(text, "accord_enforcement_failed_total{" + s + ",reason=\"data_invalid\"} 1\n");
  // Unknown event types are not a label value of their own.
  EXPECT_HAS(text, "accord_enforcement_failed_total{policy=\"readings\",subject=\"(none)\",reason=\"schema_not_found\"} 1\n");
  EXPECT_HAS(text, "accord_enforcement_failed_total{policy=\"readings\",subject=\"(none)\",reason=\"not_cloudevent\"} 1\n");
  EXPECT_EQ(text.find("com.example.unknown"), std::string::npos);
  EXPECT_HAS(text, "accord_enforcement_validation_seconds_bucket{" + s + ",le=\"+Inf\"} 4\n");
  EXPECT_HAS(text, "accord_enforcement_validation_seconds_count{" + s + "} 4\n");

  auto json = gate.metrics().to_json();
  EXPECT_EQ(json.at("readings").at("evaluated").as_uint64(), 6u);
  EXPECT_EQ(json.at("readings").at("subjects").at(kType).at("accepted").as_uint64(), 3u);
}

TEST_F(PolicyGateTest, ABadReplacementKeepsTheCurrentSet) {
  PolicyGate gate(*registry_, {policy()});
  auto bad = policy();
  bad.action = en::FailureAction::DeadLetter;  // without a topic
  auto error = gate.replace({bad});
  ASSERT_TRUE(error);
  EXPECT_HAS(*error, "dead_letter_topic");
  EXPECT_EQ(check(gate, "fleet/1", event("99")).action, Action::Reject);
  EXPECT_THROW(PolicyGate(*registry_, {bad}), std::invalid_argument);
}

// Threads keep checking while the set is replaced back and forth: every answer is one of the
// two sets' answers, never a mix or a crash (run under TSan in the sanitizer job).
TEST_F(PolicyGateTest, ReplacementWhileOtherThreadsCheck) {
  auto rejecting = policy();
  auto dropping = policy();
  dropping.action = en::FailureAction::Drop;
  PolicyGate gate(*registry_, {rejecting});
  std::atomic<bool> stop{false};
  std::atomic<int> odd{0}, checks{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&] {
      mqtt::Properties props;
      props.content_type = "application/cloudevents+json";
      const std::string bad = event("99");
      while (!stop.load()) {
        auto d = gate.check(core::GateRequest{"dev", mqtt::ProtocolVersion::v5, "fleet/1", &props, bad, 1, false});
        if (d.action != Action::Reject && d.action != Action::Drop) ++odd;
        ++checks;
      }
    });
  for (int i = 0; i < 200; ++i) ASSERT_FALSE(gate.replace({i % 2 ? rejecting : dropping}));
  while (checks.load() < 1000) std::this_thread::yield();
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(odd.load(), 0);
  EXPECT_EQ(gate.policies().at(0).action, en::FailureAction::Reject);  // the last one set
}

}  // namespace
}  // namespace accord::gate
