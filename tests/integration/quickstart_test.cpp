// The README's quickstart, run as written: the shell block after the "<!-- quickstart" marker in
// README.md is executed by bash against a real broker, with the real accordctl, accord-device and
// accord-sub. Only what a newcomer's machine provides is set up around it:
//   - the broker (README: `deploy/run-local.sh` in another terminal) is this test's, on free
//     ports; $ACCORD_ADMIN and $ACCORD_BROKER point the tools at it (their defaults are the
//     ones deploy/run-local.sh listens on);
//   - "the repository root" is a git repository holding a copy of schemas/examples and
//     clients/device/examples (the block edits a schema and restores it with git), with
//     build/clients linked to the tools under test.
// A bash ERR trap reports every command that exits non-zero: exactly the two the README
// announces (the refused reading and the contract test after the breaking change) may, nothing
// else.
#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "test_support.hpp"

namespace accord::it {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

#ifndef ACCORDCTL_BIN_PATH
#define ACCORDCTL_BIN_PATH ""
#endif
#ifndef ACCORD_DEVICE_BIN_PATH
#define ACCORD_DEVICE_BIN_PATH ""
#endif

const fs::path kRepo = fs::path(__FILE__).parent_path().parent_path().parent_path();

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The first ```sh block after the quickstart marker.
std::string quickstart_block() {
  const std::string readme = read_file(kRepo / "README.md");
  const auto marker = readme.find("<!-- quickstart");
  if (marker == std::string::npos) return {};
  const auto open = readme.find("```sh\n", marker);
  if (open == std::string::npos) return {};
  const auto start = open + 6;
  const auto close = readme.find("\n```", start);
  if (close == std::string::npos) return {};
  return readme.substr(start, close - start + 1);
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

TEST(QuickstartBlock, IsInTheReadme) {
  const std::string block = quickstart_block();
  ASSERT_FALSE(block.empty()) << "README.md has no quickstart block";
  for (const char* step : {"accordctl schema register", "accord-device", "accord-sub",
                           "accordctl contract test", "git checkout"})
    EXPECT_NE(block.find(step), std::string::npos) << step;
}

class Quickstart : public BrokerTest {};

TEST_F(Quickstart, ReadmeBlockRunsAsWritten) {
  SKIP_UNDER_MOSQUITTO("the quickstart uses Accord's registry and enforcement");
  const std::string block = quickstart_block();
  ASSERT_FALSE(block.empty());
  const std::string admin = "http://127.0.0.1:" + std::to_string(broker().admin_port());

  // The newcomer's clone: the files the block touches, under git, with the built tools.
  const fs::path root = fs::path(broker().dir()) / "clone";
  fs::create_directories(root / "schemas");
  fs::create_directories(root / "clients/device");
  fs::create_directories(root / "build");
  fs::copy(kRepo / "schemas/examples", root / "schemas/examples", fs::copy_options::recursive);
  fs::copy(kRepo / "clients/device/examples", root / "clients/device/examples", fs::copy_options::recursive);
  fs::create_directory_symlink(fs::path(ACCORDCTL_BIN_PATH).parent_path(), root / "build/clients");
  ASSERT_TRUE(fs::exists(root / "build/clients/accord-device")) << "the tools are not side by side";
  auto git = run_process({"bash", "-c",
                          "cd '" + root.string() + "' && git init -q && git add schemas clients && "
                          "git -c user.name=quickstart -c user.email=qs@example.invalid commit -qm clone"},
                         30s);
  ASSERT_EQ(git.exit_code, 0) << git.out;

  const fs::path script = root / "quickstart.sh";
  std::ofstream(script) << "cd '" << root.string() << "'\n"
                        << "export ACCORD_ADMIN='" << admin << "'\n"
                        << "export ACCORD_BROKER='tcp://127.0.0.1:" << port() << "'\n"
                        << "trap 'echo \"QUICKSTART-EXIT $? line $LINENO: $BASH_COMMAND\"' ERR\n"
                        << block;
  auto r = run_process({"bash", script.string()}, 120s);
  const std::string& out = r.out;
  ASSERT_FALSE(r.timed_out) << out;
  EXPECT_EQ(r.exit_code, 0) << out;

  // Exactly the two announced failures, each with exit code 1.
  EXPECT_EQ(count(out, "QUICKSTART-EXIT"), 2u) << out;
  EXPECT_EQ(count(out, "QUICKSTART-EXIT 1 line"), 2u) << out;
  std::regex refused_device(R"(QUICKSTART-EXIT 1 line \d+: accord-device --template examples/reading-too-hot.json)");
  EXPECT_TRUE(std::regex_search(out, refused_device)) << out;

  // accord-sub printed the six readings the simulator published (structured CloudEvents).
  EXPECT_EQ(count(out, "CloudEvent (structured mode)"), 6u) << out;
  EXPECT_EQ(count(out, "type: com.example.thermostat.reading"), 6u) << out;
  // The refused reading: reason code 0x99 (payload format invalid).
  EXPECT_NE(out.find("rejected 0x99"), std::string::npos) << out;

  // Green, red naming the field, green again.
  const auto first_fail = out.find("FAIL  consumers");
  ASSERT_NE(first_fail, std::string::npos) << out;
  EXPECT_NE(out.find("field /temperature was removed", first_fail), std::string::npos) << out;
  EXPECT_NE(out.rfind("0 failed", first_fail), std::string::npos) << "no green run before the change\n" << out;
  const auto last_summary = out.rfind("thermostat-firmware: ");
  ASSERT_NE(last_summary, std::string::npos) << out;
  EXPECT_GT(last_summary, first_fail);
  EXPECT_NE(out.find(", 0 failed", last_summary), std::string::npos) << out;

  // The restored schema, and the JUnit report of the last run.
  EXPECT_EQ(read_file(root / "schemas/examples/thermostat/contract/schemas/reading.schema.json"),
            read_file(kRepo / "schemas/examples/thermostat/contract/schemas/reading.schema.json"));
  const std::string junit = read_file(root / "schemas/examples/thermostat/contract/contract-results.xml");
  EXPECT_NE(junit.find("<testsuites"), std::string::npos) << junit;
  EXPECT_EQ(junit.find("<failure"), std::string::npos) << junit;
}

}  // namespace
}  // namespace accord::it
