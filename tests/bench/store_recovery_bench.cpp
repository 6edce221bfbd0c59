// Start-up benchmark of the RocksDB store: writes N retained messages and M persistent sessions
// (one subscription each), closes, reopens and times open_store() and recover(). A tool, not a
// test: no ctest registration, no timing assertions.
//
//   accord_store_recovery_bench [--dir D] [--retained N] [--sessions M] [--keep]
// Without --dir a fresh directory under $TMPDIR is used and removed afterwards.
#include <stdlib.h>

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

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  std::uint64_t retained = 1'000'000, sessions = 100'000;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--dir" && i + 1 < argc)
      dir = argv[++i];
    else if (a == "--retained" && i + 1 < argc)
      retained = std::stoull(argv[++i]);
    else if (a == "--sessions" && i + 1 < argc)
      sessions = std::stoull(argv[++i]);
    else if (a == "--keep")
      keep = true;
    else {
      std::fprintf(stderr, "usage: %s [--dir D] [--retained N] [--sessions M] [--keep]\n", argv[0]);
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
    const std::string payload(64, 'p');
    for (std::uint64_t i = 0; i < retained;) {
      WriteBatch b;
      for (std::uint64_t n = 0; n < 10'000 && i < retained; ++n, ++i) {
        MessageRecord m;
        m.topic =
            "fleet/site-" + std::to_string(i % 100) + "/device-" + std::to_string(i) + "/state";
        m.payload = payload;
        m.qos = 1;
        m.retain = true;
        b.put_retained(m);
      }
      if (!commit(*r.store, std::move(b))) return 1;
    }
    for (std::uint64_t i = 0; i < sessions;) {
      WriteBatch b;
      for (std::uint64_t n = 0; n < 10'000 && i < sessions; ++n, ++i) {
        SessionRecord s;
        s.client_id = "device-" + std::to_string(i);
        s.expiry_interval = 86'400;
        s.expires_at = now + 86'400'000;
        SubscriptionRecord sub;
        sub.filter = "fleet/site-" + std::to_string(i % 100) + "/+/cmd";
        sub.options.max_qos = 1;
        s.subscriptions.push_back(sub);
        b.put_session(s);
      }
      if (!commit(*r.store, std::move(b))) return 1;
    }
    std::printf("wrote %llu retained + %llu sessions in %.2f s\n",
                static_cast<unsigned long long>(retained),
                static_cast<unsigned long long>(sessions), seconds_since(t));
    r.store->close();
  }

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
