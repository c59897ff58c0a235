#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every black-box test file (tests/e2e/t-*.sh, or those named) as the
# current user, each in its own fresh podnet state, and add up the results.
# Usage: PODNET_BUILD=build tests/e2e/run.sh [t-foo.sh ...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
export PODNET_BUILD=$(cd "${PODNET_BUILD:?}" && pwd)
files=("$@")
if ((${#files[@]} == 0)); then
  for f in "$here"/t-*.sh; do files+=("$(basename "$f")"); done
fi
pass=0 fail=0
for f in "${files[@]}"; do
  res=$(mktemp)
  start=$SECONDS
  # a private data and runtime dir per file: files cannot see each other's state
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/podnet-e2e-state.XXXXXX")
  PODNET_DATA_DIR="$scratch/data" PODNET_RUNTIME_DIR="$scratch/run" T_RESULT_FILE="$res" \
    timeout --kill-after=10 300 bash "$here/$f"
  rc=$?
  if [[ -s "$res" ]]; then
    read -r p fl <"$res"
  else
    p=0 fl=1; echo "not ok - $f: died (exit $rc) before reporting"
  fi
  # whatever a test left running in its state is a failure and is stopped here
  if [[ -x "$PODNET_BUILD/bin/podnet" ]]; then
    left=$(PODNET_DATA_DIR="$scratch/data" PODNET_RUNTIME_DIR="$scratch/run" "$PODNET_BUILD/bin/podnet" system check 2>&1) || {
      echo "not ok - $f: left state behind: $left"; fl=$((fl + 1))
      PODNET_DATA_DIR="$scratch/data" PODNET_RUNTIME_DIR="$scratch/run" "$PODNET_BUILD/bin/podnet" system reset -f >/dev/null 2>&1
    }
  fi
  rm -rf "$scratch" "$res"
  echo "# $f took $((SECONDS - start))s"
  pass=$((pass + p)); fail=$((fail + fl))
done
echo "e2e: $pass passed, $fail failed"
((fail == 0))
