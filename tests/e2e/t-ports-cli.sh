#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Published ports through the podnet CLI: `run -p` and `pod create -p`,
# loopback IPv4/IPv6, automatic host ports, conflicts that leave nothing
# behind, the client address seen in the container, a killed forwarder
# restarted by the next `podnet ps`, `podnet port`.
. "$(dirname "$0")/lib.sh"
t_on_exit "$PODNET system reset -f"
base=$(t_free_port_base 4)
get() { socat -t3 -T3 - "TCP:$1,connect-timeout=3" </dev/null 2>/dev/null; }

t_case "run -p publishes a TCP port on 127.0.0.1 and ::1"
expect_ok $PODNET run -d --name web -p "$base:7000" -- socat -T5 TCP-LISTEN:7000,reuseaddr,fork SYSTEM:'echo "web from $SOCAT_PEERADDR"'
wait_for 5 get "127.0.0.1:$base"
out=$(get "127.0.0.1:$base"); expect_match "^web from " "$out" "IPv4 loopback"
out6=$(get "[::1]:$base"); expect_match "^web from " "$out6" "IPv6 loopback"
expect_ok $PODNET ps
expect_match "0\.0\.0\.0:$base->7000/tcp" "$T_LAST" "ps shows the port"
expect_ok $PODNET inspect web
expect_match '"mode": "(transparent|fallback)"' "$T_LAST" "source mode reported"

t_case "the container sees a real client address, not the forwarder's"
# a loopback client shows up as the host gateway (docs/ports.md); never as the
# container's own gateway, which is what a plain userspace proxy would show
gw=$($PODNET inspect web | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["networks"]["podnet"]["gateways"][0])')
expect_nomatch "from $gw\$" "$out" "peer seen by the container"

t_case "an automatic host port is chosen and shown"
expect_ok $PODNET run -d --name auto -p 7000 -- socat -T5 TCP-LISTEN:7000,reuseaddr,fork SYSTEM:'echo auto-here'
port=$($PODNET inspect auto | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ports"][0]["host_port"])')
[[ "$port" -gt 0 ]] || t_fail "no port chosen"
wait_for 5 get "127.0.0.1:$port"
expect_eq "auto-here" "$(get "127.0.0.1:$port")"
expect_ok $PODNET port auto
expect_eq "7000/tcp -> 0.0.0.0:$port" "$T_LAST" "podnet port lists it, as podman port"
expect_ok $PODNET port auto 7000/tcp
expect_eq "0.0.0.0:$port" "$T_LAST" "podnet port CONTAINER PORT"
expect_fail 125 $PODNET port auto 7001
expect_match 'failed to find published port "7001/tcp"' "$T_ERR"

t_case "a port in use is a clear error and nothing is left"
expect_fail 125 $PODNET run -d --name clash -p "$base:7000" -- sleep 60
expect_match "$base.*already in use" "$T_ERR"
expect_fail 125 $PODNET inspect clash
expect_ok $PODNET ps -a -q
expect_eq 2 "$(wc -l <<<"$T_LAST")" "containers after the failed run"
expect_fail 125 $PODNET run --name bad -p 99999:80 -- true
expect_fail 125 $PODNET run --name low -p 80:80 -- true
expect_match "ip_unprivileged_port_start" "$T_ERR"

t_case "a pod publishes ports for its members"
expect_ok $PODNET pod create --name mypod -p "$((base + 1)):8000"
expect_ok $PODNET run -d --pod mypod --name api -- socat -T5 TCP-LISTEN:8000,reuseaddr,fork SYSTEM:'echo api-in-pod'
wait_for 5 get "127.0.0.1:$((base + 1))"
expect_eq "api-in-pod" "$(get "127.0.0.1:$((base + 1))")"
expect_ok $PODNET port api
expect_eq "8000/tcp -> 0.0.0.0:$((base + 1))" "$T_LAST" "a member's ports are its pod's"

t_case "kill -9 of a forwarder: ps reports and restarts it"
pf=$(cut -d' ' -f1 "$PODNET_RUNTIME_DIR"/ctr/$($PODNET inspect web | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')/portfwd.pid)
kill -9 "$pf"
wait_for 5 bash -c "! kill -0 $pf 2>/dev/null"
expect_ok $PODNET ps
expect_match "forwarder of web had died; restarted" "$(cat "$T_OUT/err")" "warning"
wait_for 5 get "127.0.0.1:$base"
expect_match "^web from " "$(get "127.0.0.1:$base")" "port works again"
# a pod's forwarder too, by plain ps (not only pod ps)
ppf=$(cut -d' ' -f1 "$PODNET_RUNTIME_DIR"/ctr/$($PODNET pod inspect mypod | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')/portfwd.pid)
kill -9 "$ppf"
wait_for 5 bash -c "! kill -0 $ppf 2>/dev/null"
expect_ok $PODNET ps
expect_match "forwarder of mypod had died; restarted" "$(cat "$T_OUT/err")" "warning for the pod"
wait_for 5 get "127.0.0.1:$((base + 1))"
expect_eq "api-in-pod" "$(get "127.0.0.1:$((base + 1))")" "the pod's port works again"

t_case "inspect reports transparent source addresses"
expect_ok $PODNET inspect web
expect_match '"mode": "transparent"' "$T_LAST" "source mode of web"

t_case "a transparent setup that cannot be made: fallback with the reason, the port still works"
holder=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$PODNET_RUNTIME_DIR/holder.json")
in_i() { nsenter --preserve-credentials -t "$holder" -U -n -- "$@"; }
# a table of that name whose chain has another type: the CLI cannot load the forwarder's table in I
expect_ok in_i sh -ec 'nft delete table inet podnet_portfwd
  nft add table inet podnet_portfwd
  nft "add chain inet podnet_portfwd prerouting { type nat hook prerouting priority -100; }"'
expect_ok $PODNET run -d --name plain -p "$((base + 2)):7000" -- socat -T5 TCP-LISTEN:7000,reuseaddr,fork SYSTEM:'echo "plain from $SOCAT_PEERADDR"'
wait_for 5 get "127.0.0.1:$((base + 2))"
expect_eq "plain from $gw" "$(get "127.0.0.1:$((base + 2))")" "a fallback forwarder connects from its address in I"
expect_ok $PODNET inspect plain
expect_match '"mode": "fallback"' "$T_LAST" "source mode of plain"
expect_match '"reason": "nft: [^"]+' "$T_LAST" "fallback reason"

t_case "the next forwarder start repairs the setup in I"
expect_ok in_i nft delete table inet podnet_portfwd
expect_ok $PODNET run -d --name again -p "$((base + 3)):7000" -- socat -T5 TCP-LISTEN:7000,reuseaddr,fork SYSTEM:'echo "again from $SOCAT_PEERADDR"'
wait_for 5 get "127.0.0.1:$((base + 3))"
expect_ok $PODNET inspect again
expect_match '"mode": "transparent"' "$T_LAST" "source mode of again"
expect_nomatch "from $gw\$" "$(get "127.0.0.1:$((base + 3))")" "peer seen by again"
expect_match "^web from " "$(get "127.0.0.1:$base")" "web works again"
expect_nomatch "from $gw\$" "$(get "127.0.0.1:$base")" "peer seen by web"

t_case "published ports follow the container across network connect and disconnect"
# the forwarder targets the container's first address: when that network goes,
# the port must still answer through the network that is left
p2=$(t_free_port_base 1)
expect_ok $PODNET network create pna
expect_ok $PODNET network create pnb
expect_ok $PODNET run -d --name mover --network pna -p "$p2:7000" -- socat -T5 TCP-LISTEN:7000,reuseaddr,fork SYSTEM:'echo mover-here'
wait_for 5 get "127.0.0.1:$p2"
expect_ok $PODNET network connect pnb mover
expect_eq "mover-here" "$(get "127.0.0.1:$p2")" "after connect"
expect_ok $PODNET network disconnect pna mover
wait_for 5 get "127.0.0.1:$p2"
expect_eq "mover-here" "$(get "127.0.0.1:$p2")" "after the network it was published on went"
expect_ok $PODNET network disconnect pnb mover
expect_match "on no network now" "$(cat "$T_OUT/err")" "a warning when no network is left"
expect_ok $PODNET ps
expect_nomatch "died" "$(cat "$T_OUT/err")" "no repair attempt while on no network"
expect_ok $PODNET network connect pna mover
wait_for 5 get "127.0.0.1:$p2"
expect_eq "mover-here" "$(get "127.0.0.1:$p2")" "back on a network, same host port"
expect_ok $PODNET network rm -f pna
expect_ok $PODNET network connect pnb mover
wait_for 5 get "127.0.0.1:$p2"
expect_eq "mover-here" "$(get "127.0.0.1:$p2")" "after network rm -f and a connect"
# a new network that takes the default route (it gets eth0 back, a lower metric):
# replies to an off-link client leave through it, so the port must move there
expect_ok $PODNET network create pnc
expect_ok $PODNET network connect pnc mover
expect_ok $PODNET network disconnect pnb mover
wait_for 5 get "127.0.0.1:$p2"
expect_ok $PODNET network connect pnb mover
expect_ok $PODNET exec mover -- ip -4 route show default
expect_match "^default via [0-9.]+ dev eth0 " "$T_LAST" "pnb took eth0 and the default route"
wait_for 5 get "127.0.0.1:$p2"
expect_eq "mover-here" "$(get "127.0.0.1:$p2")" "after a connect that took the default route"
expect_ok $PODNET rm -f mover
expect_ok $PODNET network rm pnb pnc

t_case "stopping the container closes its port"
expect_ok $PODNET rm -f web auto api plain again
expect_ok $PODNET pod rm -f mypod
wait_for 5 bash -c "! socat -t1 -T1 - TCP:127.0.0.1:$base,connect-timeout=1 </dev/null >/dev/null 2>&1"
get "127.0.0.1:$base" >/dev/null && t_fail "port still answers"
wait_for 5 t_no_podnet_procs
expect_eq "" "$(t_podnet_procs)" "processes left"
expect_ok $PODNET system check
t_done
