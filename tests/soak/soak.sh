#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Soak: for a bounded time, create and remove networks and containers, connect
# and disconnect them, stop, start and restart them (some with --restart always), publish ports, and kill things with SIGKILL at random
# (containers, monitors, forwarders, the DNS responder, the namespace holder).
# At the end every command must still work and nothing may be left behind.
# Runs as the unprivileged test user; not part of the default suite:
#   sudo tests/soak/soak.sh [SECONDS]        (default 300)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-300}
if [[ $(id -u) -eq 0 ]]; then
  "$top/tests/e2e/setup-user.sh"
  U=${PODNET_TEST_USER:-podnet-test}
  chmod o+rx "$top" "$top/build" "$top/build/bin" "$top/tests" "$top/tests/soak" 2>/dev/null || true
  exec runuser -u "$U" -- env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin HOME=/tmp \
    XDG_RUNTIME_DIR="/run/user/$(id -u "$U")" bash "$0" "$secs"
fi
P=$top/build/bin/podnet
scratch=$(mktemp -d /tmp/podnet-soak.XXXXXX)
export PODNET_DATA_DIR=$scratch/data PODNET_RUNTIME_DIR=$scratch/run
trap '$P system reset -f >/dev/null 2>&1; rm -rf "$scratch"' EXIT
ops=0 fails=0 kills=0
pid_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)[0].get(sys.argv[1],{}).get("pid",""))' "$2" 2>/dev/null <<<"$($P inspect "$1" 2>/dev/null)"; }
random_kill() {
  local c="c$((RANDOM % 6))" victim
  case $((RANDOM % 5)) in
    0) victim=$(pid_of "$c" init);;
    1) victim=$(pid_of "$c" monitor);;
    2) victim=$(pid_of "$c" portfwd);;
    3) victim=$(cut -d' ' -f1 "$PODNET_RUNTIME_DIR/dns/podnet-dns.pid" 2>/dev/null);;
    4) victim=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$PODNET_RUNTIME_DIR/holder.json" 2>/dev/null);;
  esac
  [[ -n "$victim" ]] && kill -9 "$victim" 2>/dev/null && kills=$((kills + 1))
}
end=$((SECONDS + secs))
while ((SECONDS < end)); do
  n="n$((RANDOM % 3))" c="c$((RANDOM % 6))"
  case $((RANDOM % 13)) in
    0) $P network create "$n" ;;
    1) $P network rm -f "$n" ;;
    2) $P run -d --name "$c" --network "$n" -p "$((30000 + RANDOM % 2000)):7000" -- sleep 30 ;;
    3) $P run -d --restart always --name "$c" --network "$n" -- sleep "$((RANDOM % 20))" ;;
    4) $P network connect "n$((RANDOM % 3))" "$c" ;;
    5) $P network disconnect "n$((RANDOM % 3))" "$c" ;;
    6) $P rm -f "$c" ;;
    7) random_kill ;;
    8) $P ps -a ;;
    9) $P run --rm --network "$n" -- true ;;
    10) $P stop -t 0 "$c" ;;
    11) $P start "$c" ;;
    12) $P restart -t 0 "$c" ;;
  esac >/dev/null 2>&1
  ops=$((ops + 1))
done
# every command works, and after removing everything nothing is left
$P ps -a >/dev/null || fails=$((fails + 1))
for c in c0 c1 c2 c3 c4 c5; do $P rm -f "$c" >/dev/null 2>&1; done
for n in n0 n1 n2 podnet; do $P network rm -f "$n" >/dev/null 2>&1; done
sleep 1
if ! out=$($P system check); then echo "left behind: $out"; fails=$((fails + 1)); fi
left=$(for pid in $(pgrep -u "$(id -u)"); do
  tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qx "PODNET_RUNTIME_DIR=$PODNET_RUNTIME_DIR" || continue
  case "$(cat "/proc/$pid/comm" 2>/dev/null)" in podnet-*|sleep) echo "$pid $(cat "/proc/$pid/comm")";; esac
done)
[[ -z "$left" ]] || { echo "processes left: $left"; fails=$((fails + 1)); }
echo "soak: $ops operations, $kills SIGKILLs in ${secs}s"
echo "soak: $((fails == 0 ? 1 : 0)) passed, $((fails == 0 ? 0 : 1)) failed"
((fails == 0))
