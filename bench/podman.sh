#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# podnet's netavark front against netavark 1.4, in one run (as root):
#  1. one setup/teardown pair driven directly with the same NetworkOptions,
#     in a scratch infra netns with a tap0 uplink (ip netns add), N times each,
#     by bench/podman_pairs.py, which joins that netns once and times each call
#     as one fork+exec of the backend, as Podman runs it (setns, then exec);
#     the two backends alternate in blocks of 10 pairs, so a load change on a
#     shared machine hits both; setup and teardown are also timed apart;
#  2. rootless `podman run --rm --network N IMAGE true` wall time as the test
#     user, with podnet (CONTAINERS_HELPER_BINARY_DIR) and with netavark.
# Usage: bench/podman.sh [BUILD_DIR] [N]      Prints a table and the ratios.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
N=${2:-50}
PODNET_NVK=$build/bin/podman-backend/netavark
REAL_NVK=/usr/lib/podman/netavark
TUSER=${PODNET_TEST_USER:-podnet-test}
[[ $(id -u) -eq 0 ]] || { echo "run as root"; exit 1; }
work=$(mktemp -d /tmp/podnet-bench.XXXXXX)
I=pnbench-i-$$ C=pnbench-c-$$
cleanup() {
  ip netns del "$C" 2>/dev/null || true
  ip netns del "$I" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$I"; ip netns add "$C"
ip -n "$I" link set lo up
ip -n "$I" link add tap0 type veth peer name tap0-peer
ip -n "$I" addr add 10.0.2.100/24 dev tap0
ip -n "$I" link set tap0 up; ip -n "$I" link set tap0-peer up
ip -n "$I" route add default via 10.0.2.2
# one network, DNS off (no daemon start in the loop), as `podman network create` writes it
jq -c '.container_name="bench" | del(.port_mappings)
       | .networks={"bench-net": {static_ips:["10.89.7.2"], aliases:["3ca05e326cd5"], interface_name:"eth0"}}
       | .network_info={"bench-net": (.network_info."if-net1" | .name="bench-net" | .network_interface="podman7"
            | .subnets=[{subnet:"10.89.7.0/24", gateway:"10.89.7.1"}] | .dns_enabled=false)}' \
  "$top/tests/unit/plugins-data/nvk-multi.json" >"$work/opts.json"

in_i() { nsenter --net="/run/netns/$I" -- "$@"; }
# the pairs: bench/podman_pairs.py joins I once and times each call as one
# fork+exec of the backend (what Podman pays), no shell or nsenter inside the
# interval; warm-up pair each, then the backends alternate in blocks of 10
mkdir -p "$work/cfg-podnet" "$work/cfg-netavark"
pairs=$(python3 "$top/bench/podman_pairs.py" "/run/netns/$I" "/run/netns/$C" "$work/opts.json" "$N" \
  "pn=$PODNET_NVK:$work/cfg-podnet" "nv=$REAL_NVK:$work/cfg-netavark")
iptables_forks() { # count iptables processes one pair starts (strace), if strace exists
  command -v strace >/dev/null || { echo "-"; return; }
  in_i strace -f -qq -e trace=execve -o "$work/trace" "$1" --config "$2" --rootless=false --aardvark-binary= \
    setup "/run/netns/$C" <"$work/opts.json" >/dev/null
  in_i "$1" --config "$2" --rootless=false --aardvark-binary= teardown "/run/netns/$C" <"$work/opts.json" >/dev/null
  grep -E 'execve\("[^"]*ip6?tables' "$work/trace" | grep -c ' = 0$' || true
}
pn_setup=$(jq -r .pn.setup_ms <<<"$pairs") pn_down=$(jq -r .pn.teardown_ms <<<"$pairs")
nv_setup=$(jq -r .nv.setup_ms <<<"$pairs") nv_down=$(jq -r .nv.teardown_ms <<<"$pairs")
pn_ms=$(echo "$pn_setup + $pn_down" | bc) nv_ms=$(echo "$nv_setup + $nv_down" | bc)
load_before=$(cut -d' ' -f1 /proc/loadavg)
pn_forks=$(iptables_forks "$PODNET_NVK" "$work/cfg-podnet")
nv_forks=$(iptables_forks "$REAL_NVK" "$work/cfg-netavark")

# rootless podman run, both backends
podman_ms() { # label -> ms per `podman run --rm ... true` (mean of N/10, at least 5)
  local runs=$(( N / 10 < 5 ? 5 : N / 10 ))
  runuser -u "$TUSER" -- env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin HOME="$(getent passwd "$TUSER" | cut -d: -f6)" \
    XDG_RUNTIME_DIR="/run/user/$(id -u "$TUSER")" CONTAINERS_CONF="$work/containers.conf" ${1:+CONTAINERS_HELPER_BINARY_DIR=$1} \
    bash -c '
      cd ~; podman network exists pnbench || podman network create pnbench >/dev/null
      podman run --rm --network pnbench '"$img"' true >/dev/null
      t0=$(date +%s%N)
      for ((i = 0; i < '"$runs"'; i++)); do podman run --rm --network pnbench '"$img"' true >/dev/null; done
      t1=$(date +%s%N)
      echo "scale=1; ($t1 - $t0) / 1000000 / '"$runs"'" | bc'
}
img=localhost/podnet-busybox:latest
"$top/tests/e2e/setup-user.sh" >/dev/null
helpers=$work/helpers; install -d -m 0755 "$helpers"; install -m 0755 "$PODNET_NVK" "$helpers/netavark"
chmod 0711 "$work"
cat >"$work/containers.conf" <<CONF
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
helper_binaries_dir = ["/usr/libexec/podman", "/usr/lib/podman"]
[network]
network_backend = "netavark"
CONF
chmod 0644 "$work/containers.conf"
if runuser -u "$TUSER" -- env XDG_RUNTIME_DIR="/run/user/$(id -u "$TUSER")" podman image exists "$img" 2>/dev/null; then
  run_pn=$(podman_ms "$helpers"); run_nv=$(podman_ms "")
  runuser -u "$TUSER" -- env XDG_RUNTIME_DIR="/run/user/$(id -u "$TUSER")" bash -c 'cd ~; podman network rm -f pnbench >/dev/null'
else
  run_pn="-"; run_nv="-"; echo "(no $img: run scripts/test-podman.sh once to import it)"
fi

printf '| %-46s | %12s | %12s | %7s |\n' "measure" "podnet" "netavark 1.4" "ratio"
printf '|%s|%s|%s|%s|\n' "------------------------------------------------" "--------------" "--------------" "---------"
printf '| %-46s | %9s ms | %9s ms | %6sx |\n' "setup+teardown pair, same JSON (mean of $N)" "$pn_ms" "$nv_ms" "$(echo "scale=1; $nv_ms / $pn_ms" | bc)"
printf '| %-46s | %9s ms | %9s ms | %6sx |\n' "  setup alone" "$pn_setup" "$nv_setup" "$(echo "scale=1; $nv_setup / $pn_setup" | bc)"
printf '| %-46s | %9s ms | %9s ms | %6sx |\n' "  teardown alone" "$pn_down" "$nv_down" "$(echo "scale=1; $nv_down / $pn_down" | bc)"
printf '| %-46s | %12s | %12s | %7s |\n' "iptables processes per setup" "$pn_forks" "$nv_forks" ""
if [[ $run_pn != - ]]; then
  printf '| %-46s | %9s ms | %9s ms | %6sx |\n' "rootless podman run --rm --network N true" "$run_pn" "$run_nv" "$(echo "scale=2; $run_nv / $run_pn" | bc)"
fi
echo "(1-minute load average: $load_before after the pairs, $(cut -d' ' -f1 /proc/loadavg) at the end; $(nproc) CPUs)"
