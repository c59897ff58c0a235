#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# podnet-bridge, the CNI plugin, driven as a CNI runtime drives it (CNI_*
# environment, configuration on stdin) in namespaces of our own, unprivileged:
# VERSION as Podman sends it, ADD with a static IP from CNI_ARGS and aliases
# from runtimeConfig, a dynamic ADD, traffic and isolation, CHECK, DEL twice,
# and the spec's error objects.
source "$(dirname "$0")/lib.sh"
PLUGIN=$PODNET_BUILD/bin/cni/podnet-bridge
DD=$T_OUT/data

in_i() { nsenter --preserve-credentials -t "$IPID" -U -n -- "$@"; }
in_c() { local pid=$1; shift; nsenter --preserve-credentials -t "$IPID" -U -- nsenter -t "$pid" -n -- "$@"; }
# a container namespace is ready once unshare has become sleep (before, /proc/PID/ns/net is I)
ready() { local p; for p; do wait_for 5 bash -c "[[ \$(readlink /proc/$p/exe) == */sleep ]]"; done; }
new_ctr() { nsenter --preserve-credentials -t "$IPID" -U -n -- unshare -n sleep 120 >/dev/null 2>&1 & echo $!; }
conf() { # name bridge subnet [extra json]
  jq -nc --arg n "$1" --arg b "$2" --arg s "$3" --arg dd "$DD" --argjson x "${4:-{\}}" \
    '{cniVersion:"1.0.0", name:$n, type:"podnet-bridge", bridge:$b, isGateway:true, ipMasq:true,
      dataDir:$dd, dnsEnabled:true, uplink:"tap0", capabilities:{ips:true, aliases:true},
      ipam:{type:"host-local", ranges:[[{subnet:$s}]]}} + $x'
}
cni() { # COMMAND ID NETNS IFNAME ARGS <conf
  in_i env CNI_COMMAND="$1" CNI_CONTAINERID="$2" CNI_NETNS="$3" CNI_IFNAME="$4" CNI_ARGS="$5" CNI_PATH=/nonexistent "$PLUGIN"
}

t_case "set up: an infra namespace with an uplink, container namespaces"
unshare -rn sleep 120 >/dev/null 2>&1 & IPID=$!
t_on_exit "kill $IPID"
# unshare has mapped the ids and become sleep only once its exe is sleep
wait_for 5 bash -c "[[ \$(readlink /proc/$IPID/exe) == */sleep ]]"
expect_ok in_i sh -c 'ip link set lo up && ip link add tap0 type veth peer name tap0-peer && ip link set tap0 up'
A=$(new_ctr); B=$(new_ctr); X=$(new_ctr)
t_on_exit "kill $A $B $X"
ready "$A" "$B" "$X"

t_case "VERSION as Podman sends it"
expect_ok env CNI_COMMAND=VERSION CNI_NETNS=dummy CNI_IFNAME=dummy CNI_PATH=dummy CNI_CONTAINERID= CNI_ARGS= \
  "$PLUGIN" <<<'{"cniVersion":"1.0.0"}'
expect_eq '1.0.0 true' "$(jq -r '"\(.cniVersion) \(.supportedVersions|index("0.4.0") != null)"' <<<"$T_LAST")"

t_case "ADD with IP= and MAC= from CNI_ARGS and aliases from runtimeConfig"
C1=$(conf red pnred 10.99.0.0/24 '{"runtimeConfig":{"aliases":{"red":["web-alias"]}}}')
expect_ok cni ADD aaaa /proc/$A/ns/net eth0 "IgnoreUnknown=1;K8S_POD_NAME=web;MAC=02:aa:bb:cc:dd:ee;IP=10.99.0.77" <<<"$C1"
R1=$T_LAST
expect_eq "10.99.0.77/24 10.99.0.1 2" "$(jq -r '.ips[0]|"\(.address) \(.gateway) \(.interface)"' <<<"$R1")"
expect_eq "pnred eth0 02:aa:bb:cc:dd:ee /proc/$A/ns/net" "$(jq -r '"\(.interfaces[0].name) \(.interfaces[2].name) \(.interfaces[2].mac) \(.interfaces[2].sandbox)"' <<<"$R1")"
expect_eq '10.99.0.1 dns.podman' "$(jq -r '"\(.dns.nameservers[0]) \(.dns.search[0])"' <<<"$R1")"
expect_ok in_c "$A" ip -o addr show eth0
expect_match '10\.99\.0\.77/24' "$T_LAST"
expect_eq "aaaa" "$(cat "$DD/ipam/red/10.99.0.77")" "lease"
expect_eq "10.99.0.1
aaaa 10.99.0.77  web,web-alias" "$(cat "$DD/dns/red")" "records file"

t_case "a dynamic ADD gets another address; containers on red talk, a container on blue cannot"
expect_ok cni ADD bbbb /proc/$B/ns/net eth0 "" <<<"$(conf red pnred 10.99.0.0/24)"
IPB=$(jq -r '.ips[0].address' <<<"$T_LAST")
expect_match '^10\.99\.0\.[0-9]+/24$' "$IPB"
[[ $IPB != 10.99.0.77/24 ]] || t_fail "the static address was handed out twice"
expect_ok cni ADD xxxx /proc/$X/ns/net eth0 "" <<<"$(conf blue pnblue 10.99.1.0/24)"
expect_ok in_c "$B" busybox ping -c1 -W2 10.99.0.77
expect_fail '!' in_c "$X" busybox ping -c1 -W1 10.99.0.77
expect_fail '!' in_c "$X" busybox ping -c1 -W1 10.99.0.1
expect_ok in_i nft list table inet podnet
expect_match 'iifname "pnblue" oifname "tap0" accept' "$T_LAST"

t_case "CHECK passes on the ADD result and fails when the address is gone"
expect_ok cni CHECK aaaa /proc/$A/ns/net eth0 "" <<<"$(jq -c --argjson p "$R1" '. + {prevResult:$p}' <<<"$C1")"
expect_ok in_c "$A" ip addr del 10.99.0.77/24 dev eth0
expect_fail 1 cni CHECK aaaa /proc/$A/ns/net eth0 "" <<<"$(jq -c --argjson p "$R1" '. + {prevResult:$p}' <<<"$C1")"
expect_match 'lacks an address' "$(jq -r .msg <<<"$T_LAST")"

t_case "errors are CNI error objects with the spec's codes"
expect_fail 1 cni ADD dddd /proc/$A/ns/net eth1 "" <<<"$(conf red pnred 10.99.0.0/24 '{"cniVersion":"9.9.9"}')"
expect_eq 1 "$(jq .code <<<"$T_LAST")" "incompatible version"
expect_fail 1 cni ADD dddd /proc/$A/ns/net eth1 "FOO=bar" <<<"$C1"
expect_eq 4 "$(jq .code <<<"$T_LAST")" "unknown CNI_ARGS"
expect_fail 1 cni ADD dddd /nonexistent eth1 "" <<<"$C1"
expect_eq 3 "$(jq .code <<<"$T_LAST")" "no such namespace"
expect_fail 1 cni ADD dddd /proc/$B/ns/net eth1 "IP=10.99.0.77" <<<"$C1"
expect_match 'already in use' "$(jq -r .msg <<<"$T_LAST")"
expect_ok in_c "$B" ip -o link
expect_nomatch 'eth1' "$T_LAST" "failed ADD leaves no interface"
expect_fail 1 cni ADD dddd /proc/$B/ns/net eth1 "IP=10.99.0.5,10.99.0.6" <<<"$C1"
expect_match 'one address per subnet' "$(jq -r .msg <<<"$T_LAST")" "two addresses asked in one subnet"
expect_fail 1 cni ADD dddd /proc/$A/ns/net eth1 "" <<<'{"cniVersion":"1.0.0","name":"red","ipam":{"type":"dhcp"}}'
expect_eq 2 "$(jq .code <<<"$T_LAST")" "unsupported field"

t_case "a failed second ADD of a container frees only what it leased, not the address the container holds"
before=$(find "$DD/ipam/red" -name '1*' | sort)
expect_fail 1 cni ADD aaaa /proc/$A/ns/net eth0 "" <<<"$C1"
expect_eq "aaaa" "$(cat "$DD/ipam/red/10.99.0.77" 2>/dev/null)" "aaaa's lease"
expect_eq "$before" "$(find "$DD/ipam/red" -name '1*' | sort)" "leases of red"

t_case "the last DEL on a bridge keeps it when ports not ours are still in it"
# (a veth end stands for the host's own port: an unprivileged namespace cannot load the dummy module)
expect_ok in_i sh -ec 'ip link add pnown type bridge; ip link add own0 type veth peer name own1; ip link set own0 master pnown'
C3=$(conf green pnown 10.99.2.0/24)
expect_ok cni ADD gggg /proc/$B/ns/net eth1 "" <<<"$C3"
expect_ok cni DEL gggg /proc/$B/ns/net eth1 "" <<<"$C3"
expect_ok in_i ip -o link show master pnown
expect_match 'own0' "$T_LAST" "the bridge and its own port"
expect_ok in_i sh -ec 'ip link del own0; ip link del pnown'

t_case "DEL twice succeeds; nothing is left (veths, bridges, leases, records, table)"
for id in aaaa bbbb; do
  expect_ok cni DEL $id /proc/$A/ns/net eth0 "" <<<"$C1"
  expect_eq "" "$T_LAST" "DEL prints nothing"
done
expect_ok cni DEL aaaa /proc/$A/ns/net eth0 "" <<<"$C1"
kill "$X"; wait "$X" 2>/dev/null
expect_ok cni DEL xxxx "" eth0 "" <<<"$(conf blue pnblue 10.99.1.0/24)"
expect_ok in_i ip -o link
expect_nomatch 'pn[0-9a-f]{12}|pnred|pnblue' "$T_LAST"
expect_eq "0 0" "$(find "$DD/ipam/red" -name '1*' | wc -l) $(find "$DD/ipam/blue" -name '1*' | wc -l)" "leases"
expect_eq "" "$(ls "$DD/dns")" "records files"
expect_fail '!' in_i nft list table inet podnet
t_done
