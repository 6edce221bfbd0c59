#!/usr/bin/env bash
# Side-by-side benchmark: Accord vs Mosquitto, same run, same load, 127.0.0.1 only.
#
# Starts its own Mosquitto (generated temp config, free loopback port, never 1883) and Accord
# (--listen 127.0.0.1:0 --port-file), runs every scenario x QoS against both with tests/bench's
# accord_bench, alternating the order per repetition (A/B, B/A, ...) to cancel drift, takes the
# median per metric and prints markdown tables with ratios to Mosquitto. Then measures resident
# memory per idle connection on freshly started brokers. See docs/benchmarks.md.
#
# usage: tests/bench/run_compare.sh [--quick] [--reps N] [--duration S] [--warmup S]
#          [--scenarios "p2p fanin fanout"] [--qos "0 1"] [--payload B] [--window W]
#          [--idle-clients N] [--no-idle] [--no-load] [--mosquitto-only]
#          [--mosquitto-nodelay on|off] [--out DIR]
# env:   ACCORD_BIN (default build/broker/accord; "mosquitto" = a second Mosquitto as the A side,
#        a sanity check that should give ratios ~1.0), BENCH_BIN (default: build-bench or
#        build/tests/bench accord_bench, built into build-bench if missing), MOSQUITTO_BIN,
#        MOSQ_EXTRA_CONF (extra lines for the Mosquitto config).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DURATION=10
WARMUP=2
REPS=3
SCENARIOS="p2p fanin fanout"
QOS_LIST="0 1"
PAYLOAD=64
WINDOW=64
IDLE_CLIENTS=10000
DO_IDLE=1
DO_LOAD=1
MOSQ_ONLY=0
MOSQ_NODELAY=on
OUT=""
ACCORD_BIN=${ACCORD_BIN:-$ROOT/build/broker/accord}
MOSQUITTO_BIN=${MOSQUITTO_BIN:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}
PY=$(command -v /usr/bin/python3 || command -v python3)

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) DURATION=3; WARMUP=1; REPS=1 ;;
    --reps) REPS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --scenarios) SCENARIOS=$2; shift ;;
    --qos) QOS_LIST=$2; shift ;;
    --payload) PAYLOAD=$2; shift ;;
    --window) WINDOW=$2; shift ;;
    --idle-clients) IDLE_CLIENTS=$2; shift ;;
    --no-idle) DO_IDLE=0 ;;
    --no-load) DO_LOAD=0 ;;
    --mosquitto-only) MOSQ_ONLY=1 ;;
    --mosquitto-nodelay) MOSQ_NODELAY=$2; shift ;;
    --out) OUT=$2; shift ;;
    -h|--help) usage 0 ;;
    *) echo "unknown option: $1" >&2; usage 2 ;;
  esac
  shift
done

log() { echo "[run_compare] $*" >&2; }

# --- generator ---------------------------------------------------------------------------------
if [[ -z "${BENCH_BIN:-}" ]]; then
  for c in "$ROOT/build-bench/accord_bench" "$ROOT/build-bench/tests/bench/accord_bench" \
           "$ROOT/build/tests/bench/accord_bench"; do
    if [[ -x "$c" ]]; then BENCH_BIN=$c; break; fi
  done
fi
if [[ -z "${BENCH_BIN:-}" ]]; then
  log "building accord_bench into $ROOT/build-bench"
  cmake -S "$ROOT/tests/bench" -B "$ROOT/build-bench" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$ROOT/build-bench" -j2 --target accord_bench >/dev/null
  BENCH_BIN=$ROOT/build-bench/accord_bench
fi

# --- brokers -----------------------------------------------------------------------------------
TMP=$(mktemp -d /tmp/accord-bench.XXXXXX)
[[ -n "$OUT" ]] || OUT=$TMP
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
: > "$RESULTS"
PIDS=()

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 10,000 idle clients need descriptors on both sides; children inherit this.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (( $(ulimit -n) < IDLE_CLIENTS + 100 )) && (( DO_IDLE )); then
  log "warning: ulimit -n $(ulimit -n) < $IDLE_CLIENTS idle clients"
fi

free_port() {
  local p
  for _ in $(seq 200); do
    p=$(( 20000 + RANDOM % 12000 ))  # below the ephemeral range (32768+)
    if [[ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]]; then echo "$p"; return 0; fi
  done
  return 1
}

wait_listen() {  # port pid
  for _ in $(seq 100); do
    kill -0 "$2" 2>/dev/null || return 1
    [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]] && return 0
    sleep 0.05
  done
  return 1
}

# start_mosquitto NAME -> sets BROKER_PID, BROKER_PORT
start_mosquitto() {
  local name=$1 port conf
  port=$(free_port)
  conf=$TMP/$name.conf
  {
    echo "listener $port 127.0.0.1"
    echo "allow_anonymous true"
    echo "persistence false"
    # Unlimited per-client queue: the generator bounds messages in flight end to end, and a
    # numeric limit made Mosquitto 2.0.11 drop QoS 1 messages in fan-in bursts.
    echo "max_queued_messages 0"
    echo "max_connections -1"
    [[ "$MOSQ_NODELAY" == on ]] && echo "set_tcp_nodelay true"
    echo "log_dest stderr"
    echo "log_type error"
    echo "log_type warning"
    [[ -n "${MOSQ_EXTRA_CONF:-}" ]] && printf '%s\n' "$MOSQ_EXTRA_CONF"
  } > "$conf"
  "$MOSQUITTO_BIN" -c "$conf" > "$OUT/$name.log" 2>&1 &
  BROKER_PID=$!
  PIDS+=("$BROKER_PID")
  BROKER_PORT=$port
  wait_listen "$port" "$BROKER_PID" || { log "$name failed to start:"; cat "$OUT/$name.log" >&2; exit 1; }
}

start_accord() {
  local name=$1 pf=$TMP/$1.port line
  rm -f "$pf"
  "$ACCORD_BIN" --listen 127.0.0.1:0 --port-file "$pf" --log-level warn > "$OUT/$name.log" 2>&1 &
  BROKER_PID=$!
  PIDS+=("$BROKER_PID")
  for _ in $(seq 200); do
    kill -0 "$BROKER_PID" 2>/dev/null || break
    if [[ -s "$pf" ]]; then
      read -r host BROKER_PORT < "$pf" || true
      if [[ "$host" == 127.0.0.1 && -n "$BROKER_PORT" ]]; then
        wait_listen "$BROKER_PORT" "$BROKER_PID" && return 0
      fi
    fi
    sleep 0.05
  done
  log "$name failed to start (no port file $pf):"
  cat "$OUT/$name.log" >&2
  exit 1
}

stop_broker() {  # pid
  kill "$1" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
}

# Side A is the broker under test (Accord, or a second Mosquitto for the sanity check).
if [[ "$ACCORD_BIN" == mosquitto ]]; then
  A_LABEL=mosquitto-b
else
  A_LABEL=accord
fi
B_LABEL=mosquitto

start_a() {
  if [[ "$A_LABEL" == accord ]]; then start_accord accord; else start_mosquitto "$A_LABEL"; fi
  A_PID=$BROKER_PID; A_PORT=$BROKER_PORT
}
start_b() { start_mosquitto mosquitto; B_PID=$BROKER_PID; B_PORT=$BROKER_PORT; }

if (( ! MOSQ_ONLY )) && [[ "$A_LABEL" == accord && ! -x "$ACCORD_BIN" ]]; then
  log "accord binary not found at $ACCORD_BIN"
  log "build it, set ACCORD_BIN, use ACCORD_BIN=mosquitto (sanity run) or --mosquitto-only"
  exit 1
fi

run_one() {  # label pid port scenario qos
  local label=$1 pid=$2 port=$3 scen=$4 qos=$5 line
  if ! kill -0 "$pid" 2>/dev/null; then
    log "$label (pid $pid) is not running"
    echo "{\"label\":\"$label\",\"scenario\":\"$scen\",\"qos\":$qos,\"error\":\"broker not running\"}" >> "$RESULTS"
    return
  fi
  line=$(timeout --kill-after=5 $(( ${WARMUP%.*} + ${DURATION%.*} + 90 )) "$BENCH_BIN" \
      --port "$port" --scenario "$scen" --qos "$qos" --duration "$DURATION" --warmup "$WARMUP" \
      --payload "$PAYLOAD" --window "$WINDOW" --broker-pid "$pid" --label "$label" \
      2>>"$OUT/bench.stderr" | tail -n 1) || true
  [[ -n "$line" ]] || line="{\"label\":\"$label\",\"scenario\":\"$scen\",\"qos\":$qos,\"error\":\"generator failed\"}"
  echo "$line" >> "$RESULTS"
  log "$(printf '%-12s %-6s qos%s: %s' "$label" "$scen" "$qos" \
    "$(echo "$line" | jq -r 'if .error then "ERROR " + .error else "\(.msgs_per_s|floor) msgs/s p50 \(.lat_p50_us)us p99 \(.lat_p99_us)us cpu \(.broker_cpu_us_per_msg)us/msg delivered \(.delivery_ratio)" end' 2>/dev/null || echo "$line")")"
}

# --- load scenarios ----------------------------------------------------------------------------
if (( DO_LOAD )); then
  (( MOSQ_ONLY )) || start_a
  start_b
  log "brokers: $( (( MOSQ_ONLY )) || echo "$A_LABEL pid $A_PID port $A_PORT, ")$B_LABEL pid $B_PID port $B_PORT"
  log "load: scenarios [$SCENARIOS] qos [$QOS_LIST] ${REPS}x ${DURATION}s (+${WARMUP}s warmup)"
  turn=0
  for scen in $SCENARIOS; do
    for qos in $QOS_LIST; do
      for rep in $(seq "$REPS"); do
        turn=$(( turn + 1 ))
        if (( MOSQ_ONLY )); then
          run_one "$B_LABEL" "$B_PID" "$B_PORT" "$scen" "$qos"
        elif (( turn % 2 )); then
          run_one "$A_LABEL" "$A_PID" "$A_PORT" "$scen" "$qos"
          run_one "$B_LABEL" "$B_PID" "$B_PORT" "$scen" "$qos"
        else
          run_one "$B_LABEL" "$B_PID" "$B_PORT" "$scen" "$qos"
          run_one "$A_LABEL" "$A_PID" "$A_PORT" "$scen" "$qos"
        fi
      done
    done
  done
  (( MOSQ_ONLY )) || stop_broker "$A_PID"
  stop_broker "$B_PID"
fi

# --- idle memory -------------------------------------------------------------------------------
# Fresh brokers: heap retained from the load runs would hide the per-connection cost.
if (( DO_IDLE )); then
  idle_one() {  # label pid port
    local line
    line=$(timeout --kill-after=5 180 "$BENCH_BIN" --port "$3" --scenario idle \
        --clients "$IDLE_CLIENTS" --broker-pid "$2" --label "$1" 2>>"$OUT/bench.stderr" \
        | tail -n 1) || true
    [[ -n "$line" ]] || line="{\"label\":\"$1\",\"scenario\":\"idle\",\"error\":\"generator failed\"}"
    echo "$line" >> "$RESULTS"
    log "$(printf '%-12s idle: ' "$1")$(echo "$line" | jq -r 'if .error then "ERROR " + .error else "\(.connected) connected, \(.bytes_per_conn) bytes/conn" end' 2>/dev/null || echo "$line")"
  }
  if (( ! MOSQ_ONLY )); then
    start_a; sleep 0.5
    idle_one "$A_LABEL" "$A_PID" "$A_PORT"
    stop_broker "$A_PID"
  fi
  start_b; sleep 0.5
  idle_one "$B_LABEL" "$B_PID" "$B_PORT"
  stop_broker "$B_PID"
fi

# --- report ------------------------------------------------------------------------------------
"$PY" - "$RESULTS" "$A_LABEL" "$B_LABEL" "$MOSQ_ONLY" "$DURATION" "$REPS" <<'EOF' | tee "$OUT/summary.md"
import json, statistics, sys
path, a, b, mosq_only, duration, reps = sys.argv[1:7]
mosq_only = mosq_only == "1"
rows = [json.loads(l) for l in open(path) if l.strip()]
load = {}
idle = {}
errors = []
for r in rows:
    if "error" in r:
        errors.append(r)
        continue
    if r["scenario"] == "idle":
        idle[r["label"]] = r
    else:
        load.setdefault((r["scenario"], r["qos"], r["label"]), []).append(r)

def med(key, scen, qos, label):
    rs = load.get((scen, qos, label), [])
    vals = [x[key] for x in rs if x.get(key) is not None and x[key] >= 0]
    return statistics.median(vals) if vals else None

def fmt(v, digits=0):
    if v is None:
        return "-"
    return f"{v:,.{digits}f}"

def ratio(x, y):
    return f"{x / y:.2f}" if x is not None and y not in (None, 0) else "-"

order = {"p2p": 0, "fanin": 1, "fanout": 2}
keys = sorted({(s, q) for (s, q, _) in load}, key=lambda k: (order.get(k[0], 9), k[1]))
shape = {"p2p": "4 pairs", "fanin": "50 -> 1", "fanout": "1 -> 100"}
print()
print(f"Load: median of {reps} run(s) x {duration}s per cell; ratio = {a} / {b}.")
print()
if mosq_only:
    print("| scenario | QoS | msgs/s | p50 µs | p99 µs | CPU µs/msg | delivered | gen CPU |")
    print("|---|---|---|---|---|---|---|---|")
    for s, q in keys:
        print(f"| {s} ({shape.get(s, '')}) | {q} | {fmt(med('msgs_per_s', s, q, b))} | "
              f"{fmt(med('lat_p50_us', s, q, b))} | {fmt(med('lat_p99_us', s, q, b))} | "
              f"{fmt(med('broker_cpu_us_per_msg', s, q, b), 2)} | "
              f"{fmt(med('delivery_ratio', s, q, b), 4)} | {fmt(med('gen_cpu_util', s, q, b), 2)} |")
else:
    print(f"| scenario | QoS | msgs/s {a} | msgs/s {b} | ratio | p50 µs {a} | p50 µs {b} | ratio "
          f"| p99 µs {a} | p99 µs {b} | ratio | CPU µs/msg {a} | CPU µs/msg {b} | ratio "
          f"| delivered {a} / {b} |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for s, q in keys:
        m = {k: (med(k, s, q, a), med(k, s, q, b)) for k in
             ("msgs_per_s", "lat_p50_us", "lat_p99_us", "broker_cpu_us_per_msg", "delivery_ratio")}
        t, p5, p9, c, d = (m[k] for k in ("msgs_per_s", "lat_p50_us", "lat_p99_us",
                                          "broker_cpu_us_per_msg", "delivery_ratio"))
        print(f"| {s} ({shape.get(s, '')}) | {q} | {fmt(t[0])} | {fmt(t[1])} | {ratio(*t)} "
              f"| {fmt(p5[0])} | {fmt(p5[1])} | {ratio(*p5)} | {fmt(p9[0])} | {fmt(p9[1])} | "
              f"{ratio(*p9)} | {fmt(c[0], 2)} | {fmt(c[1], 2)} | {ratio(*c)} | "
              f"{fmt(d[0], 4)} / {fmt(d[1], 4)} |")

if idle:
    print()
    print("| broker | idle clients | RSS before (KiB) | RSS after (KiB) | bytes / idle connection |")
    print("|---|---|---|---|---|")
    for label in ([b] if mosq_only else [a, b]):
        r = idle.get(label)
        if r:
            print(f"| {label} | {r['connected']:,} | {r['broker_rss_before_kb']:,} | "
                  f"{r['broker_rss_after_kb']:,} | {r['bytes_per_conn']:,.0f} |")

if not mosq_only and load:
    def rt(key, s, q):
        x, y = med(key, s, q, a), med(key, s, q, b)
        return x / y if x is not None and y else None
    print()
    print("Targets (informational):")
    checks = []
    tp = rt("msgs_per_s", "p2p", 1); cpu = rt("broker_cpu_us_per_msg", "p2p", 1)
    if tp is not None:
        checks.append(("QoS 1 p2p throughput >= 2x", tp, tp >= 2.0))
    if cpu is not None:
        checks.append(("QoS 1 p2p CPU/msg <= 0.5x", cpu, cpu <= 0.5))
    for q in (0, 1):
        fo = rt("msgs_per_s", "fanout", q)
        if fo is not None:
            checks.append((f"QoS {q} fan-out throughput >= 1.5x", fo, fo >= 1.5))
    if a in idle:
        bp = idle[a]["bytes_per_conn"]
        checks.append(("<= 1.5 KB per idle connection", bp, 0 <= bp <= 1536))
    for name, v, ok in checks:
        print(f"- {name}: {v:.2f} -> {'PASS' if ok else 'FAIL'}")

if errors:
    print()
    print("Errors:")
    for r in errors:
        print(f"- {r.get('label')} {r.get('scenario')} qos{r.get('qos', '-')}: {r['error']}")
EOF
[[ "$OUT" == "$TMP" ]] || log "raw results: $RESULTS, summary: $OUT/summary.md"
