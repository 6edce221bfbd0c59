#include "broker_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

#ifndef ACCORD_BIN_PATH
#define ACCORD_BIN_PATH ""
#endif

namespace accord::it {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Accord --set key -> Mosquitto configuration option with the same meaning.
const std::map<std::string, std::string>& mosquitto_equivalents() {
  static const std::map<std::string, std::string> m = {
      {"limits.max_packet_size", "max_packet_size"},
      {"limits.max_inflight_out", "max_inflight_messages"},
      {"limits.max_queued_messages", "max_queued_messages"},
      {"limits.topic_alias_maximum", "max_topic_alias"},
      {"limits.max_keep_alive", "max_keepalive"},
      {"features.maximum_qos", "max_qos"},
  };
  return m;
}

}  // namespace

std::string accord_binary() {
  if (const char* env = std::getenv("ACCORD_BIN"); env && *env) return env;
  return ACCORD_BIN_PATH;
}

BrokerKind broker_kind_from_env() {
  const char* env = std::getenv("ACCORD_TEST_BROKER");
  if (env && std::string(env) == "mosquitto") return BrokerKind::Mosquitto;
  return BrokerKind::Accord;
}

const char* broker_kind_name(BrokerKind k) { return k == BrokerKind::Accord ? "accord" : "mosquitto"; }

std::uint16_t pick_free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a free port");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool BrokerProcess::supports(BrokerKind kind, const BrokerOptions& options, std::string* unsupported) {
  if (kind == BrokerKind::Accord) return true;
  if (!options.config_toml.empty() || !options.listeners_toml.empty()) {
    if (unsupported) *unsupported = "config file";
    return false;
  }
  for (const auto& [k, v] : options.settings) {
    if (!mosquitto_equivalents().count(k)) {
      if (unsupported) *unsupported = k;
      return false;
    }
  }
  return true;
}

BrokerProcess::BrokerProcess(BrokerOptions options, BrokerKind kind)
    : options_(std::move(options)), kind_(kind) {
  std::string tmpl = (fs::temp_directory_path() / "accord-it-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
}

BrokerProcess::~BrokerProcess() {
  stop();
  std::error_code ec;
  if (!std::getenv("ACCORD_IT_KEEP_TMP")) fs::remove_all(dir_, ec);
}

void BrokerProcess::spawn(const std::vector<std::string>& argv) {
  std::string log = log_path();
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Never outlive the test binary (a crashed or killed test run).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in >= 0) ::dup2(in, 0);
    if (out >= 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "exec %s failed: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  pid_ = pid;
}

bool BrokerProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

bool BrokerProcess::wait_port_file(std::chrono::steady_clock::time_point deadline) {
  std::string path = dir_ + "/port";
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return false;
    std::ifstream in(path);
    std::string line;
    if (in && std::getline(in, line)) {
      std::istringstream ls(line);
      std::string host;
      unsigned port = 0;
      if (ls >> host >> port && port > 0 && port < 65536) {
        port_ = std::uint16_t(port);
        // Further lines: "address port kind", e.g. the admin API, TLS and WebSocket listeners.
        kind_ports_.clear();
        while (std::getline(in, line)) {
          std::istringstream extra(line);
          std::string kind;
          unsigned p = 0;
          if (!(extra >> host >> p >> kind) || p == 0 || p >= 65536) continue;
          if (kind == "admin") admin_port_ = std::uint16_t(p);
          else kind_ports_.emplace(kind, std::uint16_t(p));
        }
        return wait_accepting(deadline);
      }
    }
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

bool BrokerProcess::wait_accepting(std::chrono::steady_clock::time_point deadline) {
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return false;
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

void BrokerProcess::write_mosquitto_conf() {
  std::ofstream conf(dir_ + "/mosquitto.conf", std::ios::trunc);
  conf << "listener " << port_ << " 127.0.0.1\n"
       << "allow_anonymous true\n"
       << "persistence false\n"
       << "log_dest stderr\n"
       << "log_type all\n";
  for (const auto& [k, v] : options_.settings) conf << mosquitto_equivalents().at(k) << ' ' << v << '\n';
}

void BrokerProcess::start(std::chrono::milliseconds timeout) {
  if (running()) return;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (kind_ == BrokerKind::Accord) {
    std::string bin = accord_binary();
    if (bin.empty() || !fs::exists(bin))
      throw std::runtime_error("accord binary not found ('" + bin + "'): build target accord or set ACCORD_BIN");
    std::error_code ec;
    fs::remove(dir_ + "/port", ec);
    std::string listen = "127.0.0.1:" + std::to_string(port_);  // 0 on first start
    std::vector<std::string> argv = {bin, "--listen", listen, "--port-file", dir_ + "/port",
                                     "--log-level", "debug"};
    std::string config_toml = options_.config_toml;
    if (!options_.listeners_toml.empty()) {
      // --listen would replace the file's listeners: the plain one goes into the file too, first
      // (the port file's first line is the plain MQTT port), before any other table.
      argv.erase(argv.begin() + 1, argv.begin() + 3);
      config_toml = "[[listeners]]\naddress = \"127.0.0.1\"\nport = " + std::to_string(port_) + "\n\n" +
                    options_.listeners_toml + "\n" + config_toml;
    }
    // The admin API on a free port (the default 8081 would clash between parallel tests); a
    // restart keeps it, like the MQTT port.
    argv.push_back("--set");
    argv.push_back("admin.listen=127.0.0.1:" + std::to_string(admin_port_));
    // The store in the instance's own directory (tests that care set store.data_dir themselves:
    // later settings win).
    argv.push_back("--set");
    argv.push_back("store.data_dir=" + dir_ + "/data");
    if (!config_toml.empty()) {
      std::ofstream(dir_ + "/accord.toml") << config_toml;
      argv.insert(argv.begin() + 1, {"--config", dir_ + "/accord.toml"});
    }
    for (const auto& [k, v] : options_.settings) {
      argv.push_back("--set");
      argv.push_back(k + "=" + v);
    }
    // A restart on the old port may race with the kernel releasing it: retry a few times.
    for (int attempt = 0; attempt < 20; ++attempt) {
      spawn(argv);
      if (wait_port_file(deadline)) return;
      if (running() || std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(100ms);
    }
  } else {
    std::string unsupported;
    if (!supports(kind_, options_, &unsupported))
      throw std::runtime_error("mosquitto has no equivalent of setting " + unsupported);
    bool fixed_port = port_ != 0;
    for (int attempt = 0; attempt < 20; ++attempt) {
      if (!fixed_port) port_ = pick_free_port();
      write_mosquitto_conf();
      spawn({"mosquitto", "-c", dir_ + "/mosquitto.conf"});
      if (wait_accepting(deadline)) return;
      if (running() || std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(fixed_port ? 100ms : 10ms);
    }
  }
  stop(1s);
  throw std::runtime_error(std::string("broker (") + broker_kind_name(kind_) +
                           ") did not start listening in time. Log:\n" + log_text());
}

int BrokerProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  pid_ = -1;
  return status;
}

void BrokerProcess::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string BrokerProcess::log_text() const {
  std::ifstream in(log_path());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void BrokerProcess::dump_log(std::ostream& out) const {
  std::string text = log_text();
  constexpr std::size_t max = 64 * 1024;
  out << "---- broker log (" << broker_kind_name(kind_) << ", " << log_path() << ") ----\n";
  if (text.size() > max) out << "[... " << text.size() - max << " bytes cut ...]\n" << text.substr(text.size() - max);
  else out << text;
  out << "\n---- end of broker log ----\n";
}

}  // namespace accord::it
