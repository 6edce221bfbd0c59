#!/usr/bin/env python3
"""Shows that check_deploy.py fails when a deployment file is broken.

Copies the repository's deploy/ (and the sources the Dockerfile copies) to a temporary
directory, then for each mutation below edits one file, runs check_deploy.py on the copy and
expects a failure line that the unmodified copy does not have, containing the expected text.
Arguments after the first are passed to check_deploy.py (--accord, --binary).

  tests/deploy/check_deploy_selftest.py --source-dir . --accord build/broker/accord
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
# (file, text to replace, replacement, expected text in a new FAIL line)
MUTATIONS = [
    ("deploy/kubernetes/statefulset.yaml", "path: /readyz", "path: /ready", "readinessProbe path is '/ready'"),
    ("deploy/kubernetes/statefulset.yaml", "port: admin\n              scheme: HTTPS\n            periodSeconds: 10",
     "port: mqtts\n              scheme: HTTPS\n            periodSeconds: 10", "livenessProbe port 'mqtts'"),
    ("deploy/kubernetes/statefulset.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false",
     "readOnlyRootFilesystem must be true"),
    ("deploy/kubernetes/statefulset.yaml", "runAsNonRoot: true", "runAsNonRoot: false", "runAsNonRoot must be true"),
    ("deploy/kubernetes/statefulset.yaml", "drop: [\"ALL\"]", "drop: [\"NET_RAW\"]", "capabilities.drop must include ALL"),
    ("deploy/kubernetes/statefulset.yaml", "failureThreshold: 120", "failureTreshold: 120",
     "unknown field 'failureTreshold'"),
    ("deploy/kubernetes/statefulset.yaml", "memory: 2Gi", "memory: 2GB", "is not a Kubernetes quantity"),
    ("deploy/kubernetes/statefulset.yaml", "mountPath: /var/lib/accord", "mountPath: /data",
     "no volumeClaimTemplate is mounted"),
    ("deploy/kubernetes/statefulset.yaml", "terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds: 5",
     "terminationGracePeriodSeconds 5"),
    ("deploy/kubernetes/statefulset.yaml", "  replicas: 1", "  replicas: [1", "YAML does not parse"),
    ("deploy/kubernetes/statefulset.yaml", "path: auth/acl", "path: auth/acls", "/etc/accord/auth/acl, which no volume"),
    ("deploy/kubernetes/service.yaml", "  type: ClusterIP", "  type: ClusterIP\n  type: LoadBalancer", "duplicate key 'type'"),
    ("deploy/kubernetes/service.yaml", "  type: ClusterIP", "  type: Clusterip", "'Clusterip' is not one of"),
    ("deploy/kubernetes/service.yaml", "targetPort: wss", "targetPort: ws", "targetPort 'ws' is not a port"),
    ("deploy/kubernetes/service.yaml", "  selector:\n    app.kubernetes.io/name: accord",
     "  selector:\n    app.kubernetes.io/name: other", "does not match the StatefulSet's pod labels"),
    ("deploy/kubernetes/configmap.yaml", 'durability = "sync"', 'durability = "async"', "differs from"),
    ("deploy/kubernetes/kustomization.yaml", "  - service.yaml\n", "", "service.yaml is not listed"),
    ("deploy/Dockerfile", "USER 10001:10001", "USER accord", "USER is 'accord'"),
    ("deploy/Dockerfile", 'VOLUME ["/var/lib/accord"]', "", "no VOLUME for the data directory"),
    ("deploy/Dockerfile", "HEALTHCHECK --interval", "HEALTHCHECK NONE\nRUN true --interval", "no HEALTHCHECK"),
    ("deploy/Dockerfile", "STOPSIGNAL SIGTERM", "ADD https://example.com/accord.tar.gz /tmp/", "ADD of a URL"),
    ("deploy/Dockerfile", "/opt/accord/bin/accord-sub ", "/opt/accord/bin/accord-subscriber ",
     "does not copy the accord-sub binary"),
    ("deploy/Dockerfile", "FROM debian:bookworm AS build", "FROM debian:bookworm-slim AS runtime0\nFROM ubuntu:24.04 AS build",
     "is not Debian 12"),
    ("deploy/Dockerfile", "libre2-9 ", "", "which the runtime stage does not install"),
    ("deploy/Dockerfile", "COPY registry/ registry/\n", "", "does not COPY registry"),
    ("deploy/Dockerfile", "EXPOSE 1883 8883", "EXPOSE 1883", "port 8883 of deploy/accord.production.toml is not in EXPOSE"),
    ("deploy/docker-compose.yml", "condition: service_healthy", "condition: service_started",
     "needs condition service_healthy"),
    ("deploy/docker-compose.yml", '"127.0.0.1:1883:1883"', '"1883:1883"', "published on all host interfaces"),
    ("deploy/docker-compose.yml", "thermostat-reading.json", "thermostat-readings.json", "is not in the image"),
    ("deploy/systemd/accord.service", "ProtectSystem=strict", "ProtectSystem=full", "ProtectSystem=full, expected"),
    ("deploy/systemd/accord.service", "\nType=exec\n", "\nType=notify\n", "Type=notify"),
    ("deploy/systemd/accord.service", "RestartSec=2s", "RestartSec=two seconds", "systemd-analyze verify"),
    ("deploy/systemd/accord.service", "TimeoutStopSec=30s", "TimeoutStopSec=5s", "TimeoutStopSec=5s is not longer"),
    ("deploy/accord.production.toml", 'listen = "0.0.0.0:8081"', 'listen = "127.0.0.1:8081"',
     "admin.listen must be on all interfaces"),
    ("deploy/accord.production.toml", "max_packet_size = 262_144", "max_packet_size = 1",
     "accord --check-config refuses it"),
]


def run_check(root, extra):
    r = subprocess.run([sys.executable, str(HERE / "check_deploy.py"), "--source-dir", str(root)] + extra,
                       capture_output=True, text=True, timeout=300)
    return r.returncode, {l for l in r.stdout.splitlines() if l.startswith("FAIL ")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source-dir", default=str(HERE.parents[1]))
    args, extra = ap.parse_known_args()
    src = Path(args.source_dir).resolve()
    failures = skipped = 0
    with tempfile.TemporaryDirectory(prefix="accord-deploy-selftest-") as tmp:
        root = Path(tmp)
        for d in ("deploy", "broker", "registry", "clients", "schemas"):
            shutil.copytree(src / d, root / d, ignore=shutil.ignore_patterns("node_modules", "build*"))
        for f in ("CMakeLists.txt", ".dockerignore"):
            shutil.copy2(src / f, root / f)
        _, baseline = run_check(root, extra)
        for f, old, new, expect in MUTATIONS:
            path = root / f
            original = path.read_text()
            if old not in original:
                print(f"FAIL mutation of {f}: {old!r} is not in the file any more; update the self-test")
                failures += 1
                continue
            if "--check-config" in expect and any(l.startswith(f"FAIL {f}: accord --check-config") for l in baseline):
                # The broker reports only the first error: while the unmodified file is refused
                # (keys the broker does not know yet), a second error cannot be told apart.
                print(f"skip {f}: {old!r} -> {new!r}: the unmodified file already fails --check-config")
                skipped += 1
                continue
            path.write_text(original.replace(old, new, 1))
            rc, fails = run_check(root, extra)
            path.write_text(original)
            new_fails = fails - baseline
            hit = [l for l in new_fails if expect in l]
            if rc != 0 and hit:
                print(f"ok   {f}: {old.splitlines()[0]!r} -> {new.splitlines()[0] if new else '(removed)'!r}: {hit[0]}")
            else:
                failures += 1
                print(f"FAIL {f}: {old.splitlines()[0]!r} -> {new!r} was not caught (exit {rc}; expected a new "
                      f"failure containing {expect!r}; new failures: {sorted(new_fails) or 'none'})")
    print(f"self-test: {len(MUTATIONS) - failures - skipped} of {len(MUTATIONS)} broken files caught"
          + (f", {skipped} skipped" if skipped else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
