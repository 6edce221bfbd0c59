// Real third-party clients: mosquitto_pub / mosquitto_sub subprocesses and Paho MQTT C++.
#include "test_support.hpp"

namespace accord::it {
namespace {

using namespace std::chrono_literals;

class Cli : public BrokerTest {
 protected:
  std::vector<std::string> base(const std::string& tool, const std::string& version) {
    return {tool, "-h", "127.0.0.1", "-p", std::to_string(port()), "-V", version};
  }
  // Starts mosquitto_sub and waits until its SUBACK arrived (debug output).
  std::unique_ptr<Subprocess> start_sub(const std::string& version, const std::string& topic,
                                        std::vector<std::string> extra, int count = 1) {
    auto argv = base("mosquitto_sub", version);
    argv.insert(argv.end(), {"-t", topic, "-C", std::to_string(count), "-W", "10", "-d",
                             "-F", "MSG|%t|%p|%q|%r|%P"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    // stdout is a pipe: without line buffering the SUBACK line would sit in stdio's buffer.
    argv.insert(argv.begin(), {"stdbuf", "-oL"});
    auto p = std::make_unique<Subprocess>(argv);
    EXPECT_TRUE(p->wait_for_output("Subscribed (mid", 5s)) << p->output();
    return p;
  }
  static std::vector<std::string> messages(const std::string& out) {
    std::vector<std::string> v;
    std::size_t pos = 0;
    while ((pos = out.find("MSG|", pos)) != std::string::npos) {
      auto end = out.find('\n', pos);
      v.push_back(out.substr(pos + 4, end == std::string::npos ? std::string::npos : end - pos - 4));
      pos = end == std::string::npos ? out.size() : end;
    }
    return v;
  }
  void pub(const std::string& version, std::vector<std::string> extra) {
    auto argv = base("mosquitto_pub", version);
    argv.insert(argv.end(), extra.begin(), extra.end());
    ProcessResult r = run_process(argv, 10s);
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
};

TEST_F(Cli, RoundTripV311) {
  auto sub = start_sub("mqttv311", "cli/#", {});
  pub("mqttv311", {"-t", "cli/a", "-m", "hello 311"});
  ProcessResult r = sub->wait(10s);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(messages(r.out), std::vector<std::string>{"cli/a|hello 311|0|0|"});
}

TEST_F(Cli, RoundTripV5WithUserProperties) {
  auto sub = start_sub("mqttv5", "cli5/t", {"-q", "1"});
  pub("mqttv5", {"-t", "cli5/t", "-m", "hello 5", "-q", "1", "-D", "PUBLISH", "user-property", "origin", "cli"});
  ProcessResult r = sub->wait(10s);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(messages(r.out), std::vector<std::string>{"cli5/t|hello 5|1|0|origin:cli"});
}

TEST_F(Cli, Qos2) {
  auto sub = start_sub("mqttv5", "cliq/t", {"-q", "2"});
  pub("mqttv5", {"-t", "cliq/t", "-m", "exactly once", "-q", "2"});
  ProcessResult r = sub->wait(10s);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(messages(r.out), std::vector<std::string>{"cliq/t|exactly once|2|0|"});
}

TEST_F(Cli, RetainedSetAndDelete) {
  pub("mqttv311", {"-t", "clir/t", "-m", "kept", "-r", "-q", "1"});
  {
    auto argv = base("mosquitto_sub", "mqttv311");
    argv.insert(argv.end(), {"-t", "clir/t", "-C", "1", "-W", "5", "-F", "MSG|%t|%p|%r"});
    ProcessResult r = run_process(argv, 10s);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(messages(r.out), std::vector<std::string>{"clir/t|kept|1"});
  }
  // Empty retained payload deletes. QoS 1 so mosquitto_pub returns only after the PUBACK: a
  // QoS 0 publish has no completion, and with durability=sync the delete becomes visible once
  // its write is committed, which may be after the next client's SUBSCRIBE is handled.
  pub("mqttv5", {"-t", "clir/t", "-n", "-r", "-q", "1"});
  {
    auto argv = base("mosquitto_sub", "mqttv5");
    argv.insert(argv.end(), {"-t", "clir/t", "-C", "1", "-W", "1", "-F", "MSG|%t|%p|%r"});
    ProcessResult r = run_process(argv, 10s);
    EXPECT_TRUE(messages(r.out).empty()) << r.out;
  }
}

// ---- Paho MQTT C++ ------------------------------------------------------------------------------

class Paho : public BrokerTest, public ::testing::WithParamInterface<int> {};

TEST_P(Paho, QosRoundTrip) {
  const int ver = GetParam();
  PahoClient sub(uri(), "paho-sub", ver), pub(uri(), "paho-pub", ver);
  sub.connect();
  pub.connect();
  auto codes = sub.subscribe("paho/#", 2);
  ASSERT_EQ(codes, std::vector<int>{2});
  for (int q = 0; q <= 2; ++q) {
    pub.publish("paho/q" + std::to_string(q), "payload " + std::to_string(q), q);
    auto m = sub.next();
    ASSERT_TRUE(m) << "QoS " << q;
    EXPECT_EQ(m->get_topic(), "paho/q" + std::to_string(q));
    EXPECT_EQ(m->to_string(), "payload " + std::to_string(q));
    EXPECT_EQ(m->get_qos(), q);
  }
}

TEST_P(Paho, PersistentSessionQueuesWhileOffline) {
  const int ver = GetParam();
  mqtt::properties expiry{{mqtt::property::SESSION_EXPIRY_INTERVAL, 300}};
  {
    PahoClient sub(uri(), "paho-persist", ver);
    EXPECT_FALSE(sub.connect(false, ver == 5 ? expiry : mqtt::properties{}));
    sub.subscribe("pp/t", 1);
    sub.disconnect();
  }
  PahoClient pub(uri(), "paho-pp-pub", ver);
  pub.connect();
  pub.publish("pp/t", "while away", 1);
  PahoClient sub(uri(), "paho-persist", ver);
  EXPECT_TRUE(sub.connect(false, ver == 5 ? expiry : mqtt::properties{})) << "session present";
  auto m = sub.next();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->to_string(), "while away");
}

TEST_P(Paho, RetainedMessage) {
  const int ver = GetParam();
  PahoClient pub(uri(), "paho-rpub", ver);
  pub.connect();
  pub.publish("pr/t", "retained", 1, true);
  PahoClient sub(uri(), "paho-rsub", ver);
  sub.connect();
  sub.subscribe("pr/#", 1);
  auto m = sub.next();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->to_string(), "retained");
  EXPECT_TRUE(m->is_retained());
}

INSTANTIATE_TEST_SUITE_P(Versions, Paho, ::testing::Values(4, 5),
                         [](const auto& info) { return info.param == 5 ? "V5" : "V311"; });

class PahoV5 : public BrokerTest {};

TEST_F(PahoV5, UserPropertiesAndContentType) {
  PahoClient sub(uri(), "p5-sub"), pub(uri(), "p5-pub");
  sub.connect();
  pub.connect();
  sub.subscribe("p5/t", 1);
  mqtt::properties props{{mqtt::property::USER_PROPERTY, "trace", "abc"},
                         {mqtt::property::CONTENT_TYPE, "text/plain"},
                         {mqtt::property::PAYLOAD_FORMAT_INDICATOR, 1}};
  pub.publish("p5/t", "hi", 1, false, props);
  auto m = sub.next();
  ASSERT_TRUE(m);
  const auto& p = m->get_properties();
  ASSERT_TRUE(p.contains(mqtt::property::USER_PROPERTY));
  auto up = mqtt::get<mqtt::string_pair>(p, mqtt::property::USER_PROPERTY);
  EXPECT_EQ(std::get<0>(up), "trace");
  EXPECT_EQ(std::get<1>(up), "abc");
  EXPECT_EQ(mqtt::get<std::string>(p, mqtt::property::CONTENT_TYPE), "text/plain");
  EXPECT_EQ(mqtt::get<uint8_t>(p, mqtt::property::PAYLOAD_FORMAT_INDICATOR), 1);
}

TEST_F(PahoV5, TopicAliasFromClient) {
  PahoClient sub(uri(), "p5a-sub"), pub(uri(), "p5a-pub");
  sub.connect();
  pub.connect();
  sub.subscribe("p5a/#", 0);
  auto first = mqtt::make_message("p5a/aliased/topic", "one", 0, false);
  first->set_properties({{mqtt::property::TOPIC_ALIAS, 1}});
  pub.publish(first);
  auto second = mqtt::make_message("", "two", 0, false);
  second->set_properties({{mqtt::property::TOPIC_ALIAS, 1}});
  pub.publish(second);
  auto m1 = sub.next(), m2 = sub.next();
  ASSERT_TRUE(m1 && m2);
  EXPECT_EQ(m1->get_topic(), "p5a/aliased/topic");
  EXPECT_EQ(m2->get_topic(), "p5a/aliased/topic");
  EXPECT_EQ(m2->to_string(), "two");
}

TEST_F(PahoV5, NoLocalSubscribeOption) {
  PahoClient c(uri(), "p5-nl");
  c.connect();
  c.subscribe("p5nl/t", 1, mqtt::subscribe_options(mqtt::subscribe_options::SUBSCRIBE_NO_LOCAL));
  c.publish("p5nl/t", "self", 1);
  EXPECT_TRUE(c.none_for(500ms));
}

TEST_F(PahoV5, SessionPresentAndAssignedId) {
  PahoClient c(uri(), "p5-sp");
  mqtt::properties expiry{{mqtt::property::SESSION_EXPIRY_INTERVAL, 60}};
  EXPECT_FALSE(c.connect(false, expiry));
  c.disconnect();
  EXPECT_TRUE(c.connect(false, expiry));
}

}  // namespace
}  // namespace accord::it
