#include "test_support.hpp"

#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>

namespace accord::it {

using namespace std::chrono_literals;

// ---- BrokerTest ---------------------------------------------------------------------------------

void BrokerTest::TearDown() {
  if (broker_ && HasFailure()) broker_->dump_log(std::cerr);
  broker_.reset();
}

void DurableBrokerTest::SetUp() {
  BrokerTest::SetUp();
  if (is_mosquitto()) GTEST_SKIP() << "exercises Accord's RocksDB store";
  std::string tmpl = (std::filesystem::temp_directory_path() / "accord-data-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  data_dir_ = tmpl + "/data";
}

void DurableBrokerTest::TearDown() {
  BrokerTest::TearDown();
  std::error_code ec;
  if (!data_dir_.empty()) std::filesystem::remove_all(std::filesystem::path(data_dir_).parent_path(), ec);
}

BrokerProcess& DurableBrokerTest::start_durable(
    const std::string& durability, std::vector<std::pair<std::string, std::string>> extra) {
  BrokerOptions o{{{"store.durability", durability}, {"store.data_dir", data_dir_}}};
  for (auto& kv : extra) o.settings.push_back(std::move(kv));
  return start_broker(std::move(o));
}

BrokerProcess& BrokerTest::broker() {
  if (!broker_) {
    broker_ = std::make_unique<BrokerProcess>();
    broker_->start();
  }
  return *broker_;
}

BrokerProcess& BrokerTest::start_broker(BrokerOptions options) {
  broker_.reset();
  broker_ = std::make_unique<BrokerProcess>(std::move(options));
  broker_->start();
  return *broker_;
}

std::unique_ptr<RawClient> BrokerTest::raw(const ConnectOptions& o) {
  auto c = std::make_unique<RawClient>();
  Connack ack = c->connect(port(), o);
  if (ack.code != 0)
    throw std::runtime_error("CONNACK refused for " + o.client_id + ": code " + std::to_string(ack.code));
  return c;
}

// ---- PahoClient ---------------------------------------------------------------------------------

PahoClient::PahoClient(const std::string& uri, const std::string& client_id, int mqtt_version)
    : version_(mqtt_version),
      cli_(uri, client_id, mqtt::create_options(mqtt_version == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1)) {
  cli_.start_consuming();
}

PahoClient::~PahoClient() {
  try {
    if (cli_.is_connected()) cli_.disconnect()->wait_for(2s);
  } catch (...) {
  }
}

bool PahoClient::connect(mqtt::connect_options opts) {
  auto tok = cli_.connect(opts);
  if (!tok->wait_for(5s)) throw std::runtime_error("paho connect timed out");
  return tok->get_connect_response().is_session_present();
}

bool PahoClient::connect(bool clean, const mqtt::properties& props) {
  mqtt::connect_options_builder b;
  b.mqtt_version(version_ == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1).connect_timeout(5s).keep_alive_interval(30s);
  if (version_ == 5) b.clean_start(clean).properties(props);
  else b.clean_session(clean);
  return connect(b.finalize());
}

void PahoClient::disconnect() {
  if (cli_.is_connected()) cli_.disconnect()->wait_for(3s);
}

std::vector<int> PahoClient::subscribe(const std::string& filter, int qos, const mqtt::subscribe_options& so,
                                       const mqtt::properties& props) {
  auto tok = version_ == 5 ? cli_.subscribe(filter, qos, so, props) : cli_.subscribe(filter, qos);
  if (!tok->wait_for(5s)) throw std::runtime_error("paho subscribe timed out");
  std::vector<int> out;
  const mqtt::subscribe_response rsp = tok->get_subscribe_response();
  const auto codes = rsp.get_reason_codes();
  for (auto rc : codes) out.push_back(int(rc));
  return out;
}

void PahoClient::publish(const std::string& topic, const std::string& payload, int qos, bool retain,
                         const mqtt::properties& props) {
  auto msg = mqtt::make_message(topic, payload, qos, retain);
  if (version_ == 5) msg->set_properties(props);
  publish(msg);
}

void PahoClient::publish(mqtt::message_ptr msg) {
  auto tok = cli_.publish(msg);
  if (!tok->wait_for(5s)) throw std::runtime_error("paho publish timed out");
}

mqtt::const_message_ptr PahoClient::next(std::chrono::milliseconds timeout) {
  mqtt::const_message_ptr msg;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!cli_.try_consume_message_for(&msg, left)) return nullptr;
    if (msg) return msg;  // a null message signals a lost connection: keep waiting
  }
  return nullptr;
}

// ---- Subprocess ---------------------------------------------------------------------------------

Subprocess::Subprocess(const std::vector<std::string>& argv) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    int in = ::open("/dev/null", O_RDONLY);
    ::dup2(in, 0);
    ::dup2(p[1], 1);
    ::dup2(p[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "exec %s failed: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(p[1]);
  fd_ = p[0];
}

Subprocess::~Subprocess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (fd_ >= 0) ::close(fd_);
}

bool Subprocess::pump(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return false;
  pollfd pfd{fd_, POLLIN, 0};
  if (::poll(&pfd, 1, int(timeout.count())) <= 0) return false;
  char buf[4096];
  ssize_t n = ::read(fd_, buf, sizeof buf);
  if (n <= 0) {
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  out_.append(buf, std::size_t(n));
  return true;
}

bool Subprocess::wait_for_output(const std::string& needle, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out_.find(needle) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || fd_ < 0) return false;
    pump(left);
  }
  return true;
}

ProcessResult Subprocess::wait(std::chrono::milliseconds timeout) {
  ProcessResult r;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (fd_ >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pump(left);
  }
  int status = 0;
  for (;;) {
    pid_t w = ::waitpid(pid_, &status, WNOHANG);
    if (w == pid_) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      r.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  pid_ = -1;
  while (pump(0ms)) {
  }
  r.exit_code = (!r.timed_out && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  r.out = out_;
  return r;
}

ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  Subprocess p(argv);
  return p.wait(timeout);
}

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace accord::it
