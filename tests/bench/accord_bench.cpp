// accord_bench: a lean MQTT 3.1.1 load generator for comparing Accord with Mosquitto.
//
// One io_context thread, its own minimal MQTT encoding (CONNECT, SUBSCRIBE, PUBLISH QoS 0/1,
// PUBACK, PINGREQ, DISCONNECT), batched writes (double-buffered per connection) and large read
// buffers, so the generator stays cheap on a machine whose cores it shares with the broker under
// test.
//
// Scenarios (see docs/benchmarks.md):
//   p2p     N publisher/subscriber pairs, each pair on its own topic          (default N = 4)
//   fanin   N publishers -> 1 subscriber on a '+' wildcard                      (default N = 50)
//   fanout  1 publisher -> N subscribers on one topic                           (default N = 100)
//   idle    N idle connections; reports broker RSS delta per connection         (default N = 10000)
//
// Flow control:
//   QoS 1: each publisher keeps at most --window PUBLISHes without PUBACK in flight.
//   QoS 0: by default each publisher keeps at most --window messages in flight end to end (sent
//          but not yet seen by the subscribers; the generator owns both ends). Alternatives:
//          --rate R (open loop, R msgs/s in total over all publishers) or --e2e-window 0 with no
//          rate (full blast, bounded only by TCP backpressure). Broker-side drops are reported.
//
// Sessions: clean (MQTT 3.1.1 clean session 1) by default. --clean-session 0 makes every client a
// persistent session (3.1.1: it never expires), so a durable broker must store each QoS 1 message
// for its subscribers before acknowledging it. Client ids are <prefix>{p,s,i}<index>, prefix
// --client-id-prefix (default ab<pid>); with a fixed prefix, --reset-sessions first discards what
// an earlier run left under the same ids (CONNECT clean session 1, DISCONNECT).
//
// Payloads: by default binary, --payload bytes: an 8-byte steady_clock timestamp, the publisher
// index and the sequence number (4 bytes each, host order), then 'x' filler. --payload-file FILE
// instead sends the text of FILE (e.g. a structured-mode CloudEvent), in which the one occurrence
// of @@STAMP@@ is replaced on every publish by a 36-character UUID-shaped lowercase hex stamp
// tttttttt-tttt-tttt-pppp-ppppssssssss (16 hex digits timestamp, 8 publisher, 8 sequence), so the
// payload stays valid JSON of a fixed size; subscribers decode the stamp at the same byte offset
// and check that the rest of the payload arrived byte for byte (payload_mismatch).
//
// Protocol: MQTT 3.1.1 by default; --mqtt 5 speaks MQTT 5 (--content-type CT adds a Content Type
// property to every PUBLISH; PUBACKs with a reason code >= 0x80 are counted in puback_errors).
//
// Output: one JSON line on stdout per run. Diagnostics go to stderr.
#include <boost/asio.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

uint64_t now_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count());
}

// ---------------------------------------------------------------------------------------------
// Options

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 1883;
  std::string scenario = "p2p";
  int qos = 1;
  int clients = -1;          // pairs (p2p), publishers (fanin), subscribers (fanout), conns (idle)
  double duration = 10.0;    // measured window, seconds
  double warmup = 2.0;       // seconds of load before the measured window
  size_t payload = 64;       // bytes, >= 16 (timestamp + publisher index + sequence)
  int window = 64;           // QoS 1: unacked PUBLISHes per publisher; QoS 0: e2e in flight
  int e2e_window = -1;       // -1: auto (QoS 0 without --rate: = window; QoS 1: off); 0: off
  double rate = 0.0;         // total msgs/s over all publishers (open loop); 0: closed loop
  int broker_pid = 0;        // for /proc CPU and RSS sampling
  std::string label;         // copied into the JSON line
  int keepalive = -1;        // seconds; -1: auto (idle: 0, others: 60)
  double settle = 2.0;       // idle: seconds to wait after the last CONNACK before sampling RSS
  double hold = 0.0;         // idle: seconds to hold connections after reporting (<0: forever)
  int connect_concurrency = 200;
  double connect_timeout = 120.0;
  double stall_ms = 250.0;   // QoS 0 e2e: write off in-flight messages after this long w/o progress
  std::string topic_prefix;  // default: "ab<pid>"
  bool clean_session = true;  // false: persistent sessions (3.1.1 clean session 0)
  std::string client_id_prefix;  // default: "ab<pid>"
  bool reset_sessions = false;   // discard sessions left under the same ids before connecting
  int mqtt = 4;                  // protocol level: 4 = MQTT 3.1.1, 5 = MQTT 5
  std::string content_type;      // MQTT 5: Content Type property of every PUBLISH ("" = none)
  std::string payload_file;      // text template with one @@STAMP@@ ("" = binary payloads)
  // Derived from payload_file: the payload with the stamp's place zero-filled, and where it is.
  std::string body;
  size_t stamp_off = 0;
  bool verbose = false;
};

constexpr std::string_view kStampPlaceholder = "@@STAMP@@";
constexpr size_t kStampLen = 36;  // tttttttt-tttt-tttt-pppp-ppppssssssss

// Writes the 36-character stamp for (ts, pub, seq) at w.
void write_stamp(uint8_t* w, uint64_t ts, uint32_t pub, uint32_t seq) {
  static constexpr char kHex[] = "0123456789abcdef";
  char nib[32];
  for (int i = 0; i < 16; ++i) nib[i] = kHex[(ts >> (60 - 4 * i)) & 0xf];
  for (int i = 0; i < 8; ++i) nib[16 + i] = kHex[(pub >> (28 - 4 * i)) & 0xf];
  for (int i = 0; i < 8; ++i) nib[24 + i] = kHex[(seq >> (28 - 4 * i)) & 0xf];
  std::memcpy(w, nib, 8);
  w[8] = '-';
  std::memcpy(w + 9, nib + 8, 4);
  w[13] = '-';
  std::memcpy(w + 14, nib + 12, 4);
  w[18] = '-';
  std::memcpy(w + 19, nib + 16, 4);
  w[23] = '-';
  std::memcpy(w + 24, nib + 20, 12);
}

// Decodes a stamp written by write_stamp; false if r does not hold one.
bool read_stamp(const uint8_t* r, uint64_t& ts, uint32_t& pub, uint32_t& seq) {
  if (r[8] != '-' || r[13] != '-' || r[18] != '-' || r[23] != '-') return false;
  uint64_t v[2] = {0, 0};  // 64 bits timestamp, then 32 publisher + 32 sequence
  int n = 0;
  for (size_t i = 0; i < kStampLen; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    const uint8_t c = r[i];
    uint64_t d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else return false;
    v[n / 16] = (v[n / 16] << 4) | d;
    ++n;
  }
  ts = v[0];
  pub = static_cast<uint32_t>(v[1] >> 32);
  seq = static_cast<uint32_t>(v[1] & 0xffffffffu);
  return true;
}

[[noreturn]] void usage(int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: accord_bench [options]\n"
               "  --host H               broker address (numeric, default 127.0.0.1)\n"
               "  --port P               broker port (default 1883)\n"
               "  --scenario S           p2p | fanin | fanout | idle (default p2p)\n"
               "  --qos Q                0 | 1 (default 1)\n"
               "  --clients N            pairs (p2p, 4), publishers (fanin, 50),\n"
               "                         subscribers (fanout, 100), connections (idle, 10000)\n"
               "  --duration S           measured seconds (default 10)\n"
               "  --warmup S             seconds of load before measuring (default 2)\n"
               "  --payload B            payload bytes, >= 16 (default 64)\n"
               "  --payload-file F       payload = text of F with its one @@STAMP@@ replaced by a\n"
               "                         36-char hex stamp (timestamp, publisher, sequence) on\n"
               "                         every publish; --payload is then ignored\n"
               "  --mqtt 4|5             protocol: 4 = MQTT 3.1.1 (default), 5 = MQTT 5\n"
               "  --content-type CT      MQTT 5: Content Type property on every PUBLISH\n"
               "  --window W             QoS 1 unacked window / QoS 0 e2e window per publisher (64)\n"
               "  --e2e-window W         end-to-end in-flight cap per publisher (0 = off)\n"
               "  --rate R               QoS 0/1 open-loop total publish rate in msgs/s (0 = off)\n"
               "  --broker-pid PID       sample CPU and RSS of this process from /proc\n"
               "  --label L              label copied into the JSON output\n"
               "  --keepalive S          MQTT keepalive (default 60; idle: 0)\n"
               "  --settle S             idle: wait before sampling RSS (default 2)\n"
               "  --hold S               idle: keep connections S seconds after report (<0: forever)\n"
               "  --connect-concurrency N  parallel connection attempts (default 200)\n"
               "  --connect-timeout S    give up if setup takes longer (default 120)\n"
               "  --topic-prefix P       topic prefix (default ab<pid>)\n"
               "  --clean-session 0|1    MQTT 3.1.1 clean session flag of all clients (default 1;\n"
               "                         0: persistent sessions)\n"
               "  --client-id-prefix P   client ids are P{p,s,i}<index> (default ab<pid>)\n"
               "  --reset-sessions       first discard any session left under the same ids\n"
               "                         (CONNECT clean session 1 + DISCONNECT per client)\n"
               "  -v                     progress on stderr\n");
  std::exit(code);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value for %s\n", argv[i]);
        usage(2);
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") usage(0);
    else if (a == "--host") o.host = next();
    else if (a == "--port") o.port = static_cast<uint16_t>(std::stoi(next()));
    else if (a == "--scenario") o.scenario = next();
    else if (a == "--qos") o.qos = std::stoi(next());
    else if (a == "--clients") o.clients = std::stoi(next());
    else if (a == "--duration") o.duration = std::stod(next());
    else if (a == "--warmup") o.warmup = std::stod(next());
    else if (a == "--payload") o.payload = static_cast<size_t>(std::stoul(next()));
    else if (a == "--window") o.window = std::stoi(next());
    else if (a == "--e2e-window") o.e2e_window = std::stoi(next());
    else if (a == "--rate") o.rate = std::stod(next());
    else if (a == "--broker-pid") o.broker_pid = std::stoi(next());
    else if (a == "--label") o.label = next();
    else if (a == "--keepalive") o.keepalive = std::stoi(next());
    else if (a == "--settle") o.settle = std::stod(next());
    else if (a == "--hold") o.hold = std::stod(next());
    else if (a == "--connect-concurrency") o.connect_concurrency = std::stoi(next());
    else if (a == "--connect-timeout") o.connect_timeout = std::stod(next());
    else if (a == "--stall-ms") o.stall_ms = std::stod(next());
    else if (a == "--topic-prefix") o.topic_prefix = next();
    else if (a == "--clean-session") o.clean_session = std::stoi(next()) != 0;
    else if (a == "--client-id-prefix") o.client_id_prefix = next();
    else if (a == "--reset-sessions") o.reset_sessions = true;
    else if (a == "--mqtt") o.mqtt = std::stoi(next());
    else if (a == "--content-type") o.content_type = next();
    else if (a == "--payload-file") o.payload_file = next();
    else if (a == "-v" || a == "--verbose") o.verbose = true;
    else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      usage(2);
    }
  }
  if (o.scenario != "p2p" && o.scenario != "fanin" && o.scenario != "fanout" &&
      o.scenario != "idle") {
    std::fprintf(stderr, "unknown scenario %s\n", o.scenario.c_str());
    usage(2);
  }
  if (o.qos != 0 && o.qos != 1) usage(2);
  if (o.mqtt != 4 && o.mqtt != 5) {
    std::fprintf(stderr, "--mqtt must be 4 (MQTT 3.1.1) or 5\n");
    usage(2);
  }
  if (!o.content_type.empty() && o.mqtt != 5) {
    std::fprintf(stderr, "--content-type needs --mqtt 5 (MQTT 3.1.1 has no properties)\n");
    usage(2);
  }
  if (!o.payload_file.empty()) {
    std::ifstream f(o.payload_file, std::ios::binary);
    if (!f) {
      std::fprintf(stderr, "cannot read --payload-file %s\n", o.payload_file.c_str());
      std::exit(2);
    }
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    // A trailing newline from the editor is not part of the message.
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    const size_t at = text.find(kStampPlaceholder);
    if (at == std::string::npos ||
        text.find(kStampPlaceholder, at + kStampPlaceholder.size()) != std::string::npos) {
      std::fprintf(stderr, "--payload-file %s: needs exactly one %s\n", o.payload_file.c_str(),
                   std::string(kStampPlaceholder).c_str());
      std::exit(2);
    }
    o.stamp_off = at;
    o.body = text.substr(0, at) + std::string(kStampLen, '0') +
             text.substr(at + kStampPlaceholder.size());
    o.payload = o.body.size();
  }
  if (o.clients < 0) {
    o.clients = o.scenario == "p2p"     ? 4
                : o.scenario == "fanin" ? 50
                : o.scenario == "fanout" ? 100
                                         : 10000;
  }
  if (o.clients < 1) usage(2);
  o.payload = std::max<size_t>(o.payload, 16);
  o.window = std::clamp(o.window, 1, 60000);
  if (o.e2e_window < 0) o.e2e_window = o.rate <= 0 ? o.window : 0;
  if (o.keepalive < 0) o.keepalive = o.scenario == "idle" ? 0 : 60;
  if (o.topic_prefix.empty()) o.topic_prefix = "ab" + std::to_string(::getpid());
  if (o.client_id_prefix.empty()) o.client_id_prefix = "ab" + std::to_string(::getpid());
  o.connect_concurrency = std::max(1, o.connect_concurrency);
  return o;
}

// ---------------------------------------------------------------------------------------------
// /proc sampling

struct ProcSample {
  bool ok = false;
  uint64_t cpu_us = 0;  // utime + stime
  uint64_t rss_kb = 0;  // VmRSS
};

ProcSample sample_proc(int pid) {
  ProcSample s;
  if (pid <= 0) return s;
  const std::string base = "/proc/" + std::to_string(pid);
  {
    std::ifstream f(base + "/stat");
    std::string line;
    if (!std::getline(f, line)) return s;
    auto rp = line.rfind(')');
    if (rp == std::string::npos) return s;
    std::istringstream is(line.substr(rp + 2));
    std::string field;
    uint64_t utime = 0, stime = 0;
    // After "pid (comm) ": field 3 (state) is index 0; utime is field 14, stime field 15.
    for (int idx = 0; is >> field; ++idx) {
      if (idx == 11) utime = std::stoull(field);
      if (idx == 12) {
        stime = std::stoull(field);
        break;
      }
    }
    const long hz = ::sysconf(_SC_CLK_TCK);
    s.cpu_us = (utime + stime) * 1000000ULL / static_cast<uint64_t>(hz > 0 ? hz : 100);
  }
  {
    std::ifstream f(base + "/status");
    std::string line;
    while (std::getline(f, line)) {
      if (line.rfind("VmRSS:", 0) == 0) {
        s.rss_kb = std::stoull(line.substr(6));
        break;
      }
    }
  }
  s.ok = true;
  return s;
}

uint64_t self_cpu_us() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) {
    return static_cast<uint64_t>(t.tv_sec) * 1000000ULL + static_cast<uint64_t>(t.tv_usec);
  };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

// ---------------------------------------------------------------------------------------------
// Log-linear histogram (HdrHistogram-like): exact below 128 ns, then 64 sub-buckets per power of
// two, i.e. <= 1.6 % relative error. Fixed size, no allocation on record.

class Histogram {
 public:
  void record(uint64_t v) {
    ++counts_[index(v)];
    ++total_;
    max_ = std::max(max_, v);
    min_ = std::min(min_, v);
  }
  uint64_t total() const { return total_; }
  uint64_t max() const { return total_ ? max_ : 0; }
  uint64_t min() const { return total_ ? min_ : 0; }
  // Value at quantile q (0..1]: midpoint of the bucket holding the ceil(q * total)-th sample.
  uint64_t quantile(double q) const {
    if (total_ == 0) return 0;
    auto target = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total_)));
    target = std::clamp<uint64_t>(target, 1, total_);
    uint64_t cum = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      cum += counts_[i];
      if (cum >= target) return std::min(mid(i), max_);
    }
    return max_;
  }

 private:
  static constexpr size_t kLinear = 128;
  static constexpr int kSubBits = 6;
  static constexpr size_t kSub = size_t{1} << kSubBits;
  static size_t index(uint64_t v) {
    if (v < kLinear) return static_cast<size_t>(v);
    const int e = 63 - std::countl_zero(v);  // >= 7
    const uint64_t sub = (v >> (e - kSubBits)) & (kSub - 1);
    return kLinear + static_cast<size_t>(e - 7) * kSub + static_cast<size_t>(sub);
  }
  static uint64_t mid(size_t i) {
    if (i < kLinear) return i;
    const size_t j = i - kLinear;
    const int e = static_cast<int>(j / kSub) + 7;
    const uint64_t sub = j % kSub;
    const uint64_t lo = (kSub + sub) << (e - kSubBits);
    const uint64_t width = uint64_t{1} << (e - kSubBits);
    return lo + width / 2;
  }
  std::array<uint64_t, kLinear + (64 - 7) * kSub> counts_{};
  uint64_t total_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = UINT64_MAX;
};

// ---------------------------------------------------------------------------------------------
// MQTT 3.1.1 encoding helpers

void put_varint(std::vector<uint8_t>& out, size_t len) {
  do {
    uint8_t b = static_cast<uint8_t>(len % 128);
    len /= 128;
    if (len) b |= 0x80;
    out.push_back(b);
  } while (len);
}

void put_u16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v & 0xff));
}

void put_str(std::vector<uint8_t>& out, std::string_view s) {
  put_u16(out, static_cast<uint16_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

void encode_connect(std::vector<uint8_t>& out, std::string_view client_id, uint16_t keepalive,
                    bool clean_session, int level = 4) {
  // MQTT 5: a persistent session needs a Session Expiry Interval (0 would end it at disconnect);
  // 0xFFFFFFFF = never expires, like a 3.1.1 clean-session-0 session.
  const size_t props = level == 5 ? (clean_session ? 0 : 5) : 0;
  const size_t rem = 10 + (level == 5 ? 1 + props : 0) + 2 + client_id.size();
  out.push_back(0x10);
  put_varint(out, rem);
  put_str(out, "MQTT");
  out.push_back(static_cast<uint8_t>(level));  // protocol level: 4 = 3.1.1, 5 = MQTT 5
  out.push_back(clean_session ? 0x02 : 0);     // clean session (5: clean start) or persistent
  put_u16(out, keepalive);
  if (level == 5) {
    put_varint(out, props);
    if (props) {
      out.push_back(0x11);
      for (int i = 0; i < 4; ++i) out.push_back(0xff);
    }
  }
  put_str(out, client_id);
}

void encode_subscribe(std::vector<uint8_t>& out, uint16_t pid, std::string_view filter, int qos,
                      int level = 4) {
  const size_t rem = 2 + (level == 5 ? 1 : 0) + 2 + filter.size() + 1;
  out.push_back(0x82);
  put_varint(out, rem);
  put_u16(out, pid);
  if (level == 5) out.push_back(0);  // no properties
  put_str(out, filter);
  out.push_back(static_cast<uint8_t>(qos));
}

// Reads an MQTT variable byte integer at p[*pos] (< len); false if truncated or malformed.
bool get_varint(const uint8_t* p, size_t len, size_t* pos, size_t* value) {
  size_t v = 0, mul = 1;
  for (int k = 0; k < 4; ++k) {
    if (*pos >= len) return false;
    const uint8_t b = p[(*pos)++];
    v += static_cast<size_t>(b & 0x7f) * mul;
    mul *= 128;
    if (!(b & 0x80)) {
      *value = v;
      return true;
    }
  }
  return false;
}

void encode_puback(std::vector<uint8_t>& out, uint16_t pid) {
  out.push_back(0x40);
  out.push_back(0x02);
  put_u16(out, pid);
}

// ---------------------------------------------------------------------------------------------

enum class Role { Pub, Sub, Idle };

class Bench;

class Conn {
 public:
  Conn(Bench& b, asio::io_context& io, Role role, int idx, size_t rbuf_size)
      : bench_(b), sock_(io), role_(role), idx_(idx), rbuf_(rbuf_size) {}

  void start_connect(const tcp::endpoint& ep);
  void flush();
  void close() {
    boost::system::error_code ec;
    sock_.close(ec);
  }

  Role role() const { return role_; }
  int idx() const { return idx_; }
  bool dead() const { return dead_; }
  bool ready() const { return ready_; }
  bool writing() const { return writing_; }
  std::vector<uint8_t>& out() { return out_; }

  // Publisher state.
  std::vector<uint8_t> pub_template;  // publisher: fixed header + topic of its PUBLISHes
  std::string filter;                 // subscriber: topic filter
  std::vector<uint32_t> next_seq;     // subscriber: next expected sequence per publisher
  uint16_t next_pid = 1;
  int outstanding = 0;                // QoS 1 PUBLISHes without PUBACK
  uint64_t sent = 0;                  // PUBLISHes queued since start
  uint64_t seq = 0;
  int64_t forgiven = 0;               // e2e: messages written off as lost (broker drops)
  uint64_t last_delivered = 0;        // e2e stall detection
  uint64_t last_progress_ns = 0;
  double rate_allow = 0;              // open loop: messages allowed by now
  bool connack = false;

 private:
  friend class Bench;
  void start_read();
  void on_read(const boost::system::error_code& ec, size_t n);
  void finish_reset();
  bool handle_packet(uint8_t h, const uint8_t* p, size_t len, uint64_t t);
  void fail(const boost::system::error_code& ec, const char* what);

  Bench& bench_;
  tcp::socket sock_;
  Role role_;
  int idx_;
  std::vector<uint8_t> rbuf_;
  size_t rfill_ = 0;
  std::vector<uint8_t> out_;
  std::vector<uint8_t> wbuf_;
  bool writing_ = false;
  bool dead_ = false;
  bool ready_ = false;
  tcp::endpoint ep_;
  bool resetting_ = false;   // --reset-sessions: CONNECT clean 1 + DISCONNECT sent, awaiting EOF
  bool reset_done_ = false;
};

class Bench {
 public:
  explicit Bench(Options o)
      : opt_(std::move(o)), tick_(io_), phase_timer_(io_), ping_timer_(io_), deadline_(io_),
        signals_(io_, SIGINT, SIGTERM) {}

  int run();

  // Called from Conn.
  void on_connack(Conn& c);
  void on_suback(Conn& c, bool ok);
  void on_puback(Conn& c);
  void on_puback_error(uint8_t code, const std::string& reason) {
    if (puback_errors_++ == 0) {
      first_puback_error_code_ = code;
      first_puback_error_reason_ = reason;
    }
  }
  void on_payload_mismatch() { ++payload_mismatch_; }
  void on_session_present() { ++sessions_resumed_; }
  void on_delivery(Conn& sub, uint32_t pub, uint32_t seq, uint64_t ts, uint64_t now);
  void after_read(Conn& c);
  void after_write(Conn& c);
  void on_conn_failed(Conn& c, const std::string& why);
  const Options& opt() const { return opt_; }

 private:
  void build_conns();
  void launch_connects();
  void subs_ready();
  void start_load();
  void begin_window();
  void end_window();
  void pump(Conn& p, bool force);
  void on_tick();
  void schedule_tick();
  void schedule_ping();
  void idle_all_connected();
  void report_run();
  void report_error(const std::string& why);
  void stop() { io_.stop(); }
  std::string json_head() const;
  std::string first_puback_error() const;
  double secs_since(uint64_t t) const { return static_cast<double>(now_ns() - t) / 1e9; }

  Options opt_;
  asio::io_context io_{1};
  tcp::endpoint ep_;
  asio::steady_timer tick_;
  asio::steady_timer phase_timer_;
  asio::steady_timer ping_timer_;
  asio::steady_timer deadline_;
  asio::signal_set signals_;

  std::vector<std::unique_ptr<Conn>> pubs_;
  std::vector<std::unique_ptr<Conn>> subs_;
  std::vector<std::unique_ptr<Conn>> idle_;
  std::vector<Conn*> connect_queue_;  // in connect order
  size_t next_connect_ = 0;
  size_t connecting_ = 0;
  size_t connacks_ = 0;
  size_t failed_ = 0;
  size_t subacks_ = 0;
  bool load_started_ = false;
  bool finished_ = false;
  int exit_code_ = 0;

  // Load state.
  bool running_ = false;
  bool measuring_ = false;
  uint64_t fan_ = 1;  // deliveries per published message
  std::vector<uint64_t> delivered_by_pub_;
  std::vector<uint8_t> dirty_flag_;
  std::vector<int> dirty_;
  std::vector<uint8_t> filler_;
  std::vector<uint8_t> pub_props_;  // MQTT 5: property length + properties of every PUBLISH
  uint64_t load_start_ns_ = 0;
  uint64_t setup_start_ns_ = 0;

  // Counters.
  uint64_t total_sent_ = 0;
  uint64_t total_delivered_ = 0;
  uint64_t win_sent_ = 0;
  uint64_t win_delivered_ = 0;
  uint64_t lost_est_ = 0;
  uint64_t errors_ = 0;
  uint64_t short_payloads_ = 0;
  uint64_t sessions_resumed_ = 0;    // CONNACKs with session present (clean session 0 only)
  uint64_t seq_missing_ = 0;         // gaps in a publisher's sequence at a subscriber
  uint64_t seq_dup_or_reorder_ = 0;  // sequence numbers seen again or out of order
  uint64_t payload_mismatch_ = 0;    // template payloads that did not arrive byte for byte
  uint64_t puback_errors_ = 0;       // MQTT 5 PUBACKs with a reason code >= 0x80 (whole run)
  uint8_t first_puback_error_code_ = 0;
  std::string first_puback_error_reason_;
  Histogram hist_;
  uint64_t win_start_ns_ = 0;
  uint64_t win_end_ns_ = 0;
  ProcSample broker_start_, broker_end_;
  uint64_t gen_cpu_start_ = 0, gen_cpu_end_ = 0;
  // Delivered/sent totals at window start, to report drops over the window.
  uint64_t sent_at_start_ = 0, delivered_at_start_ = 0;

  // Idle.
  ProcSample idle_before_;
  uint64_t idle_connected_ns_ = 0;
  size_t idle_disconnects_ = 0;
  bool idle_reported_ = false;
};

// ---------------------------------------------------------------------------------------------
// Conn

void Conn::start_connect(const tcp::endpoint& ep) {
  ep_ = ep;
  sock_.async_connect(ep, [this](const boost::system::error_code& ec) {
    if (ec) {
      fail(ec, "connect");
      return;
    }
    boost::system::error_code ig;
    sock_.set_option(tcp::no_delay(true), ig);
    const Options& o = bench_.opt();
    std::string id = o.client_id_prefix +
                     (role_ == Role::Pub ? "p" : role_ == Role::Sub ? "s" : "i") +
                     std::to_string(idx_);
    const auto keepalive = static_cast<uint16_t>(o.keepalive);
    resetting_ = o.reset_sessions && !o.clean_session && !reset_done_;
    if (resetting_) {
      // A clean-session CONNECT discards any session stored under this id (and its queued
      // messages); the broker closes the connection after DISCONNECT, then on_read reconnects.
      encode_connect(out_, id, keepalive, true, o.mqtt);
      out_.push_back(0xE0);
      out_.push_back(0x00);
    } else {
      encode_connect(out_, id, keepalive, o.clean_session, o.mqtt);
    }
    flush();
    start_read();
  });
}

void Conn::finish_reset() {
  resetting_ = false;
  reset_done_ = true;
  if (writing_) {  // cannot happen after the broker read our DISCONNECT; be safe anyway
    fail(asio::error::broken_pipe, "session reset");
    return;
  }
  close();
  rfill_ = 0;
  out_.clear();
  start_connect(ep_);
}

void Conn::flush() {
  if (writing_ || out_.empty() || dead_) return;
  std::swap(out_, wbuf_);
  out_.clear();
  writing_ = true;
  asio::async_write(sock_, asio::buffer(wbuf_),
                    [this](const boost::system::error_code& ec, size_t) {
                      writing_ = false;
                      wbuf_.clear();
                      if (ec) {
                        fail(ec, "write");
                        return;
                      }
                      bench_.after_write(*this);
                      flush();
                    });
}

void Conn::start_read() {
  if (dead_) return;
  if (rfill_ == rbuf_.size()) rbuf_.resize(rbuf_.size() * 2);
  sock_.async_read_some(asio::buffer(rbuf_.data() + rfill_, rbuf_.size() - rfill_),
                        [this](const boost::system::error_code& ec, size_t n) { on_read(ec, n); });
}

void Conn::on_read(const boost::system::error_code& ec, size_t n) {
  if (ec && resetting_ && (ec == asio::error::eof || ec == asio::error::connection_reset)) {
    finish_reset();
    return;
  }
  if (ec) {
    fail(ec, "read");
    return;
  }
  rfill_ += n;
  const uint64_t t = now_ns();
  size_t pos = 0;
  for (;;) {
    const size_t avail = rfill_ - pos;
    if (avail < 2) break;
    const uint8_t h = rbuf_[pos];
    size_t len = 0;
    size_t mul = 1;
    size_t i = pos + 1;
    bool complete = false;
    for (int k = 0; k < 4 && i < rfill_; ++k) {
      const uint8_t b = rbuf_[i++];
      len += static_cast<size_t>(b & 0x7f) * mul;
      mul *= 128;
      if (!(b & 0x80)) {
        complete = true;
        break;
      }
    }
    if (!complete) {
      if (i - pos - 1 >= 4) {  // four continuation bytes: malformed
        fail(boost::asio::error::invalid_argument, "malformed remaining length");
        return;
      }
      break;  // header split across reads
    }
    const size_t total = (i - pos) + len;
    if (avail < total) {
      // Packet split across reads: make sure it will fit once compacted.
      if (total > rbuf_.size()) rbuf_.resize(std::max(total, rbuf_.size() * 2));
      break;
    }
    if (!handle_packet(h, rbuf_.data() + i, len, t)) return;
    pos += total;
  }
  if (pos > 0) {
    std::memmove(rbuf_.data(), rbuf_.data() + pos, rfill_ - pos);
    rfill_ -= pos;
  }
  bench_.after_read(*this);
  start_read();
}

bool Conn::handle_packet(uint8_t h, const uint8_t* p, size_t len, uint64_t t) {
  switch (h >> 4) {
    case 2:  // CONNACK
      if (resetting_) return true;  // the session-discarding connect; EOF follows
      if (len < 2 || p[1] != 0) {
        bench_.on_conn_failed(*this, "CONNACK refused rc=" + std::to_string(len >= 2 ? p[1] : -1));
        dead_ = true;
        close();
        return false;
      }
      connack = true;
      if (p[0] & 0x01) bench_.on_session_present();
      if (role_ != Role::Sub) ready_ = true;
      bench_.on_connack(*this);
      return true;
    case 9: {  // SUBACK: packet id, (MQTT 5: properties), one reason code
      size_t off = 2;
      if (bench_.opt().mqtt == 5) {
        size_t plen = 0;
        if (!get_varint(p, len, &off, &plen)) off = len;
        off += plen;
      }
      ready_ = off < len && p[off] < 0x80;
      bench_.on_suback(*this, ready_);
      return true;
    }
    case 3: {  // PUBLISH
      const int qos = (h >> 1) & 3;
      if (len < 2) return true;
      const size_t tl = (size_t{p[0]} << 8) | p[1];
      size_t off = 2 + tl;
      if (qos > 0) {
        if (off + 2 > len) return true;
        const uint16_t pid = static_cast<uint16_t>((p[off] << 8) | p[off + 1]);
        off += 2;
        encode_puback(out_, pid);
      }
      if (bench_.opt().mqtt == 5) {  // skip the properties
        size_t plen = 0;
        if (!get_varint(p, len, &off, &plen)) return true;
        off += plen;
      }
      if (off > len) return true;
      const Options& o = bench_.opt();
      if (!o.body.empty()) {  // text template: decode the stamp, compare the rest
        uint64_t ts;
        uint32_t pub, seq;
        const uint8_t* pl = p + off;
        if (len - off == o.body.size() && read_stamp(pl + o.stamp_off, ts, pub, seq)) {
          const size_t tail = o.stamp_off + kStampLen;
          if (std::memcmp(pl, o.body.data(), o.stamp_off) != 0 ||
              std::memcmp(pl + tail, o.body.data() + tail, o.body.size() - tail) != 0)
            bench_.on_payload_mismatch();
          bench_.on_delivery(*this, pub, seq, ts, t);
        } else {
          bench_.on_delivery(*this, UINT32_MAX, 0, 0, t);
        }
      } else if (len - off >= 16) {
        uint64_t ts;
        uint32_t pub, seq;
        std::memcpy(&ts, p + off, 8);
        std::memcpy(&pub, p + off + 8, 4);
        std::memcpy(&seq, p + off + 12, 4);
        bench_.on_delivery(*this, pub, seq, ts, t);
      } else {
        bench_.on_delivery(*this, UINT32_MAX, 0, 0, t);
      }
      return true;
    }
    case 4:  // PUBACK (MQTT 5: optional reason code and properties)
      if (len >= 3 && p[2] >= 0x80) {
        std::string reason;
        size_t off = 3, plen = 0;
        if (get_varint(p, len, &off, &plen) && off + plen <= len) {
          // Properties: look for the Reason String (0x1F); stop at anything unexpected.
          const size_t end = off + plen;
          while (off < end) {
            const uint8_t id = p[off++];
            if (id == 0x1F && off + 2 <= end) {
              const size_t sl = (size_t{p[off]} << 8) | p[off + 1];
              if (off + 2 + sl <= end)
                reason.assign(reinterpret_cast<const char*>(p + off + 2), sl);
              break;
            }
            if (id == 0x26 && off + 2 <= end) {  // User Property: two strings
              for (int k = 0; k < 2 && off + 2 <= end; ++k)
                off += 2 + ((size_t{p[off]} << 8) | p[off + 1]);
              continue;
            }
            break;
          }
        }
        bench_.on_puback_error(p[2], reason);
      }
      bench_.on_puback(*this);
      return true;
    default:  // PINGRESP and anything else: ignore
      return true;
  }
}

void Conn::fail(const boost::system::error_code& ec, const char* what) {
  if (dead_) return;
  dead_ = true;
  close();
  if (ec == asio::error::operation_aborted) return;
  bench_.on_conn_failed(*this, std::string(what) + ": " + ec.message());
}

// ---------------------------------------------------------------------------------------------
// Bench

std::string json_escape(std::string_view s) {
  std::string r;
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    r += c;
  }
  return r;
}

std::string Bench::json_head() const {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"label\":\"%s\",\"scenario\":\"%s\",\"qos\":%d,\"port\":%u,\"clients\":%d,"
                "\"publishers\":%zu,\"subscribers\":%zu,\"payload\":%zu,\"window\":%d,"
                "\"e2e_window\":%d,\"rate\":%.0f",
                json_escape(opt_.label).c_str(), opt_.scenario.c_str(), opt_.qos, opt_.port,
                opt_.clients, pubs_.size(), subs_.size(), opt_.payload, opt_.window,
                opt_.e2e_window, opt_.rate);
  return buf;
}

void Bench::report_error(const std::string& why) {
  if (finished_) return;
  finished_ = true;
  exit_code_ = 2;
  std::printf("%s,\"error\":\"%s\"}\n", json_head().c_str(), json_escape(why).c_str());
  std::fflush(stdout);
  stop();
}

void Bench::build_conns() {
  const int n = opt_.clients;
  const std::string& pre = opt_.topic_prefix;
  int npub = 0, nsub = 0;
  std::vector<std::string> pub_topics;
  std::vector<std::string> sub_filters;
  if (opt_.scenario == "p2p") {
    npub = nsub = n;
    for (int i = 0; i < n; ++i) {
      pub_topics.push_back(pre + "/p2p/" + std::to_string(i));
      sub_filters.push_back(pre + "/p2p/" + std::to_string(i));
    }
  } else if (opt_.scenario == "fanin") {
    npub = n;
    nsub = 1;
    for (int i = 0; i < n; ++i) pub_topics.push_back(pre + "/fanin/" + std::to_string(i));
    sub_filters.push_back(pre + "/fanin/+");
  } else if (opt_.scenario == "fanout") {
    npub = 1;
    nsub = n;
    pub_topics.push_back(pre + "/fanout");
    for (int i = 0; i < n; ++i) sub_filters.push_back(pre + "/fanout");
    fan_ = static_cast<uint64_t>(n);
  } else {  // idle
    for (int i = 0; i < n; ++i) {
      idle_.push_back(std::make_unique<Conn>(*this, io_, Role::Idle, i, 256));
      connect_queue_.push_back(idle_.back().get());
    }
    return;
  }
  for (int i = 0; i < nsub; ++i) {
    subs_.push_back(std::make_unique<Conn>(*this, io_, Role::Sub, i, 256 * 1024));
    subs_.back()->filter = sub_filters[static_cast<size_t>(i)];
    connect_queue_.push_back(subs_.back().get());
  }
  if (opt_.mqtt == 5) {
    std::vector<uint8_t> props;
    if (!opt_.content_type.empty()) {
      props.push_back(0x03);  // Content Type
      put_str(props, opt_.content_type);
    }
    put_varint(pub_props_, props.size());
    pub_props_.insert(pub_props_.end(), props.begin(), props.end());
  }
  for (int i = 0; i < npub; ++i) {
    pubs_.push_back(std::make_unique<Conn>(*this, io_, Role::Pub, i, 16 * 1024));
    Conn& c = *pubs_.back();
    const std::string& topic = pub_topics[static_cast<size_t>(i)];
    const size_t rem = 2 + topic.size() + (opt_.qos ? 2 : 0) + pub_props_.size() + opt_.payload;
    c.pub_template.push_back(static_cast<uint8_t>(0x30 | (opt_.qos << 1)));
    put_varint(c.pub_template, rem);
    put_str(c.pub_template, topic);
  }
  delivered_by_pub_.assign(pubs_.size(), 0);
  for (auto& sc : subs_) sc->next_seq.assign(pubs_.size(), 0);
  dirty_flag_.assign(pubs_.size(), 0);
  if (opt_.body.empty()) filler_.assign(opt_.payload - 16, 'x');
}

void Bench::launch_connects() {
  while (connecting_ < static_cast<size_t>(opt_.connect_concurrency) &&
         next_connect_ < connect_queue_.size()) {
    ++connecting_;
    connect_queue_[next_connect_++]->start_connect(ep_);
  }
}

void Bench::on_connack(Conn& c) {
  --connecting_;
  ++connacks_;
  if (c.role() == Role::Sub) {
    // Subscribe right away; the subscriber counts as "connecting" until its SUBACK.
    ++connecting_;
    encode_subscribe(c.out(), 1, c.filter, opt_.qos, opt_.mqtt);
    c.flush();
  }
  if (opt_.verbose && connacks_ % 1000 == 0)
    std::fprintf(stderr, "connected %zu\n", connacks_);
  if (c.role() == Role::Pub && connacks_ == subs_.size() + pubs_.size()) {
    start_load();
    return;
  }
  if (c.role() == Role::Idle && connacks_ + failed_ == idle_.size()) {
    idle_all_connected();
    return;
  }
  launch_connects();
}

void Bench::on_suback(Conn& c, bool ok) {
  --connecting_;
  if (!ok) {
    report_error("SUBACK failure for subscriber " + std::to_string(c.idx()));
    return;
  }
  if (++subacks_ == subs_.size()) {
    subs_ready();
    return;
  }
  launch_connects();
}

void Bench::subs_ready() {
  if (opt_.verbose) std::fprintf(stderr, "%zu subscribers ready\n", subs_.size());
  for (auto& p : pubs_) connect_queue_.push_back(p.get());
  launch_connects();
}

void Bench::on_conn_failed(Conn& c, const std::string& why) {
  ++errors_;
  if (opt_.verbose || errors_ <= 3)
    std::fprintf(stderr, "connection %d (%s) failed: %s\n", c.idx(),
                 c.role() == Role::Pub ? "pub" : c.role() == Role::Sub ? "sub" : "idle",
                 why.c_str());
  if (c.role() == Role::Idle) {
    if (idle_reported_) {
      ++idle_disconnects_;
      return;
    }
    if (!c.connack) {
      --connecting_;
      ++failed_;
      if (connacks_ + failed_ == idle_.size()) {
        idle_all_connected();
        return;
      }
      launch_connects();
    } else {
      ++idle_disconnects_;
    }
    return;
  }
  if (!load_started_) {
    report_error("setup failed: " + why);
  }
}

void Bench::start_load() {
  load_started_ = true;
  if (opt_.verbose)
    std::fprintf(stderr, "setup done in %.2fs: %zu pubs, %zu subs\n", secs_since(setup_start_ns_),
                 pubs_.size(), subs_.size());
  running_ = true;
  load_start_ns_ = now_ns();
  for (auto& p : pubs_) p->last_progress_ns = load_start_ns_;
  for (auto& p : pubs_) pump(*p, true);
  schedule_tick();
  phase_timer_.expires_after(std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(opt_.warmup)));
  phase_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    begin_window();
  });
}

void Bench::begin_window() {
  broker_start_ = sample_proc(opt_.broker_pid);
  gen_cpu_start_ = self_cpu_us();
  win_start_ns_ = now_ns();
  sent_at_start_ = total_sent_;
  delivered_at_start_ = total_delivered_;
  measuring_ = true;
  phase_timer_.expires_after(std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(opt_.duration)));
  phase_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    end_window();
  });
}

void Bench::end_window() {
  measuring_ = false;
  win_end_ns_ = now_ns();
  broker_end_ = sample_proc(opt_.broker_pid);
  gen_cpu_end_ = self_cpu_us();
  running_ = false;
  report_run();
  stop();
}

void Bench::report_run() {
  if (finished_) return;
  finished_ = true;
  const double secs = static_cast<double>(win_end_ns_ - win_start_ns_) / 1e9;
  const bool have_cpu = broker_start_.ok && broker_end_.ok;
  const uint64_t bcpu = have_cpu ? broker_end_.cpu_us - broker_start_.cpu_us : 0;
  const uint64_t gcpu = gen_cpu_end_ - gen_cpu_start_;
  const double per_msg = (have_cpu && win_delivered_) ? static_cast<double>(bcpu) /
                                                            static_cast<double>(win_delivered_)
                                                      : -1.0;
  const double expected = static_cast<double>(win_sent_) * static_cast<double>(fan_);
  size_t dead = 0;
  for (auto& c : pubs_) dead += c->dead();
  for (auto& c : subs_) dead += c->dead();
  std::printf(
      "%s,\"duration_s\":%.3f,\"sent\":%llu,\"delivered\":%llu,\"expected\":%.0f,"
      "\"sent_per_s\":%.1f,\"msgs_per_s\":%.1f,\"delivery_ratio\":%.4f,\"lost_est\":%llu,"
      "\"lat_samples\":%llu,\"lat_min_us\":%.1f,\"lat_p50_us\":%.1f,\"lat_p90_us\":%.1f,"
      "\"lat_p99_us\":%.1f,\"lat_p999_us\":%.1f,\"lat_max_us\":%.1f,"
      "\"broker_cpu_us\":%llu,\"broker_cpu_us_per_msg\":%.4f,\"broker_cpu_util\":%.3f,"
      "\"broker_rss_kb\":%llu,\"gen_cpu_us\":%llu,\"gen_cpu_util\":%.3f,\"errors\":%llu,"
      "\"dead_conns\":%zu,\"seq_missing\":%llu,\"seq_dup_or_reorder\":%llu,"
      "\"short_payloads\":%llu,\"clean_session\":%d,\"sessions_resumed\":%llu,"
      "\"mqtt\":%d,\"payload_mode\":\"%s\",\"payload_mismatch\":%llu,\"puback_errors\":%llu,"
      "\"puback_error_first\":\"%s\",\"total_sent\":%llu,\"total_delivered\":%llu}\n",
      json_head().c_str(), secs, static_cast<unsigned long long>(win_sent_),
      static_cast<unsigned long long>(win_delivered_), expected,
      static_cast<double>(win_sent_) / secs, static_cast<double>(win_delivered_) / secs,
      expected > 0 ? static_cast<double>(win_delivered_) / expected : 0.0,
      static_cast<unsigned long long>(lost_est_), static_cast<unsigned long long>(hist_.total()),
      static_cast<double>(hist_.min()) / 1e3, static_cast<double>(hist_.quantile(0.5)) / 1e3,
      static_cast<double>(hist_.quantile(0.9)) / 1e3,
      static_cast<double>(hist_.quantile(0.99)) / 1e3,
      static_cast<double>(hist_.quantile(0.999)) / 1e3, static_cast<double>(hist_.max()) / 1e3,
      static_cast<unsigned long long>(bcpu), per_msg,
      have_cpu ? static_cast<double>(bcpu) / (secs * 1e6) : -1.0,
      static_cast<unsigned long long>(broker_end_.rss_kb), static_cast<unsigned long long>(gcpu),
      static_cast<double>(gcpu) / (secs * 1e6), static_cast<unsigned long long>(errors_), dead,
      static_cast<unsigned long long>(seq_missing_),
      static_cast<unsigned long long>(seq_dup_or_reorder_),
      static_cast<unsigned long long>(short_payloads_), opt_.clean_session ? 1 : 0,
      static_cast<unsigned long long>(sessions_resumed_), opt_.mqtt,
      opt_.body.empty() ? "binary" : "template",
      static_cast<unsigned long long>(payload_mismatch_),
      static_cast<unsigned long long>(puback_errors_), first_puback_error().c_str(),
      static_cast<unsigned long long>(total_sent_), static_cast<unsigned long long>(total_delivered_));
  std::fflush(stdout);
}

std::string Bench::first_puback_error() const {
  if (!puback_errors_) return "";
  char code[8];
  std::snprintf(code, sizeof code, "0x%02x", first_puback_error_code_);
  return json_escape(std::string(code) +
                     (first_puback_error_reason_.empty() ? "" : " " + first_puback_error_reason_));
}

void Bench::pump(Conn& p, bool force) {
  if (!running_ || p.dead() || !p.ready()) return;
  const bool q1 = opt_.qos == 1;
  // How many PUBLISHes may go out now under every active limit.
  int64_t avail = 1024;  // cap per call, keeps one batch (one write) bounded
  bool windowed = false;
  if (q1) {
    avail = std::min<int64_t>(avail, opt_.window - p.outstanding);
    windowed = true;
  }
  if (opt_.e2e_window > 0) {
    const auto f = static_cast<int64_t>(fan_);
    const int64_t inflight = static_cast<int64_t>(p.sent) * f -
                             static_cast<int64_t>(delivered_by_pub_[static_cast<size_t>(p.idx())]) -
                             p.forgiven * f;
    avail = std::min<int64_t>(avail, (static_cast<int64_t>(opt_.e2e_window) * f - inflight) / f);
    windowed = true;
  }
  if (opt_.rate > 0) {
    avail = std::min<int64_t>(avail, static_cast<int64_t>(p.rate_allow) -
                                         static_cast<int64_t>(p.sent));
  } else if (!windowed) {  // full blast: bounded by TCP backpressure only
    avail = (p.writing() || p.out().size() >= 64 * 1024) ? 0 : 256;
  }
  if (avail <= 0) return;
  // Refill windows in halves rather than one message per ack: batched writes keep the
  // generator's syscalls (and the broker's) per message low on both sides.
  if (!force && windowed && avail < std::max(1, opt_.window / 2)) return;
  const size_t pub_len = p.pub_template.size() + (q1 ? 2 : 0) + pub_props_.size() + opt_.payload;
  auto& out = p.out();
  const uint64_t ts = now_ns();  // one timestamp per batch keeps the generator cheap
  out.reserve(out.size() + static_cast<size_t>(avail) * pub_len);
  for (int64_t k = 0; k < avail; ++k) {
    const size_t o = out.size();
    out.resize(o + pub_len);
    uint8_t* w = out.data() + o;
    std::memcpy(w, p.pub_template.data(), p.pub_template.size());
    w += p.pub_template.size();
    if (q1) {
      const uint16_t pid = p.next_pid;
      p.next_pid = static_cast<uint16_t>(pid == 65535 ? 1 : pid + 1);
      *w++ = static_cast<uint8_t>(pid >> 8);
      *w++ = static_cast<uint8_t>(pid & 0xff);
      ++p.outstanding;
    }
    if (!pub_props_.empty()) {
      std::memcpy(w, pub_props_.data(), pub_props_.size());
      w += pub_props_.size();
    }
    const auto pub = static_cast<uint32_t>(p.idx());
    const auto seq = static_cast<uint32_t>(p.seq++);
    if (!opt_.body.empty()) {
      std::memcpy(w, opt_.body.data(), opt_.body.size());
      write_stamp(w + opt_.stamp_off, ts, pub, seq);
    } else {
      std::memcpy(w, &ts, 8);
      std::memcpy(w + 8, &pub, 4);
      std::memcpy(w + 12, &seq, 4);
      if (!filler_.empty()) std::memcpy(w + 16, filler_.data(), filler_.size());
    }
    ++p.sent;
    ++total_sent_;
    if (measuring_) ++win_sent_;
  }
  p.flush();
}

void Bench::on_puback(Conn& c) {
  if (c.outstanding > 0) --c.outstanding;
  if (!dirty_flag_[static_cast<size_t>(c.idx())]) {
    dirty_flag_[static_cast<size_t>(c.idx())] = 1;
    dirty_.push_back(c.idx());
  }
}

void Bench::on_delivery(Conn& sub, uint32_t pub, uint32_t seq, uint64_t ts, uint64_t now) {
  ++total_delivered_;
  if (pub < delivered_by_pub_.size()) {
    ++delivered_by_pub_[pub];
    // Per (subscriber, publisher) order check: MQTT keeps a publisher's messages in order.
    uint32_t& want = sub.next_seq[pub];
    if (seq == want) {
      ++want;
    } else if (seq > want) {
      seq_missing_ += seq - want;
      want = seq + 1;
    } else {
      ++seq_dup_or_reorder_;
    }
    if (opt_.e2e_window > 0 && !dirty_flag_[pub]) {
      dirty_flag_[pub] = 1;
      dirty_.push_back(static_cast<int>(pub));
    }
  } else {
    ++short_payloads_;
  }
  if (measuring_) {
    ++win_delivered_;
    if (ts != 0 && now >= ts) hist_.record(now - ts);
  }
}

void Bench::after_read(Conn& c) {
  c.flush();  // PUBACKs for QoS 1 deliveries, batched per read
  for (int i : dirty_) {
    dirty_flag_[static_cast<size_t>(i)] = 0;
    pump(*pubs_[static_cast<size_t>(i)], false);
  }
  dirty_.clear();
}

void Bench::after_write(Conn& c) {
  if (c.role() == Role::Pub && opt_.qos == 0 && opt_.rate <= 0 && opt_.e2e_window == 0) pump(c, true);
}

void Bench::schedule_tick() {
  const auto period = opt_.rate > 0 ? std::chrono::milliseconds(2) : std::chrono::milliseconds(20);
  tick_.expires_after(period);
  tick_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || !running_) return;
    on_tick();
    schedule_tick();
  });
}

void Bench::on_tick() {
  const uint64_t now = now_ns();
  if (opt_.rate > 0) {
    const double per_pub = opt_.rate / static_cast<double>(pubs_.size());
    const double el = static_cast<double>(now - load_start_ns_) / 1e9;
    for (auto& p : pubs_) p->rate_allow = per_pub * el;
  }
  if (opt_.e2e_window > 0) {
    // Stall detection: if a publisher is blocked on its e2e window and nothing of its messages
    // arrived for stall_ms, the broker dropped them; write them off so the load continues.
    const auto stall_ns = static_cast<uint64_t>(opt_.stall_ms * 1e6);
    for (auto& p : pubs_) {
      const uint64_t d = delivered_by_pub_[static_cast<size_t>(p->idx())];
      if (d != p->last_delivered) {
        p->last_delivered = d;
        p->last_progress_ns = now;
        continue;
      }
      if (now - p->last_progress_ns < stall_ns) continue;
      const int64_t inflight = static_cast<int64_t>(p->sent) -
                               static_cast<int64_t>(d / fan_) - p->forgiven;
      if (inflight > 0) {
        p->forgiven += inflight;
        lost_est_ += static_cast<uint64_t>(inflight);
        p->last_progress_ns = now;
      }
    }
  }
  for (auto& p : pubs_) pump(*p, true);
}

void Bench::schedule_ping() {
  if (opt_.keepalive <= 0) return;
  ping_timer_.expires_after(std::chrono::milliseconds(opt_.keepalive * 500));
  ping_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    auto ping = [](Conn& c) {
      if (c.dead() || !c.connack) return;
      c.out().push_back(0xC0);
      c.out().push_back(0x00);
      c.flush();
    };
    for (auto& c : pubs_) ping(*c);
    for (auto& c : subs_) ping(*c);
    for (auto& c : idle_) ping(*c);
    schedule_ping();
  });
}

void Bench::idle_all_connected() {
  idle_connected_ns_ = now_ns();
  deadline_.cancel();
  if (opt_.verbose)
    std::fprintf(stderr, "idle: %zu connected, %zu failed in %.2fs; settling %.1fs\n", connacks_,
                 failed_, secs_since(setup_start_ns_), opt_.settle);
  phase_timer_.expires_after(std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(opt_.settle)));
  phase_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    const ProcSample after = sample_proc(opt_.broker_pid);
    size_t alive = 0;
    for (auto& c : idle_) alive += (c->connack && !c->dead());
    const bool have = idle_before_.ok && after.ok;
    const double delta_b =
        have ? (static_cast<double>(after.rss_kb) - static_cast<double>(idle_before_.rss_kb)) *
                   1024.0
             : 0.0;
    std::printf(
        "%s,\"connected\":%zu,\"failed\":%zu,\"alive\":%zu,\"connect_s\":%.3f,"
        "\"broker_rss_before_kb\":%llu,\"broker_rss_after_kb\":%llu,"
        "\"bytes_per_conn\":%.1f,\"gen_cpu_us\":%llu,\"errors\":%llu}\n",
        json_head().c_str(), connacks_, failed_, alive,
        static_cast<double>(idle_connected_ns_ - setup_start_ns_) / 1e9,
        static_cast<unsigned long long>(idle_before_.rss_kb),
        static_cast<unsigned long long>(after.rss_kb),
        (have && alive) ? delta_b / static_cast<double>(alive) : -1.0,
        static_cast<unsigned long long>(self_cpu_us()), static_cast<unsigned long long>(errors_));
    std::fflush(stdout);
    idle_reported_ = true;
    finished_ = true;
    if (connacks_ == 0) exit_code_ = 2;
    if (opt_.hold == 0) {
      stop();
      return;
    }
    if (opt_.hold > 0) {
      phase_timer_.expires_after(std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(opt_.hold)));
      phase_timer_.async_wait([this](const boost::system::error_code& e) {
        if (!e) stop();
      });
    }
  });
}

int Bench::run() {
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(opt_.host, ec);
  if (ec) {
    std::fprintf(stderr, "bad --host %s (numeric address expected)\n", opt_.host.c_str());
    return 2;
  }
  ep_ = tcp::endpoint(addr, opt_.port);

  // Enough descriptors for every connection (raise soft to hard; root may raise hard too).
  const rlim_t need = static_cast<rlim_t>(opt_.clients) * 2 + 64;
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
    rlimit want = rl;
    want.rlim_cur = want.rlim_max = std::max(rl.rlim_max, need);
    if (::setrlimit(RLIMIT_NOFILE, &want) != 0) {
      want.rlim_cur = want.rlim_max = rl.rlim_max;
      ::setrlimit(RLIMIT_NOFILE, &want);
    }
    ::getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < static_cast<rlim_t>(opt_.clients) + 16)
      std::fprintf(stderr, "warning: RLIMIT_NOFILE %llu is below %d connections\n",
                   static_cast<unsigned long long>(rl.rlim_cur), opt_.clients);
  }

  signals_.async_wait([this](const boost::system::error_code& e, int) {
    if (e) return;
    if (!finished_) report_error("interrupted");
    stop();
  });

  build_conns();
  if (opt_.scenario == "idle") idle_before_ = sample_proc(opt_.broker_pid);
  setup_start_ns_ = now_ns();
  deadline_.expires_after(std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(opt_.connect_timeout)));
  deadline_.async_wait([this](const boost::system::error_code& e) {
    if (e || load_started_ || idle_connected_ns_) return;
    report_error("setup timed out: " + std::to_string(connacks_) + " CONNACKs, " +
                 std::to_string(subacks_) + " SUBACKs");
  });
  schedule_ping();
  launch_connects();
  io_.run();
  if (!finished_) {
    std::printf("%s,\"error\":\"stopped before completion\"}\n", json_head().c_str());
    return 2;
  }
  return exit_code_;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Bench b(parse_args(argc, argv));
    return b.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "accord_bench: %s\n", e.what());
    return 2;
  }
}
