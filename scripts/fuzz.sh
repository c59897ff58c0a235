#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Bounded fuzzing of every parser that has a libFuzzer target.
#   scripts/fuzz.sh [SECONDS]        (default 30 per target; one target per core at a time)
# Builds with clang and -DPODNET_FUZZ=ON into build-fuzz, then runs each target
# for SECONDS. A target is a file tests/fuzz/NAME_fuzz.c whose component's
# CMakeLists.txt defines an executable NAME_fuzz when PODNET_FUZZ is on; its
# seed corpus is the directory tests/fuzz/NAME_corpus/ (optional). Seeds are
# never modified: new inputs go to a scratch directory. A crash, leak or
# sanitizer report fails the run; the reproducer is kept in build-fuzz/crashes/.
# Exit status: 0 when every target ran clean, 1 otherwise.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-30}
build=${PODNET_FUZZ_BUILD:-$top/build-fuzz}
cd "$top"

command -v clang >/dev/null || { echo "fuzz: clang not found"; exit 1; }
targets=()
for f in tests/fuzz/*_fuzz.c; do
  [[ -e "$f" ]] && targets+=("$(basename "$f" .c)")
done
if ((${#targets[@]} == 0)); then
  echo "fuzz: no targets"; exit 0
fi
if ! CC=clang cmake -S . -B "$build" -DPODNET_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
     >"$build.cmake.log" 2>&1; then
  echo "fuzz: cmake failed"; tail -20 "$build.cmake.log"; exit 1
fi
if ! cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" >"$build.build.log" 2>&1; then
  echo "fuzz: build failed"; grep -E 'error|Error' "$build.build.log" | head -20; exit 1
fi
mkdir -p "$build/crashes"
# one target per core at a time: each gets its SECONDS, the phase takes less
run_one() { # target: its result lines in $build/$t.result
  local t=$1 name=${1%_fuzz} work log runs seeds=()
  work=$(mktemp -d "${TMPDIR:-/tmp}/podnet-fuzz-$name.XXXXXX")
  [[ -d "tests/fuzz/${name}_corpus" ]] && seeds+=("tests/fuzz/${name}_corpus")
  log="$build/$t.log"
  if "$build/bin/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
       -artifact_prefix="$build/crashes/$t-" "$work" "${seeds[@]}" >"$log" 2>&1; then
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$')
    echo "ok - fuzz $t: ${runs:-?} runs in ${secs}s"
  else
    echo "not ok - fuzz $t: see $log"
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5
  fi >"$build/$t.result"
  rm -rf "$work"
}
rm -f "$build"/*.result
jobs_max=$(nproc)
running=0
for t in "${targets[@]}"; do
  if ((running >= jobs_max)); then wait -n; running=$((running - 1)); fi
  run_one "$t" &
  running=$((running + 1))
done
wait
fail=0
for t in "${targets[@]}"; do
  cat "$build/$t.result" 2>/dev/null || echo "not ok - fuzz $t: no result"
  grep -q '^ok - ' "$build/$t.result" 2>/dev/null || fail=1
done
exit $fail
