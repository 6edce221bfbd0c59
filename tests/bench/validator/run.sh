#!/usr/bin/env bash
# Side-by-side benchmark: Accord's compiled JSON Schema validator vs ajv (Node.js), same
# schemas, same documents, same loop, one core; then the registry's lookup-by-id latency.
# A manual command, not a CI test.
#
# Builds accord_validator_bench if needed, installs ajv into this directory if node_modules is
# missing (npm ci from package-lock.json), then runs accord, ajv, accord, ajv, ... one after the
# other, each pinned with taskset to the same core, alternating to spread drift over both sides.
# Prints markdown tables (median over the repetitions) and the lookup latencies, and the load
# average before every run (the machine may be shared). Two views of the same runs: per
# wall-clock second, and per CPU-second of the process; the second is the one to trust when the
# load average is above the core count, since then other processes take turns on the pinned core
# (the "CPU share" column says how much of it each run had). Exits non-zero when a run fails, in
# particular when a validator returns a wrong verdict for a document.
#
# usage: tests/bench/validator/run.sh [--build-dir DIR] [--no-build] [--reps N] [--duration S]
#          [--warmup S] [--cpu N] [--case NAME]... [--no-lookup] [--schemas N] [--lookups M]
#          [--out DIR]
# env:   VBENCH_BUILD_DIR (default: <repo>/build-vbench, configured Release if absent),
#        NODE (default: node), JOBS (ninja -j, default 2)
# defaults: --reps 2 --duration 3 --warmup 1 --cpu 1 --schemas 1000 --lookups 1000000
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
BUILD_DIR=${VBENCH_BUILD_DIR:-$ROOT/build-vbench}
NODE=${NODE:-node}
JOBS=${JOBS:-2}
DO_BUILD=1
REPS=2
DURATION=3
WARMUP=1
CPU=1
DO_LOOKUP=1
SCHEMAS=1000
LOOKUPS=1000000
OUT=""
CASE_ARGS=()
PY=$(command -v /usr/bin/python3 || command -v python3)

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) BUILD_DIR=$2; shift ;;
    --no-build) DO_BUILD=0 ;;
    --reps) REPS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --cpu) CPU=$2; shift ;;
    --case) CASE_ARGS+=(--case "$2"); shift ;;
    --no-lookup) DO_LOOKUP=0 ;;
    --schemas) SCHEMAS=$2; shift ;;
    --lookups) LOOKUPS=$2; shift ;;
    --out) OUT=$2; shift ;;
    -h|--help) usage 0 ;;
    *) echo "unknown option: $1" >&2; usage 2 ;;
  esac
  shift
done

log() { echo "[run.sh] $*" >&2; }
die() { log "FAILED: $*"; exit 1; }

if [[ -n "$OUT" ]]; then
  mkdir -p "$OUT"
else
  OUT=$(mktemp -d "${TMPDIR:-/tmp}/accord-vbench.XXXXXX")
  trap 'rm -rf "$OUT"' EXIT
fi
RESULTS=$OUT/results.jsonl
LOADS=$OUT/loadavg.txt
: >"$RESULTS"
: >"$LOADS"

# --- build ------------------------------------------------------------------------------------
BIN=$BUILD_DIR/tests/bench/accord_validator_bench
if (( DO_BUILD )); then
  if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
    log "configuring $BUILD_DIR (Release)"
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
  fi
  # Only this target: the checkout is shared, a full build would compete for the cores. The
  # output (other modules' warnings included) goes to a log, shown only when the build fails.
  log "building accord_validator_bench in $BUILD_DIR"
  cmake --build "$BUILD_DIR" --target accord_validator_bench -j "$JOBS" >"$OUT/build.log" 2>&1 ||
    { tail -40 "$OUT/build.log" >&2; die "build of accord_validator_bench in $BUILD_DIR"; }
fi
[[ -x "$BIN" ]] || die "$BIN missing (build it, or pass --build-dir)"
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)
case "$BUILD_TYPE" in
  Release|RelWithDebInfo) ;;
  *) log "warning: $BUILD_DIR is a '${BUILD_TYPE:-unknown}' build; numbers need Release" ;;
esac

if [[ ! -d "$HERE/node_modules/ajv" || ! -d "$HERE/node_modules/ajv-formats" ]]; then
  log "installing ajv into $HERE/node_modules"
  (cd "$HERE" && { npm ci --no-audit --no-fund || npm install --no-audit --no-fund; }) >&2 ||
    die "npm could not install ajv"
fi
command -v taskset >/dev/null || die "taskset not found (util-linux)"
(( CPU < $(nproc) )) || die "--cpu $CPU: this machine has $(nproc) CPUs"

# --- runs ---------------------------------------------------------------------------------------
# One run: note the load, then the command pinned to $CPU, its JSON lines appended to RESULTS.
run() {
  local label=$1; shift
  local load; load=$(cut -d' ' -f1-3 /proc/loadavg)
  printf '%s\t%s\n' "$label" "$load" >>"$LOADS"
  log "$label (loadavg $load)"
  local out
  out=$(taskset -c "$CPU" "$@") || die "$label exited with $? (see its message above)"
  printf '%s\n' "$out" >>"$RESULTS"
}

for ((rep = 1; rep <= REPS; rep++)); do
  run "accord rep $rep" "$BIN" --duration "$DURATION" --warmup "$WARMUP" "${CASE_ARGS[@]}"
  run "ajv rep $rep" "$NODE" "$HERE/ajv_bench.js" --duration "$DURATION" --warmup "$WARMUP" \
    "${CASE_ARGS[@]}"
done
if (( DO_LOOKUP )); then
  run "accord lookup" "$BIN" --lookup --schemas "$SCHEMAS" --lookups "$LOOKUPS"
fi

# --- report -------------------------------------------------------------------------------------
"$PY" - "$RESULTS" "$LOADS" "$CPU" <<'PYEOF'
import json, statistics, sys

results, loads, cpu = sys.argv[1], sys.argv[2], sys.argv[3]
runs = [json.loads(l) for l in open(results) if l.strip()]
by = {}
for r in runs:
    if "docs_per_s" in r:
        by.setdefault((r["case"], r["impl"]), []).append(r)

def med(rs, key):
    return statistics.median(r[key] for r in rs)

def spread(rs, key):
    v = [r[key] for r in rs]
    return 100.0 * (max(v) - min(v)) / statistics.median(v) if len(v) > 1 else 0.0

cases = list(dict.fromkeys(r["case"] for r in runs if "docs_per_s" in r))
reps = max((len(v) for v in by.values()), default=0)

def table(title, p):  # p: "" (wall clock) or "cpu_" (process CPU time)
    print("\n## %s, one core (taskset -c %s), median of %d run(s)\n" % (title, cpu, reps))
    print("| case | doc bytes | accord docs/s | ajv docs/s | accord/ajv | accord ns/doc "
          "| ajv ns/doc | accord MB/s | ajv MB/s | spread accord / ajv |%s"
          % (" CPU share accord / ajv |" if p else ""))
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|%s" % ("--:|" if p else ""))
    for c in cases:
        a, j = by.get((c, "accord"), []), by.get((c, "ajv"), [])
        if not a or not j:
            continue
        ad, jd = med(a, p + "docs_per_s"), med(j, p + "docs_per_s")
        # MB/s scales with docs/s: the same bytes per document on both clocks.
        amb = med(a, "mb_per_s") * ad / med(a, "docs_per_s")
        jmb = med(j, "mb_per_s") * jd / med(j, "docs_per_s")
        line = "| %s | %d | %s | %s | %.2fx | %.0f | %.0f | %.0f | %.0f | %.1f%% / %.1f%% |" % (
            c, a[0]["avg_doc_bytes"], f"{ad:,.0f}", f"{jd:,.0f}", ad / jd,
            med(a, p + "ns_per_doc"), med(j, p + "ns_per_doc"), amb, jmb,
            spread(a, p + "docs_per_s"), spread(j, p + "docs_per_s"))
        if p:
            line += " %.2f / %.2f |" % (med(a, "cpu_share"), med(j, "cpu_share"))
        print(line)

table("JSON Schema validation per wall-clock second", "")
table("JSON Schema validation per CPU-second of the process", "cpu_")
ver = next((r["version"] for r in runs if r.get("impl") == "ajv"), None)
if ver:
    print("\najv side: %s, new Ajv2020({strict:false, allErrors:false}) + ajv-formats, "
          "validate(JSON.parse(text))" % ver)

lookups = [r for r in runs if r.get("case", "").startswith("lookup-")]
if lookups:
    l0 = lookups[0]
    print("\n## Registry lookup by id: %d schemas, %d random ids, one thread\n"
          % (l0["schemas"], l0["lookups"]))
    print("| call | p50 ns | p99 ns | mean ns (CPU) | mean ns (wall) |")
    print("|---|--:|--:|--:|--:|")
    for r in lookups:
        print("| %s | %d | %d | %.1f | %.1f |" % (r["case"][len("lookup-"):], r["p50_ns"],
                                                 r["p99_ns"], r["cpu_mean_ns"], r["mean_ns"]))
    print("\np50/p99 time each call between two clock reads (their own cost: ~%d ns, included); "
          "the means come from a loop without clock reads, over process CPU time and over wall "
          "time (which also counts other processes' turns on the core). Registration: %.0f us "
          "per schema." % (l0["clock_overhead_ns"], l0["register_us_per_schema"]))

print("\nload average (1/5/15 min) before each run:")
for line in open(loads):
    label, load = line.rstrip("\n").split("\t")
    print("  %-16s %s" % (label, load))
PYEOF
