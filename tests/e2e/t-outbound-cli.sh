#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Outbound through the CLI: containers reach "the outside world" (the
# namespace pn-outside that scripts/test.sh sets up as root with
# bench/outbound-outside.sh: 198.51.100.2) over TCP and UDP, a 100 MB download
# arrives intact, --internal networks cannot get out, the host's loopback is
# reachable only when allowed (from a container's own addresses only, and
# following network connect and disconnect), ICMP echo leaves through the host's ping
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

t_case "a pod's members reach the host's loopback when the pod allows it"
expect_ok $PODNET pod create --name hgpod --network out --add-host host.containers.internal:host-gateway
expect_ok $PODNET pod create --name closedpod --network out
expect_ok $PODNET run --rm --pod hgpod -- sh -c "socat -t10 -T10 - TCP:host.containers.internal:$port,connect-timeout=10"
expect_match "host-service" "$T_LAST" "a member of the allowed pod reaches the host service"
expect_fail '!' $PODNET run --rm --pod closedpod -- socat -t3 -T3 - TCP:10.0.2.2:$port,connect-timeout=3
expect_ok $PODNET pod rm -f hgpod closedpod

t_case "the host's loopback over IPv6: a bulk download through the host gateway"
# libslirp carries this (not the fast path) and ignores the container's MSS:
# its segments must fit the 1500-byte container links, which IPv6 never fragments
port6=$(t_free_port_base 1)
socat -T10 TCP6-LISTEN:$port6,bind=[::1],reuseaddr,fork SYSTEM:'head -c 2000000 /dev/zero' &
srv6=$!; t_on_exit "kill $srv6"
wait_for 5 socat -t1 -T1 - "TCP6:[::1]:$port6"
expect_ok $PODNET network create --ipv6 hg6
expect_ok $PODNET run -d --name hgkeep --network hg6 -- sleep 60
fp_in() { $PODNET info | python3 -c 'import json,sys; print(json.load(sys.stdin)["helpers"]["slirp"]["counters"]["tcp_fastpath_bytes_in"])'; }
before=$(fp_in)
expect_ok $PODNET run --rm --network hg6 --add-host host.containers.internal:host-gateway -- \
  sh -c "socat -t10 -T10 - 'TCP6:[fd00::2]:$port6,connect-timeout=10' | wc -c"
expect_eq "2000000" "$T_LAST" "bytes from the host's ::1 over the IPv6 host gateway"
# TCP to the host gateway goes through the fast path (splice), not libslirp's TCP
# (podnet-slirp writes its counters every 5 s)
for _ in $(seq 40); do after=$(fp_in); (( after - before >= 2000000 )) && break; sleep 0.25; done
(( after - before >= 2000000 )) || t_fail "the fast path carried $((after - before)) bytes of the host-gateway download"
expect_ok $PODNET rm -f hgkeep
expect_ok $PODNET network rm hg6
kill $srv6; wait $srv6 2>/dev/null

# the host services of the next cases: UDP datagrams appended to a file, and a TCP greeting
udp_host=18741 tcp_host=18742
socat -u UDP-RECV:$udp_host,bind=127.0.0.1,reuseaddr OPEN:"$T_OUT/udp-host",creat,append &
usrv=$!; t_on_exit "kill $usrv"
socat -T5 TCP-LISTEN:$tcp_host,bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo host-tcp' &
tsrv=$!; t_on_exit "kill $tsrv"
wait_for 5 socat -t1 -T1 - TCP:127.0.0.1:$tcp_host
ipof() { $PODNET inspect "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['networks']['$2']['ips'][0].split('/')[0])"; }
# host_tcp CTR [socat address options]: the host service's greeting, through 10.0.2.2
host_tcp() { $PODNET exec "$1" -- socat -t3 -T3 - TCP:10.0.2.2:$tcp_host,connect-timeout=3${2:+,$2} 2>/dev/null; }

t_case "a container cannot borrow another's address to reach the host's loopback"
expect_ok $PODNET network create spa
expect_ok $PODNET network create --subnet 10.89.77.0/24 spb
expect_ok $PODNET run -d --name ca --network spa --add-host host.containers.internal:host-gateway -- sleep 120
expect_ok $PODNET run -d --name cb --network spb -- sleep 120
expect_ok $PODNET run -d --name cc --network spa -- sleep 120
ca_ip=$(ipof ca spa)
expect_ok $PODNET exec ca -- sh -c "echo from-ca | nc -u -w1 10.0.2.2 $udp_host"
wait_for 3 grep -q from-ca "$T_OUT/udp-host"
grep -q from-ca "$T_OUT/udp-host" || t_fail "the allowed container's datagram did not arrive"
# another network: ca's address added in cb and used as the source
expect_ok $PODNET exec cb -- sh -c "ip addr add $ca_ip/32 dev eth0 && echo spoofed-cb | nc -u -w1 -s $ca_ip 10.0.2.2 $udp_host; true"
# the same network, with ARP telling I that ca's address is now at cc's MAC
expect_ok $PODNET exec cc -- sh -c "ip addr add $ca_ip/32 dev eth0 && ip neigh flush all && echo spoofed-cc | nc -u -w1 -s $ca_ip 10.0.2.2 $udp_host; true"
expect_eq "" "$(host_tcp cc bind=$ca_ip)" "TCP from cc with ca's address"
sleep 1
grep -q spoofed "$T_OUT/udp-host" && t_fail "a datagram with a borrowed source reached the host: $(cat "$T_OUT/udp-host")"
# ca itself is unharmed: I still sends its replies to ca
expect_eq "host-tcp" "$(host_tcp ca)" "ca after the attempts"
expect_ok $PODNET rm -f ca cb cc

t_case "a container on two networks may send from either of its addresses through either port"
# no source routing in the container: a socket bound to eth1's address leaves by
# the default route on eth0, which the guard must let through
expect_ok $PODNET run -d --name c2n --network spa,spb --add-host host.containers.internal:host-gateway -- sleep 120
c2n_b=$(ipof c2n spb)
expect_ok $PODNET exec c2n -- sh -c "echo from-c2n-b | nc -u -w1 -s $c2n_b 10.0.2.2 $udp_host"
wait_for 3 grep -q from-c2n-b "$T_OUT/udp-host"
grep -q from-c2n-b "$T_OUT/udp-host" || t_fail "a datagram from the container's second address did not arrive"
expect_eq "host-tcp" "$(host_tcp c2n bind=$c2n_b)" "TCP bound to the second address"
# after a disconnect of spa, its port is gone and spb's port carries everything
expect_ok $PODNET network disconnect spa c2n
expect_eq "host-tcp" "$(host_tcp c2n)" "after disconnect"
expect_ok $PODNET network connect spa c2n
expect_eq "host-tcp" "$(host_tcp c2n bind=$c2n_b)" "after connect: eth0 again, bound to spb's address"
expect_ok $PODNET rm -f c2n

t_case "host access follows network connect and disconnect"
expect_ok $PODNET run -d --name ch2 --network spa --add-host host.containers.internal:host-gateway -- sleep 120
ch2_a=$(ipof ch2 spa)
expect_eq "host-tcp" "$(host_tcp ch2)" "ch2 on spa"
expect_ok $PODNET network connect spb ch2
ch2_b=$(ipof ch2 spb)
expect_ok $PODNET network disconnect spa ch2
# the address on the network it joined is allowed, now that it is its only one
expect_eq "host-tcp" "$(host_tcp ch2)" "ch2 through its spb address after connect"
# the address it left is not: the next owner of it has no host access
expect_fail '!' $PODNET run --rm --network spa --ip "$ch2_a" -- socat -t3 -T3 - TCP:10.0.2.2:$tcp_host,connect-timeout=3
expect_ok $PODNET network disconnect spb ch2
expect_fail '!' $PODNET run --rm --network spb --ip "$ch2_b" -- socat -t3 -T3 - TCP:10.0.2.2:$tcp_host,connect-timeout=3
# network rm -f disconnects too
expect_ok $PODNET network connect spb ch2
ch2_b=$(ipof ch2 spb)
expect_ok $PODNET network rm -f spb
expect_ok $PODNET network create --subnet 10.89.77.0/24 spb
expect_fail '!' $PODNET run --rm --network spb --ip "$ch2_b" -- socat -t3 -T3 - TCP:10.0.2.2:$tcp_host,connect-timeout=3
expect_nomatch "does not match" "$T_ERR" "the address is on the new spb"
expect_ok $PODNET rm -f ch2
expect_ok $PODNET network rm spa spb

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
kill "$srv" "$usrv" "$tsrv" 2>/dev/null; wait "$srv" "$usrv" "$tsrv" 2>/dev/null
expect_ok $PODNET rm -f keep
expect_ok $PODNET network rm out closed
wait_for 5 t_no_podnet_procs
expect_eq "" "$(t_podnet_procs)" "processes left"
t_done
