// TLS listeners and MQTT over WebSockets, with real clients: mosquitto_pub/sub over TLS (server
// and client certificates), openssl s_client for protocol versions and the served certificate,
// Paho C++ over ws://. Certificates are made per test (test_pki.hpp). Accord only.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "test_pki.hpp"
#include "test_support.hpp"

namespace accord::it {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

class TlsWs : public BrokerTest {
 protected:
  void SetUp() override {
    if (is_mosquitto()) GTEST_SKIP() << "Accord's TLS/WebSocket listener configuration";
    std::string tmpl = (fs::temp_directory_path() / "accord-pki-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    pki_ = std::make_unique<TestPki>(tmpl);
    pki_->make_ca("ca", "Accord Test CA");
    pki_->make_ca("other-ca", "Some Other CA");
    pki_->issue("ca", "server", "server-1", true);
    pki_->issue("ca", "client", "device-7", false);
    pki_->issue("ca", "publisher", "publisher", false);
    pki_->issue("other-ca", "stranger", "device-7", false);  // same CN, wrong CA
  }
  void TearDown() override {
    BrokerTest::TearDown();
    std::error_code ec;
    if (pki_ && !std::getenv("ACCORD_IT_KEEP_TMP")) fs::remove_all(pki_->dir(), ec);
  }

  // A [[listeners]] table on 127.0.0.1, any port, with the test server certificate.
  std::string listener(const std::string& protocol, bool tls, const std::string& extra = "") const {
    std::string t = "[[listeners]]\naddress = \"127.0.0.1\"\nport = 0\nprotocol = " + quoted(protocol) + "\n";
    if (tls) {
      t += "tls = true\ntls_cert_file = " + quoted(pki_->crt("server")) + "\ntls_key_file = " +
           quoted(pki_->key("server")) + "\n";
    }
    return t + extra + "\n";
  }
  std::string mutual(const std::string& extra = "") const {
    return "tls_ca_file = " + quoted(pki_->crt("ca")) + "\ntls_require_client_cert = true\n" + extra;
  }
  BrokerProcess& start(const std::string& listeners, std::vector<std::pair<std::string, std::string>> settings = {}) {
    BrokerOptions o;
    o.listeners_toml = listeners;
    o.settings = std::move(settings);
    return start_broker(std::move(o));
  }

  // mosquitto_pub/sub towards the first TLS listener, trusting the test CA.
  std::vector<std::string> tls_tool(const std::string& tool, const std::string& client = "") {
    std::vector<std::string> argv = {tool, "-h", "127.0.0.1", "-p", std::to_string(broker().port("tls")),
                                     "--cafile", pki_->crt("ca")};
    if (!client.empty()) argv.insert(argv.end(), {"--cert", pki_->crt(client), "--key", pki_->key(client)});
    return argv;
  }
  std::vector<std::string> plain_tool(const std::string& tool) {
    return {tool, "-h", "127.0.0.1", "-p", std::to_string(port())};
  }
  // Starts mosquitto_sub (argv without topic) and waits for its SUBACK.
  std::unique_ptr<Subprocess> sub(std::vector<std::string> argv, const std::string& topic, int count = 1,
                                  std::vector<std::string> extra = {}, int wait_s = 10) {
    argv.insert(argv.end(), {"-t", topic, "-C", std::to_string(count), "-W", std::to_string(wait_s), "-d"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.begin(), {"stdbuf", "-oL"});
    auto p = std::make_unique<Subprocess>(argv);
    EXPECT_TRUE(p->wait_for_output("Subscribed (mid", 5s)) << p->output();
    return p;
  }
  static ProcessResult run(std::vector<std::string> argv, std::vector<std::string> extra) {
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_process(argv, 15s);
  }
  // openssl s_client towards `port`: its exit code and output (stdin is /dev/null: it ends
  // right after the handshake).
  ProcessResult s_client(std::uint16_t port, std::vector<std::string> extra) {
    std::vector<std::string> argv = {"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                                     "-CAfile", pki_->crt("ca")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_process(argv, 15s);
  }
  // The subject CN of the certificate the TLS listener serves now.
  std::string served_cn() {
    const ProcessResult r = s_client(broker().port("tls"), {});
    for (const char* cn : {"server-1", "server-2", "server-3"}) {
      if (r.out.find("subject=CN = " + std::string(cn)) != std::string::npos) return cn;
    }
    return "? " + r.out;
  }
  bool log_has(const std::string& text) { return broker().log_text().find(text) != std::string::npos; }

  std::unique_ptr<TestPki> pki_;
};

TEST_F(TlsWs, TlsRoundTripNextToPlainListener) {
  start(listener("mqtt", true));
  ASSERT_NE(broker().port("tls"), 0) << "no 'tls' line in the port file";
  auto s = sub(tls_tool("mosquitto_sub"), "tls/t", 2, {"-q", "1"});
  ProcessResult p1 = run(tls_tool("mosquitto_pub"), {"-t", "tls/t", "-m", "over-tls", "-q", "1"});
  EXPECT_EQ(p1.exit_code, 0) << p1.out;
  ProcessResult p2 = run(plain_tool("mosquitto_pub"), {"-t", "tls/t", "-m", "over-tcp"});
  EXPECT_EQ(p2.exit_code, 0) << p2.out;
  ProcessResult r = s->wait(15s);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("over-tls"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("over-tcp"), std::string::npos) << r.out;
}

TEST_F(TlsWs, PlainMqttOnTlsPortIsAHandshakeFailure) {
  start(listener("mqtt", true));
  ProcessResult r = run({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(broker().port("tls"))},
                        {"-t", "x", "-m", "y"});
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_TRUE(eventually([&] { return log_has("handshake_failed"); }, 5s));
}

TEST_F(TlsWs, MutualTlsNeedsAClientCertificateFromTheConfiguredCa) {
  start(listener("mqtt", true, mutual()));
  auto s = sub(tls_tool("mosquitto_sub", "client"), "mtls/t");
  // Refused: no certificate, then a certificate (same CN) from another CA.
  ProcessResult none = run(tls_tool("mosquitto_pub"), {"-t", "mtls/t", "-m", "no-cert", "-q", "1"});
  EXPECT_NE(none.exit_code, 0) << none.out;
  ProcessResult stranger = run(tls_tool("mosquitto_pub", "stranger"), {"-t", "mtls/t", "-m", "stranger", "-q", "1"});
  EXPECT_NE(stranger.exit_code, 0) << stranger.out;
  // Accepted: a certificate from the test CA.
  ProcessResult ok = run(tls_tool("mosquitto_pub", "publisher"), {"-t", "mtls/t", "-m", "with-cert", "-q", "1"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  ProcessResult r = s->wait(15s);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("with-cert"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("no-cert"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("stranger"), std::string::npos) << r.out;
  EXPECT_TRUE(eventually([&] { return log_has("handshake_failed"); }, 5s));
}

TEST_F(TlsWs, ClientIdFromTheCertificateWinsOverTheConnect) {
  start(listener("mqtt", true, mutual("tls_identity = \"client_id\"\n")));
  // A persistent session under whatever id the client names: the certificate's CN is used.
  ProcessResult first = run(tls_tool("mosquitto_sub", "client"),
                            {"-V", "mqttv311", "-c", "-i", "first-name", "-q", "1", "-t", "id/t", "-E"});
  ASSERT_EQ(first.exit_code, 0) << first.out;
  ProcessResult pub = run(tls_tool("mosquitto_pub", "publisher"), {"-t", "id/t", "-m", "queued", "-q", "1"});
  ASSERT_EQ(pub.exit_code, 0) << pub.out;
  // Another id in the CONNECT, same certificate: the same session, with the queued message.
  ProcessResult second = run(tls_tool("mosquitto_sub", "client"),
                             {"-V", "mqttv311", "-c", "-i", "second-name", "-q", "1", "-t", "id/t", "-C", "1",
                              "-W", "10"});
  EXPECT_EQ(second.exit_code, 0) << second.out;
  EXPECT_NE(second.out.find("queued"), std::string::npos) << second.out;
  EXPECT_TRUE(log_has("client_id=device-7"));
  EXPECT_FALSE(log_has("client_id=second-name"));
}

TEST_F(TlsWs, Tls11RefusedTls12Accepted) {
  start(listener("mqtt", true));
  const std::uint16_t port = broker().port("tls");
  // SECLEVEL=0 lets this client offer TLS 1.1 at all; the broker must refuse it.
  ProcessResult old = s_client(port, {"-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"});
  EXPECT_NE(old.exit_code, 0) << old.out;
  EXPECT_TRUE(eventually([&] { return log_has("handshake_failed"); }, 5s)) << "the broker never saw the hello";
  ProcessResult v12 = s_client(port, {"-tls1_2"});
  EXPECT_EQ(v12.exit_code, 0) << v12.out;
  EXPECT_NE(v12.out.find("TLSv1.2"), std::string::npos) << v12.out;
}

TEST_F(TlsWs, MinVersion13RefusesTls12) {
  start(listener("mqtt", true, "tls_min_version = \"1.3\"\n"));
  const std::uint16_t port = broker().port("tls");
  ProcessResult v12 = s_client(port, {"-tls1_2"});
  EXPECT_NE(v12.exit_code, 0) << v12.out;
  ProcessResult v13 = s_client(port, {"-tls1_3"});
  EXPECT_EQ(v13.exit_code, 0) << v13.out;
  EXPECT_NE(v13.out.find("TLSv1.3"), std::string::npos) << v13.out;
}

TEST_F(TlsWs, CertificatesReloadOnSighupAndOnFileChange) {
  start(listener("mqtt", true));
  ASSERT_EQ(served_cn(), "server-1");
  auto existing = sub(tls_tool("mosquitto_sub"), "reload/t", 1, {}, 60);

  // Put a new certificate in place: written aside, given the old files' modification times,
  // renamed over them. Only SIGHUP can notice this one.
  pki_->issue("ca", "server2", "server-2", true);
  for (const char* ext : {".crt", ".key"}) {
    const std::string target = pki_->dir() + "/server" + ext;
    const std::string fresh = pki_->dir() + "/server2" + ext;
    fs::last_write_time(fresh, fs::last_write_time(target));
    fs::rename(fresh, target);
  }
  std::this_thread::sleep_for(1500ms);  // the once-a-second file check had its chance
  EXPECT_EQ(served_cn(), "server-1") << "reloaded without SIGHUP although the file times did not change";
  ASSERT_EQ(::kill(broker().pid(), SIGHUP), 0);
  EXPECT_TRUE(eventually([&] { return served_cn() == "server-2"; }, 10s)) << served_cn();

  // A changed file is picked up by itself.
  pki_->issue("ca", "server3", "server-3", true);
  fs::rename(pki_->dir() + "/server3.key", pki_->key("server"));
  fs::rename(pki_->dir() + "/server3.crt", pki_->crt("server"));
  EXPECT_TRUE(eventually([&] { return served_cn() == "server-3"; }, 10s)) << served_cn();

  // A broken file: logged, the previous certificate stays.
  const auto failures = [&] {
    const std::string log = broker().log_text();
    std::size_t n = 0;
    for (auto pos = log.find("tls_reload_failed"); pos != std::string::npos; pos = log.find("tls_reload_failed", pos + 1)) ++n;
    return n;
  };
  const std::size_t failures_before = failures();
  std::ofstream(pki_->crt("server"), std::ios::trunc) << "not a certificate\n";
  ASSERT_EQ(::kill(broker().pid(), SIGHUP), 0);
  EXPECT_TRUE(eventually([&] { return failures() > failures_before; }, 10s));
  EXPECT_EQ(served_cn(), "server-3");

  // The connection made before all this still works.
  ProcessResult p = run(plain_tool("mosquitto_pub"), {"-t", "reload/t", "-m", "still-here"});
  EXPECT_EQ(p.exit_code, 0) << p.out;
  ProcessResult r = existing->wait(60s);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("still-here"), std::string::npos) << r.out;
}

TEST_F(TlsWs, HandshakeBoundedByConnectTimeout) {
  start(listener("mqtt", true), {{"server.connect_timeout_ms", "300"}});
  // A TCP connection that never says anything: closed by the broker, failure logged.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(broker().port("tls"));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval tv{10, 0};  // bound for the test; the broker closes long before
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char byte = 0;
  const ssize_t n = ::recv(fd, &byte, 1, 0);
  ::close(fd);
  EXPECT_EQ(n, 0) << "expected the broker to close the connection";
  EXPECT_TRUE(eventually([&] { return log_has("connect_timeout_ms"); }, 5s));
}

TEST_F(TlsWs, PahoOverWebSocket) {
  start(listener("ws", false));
  const std::uint16_t ws = broker().port("ws");
  ASSERT_NE(ws, 0) << "no 'ws' line in the port file";
  const std::string url = "ws://127.0.0.1:" + std::to_string(ws) + "/mqtt";
  for (int version : {5, 4}) {
    SCOPED_TRACE(version);
    PahoClient sub(url, "ws-sub-" + std::to_string(version), version);
    sub.connect();
    sub.subscribe("ws/t", 1);
    PahoClient pub(url, "ws-pub-" + std::to_string(version), version);
    pub.connect();
    pub.publish("ws/t", "qos1 over ws", 1);
    pub.publish("ws/t", "qos0 over ws", 0);
    auto m1 = sub.next();
    auto m2 = sub.next();
    ASSERT_TRUE(m1 && m2);
    EXPECT_EQ(m1->get_payload_str(), "qos1 over ws");
    EXPECT_EQ(m2->get_payload_str(), "qos0 over ws");
    // And from the plain listener to the WebSocket one.
    PahoClient tcp(uri(), "tcp-pub-" + std::to_string(version), version);
    tcp.connect();
    tcp.publish("ws/t", "from tcp", 1);
    auto m3 = sub.next();
    ASSERT_TRUE(m3);
    EXPECT_EQ(m3->get_payload_str(), "from tcp");
  }
  // Another path: no MQTT there.
  PahoClient wrong("ws://127.0.0.1:" + std::to_string(ws) + "/elsewhere", "ws-wrong", 5);
  EXPECT_ANY_THROW(wrong.connect());
  EXPECT_TRUE(eventually([&] { return log_has("is not /mqtt"); }, 5s));
}

// ---- configuration errors: before anything listens ---------------------------------------------

class TlsConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    if (broker_kind_from_env() == BrokerKind::Mosquitto) GTEST_SKIP() << "Accord configuration";
    std::string tmpl = (fs::temp_directory_path() / "accord-tlscfg-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  ProcessResult run_with(const std::string& listener_toml) {
    std::ofstream(dir_ + "/accord.toml") << "[[listeners]]\naddress = \"127.0.0.1\"\nport = 0\n" << listener_toml;
    return run_process({accord_binary(), "--config", dir_ + "/accord.toml", "--set", "admin.listen=", "--set",
                        "store.data_dir=" + dir_ + "/data", "--set", "store.durability=memory"},
                       15s);
  }
  static int lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }
  std::string dir_;
};

TEST_F(TlsConfig, TlsWithoutKeyNamesTheKey) {
  const ProcessResult r = run_with("tls = true\ntls_cert_file = \"/nonexistent.crt\"\n");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_EQ(lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("listeners[0].tls_key_file"), std::string::npos) << r.out;
}

TEST_F(TlsConfig, BadEnumValuesAreNamed) {
  ProcessResult r = run_with("tls_min_version = \"1.1\"\n");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("listeners[0].tls_min_version"), std::string::npos) << r.out;
  r = run_with("protocol = \"wss\"\n");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("listeners[0].protocol"), std::string::npos) << r.out;
  r = run_with("tls = true\ntls_cert_file = \"a\"\ntls_key_file = \"b\"\ntls_identity = \"cn\"\n");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("listeners[0].tls_identity"), std::string::npos) << r.out;
}

TEST_F(TlsConfig, InvalidPemNamesThePathAndOpensslsReason) {
  std::ofstream(dir_ + "/bad.crt") << "this is not PEM\n";
  std::ofstream(dir_ + "/bad.key") << "neither is this\n";
  ProcessResult r = run_with("tls = true\ntls_cert_file = \"" + dir_ + "/bad.crt\"\ntls_key_file = \"" + dir_ +
                             "/bad.key\"\n");
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("listeners[0].tls_cert_file '" + dir_ + "/bad.crt'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no start line"), std::string::npos) << r.out;
  r = run_with("tls = true\ntls_cert_file = \"" + dir_ + "/missing.crt\"\ntls_key_file = \"" + dir_ + "/bad.key\"\n");
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("missing.crt': No such file or directory"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace accord::it
