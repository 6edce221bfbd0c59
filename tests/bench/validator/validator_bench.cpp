// Throughput of Accord's compiled JSON Schema validator (registry/jsonschema), to be set beside
// ajv by tests/bench/validator/run.sh; and, with --lookup, the latency of the registry's
// lookups by id, the calls the publish path makes before it validates. A tool, not a test: no
// ctest registration, no timing assertions.
//
//   accord_validator_bench [--data DIR] [--duration S] [--warmup S] [--case NAME]...
//   accord_validator_bench --lookup [--schemas N] [--lookups M] [--seed X]
//
// Validation cases (DIR/<shape>/, written by gen_data.py): "<shape>" runs the valid documents,
// "<shape>-invalid" the invalid ones. Per case the schema is compiled once, then one thread
// calls Schema::is_valid(bytes) over the documents round-robin for S seconds (after a warm-up).
// Each verdict is compared with the expected one and a wrong verdict aborts the run with exit
// code 1: a validator that skips work must fail here, not look fast. One JSON line per case:
//   {"impl":"accord","case":"event-300B","docs_per_s":...,"ns_per_doc":...,"mb_per_s":...}
// (MB = 10^6 bytes of document text). ajv_bench.js prints the same fields. On a shared machine
// the wall clock also counts time the scheduler gave to other processes, so the line carries the
// process's CPU time too: cpu_docs_per_s / cpu_ns_per_doc divide by it, and cpu_share (CPU time
// over wall time) says how much of its core the run actually had.
//
// --lookup: a registry on a Memory store with N schemas registered (one subject each), then M
// random ids through schema_by_id() and compiled(); per call p50/p99 from individually timed
// calls, the mean from an untimed loop (no clock reads inside) on both clocks (wall, and process
// CPU time, which leaves out other processes' turns on a shared core), and the clock's own cost.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <time.h>

#include "registry/jsonschema/jsonschema.hpp"

#ifdef ACCORD_VBENCH_LOOKUP
#include "broker/store/store.hpp"
#include "registry/core/registry.hpp"
#endif

#ifndef ACCORD_VBENCH_DATA_DIR
#define ACCORD_VBENCH_DATA_DIR "tests/bench/validator/data"
#endif

namespace fs = std::filesystem;
namespace js = accord::jsonschema;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  std::string data = ACCORD_VBENCH_DATA_DIR;
  double duration = 3.0;
  double warmup = 1.0;
  std::vector<std::string> cases;
  bool lookup = false;
  int schemas = 1000;
  long lookups = 1'000'000;
  std::uint64_t seed = 42;
};

[[noreturn]] void usage(int code) {
  std::fputs(
      "usage: accord_validator_bench [--data DIR] [--duration S] [--warmup S] [--case NAME]...\n"
      "       accord_validator_bench --lookup [--schemas N] [--lookups M] [--seed X]\n",
      code == 0 ? stdout : stderr);
  std::exit(code);
}

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "accord_validator_bench: %s\n", message.c_str());
  std::exit(1);
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) usage(2);
      return argv[++i];
    };
    if (arg == "--data") a.data = next();
    else if (arg == "--duration") a.duration = std::atof(next());
    else if (arg == "--warmup") a.warmup = std::atof(next());
    else if (arg == "--case") a.cases.emplace_back(next());
    else if (arg == "--lookup") a.lookup = true;
    else if (arg == "--schemas") a.schemas = std::atoi(next());
    else if (arg == "--lookups") a.lookups = std::atol(next());
    else if (arg == "--seed") a.seed = std::strtoull(next(), nullptr, 10);
    else if (arg == "-h" || arg == "--help") usage(0);
    else usage(2);
  }
  if (a.duration <= 0 || a.warmup < 0 || a.schemas < 1 || a.lookups < 1) usage(2);
  return a;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Doc {
  std::string name;
  std::string text;
};

// Sorted by file name, the order ajv_bench.js uses too.
std::vector<Doc> read_docs(const fs::path& dir) {
  std::vector<fs::path> paths;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".json") paths.push_back(e.path());
  if (ec) fail("cannot list " + dir.string() + ": " + ec.message());
  if (paths.empty()) fail("no documents in " + dir.string());
  std::sort(paths.begin(), paths.end());
  std::vector<Doc> docs;
  for (const auto& p : paths) docs.push_back({p.string(), read_file(p)});
  return docs;
}

std::shared_ptr<const js::Schema> compile_or_die(const std::string& text, const std::string& what) {
  auto r = js::Schema::compile(text);
  if (auto* e = std::get_if<js::CompileError>(&r))
    fail(what + ": compile error at " + e->schema_location + ": " + e->message);
  return std::get<std::shared_ptr<const js::Schema>>(std::move(r));
}

// CPU time of the whole process, the quantity node's process.cpuUsage() reports for ajv.
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct LoopResult {
  long passes = 0;
  double seconds = 0;
  double cpu_seconds = 0;
  int wrong = -1;  // index of a document with the wrong verdict
};

// Passes over all documents until `seconds` have gone by. The clock is read once per pass, not
// per document, so its cost stays out of ns_per_doc; ajv_bench.js does the same.
LoopResult run_loop(const js::Schema& schema, const std::vector<std::string_view>& texts,
                    bool expected, double seconds) {
  LoopResult r;
  const double cpu_start = process_cpu_seconds();
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(seconds));
  for (;;) {
    for (std::size_t i = 0; i < texts.size(); ++i) {
      if (schema.is_valid(texts[i]) != expected) {
        r.wrong = static_cast<int>(i);
        return r;
      }
    }
    ++r.passes;
    const auto now = Clock::now();
    if (now >= deadline) {
      r.seconds = std::chrono::duration<double>(now - start).count();
      r.cpu_seconds = process_cpu_seconds() - cpu_start;
      return r;
    }
  }
}

void bench_case(const Args& a, const std::string& shape, bool expected) {
  const std::string name = shape + (expected ? "" : "-invalid");
  const fs::path dir = fs::path(a.data) / shape;
  const auto schema = compile_or_die(read_file(dir / "schema.json"), name);
  const auto docs = read_docs(dir / (expected ? "valid" : "invalid"));
  std::vector<std::string_view> texts;
  std::size_t bytes_per_pass = 0;
  for (const auto& d : docs) {
    texts.emplace_back(d.text);
    bytes_per_pass += d.text.size();
  }

  // Each document once, with the full error list for a readable message, before any timing.
  for (const auto& d : docs) {
    const bool got = schema->is_valid(d.text);
    if (got != expected) {
      std::string msg = name + ": " + d.name + " is " + (got ? "valid" : "invalid") +
                        ", expected " + (expected ? "valid" : "invalid");
      for (const auto& e : schema->validate(d.text, 5))
        msg += "\n  " + e.instance_location + " " + e.keyword_location + ": " + e.message;
      fail(msg);
    }
  }
  if (a.warmup > 0) {
    const auto w = run_loop(*schema, texts, expected, a.warmup);
    if (w.wrong >= 0) fail(name + ": wrong verdict for " + docs[w.wrong].name + " during warm-up");
  }
  const auto r = run_loop(*schema, texts, expected, a.duration);
  if (r.wrong >= 0) fail(name + ": wrong verdict for " + docs[r.wrong].name);

  const double n = static_cast<double>(r.passes) * static_cast<double>(texts.size());
  std::printf(
      "{\"impl\":\"accord\",\"case\":\"%s\",\"docs\":%.0f,\"seconds\":%.3f,\"avg_doc_bytes\":%zu,"
      "\"docs_per_s\":%.0f,\"ns_per_doc\":%.1f,\"mb_per_s\":%.2f,\"cpu_seconds\":%.3f,"
      "\"cpu_docs_per_s\":%.0f,\"cpu_ns_per_doc\":%.1f,\"cpu_share\":%.3f}\n",
      name.c_str(), n, r.seconds, bytes_per_pass / texts.size(), n / r.seconds,
      r.seconds * 1e9 / n, static_cast<double>(r.passes) * bytes_per_pass / 1e6 / r.seconds,
      r.cpu_seconds, n / r.cpu_seconds, r.cpu_seconds * 1e9 / n, r.cpu_seconds / r.seconds);
  std::fflush(stdout);
}

#ifdef ACCORD_VBENCH_LOOKUP

struct Latency {
  double p50 = 0, p99 = 0, mean = 0, cpu_mean = 0;
};

std::int64_t ns_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
}

double percentile(std::vector<std::int64_t>& samples, double q) {
  const auto k = static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1));
  std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(k), samples.end());
  return static_cast<double>(samples[k]);
}

// `call(id)` returns whether the lookup found what it should; its result (a copied
// StoredSchema, a shared_ptr) is destroyed inside the timed region, as it would be for a caller.
template <class Call>
Latency time_lookups(const std::vector<int>& picks, Call call) {
  std::vector<std::int64_t> samples(picks.size());
  for (std::size_t i = 0; i < picks.size(); ++i) {
    const auto t0 = Clock::now();
    const bool ok = call(picks[i]);
    const auto t1 = Clock::now();
    if (!ok) fail("lookup of id " + std::to_string(picks[i]) + " failed");
    samples[i] = ns_between(t0, t1);
  }
  // The mean from a loop without clock reads: the per-call samples above include one.
  const double cpu_start = process_cpu_seconds();
  const auto start = Clock::now();
  bool all = true;
  for (const int id : picks) all &= call(id);
  const auto total = ns_between(start, Clock::now());
  const double cpu_total = process_cpu_seconds() - cpu_start;
  if (!all) fail("a lookup failed in the untimed loop");
  Latency l;
  l.mean = static_cast<double>(total) / static_cast<double>(picks.size());
  l.cpu_mean = cpu_total * 1e9 / static_cast<double>(picks.size());
  l.p50 = percentile(samples, 0.50);
  l.p99 = percentile(samples, 0.99);
  return l;
}

// The cost of the two clock reads that bracket every timed call (included in p50/p99).
double clock_overhead_ns(std::size_t n) {
  std::vector<std::int64_t> samples(n);
  for (auto& s : samples) {
    const auto t0 = Clock::now();
    const auto t1 = Clock::now();
    s = ns_between(t0, t1);
  }
  return percentile(samples, 0.50);
}

// Distinct schemas from the two benchmark schemas: a different $id changes the canonical text,
// so each registration gets its own id (the registry gives equal schemas one id).
std::string nth_schema(const std::string& base, int i) {
  static constexpr std::string_view kMarker = ".json\"";
  std::string text = base;
  const auto at = text.find(kMarker);
  if (at == std::string::npos) fail("benchmark schema without a .json $id");
  // Appended piecewise: `"-" + std::to_string(i)` trips GCC 12's false -Wrestrict at -O3.
  std::string suffix = "-";
  suffix += std::to_string(i);
  text.insert(at, suffix);
  return text;
}

void bench_lookup(const Args& a) {
  namespace reg = accord::registry;
  namespace st = accord::store;
  st::StoreOptions so;
  so.durability = st::Durability::Memory;
  auto opened = st::open_store(so);
  if (!opened.store) fail("open_store: " + opened.status.message);
  auto r = reg::Registry::open(*opened.store, reg::RegistryOptions{});
  if (!r) fail("Registry::open: " + r.error().message);
  auto registry = std::move(r.value());

  const std::string bases[] = {read_file(fs::path(a.data) / "event-300B" / "schema.json"),
                               read_file(fs::path(a.data) / "batch-4KB" / "schema.json")};
  std::vector<int> ids;
  const auto reg_start = Clock::now();
  for (int i = 0; i < a.schemas; ++i) {
    reg::SchemaInput in;
    in.schema = nth_schema(bases[i % 2], i);
    in.type = reg::SchemaType::Json;
    const auto id = registry->register_schema("bench.device-" + std::to_string(i) + "-value", in);
    if (!id) fail("register_schema " + std::to_string(i) + ": " + id.error().message);
    ids.push_back(*id);
  }
  const double reg_seconds = std::chrono::duration<double>(Clock::now() - reg_start).count();
  std::sort(ids.begin(), ids.end());
  if (std::adjacent_find(ids.begin(), ids.end()) != ids.end())
    fail("registry gave two benchmark schemas the same id");

  std::mt19937_64 rng(a.seed);
  std::uniform_int_distribution<std::size_t> pick(0, ids.size() - 1);
  std::vector<int> picks(static_cast<std::size_t>(a.lookups));
  for (auto& p : picks) p = ids[pick(rng)];

  const double clock_ns = clock_overhead_ns(100'000);
  const auto by_id = time_lookups(picks, [&](int id) {
    const auto s = registry->schema_by_id(id);
    return s.ok() && s->id == id && !s->text.empty();
  });
  const auto compiled = time_lookups(picks, [&](int id) {
    const auto p = registry->compiled(id);
    return p != nullptr;
  });

  auto print = [&](const char* what, const Latency& l) {
    std::printf(
        "{\"impl\":\"accord\",\"case\":\"lookup-%s\",\"schemas\":%d,\"lookups\":%ld,"
        "\"p50_ns\":%.0f,\"p99_ns\":%.0f,\"mean_ns\":%.1f,\"cpu_mean_ns\":%.1f,"
        "\"clock_overhead_ns\":%.0f,\"register_us_per_schema\":%.1f}\n",
        what, a.schemas, a.lookups, l.p50, l.p99, l.mean, l.cpu_mean, clock_ns,
        reg_seconds * 1e6 / a.schemas);
  };
  print("schema_by_id", by_id);
  print("compiled", compiled);
  std::fflush(stdout);
}

#endif  // ACCORD_VBENCH_LOOKUP

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse_args(argc, argv);
  if (a.lookup) {
#ifdef ACCORD_VBENCH_LOOKUP
    bench_lookup(a);
    return 0;
#else
    fail("--lookup: built without accord_registry (its format modules were not targets yet)");
#endif
  }
  bool any = false;
  for (const char* shape : {"event-300B", "batch-4KB"}) {
    for (const bool expected : {true, false}) {
      const std::string name = std::string(shape) + (expected ? "" : "-invalid");
      if (!a.cases.empty() && std::find(a.cases.begin(), a.cases.end(), name) == a.cases.end())
        continue;
      bench_case(a, shape, expected);
      any = true;
    }
  }
  if (!any) fail("no case selected");
  return 0;
}
