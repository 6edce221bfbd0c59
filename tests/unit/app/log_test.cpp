#include "broker/core/log.hpp"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace accord {
namespace {

namespace fs = std::filesystem;

// Points the process-wide logger at a fresh temp file; restores stderr afterwards.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("accord_log_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".log");
    fs::remove(path_);
  }
  void TearDown() override {
    log::init("info", log::Format::Text);
    fs::remove(path_);
  }

  void init(log::Format format, const char* level = "trace") { log::init(level, format, path_.string()); }

  std::vector<std::string> lines() const {
    std::ifstream in(path_);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

  // The single line written, with the leading timestamp checked and removed.
  std::string only_line(log::Format format) const {
    const auto all = lines();
    EXPECT_EQ(all.size(), 1u);
    if (all.empty()) return {};
    static const std::regex text_ts(R"(^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z )");
    static const std::regex json_ts(R"(^\{"ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",)");
    std::smatch m;
    const bool ok = std::regex_search(all[0], m, format == log::Format::Text ? text_ts : json_ts);
    EXPECT_TRUE(ok) << all[0];
    return ok ? all[0].substr(static_cast<std::size_t>(m.length(0))) : all[0];
  }

  fs::path path_;
};

TEST_F(LogTest, TextLine) {
  init(log::Format::Text);
  log::info("connect", {{"client_id", "dev-1"}, {"addr", "127.0.0.1:5000"}});
  EXPECT_EQ(only_line(log::Format::Text), "level=info event=connect client_id=dev-1 addr=127.0.0.1:5000");
}

TEST_F(LogTest, TextLevelNames) {
  init(log::Format::Text);
  log::debug("a");
  log::info("b");
  log::warn("c");
  log::error("d");
  log::event(log::Level::trace, "e");
  const auto all = lines();
  ASSERT_EQ(all.size(), 5u);
  EXPECT_NE(all[0].find(" level=debug event=a"), std::string::npos) << all[0];
  EXPECT_NE(all[1].find(" level=info event=b"), std::string::npos) << all[1];
  EXPECT_NE(all[2].find(" level=warn event=c"), std::string::npos) << all[2];
  EXPECT_NE(all[3].find(" level=error event=d"), std::string::npos) << all[3];
  EXPECT_NE(all[4].find(" level=trace event=e"), std::string::npos) << all[4];
}

TEST_F(LogTest, TextQuotingAndEscaping) {
  init(log::Format::Text);
  log::info("q", {
                     {"plain", "abc-1.2/x:y"},
                     {"space", "hello world"},
                     {"quote", "say \"hi\""},
                     {"equals", "a=b"},
                     {"newline", "line1\nline2"},
                     {"tab", "a\tb"},
                     {"ctrl", std::string_view("\x01\x1f\x7f", 3)},
                     {"backslash", "C:\\dir"},
                     {"empty", ""},
                     {"utf8", "caf\xc3\xa9"},
                     {"bad_utf8", "a\xff" "b"},
                 });
  EXPECT_EQ(only_line(log::Format::Text),
            "level=info event=q plain=abc-1.2/x:y space=\"hello world\" quote=\"say \\\"hi\\\"\" equals=\"a=b\" "
            "newline=\"line1\\nline2\" tab=\"a\\tb\" ctrl=\"\\u0001\\u001f\\u007f\" backslash=\"C:\\\\dir\" "
            "empty=\"\" utf8=caf\xc3\xa9 bad_utf8=\"a\xef\xbf\xbd" "b\"");
}

TEST_F(LogTest, TextEventNameAndKeysStayParseable) {
  init(log::Format::Text);
  log::info("two words", {{"bad key=", 1}});
  EXPECT_EQ(only_line(log::Format::Text), "level=info event=\"two words\" bad_key_=1");
}

TEST_F(LogTest, TextNumbersAndBools) {
  init(log::Format::Text);
  log::info("n", {{"i", -42},
                  {"u", std::numeric_limits<std::uint64_t>::max()},
                  {"i64min", std::numeric_limits<std::int64_t>::min()},
                  {"small", static_cast<std::uint16_t>(7)},
                  {"d", 1.5},
                  {"nan", std::nan("")},
                  {"t", true},
                  {"f", false}});
  EXPECT_EQ(only_line(log::Format::Text),
            "level=info event=n i=-42 u=18446744073709551615 i64min=-9223372036854775808 small=7 d=1.5 nan=NaN "
            "t=true f=false");
}

TEST_F(LogTest, JsonLine) {
  init(log::Format::Json);
  log::info("connect", {{"client_id", "dev-1"}, {"addr", "127.0.0.1:5000"}, {"port", 5000}, {"clean", true}});
  EXPECT_EQ(only_line(log::Format::Json),
            R"("level":"info","event":"connect","client_id":"dev-1","addr":"127.0.0.1:5000","port":5000,"clean":true})");
}

TEST_F(LogTest, JsonEscaping) {
  init(log::Format::Json);
  log::warn("e\"v", {
                        {"quote", "say \"hi\""},
                        {"backslash", "C:\\dir"},
                        {"controls", std::string_view("\n\r\t\b\f\x01\x1f", 7)},
                        {"del", "\x7f"},
                        {"space", "a b=c"},
                        {"utf8", "\xe2\x82\xac"},
                        {"bad_utf8", "\xc3(\xed\xa0\x80"},
                        {"k\"ey", "v"},
                    });
  EXPECT_EQ(only_line(log::Format::Json),
            R"("level":"warn","event":"e\"v","quote":"say \"hi\"","backslash":"C:\\dir",)"
            R"("controls":"\n\r\t\b\f\u0001\u001f","del":"\u007f","space":"a b=c",)"
            "\"utf8\":\"\xe2\x82\xac\",\"bad_utf8\":\"\xef\xbf\xbd(\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\","
            R"("k\"ey":"v"})");
}

TEST_F(LogTest, JsonNumbersAndBools) {
  init(log::Format::Json);
  log::error("n", {{"i", -1},
                   {"u", std::numeric_limits<std::uint64_t>::max()},
                   {"d", 0.25},
                   {"inf", std::numeric_limits<double>::infinity()},
                   {"b", false}});
  EXPECT_EQ(only_line(log::Format::Json),
            R"("level":"error","event":"n","i":-1,"u":18446744073709551615,"d":0.25,"inf":null,"b":false})");
}

TEST_F(LogTest, LevelFiltering) {
  init(log::Format::Text, "warn");
  EXPECT_FALSE(log::enabled(log::Level::debug));
  EXPECT_FALSE(log::enabled(log::Level::info));
  EXPECT_TRUE(log::enabled(log::Level::warn));
  EXPECT_TRUE(log::enabled(log::Level::err));
  log::debug("hidden");
  log::info("hidden");
  log::warn("shown");
  log::error("shown");
  EXPECT_EQ(lines().size(), 2u);

  init(log::Format::Text, "off");
  EXPECT_FALSE(log::enabled(log::Level::err));
  EXPECT_FALSE(log::enabled(log::Level::critical));
  log::error("hidden");
  EXPECT_EQ(lines().size(), 2u);  // appended to, not truncated
}

TEST_F(LogTest, InitRejectsBadLevelAndUnwritableFile) {
  EXPECT_THROW(log::init("verbose", log::Format::Text), std::runtime_error);
  try {
    log::init("loud", log::Format::Text);
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("'loud'"), std::string::npos) << e.what();
  }
  // spdlog creates missing parent directories, so make the parent a regular file.
  std::ofstream(path_) << "not a directory";
  const std::string bad = (path_ / "x.log").string();
  try {
    log::init("info", log::Format::Text, bad);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open log file '" + bad + "'"), std::string::npos) << e.what();
  }
}

TEST_F(LogTest, ConcurrentWritersProduceWholeLines) {
  init(log::Format::Json, "info");
  constexpr int kThreads = 4, kPerThread = 250;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kPerThread; ++i) log::info("tick", {{"thread", t}, {"i", i}, {"pad", "xxxxxxxxxxxxxxxx"}});
    });
  }
  for (auto& th : threads) th.join();
  const auto all = lines();
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
  static const std::regex line(R"(^\{"ts":"[^"]+","level":"info","event":"tick","thread":\d,"i":\d+,"pad":"x{16}"\}$)");
  for (const auto& l : all) ASSERT_TRUE(std::regex_match(l, line)) << l;
}

}  // namespace
}  // namespace accord
