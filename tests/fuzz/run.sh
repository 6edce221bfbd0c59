#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang and runs the MQTT decoder fuzzer for a bounded time.
#
#   tests/fuzz/run.sh [SECONDS] [BUILD_DIR]
#
# SECONDS    total fuzzing time, passed to -max_total_time (default 60)
# BUILD_DIR  separate clang build directory (default /tmp/accord-fuzz-build)
#
# The checked-in seeds (tests/fuzz/corpus/decoder) are copied to BUILD_DIR/corpus-decoder first,
# so the run never modifies the repository; new interesting inputs stay in that copy. A crash
# leaves its reproducer in BUILD_DIR/artifacts/ and makes this script exit non-zero. Reproduce with
#   BUILD_DIR/tests/fuzz/accord_decoder_fuzz BUILD_DIR/artifacts/crash-...
set -euo pipefail

seconds="${1:-60}"
build_dir="${2:-/tmp/accord-fuzz-build}"
jobs="${ACCORD_FUZZ_BUILD_JOBS:-2}"
src_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

mkdir -p "$build_dir"
cmake -S "$src_dir" -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DACCORD_FUZZ=ON >"$build_dir/configure.log" 2>&1 || {
  cat "$build_dir/configure.log" >&2
  exit 1
}
cmake --build "$build_dir" --target accord_decoder_fuzz -j"$jobs"

corpus="$build_dir/corpus-decoder"
artifacts="$build_dir/artifacts"
mkdir -p "$corpus" "$artifacts"
cp -f "$src_dir"/tests/fuzz/corpus/decoder/* "$corpus"/

status=0
"$build_dir/tests/fuzz/accord_decoder_fuzz" \
  -max_total_time="$seconds" \
  -max_len=4096 \
  -timeout=10 \
  -print_final_stats=1 \
  -artifact_prefix="$artifacts/" \
  "$corpus" || status=$?

if [ "$status" -ne 0 ]; then
  echo "decoder fuzzer failed (exit $status); reproducers in $artifacts" >&2
  exit "$status"
fi
echo "decoder fuzzer: no crash in ${seconds}s"
