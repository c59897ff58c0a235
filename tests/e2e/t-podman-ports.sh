#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Port mappings of the netavark front as rootful Podman asks for them
# (--rootless=false, the host's namespace is the infra namespace), driven
# directly with the captured NetworkOptions, unprivileged: a user namespace
# where we are uid 0, an "H" netns standing for the host with an uplink to an
# outside netns O and an unrelated LAN netns L routed through H. Host ports
# reach the container from outside and from 127.0.0.1 (tcp, a udp range, a
# host_ip); nothing else enters the bridge; forwarding O <-> L keeps working
# (the forward chain's policy stays accept); teardown unpublishes.
source "$(dirname "$0")/lib.sh"
NVK=$PODNET_BUILD/bin/podman-backend/netavark
DATA=$(cd "$(dirname "$0")/../unit/plugins-data" && pwd)
CFG=$T_OUT/cfg
ID=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa

in_h() { nsenter --preserve-credentials -t "$HPID" -U -n -- "$@"; }
in_n() { local pid=$1; shift; nsenter --preserve-credentials -t "$HPID" -U -- nsenter -t "$pid" -n -- "$@"; }
ready() { local p; for p; do wait_for 5 bash -c "[[ \$(readlink /proc/$p/exe) == */sleep ]]"; done; }
new_ns() { nsenter --preserve-credentials -t "$HPID" -U -n -- unshare -n sleep 120 >/dev/null 2>&1 & echo $!; }
nvk() { in_h "$NVK" --config "$CFG" --rootless=false --aardvark-binary= "$@"; }
# the captured document, one network (if-net1, DNS off), with these port mappings
opts() {
  jq -c --arg id "$ID" --argjson ports "$1" \
    '.container_id=$id | .container_name="web" | .port_mappings=$ports
     | .networks={"if-net1": {static_ips:["10.89.0.3"], aliases:["web"], interface_name:"eth0"}}
     | .network_info={"if-net1": (.network_info."if-net1" | .dns_enabled=false)}' "$DATA/nvk-multi.json"
}
PORTS='[{"host_ip":"","container_port":80,"host_port":18080,"range":1,"protocol":"tcp"},
        {"host_ip":"127.0.0.1","container_port":80,"host_port":18081,"range":1,"protocol":"tcp"},
        {"host_ip":"","container_port":8100,"host_port":18100,"range":3,"protocol":"udp"}]'

t_case "set up: host H with an uplink to O and a LAN L, a container namespace"
unshare -rn sleep 120 & HPID=$!
t_on_exit "kill $HPID"
wait_for 5 bash -c "[[ \$(readlink /proc/$HPID/exe) == */sleep ]]"
O=$(new_ns); L=$(new_ns); A=$(new_ns)
t_on_exit "kill $O $L $A"
ready "$O" "$L" "$A"
expect_ok in_h sh -c "ip link set lo up &&
  ip link add up0 type veth peer name o0 netns /proc/$O/ns/net && ip addr add 192.168.77.1/24 dev up0 && ip link set up0 up &&
  ip link add lan0 type veth peer name l0 netns /proc/$L/ns/net && ip addr add 192.168.78.1/24 dev lan0 && ip link set lan0 up &&
  ip route add default via 192.168.77.2 && sysctl -qw net.ipv4.ip_forward=1"
expect_ok in_n "$O" sh -c 'ip link set lo up && ip addr add 192.168.77.2/24 dev o0 && ip link set o0 up &&
  ip route add 192.168.78.0/24 via 192.168.77.1 && ip route add 10.89.0.0/24 via 192.168.77.1'
expect_ok in_n "$L" sh -c 'ip link set lo up && ip addr add 192.168.78.2/24 dev l0 && ip link set l0 up &&
  ip route add default via 192.168.78.1'
expect_ok in_n "$O" busybox ping -c1 -W2 192.168.78.2

t_case "rootful setup with -p: accepted, the container gets its address"
expect_ok nvk setup /proc/$A/ns/net < <(opts "$PORTS")
expect_eq "10.89.0.3/24" "$(jq -r '."if-net1".interfaces.eth0.subnets[0].ipnet' <<<"$T_LAST")"
mkdir -p "$T_OUT/www" && echo "hello via dnat" >"$T_OUT/www/index.html"
# not through the in_n function: $! must be the server itself (nsenter execs), so it can be killed
nsenter --preserve-credentials -t "$HPID" -U -- nsenter -t "$A" -n -- \
  busybox httpd -f -p 80 -h "$T_OUT/www" >/dev/null 2>&1 & HTTPD=$!
nsenter --preserve-credentials -t "$HPID" -U -- nsenter -t "$A" -n -- \
  socat -T5 UDP-RECVFROM:8101,fork SYSTEM:'echo udp-8101' >/dev/null 2>&1 & UDPD=$!
t_on_exit "kill $HTTPD $UDPD"
wait_for 5 in_n "$A" curl -sf -m1 http://10.89.0.3/

t_case "the forward chain keeps policy accept; H's unrelated forwarding O <-> L still works"
expect_ok in_h nft list chain inet podnet forward
expect_match 'policy accept' "$T_LAST"
expect_ok in_n "$O" busybox ping -c1 -W2 192.168.78.2
expect_ok in_n "$L" busybox ping -c1 -W2 192.168.77.2
expect_ok in_n "$A" busybox ping -c1 -W2 192.168.78.2

t_case "the published tcp port reaches the container from outside and from 127.0.0.1"
expect_ok in_n "$O" curl -sf -m3 http://192.168.77.1:18080/
expect_eq "hello via dnat" "$T_LAST" "outside -> host port"
expect_ok in_h curl -sf -m3 http://127.0.0.1:18080/
expect_eq "hello via dnat" "$T_LAST" "127.0.0.1 -> host port"
expect_ok in_h curl -sf -m3 http://127.0.0.1:18081/
expect_eq "hello via dnat" "$T_LAST" "host_ip 127.0.0.1"
expect_fail '!' in_n "$O" curl -sf -m1 http://192.168.77.1:18081/

t_case "the udp range maps port by port (18101 -> 8101)"
expect_ok in_n "$O" sh -c 'echo ping | socat -T3 - UDP:192.168.77.1:18101'
expect_eq "udp-8101" "$T_LAST"

t_case "nothing else enters the bridge: O cannot open a connection to the container's address"
expect_fail '!' in_n "$O" curl -sf -m1 http://10.89.0.3/

t_case "teardown unpublishes: no hostports rules, no table, the port is closed"
expect_ok nvk teardown /proc/$A/ns/net < <(opts "$PORTS")
expect_eq "" "$T_LAST" "teardown prints nothing"
expect_fail '!' in_h nft list table inet podnet
expect_fail '!' in_n "$O" curl -sf -m1 http://192.168.77.1:18080/
expect_ok in_n "$O" busybox ping -c1 -W2 192.168.78.2

t_case "two containers: the second one's ports are added without a table rebuild, and removed alone"
B=$(new_ns); t_on_exit "kill $B"; ready "$B"
IDB=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
optsb() { opts "$1" | jq -c --arg id "$IDB" '.container_id=$id | .networks."if-net1".static_ips=["10.89.0.4"]'; }
expect_ok nvk setup /proc/$A/ns/net < <(opts "$PORTS")
expect_ok nvk setup /proc/$B/ns/net < <(optsb '[{"host_ip":"","container_port":80,"host_port":18090,"range":1,"protocol":"tcp"}]')
expect_ok in_h nft list chain inet podnet hostports
expect_match '18090.*10\.89\.0\.4' "$T_LAST"
expect_match '18080.*10\.89\.0\.3' "$T_LAST"
expect_ok in_n "$O" curl -sf -m3 http://192.168.77.1:18080/
expect_ok nvk teardown /proc/$B/ns/net < <(optsb '[{"host_ip":"","container_port":80,"host_port":18090,"range":1,"protocol":"tcp"}]')
expect_ok in_h nft list chain inet podnet hostports
expect_nomatch '18090' "$T_LAST"
expect_ok in_n "$O" curl -sf -m3 http://192.168.77.1:18080/
expect_eq "hello via dnat" "$T_LAST" "A's port still published"
expect_ok nvk teardown /proc/$A/ns/net < <(opts "$PORTS")
expect_fail '!' in_h nft list table inet podnet

t_case "bad mappings are refused with an error object and exit 1"
kill "$HTTPD" "$UDPD"
expect_fail 1 nvk setup /proc/$A/ns/net < <(opts '[{"host_ip":"","container_port":80,"host_port":65535,"range":2,"protocol":"tcp"}]')
expect_eq "error" "$(jq -r 'keys[0]' <<<"$T_LAST")"
expect_fail '!' in_h nft list table inet podnet

t_case "the servers started in the container namespace are gone"
wait_for 5 bash -c "! kill -0 $HTTPD 2>/dev/null && ! kill -0 $UDPD 2>/dev/null"
expect_fail '!' kill -0 "$HTTPD"
expect_fail '!' kill -0 "$UDPD"

t_done
