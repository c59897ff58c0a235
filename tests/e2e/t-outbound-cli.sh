#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Outbound through the CLI: containers reach "the outside world" (the
# namespace pn-outside that scripts/test.sh sets up as root with
# bench/outbound-outside.sh: 198.51.100.2) over TCP and UDP, a 100 MB download
# arrives intact, --internal networks cannot get out, the host's loopback is
# reachable only when allowed, ICMP echo leaves through the host's ping
# sockets, an --ipv6 network reaches the outside over IPv6 (2001:db8:51::2),
# and a killed podnet-slirp comes back.
. "$(dirname "$0")/lib.sh"
t_on_exit "$PODNET system reset -f"
OUT=198.51.100.2 OUT6=2001:db8:51::2

t_case "the outside world is there (bench/outbound-outside.sh up, as root)"
[[ -e /run/netns/pn-outside ]] || t_fail "no pn-outside namespace: run 'sudo bench/outbound-outside.sh up' first"

t_case "TCP and UDP to the outside"
expect_ok $PODNET network create out
expect_ok $PODNET run --rm --network out -- socat -t10 -T10 - TCP:$OUT:7070,connect-timeout=10
expect_eq "outside-tcp-ok" "$T_LAST" "TCP"
expect_ok $PODNET run --rm --network out -- sh -c "echo ping-udp | socat -T3 - UDP:$OUT:7007"
expect_eq "ping-udp" "$T_LAST" "UDP echo"

t_case "ICMP echo to the outside (the host allows ping sockets: tests/e2e/setup-user.sh)"
read -r lo hi </proc/sys/net/ipv4/ping_group_range
(( $(id -g) >= lo && $(id -g) <= hi )) || t_fail "ping sockets are off for this user (ping_group_range '$lo $hi')"
expect_ok $PODNET run --rm --network out -- ping -c 2 -W 3 $OUT
expect_match "2 received" "$T_LAST" "echo replies"

t_case "IPv6 outbound: TCP and UDP from an --ipv6 network"
expect_ok $PODNET network create --ipv6 out6
expect_ok $PODNET run --rm --network out6 -- socat -t10 -T10 - "TCP6:[$OUT6]:7070,connect-timeout=10"
expect_eq "outside-tcp-ok" "$T_LAST" "TCP over IPv6"
expect_ok $PODNET run --rm --network out6 -- sh -c "echo ping-udp6 | socat -T3 - 'UDP6:[$OUT6]:7007'"
expect_eq "ping-udp6" "$T_LAST" "UDP echo over IPv6"
# the container's own source is its ULA address: it left through I's masquerade
expect_ok $PODNET network rm out6

t_case "a 100 MB download arrives intact"
want=$(cat /var/tmp/pn-outside/www/blob.sha256 2>/dev/null)
expect_ok $PODNET run --rm --network out -- sh -c "curl -sf --max-time 60 http://$OUT:8080/blob | sha256sum"
expect_eq "$want" "${T_LAST%% *}" "sha256"

t_case "an --internal network has no way out"
expect_ok $PODNET network create --internal closed
expect_fail '!' $PODNET run --rm --network closed -- socat -t3 -T3 - TCP:$OUT:7070,connect-timeout=3

t_case "the host's loopback only when allowed"
port=$(t_free_port_base 1)
socat -T5 TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo host-service' &
srv=$!; t_on_exit "kill $srv"
wait_for 5 socat -t1 -T1 - TCP:127.0.0.1:$port
expect_fail '!' $PODNET run --rm --network out -- socat -t3 -T3 - TCP:10.0.2.2:$port,connect-timeout=3
expect_ok $PODNET run --rm --network out --add-host host.containers.internal:host-gateway -- \
  sh -c "getent hosts host.containers.internal; socat -t10 -T10 - TCP:host.containers.internal:$port,connect-timeout=10"
expect_match "^10\.0\.2\.2 " "$T_LAST" "host.containers.internal"
expect_match "host-service" "$T_LAST" "allowed container reaches the host service"
expect_fail '!' $PODNET run --rm --network out -- socat -t3 -T3 - TCP:10.0.2.2:$port,connect-timeout=3

t_case "the host's loopback over IPv6: a bulk download through the host gateway"
# libslirp carries this (not the fast path) and ignores the container's MSS:
# its segments must fit the 1500-byte container links, which IPv6 never fragments
port6=$(t_free_port_base 1)
socat -T10 TCP6-LISTEN:$port6,bind=[::1],reuseaddr,fork SYSTEM:'head -c 2000000 /dev/zero' &
srv6=$!; t_on_exit "kill $srv6"
wait_for 5 socat -t1 -T1 - "TCP6:[::1]:$port6"
expect_ok $PODNET network create --ipv6 hg6
expect_ok $PODNET run --rm --network hg6 --add-host host.containers.internal:host-gateway -- \
  sh -c "socat -t10 -T10 - 'TCP6:[fd00::2]:$port6,connect-timeout=10' | wc -c"
expect_eq "2000000" "$T_LAST" "bytes from the host's ::1 over the IPv6 host gateway"
expect_ok $PODNET network rm hg6
kill $srv6; wait $srv6 2>/dev/null

t_case "kill -9 of podnet-slirp: the next command brings outbound back"
expect_ok $PODNET run -d --name keep --network out -- sleep 60
slirp=$(cut -d' ' -f1 "$PODNET_RUNTIME_DIR/slirp/podnet-slirp.pid")
kill -9 "$slirp"
wait_for 5 bash -c "! kill -0 $slirp 2>/dev/null"
expect_ok $PODNET run --rm --network out -- socat -t10 -T10 - TCP:$OUT:7070,connect-timeout=10
expect_eq "outside-tcp-ok" "$T_LAST" "TCP after restart"
expect_ok $PODNET info
expect_match '"slirp"' "$T_LAST" "info shows the uplink"

t_case "clean up"
kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null
expect_ok $PODNET rm -f keep
expect_ok $PODNET network rm out closed
wait_for 5 t_no_podnet_procs
expect_eq "" "$(t_podnet_procs)" "processes left"
t_done
