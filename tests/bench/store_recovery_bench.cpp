// Start-up benchmark of the RocksDB store: writes N retained messages and M persistent sessions,
// closes, reopens and times open_store() and recover(). A tool, not a test: no ctest
// registration, no timing assertions.
//
//   accord_store_recovery_bench [--dir D] [--retained N] [--sessions M] [--payload B] [--keep]
//   accord_store_recovery_bench --populate D [--retained N] [--sessions M] [--payload B]
//
// Without --dir a fresh directory under $TMPDIR is used and removed afterwards. --populate only
// writes the data set into D (absent or empty) and exits, leaving a data directory for
// `accord --set store.data_dir=D` (tests/bench/run_restart.sh measures the broker's restart).
//
// The data set (defaults: 1,000,000 retained, 100,000 sessions, 100-byte payloads). The same
// formulas are in tests/bench/restart_probe.py, which loads Mosquitto with identical data and
// checks the payload it gets back; keep the two in step.
//   retained i:  topic   fleet/site-SSS/dev-DDDDDDD/state   (S = i / 10000, D = i), QoS 1
//                payload {"dev":"dev-DDDDDDD","ts":1767225600000,"temp":T.t,"hum":H,"bat":B,
//                        "rssi":-R,"fw":"2.4.1","status":"ok"}  padded with spaces to B bytes
//   session j:   client id client-JJJJJJJ, session expiry 1 day (offline, expiring in a day),
//                fleet/site-SSS/dev-DDDDDDD/cmd (QoS 1, D = j * N / M) and, for odd j, also
//                fleet/site-SSS/+/alerts (QoS 1): 1.5 subscriptions per session on average
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <future>
#include <string>

#include "broker/store/store.hpp"

using namespace accord::store;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

bool commit(Store& store, WriteBatch b) {
  std::promise<Status> p;
  auto f = p.get_future();
  store.submit(std::move(b), [&p](const Status& s) { p.set_value(s); });
  Status s = f.get();
  if (!s.ok) std::fprintf(stderr, "write failed: %s\n", s.message.c_str());
  return s.ok;
}

std::string device_prefix(std::uint64_t device) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "fleet/site-%03llu/dev-%07llu/",
                static_cast<unsigned long long>(device / 10'000),
                static_cast<unsigned long long>(device));
  return buf;
}

std::string state_payload(std::uint64_t i, std::size_t size) {
  char buf[256];
  const unsigned t = 150 + static_cast<unsigned>(i % 200);
  std::snprintf(buf, sizeof buf,
                "{\"dev\":\"dev-%07llu\",\"ts\":1767225600000,\"temp\":%u.%u,\"hum\":%u,"
                "\"bat\":%u,\"rssi\":-%u,\"fw\":\"2.4.1\",\"status\":\"ok\"}",
                static_cast<unsigned long long>(i), t / 10, t % 10,
                30 + static_cast<unsigned>(i % 50), 20 + static_cast<unsigned>(i % 80),
                40 + static_cast<unsigned>(i % 60));
  std::string s = buf;
  s.resize(std::max(size, s.size()), ' ');
  return s;
}

// Writes the data set described at the top of this file.
bool populate(Store& store, std::uint64_t retained, std::uint64_t sessions, std::size_t payload,
              UnixMillis now) {
  for (std::uint64_t i = 0; i < retained;) {
    WriteBatch b;
    for (std::uint64_t n = 0; n < 10'000 && i < retained; ++n, ++i) {
      MessageRecord m;
      m.topic = device_prefix(i) + "state";
      m.payload = state_payload(i, payload);
      m.qos = 1;
      m.retain = true;
      b.put_retained(m);
    }
    if (!commit(store, std::move(b))) return false;
  }
  for (std::uint64_t j = 0; j < sessions;) {
    WriteBatch b;
    for (std::uint64_t n = 0; n < 10'000 && j < sessions; ++n, ++j) {
      SessionRecord s;
      char id[32];
      std::snprintf(id, sizeof id, "client-%07llu", static_cast<unsigned long long>(j));
      s.client_id = id;
      s.expiry_interval = 86'400;
      s.expires_at = now + 86'400'000;
      const std::uint64_t device = retained ? j * retained / sessions : j;
      SubscriptionRecord cmd;
      cmd.filter = device_prefix(device) + "cmd";
      cmd.options.max_qos = 1;
      s.subscriptions.push_back(cmd);
      if (j % 2 == 1) {
        char alerts[64];
        std::snprintf(alerts, sizeof alerts, "fleet/site-%03llu/+/alerts",
                      static_cast<unsigned long long>(device / 10'000));
        SubscriptionRecord a;
        a.filter = alerts;
        a.options.max_qos = 1;
        s.subscriptions.push_back(a);
      }
      b.put_session(s);
    }
    if (!commit(store, std::move(b))) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  std::uint64_t retained = 1'000'000, sessions = 100'000;
  std::size_t payload = 100;
  bool keep = false, populate_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--dir" || a == "--populate") && i + 1 < argc) {
      dir = argv[++i];
      populate_only = a == "--populate";
    } else if (a == "--retained" && i + 1 < argc) {
      retained = std::stoull(argv[++i]);
    } else if (a == "--sessions" && i + 1 < argc) {
      sessions = std::stoull(argv[++i]);
    } else if (a == "--payload" && i + 1 < argc) {
      payload = std::stoull(argv[++i]);
    } else if (a == "--keep") {
      keep = true;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--dir D] [--retained N] [--sessions M] [--payload B] [--keep]\n"
                   "       %s --populate D [--retained N] [--sessions M] [--payload B]\n",
                   argv[0], argv[0]);
      return 2;
    }
  }
  bool made_dir = false;
  if (dir.empty()) {
    std::string templ =
        (std::filesystem::temp_directory_path() / "accord-store-bench-XXXXXX").string();
    if (!mkdtemp(templ.data())) return 1;
    dir = templ + "/db";
    made_dir = true;
  }
  const UnixMillis now = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();

  StoreOptions o;
  o.path = dir;
  o.durability = Durability::Async;  // loading speed only; recovery does not depend on the mode
  {
    auto r = open_store(o);
    if (!r.status.ok) {
      std::fprintf(stderr, "%s\n", r.status.message.c_str());
      return 1;
    }
    auto t = Clock::now();
    if (!populate(*r.store, retained, sessions, payload, now)) return 1;
    std::printf("wrote %llu retained (%zu-byte payloads) + %llu sessions in %.2f s\n",
                static_cast<unsigned long long>(retained), payload,
                static_cast<unsigned long long>(sessions), seconds_since(t));
    r.store->close();
  }
  if (populate_only) return 0;

  auto t_open = Clock::now();
  auto r = open_store(o);
  if (!r.status.ok) {
    std::fprintf(stderr, "%s\n", r.status.message.c_str());
    return 1;
  }
  const double open_s = seconds_since(t_open);
  auto t_rec = Clock::now();
  Recovered rec = r.store->recover(now);
  const double recover_s = seconds_since(t_rec);
  if (!rec.status.ok) {
    std::fprintf(stderr, "%s\n", rec.status.message.c_str());
    return 1;
  }
  Stats st = r.store->stats();
  std::printf("open_store: %.3f s (WAL replay included)\n", open_s);
  std::printf("recover: %.3f s -> %zu retained, %zu sessions\n", recover_s, rec.retained.size(),
              rec.sessions.size());
  std::printf("ready to serve after %.3f s; %.1f MiB on disk\n", open_s + recover_s,
              static_cast<double>(st.bytes_on_disk) / (1 << 20));
  r.store->close();
  if (made_dir && !keep) std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
  return 0;
}
