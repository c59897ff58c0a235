#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# podnet's netavark front, driven the way Podman drives it, in namespaces of
# our own (unprivileged: a user namespace where we are uid 0, an "I" netns
# standing for Podman's rootless netns with a tap0 uplink, container netns
# inside it): setup with the captured NetworkOptions, the StatusBlock, traffic
# within a network and not across, DNS records and aardvark-dns, errors,
# rollback and idempotent teardown; a second interface on one network, ports
# of a container set up again, a setup whose state cannot be saved, a failed
# first setup and a repeated teardown that leave no table. The full Podman
# run is scripts/test-podman.sh.
source "$(dirname "$0")/lib.sh"
NVK=$PODNET_BUILD/bin/podman-backend/netavark
DATA=$(cd "$(dirname "$0")/../unit/plugins-data" && pwd)
AARDVARK=/usr/lib/podman/aardvark-dns
CFG=$T_OUT/cfg

in_i() { nsenter --preserve-credentials -t "$IPID" -U -n -- "$@"; }
in_c() { local pid=$1; shift; nsenter --preserve-credentials -t "$IPID" -U -- nsenter -t "$pid" -n -- "$@"; }
# a container namespace is ready once unshare has become sleep (before, /proc/PID/ns/net is I)
ready() { local p; for p; do wait_for 5 bash -c "[[ \$(readlink /proc/$p/exe) == */sleep ]]"; done; }
new_ctr() { nsenter --preserve-credentials -t "$IPID" -U -n -- unshare -n sleep 120 >/dev/null 2>&1 & echo $!; }
nvk() { in_i "$NVK" --config "$CFG" --rootless=true --aardvark-binary="$AARDVARK" "$@"; }
opts() { # id name net ip ifname -> one-network NetworkOptions from the captured document
  jq -c --arg id "$1" --arg name "$2" --arg net "$3" --arg ip "$4" --arg ifn "$5" \
    '.container_id=$id | .container_name=$name | del(.port_mappings)
     | .networks={($net): {static_ips:[$ip], aliases:[$id[0:12]], interface_name:$ifn}}
     | .network_info={($net): .network_info[$net]}' "$DATA/nvk-multi.json"
}

t_case "set up: an infra namespace with a tap0 uplink, container namespaces in it"
unshare -rn sleep 120 & IPID=$!
t_on_exit "kill $IPID"
# unshare has mapped the ids and become sleep only once its exe is sleep
wait_for 5 bash -c "[[ \$(readlink /proc/$IPID/exe) == */sleep ]]"
expect_ok in_i sh -c 'ip link set lo up && ip link add tap0 type veth peer name tap0-peer &&
  ip addr add 10.0.2.100/24 dev tap0 && ip link set tap0 up && ip link set tap0-peer up &&
  ip route add default via 10.0.2.2'
A=$(new_ctr); B=$(new_ctr); X=$(new_ctr)
t_on_exit "kill $A $B $X"
ready "$A" "$B" "$X"

t_case "version, --version and usage errors"
expect_ok "$NVK" version
expect_match '"version"' "$T_LAST"
expect_ok "$NVK" --version
expect_match '^netavark ' "$T_LAST"
expect_fail 2 "$NVK" frobnicate
expect_eq "error" "$(jq -r 'keys[0]' <<<"$T_LAST")" "error object"

t_case "a failed first setup, and a teardown after it, leave no bridge and no nftables table"
expect_fail 1 nvk setup /proc/$A/ns/net < <(jq -c '.networks."if-net1".interface_name="lo"' "$DATA/nvk-multi.json")
expect_match 'lo already exists' "$T_LAST"
expect_ok in_i nft list tables
expect_eq "" "$T_LAST" "tables after the failed setup"
expect_ok nvk teardown /proc/$A/ns/net < <(jq -c '.networks."if-net1".interface_name="lo"' "$DATA/nvk-multi.json")
expect_ok in_i nft list tables
expect_eq "" "$T_LAST" "tables after its teardown"
expect_ok in_i ip -o link
expect_nomatch 'pn[0-9a-f]{12}|podman[0-9]' "$T_LAST" "veths and bridges"

t_case "setup with Podman's two-network document: one StatusBlock per network"
expect_ok nvk setup /proc/$A/ns/net <"$DATA/nvk-multi.json"
STATUS=$T_LAST
expect_eq "if-net1 if-net2" "$(jq -r 'keys|join(" ")' <<<"$STATUS")" "networks"
expect_eq "10.89.0.3/24 10.89.0.1" "$(jq -r '."if-net1".interfaces.eth0.subnets[0]|"\(.ipnet) \(.gateway)"' <<<"$STATUS")"
expect_eq "10.89.1.2/24" "$(jq -r '."if-net2".interfaces.eth1.subnets[0].ipnet' <<<"$STATUS")"
expect_eq '["dns.podman"] ["10.89.0.1"]' "$(jq -c '."if-net1"|.dns_search_domains, .dns_server_ips' <<<"$STATUS" | paste -sd' ')"
expect_ok in_c "$A" ip -o addr show eth0
expect_match '10\.89\.0\.3/24' "$T_LAST"
expect_ok in_c "$A" ip -o link show eth0
expect_match "link/ether $(jq -r '."if-net1".interfaces.eth0.mac_address' <<<"$STATUS") " "$T_LAST" "reported MAC is the real one"
expect_ok in_c "$A" ip route show default
expect_match 'via 10\.89\.0\.1 dev eth0' "$T_LAST"

t_case "a second container on if-net1 reaches the first; one on if-net2 only cannot reach if-net1"
expect_ok nvk setup /proc/$B/ns/net < <(opts bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb ctr-b if-net1 10.89.0.4 eth0)
expect_ok nvk setup /proc/$X/ns/net < <(opts cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc ctr-x if-net2 10.89.1.5 eth0)
expect_ok in_c "$B" busybox ping -c1 -W2 10.89.0.3
expect_fail '!' in_c "$X" busybox ping -c1 -W1 10.89.0.4
expect_fail '!' in_c "$X" busybox ping -c1 -W1 10.89.0.1
expect_ok in_c "$X" busybox ping -c1 -W2 10.89.1.2

t_case "a second setup of a container on a network through another interface is refused; the first stays"
expect_fail 1 nvk setup /proc/$B/ns/net < <(opts bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb ctr-b if-net1 10.89.0.9 eth1)
expect_match 'already attached to network if-net1 as eth0' "$T_LAST"
expect_ok nvk teardown /proc/$B/ns/net < <(opts bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb ctr-b if-net1 10.89.0.9 eth1)
expect_ok in_c "$B" ip -o link
expect_nomatch 'eth1' "$T_LAST" "no eth1"
expect_ok in_c "$B" ip -o addr show eth0
expect_match '10\.89\.0\.4/24' "$T_LAST" "eth0 keeps its address"
expect_ok in_c "$B" busybox ping -c1 -W2 10.89.0.3

t_case "DNS: aardvark-format records, and aardvark-dns answers names on the network"
expect_ok cat "$CFG/aardvark-dns/if-net1"
expect_eq "10.89.0.1
3ca05e326cd5d46372209b0156e9827c33a47ebaeadf9cf33469579a34fd8abe 10.89.0.3  if-multi,if-alias-a,3ca05e326cd5
bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb 10.89.0.4  ctr-b,bbbbbbbbbbbb" "$T_LAST"
if [[ -x $AARDVARK ]]; then
  wait_for 5 in_c "$B" timeout 2 busybox nslookup if-alias-a 10.89.0.1
  expect_ok in_c "$B" timeout 3 busybox nslookup if-alias-a 10.89.0.1
  expect_match 'Address: 10\.89\.0\.3' "$T_LAST"
  expect_fail "!" in_c "$X" timeout 3 busybox nslookup ctr-b 10.89.1.1
fi

t_case "the firewall: one nftables table, masquerade out of tap0, no iptables chains"
expect_ok in_i nft list table inet podnet
expect_match 'oifname "tap0" masquerade' "$T_LAST"
expect_match 'iifname "podman2" oifname "tap0" accept' "$T_LAST"

t_case "static MAC and mtu from the network options; DNS off gives empty arrays"
D=$(new_ctr); t_on_exit "kill $D"; ready "$D"
expect_ok nvk setup /proc/$D/ns/net <"$DATA/nvk-opts.json"
expect_eq "$(jq -S . "$DATA/nvk-opts-status.json")" "$(jq -S . <<<"$T_LAST")" "StatusBlock equals netavark's"
expect_ok in_c "$D" ip -o link show eth0
expect_match 'mtu 1400 .* link/ether 02:11:22:33:44:55 ' "$T_LAST"
expect_ok nvk teardown /proc/$D/ns/net <"$DATA/nvk-opts.json"

t_case "errors: JSON error object on stdout, exit 1, nothing left behind"
expect_fail 1 nvk setup /proc/$D/ns/net <<<'{"container_id":'
expect_match '^\{"error":"cannot parse' "$T_LAST"
expect_fail 1 nvk setup /nonexistent/netns <"$DATA/nvk-opts.json"
expect_match 'invalid namespace path' "$T_LAST"
expect_fail 1 nvk setup /proc/$D/ns/net < <(head -c 2000000 /dev/zero | tr '\0' ' ')
expect_match 'larger than' "$T_LAST"
# the second network asks for an interface name that exists: the first is rolled back
expect_fail 1 nvk setup /proc/$D/ns/net < <(jq -c '.networks."if-net2".interface_name="lo"' "$DATA/nvk-multi.json")
expect_ok in_c "$D" ip -o link
expect_nomatch 'eth0' "$T_LAST" "rolled back"
expect_ok in_i ip -o link
expect_nomatch 'podman5' "$T_LAST" "no bridge of a failed setup"

t_case "a failed setup does not delete a container interface it did not create"
expect_ok in_c "$D" ip link add eth1 type veth peer name eth1p
expect_fail 1 nvk setup /proc/$D/ns/net < <(jq -c '.networks."if-net2".interface_name="eth1"' "$DATA/nvk-multi.json")
expect_ok in_c "$D" ip -o link show eth1
expect_match 'eth1@eth1p' "$T_LAST" "the container's own eth1"
expect_ok in_c "$D" ip -o link
expect_nomatch 'eth0' "$T_LAST" "the first network rolled back"
expect_ok in_c "$D" ip link del eth1

t_case "a container set up again after its namespace went (no teardown): its ports follow the new address"
optsp() { opts "$@" | jq -c '.port_mappings = [{host_ip: "", container_port: 80, host_port: 18200, range: 1, protocol: "tcp"}]'; }
PID_P=$(new_ctr); t_on_exit "kill $PID_P"; ready "$PID_P"
expect_ok nvk setup /proc/$PID_P/ns/net < <(optsp pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp ctr-p if-net1 10.89.0.20 eth0)
expect_ok in_i nft list chain inet podnet hostports
expect_match 'tcp dport 18200 dnat ip to 10\.89\.0\.20:80' "$T_LAST"
kill "$PID_P"; wait_for 5 t_gone "$PID_P"
PID_P=$(new_ctr); t_on_exit "kill $PID_P"; ready "$PID_P"
expect_ok nvk setup /proc/$PID_P/ns/net < <(optsp pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp ctr-p if-net1 10.89.0.21 eth0)
expect_ok in_i nft list chain inet podnet hostports
expect_match 'tcp dport 18200 dnat ip to 10\.89\.0\.21:80' "$T_LAST" "the port leads to the new address"
expect_nomatch '10\.89\.0\.20:' "$T_LAST" "and not to the old one"
expect_ok nvk teardown /proc/$PID_P/ns/net < <(optsp pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp ctr-p if-net1 10.89.0.21 eth0)
expect_ok in_i nft list chain inet podnet hostports
expect_nomatch '18200' "$T_LAST" "teardown unpublishes it"

t_case "teardown: no output, idempotent, fine when the namespace is gone; nothing left"
expect_ok nvk teardown /proc/$A/ns/net <"$DATA/nvk-multi.json"
expect_eq "" "$T_LAST" "teardown prints nothing"
expect_ok nvk teardown /proc/$A/ns/net <"$DATA/nvk-multi.json"
expect_ok nvk teardown /proc/$B/ns/net < <(opts bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb ctr-b if-net1 10.89.0.4 eth0)
kill "$X"; wait "$X" 2>/dev/null
expect_ok nvk teardown /nonexistent/netns < <(opts cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc ctr-x if-net2 10.89.1.5 eth0)
expect_ok in_i ip -o link
expect_nomatch 'pn[0-9a-f]{12}|podman[0-9]' "$T_LAST" "veths and bridges"
expect_fail '!' in_i nft list table inet podnet
expect_eq "" "$(ls "$CFG/aardvark-dns" | grep -v '^aardvark' || true)" "records files"
expect_eq "0" "$(jq '.networks|length' "$CFG/podnet/state.json")" "state"
if [[ -f $CFG/aardvark-dns/aardvark.pid ]]; then
  wait_for 5 test ! -f "$CFG/aardvark-dns/aardvark.pid"
  expect_fail '!' test -f "$CFG/aardvark-dns/aardvark.pid"
fi
# one teardown more creates nothing either
expect_ok nvk teardown /proc/$A/ns/net <"$DATA/nvk-multi.json"
expect_ok in_i nft list tables
expect_eq "" "$T_LAST" "tables after a repeated teardown"

t_case "a setup that fails only at saving its state is undone"
CFG2=$T_OUT/cfg2
mkdir -p "$CFG2/podnet/state.json/x"
expect_fail 1 in_i "$NVK" --config "$CFG2" --rootless=true --aardvark-binary= setup /proc/$D/ns/net <"$DATA/nvk-opts.json"
expect_match 'state\.json' "$T_LAST"
expect_ok in_c "$D" ip -o link
expect_nomatch 'eth0' "$T_LAST" "the container's interface"
expect_ok in_i ip -o link
expect_nomatch 'pn[0-9a-f]{12}|podman[0-9]' "$T_LAST" "bridge and host end"
expect_ok in_i nft list tables
expect_eq "" "$T_LAST" "tables"
# ---- leftovers of killed runs (a teardown SIGKILLed, a namespace recreated) ----
# id name ip netname bridge subnet gateway netid [port] -> a one-network document for any network
optsn() {
  jq -c --arg id "$1" --arg name "$2" --arg ip "$3" --arg net "$4" --arg br "$5" --arg sub "$6" --arg gw "$7" \
    --arg nid "$8" --argjson port "${9:-0}" '
    .container_id=$id | .container_name=$name
    | .port_mappings=(if $port > 0 then [{host_ip: "", container_port: 80, host_port: $port, range: 1, protocol: "tcp"}] else [] end)
    | .networks={($net): {static_ips:[$ip], aliases:[$id[0:12]], interface_name:"eth0"}}
    | .network_info={($net): (.network_info["if-net1"] | .name=$net | .id=$nid | .network_interface=$br
                              | .subnets=[{subnet:$sub, gateway:$gw}])}' "$DATA/nvk-multi.json"
}
id64() { printf "${1}%.0s" {1..64}; }
NID_OLD=$(id64 e); NID_NEW=$(id64 f)
# at exit, whatever a failed case left: the daemon that $1/aardvark-dns/aardvark.pid names
daemon_stop() {
  local p; p=$(cat "$1/aardvark-dns/aardvark.pid" 2>/dev/null) || return 0
  [[ $(cat "/proc/$p/comm" 2>/dev/null) == aardvark-dns ]] && kill "$p"; return 0
}
links_pn() { in_i ip -o link | grep -c ' pn[0-9a-f]\{12\}@' || true; }

t_case "a network removed while its container's teardown was killed: a new network on its bridge is not blocked by it"
CFG=$T_OUT/cfg-replaced
t_on_exit "daemon_stop $CFG"
R1=$(new_ctr); R2=$(new_ctr); t_on_exit "kill $R1 $R2"; ready "$R1" "$R2"
expect_ok nvk setup /proc/$R1/ns/net < <(optsn "$(id64 1)" old-ctr 10.89.1.7 old-net podman2 10.89.1.0/24 10.89.1.1 "$NID_OLD")
# no teardown of old-ctr (killed), Podman removes old-net; the next network gets podman2 again
expect_ok nvk setup /proc/$R2/ns/net < <(optsn "$(id64 2)" new-ctr 10.89.9.7 new-net podman2 10.89.9.0/24 10.89.9.1 "$NID_NEW")
expect_ok in_i nft list table inet podnet
expect_nomatch '10\.89\.1\.' "$T_LAST" "no rule of the removed network"
expect_ok in_c "$R2" busybox ping -c1 -W2 10.89.9.1
expect_eq "new-net" "$(jq -r '.networks|keys|join(" ")' "$CFG/podnet/state.json")" "networks in the state"
expect_eq "new-net" "$(ls "$CFG/aardvark-dns" | grep -v '^aardvark' | paste -sd' ')" "records files"
if [[ -x $AARDVARK ]]; then
  wait_for 5 in_c "$R2" timeout 2 busybox nslookup new-ctr 10.89.9.1
  expect_ok in_c "$R2" timeout 3 busybox nslookup new-ctr 10.89.9.1
  expect_match 'Address: 10\.89\.9\.7' "$T_LAST"
fi
# a network of the same name recreated (another id) replaces the recorded one too
R3=$(new_ctr); t_on_exit "kill $R3"; ready "$R3"
expect_ok nvk setup /proc/$R3/ns/net < <(optsn "$(id64 3)" third 10.89.8.7 new-net podman2 10.89.8.0/24 10.89.8.1 "$(id64 d)")
expect_ok in_i nft list table inet podnet
expect_nomatch '10\.89\.9\.' "$T_LAST" "no rule of the network of that name before"
expect_ok in_c "$R3" busybox ping -c1 -W2 10.89.8.1
expect_eq "$(id64 3)" "$(jq -r '.networks."new-net".attachments|keys|join(" ")' "$CFG/podnet/state.json")" "attachments"
expect_ok nvk teardown /proc/$R3/ns/net < <(optsn "$(id64 3)" third 10.89.8.7 new-net podman2 10.89.8.0/24 10.89.8.1 "$(id64 d)")
expect_ok in_i ip -o link
expect_nomatch 'pn[0-9a-f]{12}|podman[0-9]' "$T_LAST" "veths and bridges"
expect_fail '!' in_i nft list table inet podnet
kill "$R1" "$R2" "$R3"

t_case "a container gone without a teardown is collected at the next setup: its record, ports and attachment"
CFG=$T_OUT/cfg-gone
t_on_exit "daemon_stop $CFG"
G1=$(new_ctr); G2=$(new_ctr); G3=$(new_ctr); t_on_exit "kill $G1 $G2 $G3"; ready "$G1" "$G2" "$G3"
expect_ok nvk setup /proc/$G1/ns/net < <(optsn "$(id64 6)" web 10.89.0.20 if-net1 podman1 10.89.0.0/24 10.89.0.1 "$NID_OLD" 18300)
expect_ok nvk setup /proc/$G2/ns/net < <(optsn "$(id64 7)" other 10.89.0.21 if-net1 podman1 10.89.0.0/24 10.89.0.1 "$NID_OLD")
# web's teardown is killed and its namespace goes; a new "web" comes
kill "$G1"; wait_for 5 t_gone "$G1"
wait_for 5 test "$(links_pn)" = 1
expect_ok nvk setup /proc/$G3/ns/net < <(optsn "$(id64 8)" web 10.89.0.22 if-net1 podman1 10.89.0.0/24 10.89.0.1 "$NID_OLD")
expect_ok cat "$CFG/aardvark-dns/if-net1"
expect_nomatch "$(id64 6)" "$T_LAST" "no record of the gone container"
expect_eq "$(id64 7) $(id64 8)" "$(jq -r '.networks."if-net1".attachments|keys|join(" ")' "$CFG/podnet/state.json")" "attachments"
expect_eq "0" "$(jq '.ports|length' "$CFG/podnet/state.json")" "published ports"
expect_ok in_i nft list chain inet podnet hostports
expect_nomatch '18300' "$T_LAST" "its port is unpublished"
if [[ -x $AARDVARK ]]; then
  wait_for 5 in_c "$G2" timeout 2 busybox nslookup web 10.89.0.1
  expect_ok in_c "$G2" timeout 3 busybox nslookup web 10.89.0.1
  expect_match 'Address: 10\.89\.0\.22' "$T_LAST"
  expect_nomatch '10\.89\.0\.20' "$T_LAST" "one address, the live one"
fi
expect_ok nvk teardown /proc/$G3/ns/net < <(optsn "$(id64 8)" web 10.89.0.22 if-net1 podman1 10.89.0.0/24 10.89.0.1 "$NID_OLD")
expect_ok nvk teardown /proc/$G2/ns/net < <(optsn "$(id64 7)" other 10.89.0.21 if-net1 podman1 10.89.0.0/24 10.89.0.1 "$NID_OLD")
expect_eq "" "$(ls "$CFG/aardvark-dns" | grep -v '^aardvark' || true)" "records files"
if [[ -f $CFG/aardvark-dns/aardvark.pid ]]; then
  wait_for 5 test ! -f "$CFG/aardvark-dns/aardvark.pid"
  expect_fail '!' test -f "$CFG/aardvark-dns/aardvark.pid" "the daemon exits with the last real record"
fi
# the same when no setup follows: the teardown of another container collects it
kill "$G2" "$G3"

t_case "a container name that cannot be a DNS name (254+ characters) is left out of the records; the setup works"
CFG=$T_OUT/cfg-long
t_on_exit "daemon_stop $CFG"
L1=$(new_ctr); t_on_exit "kill $L1"; ready "$L1"
LONG=$(printf 'n%.0s' {1..300})
expect_ok nvk setup /proc/$L1/ns/net < <(optsn "$(id64 9)" "$LONG" 10.89.0.40 if-net1 podman1 10.89.0.0/24 10.89.0.1 "$NID_OLD")
expect_ok cat "$CFG/aardvark-dns/if-net1"
expect_eq "10.89.0.1
$(id64 9) 10.89.0.40  $(id64 9 | head -c 12)" "$T_LAST" "records: the short id only"
expect_ok nvk teardown /proc/$L1/ns/net < <(optsn "$(id64 9)" "$LONG" 10.89.0.40 if-net1 podman1 10.89.0.0/24 10.89.0.1 "$NID_OLD")
wait_for 5 test ! -f "$CFG/aardvark-dns/aardvark.pid"
kill "$L1"

if [[ -x $AARDVARK ]]; then
t_case "aardvark.pid naming an exited daemon (a zombie not yet reaped): a new one is started"
CFG=$T_OUT/cfg-zombie
t_on_exit "daemon_stop $CFG"
mkdir -p "$CFG/aardvark-dns"
# aardvark-dns exits at once; its parent (sh become sleep) never reaps it
nsenter --preserve-credentials -t "$IPID" -U -n -- sh -c "$AARDVARK --version >/dev/null 2>&1 & echo \$! >'$CFG/aardvark-dns/aardvark.pid'; exec sleep 60" &
ZP=$!; t_on_exit "kill $ZP"
wait_for 5 bash -c "p=\$(cat '$CFG/aardvark-dns/aardvark.pid' 2>/dev/null) && [[ \$(awk '{print \$3}' /proc/\$p/stat) == Z ]]"
Z1=$(new_ctr); t_on_exit "kill $Z1"; ready "$Z1"
expect_ok nvk setup /proc/$Z1/ns/net < <(optsn "$(id64 a)" zed 10.89.0.50 if-net1 podman1 10.89.0.0/24 10.89.0.1 "$NID_OLD")
wait_for 5 in_c "$Z1" timeout 2 busybox nslookup zed 10.89.0.1
expect_ok in_c "$Z1" timeout 3 busybox nslookup zed 10.89.0.1
expect_match 'Address: 10\.89\.0\.50' "$T_LAST"
expect_ok nvk teardown /proc/$Z1/ns/net < <(optsn "$(id64 a)" zed 10.89.0.50 if-net1 podman1 10.89.0.0/24 10.89.0.1 "$NID_OLD")
wait_for 5 test ! -f "$CFG/aardvark-dns/aardvark.pid"
kill "$Z1" "$ZP"

t_case "Podman recreates its rootless netns with records left: the daemon in the old one is stopped, one starts in the new"
CFG=$T_OUT/cfg-renew
t_on_exit "daemon_stop $CFG"
# a user namespace of its own that outlives its network namespaces, as Podman's pause process's does
unshare -r sleep 120 & UPID=$!; t_on_exit "kill $UPID"
wait_for 5 bash -c "[[ \$(readlink /proc/$UPID/exe) == */sleep ]]"
new_i() { nsenter --preserve-credentials -t "$UPID" -U -- unshare -n sh -c 'ip link set lo up && ip link add tap0 type veth peer name tap0-peer &&
  ip addr add 10.0.2.100/24 dev tap0 && ip link set tap0 up && ip link set tap0-peer up &&
  ip route add default via 10.0.2.2 && exec sleep 120' >/dev/null 2>&1 & echo $!; }
ready_i() { wait_for 5 bash -c "[[ \$(readlink /proc/$1/exe) == */sleep ]]"; }
nvk_in() { local i=$1; shift; nsenter --preserve-credentials -t "$i" -U -n -- "$NVK" --config "$CFG" --rootless=true --aardvark-binary="$AARDVARK" "$@"; }
ctr_in() { nsenter --preserve-credentials -t "$1" -U -n -- unshare -n sleep 120 >/dev/null 2>&1 & echo $!; }
I1=$(new_i); t_on_exit "kill $I1"; ready_i "$I1"
N1=$(ctr_in "$I1"); t_on_exit "kill $N1"; ready "$N1"
expect_ok nvk_in "$I1" setup /proc/$N1/ns/net < <(optsn "$(id64 b)" first 10.89.0.60 if-net1 podman1 10.89.0.0/24 10.89.0.1 "$NID_OLD")
wait_for 5 test -f "$CFG/aardvark-dns/aardvark.pid"
OLD_DAEMON=$(cat "$CFG/aardvark-dns/aardvark.pid")
# the rootless netns goes (its daemon keeps it alive), and Podman makes a new one
kill "$N1" "$I1"; wait_for 5 t_gone "$N1" "$I1"
I2=$(new_i); t_on_exit "kill $I2"; ready_i "$I2"
N2=$(ctr_in "$I2"); t_on_exit "kill $N2"; ready "$N2"
expect_ok nvk_in "$I2" setup /proc/$N2/ns/net < <(optsn "$(id64 c)" second 10.89.0.61 if-net1 podman1 10.89.0.0/24 10.89.0.1 "$NID_OLD")
wait_for 5 nsenter --preserve-credentials -t "$UPID" -U -- nsenter -t "$N2" -n -- timeout 2 busybox nslookup second 10.89.0.1
expect_ok nsenter --preserve-credentials -t "$UPID" -U -- nsenter -t "$N2" -n -- timeout 3 busybox nslookup second 10.89.0.1
expect_match 'Address: 10\.89\.0\.61' "$T_LAST"
wait_for 5 t_gone "$OLD_DAEMON"
expect_ok t_gone "$OLD_DAEMON"
expect_ok nvk_in "$I2" teardown /proc/$N2/ns/net < <(optsn "$(id64 c)" second 10.89.0.61 if-net1 podman1 10.89.0.0/24 10.89.0.1 "$NID_OLD")
wait_for 5 test ! -f "$CFG/aardvark-dns/aardvark.pid"
# whatever failed above: no daemon of this case outlives it
[[ -d /proc/$OLD_DAEMON ]] && [[ $(cat /proc/$OLD_DAEMON/comm 2>/dev/null) == aardvark-dns ]] && kill "$OLD_DAEMON"
kill "$N2" "$I2" "$UPID"
fi
t_done
