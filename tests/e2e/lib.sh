# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for black-box tests. Each test file is a transcript: commands a user
# would type, each followed by what must be true. Source this file, call
# t_case "name" before each case, then the expect_* helpers; end with t_done.
# Runs as the unprivileged test user; PODNET is the CLI under test.

: "${PODNET_BUILD:?PODNET_BUILD must point at the build directory}"
PODNET=${PODNET:-$PODNET_BUILD/bin/podnet}
export PATH="$PODNET_BUILD/bin:$PATH"
T_PASS=0
T_FAIL=0
T_CASE=""
T_CASE_FAILED=0
T_FILE=$(basename "$0")
T_OUT=$(mktemp -d "${TMPDIR:-/tmp}/podnet-e2e.XXXXXX")
trap 't_cleanup_hooks; rm -rf "$T_OUT"' EXIT
T_CLEANUP=()

t_on_exit() { T_CLEANUP+=("$*"); }
t_cleanup_hooks() {
  local i
  for ((i = ${#T_CLEANUP[@]} - 1; i >= 0; i--)); do eval "${T_CLEANUP[$i]}" >/dev/null 2>&1 || true; done
}

t_case_end() {
  [[ -z "$T_CASE" ]] && return 0
  if ((T_CASE_FAILED)); then
    T_FAIL=$((T_FAIL + 1)); echo "not ok - $T_FILE: $T_CASE"
  else
    T_PASS=$((T_PASS + 1)); echo "ok - $T_FILE: $T_CASE"
  fi
  T_CASE=""
}
t_case() { t_case_end; T_CASE="$1"; T_CASE_FAILED=0; }
t_fail() { T_CASE_FAILED=1; echo "    FAIL: $*" >&2; }

# expect_ok CMD...: CMD exits 0. Output is kept in $T_LAST.
expect_ok() {
  local rc=0
  T_LAST=$("$@" 2>"$T_OUT/err") || rc=$?
  ((rc == 0)) && return 0
  t_fail "expected success: $* (exit $rc) stdout: $(head -c 300 <<<"$T_LAST") stderr: $(head -c 600 "$T_OUT/err")"
  return 1
}
# expect_fail CODE CMD...: CMD exits with CODE (or any non-zero if CODE is '!')
expect_fail() {
  local code=$1 rc=0; shift
  T_LAST=$("$@" 2>"$T_OUT/err") || rc=$?
  T_ERR=$(cat "$T_OUT/err")
  if [[ $rc -eq 0 ]]; then t_fail "expected failure: $*"; return 1; fi
  if [[ "$code" != "!" && $rc -ne $code ]]; then t_fail "expected exit $code, got $rc: $* stderr: $T_ERR"; return 1; fi
  return 0
}
# expect_eq WANT GOT [what]
expect_eq() { [[ "$1" == "$2" ]] || t_fail "${3:-value}: want '$1', got '$2'"; }
# expect_match REGEX STRING [what]
expect_match() { [[ "$2" =~ $1 ]] || t_fail "${3:-value}: '$2' does not match /$1/"; }
expect_nomatch() { [[ ! "$2" =~ $1 ]] || t_fail "${3:-value}: '$2' matches /$1/"; }

# wait_for SECONDS CMD...: poll until CMD succeeds (bounded)
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  while ((SECONDS < deadline)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.05; done
  "$@" >/dev/null 2>&1
}

# t_strace ARGS...: strace, for fault injection and delays; LeakSanitizer cannot
# run under ptrace (an ASan build would exit 1 at its end), so it is off there
t_strace() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace "$@"; }
# t_free_port_base N: the first of N consecutive host ports that no TCP or UDP
# socket holds now, below the kernel's ephemeral range so that the client side
# of some other connection cannot take one of them between this check and the
# test's bind (a random base inside that range failed CI once).
t_free_port_base() {
  local n=$1 lo hi used base i tries
  read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
  hi=$((lo - n)); lo=10000
  used=" $(ss -Htuan 2>/dev/null | awk '{n = split($5, a, ":"); print a[n]}' | sort -u | tr '\n' ' ') "
  for ((tries = 0; tries < 100; tries++)); do
    base=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo)))
    for ((i = 0; i < n; i++)); do [[ $used == *" $((base + i)) "* ]] && continue 2; done
    echo "$base"; return 0
  done
  echo "t_free_port_base: no $n free ports between $lo and $hi" >&2; return 1
}

t_done() {
  t_case_end
  echo "# $T_FILE: $T_PASS passed, $T_FAIL failed"
  echo "$T_PASS $T_FAIL" >"${T_RESULT_FILE:-/dev/null}"
  ((T_FAIL == 0))
}

# t_podnet_procs: podnet processes (and containers) of this test's runtime
# directory only; other tests of the same user may run at the same time.
t_podnet_procs() {
  local pid
  for pid in $(pgrep -u "$(id -u)" 2>/dev/null); do
    [[ $pid == $$ ]] && continue
    if tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qx "PODNET_RUNTIME_DIR=$PODNET_RUNTIME_DIR" ||
       tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q -- "$PODNET_RUNTIME_DIR/"; then
      case "$(cat /proc/$pid/comm 2>/dev/null)" in
        podnet-*|sleep|socat|nc|python3) echo "$pid $(tr '\0' ' ' 2>/dev/null </proc/$pid/cmdline)";;
      esac
    fi
  done
}
t_no_podnet_procs() { [[ -z "$(t_podnet_procs)" ]]; }
# t_count_procs NAME: live processes called NAME of this test's runtime directory
t_count_procs() {
  local pid n=0
  for pid in $(pgrep -u "$(id -u)" -x "$1" 2>/dev/null); do
    tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qx "PODNET_RUNTIME_DIR=$PODNET_RUNTIME_DIR" && n=$((n + 1))
  done
  echo $n
}
# t_gone PID...: every one exited (a zombie counts: PID 1 may reap late here)
t_gone() {
  local pid
  for pid; do
    [[ ! -e /proc/$pid ]] || awk '{exit ($3 == "Z") ? 0 : 1}' "/proc/$pid/stat" 2>/dev/null || return 1
  done
}
