#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Published-port benchmark: one command, bounded (a few seconds per measurement).
#   bench/ports.sh [SECONDS_PER_MEASUREMENT]    (default 3)
# Measures, on loopback, from the host to a server in a container netns:
# iperf3 TCP 1 and 4 streams both directions, 64-byte request/response latency
# (median, p99) over one connection, new connections per second (sequential
# connect + 1-byte round trip + close), UDP throughput (iperf3 -u -b 0, bytes
# received) for: direct loopback (the limit), podnet-portfwd, rootlessport
# (driven with its JSON on stdin like Podman does), slirp4netns's builtin port
# handler (add_hostfwd over its API socket) and pasta (-t/-u). Then the
# resident size of each forwarder idle and with 1000 open connections.
# Prints a markdown table with ratios vs direct and vs the best peer.
# Runs as an unprivileged user (as root it re-runs itself as podnet-test).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
SECS=${1:-3}
if [[ $(id -u) -eq 0 ]]; then
  "$top/tests/e2e/setup-user.sh"
  u=${PODNET_TEST_USER:-podnet-test}
  chmod o+rx "$top" "${PODNET_BUILD:-$top/build-pf}" "${PODNET_BUILD:-$top/build-pf}/bin" 2>/dev/null
  exec runuser -u "$u" -- env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/tmp \
    XDG_RUNTIME_DIR="/run/user/$(id -u "$u")" PODNET_BUILD="${PODNET_BUILD:-$top/build-pf}" bash "$0" "$@"
fi
export PODNET_BUILD=${PODNET_BUILD:-$top/build-pf}
for tool in iperf3 pasta slirp4netns python3 cc; do
  command -v $tool >/dev/null || { echo "bench: $tool missing (scripts/install-deps.sh --bench)" >&2; exit 1; }
done
ROOTLESSPORT=/usr/lib/podman/rootlessport
[[ -x $ROOTLESSPORT ]] || ROOTLESSPORT=/usr/libexec/podman/rootlessport

source "$top/tests/e2e/lib.sh"
source "$top/portfwd/tests/env.sh"
work=$T_OUT
export PODNET_RUNTIME_DIR=$work/run
mkdir -p "$PODNET_RUNTIME_DIR"
RR=$work/ports-rr
cc -O2 -o "$RR" "$top/bench/ports-rr.c" || exit 1

bg() { "$@" </dev/null >/dev/null 2>&1 & t_on_exit "kill $!"; LAST_BG=$!; }
# new_ctr VAR: a container netns owned by U; VAR gets its holder's pid. Not
# called in $(...): the kill registered with t_on_exit would die with the subshell.
new_ctr() {
  nsenter -t "$HOLDER" -U --preserve-credentials -- unshare --net -- sleep 3600 </dev/null >/dev/null 2>&1 &
  local pid=$!
  t_on_exit "kill $pid"
  _wait_ns "$pid" net
  sleep 0.1
  nsenter -t "$pid" -U -n --preserve-credentials -- ip link set lo up
  printf -v "$1" %s "$pid"
}
servers_in() {
  bg nsenter -t "$1" -U -n --preserve-credentials -- iperf3 -s -p 5201
  bg nsenter -t "$1" -U -n --preserve-credentials -- "$RR" server 7000
}

ports_env_up || { echo "bench: namespaces failed" >&2; exit 1; }
servers_in "$CTR"

# direct: the servers on the host's own loopback
bg iperf3 -s -p 15201
bg "$RR" server 17000
declare -A TCP RRP PIDOF
TCP[direct]=15201; RRP[direct]=17000

# podnet-portfwd into C
if pf_start bench 19001:5201/tcp,udp 19002:7000 >/dev/null; then
  t_on_exit "$TESTCTL stop --owner bench"
  TCP[podnet]=19001; RRP[podnet]=19002
  PIDOF[podnet]=$("$TESTCTL" status --owner bench | awk '{print $2}')
fi

# rootlessport into C, as Podman starts it (in U, JSON on stdin, exit fd 3, ready fd 4)
if [[ -x $ROOTLESSPORT ]]; then
  mkdir -p "$work/rp/rp"
  cat >"$work/rp.json" <<EOF
{"Mappings":[{"host_ip":"","container_port":5201,"host_port":19301,"range":1,"protocol":"tcp"},
 {"host_ip":"","container_port":5201,"host_port":19301,"range":1,"protocol":"udp"},
 {"host_ip":"","container_port":7000,"host_port":19302,"range":1,"protocol":"tcp"}],
 "NetNSPath":"/proc/$CTR/ns/net","ExitFD":3,"ReadyFD":4,"TmpDir":"$work/rp",
 "ChildIP":"$C4","ContainerID":"benchbenchbench","RootlessCNI":true}
EOF
  # rootlessport exits when its exit fd reads EOF: a sleep holds the other end
  # (process substitution: its pid is $!, killed at exit like the rest)
  exec {rpexit}< <(sleep 3600)
  t_on_exit "kill $!"
  nsenter -t "$HOLDER" -U --preserve-credentials -- "$ROOTLESSPORT" <"$work/rp.json" \
    3<&$rpexit 4>"$work/rp.ready" >"$work/rp.log" 2>&1 &
  exec {rpexit}<&-
  rp=$!
  t_on_exit "kill $rp"
  if wait_for 10 test -s "$work/rp.ready"; then
    TCP[rootlessport]=19301; RRP[rootlessport]=19302
    PIDOF[rootlessport]=$rp
  else
    echo "bench: rootlessport did not start: $(tail -3 "$work/rp.log")" >&2
  fi
fi

# slirp4netns with its builtin port handler into C2
new_ctr C2
servers_in "$C2"
nsenter -t "$HOLDER" -U --preserve-credentials -- slirp4netns --configure --mtu=65520 --disable-host-loopback \
  --api-socket "$work/slirp.sock" "$C2" tap0 </dev/null >"$work/slirp.log" 2>&1 &
sl=$!
t_on_exit "kill $sl"
if wait_for 10 test -S "$work/slirp.sock"; then
  ok=1
  for spec in tcp:19101:5201 udp:19101:5201 tcp:19102:7000; do
    IFS=: read -r proto hp gp <<<"$spec"
    python3 - "$work/slirp.sock" "$proto" "$hp" "$gp" <<'EOF' || ok=0
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(json.dumps({"execute": "add_hostfwd", "arguments": {"proto": sys.argv[2], "host_addr": "127.0.0.1",
    "host_port": int(sys.argv[3]), "guest_port": int(sys.argv[4])}}).encode())
r = json.loads(s.recv(4096)); sys.exit(0 if "return" in r else 1)
EOF
  done
  if ((ok)); then TCP[slirp4netns]=19101; RRP[slirp4netns]=19102; PIDOF[slirp4netns]=$sl; fi
else
  echo "bench: slirp4netns did not start: $(tail -3 "$work/slirp.log")" >&2
fi

# pasta into C3
new_ctr C3
servers_in "$C3"
pasta -f -q --config-net -t 19201:5201 -u 19201:5201 -t 19202:7000 "$C3" </dev/null >"$work/pasta.log" 2>&1 &
pa=$!
t_on_exit "kill $pa"
if wait_for 10 "$RR" crr 127.0.0.1 19202 0.01; then
  TCP[pasta]=19201; RRP[pasta]=19202; PIDOF[pasta]=$pa
else
  echo "bench: pasta did not forward: $(tail -3 "$work/pasta.log")" >&2
fi

# ---- measurements
iperf() { # port extra-args... -> Gbit/s received
  iperf3 -c 127.0.0.1 -p "$1" -t "$SECS" -J "${@:2}" 2>/dev/null | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)["end"]
    if "sum_received" in d:
        print("%.2f" % (d["sum_received"]["bits_per_second"] / 1e9))
    else:
        s = d["sum"]; print("%.2f" % (s["bits_per_second"] * (1 - s["lost_percent"] / 100) / 1e9))
except Exception:
    print("-")'
}
declare -A R
order=(direct podnet rootlessport slirp4netns pasta)
metrics=(tcp1_up tcp1_down tcp4_up tcp4_down rr_p50 rr_p99 crr udp)
for t in "${order[@]}"; do
  [[ -n "${TCP[$t]:-}" ]] || continue
  echo "bench: $t ..." >&2
  p=${TCP[$t]}
  R[$t,tcp1_up]=$(iperf "$p")
  R[$t,tcp1_down]=$(iperf "$p" -R)
  R[$t,tcp4_up]=$(iperf "$p" -P 4)
  R[$t,tcp4_down]=$(iperf "$p" -P 4 -R)
  read -r _ _ p50 p99 < <("$RR" rr 127.0.0.1 "${RRP[$t]}" "$SECS" || echo "rr 0 - -")
  R[$t,rr_p50]=$p50; R[$t,rr_p99]=$p99
  read -r _ _ cps < <("$RR" crr 127.0.0.1 "${RRP[$t]}" "$SECS" || echo "crr 0 -")
  R[$t,crr]=$cps
  R[$t,udp]=$(iperf "$p" -u -b 0 -l 1400)
  if [[ -n "${PIDOF[$t]:-}" ]]; then
    rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null; }
    # rootlessport: parent and its child (the netns side) together
    pids=$(echo "${PIDOF[$t]}" $(pgrep -P "${PIDOF[$t]}" 2>/dev/null))
    sum() { local s=0 x; for x in $pids; do s=$((s + $(rss "$x" || echo 0))); done; echo "$s"; }
    R[$t,rss_idle]=$(sum)
    "$RR" hold 127.0.0.1 "${RRP[$t]}" 1000 3 >"$work/hold.out" 2>&1 &
    h=$!
    wait_for 10 grep -q holding "$work/hold.out"
    if grep -q holding "$work/hold.out"; then R[$t,rss_1000]=$(sum); else R[$t,rss_1000]="-"; fi
    wait $h
  fi
done

# ---- table
python3 - "$SECS" <<EOF
import sys
order = [$(for t in "${order[@]}"; do [[ -n "${TCP[$t]:-}" ]] && printf '"%s",' "$t"; done)]
R = {$(for k in "${!R[@]}"; do printf '"%s": "%s",' "$k" "${R[$k]}"; done)}
rows = [("tcp1_up", "TCP 1 stream host->ctr (Gbit/s)", 1), ("tcp1_down", "TCP 1 stream ctr->host (Gbit/s)", 1),
        ("tcp4_up", "TCP 4 streams host->ctr (Gbit/s)", 1), ("tcp4_down", "TCP 4 streams ctr->host (Gbit/s)", 1),
        ("rr_p50", "64 B round trip median (us)", -1), ("rr_p99", "64 B round trip p99 (us)", -1),
        ("crr", "new connections/s", 1), ("udp", "UDP received (Gbit/s)", 1),
        ("rss_idle", "forwarder RSS idle (KiB)", -1), ("rss_1000", "forwarder RSS, 1000 conns (KiB)", -1)]
def num(v):
    try: return float(v)
    except (TypeError, ValueError): return None
peers = [t for t in order if t not in ("direct", "podnet")]
print("| metric | " + " | ".join(order) + " | podnet/direct | podnet/best peer |")
print("|---" * (len(order) + 3) + "|")
for key, label, better in rows:
    vals = [R.get(f"{t},{key}", "-") for t in order]
    pn, d = num(R.get(f"podnet,{key}")), num(R.get(f"direct,{key}"))
    pv = [num(R.get(f"{t},{key}")) for t in peers]
    pv = [v for v in pv if v]
    best = (max(pv) if better > 0 else min(pv)) if pv else None
    r1 = "%.2f" % (pn / d) if pn and d else "-"
    r2 = "%.2f" % (pn / best) if pn and best else "-"
    print(f"| {label} | " + " | ".join(vals) + f" | {r1} | {r2} |")
print(f"\n{sys.argv[1]} s per measurement; ratios are podnet divided by the other (for latency and RSS, lower is better).")
EOF
t_cleanup_hooks
