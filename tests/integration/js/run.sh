#!/usr/bin/env bash
# ctest entry point of the MQTT.js suite: fails loudly when the npm dependencies are missing.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules/mqtt ]; then
  echo "ERROR: tests/integration/js/node_modules is missing." >&2
  echo "       Install the MQTT.js test dependencies first: npm ci --prefix tests/integration/js" >&2
  exit 1
fi
if [ "${ACCORD_TEST_BROKER:-accord}" != mosquitto ] && [ ! -x "${ACCORD_BIN:-}" ]; then
  echo "ERROR: ACCORD_BIN ('${ACCORD_BIN:-}') is not an executable accord binary." >&2
  exit 1
fi
exec node --test --test-concurrency=1 test/
