#!/usr/bin/env bash
# CloudEvents validation in the publish path: QoS 1 point-to-point throughput of Accord with a
# policy that validates every event's data against a JSON Schema from its registry, against
# Mosquitto without any validation, same run, same load, 127.0.0.1 only. See docs/benchmarks.md
# ("CloudEvents validation in the publish path").
#
# Starts Mosquitto (the config of tests/bench/run_compare.sh) and one Accord per durability mode
# (--set store.durability=MODE, fresh data directory each) with policy.toml: one [[policies]]
# table governing the bench topics (validate_data = true, subject_strategy = "type"), registers
# reading.schema.json under the subject com.example.thermostat.reading on each Accord's admin
# port, then runs accord_bench's p2p scenario at QoS 1 (4 pairs, window 64) with event.json, a
# ~314-byte structured-mode CloudEvent, against every broker, alternating the order on every
# repetition, median per metric. Proof that validation ran: /metrics is scraped before and after
# every Accord run (accord_enforcement_accepted_total must grow by at least the number of
# messages delivered, nothing may fail), and at the end one short pass per Accord publishes
# event-invalid.json (temperature 99.5 > maximum 85): nothing may be delivered and
# accord_enforcement_failed_total{reason="data_invalid"} must grow.
#
# usage: tests/bench/enforcement/run.sh [--quick] [--reps N] [--duration S] [--warmup S]
#          [--modes "memory async sync"] [--mqtt 5|4] [--window W] [--baseline]
#          [--invalid-duration S] [--no-invalid] [--out DIR] [--data-root DIR]
#   --quick             1 x 3 s per broker (warm-up 1 s), invalid pass 2 s
#   --reps/--duration   default 3 x 10 s (warm-up 2 s)
#   --modes             Accord durability modes to run, each with the policy (default "memory async")
#   --mqtt 5            MQTT 5 with Content Type application/cloudevents+json on every PUBLISH
#                       (default); 4 = MQTT 3.1.1, where a CloudEvent is always structured JSON
#   --baseline          also an Accord (memory) without any policy: what validation costs
#   --out DIR           keep results.jsonl, summary.md, metrics scrapes and broker logs in DIR
# env:   ACCORD_BIN (default build/broker/accord), BENCH_BIN (default build/tests/bench/accord_bench
#        or build-bench/accord_bench), MOSQUITTO_BIN, CURL. Builds nothing.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
DURATION=10
WARMUP=2
REPS=3
MODES="memory async"
MQTT=5
WINDOW=64
INVALID_DURATION=3
DO_INVALID=1
BASELINE=0
OUT=""
DATA_ROOT=""
ACCORD_BIN=${ACCORD_BIN:-$ROOT/build/broker/accord}
MOSQUITTO_BIN=${MOSQUITTO_BIN:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}
CURL=${CURL:-curl}
PY=$(command -v /usr/bin/python3 || command -v python3)

# Fixed names: the policy governs exactly the generator's topics (--topic-prefix).
TOPIC_PREFIX=accord-bench-ce
POLICY=bench-thermostat
SUBJECT=com.example.thermostat.reading
CONTENT_TYPE=application/cloudevents+json
EVENT=$HERE/event.json
INVALID_EVENT=$HERE/event-invalid.json
SCHEMA=$HERE/reading.schema.json

usage() { sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) DURATION=3; WARMUP=1; REPS=1; INVALID_DURATION=2 ;;
    --reps) REPS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --modes) MODES=$2; shift ;;
    --mqtt) MQTT=$2; shift ;;
    --window) WINDOW=$2; shift ;;
    --baseline) BASELINE=1 ;;
    --invalid-duration) INVALID_DURATION=$2; shift ;;
    --no-invalid) DO_INVALID=0 ;;
    --out) OUT=$2; shift ;;
    --data-root) DATA_ROOT=$2; shift ;;
    -h|--help) usage 0 ;;
    *) echo "unknown option: $1" >&2; usage 2 ;;
  esac
  shift
done

log() { echo "[enforcement] $*" >&2; }

if [[ -z "${BENCH_BIN:-}" ]]; then
  for c in "$ROOT/build/tests/bench/accord_bench" "$ROOT/build-bench/accord_bench" \
           "$ROOT/build-bench/tests/bench/accord_bench"; do
    if [[ -x "$c" ]]; then BENCH_BIN=$c; break; fi
  done
fi
[[ -n "${BENCH_BIN:-}" && -x "$BENCH_BIN" ]] || { log "accord_bench not found: set BENCH_BIN"; exit 1; }
[[ -x "$ACCORD_BIN" ]] || { log "accord not found at $ACCORD_BIN: set ACCORD_BIN"; exit 1; }
command -v "$CURL" >/dev/null || { log "curl not found"; exit 1; }
if ! "$BENCH_BIN" --help | grep -q -- --payload-file; then
  log "$BENCH_BIN has no --payload-file: rebuild accord_bench"
  exit 1
fi
case "$MQTT" in
  5) PROTO_ARGS=(--mqtt 5 --content-type "$CONTENT_TYPE") ;;
  4) PROTO_ARGS=(--mqtt 4) ;;
  *) log "--mqtt must be 5 or 4"; exit 2 ;;
esac

# --- temp dir, cleanup ---------------------------------------------------------------------------
TMP=$(mktemp -d /tmp/accord-enf-bench.XXXXXX)
[[ -n "$OUT" ]] || OUT=$TMP
mkdir -p "$OUT/metrics"
RESULTS=$OUT/results.jsonl
: > "$RESULTS"
[[ -n "$DATA_ROOT" ]] || DATA_ROOT=$TMP
mkdir -p "$DATA_ROOT"
PIDS=()
DATA_DIRS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP" "${DATA_DIRS[@]}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# Brokers run under `timeout` as well, so they stop on their own even if this script is killed
# with SIGKILL (the trap cannot run then): generous upper bound for the whole run.
NBROKERS=$(( $(wc -w <<< "$MODES") + 1 + BASELINE ))
LIFETIME=$(( NBROKERS * REPS * (${WARMUP%.*} + ${DURATION%.*} + 20) + 4 * (${INVALID_DURATION%.*} + 20) + 300 ))

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

# The broker process itself (child of its `timeout`): CPU is sampled from its /proc entry.
child_of() {  # wrapper pid
  local c
  for _ in $(seq 100); do
    c=$(pgrep -P "$1" | head -n 1 || true)
    [[ -n "$c" ]] && { echo "$c"; return 0; }
    sleep 0.02
  done
  return 1
}

declare -A PID_OF PORT_OF ADMIN_OF
start_mosquitto() {  # label
  local name=$1 port conf wrapper
  port=$(free_port)
  conf=$TMP/$name.conf
  # Same as tests/bench/run_compare.sh (docs/benchmarks.md explains each line).
  {
    echo "listener $port 127.0.0.1"
    echo "allow_anonymous true"
    echo "persistence false"
    echo "max_queued_messages 0"
    echo "max_connections -1"
    echo "set_tcp_nodelay true"
    echo "log_dest stderr"
    echo "log_type error"
    echo "log_type warning"
  } > "$conf"
  timeout "$LIFETIME" "$MOSQUITTO_BIN" -c "$conf" > "$OUT/$name.log" 2>&1 &
  wrapper=$!
  PIDS+=("$wrapper")
  PID_OF[$name]=$(child_of "$wrapper") || { log "$name did not start"; cat "$OUT/$name.log" >&2; exit 1; }
  PIDS+=("${PID_OF[$name]}")
  PORT_OF[$name]=$port
  wait_listen "$port" "${PID_OF[$name]}" || { log "$name failed to start:"; cat "$OUT/$name.log" >&2; exit 1; }
}

# The policy: everything under the generator's fixed topic prefix must be a structured-mode
# CloudEvent of a thermostat type whose data is valid against the latest schema registered
# under its type; anything else is rejected (MQTT 5 QoS 1: PUBACK 0x99; 3.1.1: dropped).
POLICY_FILE=$TMP/policy.toml
cat > "$POLICY_FILE" <<EOF
[[policies]]
name = "$POLICY"
topic_filter = "$TOPIC_PREFIX/#"
require_cloudevents = true
content_modes = ["structured"]
allowed_types = ["com.example.thermostat.*"]
validate_data = true
action = "reject"
subject_strategy = "type"
version_selection = "latest"
EOF
cp "$POLICY_FILE" "$OUT/policy.toml" 2>/dev/null || true

start_accord() {  # label durability with_policy(0|1)
  local name=$1 mode=$2 with_policy=$3 pf=$TMP/$1.port wrapper host port line
  local args=(--listen 127.0.0.1:0 --port-file "$pf" --log-level warn)
  (( with_policy )) && args+=(--config "$POLICY_FILE")
  DATA_DIRS+=("$(mktemp -d "$DATA_ROOT/$name-data.XXXXXX")")
  args+=(--set "store.data_dir=${DATA_DIRS[-1]}" --set "store.durability=$mode"
         --set admin.listen=127.0.0.1:0)
  rm -f "$pf"
  timeout "$LIFETIME" "$ACCORD_BIN" "${args[@]}" > "$OUT/$name.log" 2>&1 &
  wrapper=$!
  PIDS+=("$wrapper")
  PID_OF[$name]=$(child_of "$wrapper") || { log "$name did not start"; cat "$OUT/$name.log" >&2; exit 1; }
  PIDS+=("${PID_OF[$name]}")
  # Port file: "127.0.0.1 PORT" (MQTT), then "127.0.0.1 PORT admin".
  for _ in $(seq 200); do
    kill -0 "${PID_OF[$name]}" 2>/dev/null || break
    if [[ -s "$pf" ]] && grep -q ' admin$' "$pf"; then
      while read -r host port line; do
        if [[ "$line" == admin ]]; then ADMIN_OF[$name]=$port
        elif [[ -z "$line" && -z "${PORT_OF[$name]:-}" ]]; then PORT_OF[$name]=$port; fi
      done < "$pf"
      if [[ -n "${PORT_OF[$name]:-}" && -n "${ADMIN_OF[$name]:-}" ]]; then
        wait_listen "${PORT_OF[$name]}" "${PID_OF[$name]}" && break
      fi
    fi
    sleep 0.05
  done
  if [[ -z "${PORT_OF[$name]:-}" || -z "${ADMIN_OF[$name]:-}" ]]; then
    log "$name failed to start (no MQTT and admin lines in $pf):"
    cat "$OUT/$name.log" >&2
    exit 1
  fi
  # Register the schema under the event type (subject_strategy = "type").
  local body=$TMP/$name.schema-body.json resp
  "$PY" -c 'import json,sys; print(json.dumps({"schemaType": "JSON", "schema": open(sys.argv[1]).read()}))' \
      "$SCHEMA" > "$body"
  resp=$("$CURL" -sS --max-time 10 -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
      --data-binary "@$body" "http://127.0.0.1:${ADMIN_OF[$name]}/subjects/$SUBJECT/versions") || true
  if [[ "$resp" != *'"id"'* ]]; then
    log "$name: schema registration failed: $resp"
    exit 1
  fi
  if (( with_policy )); then
    local pol
    pol=$("$CURL" -sS --max-time 10 "http://127.0.0.1:${ADMIN_OF[$name]}/accord/v1/policies" || true)
    if [[ "$pol" != *"\"$POLICY\""* ]]; then
      log "$name: policy $POLICY not active (GET /accord/v1/policies: $pol)"
      exit 1
    fi
  fi
  log "$name: pid ${PID_OF[$name]} mqtt ${PORT_OF[$name]} admin ${ADMIN_OF[$name]} durability $mode," \
      "schema $SUBJECT $resp, policy $( (( with_policy )) && echo "$POLICY" || echo none)"
}

scrape() {  # label file
  if ! "$CURL" -fsS --max-time 10 -o "$2" "http://127.0.0.1:${ADMIN_OF[$1]}/metrics"; then
    log "$1: GET /metrics failed"
    : > "$2"
  fi
}

# Sums of the enforcement series of our policy in a Prometheus text scrape, as JSON.
ENF_PY=$TMP/enf.py
cat > "$ENF_PY" <<'EOF'
import json, re, sys
LINE = re.compile(r'^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)')
LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')
def read(path, policy):
    out = {"evaluated": 0, "accepted": 0, "failed": 0, "failed_by_reason": {}, "actions": {},
           "validation_sum_s": 0.0, "validation_count": 0, "series": 0}
    try:
        text = open(path).read()
    except OSError:
        return out
    for line in text.splitlines():
        if not line.startswith("accord_enforcement_"):
            continue
        m = LINE.match(line)
        if not m:
            continue
        name, labels, value = m.group(1), dict(LABEL.findall(m.group(2) or "")), m.group(3)
        if labels.get("policy") != policy:
            continue
        try:
            v = float(value)
        except ValueError:
            continue
        out["series"] += 1
        if name == "accord_enforcement_evaluated_total":
            out["evaluated"] += v
        elif name == "accord_enforcement_accepted_total":
            out["accepted"] += v
        elif name == "accord_enforcement_failed_total":
            out["failed"] += v
            r = labels.get("reason", "?")
            out["failed_by_reason"][r] = out["failed_by_reason"].get(r, 0) + v
        elif name == "accord_enforcement_actions_total":
            a = labels.get("action", "?")
            out["actions"][a] = out["actions"].get(a, 0) + v
        elif name == "accord_enforcement_validation_seconds_sum":
            out["validation_sum_s"] += v
        elif name == "accord_enforcement_validation_seconds_count":
            out["validation_count"] += v
    return out

def delta(a, b):
    d = {}
    for k in ("evaluated", "accepted", "failed", "validation_sum_s", "validation_count"):
        d[k] = b[k] - a[k]
    for k in ("failed_by_reason", "actions"):
        d[k] = {x: b[k].get(x, 0) - a[k].get(x, 0) for x in set(a[k]) | set(b[k])}
        d[k] = {x: v for x, v in d[k].items() if v}
    d["series"] = b["series"]
    return d

# argv: kind(valid|invalid|none) policy before after; the generator's JSON line on stdin.
kind, policy, before, after = sys.argv[1:5]
line = sys.stdin.read().strip().splitlines()
r = json.loads(line[-1]) if line else {"error": "no output"}
if "error" not in r and kind != "mosquitto":
    d = delta(read(before, policy), read(after, policy))
    r["enforcement"] = d
    problems = []
    if kind == "valid":
        if d["series"] == 0:
            problems.append("no accord_enforcement_* series for the policy in /metrics")
        if d["accepted"] < r["total_delivered"]:
            problems.append(f"accepted grew by {d['accepted']:.0f} < {r['total_delivered']} delivered")
        if d["accepted"] > r["total_sent"]:
            problems.append(f"accepted grew by {d['accepted']:.0f} > {r['total_sent']} sent")
        if d["failed"]:
            problems.append(f"failed grew by {d['failed']:.0f}")
    elif kind == "invalid":
        if r["total_delivered"] != 0:
            problems.append(f"{r['total_delivered']} invalid events delivered")
        if d["failed_by_reason"].get("data_invalid", 0) <= 0:
            problems.append("failed_total{reason=data_invalid} did not grow")
        if d["accepted"]:
            problems.append(f"accepted grew by {d['accepted']:.0f}")
    elif kind == "none":
        if d["evaluated"]:
            problems.append(f"evaluated grew by {d['evaluated']:.0f} without a policy")
    for k in ("seq_missing", "seq_dup_or_reorder", "payload_mismatch", "short_payloads"):
        if r.get(k):
            problems.append(f"{k} = {r[k]}")
    r["check"] = "; ".join(problems) if problems else "ok"
print(json.dumps(r))
EOF

# Adds kind, run number and the machine's CPU use over the whole generator run (warm-up
# included) from /proc/stat: busy cores in total, and what remains after the broker and the
# generator ("other_cores": other work on the shared machine; noise when clearly above 0).
TAG_PY=$TMP/tag.py
cat > "$TAG_PY" <<'EOF'
import json, os, sys
r = json.loads(sys.stdin.read())
r["kind"], r["run"] = sys.argv[1], int(sys.argv[2])
a, b = ([int(x) for x in s.split()[1:]] for s in sys.argv[3:5])
total = sum(b) - sum(a)
idle = (b[3] + b[4]) - (a[3] + a[4])  # idle + iowait
if total > 0 and "error" not in r:
    busy = (total - idle) / total * (os.cpu_count() or 1)
    r["machine_busy_cores"] = round(busy, 3)
    r["other_cores"] = round(max(0.0, busy - max(r.get("broker_cpu_util", 0), 0) - r.get("gen_cpu_util", 0)), 3)
print(json.dumps(r))
EOF

# One line per run for the log.
FMT_PY=$TMP/fmt.py
cat > "$FMT_PY" <<'EOF'
import json, sys
r = json.loads(sys.stdin.read())
if "error" in r:
    print(f"{r.get('label')}: ERROR {r['error']}")
    sys.exit()
s = (f"{r['label']:<16} {r['kind']:<9} {r['msgs_per_s']:>10,.0f} msgs/s p50 {r['lat_p50_us']:,.0f}us "
     f"p99 {r['lat_p99_us']:,.0f}us cpu {r['broker_cpu_us_per_msg']:.2f}us/msg "
     f"delivered {r['delivery_ratio']:.4f} (run: sent {r['total_sent']:,} "
     f"delivered {r['total_delivered']:,}) other load {r.get('other_cores', -1):.2f} cores")
e = r.get("enforcement")
if e is not None:
    s += (f" | enforcement: evaluated +{e['evaluated']:,.0f} accepted +{e['accepted']:,.0f} "
          f"failed +{e['failed']:,.0f} {e['failed_by_reason'] or ''} actions {e['actions'] or '{}'}")
if r.get("puback_errors"):
    s += f" | PUBACK errors {r['puback_errors']:,}, first: {r['puback_error_first']}"
if "check" in r:
    s += f" | check: {r['check']}"
print(s)
EOF

# run_one label kind(valid|invalid|none|mosquitto) event [extra generator args...]
run_one() {
  local label=$1 kind=$2 event=$3 pid=${PID_OF[$1]} port=${PORT_OF[$1]} line dur warm
  shift 3
  dur=$DURATION; warm=$WARMUP
  [[ "$kind" == invalid ]] && { dur=$INVALID_DURATION; warm=1; }
  local before=$OUT/metrics/$label.$RUN_NO.before after=$OUT/metrics/$label.$RUN_NO.after
  if [[ "$kind" != mosquitto ]]; then scrape "$label" "$before"; fi
  local stat0 stat1
  stat0=$(head -n 1 /proc/stat)
  line=$(timeout --kill-after=5 $(( ${warm%.*} + ${dur%.*} + 90 )) "$BENCH_BIN" \
      --port "$port" --scenario p2p --qos 1 --duration "$dur" --warmup "$warm" \
      --window "$WINDOW" --broker-pid "$pid" --label "$label" --topic-prefix "$TOPIC_PREFIX" \
      --payload-file "$event" "${PROTO_ARGS[@]}" "$@" 2>>"$OUT/bench.stderr" | tail -n 1) || true
  stat1=$(head -n 1 /proc/stat)
  [[ -n "$line" ]] || line="{\"label\":\"$label\",\"error\":\"generator failed\"}"
  if [[ "$kind" != mosquitto ]]; then
    sleep 0.5  # let the broker finish what the closed connections left in its buffers
    scrape "$label" "$after"
  fi
  line=$(echo "$line" | "$PY" "$ENF_PY" "$kind" "$POLICY" "$before" "$after" \
         | "$PY" "$TAG_PY" "$kind" "$RUN_NO" "$stat0" "$stat1")
  echo "$line" >> "$RESULTS"
  RUN_NO=$(( RUN_NO + 1 ))
  log "$(echo "$line" | "$PY" "$FMT_PY")"
}

# --- brokers -------------------------------------------------------------------------------------
BROKERS=()
POLICY_BROKERS=()
for m in $MODES; do
  case "$m" in memory|async|sync) ;; *) log "unknown durability mode $m"; exit 2 ;; esac
  start_accord "accord-$m" "$m" 1
  BROKERS+=("accord-$m")
  POLICY_BROKERS+=("accord-$m")
done
if (( BASELINE )); then
  start_accord accord-nopolicy memory 0
  BROKERS+=(accord-nopolicy)
fi
start_mosquitto mosquitto
BROKERS+=(mosquitto)
log "mosquitto: pid ${PID_OF[mosquitto]} port ${PORT_OF[mosquitto]}"
log "load: p2p QoS 1, 4 pairs, window $WINDOW, $(wc -c < "$EVENT" | tr -d ' ') B template" \
    "-> $("$PY" -c 'import sys; t=open(sys.argv[1]).read().rstrip("\r\n"); print(len(t)-len("@@STAMP@@")+36)' "$EVENT") B event," \
    "MQTT $MQTT$( [[ $MQTT == 5 ]] && echo " content type $CONTENT_TYPE"), ${REPS}x ${DURATION}s (+${WARMUP}s warm-up)"

kind_of() {
  case "$1" in mosquitto) echo mosquitto ;; accord-nopolicy) echo none ;; *) echo valid ;; esac
}

RUN_NO=1
for rep in $(seq "$REPS"); do
  order=("${BROKERS[@]}")  # odd repetitions in list order, even ones reversed
  if (( rep % 2 == 0 )); then
    order=()
    for (( i = ${#BROKERS[@]} - 1; i >= 0; i-- )); do order+=("${BROKERS[i]}"); done
  fi
  for b in "${order[@]}"; do
    run_one "$b" "$(kind_of "$b")" "$EVENT"
  done
done

# Invalid events: the end-to-end window is off so that publishers are not held back waiting for
# deliveries that never come; the PUBACK window (64) still bounds what is in flight.
if (( DO_INVALID )); then
  for b in "${POLICY_BROKERS[@]}"; do
    run_one "$b" invalid "$INVALID_EVENT" --e2e-window 0
  done
fi

for b in "${BROKERS[@]}"; do kill "${PID_OF[$b]}" 2>/dev/null || true; done

# --- report --------------------------------------------------------------------------------------
"$PY" - "$RESULTS" "$REPS" "$DURATION" "$WARMUP" "$MQTT" "$WINDOW" "$EVENT" "${BROKERS[*]}" \
    <<'EOF' | tee "$OUT/summary.md"
import json, statistics, sys
path, reps, duration, warmup, mqtt, window, event, brokers = sys.argv[1:9]
brokers = brokers.split()
rows = [json.loads(l) for l in open(path) if l.strip()]
load = [r for r in rows if r.get("kind") != "invalid"]
bad = [r for r in rows if r.get("kind") == "invalid"]
errors = [r for r in rows if "error" in r]

def med(label, key):
    v = [r[key] for r in load if r.get("label") == label and "error" not in r
         and r.get(key) is not None and r[key] >= 0]
    return statistics.median(v) if v else None

def fmt(v, d=0):
    return "-" if v is None else f"{v:,.{d}f}"

def ratio(x, y):
    return f"{x / y:.2f}" if x is not None and y else "-"

store = {"accord-memory": "memory", "accord-async": "RocksDB async", "accord-sync": "RocksDB sync",
         "accord-nopolicy": "memory", "mosquitto": "memory (persistence false)"}
valid = {"mosquitto": "none", "accord-nopolicy": "none (no policy)"}
size = len(open(event).read().rstrip("\r\n")) - len("@@STAMP@@") + 36
print()
print(f"QoS 1 p2p, 4 publisher/subscriber pairs, window {window}, {size}-byte structured-mode "
      f"CloudEvent, MQTT {'5 (Content Type application/cloudevents+json)' if mqtt == '5' else '3.1.1'}; "
      f"median of {reps} x {duration} s (+{warmup} s warm-up) per broker; ratio = broker / mosquitto.")
print()
print("| broker | store | validation | msgs/s | ratio | p50 µs | p99 µs | CPU µs/msg | ratio "
      "| broker CPU (cores) | delivered | seq | enforcement accepted / delivered (all reps) "
      "| validation µs/event | other load (cores) | checks |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
ref_t, ref_c = med("mosquitto", "msgs_per_s"), med("mosquitto", "broker_cpu_us_per_msg")
for b in brokers:
    rs = [r for r in load if r.get("label") == b and "error" not in r]
    t, c = med(b, "msgs_per_s"), med(b, "broker_cpu_us_per_msg")
    seq = f"{sum(r['seq_missing'] for r in rs)} / {sum(r['seq_dup_or_reorder'] for r in rs)}"
    acc = "-"
    vus = "-"
    if b == "accord-nopolicy" and rs:
        acc = f"not governed (evaluated +{sum(r.get('enforcement', {}).get('evaluated', 0) for r in rs):,.0f})"
    elif any("enforcement" in r for r in rs):
        a = sum(r["enforcement"]["accepted"] for r in rs)
        acc = f"{a:,.0f} / {sum(r['total_delivered'] for r in rs):,}"
        per = [r["enforcement"]["validation_sum_s"] / r["enforcement"]["validation_count"] * 1e6
               for r in rs if r["enforcement"]["validation_count"]]
        vus = fmt(statistics.median(per), 2) if per else "-"
    checks = [r.get("check") for r in rs if "check" in r]
    ck = "-" if not checks else (f"{checks.count('ok')}/{len(checks)} ok" if all(x == "ok" for x in checks)
                                 else "FAIL: " + "; ".join(x for x in checks if x != "ok"))
    print(f"| {b} | {store.get(b, '?')} | {valid.get(b, 'JSON Schema, every event')} | {fmt(t)} | "
          f"{ratio(t, ref_t)} | {fmt(med(b, 'lat_p50_us'))} | {fmt(med(b, 'lat_p99_us'))} | "
          f"{fmt(c, 2)} | {ratio(c, ref_c)} | {fmt(med(b, 'broker_cpu_util'), 2)} | "
          f"{fmt(med(b, 'delivery_ratio'), 4)} | {seq} | {acc} | {vus} | "
          f"{fmt(med(b, 'other_cores'), 2)} | {ck} |")

if bad:
    print()
    print("Invalid events (event-invalid.json: data.temperature 99.5 > maximum 85), one short pass "
          "per Accord, end-to-end window off:")
    print()
    print("| broker | published | delivered | evaluated | failed (reason) | actions | accepted "
          "| PUBACK errors | first PUBACK error | check |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in bad:
        if "error" in r:
            print(f"| {r.get('label')} | ERROR {r['error']} |||||||||")
            continue
        e = r.get("enforcement", {})
        fr = ", ".join(f"{k} {v:,.0f}" for k, v in sorted(e.get("failed_by_reason", {}).items()))
        ac = ", ".join(f"{k} {v:,.0f}" for k, v in sorted(e.get("actions", {}).items()))
        print(f"| {r['label']} | {r['total_sent']:,} | {r['total_delivered']:,} | "
              f"{e.get('evaluated', 0):,.0f} | {e.get('failed', 0):,.0f} ({fr or '-'}) | {ac or '-'} | "
              f"{e.get('accepted', 0):,.0f} | {r.get('puback_errors', 0):,} | "
              f"{r.get('puback_error_first') or '-'} | {r.get('check', '-')} |")

if ref_t:
    print()
    print("Target (informational): Accord with validation >= 1.5x Mosquitto's msgs/s")
    for b in brokers:
        if b == "mosquitto" or b == "accord-nopolicy":
            continue
        t = med(b, "msgs_per_s")
        if t is not None:
            print(f"- {b}: {t / ref_t:.2f}x -> {'PASS' if t / ref_t >= 1.5 else 'FAIL'}")
if errors:
    print()
    print("Errors:")
    for r in errors:
        print(f"- {r.get('label')} run {r.get('run')}: {r['error']}")
failed = [r for r in rows if r.get("check", "ok") != "ok"]
if failed:
    print()
    print("Validation checks FAILED:")
    for r in failed:
        print(f"- {r['label']} ({r['kind']}, run {r['run']}): {r['check']}")
EOF
[[ "$OUT" == "$TMP" ]] || log "raw results: $RESULTS, summary: $OUT/summary.md"
