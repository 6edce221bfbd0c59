#!/usr/bin/env bash
# Side-by-side benchmark: Accord vs Mosquitto, same run, same load, 127.0.0.1 only.
#
# Starts its own Mosquitto (generated temp config, free loopback port, never 1883) and Accord
# (--listen 127.0.0.1:0 --port-file), runs every scenario x QoS against both with tests/bench's
# accord_bench, alternating the order per repetition (A/B, B/A, ...) to cancel drift, takes the
# median per metric and prints markdown tables with ratios to Mosquitto. Then measures resident
# memory per idle connection on freshly started brokers. See docs/benchmarks.md.
#
# --durable: QoS 1 point-to-point with persistent sessions (MQTT 3.1.1 clean session 0, fixed
# client ids, sessions reset before each run) against three brokers: Mosquitto (in memory, as
# above), Accord with store.durability=sync and Accord with store.durability=async, each Accord on
# a fresh data directory; one table with ratios to Mosquitto. No idle test.
#
# usage: tests/bench/run_compare.sh [--quick] [--reps N] [--duration S] [--warmup S]
#          [--scenarios "p2p fanin fanout"] [--qos "0 1"] [--payload B] [--window W]
#          [--idle-clients N] [--no-idle] [--no-load] [--mosquitto-only]
#          [--mosquitto-nodelay on|off] [--out DIR] [--durable] [--data-root DIR]
# env:   ACCORD_BIN (default build/broker/accord; "mosquitto" = a second Mosquitto as the A side,
#        a sanity check that should give ratios ~1.0), BENCH_BIN (default: build-bench or
#        build/tests/bench accord_bench, built into build-bench if missing), MOSQUITTO_BIN,
#        MOSQ_EXTRA_CONF (extra lines for the Mosquitto config), ACCORD_EXTRA_ARGS (extra accord
#        arguments, e.g. "--set store.durability=memory"; --durable's settings come after them).
#        --durable defaults: --scenarios p2p --qos 1 --no-idle; --data-root: parent of the Accord
#        data directories (default: the script's temp dir; must be a real disk, not tmpfs).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DURATION=10
WARMUP=2
REPS=3
SCENARIOS=""
QOS_LIST=""
PAYLOAD=64
WINDOW=64
IDLE_CLIENTS=10000
DO_IDLE=1
DO_LOAD=1
MOSQ_ONLY=0
MOSQ_NODELAY=on
OUT=""
DURABLE=0
DATA_ROOT=""
ACCORD_BIN=${ACCORD_BIN:-$ROOT/build/broker/accord}
MOSQUITTO_BIN=${MOSQUITTO_BIN:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}
PY=$(command -v /usr/bin/python3 || command -v python3)

usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

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
    --durable) DURABLE=1; DO_IDLE=0 ;;
    --data-root) DATA_ROOT=$2; shift ;;
    -h|--help) usage 0 ;;
    *) echo "unknown option: $1" >&2; usage 2 ;;
  esac
  shift
done

if (( DURABLE )); then
  : "${SCENARIOS:=p2p}" "${QOS_LIST:=1}"
  # Persistent sessions under fixed ids; each run first discards what the previous one left.
  BENCH_EXTRA=(--clean-session 0 --client-id-prefix accord-bench- --reset-sessions)
else
  : "${SCENARIOS:=p2p fanin fanout}" "${QOS_LIST:=0 1}"
  BENCH_EXTRA=()
fi

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
DATA_DIRS=()
[[ -n "$DATA_ROOT" ]] || DATA_ROOT=$TMP
mkdir -p "$DATA_ROOT"
if (( DURABLE )) && [[ "$(stat -f -c %T "$DATA_ROOT")" == tmpfs ]]; then
  log "warning: $DATA_ROOT is tmpfs: fsync costs nothing there, durability=sync measures nothing"
fi

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP" "${DATA_DIRS[@]}"
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

start_accord() {  # name [extra accord arguments...]
  local name=$1 pf=$TMP/$1.port line
  shift
  rm -f "$pf"
  # shellcheck disable=SC2086  # ACCORD_EXTRA_ARGS is a list of words
  "$ACCORD_BIN" --listen 127.0.0.1:0 --port-file "$pf" --log-level warn \
      ${ACCORD_EXTRA_ARGS:-} "$@" > "$OUT/$name.log" 2>&1 &
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

# Side A is the broker under test (Accord, or a second Mosquitto for the sanity check); B is the
# reference. BROKERS lists every broker of this run, reference last.
if [[ "$ACCORD_BIN" == mosquitto ]]; then
  A_LABEL=mosquitto-b
else
  A_LABEL=accord
fi
B_LABEL=mosquitto
if (( MOSQ_ONLY )); then
  BROKERS=("$B_LABEL")
elif (( DURABLE )) && [[ "$A_LABEL" == accord ]]; then
  BROKERS=(accord-sync accord-async "$B_LABEL")
else
  BROKERS=("$A_LABEL" "$B_LABEL")
fi

declare -A PID_OF PORT_OF
start_broker() {  # label -> PID_OF[label], PORT_OF[label]
  case "$1" in
    accord|accord-sync|accord-async)
      # A fresh, empty data directory on every start (never ./accord-data), and the admin API on
      # a free port instead of 8081 (--durable runs two Accords at once). "accord" keeps the
      # broker's default durability.
      DATA_DIRS+=("$(mktemp -d "$DATA_ROOT/$1-data.XXXXXX")")
      local args=(--set "store.data_dir=${DATA_DIRS[-1]}" --set admin.listen=127.0.0.1:0)
      # Every bench client comes from 127.0.0.1: no per-address limits (like Mosquitto's
      # max_connections -1 above), or the idle scenario's 10k connections would be refused.
      args+=(--set server.max_connections_per_address=0 --set server.connect_rate_per_address=0)
      [[ "$1" == accord-* ]] && args+=(--set "store.durability=${1#accord-}")
      start_accord "$1" "${args[@]}" ;;
    *) start_mosquitto "$1" ;;
  esac
  PID_OF[$1]=$BROKER_PID
  PORT_OF[$1]=$BROKER_PORT
}

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
      "${BENCH_EXTRA[@]}" 2>>"$OUT/bench.stderr" | tail -n 1) || true
  [[ -n "$line" ]] || line="{\"label\":\"$label\",\"scenario\":\"$scen\",\"qos\":$qos,\"error\":\"generator failed\"}"
  echo "$line" >> "$RESULTS"
  log "$(printf '%-12s %-6s qos%s: %s' "$label" "$scen" "$qos" \
    "$(echo "$line" | jq -r 'if .error then "ERROR " + .error else "\(.msgs_per_s|floor) msgs/s p50 \(.lat_p50_us)us p99 \(.lat_p99_us)us cpu \(.broker_cpu_us_per_msg)us/msg delivered \(.delivery_ratio)" end' 2>/dev/null || echo "$line")")"
}

# --- load scenarios ----------------------------------------------------------------------------
if (( DO_LOAD )); then
  for b in "${BROKERS[@]}"; do start_broker "$b"; done
  log "brokers: $(for b in "${BROKERS[@]}"; do
    printf '%s pid %s port %s; ' "$b" "${PID_OF[$b]}" "${PORT_OF[$b]}"; done)"
  log "load: scenarios [$SCENARIOS] qos [$QOS_LIST] ${REPS}x ${DURATION}s (+${WARMUP}s warmup)$(
    (( DURABLE )) && echo ", persistent sessions")"
  turn=0
  for scen in $SCENARIOS; do
    for qos in $QOS_LIST; do
      for rep in $(seq "$REPS"); do
        turn=$(( turn + 1 ))
        order=("${BROKERS[@]}")  # odd turns in list order, even turns reversed
        if (( turn % 2 == 0 )); then
          order=()
          for (( i = ${#BROKERS[@]} - 1; i >= 0; i-- )); do order+=("${BROKERS[i]}"); done
        fi
        for b in "${order[@]}"; do
          run_one "$b" "${PID_OF[$b]}" "${PORT_OF[$b]}" "$scen" "$qos"
        done
      done
    done
  done
  for b in "${BROKERS[@]}"; do stop_broker "${PID_OF[$b]}"; done
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
  for b in "${BROKERS[@]}"; do
    start_broker "$b"; sleep 0.5
    idle_one "$b" "${PID_OF[$b]}" "${PORT_OF[$b]}"
    stop_broker "${PID_OF[$b]}"
  done
fi

# --- report ------------------------------------------------------------------------------------
"$PY" - "$RESULTS" "$A_LABEL" "$B_LABEL" "$MOSQ_ONLY" "$DURATION" "$REPS" "$DURABLE" \
    "${BROKERS[*]}" "$PAYLOAD" "$WINDOW" <<'EOF' | tee "$OUT/summary.md"
import json, statistics, sys
path, a, b, mosq_only, duration, reps, durable, brokers, payload, window = sys.argv[1:11]
mosq_only = mosq_only == "1"
durable = durable == "1" and not mosq_only
brokers = brokers.split()
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
print(f"Load: median of {reps} run(s) x {duration}s per cell; ratio = "
      f"{'broker' if durable else a} / {b}.")
print()
if durable:
    store = {"accord-sync": "RocksDB, sync (fsync before ack)",
             "accord-async": "RocksDB, async (WAL, no fsync)"}
    print(f"Persistent sessions: MQTT 3.1.1 clean session 0 for every client, payload {payload} B, "
          f"window {window}. Seq = sequence gaps / duplicates-or-reorders, summed over runs.")
    print()
    print("| scenario | QoS | broker | store | msgs/s | ratio | p50 µs | p99 µs | CPU µs/msg "
          "| ratio | broker CPU (cores) | delivered | seq |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for s, q in keys:
        t_ref, c_ref = med("msgs_per_s", s, q, b), med("broker_cpu_us_per_msg", s, q, b)
        for label in brokers:
            rs = load.get((s, q, label), [])
            t, c = med("msgs_per_s", s, q, label), med("broker_cpu_us_per_msg", s, q, label)
            seq = (f"{sum(x['seq_missing'] for x in rs)} / "
                   f"{sum(x['seq_dup_or_reorder'] for x in rs)}")
            m = {k: med(k, s, q, label) for k in
                 ("lat_p50_us", "lat_p99_us", "broker_cpu_util", "delivery_ratio")}
            print(f"| {s} ({shape.get(s, '')}) | {q} | {label} | "
                  f"{store.get(label, 'memory (persistence false)')} | {fmt(t)} | "
                  f"{ratio(t, t_ref)} | {fmt(m['lat_p50_us'])} | {fmt(m['lat_p99_us'])} | "
                  f"{fmt(c, 2)} | {ratio(c, c_ref)} | {fmt(m['broker_cpu_util'], 2)} | "
                  f"{fmt(m['delivery_ratio'], 4)} | {seq} |")
    resumed = sum(x.get("sessions_resumed", 0) for rs in load.values() for x in rs)
    if resumed:
        print()
        print(f"Warning: {resumed} CONNACK(s) resumed an old session: "
              "leftovers may have been counted.")
elif mosq_only:
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

if durable and load:
    ref = med("msgs_per_s", "p2p", 1, b)
    checks = [(label, target, t / ref)
              for label, target in (("accord-async", 1.5), ("accord-sync", 0.5))
              if (t := med("msgs_per_s", "p2p", 1, label)) is not None and ref]
    if checks:
        print()
        print("Targets (informational):")
    for label, target, r in checks:
        print(f"- QoS 1 p2p persistent, {label} throughput >= {target}x {b}: {r:.2f} -> "
              f"{'PASS' if r >= target else 'FAIL'}")
elif not mosq_only and load:
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
