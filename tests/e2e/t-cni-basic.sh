#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# podnet-bridge, the CNI plugin, driven as a CNI runtime drives it (CNI_*
# environment, configuration on stdin) in namespaces of our own, unprivileged:
# VERSION as Podman sends it, ADD with a static IP from CNI_ARGS and aliases
# from runtimeConfig, a dynamic ADD, traffic and isolation, CHECK, DEL twice,
# and the spec's error objects; then what a runtime may do besides: a failed
# ADD and the DEL after it, a second interface on one network, a repeated
# ADD, a container set up again after its namespace went, a reboot, a state
# that cannot be saved, bridge names that are not ours to delete.
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

t_case "a failed first ADD, and the DEL the runtime sends after it, leave no bridge and no nftables table"
# CNI_IFNAME=lo: the name is taken in the container, the ADD fails at the veth
expect_fail 1 cni ADD ffff /proc/$A/ns/net lo "" <<<"$(conf red pnred 10.99.0.0/24)"
expect_match 'lo already exists' "$(jq -r .msg <<<"$T_LAST")"
expect_ok in_i nft list tables
expect_eq "" "$T_LAST" "tables after the failed ADD"
expect_ok cni DEL ffff /proc/$A/ns/net lo "" <<<"$(conf red pnred 10.99.0.0/24)"
expect_ok in_i nft list tables
expect_eq "" "$T_LAST" "tables after its DEL"
expect_ok in_i ip -o link
expect_nomatch 'pnred|pn[0-9a-f]{12}' "$T_LAST" "links"
expect_ok in_c "$A" ip -o link show lo
expect_match 'UP' "$T_LAST" "the container's lo"

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

t_case "a second ADD of a container on one network through another interface is refused; the first stays"
# CNI allows it (another CNI_IFNAME); podnet keeps one attachment per container and network
expect_fail 1 cni ADD aaaa /proc/$A/ns/net eth1 "" <<<"$C1"
expect_match 'already attached to network red as eth0' "$(jq -r .msg <<<"$T_LAST")"
# the DEL a runtime sends after a failed ADD leaves the first attachment alone
expect_ok cni DEL aaaa /proc/$A/ns/net eth1 "" <<<"$C1"
expect_ok in_c "$A" ip -o link
expect_nomatch 'eth1' "$T_LAST" "no eth1"
expect_ok in_c "$A" ip -o addr show eth0
expect_match '10\.99\.0\.77/24' "$T_LAST" "eth0 keeps its address"
expect_ok in_c "$A" ip route show default
expect_match 'via 10\.99\.0\.1 dev eth0' "$T_LAST" "and its route"
expect_eq "aaaa" "$(cat "$DD/ipam/red/10.99.0.77" 2>/dev/null)" "aaaa's lease"
expect_eq "1" "$(grep -c '^aaaa 10\.99\.0\.77 ' "$DD/dns/red")" "aaaa's record"
expect_ok in_c "$B" busybox ping -c1 -W2 10.99.0.77

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

t_case "a repeated ADD with the container's own IP= fails and keeps its lease: nobody else gets the address"
expect_fail 1 cni ADD aaaa /proc/$A/ns/net eth0 "IP=10.99.0.77" <<<"$C1"
expect_eq "aaaa" "$(cat "$DD/ipam/red/10.99.0.77" 2>/dev/null)" "aaaa's lease"
expect_fail 1 cni ADD eeee /proc/$B/ns/net eth1 "IP=10.99.0.77" <<<"$C1"
expect_match 'already in use' "$(jq -r .msg <<<"$T_LAST")" "the same address for another container"

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
# one DEL more creates nothing either
expect_ok cni DEL xxxx "" eth0 "" <<<"$(conf blue pnblue 10.99.1.0/24)"
expect_ok in_i nft list tables
expect_eq "" "$T_LAST" "tables after a repeated DEL"

t_case "a container set up again after its namespace went (no DEL): its ports and address follow, the old lease is freed"
CP=$(conf red pnred 10.99.0.0/24 '{"capabilities":{"portMappings":true},
  "runtimeConfig":{"portMappings":[{"hostPort":18080,"containerPort":80,"protocol":"tcp"}]}}')
P=$(new_ctr); t_on_exit "kill $P"; ready "$P"
expect_ok cni ADD pppp /proc/$P/ns/net eth0 "" <<<"$CP"
IP1=$(jq -r '.ips[0].address|split("/")[0]' <<<"$T_LAST")
kill "$P"; wait_for 5 t_gone "$P"
P=$(new_ctr); t_on_exit "kill $P"; ready "$P"
expect_ok cni ADD pppp /proc/$P/ns/net eth0 "" <<<"$CP"
IP2=$(jq -r '.ips[0].address|split("/")[0]' <<<"$T_LAST")
[[ $IP2 =~ ^10\.99\.0\.[0-9]+$ && $IP2 != "$IP1" ]] || t_fail "a new address: $IP1 then $IP2"
expect_ok in_i nft list chain inet podnet hostports
expect_match "tcp dport 18080 dnat ip to $IP2:80" "$T_LAST" "the port leads to the new address"
expect_nomatch "$IP1:" "$T_LAST" "and not to the old one"
expect_eq "pppp" "$(cat "$DD/ipam/red/$IP2" 2>/dev/null)" "the new lease"
expect_fail '!' test -e "$DD/ipam/red/$IP1"
expect_ok in_i nft list set bridge podnet port_addrs4
expect_match "$IP2" "$T_LAST" "the port may send from the new address"
expect_nomatch "${IP1//./\\.}([^0-9]|\$)" "$T_LAST" "and no longer from the old one"

t_case "after a reboot (same namespace inode, state and leases on disk) a container starts afresh"
# what a reboot leaves: no container, device or rule; the state names the previous boot
kill "$P"; wait_for 5 t_gone "$P"
expect_ok in_i sh -c 'ip link del pnred 2>/dev/null; nft flush ruleset'
jq '.netns |= (split(":") | if length == 3 then .[0:2] + ["00000000-0000-0000-0000-000000000000"] else . end
               | join(":"))' "$DD/state.json" >"$T_OUT/state.json" && cp "$T_OUT/state.json" "$DD/state.json"
P=$(new_ctr); t_on_exit "kill $P"; ready "$P"
expect_ok cni ADD pppp /proc/$P/ns/net eth0 "" <<<"$CP"
IP3=$(jq -r '.ips[0].address|split("/")[0]' <<<"$T_LAST")
[[ $IP3 != "$IP2" ]] || t_fail "a new address: $IP2 then $IP3"
expect_ok in_i nft list chain inet podnet hostports
expect_match "tcp dport 18080 dnat ip to $IP3:80" "$T_LAST" "the port leads to the new address"
expect_nomatch "$IP2:" "$T_LAST" "and not to the one of the previous boot"
expect_eq "$IP3" "$(cd "$DD/ipam/red" && ls 1* | paste -sd' ')" "leases: the previous boot's is freed"
expect_ok cni DEL pppp /proc/$P/ns/net eth0 "" <<<"$CP"
expect_eq "0" "$(find "$DD/ipam/red" -name '1*' | wc -l)" "leases after DEL"
expect_ok in_i nft list tables
expect_eq "" "$T_LAST" "tables after DEL"

t_case "an ADD that fails only at saving its state is undone"
DD2=$T_OUT/data2
mkdir -p "$DD2/state.json/x"
C5=$(conf grey pngrey 10.99.5.0/24 | jq -c --arg dd "$DD2" '.dataDir = $dd')
expect_fail 1 cni ADD ssss /proc/$A/ns/net eth3 "" <<<"$C5"
expect_match 'state\.json' "$(jq -r .msg <<<"$T_LAST")"
expect_ok in_c "$A" ip -o link
expect_nomatch 'eth3' "$T_LAST" "the container's interface"
expect_ok in_i ip -o link
expect_nomatch 'pngrey|pn[0-9a-f]{12}' "$T_LAST" "bridge and host end"
expect_ok in_i nft list tables
expect_eq "" "$T_LAST" "tables"
expect_eq "0" "$(find "$DD2/ipam/grey" -name '1*' | wc -l)" "leases"
expect_eq "" "$(cat "$DD2"/dns/* 2>/dev/null)" "records"

t_case "a bridge name that belongs to another kind of interface is refused, and that interface left alone"
expect_ok in_i sh -ec 'ip link add pnveth0 type veth peer name pnveth1; ip link set pnveth0 up'
expect_fail 1 cni ADD vvvv /proc/$A/ns/net eth4 "" <<<"$(conf brown pnveth0 10.99.6.0/24)"
expect_match 'pnveth0 exists and is not a bridge' "$(jq -r .msg <<<"$T_LAST")"
expect_ok in_i ip -o addr show pnveth0
expect_nomatch '10\.99\.6\.1' "$T_LAST" "no gateway address on it"
expect_ok in_c "$A" ip -o link
expect_nomatch 'eth4' "$T_LAST" "no container interface"
expect_ok in_i ip link del pnveth0

t_case "a failed ADD keeps a bridge it did not create"
expect_ok in_i ip link add pnmine type bridge
expect_fail 1 cni ADD wwww /proc/$A/ns/net lo "" <<<"$(conf mine pnmine 10.99.7.0/24)"
expect_ok in_i ip -o link show pnmine
expect_ok cni DEL wwww /proc/$A/ns/net lo "" <<<"$(conf mine pnmine 10.99.7.0/24)"
expect_ok in_i ip -o link show pnmine
expect_ok in_i ip link del pnmine
expect_ok in_i nft list tables
expect_eq "" "$T_LAST" "tables"
t_done
