// MQTT authentication and ACLs against the real broker: a password file written by
// `accordctl user add`, an ACL file, exact CONNACK / SUBACK / PUBACK codes through the raw
// client, mosquitto_pub with right and wrong passwords, SIGHUP reloads, /metrics counters.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "http_client.hpp"
#include "test_support.hpp"

namespace accord::it {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

#ifndef ACCORDCTL_BIN_PATH
#define ACCORDCTL_BIN_PATH ""
#endif

constexpr std::uint8_t kAuthMethod = 0x15;  // MQTT 5 Authentication Method property

class AuthTest : public BrokerTest {
 protected:
  void SetUp() override {
    if (is_mosquitto()) GTEST_SKIP() << "Accord's auth.* settings and accordctl";
    dir_ = fs::temp_directory_path() /
           ("accord-auth-it-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    users_ = (dir_ / "users").string();
    acl_ = (dir_ / "acl").string();
  }
  void TearDown() override {
    BrokerTest::TearDown();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // accordctl user add, the password on stdin. 100000 iterations (the minimum) keeps the tests
  // quick; the default is checked in PasswordFileHoldsOnlySlowHashes.
  ProcessResult add_user(const std::string& name, const std::string& password,
                         const std::string& iterations = "100000") {
    const std::string cmd = "printf '%s\\n' \"$1\" | \"$2\" user add --file \"$3\" --password-stdin "
                            "--iterations \"$4\" -- \"$5\"";
    return run_process({"/bin/sh", "-c", cmd, "sh", password, ACCORDCTL_BIN_PATH, users_, iterations, name},
                       60s);
  }
  void must_add_user(const std::string& name, const std::string& password) {
    auto r = add_user(name, password);
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
  void write_acl(const std::string& text) { std::ofstream(acl_, std::ios::trunc) << text; }

  BrokerProcess& start(const std::string& anonymous = "local", bool with_acl = false) {
    std::vector<std::pair<std::string, std::string>> s{{"auth.anonymous", anonymous}};
    if (fs::exists(users_)) s.emplace_back("auth.password_file", users_);
    if (with_acl) s.emplace_back("auth.acl_file", acl_);
    return start_broker(BrokerOptions{s, {}});
  }

  ConnectOptions as(int version, std::string client_id, std::optional<std::string> user,
                    std::optional<std::string> password) {
    ConnectOptions o = version == 5 ? v5(std::move(client_id)) : v311(std::move(client_id));
    o.username = std::move(user);
    o.password = std::move(password);
    return o;
  }
  std::uint8_t connack_code(const ConnectOptions& o) {
    RawClient c;
    return c.connect(port(), o, 30s).code;
  }
  std::unique_ptr<RawClient> login(int version, const std::string& client_id, const std::string& user,
                                   const std::string& password) {
    auto c = std::make_unique<RawClient>();
    const Connack ack = c->connect(port(), as(version, client_id, user, password), 30s);
    EXPECT_EQ(ack.code, 0) << client_id;
    return c;
  }

  fs::path dir_;
  std::string users_, acl_;
};

TEST_F(AuthTest, PasswordFileHoldsOnlySlowHashes) {
  const std::string secret = "correct horse battery staple";
  auto r = add_user("alice", secret, "600000");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  must_add_user("bob", "hunter2hunter2");
  r = add_user("alice", secret + "!", "600000");  // change a password: still one line per user
  ASSERT_EQ(r.exit_code, 0) << r.out;

  struct stat st {};
  ASSERT_EQ(::stat(users_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  std::ifstream in(users_);
  const std::regex line_re(R"(^([^:]+):\$pbkdf2-sha256\$([0-9]+)\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]{44}$)");
  std::string line;
  std::vector<std::string> names;
  while (std::getline(in, line)) {
    EXPECT_EQ(line.find(secret), std::string::npos);
    EXPECT_EQ(line.find("hunter2"), std::string::npos);
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, line_re)) << line;
    EXPECT_GE(std::stoul(m[2].str()), 100000u) << line;
    names.push_back(m[1].str());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"alice", "bob"}));

  auto list = run_process({ACCORDCTL_BIN_PATH, "user", "list", "--file", users_});
  EXPECT_EQ(list.exit_code, 0) << list.out;
  EXPECT_EQ(list.out, "alice\nbob\n");
  auto removed = run_process({ACCORDCTL_BIN_PATH, "user", "remove", "--file", users_, "bob"});
  EXPECT_EQ(removed.exit_code, 0) << removed.out;
  auto again = run_process({ACCORDCTL_BIN_PATH, "user", "remove", "--file", users_, "bob"});
  EXPECT_EQ(again.exit_code, 1) << again.out;
  // No password on a pipe without --password-stdin, and no way to give it as an argument.
  auto no_flag = run_process({"/bin/sh", "-c", "echo pw | \"$0\" user add --file \"$1\" carol",
                              ACCORDCTL_BIN_PATH, users_});
  EXPECT_EQ(no_flag.exit_code, 2) << no_flag.out;
  auto fast = add_user("carol", "pw", "1000");
  EXPECT_EQ(fast.exit_code, 2) << fast.out;
}

TEST_F(AuthTest, RightAndWrongPasswordsGetExactCodes) {
  must_add_user("alice", "right-password");
  start("deny");
  EXPECT_EQ(connack_code(as(5, "a1", "alice", "right-password")), 0);
  EXPECT_EQ(connack_code(as(5, "a2", "alice", "wrong")), 0x86);
  EXPECT_EQ(connack_code(as(5, "a3", "nobody", "right-password")), 0x86);
  EXPECT_EQ(connack_code(as(5, "a4", "alice", std::nullopt)), 0x86);
  EXPECT_EQ(connack_code(as(4, "a5", "alice", "right-password")), 0);
  EXPECT_EQ(connack_code(as(4, "a6", "alice", "wrong")), 4);
  // Anonymous clients under auth.anonymous = "deny", even from loopback.
  EXPECT_EQ(connack_code(as(5, "a7", std::nullopt, std::nullopt)), 0x87);
  EXPECT_EQ(connack_code(as(4, "a8", std::nullopt, std::nullopt)), 5);
  // A remembered password still needs to be the right one.
  EXPECT_EQ(connack_code(as(5, "a9", "alice", "right-password")), 0);
  EXPECT_EQ(connack_code(as(5, "a10", "alice", "right-passwore")), 0x86);

  HttpClient http("127.0.0.1", broker().admin_port());
  const std::string metrics = http.get("/metrics").body;
  EXPECT_NE(metrics.find("accord_auth_failures_total{reason=\"bad_credentials\"} 5"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("accord_auth_failures_total{reason=\"not_authorized\"} 2"), std::string::npos);
}

TEST_F(AuthTest, MosquittoClientsWithRightAndWrongPassword) {
  must_add_user("alice", "s3cret-pass");
  start("deny");
  const std::string p = std::to_string(port());
  for (const std::string version : {"mqttv5", "mqttv311"}) {
    auto ok = run_process({"mosquitto_pub", "-h", "127.0.0.1", "-p", p, "-V", version, "-u", "alice",
                           "-P", "s3cret-pass", "-t", "t", "-m", "x", "-q", "1"},
                          30s);
    EXPECT_EQ(ok.exit_code, 0) << version << ": " << ok.out;
    auto bad = run_process({"mosquitto_pub", "-h", "127.0.0.1", "-p", p, "-V", version, "-u", "alice",
                            "-P", "nope", "-t", "t", "-m", "x"},
                           30s);
    EXPECT_NE(bad.exit_code, 0) << version;
    std::string lower = bad.out;  // "Bad User Name or Password" (5), "bad user name or password" (3.1.1)
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    EXPECT_NE(lower.find("bad user name or password"), std::string::npos) << version << ": " << bad.out;
  }
}

// Password checks run on the auth workers: a burst of wrong passwords (each a full 600000-round
// PBKDF2) queues there while another client connects and completes a QoS 1 round trip before
// the burst's last CONNACK.
TEST_F(AuthTest, WrongPasswordBurstDoesNotStallOtherClients) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "under AddressSanitizer 24 PBKDF2 checks outlast the CONNECT timeout";
#endif
  auto r = add_user("alice", "right", "600000");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // One I/O thread: a check run on it would hold up the bystander behind the whole burst.
  start_broker(BrokerOptions{{{"auth.password_file", users_}, {"server.io_threads", "1"}}, {}});
  std::vector<std::unique_ptr<RawClient>> burst;
  for (int i = 0; i < 24; ++i) {
    auto c = std::make_unique<RawClient>();
    c->open(port());
    c->send(encode_connect(as(5, "burst-" + std::to_string(i), "alice", "wrong-" + std::to_string(i))));
    burst.push_back(std::move(c));
  }
  auto other = raw(v5("bystander"));  // anonymous, loopback
  other->subscribe("t/#", 1);
  other->publish_and_wait("t/x", "hello", 1);
  EXPECT_EQ(other->expect_publish(10s).topic, "t/x");
  // The last of the burst is still waiting for its check.
  EXPECT_FALSE(burst.back()->read(0ms).has_value());
  for (auto& c : burst) {
    auto p = c->read(60s);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(decode_connack(5, *p).code, 0x86);
  }
}

TEST_F(AuthTest, AnonymousFromLoopbackAllowedByDefault) {
  must_add_user("alice", "pw-pw-pw");
  start();  // auth.anonymous = "local"
  EXPECT_EQ(connack_code(as(5, "anon5", std::nullopt, std::nullopt)), 0);
  EXPECT_EQ(connack_code(as(4, "anon4", std::nullopt, std::nullopt)), 0);
  EXPECT_EQ(connack_code(as(5, "named", "alice", "wrong")), 0x86);  // a user name is checked
}

TEST_F(AuthTest, UnsupportedAuthenticationMethodIsRefused) {
  start();
  ConnectOptions o = v5("scram");
  o.props.add_str(kAuthMethod, "SCRAM-SHA-256");
  EXPECT_EQ(connack_code(o), 0x8C);
}

TEST_F(AuthTest, BadPasswordFileStopsStartWithLine) {
  std::ofstream(users_) << "# users\nalice:plain-text\n";
  auto r = run_process({accord_binary(), "--listen", "127.0.0.1:0", "--set", "auth.password_file=" + users_,
                        "--set", "store.durability=memory", "--set", "admin.listen="},
                       30s);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find(users_ + ":2: user 'alice'"), std::string::npos) << r.out;
  write_acl("user a\ntopic read x\nallow everything\n");
  r = run_process({accord_binary(), "--listen", "127.0.0.1:0", "--set", "auth.acl_file=" + acl_, "--set",
                   "store.durability=memory", "--set", "admin.listen="},
                  30s);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find(acl_ + ":3: unknown keyword 'allow'"), std::string::npos) << r.out;
}

TEST_F(AuthTest, SighupReloadsUsersAndKeepsOldRulesOnError) {
  must_add_user("alice", "pw-alice");
  write_acl("user alice\ntopic readwrite a/#\nuser bob\ntopic readwrite b/#\n");
  start("deny", true);
  EXPECT_EQ(connack_code(as(5, "b1", "bob", "pw-bob")), 0x86);
  must_add_user("bob", "pw-bob");
  ASSERT_EQ(::kill(broker().pid(), SIGHUP), 0);
  EXPECT_TRUE(eventually([&] { return connack_code(as(5, "b2", "bob", "pw-bob")) == 0; }, 20s))
      << broker().log_text();
  auto bob = login(5, "b3", "bob", "pw-bob");
  EXPECT_EQ(bob->subscribe("b/#", 1).reasons, std::vector<std::uint8_t>{1});

  // A broken ACL: the reload is refused with the line, and the old rules stay.
  write_acl("user bob\ntopic readwrite b/#\ntopic readwrite everything/#\nbroken line\n");
  ASSERT_EQ(::kill(broker().pid(), SIGHUP), 0);
  EXPECT_TRUE(eventually([&] { return broker().log_text().find("auth_reload_failed") != std::string::npos; }, 10s));
  EXPECT_NE(broker().log_text().find(acl_ + ":4:"), std::string::npos);
  EXPECT_TRUE(broker().running());
  auto bob2 = login(5, "b4", "bob", "pw-bob");
  EXPECT_EQ(bob2->subscribe("everything/#", 1).reasons, std::vector<std::uint8_t>{0x87});
  EXPECT_EQ(bob2->subscribe("b/x", 1).reasons, std::vector<std::uint8_t>{1});
}

class AclTest : public AuthTest {
 protected:
  void SetUp() override {
    AuthTest::SetUp();
    if (IsSkipped()) return;
    must_add_user("alice", "pw-a");
    must_add_user("admin", "pw-admin");
    must_add_user("reader", "pw-r");
    write_acl(
        "# anonymous clients\n"
        "topic read public/#\n"
        "user alice\n"
        "topic readwrite a/#\n"
        "topic read feed/#\n"
        "user admin\n"
        "topic readwrite #\n"
        "user reader\n"
        "topic read #\n"
        "topic deny secret/#\n"
        "pattern readwrite devices/%c/#\n"
        "pattern read users/%u/#\n");
    start("local", true);
  }
};

TEST_F(AclTest, DeniedSubscribeGetsFailureForThatFilterOnly) {
  auto a5 = login(5, "alice-5", "alice", "pw-a");
  Ack ack = a5->subscribe({{"a/#", 1}, {"secret/#", 1}, {"feed/x", 0}, {"#", 0}});
  EXPECT_EQ(ack.reasons, (std::vector<std::uint8_t>{1, 0x87, 0, 0x87}));
  auto a4 = login(4, "alice-4", "alice", "pw-a");
  ack = a4->subscribe({{"secret/#", 1}, {"a/b", 1}});
  EXPECT_EQ(ack.reasons, (std::vector<std::uint8_t>{0x80, 1}));
  // Anonymous (loopback) clients get the rules before the first `user` line.
  auto anon = raw(v5("anon"));
  EXPECT_EQ(anon->subscribe({{"public/#", 0}, {"a/#", 0}}).reasons, (std::vector<std::uint8_t>{0, 0x87}));
}

TEST_F(AclTest, DeniedPublishV5GetsPuback87AndIsNotDelivered) {
  auto admin = login(5, "admin", "admin", "pw-admin");
  ASSERT_EQ(admin->subscribe("#", 1).reasons, std::vector<std::uint8_t>{1});
  auto alice = login(5, "alice", "alice", "pw-a");
  alice->publish("secret/x", "leak", 1, false, 7);
  Ack ack = decode_ack(5, alice->expect(PUBACK));
  EXPECT_EQ(ack.packet_id, 7);
  EXPECT_EQ(ack.reason, 0x87);
  alice->publish("secret/y", "leak", 2, false, 8);
  ack = decode_ack(5, alice->expect(PUBREC));
  EXPECT_EQ(ack.reason, 0x87);
  alice->publish("secret/z", "leak", 0);
  alice->publish_and_wait("a/ok", "fine", 1);
  // The first (and only) message the subscriber sees is the allowed one.
  Publish got = admin->expect_publish(10s);
  EXPECT_EQ(got.topic, "a/ok");
  admin->ack(PUBACK, got.packet_id);
  EXPECT_TRUE(admin->quiet_for(300ms));
}

TEST_F(AclTest, DeniedPublishV311IsAcknowledgedAndDropped) {
  auto admin = login(5, "admin", "admin", "pw-admin");
  ASSERT_EQ(admin->subscribe("#", 0).reasons, std::vector<std::uint8_t>{0});
  auto alice = login(4, "alice", "alice", "pw-a");
  alice->publish("secret/x", "leak", 1, false, 9);
  Ack ack = decode_ack(4, alice->expect(PUBACK));
  EXPECT_EQ(ack.packet_id, 9);  // acknowledged as usual: 3.1.1 has no way to say no
  alice->publish_and_wait("a/ok", "fine", 1);
  EXPECT_EQ(admin->expect_publish(10s).topic, "a/ok");
}

TEST_F(AclTest, WildcardSubscriberDoesNotReceiveTopicsItMayNotRead) {
  auto reader = login(5, "reader", "reader", "pw-r");
  EXPECT_EQ(reader->subscribe("#", 0).reasons, std::vector<std::uint8_t>{0});
  EXPECT_EQ(reader->subscribe("secret/#", 0).reasons, std::vector<std::uint8_t>{0x87});
  auto admin = login(5, "admin", "admin", "pw-admin");
  admin->publish_and_wait("secret/plans", "hidden", 1, /*retain=*/true);
  admin->publish_and_wait("news/today", "visible", 1);
  EXPECT_EQ(reader->expect_publish(10s).topic, "news/today");
  // Retained messages go through the same check.
  auto reader2 = login(5, "reader2", "reader", "pw-r");
  admin->publish_and_wait("news/retained", "kept", 1, true);
  EXPECT_EQ(reader2->subscribe("#", 0).reasons, std::vector<std::uint8_t>{0});
  EXPECT_EQ(reader2->expect_publish(10s).topic, "news/retained");
  EXPECT_TRUE(reader2->quiet_for(300ms));

  HttpClient http("127.0.0.1", broker().admin_port());
  const std::string metrics = http.get("/metrics").body;
  EXPECT_NE(metrics.find("accord_acl_denied_total{action=\"read\"} 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("accord_acl_denied_total{action=\"subscribe\"} 1"), std::string::npos);
}

TEST_F(AclTest, QueuedMessagesAreCheckedAgainstTheRulesOfTheReconnectingUser) {
  ConnectOptions o = as(5, "shared-device", "admin", "pw-admin");
  o.props.add_num(prop::SessionExpiry, 300);
  {
    RawClient c;
    ASSERT_EQ(c.connect(port(), o, 30s).code, 0);
    EXPECT_EQ(c.subscribe({{"secret/#", 1}, {"news/#", 1}}).reasons, (std::vector<std::uint8_t>{1, 1}));
    c.disconnect();
  }
  auto admin = login(5, "publisher", "admin", "pw-admin");
  admin->publish_and_wait("secret/x", "queued", 1);
  admin->publish_and_wait("news/x", "queued", 1);
  // The same session, now as a user who may not read secret/#.
  ConnectOptions r = as(5, "shared-device", "reader", "pw-r");
  r.clean = false;
  r.props.add_num(prop::SessionExpiry, 300);
  RawClient c;
  const Connack ack = c.connect(port(), r, 30s);
  ASSERT_EQ(ack.code, 0);
  EXPECT_TRUE(ack.session_present);
  EXPECT_EQ(c.expect_publish(10s).topic, "news/x");
}

TEST_F(AclTest, PatternsSubstituteUserAndClientId) {
  auto alice = login(5, "dev-1", "alice", "pw-a");
  EXPECT_EQ(alice->subscribe({{"users/alice/#", 0}, {"users/bob/#", 0}, {"devices/dev-1/#", 0}}).reasons,
            (std::vector<std::uint8_t>{0, 0x87, 0}));
  alice->publish("devices/dev-1/up", "x", 1, false, 3);
  EXPECT_EQ(decode_ack(5, alice->expect(PUBACK)).reason, 0);
  alice->publish("devices/dev-2/up", "x", 1, false, 4);
  EXPECT_EQ(decode_ack(5, alice->expect(PUBACK)).reason, 0x87);
}

TEST_F(AclTest, WildcardsInUserOrClientIdDoNotWidenPatterns) {
  // User names are free text: these are valid users whose %u must not become a wildcard.
  const std::vector<std::string> evil_users{"+", "a#", "u/v"};
  for (const auto& u : evil_users) must_add_user(u, "pw-" + u);
  ASSERT_EQ(::kill(broker().pid(), SIGHUP), 0);
  ASSERT_TRUE(eventually([&] { return connack_code(as(5, "probe", "u/v", "pw-u/v")) == 0; }, 20s));
  for (const std::string client_id : {"#", "+", "x/y"}) {
    auto c = login(5, client_id, "alice", "pw-a");
    EXPECT_EQ(c->subscribe({{"devices/#", 0}, {"devices/+/up", 0}, {"devices/x/#", 0}}).reasons,
              (std::vector<std::uint8_t>{0x87, 0x87, 0x87}))
        << client_id;
    c->publish("devices/x/y/up", "x", 1, false, 5);
    EXPECT_EQ(decode_ack(5, c->expect(PUBACK)).reason, 0x87) << client_id;
  }
  int n = 0;
  for (const auto& user : evil_users) {
    auto c = login(5, "u-" + std::to_string(++n), user, "pw-" + user);
    EXPECT_EQ(c->subscribe({{"users/#", 0}, {"users/alice/x", 0}, {"users/+/x", 0}}).reasons,
              (std::vector<std::uint8_t>{0x87, 0x87, 0x87}))
        << user;
  }
}

TEST_F(AclTest, WillToDeniedTopicRefusedAtConnect) {
  ConnectOptions o = as(5, "w5", "alice", "pw-a");
  o.will = Will{"secret/will", "bye", 0, false, {}};
  EXPECT_EQ(connack_code(o), 0x87);
  o = as(4, "w4", "alice", "pw-a");
  o.will = Will{"secret/will", "bye", 0, false, {}};
  EXPECT_EQ(connack_code(o), 5);
  o.will = Will{"a/will", "bye", 0, false, {}};
  EXPECT_EQ(connack_code(o), 0);
}

}  // namespace
}  // namespace accord::it
