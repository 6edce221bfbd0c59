#!/usr/bin/env bash
# One command from a fresh clone to a green test run: installs what is missing (Debian
# packages, MQTT.js from npm), builds everything with warnings as errors, runs the unit and
# integration tests with ctest, prints the JSON-Schema-Test-Suite pass counts, then the fuzzers (MQTT decoder, JSON Schema, Protobuf schemas) for a short bounded time.
#   FUZZ_SECONDS=0 tests/run.sh   skips the fuzzer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
if [ -f tests/integration/js/package-lock.json ]; then
  npm ci --prefix tests/integration/js --no-audit --no-fund --loglevel=error
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DACCORD_WERROR=ON -DACCORD_BUILD_TESTS=ON >/dev/null
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure --timeout 300 -j2
# JSON Schema conformance: the official test suite's pass counts per draft (ctest ran it too;
# this prints the numbers into the CI log).
build/registry/jsonschema/accord_jsonschema_suite tests/data/JSON-Schema-Test-Suite
if [ "${FUZZ_SECONDS:-60}" != 0 ] && [ -x tests/fuzz/run.sh ]; then
  bash tests/fuzz/run.sh "${FUZZ_SECONDS:-60}" "$PWD/build-fuzz"
fi
