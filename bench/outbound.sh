#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Outbound benchmark, one bounded command (about 1 minute): container -> outside
# TCP throughput (iperf3, single stream, both directions) and request/response
# latency, for
#   direct       the host's own path (the limit)
#   podnet       podnet-slirp with the TCP fast path (tproxy + splice), the default
#   podnet-slirp podnet-slirp with libslirp only (PODNET_SLIRP_TCP_FASTPATH=off)
#   slirp4netns  Debian's, as rootless Podman uses it (--mtu=65520)
#   pasta        Debian's passt package (pasta --config-net)
#   slirp4netns-br  slirp4netns behind a bridge in a rootless namespace, as
#                rootless Podman's named networks use it (podnet's topology)
# The outside is bench/outbound-outside.sh's namespace. Run as root (it brings
# the outside up and runs the rest as the unprivileged test user) or as the
# test user with the outside already up. Needs a build: PODNET_BUILD (default build/).
#   bench/outbound.sh [seconds per iperf3 run, default 4]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
T=${1:-4}
export PODNET_BUILD=$(cd "${PODNET_BUILD:-$here/../build}" && pwd)
TUSER=${PODNET_TEST_USER:-podnet-test}

if [[ $(id -u) -eq 0 ]]; then
  brought_up=0
  if ! ip netns list | grep -qw pn-outside; then "$here/outbound-outside.sh" up >/dev/null; brought_up=1; fi
  uid=$(id -u "$TUSER")
  runuser -u "$TUSER" -- env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/tmp \
    XDG_RUNTIME_DIR="/run/user/$uid" PODNET_BUILD="$PODNET_BUILD" bash "$0" "$T"
  rc=$?
  ((brought_up)) && "$here/outbound-outside.sh" down >/dev/null
  exit $rc
fi

export PODNET_RUNTIME_DIR=$(mktemp -d /tmp/pn-bench-run.XXXXXX) PODNET_DATA_DIR=$(mktemp -d /tmp/pn-bench-data.XXXXXX)
source "$here/outbound-lib.sh"
PIDS=()
cleanup() {
  ob_down
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$PODNET_RUNTIME_DIR" "$PODNET_DATA_DIR"
}
trap cleanup EXIT

# gbits SEND|RECV: iperf3 JSON on stdin -> Gbit/s
gbits() { python3 -c 'import json,sys
try: print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))
except Exception: print("-")'; }

# measure NAME RUNNER...: RUNNER runs a command where the container would
declare -A UP DOWN RR
# iperf3 with a bound on time, retried once (the server takes one client at a time)
iperf() {
  local r i
  for i in 1 2; do
    r=$("$@" 2>/dev/null | gbits)
    [[ "$r" != "-" ]] && break
    sleep 1
  done
  echo "$r"
}
measure() {
  local name=$1; shift
  UP[$name]=$(iperf "$@" timeout $((T + 15)) iperf3 -c "$OB_OUT4" -p 5201 -t "$T" --connect-timeout 3000 -J)
  DOWN[$name]=$(iperf "$@" timeout $((T + 15)) iperf3 -c "$OB_OUT4" -p 5201 -t "$T" --connect-timeout 3000 -R -J)
  RR[$name]=$("$@" timeout 60 python3 "$here/outbound-rr.py" "$OB_OUT4" 7071 2000 2>/dev/null || echo -)
  printf '%-13s up %6s Gbit/s  down %6s Gbit/s  rr %7s us\n' "$name" "${UP[$name]}" "${DOWN[$name]}" "${RR[$name]}" >&2
}
run_direct() { "$@"; }

measure direct run_direct

ob_up
PODNET_SLIRP_TCP_FASTPATH=on "$OB_CTL" ensure "$OB_HOLDER" || exit 1
measure podnet ob_c
"$OB_CTL" stop
PODNET_SLIRP_TCP_FASTPATH=off "$OB_CTL" ensure "$OB_HOLDER" || exit 1
measure podnet-slirp ob_c
"$OB_CTL" stop
ob_down; OB_HOLDER= OB_CTR=

unshare --user --map-root-user --net sleep infinity & s4=$!
PIDS+=("$s4")
sleep 0.2
slirp4netns --configure --mtu=65520 --disable-host-loopback "$s4" tap0 >/dev/null 2>&1 & PIDS+=("$!")
for _ in $(seq 100); do "$OB_CTL" exec "$s4" ip -br addr show tap0 2>/dev/null | grep -q 10.0.2.100 && break; sleep 0.05; done
run_s4() { "$OB_CTL" exec "$s4" "$@"; }
measure slirp4netns run_s4

run_pasta() { pasta --config-net -q -- "$@"; }
measure pasta run_pasta

# slirp4netns the way rootless Podman's named (bridge) networks use it, the same
# topology as podnet's: the container on a bridge in a rootless namespace R,
# routed and masqueraded (nftables) in R to slirp4netns's tap. netavark builds
# R the same way (it uses iptables for the NAT).
unshare --user --map-root-user --net sleep infinity & r=$!
PIDS+=("$r")
sleep 0.2
slirp4netns --configure --mtu=65520 --disable-host-loopback "$r" tap0 >/dev/null 2>&1 & PIDS+=("$!")
for _ in $(seq 100); do "$OB_CTL" exec "$r" ip -br addr show tap0 2>/dev/null | grep -q 10.0.2.100 && break; sleep 0.05; done
cb=$("$OB_CTL" exec "$r" sh -c 'unshare --net sleep infinity >/dev/null 2>&1 & echo $!')
PIDS+=("$cb")
sleep 0.2
"$OB_CTL" exec "$r" sh -ec "
  ip link add br0 type bridge; ip addr add 10.99.0.1/24 dev br0; ip link set br0 up
  ip link add vb0 type veth peer name eth0 netns $cb; ip link set vb0 master br0 up
  sysctl -qw net.ipv4.ip_forward=1
  nft -f - <<NFT
table ip bench_nat { chain post { type nat hook postrouting priority srcnat; ip saddr 10.99.0.0/24 oifname tap0 masquerade; }; }
NFT
  nsenter -t $cb -n sh -ec 'ip addr add 10.99.0.2/24 dev eth0; ip link set eth0 up; ip link set lo up; ip route add default via 10.99.0.1'
" || echo "bench: could not build the slirp4netns bridge topology" >&2
run_s4b() { "$OB_CTL" exec "$cb" "$@"; }
measure slirp4netns-br run_s4b

ratio() { python3 -c 'import sys
a, b = sys.argv[1], sys.argv[2]
try: print("%.2f" % (float(a) / float(b)))
except Exception: print("-")' "$1" "$2"; }
echo
echo "| path | upload Gbit/s | download Gbit/s | RR latency us | upload vs slirp4netns | upload vs pasta | upload vs direct |"
echo "|---|---|---|---|---|---|---|"
for n in direct podnet podnet-slirp slirp4netns pasta slirp4netns-br; do
  echo "| $n | ${UP[$n]} | ${DOWN[$n]} | ${RR[$n]} | $(ratio "${UP[$n]}" "${UP[slirp4netns]}") | $(ratio "${UP[$n]}" "${UP[pasta]}") | $(ratio "${UP[$n]}" "${UP[direct]}") |"
done
echo
echo "(iperf3 single stream, ${T}s each; $(nproc) CPUs; $(uname -r); libslirp $(pkg-config --modversion slirp 2>/dev/null || echo ?))"
