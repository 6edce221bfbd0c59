#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang and runs each of them for a bounded time:
#   accord_decoder_fuzz     MQTT packet decoder (broker/codec)           half of SECONDS
#   accord_jsonschema_fuzz   JSON Schema compiler/validator (registry/jsonschema)  a third of the rest
#   accord_protobuf_fuzz     .proto parsing + payload validation (registry/protobuf)  a third of the rest
#   accord_cloudevents_fuzz  CloudEvents formats + attribute rules (registry/cloudevents)  what is left
#
#   tests/fuzz/run.sh [SECONDS] [BUILD_DIR]
#
# SECONDS    total fuzzing time, split between the harnesses as above (default 60); each runs
#            with -max_total_time=<its share>, one after the other
# BUILD_DIR  separate clang build directory (default /tmp/accord-fuzz-build)
#
# The checked-in seeds (tests/fuzz/corpus/<name>) are copied to BUILD_DIR/corpus-<name> first,
# so the run never modifies the repository; new interesting inputs stay in that copy. Every
# harness runs even if an earlier one crashed; any crash makes this script exit non-zero. A crash
# leaves its reproducer in BUILD_DIR/artifacts/ (the decoder's as crash-..., the others' as
# <name>-crash-...). Reproduce with e.g.
#   BUILD_DIR/tests/fuzz/accord_decoder_fuzz BUILD_DIR/artifacts/crash-...
#   BUILD_DIR/tests/fuzz/accord_jsonschema_fuzz BUILD_DIR/artifacts/jsonschema-crash-...
#   BUILD_DIR/tests/fuzz/accord_cloudevents_fuzz BUILD_DIR/artifacts/cloudevents-crash-...
set -euo pipefail

seconds="${1:-60}"
build_dir="${2:-/tmp/accord-fuzz-build}"
jobs="${ACCORD_FUZZ_BUILD_JOBS:-2}"
src_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fuzz_dir="$src_dir/tests/fuzz"

case "$seconds" in
  '' | *[!0-9]*)
    echo "usage: $0 [SECONDS] [BUILD_DIR]  (SECONDS: a whole number, got '$seconds')" >&2
    exit 2
    ;;
esac

# The split: decoder 50%, the three registry harnesses share the rest equally (the last one
# takes the remainder of the division); the shares add up to SECONDS.
decoder_seconds=$((seconds / 2))
registry_seconds=$((seconds - decoder_seconds))
jsonschema_seconds=$((registry_seconds / 3))
protobuf_seconds=$((registry_seconds / 3))
cloudevents_seconds=$((registry_seconds - jsonschema_seconds - protobuf_seconds))

mkdir -p "$build_dir"
cmake -S "$src_dir" -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DACCORD_FUZZ=ON >"$build_dir/configure.log" 2>&1 || {
  cat "$build_dir/configure.log" >&2
  exit 1
}
cmake --build "$build_dir" -j"$jobs" \
  --target accord_decoder_fuzz accord_jsonschema_fuzz accord_protobuf_fuzz accord_cloudevents_fuzz

artifacts="$build_dir/artifacts"
mkdir -p "$artifacts"

failed=()

# run_fuzzer NAME SECONDS MAX_LEN ARTIFACT_PREFIX
run_fuzzer() {
  local name="$1" secs="$2" max_len="$3" prefix="$4"
  if [ "$secs" -le 0 ]; then
    echo "$name fuzzer: skipped (no time left in a ${seconds}s run)"
    return
  fi
  local corpus="$build_dir/corpus-$name"
  mkdir -p "$corpus"
  cp -f "$fuzz_dir/corpus/$name"/* "$corpus"/
  local dict=()
  if [ -f "$fuzz_dir/$name.dict" ]; then dict=(-dict="$fuzz_dir/$name.dict"); fi
  local status=0
  "$build_dir/tests/fuzz/accord_${name}_fuzz" \
    -max_total_time="$secs" \
    -max_len="$max_len" \
    -timeout=10 \
    -print_final_stats=1 \
    -artifact_prefix="$prefix" \
    "${dict[@]}" \
    "$corpus" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "$name fuzzer failed (exit $status); reproducers in $artifacts" >&2
    failed+=("$name")
  else
    echo "$name fuzzer: no crash in ${secs}s"
  fi
}

run_fuzzer decoder "$decoder_seconds" 4096 "$artifacts/"
run_fuzzer jsonschema "$jsonschema_seconds" 4096 "$artifacts/jsonschema-"
run_fuzzer protobuf "$protobuf_seconds" 4096 "$artifacts/protobuf-"
run_fuzzer cloudevents "$cloudevents_seconds" 4096 "$artifacts/cloudevents-"

if [ "${#failed[@]}" -ne 0 ]; then
  echo "fuzzers with findings: ${failed[*]}" >&2
  exit 1
fi
echo "fuzzers: no crash in ${seconds}s"
