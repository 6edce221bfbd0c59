#!/usr/bin/env python3
"""Writes the validator benchmark's documents into data/ (the schemas there are hand-written).

The output is committed; rerun only to change the data set. Seeded, so a rerun reproduces the
same bytes. Documents are minified (one line + newline), as MQTT payloads are sent.

  event-300B/  a thermostat reading, CloudEvents structured mode, ~300 bytes
  batch-4KB/   a gateway's batch of sensor samples, ~4 KB

Each case directory gets valid/NN.json (distinct documents: different ids, times, readings, so
neither validator can profit from seeing one input over and over) and invalid/NN.json. Every
invalid document breaks exactly one rule, and in the batch the broken sample sits near the end of
the array: the validator has to walk most of the document before it can answer, which is the
cost a broker pays for a bad payload, not an early-exit shortcut.
"""
import json
import os
import random
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")

rng = random.Random(20250314)


def uid():
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def timestamp(i):
    # Spread over a day, with millisecond fractions, always UTC ("Z").
    sec = 9 * 3600 + i * 137 + rng.randrange(60)
    return "2025-03-14T%02d:%02d:%02d.%03dZ" % (sec // 3600 % 24, sec // 60 % 60, sec % 60,
                                                rng.randrange(1000))


def dump(doc):
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n"


def write_set(case, kind, docs):
    d = os.path.join(DATA, case, kind)
    os.makedirs(d, exist_ok=True)
    for old in os.listdir(d):
        if old.endswith(".json"):
            os.remove(os.path.join(d, old))
    for i, doc in enumerate(docs):
        with open(os.path.join(d, "%02d.json" % i), "w", encoding="utf-8") as f:
            f.write(dump(doc))


# --- event-300B ------------------------------------------------------------------------------

def thermostat(i):
    dev = "th-%08x" % rng.getrandbits(32)
    return {
        "specversion": "1.0",
        "id": uid(),
        "source": "/sites/%s/floors/%d/thermostats/%s" % (
            rng.choice(["berlin-03", "lyon-01", "porto-02", "graz-07"]), rng.randrange(1, 9), dev),
        "type": "com.example.thermostat.reading",
        "time": timestamp(i),
        # datacontenttype is optional in the schema and left out here: keeps the event ~300 B.
        "data": {
            "deviceId": dev,
            "temperature": round(rng.uniform(14.0, 29.0), 2),
            "humidity": round(rng.uniform(25.0, 70.0), 1),
            "battery": rng.randrange(5, 101),
            "firmware": "v%d.%d.%d" % (rng.randrange(1, 4), rng.randrange(0, 20), rng.randrange(0, 10)),
            "status": rng.choice(["ok", "ok", "ok", "degraded", "fault"]),
        },
    }


def thermostat_invalid(i, doc):
    d = doc["data"]
    breakers = [
        lambda: d.__setitem__("temperature", 121.5),                # maximum
        lambda: d.__setitem__("firmware", "2.14"),                  # pattern
        lambda: d.__setitem__("status", "rebooting"),               # enum
        lambda: d.__setitem__("setpoint", 21.0),                    # additionalProperties
        lambda: doc.__setitem__("time", "2025-13-14T09:26:53Z"),    # format date-time (month 13)
        lambda: d.__setitem__("humidity", -3),                      # minimum
    ]
    breakers[i % len(breakers)]()
    return doc


# --- batch-4KB -------------------------------------------------------------------------------

KINDS = {  # kind -> (unit, value range)
    "temperature": ("Cel", (-10.0, 45.0)),
    "humidity": ("%RH", (10.0, 95.0)),
    "co2": ("ppm", (380.0, 2400.0)),
    "pressure": ("hPa", (960.0, 1040.0)),
    "voc": ("ppb", (0.0, 900.0)),
}


def sample(ts):
    kind = rng.choice(list(KINDS))
    unit, (lo, hi) = KINDS[kind]
    return {
        "sensor": "s-%06x" % rng.getrandbits(24),
        "kind": kind,
        "ts": ts,
        "value": round(rng.uniform(lo, hi), 2),
        "unit": unit,
        "quality": rng.choice(["good", "good", "good", "uncertain", "bad"]),
        "battery": rng.randrange(0, 101),
    }


def batch(i):
    gw = "gw-%04d" % rng.randrange(10000)
    base = 1741944413000 + i * 60000
    n = rng.randrange(32, 37)
    return {
        "specversion": "1.0",
        "id": uid(),
        "source": "/sites/%s/gateways/%s" % (rng.choice(["berlin-03", "lyon-01", "porto-02"]), gw),
        "type": "com.example.gateway.batch",
        "time": timestamp(i),
        "datacontenttype": "application/json",
        "data": {
            "gatewayId": gw,
            "firmware": "v%d.%d.%d" % (rng.randrange(3, 6), rng.randrange(0, 10), rng.randrange(0, 10)),
            "sequence": rng.randrange(1, 1 << 31),
            "uplink": {"rssi": -rng.randrange(40, 110), "snr": round(rng.uniform(-5, 12), 1),
                       "channel": rng.randrange(11, 27)},
            "samples": [sample(base + k * 1000 + rng.randrange(1000)) for k in range(n)],
        },
    }


def batch_invalid(i, doc):
    samples = doc["data"]["samples"]
    s = samples[len(samples) - 3 - i % 3]  # late in the array: most of the document is checked
    breakers = [
        lambda: s.__setitem__("battery", 101),            # maximum
        lambda: s.__setitem__("quality", "excellent"),    # enum
        lambda: s.pop("value"),                           # required
        lambda: s.__setitem__("sensor", "S-00ZZ01"),      # pattern
        lambda: s.__setitem__("ts", 1741944413000.5),     # type integer
        lambda: s.__setitem__("rssi", -71),               # additionalProperties
    ]
    breakers[i % len(breakers)]()
    return doc


def main():
    valid = [thermostat(i) for i in range(16)]
    write_set("event-300B", "valid", valid)
    write_set("event-300B", "invalid",
              [thermostat_invalid(i, thermostat(100 + i)) for i in range(6)])
    valid = [batch(i) for i in range(16)]
    write_set("batch-4KB", "valid", valid)
    write_set("batch-4KB", "invalid", [batch_invalid(i, batch(100 + i)) for i in range(6)])


if __name__ == "__main__":
    main()
