#!/usr/bin/env python3
"""Restart-to-ready measurement for tests/bench/run_restart.sh (docs/benchmarks.md).

A minimal MQTT 3.1.1 client on raw sockets (standard library only), three subcommands:

  load-mosquitto --port P [--retained N] [--sessions M] [--payload B]
      Publishes the data set of accord_store_recovery_bench --populate to a running broker:
      N retained QoS 1 messages (one connection, rounds of 10,000 PUBLISHes, then their PUBACKs)
      and M persistent sessions (clean session 0, SUBSCRIBE, DISCONNECT; 64 connections at once).
  measure --label L (--port-file F | --port P) --log FILE [--topic-index I] [--session-index J]
          [--retained N] [--sessions M] [--payload B] [--timeout S] -- BROKER ARGV...
      Starts the broker, and from just before exec measures the time until it is ready to serve:
      the port file names a port (Accord) and a client connects, subscribes to retained topic I
      and receives exactly the stored payload, and client-J reconnects with clean session 0 and
      gets session present = 1. Then reads the broker's RSS, stops it with SIGTERM (timing the
      shutdown) and prints one JSON line. With --sessions 0 the session check is left out.
  free-port
      Prints a free TCP port on 127.0.0.1 (20000-31999, below the ephemeral range).
  report RESULTS.jsonl [--retained N] [--sessions M]
      Markdown table: median of the repetitions per broker, ratio to Mosquitto, and the
      acceptance target (ready in < 5 s) when the data set is at least 1,000,000 + 100,000.

The topics and payloads are computed with the same formulas as store_recovery_bench.cpp.
"""
import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time

# --- data set (keep in step with tests/bench/store_recovery_bench.cpp) -------------------------


def device_prefix(device):
    return f"fleet/site-{device // 10000:03d}/dev-{device:07d}/"


def state_topic(i):
    return device_prefix(i) + "state"


def state_payload(i, size):
    t = 150 + i % 200
    s = (f'{{"dev":"dev-{i:07d}","ts":1767225600000,"temp":{t // 10}.{t % 10},'
         f'"hum":{30 + i % 50},"bat":{20 + i % 80},"rssi":-{40 + i % 60},'
         f'"fw":"2.4.1","status":"ok"}}')
    return s.ljust(size).encode()


def session_id(j):
    return f"client-{j:07d}"


def session_filters(j, retained, sessions):
    device = j * retained // sessions if retained else j
    f = [device_prefix(device) + "cmd"]
    if j % 2 == 1:
        f.append(f"fleet/site-{device // 10000:03d}/+/alerts")
    return f


# --- MQTT 3.1.1 packets ------------------------------------------------------------------------


def varint(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def mqtt_str(s):
    b = s.encode() if isinstance(s, str) else s
    return len(b).to_bytes(2, "big") + b


def packet(first, body):
    return bytes([first]) + varint(len(body)) + body


def connect_pkt(client_id, clean, keepalive=60):
    return packet(0x10, mqtt_str("MQTT") + bytes([4, 0x02 if clean else 0x00])
                  + keepalive.to_bytes(2, "big") + mqtt_str(client_id))


def subscribe_pkt(pid, filters, qos=1):
    return packet(0x82, pid.to_bytes(2, "big") + b"".join(mqtt_str(f) + bytes([qos]) for f in filters))


def publish_pkt(topic, payload, qos=0, retain=False, pid=0):
    body = mqtt_str(topic) + (pid.to_bytes(2, "big") if qos else b"") + payload
    return packet(0x30 | (qos << 1) | (1 if retain else 0), body)


DISCONNECT = b"\xe0\x00"


class Conn:
    """A blocking socket with a packet reader; every read honours an absolute deadline."""

    def __init__(self, sock, deadline):
        self.sock, self.deadline, self.buf = sock, deadline, bytearray()

    def _fill(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline passed")
        self.sock.settimeout(left)
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("connection closed by the broker")
        self.buf += data

    def read_packet(self):
        while True:
            if len(self.buf) >= 2:
                n, mult, pos = 0, 1, 1
                while pos < len(self.buf):
                    b = self.buf[pos]
                    n += (b & 0x7F) * mult
                    mult *= 128
                    pos += 1
                    if not b & 0x80:
                        break
                else:
                    pos = None
                if pos is not None and not self.buf[pos - 1] & 0x80 and len(self.buf) >= pos + n:
                    first, body = self.buf[0], bytes(self.buf[pos:pos + n])
                    del self.buf[:pos + n]
                    return first, body
            self._fill()

    def send(self, data):
        self.sock.settimeout(max(0.001, self.deadline - time.monotonic()))
        self.sock.sendall(data)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def open_conn(port, deadline):
    s = socket.create_connection(("127.0.0.1", port), timeout=max(0.001, deadline - time.monotonic()))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return Conn(s, deadline)


def mqtt_connect(port, client_id, clean, deadline):
    c = open_conn(port, deadline)
    c.send(connect_pkt(client_id, clean))
    first, body = c.read_packet()
    if first != 0x20 or len(body) != 2 or body[1] != 0:
        raise RuntimeError(f"{client_id}: bad CONNACK {first:#x} {body.hex()}")
    return c, bool(body[0] & 1)


# --- load-mosquitto ----------------------------------------------------------------------------


def wait_port(port, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def load_retained(port, n, size, timeout):
    deadline = time.monotonic() + timeout
    c, _ = mqtt_connect(port, f"restart-loader-{os.getpid()}", True, deadline)
    round_size = 10000
    for start in range(0, n, round_size):
        end = min(n, start + round_size)
        c.send(b"".join(publish_pkt(state_topic(i), state_payload(i, size), 1, True, i - start + 1)
                        for i in range(start, end)))
        for _ in range(end - start):
            first, _ = c.read_packet()
            if first != 0x40:
                raise RuntimeError(f"expected PUBACK, got {first:#x}")
    c.send(DISCONNECT)
    c.close()


async def load_sessions(port, retained, sessions, timeout, parallel=64):
    async def one(j):
        r, w = await asyncio.open_connection("127.0.0.1", port)
        w.write(connect_pkt(session_id(j), False) + subscribe_pkt(1, session_filters(j, retained, sessions)))
        await w.drain()
        head = await r.readexactly(4)  # CONNACK
        if head[0] != 0x20 or head[3] != 0:
            raise RuntimeError(f"{session_id(j)}: bad CONNACK {head.hex()}")
        first = await r.readexactly(2)  # SUBACK (remaining length < 128)
        rest = await r.readexactly(first[1])
        if first[0] != 0x90 or any(b & 0x80 for b in rest[2:]):
            raise RuntimeError(f"{session_id(j)}: SUBSCRIBE refused {first.hex()}{rest.hex()}")
        w.write(DISCONNECT)
        await w.drain()
        await r.read()  # the broker closes after DISCONNECT: TIME_WAIT stays on its side
        w.close()

    next_j = 0

    async def worker():
        nonlocal next_j
        while next_j < sessions:
            j = next_j
            next_j += 1
            await one(j)

    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(parallel))), timeout)


def cmd_load_mosquitto(a):
    wait_port(a.port, 30)
    t = time.monotonic()
    load_retained(a.port, a.retained, a.payload, a.timeout)
    t_ret = time.monotonic() - t
    t = time.monotonic()
    asyncio.run(load_sessions(a.port, a.retained, a.sessions, a.timeout))
    t_ses = time.monotonic() - t
    print(f"loaded {a.retained} retained in {t_ret:.1f} s, {a.sessions} sessions in {t_ses:.1f} s",
          file=sys.stderr)


# --- measure -----------------------------------------------------------------------------------


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def probe(port, a, deadline):
    """Retained read and session resume; raises until the broker serves both."""
    topic, want = state_topic(a.topic_index), state_payload(a.topic_index, a.payload)
    c, _ = mqtt_connect(port, f"restart-probe-{os.getpid()}", True, deadline)
    t_connack = time.monotonic()
    try:
        c.send(subscribe_pkt(1, [topic]))
        got = None
        while got is None:
            first, body = c.read_packet()
            if first >> 4 == 3:
                qos = (first >> 1) & 3
                tl = int.from_bytes(body[:2], "big")
                t = body[2:2 + tl].decode()
                off = 2 + tl + (2 if qos else 0)
                if qos:
                    c.send(b"\x40\x02" + body[2 + tl:2 + tl + 2])
                if t != topic or not first & 1:
                    raise RuntimeError(f"unexpected PUBLISH on {t} (retain={first & 1})")
                got = body[off:]
            elif first == 0x90 and any(b & 0x80 for b in body[2:]):
                raise RuntimeError(f"SUBSCRIBE refused: {body.hex()}")
        if got != want:
            raise RuntimeError(f"retained payload differs: {got[:60]!r} != {want[:60]!r}")
        t_retained = time.monotonic()
        c.send(DISCONNECT)
    finally:
        c.close()
    if a.sessions:
        c, present = mqtt_connect(port, session_id(a.session_index), False, deadline)
        try:
            if not present:
                raise RuntimeError(f"{session_id(a.session_index)}: CONNACK session present = 0")
            c.send(DISCONNECT)
        finally:
            c.close()
    return t_connack, t_retained, time.monotonic()


def stop_on_signal(signo, _frame):
    raise KeyboardInterrupt(f"signal {signo}")


def cmd_measure(a):
    out = {"label": a.label, "sessions_checked": a.sessions > 0}
    signal.signal(signal.SIGTERM, stop_on_signal)
    log = open(a.log, "ab")
    t0 = time.monotonic()
    proc = subprocess.Popen(a.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    deadline = t0 + a.timeout
    port = a.port
    try:
        if a.port_file:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"broker exited with {proc.returncode} before its port file")
                try:
                    with open(a.port_file) as f:
                        fields = f.read().split()
                    if len(fields) >= 2 and fields[0] == "127.0.0.1":
                        port = int(fields[1])
                        break
                except FileNotFoundError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError("no port file")
                time.sleep(0.002)
            out["port_file_s"] = round(time.monotonic() - t0, 4)
        attempts = 0
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"broker exited with {proc.returncode}")
            attempts += 1
            try:
                t_connack, t_retained, t_ready = probe(port, a, deadline)
                break
            except (ConnectionRefusedError, ConnectionResetError, BrokenPipeError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.002)
        out.update(connack_s=round(t_connack - t0, 4), retained_s=round(t_retained - t0, 4),
                   ready_s=round(t_ready - t0, 4), connect_attempts=attempts, rss_kb=rss_kb(proc.pid))
    except (Exception, KeyboardInterrupt) as e:  # reported in the JSON line
        out["error"] = f"{type(e).__name__}: {e}"
    finally:
        # Stop the broker whatever happened; a SIGTERM to this process lands here too.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        t_stop = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=max(60.0, a.timeout))
            out["shutdown_s"] = round(time.monotonic() - t_stop, 3)
            out["exit_code"] = proc.returncode
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            out["error"] = out.get("error", "") + " (killed: no exit after SIGTERM)"
        log.close()
    with open(a.log, "rb") as f:
        for line in f.read().decode(errors="replace").splitlines():
            if "event=recovered" in line or '"event":"recovered"' in line:
                m = re.search(r'\bms"?[=:](\d+)', line)
                if m:
                    out["recovered_ms"] = int(m.group(1))
    print(json.dumps(out), flush=True)
    return 1 if "error" in out else 0


def cmd_free_port():
    """A free TCP port on 127.0.0.1 below the ephemeral range (32768+), so no client takes it."""
    for _ in range(200):
        port = random.randrange(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        print(port)
        return 0
    return 1


# --- report ------------------------------------------------------------------------------------


def cmd_report(a):
    rows = [json.loads(line) for line in open(a.results) if line.strip()]
    labels = list(dict.fromkeys(r["label"] for r in rows))
    ok = {lb: [r for r in rows if r["label"] == lb and "error" not in r] for lb in labels}

    def med(lb, key):
        v = [r[key] for r in ok[lb] if r.get(key) is not None]
        return statistics.median(v) if v else None

    def f(v, d=2):
        return "-" if v is None else f"{v:,.{d}f}"

    print("| broker | ready to serve, s (median) | runs, s | port file, s | first CONNACK, s "
          "| retained received, s | `recovered` ms | RSS after start, MiB | shutdown, s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for lb in labels:
        runs = ", ".join(f(r["ready_s"]) for r in ok[lb])
        rss = med(lb, "rss_kb")
        print(f"| {lb} | **{f(med(lb, 'ready_s'))}** | {runs} | {f(med(lb, 'port_file_s'))} "
              f"| {f(med(lb, 'connack_s'))} | {f(med(lb, 'retained_s'))} "
              f"| {f(med(lb, 'recovered_ms'), 0)} | {f(rss / 1024 if rss else None, 0)} "
              f"| {f(med(lb, 'shutdown_s'))} |")
    if "accord" in ok and "mosquitto" in ok:
        x, y = med("accord", "ready_s"), med("mosquitto", "ready_s")
        if x and y:
            print(f"\nratio accord / mosquitto (ready to serve): {x / y:.2f}")
    if "accord" in ok and a.retained >= 1_000_000 and a.sessions >= 100_000:
        x = med("accord", "ready_s")
        if x is not None:
            print(f"target: ready to serve in < 5 s: {x:.2f} s -> {'PASS' if x < 5 else 'FAIL'}")
    errors = [r for r in rows if "error" in r]
    if errors:
        print("\nErrors:")
        for r in errors:
            print(f"- {r['label']}: {r['error']}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    def data_args(sp):
        sp.add_argument("--retained", type=int, default=1_000_000)
        sp.add_argument("--sessions", type=int, default=100_000)
        sp.add_argument("--payload", type=int, default=100)

    lm = sub.add_parser("load-mosquitto")
    lm.add_argument("--port", type=int, required=True)
    lm.add_argument("--timeout", type=float, default=1800)
    data_args(lm)
    ms = sub.add_parser("measure")
    ms.add_argument("--label", required=True)
    ms.add_argument("--port-file")
    ms.add_argument("--port", type=int)
    ms.add_argument("--log", required=True)
    ms.add_argument("--topic-index", type=int)
    ms.add_argument("--session-index", type=int)
    ms.add_argument("--timeout", type=float, default=300)
    data_args(ms)
    ms.add_argument("argv", nargs="+")
    rp = sub.add_parser("report")
    rp.add_argument("results")
    data_args(rp)
    sub.add_parser("free-port")
    a = p.parse_args()
    if a.cmd == "load-mosquitto":
        cmd_load_mosquitto(a)
    elif a.cmd == "measure":
        if not a.port_file and not a.port:
            p.error("measure needs --port-file or --port")
        if a.topic_index is None:
            a.topic_index = a.retained * 3 // 4 + 4321 if a.retained > 10000 else a.retained - 1
        if a.session_index is None:
            a.session_index = a.sessions // 2 + 123 if a.sessions > 1000 else a.sessions - 1
        sys.exit(cmd_measure(a))
    elif a.cmd == "free-port":
        sys.exit(cmd_free_port())
    else:
        cmd_report(a)


if __name__ == "__main__":
    main()
