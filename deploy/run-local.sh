#!/usr/bin/env bash
# One command from a fresh clone to a running broker: installs what is missing, builds, and
# starts `accord` in the foreground with the sample configuration (MQTT on 0.0.0.0:1883).
# Extra arguments go to accord, e.g. `deploy/run-local.sh --listen 127.0.0.1:1884`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DACCORD_BUILD_TESTS=OFF >/dev/null
cmake --build build --target accord -j"$(nproc)"
exec build/broker/accord --config deploy/accord.toml "$@"
