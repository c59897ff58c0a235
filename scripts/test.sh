#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole test suite, from a fresh clone on a fresh Debian 12 machine:
#   1. install the Debian packages (scripts/install-deps.sh; needs root or sudo)
#   2. build with -Werror, and again with ASan+UBSan
#   3. unit tests (cmocka, via ctest) in both builds, bounded fuzzing if clang is present
#   4. black-box tests as an unprivileged user created here (tests/e2e/setup-user.sh),
#      and four of them again on the ASan+UBSan build (scripts/test-asan-e2e.sh)
#   5. Debian's Podman 4.3.1 running rootless on podnet's netavark backend
#      (scripts/test-podman.sh, about 3 minutes; also runnable alone)
# Ends with one line "N passed, N failed" and a non-zero exit on any failure.
# Benchmarks against the peers are separate: bench/*.sh.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
total_pass=0 total_fail=0
add() { total_pass=$((total_pass + $1)); total_fail=$((total_fail + $2)); }
# how long each phase took, so that the suite's 15 minutes can be watched
t0=$SECONDS
phase() { echo "# phase $1 took $((SECONDS - t0))s"; t0=$SECONDS; }

$SUDO scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
phase install

build() { # dir, extra cmake args
  local dir=$1; shift
  cmake -S . -B "$dir" -DPODNET_WERROR=ON "$@" >"$dir.cmake.log" 2>&1 &&
    cmake --build "$dir" -j"$(nproc)" >"$dir.build.log" 2>&1
}
mkdir -p build build-asan
if build build; then add 1 0; echo "ok - build (-Werror)"; else add 0 1; echo "not ok - build"; tail -30 build.build.log; echo "$total_pass passed, $total_fail failed"; exit 1; fi
if build build-asan -DPODNET_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug; then add 1 0; echo "ok - build (ASan+UBSan)"; else add 0 1; echo "not ok - ASan build"; tail -30 build-asan.build.log; fi
phase builds

unit() { # dir label
  local out; out=$(cd "$1" && ctest --output-on-failure -j2 2>&1); local rc=$?
  local p f
  p=$(grep -cE '^\s*[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed' <<<"$out")
  f=$(grep -cE '^\s*[0-9]+/[0-9]+ Test +#[0-9]+: .* (\*\*\*Failed|Failed|\*\*\*Exception)' <<<"$out")
  ((rc != 0 && f == 0)) && f=1
  echo "$out" | sed -n '/tests passed/,$p'
  ((f > 0)) && echo "$out" | grep -E -A30 'Failed|Exception' | head -80
  echo "# unit tests ($2): $p passed, $f failed"
  add "$p" "$f"
}
unit build "release"
[[ -d build-asan/bin ]] && ASAN_OPTIONS=detect_leaks=1 unit build-asan "asan+ubsan"
phase unit

# Bounded fuzzing of every parser that has a target (PODNET_FUZZ build with clang).
if command -v clang >/dev/null && [[ -x scripts/fuzz.sh ]]; then
  if scripts/fuzz.sh 30; then add 1 0; echo "ok - fuzz"; else add 0 1; echo "not ok - fuzz"; fi
fi
phase fuzz

# Black-box tests as an unprivileged user. The "outside world" for the
# outbound tests is a namespace of ours (documentation addresses only).
$SUDO tests/e2e/setup-user.sh
$SUDO bench/outbound-outside.sh up >/dev/null || echo "warning: could not set up the outside namespace"
TUSER=${PODNET_TEST_USER:-podnet-test}
chmod o+rx "$top" "$top/build" "$top/build/bin" 2>/dev/null || true
out=$($SUDO runuser -u "$TUSER" -- env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
  HOME="$(getent passwd "$TUSER" | cut -d: -f6)" USER="$TUSER" XDG_RUNTIME_DIR="/run/user/$(id -u "$TUSER")" \
  PODNET_BUILD="$top/build" bash "$top/tests/e2e/run.sh" 2>&1)
echo "$out"
line=$(grep -E '^e2e: [0-9]+ passed, [0-9]+ failed' <<<"$out" | tail -1)
if [[ -n "$line" ]]; then
  read -r _ p _ f _ <<<"$line"; add "$p" "$f"
else
  add 0 1
fi
$SUDO bench/outbound-outside.sh down >/dev/null 2>&1 || true
phase e2e

# The same commands as root (no user namespace step): a subset is enough. Then two
# unprivileged users at once (root-multiuser.sh creates the second one, and deletes it).
out=$($SUDO env PODNET_BUILD="$top/build" bash "$top/tests/e2e/run.sh" t-net-basic.sh t-lifecycle.sh root-multiuser.sh 2>&1)
echo "$out" | sed 's/^\(ok\|not ok\) - /\1 - (root) /'
line=$(grep -E '^e2e: [0-9]+ passed, [0-9]+ failed' <<<"$out" | tail -1)
if [[ -n "$line" ]]; then read -r _ p _ f _ <<<"$line"; add "$p" "$f"; else add 0 1; fi
phase e2e-root

# A few black-box files again with every podnet process sanitized (ASan,
# UBSan, leaks): the CLI's network paths, the forwarder, the DNS responder
# and libslirp's helper. All of them: scripts/test-asan-e2e.sh (~8 min).
if [[ -x build-asan/bin/podnet ]]; then
  out=$($SUDO scripts/test-asan-e2e.sh t-net-basic.sh t-ports-basic.sh t-dns-basic.sh t-outbound-basic.sh 2>&1)
  echo "$out" | grep -E '^(ok|not ok|#)|FAIL|==|ERROR|SUMMARY|^    #' | head -80
  line=$(grep -E '^asan e2e: [0-9]+ passed, [0-9]+ failed' <<<"$out" | tail -1)
  if [[ -n "$line" ]]; then read -r _ _ p _ f _ <<<"$line"; add "$p" "$f"; else echo "not ok - asan e2e printed no result"; add 0 1; fi
fi
phase e2e-asan

# Podman on podnet (issue 6): slow, but CI must run it.
if [[ "${PODNET_SKIP_PODMAN:-}" != 1 ]]; then
  out=$($SUDO "$top/scripts/test-podman.sh" "$top/build" 2>&1)
  echo "$out" | grep -E '^(ok|not ok|#)|FAIL' | head -60
  line=$(grep -E 'podman e2e: [0-9]+ passed, [0-9]+ failed' <<<"$out" | tail -1)
  if [[ -n "$line" ]]; then
    p=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/' <<<"$line")
    f=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")
    add "$p" "$f"
  else
    echo "not ok - podman suite printed no result"; echo "$out" | tail -20; add 0 1
  fi
fi
phase podman

# Nothing of the test user may be left running (zombies reparented to a PID 1
# that does not reap them are not running: they are left out).
left=$(ps -u "$TUSER" -o pid=,stat= 2>/dev/null | awk '$2 !~ /^Z/ {print $1}' | tr '\n' ' ')
if [[ -n "$left" ]]; then
  echo "not ok - processes of $TUSER left running:"; ps -o pid,cmd -p $(echo $left | tr ' ' ,) || true
  for pid in $left; do $SUDO kill -9 "$pid" 2>/dev/null || true; done
  add 0 1
else
  add 1 0; echo "ok - no processes of $TUSER left"
fi

echo "$total_pass passed, $total_fail failed"
((total_fail == 0))
