#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# podnet-bridge under a real CNI runtime: libcni 1.1 (Debian's
# golang-github-appc-cni-dev) through tests/cni/cnidriver.go, built here into
# a temporary directory. As root, inside `unshare --net --mount --propagation
# private` with a tmpfs on /run/netns, on namespaces from `ip netns add`, so
# no bridge, rule or netns file reaches the host. VERSION and validation of the
# conflists, ADD with CNI_ARGS (IP=, MAC=) and capability args (aliases,
# portMappings), CHECK, reachability on one network, isolation from another,
# a published port, DEL (twice) leaving nothing.
# Usage: PODNET_BUILD=build tests/cni/t-libcni.sh   (root; Go and libcni installed)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [[ ${1:-} != --inside ]]; then
  [[ $(id -u) -eq 0 ]] || { echo "t-libcni.sh: run as root"; exit 1; }
  exec unshare --net --mount --propagation private bash "$0" --inside
fi
source "$here/../e2e/lib.sh"
T_FILE=t-libcni.sh
PLUGINS=$PODNET_BUILD/bin/cni
DD=$T_OUT/data

t_case "build the libcni driver offline (GOPATH mode) into a temporary directory"
expect_ok env GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOCACHE="$T_OUT/gocache" \
  go build -o "$T_OUT/cnidriver" "$here/cnidriver.go"
DRV=$T_OUT/cnidriver
export CNI_PATH=$PLUGINS:/usr/lib/cni CNI_CACHE_DIR=$T_OUT/cache

t_case "set up: a private /run/netns, an uplink, three container namespaces"
expect_ok mount -t tmpfs tmpfs /run/netns 2>/dev/null || { mkdir -p /run/netns && mount -t tmpfs tmpfs /run/netns; }
expect_ok sh -c 'ip link set lo up && ip link add up0 type veth peer name up0p && ip link set up0p up && ip addr add 192.168.90.1/24 dev up0 &&
  ip link set up0 up && ip route add default via 192.168.90.254'
for n in c1 c2 c3; do expect_ok ip netns add "pncni-$n"; done
t_on_exit "for n in c1 c2 c3; do ip netns del pncni-\$n; done"
conflist() { # name bridge subnet -> a conflist of podnet-bridge
  jq -n --arg n "$1" --arg b "$2" --arg s "$3" --arg dd "$DD" \
    '{cniVersion:"1.0.0", name:$n, plugins:[
       {type:"podnet-bridge", bridge:$b, isGateway:true, ipMasq:true, dataDir:$dd, dnsEnabled:true,
        ipam:{type:"host-local", ranges:[[{subnet:$s}]]},
        capabilities:{ips:true, mac:true, aliases:true, portMappings:true}}]}'
}
conflist red pnred 10.99.0.0/24 >"$T_OUT/red.conflist"
conflist blue pnblue 10.99.1.0/24 >"$T_OUT/blue.conflist"
RED=$T_OUT/red.conflist BLUE=$T_OUT/blue.conflist

t_case "VERSION through libcni, and validation of the conflist's capabilities"
expect_ok "$DRV" version "$RED"
expect_match '^podnet-bridge .*0\.4\.0.*1\.0\.0' "$T_LAST"
expect_ok "$DRV" validate "$RED"
for cap in ips mac aliases portMappings; do expect_match "$cap" "$T_LAST" "capability $cap"; done

t_case "ADD with CNI_ARGS IP= MAC= and capability args aliases, portMappings"
CAPS='{"aliases":{"red":["web-alias"]},"portMappings":[{"hostPort":18080,"containerPort":80,"protocol":"tcp"}]}'
expect_ok "$DRV" add "$RED" ctr1 /run/netns/pncni-c1 eth0 "IgnoreUnknown=1;K8S_POD_NAME=web;IP=10.99.0.77;MAC=02:aa:bb:cc:dd:ee" "$CAPS"
R1=$T_LAST
expect_eq "10.99.0.77/24 10.99.0.1" "$(jq -r '.ips[0]|"\(.address) \(.gateway)"' <<<"$R1")"
expect_eq "eth0 02:aa:bb:cc:dd:ee" "$(jq -r '.interfaces[] | select(.sandbox) | "\(.name) \(.mac)"' <<<"$R1")"
expect_ok ip -n pncni-c1 -o addr show eth0
expect_match 'inet 10\.99\.0\.77/24' "$T_LAST" "address in the netns"
expect_ok ip -n pncni-c1 -o link show eth0
expect_match 'link/ether 02:aa:bb:cc:dd:ee' "$T_LAST" "MAC in the netns"
expect_ok ip -n pncni-c1 route show default
expect_match 'via 10\.99\.0\.1 dev eth0' "$T_LAST"
expect_match ' 10\.99\.0\.77  web,web-alias$' "$(cat "$DD/dns/red" 2>&1)" "records file"
expect_ok test -s "$CNI_CACHE_DIR/results/red-ctr1-eth0"

t_case "CHECK passes on what ADD made"
expect_ok "$DRV" check "$RED" ctr1 /run/netns/pncni-c1 eth0 "IgnoreUnknown=1;K8S_POD_NAME=web;IP=10.99.0.77;MAC=02:aa:bb:cc:dd:ee" "$CAPS"

t_case "a second container on red reaches the first; one on blue cannot"
expect_ok "$DRV" add "$RED" ctr2 /run/netns/pncni-c2 eth0
expect_match '"10\.99\.0\.[0-9]+/24"' "$(jq -c '.ips[0].address' <<<"$T_LAST")"
expect_ok "$DRV" add "$BLUE" ctr3 /run/netns/pncni-c3 eth0
expect_ok ip netns exec pncni-c2 ping -c1 -W2 10.99.0.77
expect_fail '!' ip netns exec pncni-c3 ping -c1 -W1 10.99.0.77
expect_fail '!' ip netns exec pncni-c3 ping -c1 -W1 10.99.0.1

t_case "the published port (portMappings) reaches the container, through podnet's table"
mkdir -p "$T_OUT/www" && echo "hello cni" >"$T_OUT/www/index.html"
ip netns exec pncni-c1 busybox httpd -f -p 80 -h "$T_OUT/www" >/dev/null 2>&1 & HTTPD=$!
t_on_exit "kill $HTTPD"
wait_for 5 ip netns exec pncni-c2 curl -sf -m1 http://10.99.0.77/
expect_ok curl -sf -m3 http://192.168.90.1:18080/
expect_eq "hello cni" "$T_LAST" "host address"
expect_ok curl -sf -m3 http://127.0.0.1:18080/
expect_eq "hello cni" "$T_LAST" "127.0.0.1"
expect_ok nft list chain inet podnet hostports
expect_match 'dport 18080 dnat ip to 10\.99\.0\.77:80' "$T_LAST"
kill "$HTTPD" 2>/dev/null

t_case "CHECK fails when the container's interface is gone"
expect_ok ip -n pncni-c2 link del eth0
expect_fail '!' "$DRV" check "$RED" ctr2 /run/netns/pncni-c2 eth0

t_case "DEL of all three (twice: idempotent) leaves nothing"
for i in 1 2; do
  expect_ok "$DRV" del "$RED" ctr1 /run/netns/pncni-c1 eth0 "IgnoreUnknown=1;K8S_POD_NAME=web;IP=10.99.0.77;MAC=02:aa:bb:cc:dd:ee" "$CAPS"
  expect_ok "$DRV" del "$RED" ctr2 /run/netns/pncni-c2 eth0
  expect_ok "$DRV" del "$BLUE" ctr3 /run/netns/pncni-c3 eth0
done
expect_eq "" "$(ip -o link show | grep -E ' (pn[0-9a-f]{12}|pnred|pnblue)[@:]' || true)" "veths and bridges"
expect_eq "" "$(ip -n pncni-c1 -o link show | grep -v ' lo:' || true)" "interfaces in c1"
expect_fail '!' nft list table inet podnet
expect_eq "" "$(ls "$DD/dns" 2>/dev/null)" "records files"
expect_eq "" "$(ls "$DD/ipam/red" "$DD/ipam/blue" 2>/dev/null | grep -E '^10\.' || true)" "leases"
expect_eq "" "$(ls "$CNI_CACHE_DIR/results" 2>/dev/null)" "libcni's result cache"
expect_fail '!' curl -sf -m1 http://192.168.90.1:18080/

t_done
