#include "broker/app/config_loader.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace accord {
namespace {

namespace fs = std::filesystem;
using Status = LoadResult::Status;

// "haystack" contains "needle"; prints both on failure.
::testing::AssertionResult Contains(const std::string& haystack, const std::string& needle) {
  if (haystack.find(needle) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\n  in: " << haystack << "\n  missing: " << needle;
}
#define EXPECT_HAS(haystack, needle) EXPECT_TRUE(Contains((haystack), (needle)))

// tests/unit/app/config_test.cpp -> repository root
const fs::path kRepo = fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path();

class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("accord_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".toml");
    std::ofstream(path_) << content;
  }
  ~TempFile() { fs::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

LoadResult load(const std::vector<std::string>& args) { return load_config(args); }

// Loads and expects an error; returns the message.
std::string load_error(const std::vector<std::string>& args) {
  const LoadResult r = load(args);
  EXPECT_EQ(r.status, Status::Error) << "args loaded fine: " << ::testing::PrintToString(args);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.message.find('\n'), std::string::npos) << "error must be one line: " << r.message;
  return r.message;
}

std::string toml_error(const std::string& toml, std::string* path = nullptr) {
  TempFile f(toml);
  if (path) *path = f.path();
  return load_error({"--config", f.path()});
}

// ---- defaults and sources ----------------------------------------------------------------------

TEST(ConfigLoader, NoArgumentsGivesDefaults) {
  const LoadResult r = load({});
  ASSERT_EQ(r.status, Status::Run) << r.message;
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.config == Config{});
  EXPECT_EQ(config_to_toml(r.config), config_to_toml(Config{}));
}

TEST(ConfigLoader, ArgcArgvOverload) {
  const char* argv[] = {"accord", "--io-threads", "3", nullptr};
  const LoadResult r = load_config(3, argv);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.config.io_threads, 3u);
}

TEST(ConfigLoader, ParsesTomlFile) {
  TempFile f(R"(
[[listeners]]
address = "127.0.0.1"
port = 1884

[[listeners]]
address = "::1"
port = 0

[server]
port_file = "/tmp/ports"
io_threads = 4
max_connections = 500
connect_timeout_ms = 2500
shutdown_grace_ms = 0

[limits]
max_packet_size = 65536
receive_maximum = 10
max_queued_bytes = 1_000_000
max_session_expiry = 3600
max_client_id_length = 64

[features]
retain_available = false
maximum_qos = 1
queue_qos0_offline = true

[log]
level = "debug"
format = "json"
file = "/var/log/accord.log"
)");
  const LoadResult r = load({"--config", f.path()});
  ASSERT_TRUE(r.ok()) << r.message;
  const Config& c = r.config;
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[0], (ListenerConfig{"127.0.0.1", 1884}));
  EXPECT_EQ(c.listeners[1], (ListenerConfig{"::1", 0}));
  EXPECT_EQ(c.port_file, "/tmp/ports");
  EXPECT_EQ(c.io_threads, 4u);
  EXPECT_EQ(c.max_connections, 500u);
  EXPECT_EQ(c.connect_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(c.shutdown_grace, std::chrono::milliseconds(0));
  EXPECT_EQ(c.max_packet_size, 65536u);
  EXPECT_EQ(c.receive_maximum, 10u);
  EXPECT_EQ(c.max_queued_bytes, 1'000'000u);
  EXPECT_EQ(c.max_session_expiry, 3600u);
  EXPECT_EQ(c.max_client_id_length, 64u);
  EXPECT_FALSE(c.retain_available);
  EXPECT_EQ(c.maximum_qos, 1u);
  EXPECT_TRUE(c.queue_qos0_offline);
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.log_format, "json");
  EXPECT_EQ(c.log_file, "/var/log/accord.log");
  // Untouched keys keep their defaults.
  EXPECT_EQ(c.max_inflight_out, Config{}.max_inflight_out);
  EXPECT_TRUE(c.wildcard_subscriptions);
}

TEST(ConfigLoader, EmptyFileGivesDefaults) {
  TempFile f("# nothing here\n");
  const LoadResult r = load({"--config", f.path()});
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_TRUE(r.config == Config{});
}

TEST(ConfigLoader, SetOverridesFile) {
  TempFile f("[server]\nio_threads = 4\n[limits]\nreceive_maximum = 10\n[log]\nlevel = \"debug\"\n");
  const LoadResult r = load({"--config", f.path(), "--set", "limits.receive_maximum=20", "--set",
                             "log.level=warn", "--set", "features.retain_available=false"});
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.config.io_threads, 4u);  // from the file
  EXPECT_EQ(r.config.receive_maximum, 20u);
  EXPECT_EQ(r.config.log_level, "warn");
  EXPECT_FALSE(r.config.retain_available);
}

TEST(ConfigLoader, FileIsAppliedBeforeFlagsWhateverTheirOrder) {
  TempFile f("[server]\nio_threads = 4\n");
  const LoadResult r = load({"--io-threads", "2", "--config", f.path()});
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.config.io_threads, 2u);
}

TEST(ConfigLoader, CommandLineLaterWins) {
  LoadResult r = load({"--io-threads", "2", "--set", "server.io_threads=5"});
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.config.io_threads, 5u);
  r = load({"--set", "server.io_threads=5", "--io-threads", "2", "--log-level", "debug", "--log-level=error"});
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.config.io_threads, 2u);
  EXPECT_EQ(r.config.log_level, "error");
}

TEST(ConfigLoader, DedicatedFlags) {
  const LoadResult r = load({"--port-file", "/run/accord.ports", "--io-threads", "8", "--log-level", "trace",
                             "--log-format", "json", "--log-file", "/tmp/a.log"});
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.config.port_file, "/run/accord.ports");
  EXPECT_EQ(r.config.io_threads, 8u);
  EXPECT_EQ(r.config.log_level, "trace");
  EXPECT_EQ(r.config.log_format, "json");
  EXPECT_EQ(r.config.log_file, "/tmp/a.log");
}

TEST(ConfigLoader, SetAcceptsEveryKey) {
  // Round trip every key through --set with its current (default) value as text.
  const Config defaults;
  for (const std::string& key : config_keys()) {
    std::string value;
    if (key == "listeners") {
      value = "0.0.0.0:1883";
    } else {
      // Pull "name = value" for this key out of the printed config.
      const std::string toml = config_to_toml(defaults);
      const std::string name = key.substr(key.find('.') + 1);
      const auto pos = toml.find("\n" + name + " = ");
      ASSERT_NE(pos, std::string::npos) << key;
      const auto start = pos + name.size() + 4;
      value = toml.substr(start, toml.find('\n', start) - start);
      if (value.size() >= 2 && value.front() == '"') value = value.substr(1, value.size() - 2);
    }
    const LoadResult r = load({"--set", key + "=" + value});
    ASSERT_TRUE(r.ok()) << key << ": " << r.message;
    EXPECT_TRUE(r.config == defaults) << key;
  }
}

TEST(ConfigLoader, SetListenersReplacesAll) {
  const LoadResult r = load({"--set", "listeners=127.0.0.1:1,[::1]:2"});
  ASSERT_TRUE(r.ok()) << r.message;
  ASSERT_EQ(r.config.listeners.size(), 2u);
  EXPECT_EQ(r.config.listeners[0], (ListenerConfig{"127.0.0.1", 1}));
  EXPECT_EQ(r.config.listeners[1], (ListenerConfig{"::1", 2}));
}

TEST(ConfigLoader, SetDurationAndStringValues) {
  const LoadResult r = load({"--set", "server.connect_timeout_ms=750", "--set", "log.file=/var/log/a b.log",
                             "--set", "server.port_file="});
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.config.connect_timeout, std::chrono::milliseconds(750));
  EXPECT_EQ(r.config.log_file, "/var/log/a b.log");
  EXPECT_EQ(r.config.port_file, "");
}

// ---- --listen ----------------------------------------------------------------------------------

TEST(ConfigLoader, ListenReplacesConfiguredListeners) {
  TempFile f("[[listeners]]\naddress = \"10.0.0.1\"\nport = 1\n");
  const LoadResult r =
      load({"--config", f.path(), "--listen", "127.0.0.1:1883", "-l", "[::1]:8883", "--listen=[::]:0"});
  ASSERT_TRUE(r.ok()) << r.message;
  ASSERT_EQ(r.config.listeners.size(), 3u);
  EXPECT_EQ(r.config.listeners[0], (ListenerConfig{"127.0.0.1", 1883}));
  EXPECT_EQ(r.config.listeners[1], (ListenerConfig{"::1", 8883}));
  EXPECT_EQ(r.config.listeners[2], (ListenerConfig{"::", 0}));
}

TEST(ParseListen, GoodForms) {
  EXPECT_EQ(parse_listen("0.0.0.0:1883"), (ListenerConfig{"0.0.0.0", 1883}));
  EXPECT_EQ(parse_listen("127.0.0.1:0"), (ListenerConfig{"127.0.0.1", 0}));
  EXPECT_EQ(parse_listen("[::1]:1883"), (ListenerConfig{"::1", 1883}));
  EXPECT_EQ(parse_listen("[::]:65535"), (ListenerConfig{"::", 65535}));
  EXPECT_EQ(parse_listen("[fe80::1:2]:1"), (ListenerConfig{"fe80::1:2", 1}));
}

TEST(ParseListen, BadForms) {
  struct Case {
    const char* text;
    const char* problem;
  };
  const Case cases[] = {
      {"", "empty"},
      {"1883", "missing port"},
      {"127.0.0.1", "missing port"},
      {":1883", "missing address"},
      {"::1:1883", "must be in brackets"},
      {"[::1]", "missing port"},
      {"[::1]1883", "missing port"},
      {"[::1", "missing ']'"},
      {"[::1]:", "invalid port ''"},
      {"1.2.3.4:", "invalid port ''"},
      {"1.2.3.4:65536", "invalid port '65536'"},
      {"1.2.3.4:-1", "invalid port '-1'"},
      {"1.2.3.4:+1", "invalid port '+1'"},
      {"1.2.3.4:http", "invalid port 'http'"},
      {"localhost:1883", "'localhost' is not an IPv4 or IPv6 address"},
      {"300.1.1.1:1883", "'300.1.1.1' is not an IPv4 or IPv6 address"},
      {"[1.2.3.4]:1883", "'1.2.3.4' is not an IPv4 or IPv6 address"},
  };
  for (const auto& c : cases) {
    std::string error;
    EXPECT_FALSE(parse_listen(c.text, &error)) << c.text;
    EXPECT_HAS(error, c.problem) << c.text;
  }
}

TEST(ConfigLoader, BadListenFlagNamesFlagAndValue) {
  EXPECT_EQ(load_error({"--listen", "::1:1883"}),
            "--listen ::1:1883: IPv6 addresses must be in brackets (e.g. [::1]:1883)");
  EXPECT_HAS(load_error({"--listen", "0.0.0.0:99999"}), "--listen 0.0.0.0:99999: invalid port '99999'");
  EXPECT_HAS(load_error({"--set", "listeners=1.2.3.4:1,nope"}), "--set listeners=1.2.3.4:1,nope: 'nope': missing port");
  EXPECT_HAS(load_error({"--listen", "1.2.3.4:1", "--listen", "1.2.3.4:1"}), "listeners: 1.2.3.4:1 is listed twice");
}

// ---- error messages ----------------------------------------------------------------------------

TEST(ConfigErrors, UnknownKeyInFileNamesFileLineKeyAndSuggestion) {
  std::string path;
  const std::string msg = toml_error("[limits]\nreceive_maximum = 5\nmax_packet_sise = 100\n", &path);
  EXPECT_EQ(msg, path + ":3:1: unknown key 'limits.max_packet_sise' (did you mean 'limits.max_packet_size'?)");
}

TEST(ConfigErrors, KeyInWrongSectionSuggestsRightSection) {
  std::string path;
  const std::string msg = toml_error("[server]\nmax_packet_size = 100\n", &path);
  EXPECT_EQ(msg, path + ":2:1: unknown key 'server.max_packet_size' (did you mean 'limits.max_packet_size'?)");
  EXPECT_HAS(toml_error("io_threads = 2\n"), "unknown key 'io_threads' (did you mean 'server.io_threads'?)");
}

TEST(ConfigErrors, UnknownSection) {
  std::string path;
  {
    const std::string msg = toml_error("[limit]\nreceive_maximum = 5\n", &path);
    EXPECT_EQ(msg, path + ":1:2: unknown section '[limit]' (did you mean '[limits]'?)");
  }
  EXPECT_HAS(toml_error("[tls]\ncert = \"x\"\n"), "unknown section '[tls]'");
  EXPECT_EQ(toml_error("[tls]\ncert = \"x\"\n").find("did you mean"), std::string::npos);
}

TEST(ConfigErrors, UnknownListenerKey) {
  EXPECT_HAS(toml_error("[[listeners]]\nadress = \"::1\"\n"), ":2:1: unknown key 'listeners[0].adress' (did you mean 'listeners[0].address'?)");
}

TEST(ConfigErrors, UnknownKeyViaSet) {
  EXPECT_EQ(load_error({"--set", "limits.recieve_maximum=5"}),
            "--set limits.recieve_maximum=5: unknown key 'limits.recieve_maximum' (did you mean "
            "'limits.receive_maximum'?)");
  EXPECT_EQ(load_error({"--set", "log.level"}), "--set log.level: expected SECTION.KEY=VALUE, e.g. log.level=debug");
}

TEST(ConfigErrors, WrongType) {
  std::string path;
  {
    const std::string msg = toml_error("[server]\nio_threads = \"4\"\n", &path);
    EXPECT_EQ(msg, path + ":2:14: server.io_threads: expected an integer, got a string");
  }
  EXPECT_HAS(toml_error("[limits]\nmax_packet_size = 1.5\n"), "limits.max_packet_size: expected an integer, got a float");
  EXPECT_HAS(toml_error("[features]\nretain_available = 1\n"), "features.retain_available: expected a boolean (true or false), got an integer");
  EXPECT_HAS(toml_error("[log]\nlevel = 3\n"), "log.level: expected a string, got an integer");
  EXPECT_HAS(toml_error("server = 3\n"), "server: expected a table ([server]), got an integer");
  EXPECT_HAS(toml_error("[listeners]\naddress = \"::1\"\n"), "listeners: expected an array of tables ([[listeners]]), got a table");
  EXPECT_HAS(toml_error("[[listeners]]\nport = \"1883\"\n"), "listeners[0].port: expected an integer, got a string");
  EXPECT_EQ(load_error({"--set", "features.retain_available=yes"}),
            "--set features.retain_available=yes: expected true or false, got 'yes'");
  EXPECT_EQ(load_error({"--io-threads", "four"}), "--io-threads four: expected an integer, got 'four'");
}

TEST(ConfigErrors, OutOfRange) {
  std::string path;
  {
    const std::string msg = toml_error("[limits]\nreceive_maximum = 0\n", &path);
    EXPECT_EQ(msg, path + ":2:19: limits.receive_maximum: 0 is out of range (must be 1..65535)");
  }
  EXPECT_HAS(toml_error("[features]\nmaximum_qos = 3\n"), "features.maximum_qos: 3 is out of range (must be 0..2)");
  EXPECT_HAS(toml_error("[limits]\nmax_packet_size = 63\n"), "limits.max_packet_size: 63 is out of range (must be 64..268435460)");
  EXPECT_HAS(toml_error("[limits]\nmax_packet_size = 268435461\n"), "limits.max_packet_size: 268435461 is out of range (must be 64..268435460)");
  EXPECT_HAS(toml_error("[limits]\nmax_session_expiry = -1\n"), "limits.max_session_expiry: -1 is out of range (must be 0..4294967295)");
  EXPECT_HAS(toml_error("[[listeners]]\nport = 65536\n"), "listeners[0].port: 65536 is out of range (must be 0..65535)");
  EXPECT_HAS(toml_error("[[listeners]]\naddress = \"example.com\"\n"), "listeners[0].address: 'example.com' is not an IPv4 or IPv6 address");
  EXPECT_HAS(toml_error("[log]\nlevel = \"verbose\"\n"), "log.level: 'verbose' is not valid (must be trace, debug, info, warn, error or off)");
  EXPECT_HAS(toml_error("[log]\nformat = \"xml\"\n"), "log.format: 'xml' is not valid (must be text or json)");
  EXPECT_HAS(toml_error("listeners = []\n"), "listeners: at least one listener is required");
  EXPECT_EQ(load_error({"--set", "limits.receive_maximum=0"}),
            "--set limits.receive_maximum=0: 0 is out of range (must be 1..65535)");
  EXPECT_EQ(load_error({"--set", "features.maximum_qos=99999999999999999999"}),
            "--set features.maximum_qos=99999999999999999999: 99999999999999999999 is out of range (must be 0..2)");
  EXPECT_EQ(load_error({"--log-level", "loud"}),
            "--log-level loud: 'loud' is not valid (must be trace, debug, info, warn, error or off)");
  EXPECT_EQ(load_error({"--log-format", "xml"}), "--log-format xml: 'xml' is not valid (must be text or json)");
}

TEST(ConfigErrors, UnreadableFile) {
  const std::string missing = (fs::temp_directory_path() / "accord_no_such_config.toml").string();
  EXPECT_EQ(load_error({"--config", missing}),
            "cannot read config file '" + missing + "': No such file or directory");
  const std::string dir = fs::temp_directory_path().string();
  EXPECT_EQ(load_error({"--config", dir}), "cannot read config file '" + dir + "': is a directory");
}

TEST(ConfigErrors, SyntaxError) {
  std::string path;
  const std::string msg = toml_error("[server]\nio_threads = = 4\n", &path);
  EXPECT_HAS(msg, path + ":2:");
  EXPECT_HAS(msg, "TOML syntax error");
}

TEST(ConfigErrors, BadCommandLine) {
  EXPECT_HAS(load_error({"--no-such-flag"}), "--no-such-flag");
  EXPECT_HAS(load_error({"--io-threads"}), "io-threads");
  EXPECT_HAS(load_error({"stray"}), "stray");
}

TEST(ConfigErrors, FailedFileLeavesConfigUntouched) {
  Config c;
  c.io_threads = 7;
  EXPECT_TRUE(apply_toml_string(c, "[server]\nio_threads = 2\nmax_connections = 0\n", "x.toml"));
  EXPECT_EQ(c.io_threads, 7u);
  EXPECT_FALSE(apply_toml_string(c, "[server]\nio_threads = 2\n", "x.toml"));
  EXPECT_EQ(c.io_threads, 2u);
}

// ---- help, version, print/check --------------------------------------------------------------

TEST(ConfigLoader, HelpAndVersionDoNotExit) {
  LoadResult r = load({"--help"});
  EXPECT_EQ(r.status, Status::Exit);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_HAS(r.message, "--listen");
  EXPECT_HAS(r.message, "--set");
  EXPECT_HAS(r.message, "--print-config");
  r = load({"-h"});
  EXPECT_EQ(r.status, Status::Exit);
  r = load({"--version"});
  EXPECT_EQ(r.status, Status::Exit);
  EXPECT_EQ(r.message, "accord " ACCORD_VERSION "\n");
  // --version needs no valid config.
  r = load({"--version", "--config", "/nonexistent.toml"});
  EXPECT_EQ(r.status, Status::Exit);
}

TEST(ConfigLoader, CheckConfig) {
  TempFile good("[server]\nio_threads = 2\n");
  LoadResult r = load({"--config", good.path(), "--check-config"});
  EXPECT_EQ(r.status, Status::Exit);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_HAS(r.message, "OK");
  EXPECT_EQ(r.config.io_threads, 2u);
  TempFile bad("[server]\nio_threads = -2\n");
  r = load({"--config", bad.path(), "--check-config"});
  EXPECT_EQ(r.status, Status::Error);
  EXPECT_EQ(r.exit_code, 2);
}

TEST(ConfigLoader, PrintConfigReparsesToSameConfig) {
  const LoadResult printed = load({"--listen", "127.0.0.1:1", "--listen", "[::1]:0", "--set",
                                   "log.file=/tmp/we\"ird\\path\tx", "--set", "server.port_file=a b=c",
                                   "--set", "features.allow_mqtt31=false", "--set", "limits.max_queued_bytes=123",
                                   "--io-threads", "5", "--print-config"});
  ASSERT_EQ(printed.status, Status::Exit) << printed.message;
  EXPECT_EQ(printed.exit_code, 0);
  EXPECT_HAS(printed.message, "[[listeners]]");
  EXPECT_HAS(printed.message, "io_threads = 5");

  TempFile f(printed.message);
  const LoadResult reloaded = load({"--config", f.path()});
  ASSERT_TRUE(reloaded.ok()) << reloaded.message;
  EXPECT_TRUE(reloaded.config == printed.config);
  EXPECT_EQ(reloaded.config.log_file, "/tmp/we\"ird\\path\tx");
  EXPECT_EQ(reloaded.config.port_file, "a b=c");
  EXPECT_EQ(config_to_toml(reloaded.config), printed.message);
}

TEST(ConfigLoader, PrintedDefaultsNameEveryKey) {
  const std::string toml = config_to_toml(Config{});
  for (const std::string& key : config_keys()) {
    const std::string name = key == "listeners" ? "[[listeners]]" : key.substr(key.find('.') + 1) + " = ";
    EXPECT_HAS(toml, name) << key;
  }
}

// ---- the shipped sample and the docs cannot drift ----------------------------------------------

TEST(DeploySample, EqualsDefaults) {
  const fs::path sample = kRepo / "deploy" / "accord.toml";
  ASSERT_TRUE(fs::exists(sample)) << sample;
  const LoadResult r = load({"--config", sample.string()});
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_TRUE(r.config == Config{});
  EXPECT_EQ(config_to_toml(r.config), config_to_toml(Config{}));
}

TEST(DeploySample, SetsEveryKeyExplicitly) {
  // Each key must appear uncommented, so removing a key from the sample is caught too: load the
  // sample onto a config where every value differs from the default.
  const std::string text = read_file(kRepo / "deploy" / "accord.toml");
  for (const std::string& key : config_keys()) {
    if (key == "listeners") {
      EXPECT_HAS(text, "\n[[listeners]]\n") << key;
      continue;
    }
    const std::string section = key.substr(0, key.find('.'));
    const std::string name = key.substr(key.find('.') + 1);
    const auto section_pos = text.find("\n[" + section + "]\n");
    ASSERT_NE(section_pos, std::string::npos) << section;
    const auto next_section = text.find("\n[", section_pos + 1);
    const auto key_pos = text.find("\n" + name + " = ", section_pos);
    EXPECT_TRUE(key_pos != std::string::npos && key_pos < next_section) << key << " missing in deploy/accord.toml";
  }
}

TEST(Docs, ConfigurationMdDocumentsEveryKeyAndFlag) {
  const std::string doc = read_file(kRepo / "docs" / "configuration.md");
  ASSERT_FALSE(doc.empty());
  for (const std::string& key : config_keys()) {
    EXPECT_HAS(doc, "`" + key + "`") << key << " missing in docs/configuration.md";
  }
  for (const char* flag : {"--config", "--listen", "--port-file", "--io-threads", "--log-level", "--log-format",
                           "--log-file", "--set", "--print-config", "--check-config", "--version", "--help"}) {
    EXPECT_HAS(doc, flag) << flag;
  }
}

}  // namespace
}  // namespace accord
