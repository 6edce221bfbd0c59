#!/usr/bin/env bash
# Builds a sanitizer preset (asan: Address+UndefinedBehavior, tsan: Thread) and runs every ctest
# test under it. Reports from the broker processes the integration tests start are collected in
# BUILD/sanitizer-reports and make this script fail.
#   tests/sanitizers/run.sh asan|tsan
set -euo pipefail
cd "$(dirname "$0")/../.."
preset="${1:?usage: tests/sanitizers/run.sh asan|tsan}"
build="build-$preset"
reports="$PWD/$build/sanitizer-reports"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j"$(nproc)"
rm -rf "$reports" && mkdir -p "$reports"
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp"
export ASAN_OPTIONS="log_path=$reports/asan:suppressions=$PWD/tests/sanitizers/asan.supp"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
export TSAN_OPTIONS="log_path=$reports/tsan:suppressions=$PWD/tests/sanitizers/tsan.supp"
status=0
ctest --test-dir "$build" -j2 --timeout 300 --output-on-failure || status=1
# Files holding only a suppression summary are not findings.
if compgen -G "$reports/*" >/dev/null &&
   grep -q -l -E "ERROR: |WARNING: ThreadSanitizer|runtime error" "$reports"/*; then
  echo "sanitizer findings:"
  grep -h -E "SUMMARY|runtime error" "$reports"/* | sort | uniq -c || true
  status=1
fi
if [ $status -eq 0 ]; then echo "$preset: no sanitizer findings"; fi
exit $status
