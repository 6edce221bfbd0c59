#!/usr/bin/env bash
# Restart benchmark: Accord vs Mosquitto restarting on 1,000,000 retained messages and 100,000
# persistent sessions, 127.0.0.1 only, temp dirs, cleaned up on exit. See docs/benchmarks.md.
#
# Populates an Accord data directory through the store API (accord_store_recovery_bench
# --populate, seconds) and a Mosquitto persistence file with the same data over MQTT
# (restart_probe.py load-mosquitto, then SIGTERM so Mosquitto saves it). Then, alternating the
# order per repetition, starts each broker on a fresh copy of its data and measures the wall
# time from exec until it is ready to serve: port file written (Accord), a client subscribed to
# a retained topic got its stored payload, and a persistent session resumed with session
# present = 1. Prints the median per broker, the ratio, Accord's `event=recovered ... ms=` and
# the RSS right after start.
#
# usage: tests/bench/run_restart.sh [--reps N] [--retained N] [--sessions M] [--payload B]
#          [--mosquitto-retained-only] [--accord-only] [--timeout S] [--out DIR]
# env:   ACCORD_BIN (default build/broker/accord), POPULATE_BIN (default
#        build/tests/bench/accord_store_recovery_bench), MOSQUITTO_BIN, PYTHON.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
REPS=3
RETAINED=1000000
SESSIONS=100000
PAYLOAD=100
MOSQ_SESSIONS=1
DO_MOSQ=1
TIMEOUT=300
OUT=""
ACCORD_BIN=${ACCORD_BIN:-$ROOT/build/broker/accord}
POPULATE_BIN=${POPULATE_BIN:-$ROOT/build/tests/bench/accord_store_recovery_bench}
MOSQUITTO_BIN=${MOSQUITTO_BIN:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}
PY=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
PROBE=$ROOT/tests/bench/restart_probe.py

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --reps) REPS=$2; shift ;;
    --retained) RETAINED=$2; shift ;;
    --sessions) SESSIONS=$2; shift ;;
    --payload) PAYLOAD=$2; shift ;;
    --mosquitto-retained-only) MOSQ_SESSIONS=0 ;;
    --accord-only) DO_MOSQ=0 ;;
    --timeout) TIMEOUT=$2; shift ;;
    --out) OUT=$2; shift ;;
    -h|--help) usage 0 ;;
    *) echo "unknown option: $1" >&2; usage 2 ;;
  esac
  shift
done

log() { echo "[run_restart] $*" >&2; }
secs_since() { local ms=$(( ($(date +%s%N) - $1) / 1000000 )); printf '%d.%02d' $(( ms / 1000 )) $(( ms % 1000 / 10 )); }

for bin in "$ACCORD_BIN" "$POPULATE_BIN"; do
  [[ -x "$bin" ]] || { log "$bin not found: cmake --build build -j2 (or set ACCORD_BIN/POPULATE_BIN)"; exit 1; }
done
if (( DO_MOSQ )) && [[ ! -x "$MOSQUITTO_BIN" ]]; then
  log "mosquitto not found (apt-get install mosquitto), or run with --accord-only"
  exit 1
fi

TMP=$(mktemp -d /tmp/accord-restart.XXXXXX)
[[ -n "$OUT" ]] || OUT=$TMP
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
: > "$RESULTS"
LOADER_PID=""

cleanup() {
  if [[ -n "$LOADER_PID" ]]; then
    kill "$LOADER_PID" 2>/dev/null || true
    for _ in $(seq 600); do kill -0 "$LOADER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$LOADER_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- data ---------------------------------------------------------------------------------------
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, load average $LOAD_BEFORE"
log "data: $RETAINED retained ($PAYLOAD-byte payloads), $SESSIONS sessions (1.5 subscriptions each)"
t=$(date +%s%N)
"$POPULATE_BIN" --populate "$TMP/accord-data" --retained "$RETAINED" --sessions "$SESSIONS" \
    --payload "$PAYLOAD" >&2
ACCORD_MIB=$(du -sm "$TMP/accord-data" | cut -f1)
log "accord: populated through the store API in $(secs_since "$t") s, $ACCORD_MIB MiB"

MOSQ_DIR=$TMP/mosquitto
if (( DO_MOSQ )); then
  mkdir -p "$MOSQ_DIR"
  # Started as root, Mosquitto drops to its own user (mosquitto) before it saves its database.
  chmod 0711 "$TMP"
  chmod 0777 "$MOSQ_DIR"
  mosq_sessions=$(( MOSQ_SESSIONS ? SESSIONS : 0 ))
  write_mosq_conf() {  # port
    {
      echo "listener $1 127.0.0.1"
      echo "allow_anonymous true"
      echo "persistence true"
      echo "persistence_location $MOSQ_DIR/"
      echo "autosave_interval 0"   # saved only on shutdown (SIGTERM)
      echo "max_connections -1"
      echo "log_dest stderr"
      echo "log_type error"
      echo "log_type warning"
    } > "$MOSQ_DIR/mosquitto.conf"
  }
  port=$("$PY" "$PROBE" free-port)
  write_mosq_conf "$port"
  t=$(date +%s%N)
  "$MOSQUITTO_BIN" -c "$MOSQ_DIR/mosquitto.conf" > "$OUT/mosquitto-load.log" 2>&1 &
  LOADER_PID=$!
  timeout --kill-after=5 1800 "$PY" "$PROBE" load-mosquitto --port "$port" --retained "$RETAINED" \
      --sessions "$mosq_sessions" --payload "$PAYLOAD" 2>&1 | sed 's/^/[run_restart] mosquitto: /' >&2
  log "mosquitto: RSS $(awk '/^VmRSS:/ {print int($2 / 1024)}' "/proc/$LOADER_PID/status") MiB after loading; saving its database (SIGTERM)"
  kill "$LOADER_PID"
  for _ in $(seq 3000); do kill -0 "$LOADER_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$LOADER_PID" 2>/dev/null; then log "mosquitto did not exit after 300 s"; exit 1; fi
  LOADER_PID=""
  [[ -s "$MOSQ_DIR/mosquitto.db" ]] || { log "mosquitto saved no database:"; cat "$OUT/mosquitto-load.log" >&2; exit 1; }
  mv "$MOSQ_DIR/mosquitto.db" "$TMP/mosquitto.db.populated"
  MOSQ_MIB=$(du -sm "$TMP/mosquitto.db.populated" | cut -f1)
  log "mosquitto: populated over MQTT and saved in $(secs_since "$t") s, $MOSQ_MIB MiB"
fi

# --- restarts -----------------------------------------------------------------------------------
# Every run starts from a fresh copy of the populated data, so all runs measure the same thing
# (for Accord: including replay of the write-ahead log the population left). Accord's admin API
# goes on a free port (its default 127.0.0.1:8081 may be taken); the port file's first line is
# the MQTT listener.
run_accord() {
  rm -rf "$TMP/accord-run" "$TMP/accord.port"
  cp -a "$TMP/accord-data" "$TMP/accord-run"
  "$PY" "$PROBE" measure --label accord --port-file "$TMP/accord.port" --log "$OUT/accord.log" \
      --retained "$RETAINED" --sessions "$SESSIONS" --payload "$PAYLOAD" --timeout "$TIMEOUT" -- \
      "$ACCORD_BIN" --listen 127.0.0.1:0 --port-file "$TMP/accord.port" \
      --set store.durability=sync --set "store.data_dir=$TMP/accord-run" \
      --set admin.listen=127.0.0.1:0 >> "$RESULTS" || true
}
run_mosquitto() {
  local port
  port=$("$PY" "$PROBE" free-port)
  write_mosq_conf "$port"
  cp -a "$TMP/mosquitto.db.populated" "$MOSQ_DIR/mosquitto.db"
  "$PY" "$PROBE" measure --label mosquitto --port "$port" --log "$OUT/mosquitto.log" \
      --retained "$RETAINED" --sessions "$mosq_sessions" --payload "$PAYLOAD" --timeout "$TIMEOUT" -- \
      "$MOSQUITTO_BIN" -c "$MOSQ_DIR/mosquitto.conf" >> "$RESULTS" || true
}
show_last() {
  log "$(tail -n 1 "$RESULTS" | jq -r '"\(.label): " + (if .error then "ERROR " + .error else "ready \(.ready_s) s" + (if .port_file_s then " (port file \(.port_file_s) s, recovered \(.recovered_ms) ms)" else "" end) + ", RSS \(.rss_kb / 1024 | floor) MiB, shutdown \(.shutdown_s) s" end)' 2>/dev/null || tail -n 1 "$RESULTS")"
}

for rep in $(seq "$REPS"); do
  log "run $rep/$REPS"
  if (( ! DO_MOSQ )); then
    run_accord; show_last
  elif (( rep % 2 )); then
    run_accord; show_last; run_mosquitto; show_last
  else
    run_mosquitto; show_last; run_accord; show_last
  fi
done

# --- report -------------------------------------------------------------------------------------
{
  echo
  if (( ! DO_MOSQ )); then mosq_note="Accord only"
  elif (( MOSQ_SESSIONS )); then mosq_note="Mosquitto with the same data"
  else mosq_note="Mosquitto with the retained messages only, no sessions"; fi
  (( DO_MOSQ )) && mosq_note+=", mosquitto.db $MOSQ_MIB MiB"
  echo "Restart with $RETAINED retained messages ($PAYLOAD-byte payloads) and $SESSIONS" \
       "persistent sessions (Accord data directory $ACCORD_MIB MiB; $mosq_note); median of $REPS run(s); load average before:" \
       "$LOAD_BEFORE."
  echo
  "$PY" "$PROBE" report "$RESULTS" --retained "$RETAINED" --sessions "$SESSIONS"
} | tee "$OUT/summary.md"
[[ "$OUT" == "$TMP" ]] || log "raw results: $RESULTS, summary: $OUT/summary.md, broker logs in $OUT"
