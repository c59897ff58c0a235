#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The black-box tests run against the ASan+UBSan build (build-asan): the CLI,
# the launcher, the monitors and every helper (podnet-dns, podnet-portfwd,
# podnet-slirp) sanitized, as the unprivileged test user, with leak checks.
# A sanitizer report makes the process exit 1 (so the test that ran it
# fails) and is written to a log file; any such file fails the run, even
# from a helper whose exit no test looks at.
# Usage (as root): scripts/test-asan-e2e.sh [t-foo.sh ...]   (default: all)
# Needs build-asan (scripts/test.sh builds it) and the test user
# (tests/e2e/setup-user.sh). Prints "asan e2e: N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${PODNET_ASAN_BUILD:-$top/build-asan}
TUSER=${PODNET_TEST_USER:-podnet-test}
SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
[[ -x $build/bin/podnet ]] || { echo "not ok - no ASan build in $build"; echo "asan e2e: 0 passed, 1 failed"; exit 1; }
logs=$(mktemp -d /tmp/podnet-asan.XXXXXX)
chmod 1777 "$logs"
trap 'rm -rf "$logs"' EXIT
chmod o+rx "$top" "$build" "$build/bin" 2>/dev/null || true
# the outbound tests' "outside world" (a namespace of ours)
$SUDO "$top/bench/outbound-outside.sh" up >/dev/null 2>&1 || true
out=$($SUDO runuser -u "$TUSER" -- env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
  HOME="$(getent passwd "$TUSER" | cut -d: -f6)" USER="$TUSER" XDG_RUNTIME_DIR="/run/user/$(id -u "$TUSER")" \
  PODNET_BUILD="$build" ASAN_OPTIONS="detect_leaks=1:log_path=$logs/asan" \
  UBSAN_OPTIONS="print_stacktrace=1:log_path=$logs/ubsan" \
  bash "$top/tests/e2e/run.sh" "$@" 2>&1)
$SUDO "$top/bench/outbound-outside.sh" down >/dev/null 2>&1 || true
echo "$out" | sed 's/^\(ok\|not ok\) - /\1 - (asan) /'
p=0 f=0
line=$(grep -E '^e2e: [0-9]+ passed, [0-9]+ failed' <<<"$out" | tail -1)
if [[ -n $line ]]; then read -r _ p _ f _ <<<"$line"; else f=1; fi
# LeakSanitizer cannot run in a process traced by strace (t-crash-points
# injects faults with it): those say so and nothing else, and are not reports
for r in "$logs"/*; do
  [[ -f $r ]] && grep -q 'LeakSanitizer does not work under ptrace' "$r" && ! grep -q 'ERROR:' "$r" && rm -f "$r"
done
reports=$(find "$logs" -type f | wc -l)
if ((reports)); then
  echo "not ok - (asan) sanitizer reports: $reports"
  for r in "$logs"/*; do echo "== $r"; head -40 "$r"; done
  f=$((f + 1))
else
  echo "ok - (asan) no sanitizer report from any podnet process"
  p=$((p + 1))
fi
echo "asan e2e: $p passed, $f failed"
((f == 0))
