#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Soak: for a bounded time, WORKERS loops at once (default 2) create and remove
# networks, containers and pods, connect and disconnect them, stop, start and
# restart them (some with --restart always), publish ports, and kill things
# with SIGKILL at random (containers, monitors, forwarders, pause processes,
# the DNS responder, the namespace holder). The workers use the same few
# names, so their commands collide on purpose.
# Then, with the workers stopped, the state must be consistent:
#   - no command crashed (an exit status of 128+N) or said "cannot write";
#   - every running sandbox holds a lease for each of its addresses, every
#     lease belongs to a running sandbox, and no address is held twice;
#   - every running container answers `exec` and has its addresses on its
#     interfaces;
# and after removing everything nothing may be left behind.
# Runs as the unprivileged test user; not part of the default suite:
#   sudo [SOAK_KEEP=DIR] [SOAK_BUILD=DIR] tests/soak/soak.sh [SECONDS] [WORKERS]     (default 300 s, 2 workers)
# SOAK_BUILD=build-asan soaks the sanitized build; ASAN_OPTIONS and
# UBSAN_OPTIONS are passed on (log_path= collects reports from the helpers too).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-300} workers=${2:-2}
build=$(cd "${SOAK_BUILD:-$top/build}" && pwd)
if [[ $(id -u) -eq 0 ]]; then
  "$top/tests/e2e/setup-user.sh"
  U=${PODNET_TEST_USER:-podnet-test}
  chmod o+rx "$top" "$build" "$build/bin" "$top/tests" "$top/tests/soak" 2>/dev/null || true
  exec runuser -u "$U" -- env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin HOME=/tmp SOAK_KEEP="${SOAK_KEEP:-}" \
    SOAK_BUILD="$build" ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
    XDG_RUNTIME_DIR="/run/user/$(id -u "$U")" bash "$0" "$secs" "$workers"
fi
P=$build/bin/podnet
scratch=$(mktemp -d /tmp/podnet-soak.XXXXXX)
export PODNET_DATA_DIR=$scratch/data PODNET_RUNTIME_DIR=$scratch/run
trap '$P system reset -f >/dev/null 2>&1; rm -rf "$scratch"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pid_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)[0].get(sys.argv[1],{}).get("pid",""))' "$2" 2>/dev/null <<<"$($P inspect "$1" 2>/dev/null)"; }
random_kill() {
  local c="c$((RANDOM % 6))" victim
  case $((RANDOM % 6)) in
    0) victim=$(pid_of "$c" init);;
    1) victim=$(pid_of "$c" monitor);;
    2) victim=$(pid_of "$c" portfwd);;
    3) victim=$(cut -d' ' -f1 "$PODNET_RUNTIME_DIR/dns/podnet-dns.pid" 2>/dev/null);;
    4) victim=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$PODNET_RUNTIME_DIR/holder.json" 2>/dev/null);;
    5) victim=$(pid_of "p$((RANDOM % 2))" init);;
  esac
  [[ -n "$victim" ]] && kill -9 "$victim" 2>/dev/null
}
# one worker: random commands until the deadline; each line of its log is
# "RC OP" and then the command's error output, for the checks below
worker() {
  local end=$1 log=$2 n c p op rc t0
  RANDOM=$((BASHPID + $3))
  while ((SECONDS < end)); do
    n="n$((RANDOM % 3))" c="c$((RANDOM % 6))" p="p$((RANDOM % 2))" op=$((RANDOM % 19))
    # networks and pods are made three times as often as they are removed
    ((op == 1 && RANDOM % 3)) && op=0
    ((op == 17 && RANDOM % 3)) && op=13
    t0=$EPOCHREALTIME
    case $op in
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
      13) $P pod create --name "$p" --network "$n" -p "$((32000 + RANDOM % 1000)):7000" ;;
      14) $P run -d --pod "$p" --name "$c" -- sleep 30 ;;
      15) $P pod stop -t 0 "$p" ;;
      16) $P pod start "$p" ;;
      17) $P pod rm -f "$p" ;;
      18) $P network connect "n$((RANDOM % 3))" "$p" ;;
    esac >/dev/null 2>"$log.err"
    rc=$?
    echo "$rc $op $t0 $n $c $p $(tr '\n' ' ' <"$log.err")" >>"$log"
  done
}
end=$((SECONDS + secs))
pids=()
for w in $(seq 1 "$workers"); do worker "$end" "$scratch/w$w.log" "$w" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p"; done
ops=$(cat "$scratch"/w*.log | wc -l)
kills=$(grep -c '^0 7 ' "$scratch"/w*.log | awk -F: '{s += $2} END {print s + 0}')
# no crash, no write into a sandbox another command removed
crashed=$(awk '$1 >= 128' "$scratch"/w*.log | sort | uniq -c | sort -rn | head -5)
[[ -z "$crashed" ]] || fail "commands ended by a signal: $crashed"
lost=$(grep -h "cannot write" "$scratch"/w*.log | head -5)
[[ -z "$lost" ]] || fail "commands lost a write: $lost"
echo "soak: the refusals, by kind (most are expected when names collide):"
cut -d' ' -f7- "$scratch"/w*.log | grep . | sed 's/[0-9a-f]\{12,64\}/ID/g; s/10\.[0-9.]*/ADDR/g; s/\b[cnp][0-9]\b/X/g' |
  sort | uniq -c | sort -rn
# consistency once everything has settled: running sandboxes and leases agree
$P ps -a >/dev/null || fail "ps -a"
sleep 1
$P ps -a >/dev/null
state=$(python3 - "$PODNET_RUNTIME_DIR" <<'PY'
import fcntl, json, os, sys
run = sys.argv[1]
# under podnet's lock, as every command changes state: what a command (or a
# restarting monitor) is starting holds its leases already, with state "created"
lock = open(os.path.join(run, "lock"), "a")
fcntl.flock(lock, fcntl.LOCK_EX)
docs = {}
for i in os.listdir(os.path.join(run, "ctr")):
    try:
        docs[i] = json.load(open(os.path.join(run, "ctr", i, "state.json")))
    except (OSError, ValueError) as e:
        print("unreadable state %s: %s" % (i, e))
held = {}  # (network, address or mac-MAC) -> ids of the sandboxes naming it
for i, d in docs.items():
    if d.get("state") not in ("running", "created"):
        continue
    for net, a in (d.get("networks") or {}).items():
        names = [ip.split("/")[0] for ip in a.get("ips", [])]
        if a.get("mac"):
            names.append("mac-" + a["mac"])
        for n in names:
            held.setdefault((net, n), []).append(i)
leases = {}
ipam = os.path.join(run, "ipam")
for net in os.listdir(ipam) if os.path.isdir(ipam) else []:
    for f in os.listdir(os.path.join(ipam, net)):
        if f in ("last4", "last6") or ".tmp." in f or not os.path.isfile(os.path.join(ipam, net, f)):
            continue
        leases[(net, f)] = open(os.path.join(ipam, net, f)).read().strip()
for (net, n), ids in sorted(held.items()):
    if len(ids) > 1:
        print("%s on %s is held by %s" % (n, net, " ".join(x[:12] for x in ids)))
    if leases.get((net, n)) not in ids:
        print("%s on %s of %s has no lease (the lease names %s)" % (n, net, ids[0][:12], leases.get((net, n))))
for (net, n), owner in sorted(leases.items()):
    d = docs.get(owner)
    if (net, n) not in held or owner not in held[(net, n)]:
        print("lease %s on %s of %s, which %s" % (n, net, owner[:12], "does not exist" if not d else
              "is %s" % d.get("state") if d.get("state") not in ("running", "created") else "does not name it"))
for i, d in sorted(docs.items()):
    # (one with a restart policy may be started again, on new addresses, before it is looked at)
    if (d.get("state") == "running" and d.get("kind") == "container" and d.get("network_mode") == "bridge"
            and (d.get("restart_policy") or {}).get("name", "no") == "no"):
        print("running %s %s" % (d["name"], " ".join(ip.split("/")[0] for a in (d.get("networks") or {}).values()
                                                   for ip in a.get("ips", []))))
PY
)
grep -v '^running ' <<<"$state" | while read -r l; do [[ -n "$l" ]] && echo "FAIL: $l"; done
bad=$(grep -vc '^running ' <<<"$state" | tr -d ' ')
[[ -z "$state" || "$bad" == 0 ]] || fails=$((fails + 1))
# every running container answers, with its addresses on its interfaces
while read -r _ name addrs; do
  [[ -n "$name" ]] || continue
  # (its command, sleep 30, may have ended since)
  gone() { [[ -z "$($P ps --filter "name=^$1\$" -q)" ]]; }
  out=$($P exec "$name" -- ip -o addr 2>&1) || { gone "$name" || fail "exec $name: $out"; continue; }
  for a in $addrs; do grep -q "inet6\? $a/" <<<"$out" || fail "$name lacks its address $a"; done
done < <(grep '^running ' <<<"$state")
echo "soak: $(grep -c '^running ' <<<"$state") containers running at the end"
# SOAK_KEEP=DIR: the workers' logs (RC OP TIME NETWORK CONTAINER POD ERRORS), time-ordered, and the helpers' logs
if [[ -n "${SOAK_KEEP:-}" ]]; then
  mkdir -p "$SOAK_KEEP" && sort -k3,3n "$scratch"/w*.log >"$SOAK_KEEP/ops.log" &&
    cp "$PODNET_RUNTIME_DIR"/*.log "$SOAK_KEEP/" 2>/dev/null
fi
# every command works, and after removing everything nothing is left
# (a name that does not exist is no failure here)
cleanup() { out=$("$@" 2>&1 >/dev/null) || grep -q "no such\|not found" <<<"$out" || fail "$*: $out"; }
for p in p0 p1; do cleanup $P pod rm -f "$p"; done
for c in c0 c1 c2 c3 c4 c5; do cleanup $P rm -f "$c"; done
for n in n0 n1 n2 podnet; do cleanup $P network rm -f "$n"; done
sleep 1
if ! out=$($P system check); then fail "left behind: $out"; fi
left=$(for pid in $(pgrep -u "$(id -u)"); do
  [[ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" == Z ]] && continue # PID 1 may not reap orphans
  tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qx "PODNET_RUNTIME_DIR=$PODNET_RUNTIME_DIR" || continue
  case "$(cat "/proc/$pid/comm" 2>/dev/null)" in podnet-*|sleep) echo "$pid $(cat "/proc/$pid/comm")";; esac
done)
[[ -z "$left" ]] || fail "processes left: $left"
echo "soak: $ops operations by $workers workers, $kills SIGKILLs in ${secs}s"
echo "soak: $((fails == 0 ? 1 : 0)) passed, $((fails == 0 ? 0 : 1)) failed"
((fails == 0))
