#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# podnet-dns, forwarding: fake upstream servers on the host's loopback (so the
# upstream sockets must live in the host namespace while the responder lives
# in I), UDP and TCP forwarding, several forwarded queries on one TCP
# connection, TC relayed so the client retries over TCP, failover past a dead
# server and past SERVFAIL, SERVFAIL when none answers, a container's own
# --dns servers, an internal network (records file NAME%int) that forwards
# nothing, the host's resolv.conf followed when it changes, and the exit when
# the last records file goes. A container's own --dns server on a podnet network
# is asked from I, one at the host gateway on the host's loopback; a query from
# UDP source port 0 costs no other answer.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../../dns/testing/e2e-env.sh"

restart() { # ARGS...: stop the running podnet-dns, start a new one
  kill "$DNS_PID" 2>/dev/null; wait "$DNS_PID" 2>/dev/null
  dns_start "$@" || t_fail "podnet-dns did not start with $*"
}
queries() { # TAG: how many queries that upstream received
  [[ -f "$T_OUT/upstream-$1.log" ]] && wc -l <"$T_OUT/upstream-$1.log" || echo 0
}

t_case "set up: infra namespace, network red, two containers, four fake upstreams"
dns_infra_up || t_fail "dns_infra_up failed"
dns_network red pnred 10.89.0.1 || t_fail "dns_network failed"
fake_upstream UP_A 1 || t_fail "fake upstream"
fake_upstream UP_B 2 || t_fail "fake upstream"
fake_upstream UP_DEAD 3 blackhole || t_fail "fake upstream"
fake_upstream UP_FAIL 4 servfail || t_fail "fake upstream"
dns_container WEB pnred 10.89.0.2 || t_fail "dns_container failed"
dns_container DB pnred 10.89.0.3 || t_fail "dns_container failed"
dns_record red "aaaa 10.89.0.2  web" "bbbb 10.89.0.3  db 127.0.0.1#$UP_B"
dns_start --upstream "127.0.0.1#$UP_A" --upstream-timeout-ms 300 || t_fail "dns_start failed"

t_case "other names are forwarded over UDP to a resolver on the host's loopback"
expect_ok in_ctr "$WEB" dig +tries=1 +time=2 @10.89.0.1 Example.ORG
expect_match 'status: NOERROR' "$T_LAST"
expect_match 'Example\.ORG\.[[:space:]]+60[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.1' "$T_LAST" "answer of upstream 1 over UDP, question case kept"
expect_match 'udp example.org' "$(cat "$T_OUT/upstream-1.log")" "upstream log"
# the id on the wire upstream is ours, not the client's (dig checks the one it gets back)
expect_match 'flags: qr rd ra' "$T_LAST"

t_case "a local name never goes upstream"
before=$(queries 1)
expect_ok in_ctr "$WEB" dig +short +tries=1 +time=2 @10.89.0.1 db
expect_eq "10.89.0.3" "$T_LAST"
expect_eq "$before" "$(queries 1)" "queries upstream"

t_case "TCP queries are forwarded over TCP, several on one connection"
expect_ok in_ctr "$WEB" dig +tcp +short +tries=1 +time=2 @10.89.0.1 example.net
expect_eq "198.51.100.1" "$T_LAST" "TCP answer"
expect_ok in_ctr "$WEB" python3 "$DNS_TESTING/dnsclient.py" pipeline 10.89.0.1 4 one.example web two.example db
expect_eq "100 0 198.51.100.1
101 0 10.89.0.2
102 0 198.51.100.1
103 0 10.89.0.3" "$T_LAST" "mixed forwarded and local answers, in order"
expect_match 'tcp one\.example' "$(cat "$T_OUT/upstream-1.log")"

t_case "a truncated upstream answer is relayed with TC and the client retries over TCP"
expect_ok in_ctr "$WEB" dig +tries=1 +time=2 @10.89.0.1 tc.example.com
expect_match 'Truncated, retrying in TCP mode' "$T_LAST" "dig saw TC"
expect_match '198\.51\.100\.1' "$T_LAST" "answer over TCP"

t_case "a container's own --dns servers are its upstreams"
expect_ok in_ctr "$DB" dig +short +tries=1 +time=2 @10.89.0.1 own.example
expect_eq "192.0.2.2" "$T_LAST" "db asks upstream 2"
expect_ok in_ctr "$WEB" dig +short +tries=1 +time=2 @10.89.0.1 own.example
expect_eq "192.0.2.1" "$T_LAST" "web asks the default"

t_case "a container's own --dns server on the network (a DNS container) is asked from the infra namespace"
# the host namespace has no route into I: asked from there, the query would go out the
# host's default route (or nowhere), and the client would get SERVFAIL
dns_container NSC pnred 10.89.0.4 || t_fail "dns_container failed"
fake_upstream UP_IN 7 answer 10.89.0.4 53 "$NSC" || t_fail "fake upstream in a container"
dns_container CLI pnred 10.89.0.5 || t_fail "dns_container failed"
# first, a server that I routes out of an interface that is no bridge of ours (asked from H):
# its lookup must not decide the next one's (a UDP socket keeps the source of its first
# connect). The server is on an address of this machine's, so nothing leaves it.
host_ip=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -m1 -E '^[0-9]+(\.[0-9]+){3}$' | grep -v '^127\.')
if [[ -n $host_ip ]]; then
  fake_upstream UP_HOST 8 answer "$host_ip" || t_fail "fake upstream on $host_ip"
  expect_ok in_infra sh -c "ip link add pnout type veth peer name pnout2 && ip addr add 198.18.0.1/32 dev pnout &&
    ip link set pnout2 up && ip link set pnout up && ip route add $host_ip/32 dev pnout"
  dns_container OUT pnred 10.89.0.7 || t_fail "dns_container failed"
  dns_record red "ffff 10.89.0.5  client 10.89.0.4" "eeee 10.89.0.7  outer $host_ip#$UP_HOST"
  dns_reload
  wait_for 3 in_ctr "$OUT" dig +short +tries=1 +time=1 @10.89.0.1 outer
  expect_ok in_ctr "$OUT" dig +short +tries=1 +time=2 @10.89.0.1 outer.example
  expect_eq "192.0.2.8" "$T_LAST" "a server on this machine, routed out of I elsewhere: asked from H"
else
  dns_record red "ffff 10.89.0.5  client 10.89.0.4"
  dns_reload
fi
wait_for 3 in_ctr "$CLI" dig +short +tries=1 +time=1 @10.89.0.1 client
expect_ok in_ctr "$CLI" dig +tries=1 +time=2 @10.89.0.1 inside.example
expect_match 'inside\.example\.[[:space:]]+60[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.7' "$T_LAST" "UDP: the DNS container answered"
expect_match 'udp inside\.example' "$(cat "$T_OUT/upstream-7.log" 2>/dev/null)" "the DNS container's log"
expect_ok in_ctr "$CLI" dig +tcp +short +tries=1 +time=2 @10.89.0.1 inside-tcp.example
expect_eq "198.51.100.7" "$T_LAST" "TCP: the DNS container answered"
expect_nomatch 'inside' "$(cat "$T_OUT"/upstream-[1-6].log 2>/dev/null)" "no other upstream was asked"

t_case "a container's own --dns server at the host gateway is the host's loopback"
# 10.0.2.2 is libslirp's way to the host's 127.0.0.1; in the host namespace it is some other host
printf '10.0.2.2\n' >"$DNS_DIR/.host-gateway.new" && mv "$DNS_DIR/.host-gateway.new" "$DNS_DIR/host-gateway"
dns_container HGC pnred 10.89.0.6 || t_fail "dns_container failed"
dns_record red "1111 10.89.0.6  hgc 10.0.2.2#$UP_B"
dns_reload
wait_for 3 in_ctr "$HGC" dig +short +tries=1 +time=1 @10.89.0.1 hgc
expect_ok in_ctr "$HGC" dig +short +tries=1 +time=2 @10.89.0.1 hostgw.example
expect_eq "192.0.2.2" "$T_LAST" "the server on the host's loopback answered"
expect_match 'udp hostgw\.example' "$(cat "$T_OUT/upstream-2.log" 2>/dev/null)"
rm -f "$DNS_DIR/host-gateway"
dns_reload

t_case "a query from UDP source port 0 (a raw socket) does not cost the other answers of its batch"
# podnet-dns is stopped while the three queries arrive, so that it reads them in one batch
rm -f "$T_OUT/port0.sent"
kill -STOP "$DNS_PID"
in_ctr "$WEB" python3 "$DNS_TESTING/dnsclient.py" port0 10.89.0.1 db "$T_OUT/port0.sent" >"$T_OUT/port0.out" 2>&1 &
p0=$!
wait_for 5 test -e "$T_OUT/port0.sent"
kill -CONT "$DNS_PID"
wait "$p0"
expect_eq "answered 2 of 2" "$(cat "$T_OUT/port0.out")" "answers to the two ordinary sockets"
expect_ok in_ctr "$WEB" dig +short +tries=1 +time=2 @10.89.0.1 db
expect_eq "10.89.0.3" "$T_LAST" "still answering"

t_case "an internal network (records file blue%int): its names answered, nothing forwarded, --dns ignored"
dns_network 'blue%int' pnblue 10.89.1.1 || t_fail "dns_network failed"
dns_container INNER pnblue 10.89.1.2 || t_fail "dns_container failed"
dns_container INNER2 pnblue 10.89.1.3 || t_fail "dns_container failed"
dns_record 'blue%int' "cccc 10.89.1.2  inner" "dddd 10.89.1.3  inner2 127.0.0.1#$UP_B"
dns_reload
wait_for 3 in_ctr "$INNER" dig +short +tries=1 +time=1 @10.89.1.1 inner2
up1=$(queries 1); up2=$(queries 2)
expect_ok in_ctr "$INNER" dig +short +tries=1 +time=2 @10.89.1.1 inner2
expect_eq "10.89.1.3" "$T_LAST" "a name of the network"
expect_ok in_ctr "$INNER" dig +tries=1 +time=2 @10.89.1.1 exfil.example.com
expect_match 'status: NXDOMAIN' "$T_LAST" "UDP"
expect_nomatch 'flags:[a-z ]* aa' "$T_LAST" "not authoritative for it"
expect_ok in_ctr "$INNER" dig +tcp +tries=1 +time=2 @10.89.1.1 exfil2.example.com
expect_match 'status: NXDOMAIN' "$T_LAST" "TCP"
expect_ok in_ctr "$INNER2" dig +tries=1 +time=2 @10.89.1.1 inner-own.example
expect_match 'status: NXDOMAIN' "$T_LAST" "a container with its own --dns"
expect_ok in_ctr "$INNER2" dig +tcp +tries=1 +time=2 @10.89.1.1 inner-own2.example
expect_match 'status: NXDOMAIN' "$T_LAST" "the same over TCP"
expect_ok in_ctr "$INNER" dig +tries=1 +time=2 @10.89.1.1 -x 192.0.2.1
expect_match 'status: NXDOMAIN' "$T_LAST" "a foreign reverse name"
expect_eq "$up1" "$(queries 1)" "queries to the default upstream"
expect_eq "$up2" "$(queries 2)" "queries to the --dns upstream"
expect_nomatch 'exfil|inner-own' "$(cat "$T_OUT"/upstream-*.log)" "upstream logs"
expect_ok in_ctr "$WEB" dig +short +tries=1 +time=2 @10.89.0.1 still.example
expect_eq "192.0.2.1" "$T_LAST" "red still forwards"
rm "$DNS_DIR/blue%int"
dns_reload

t_case "failover: the first upstream is dead; the second answers, and the dead one is then skipped"
restart --upstream "127.0.0.1#$UP_DEAD" --upstream "127.0.0.1#$UP_A" --upstream-timeout-ms 300
expect_ok in_ctr "$WEB" dig +short +tries=1 +time=3 @10.89.0.1 first.example
expect_eq "192.0.2.1" "$T_LAST" "answer despite a dead first server"
expect_eq "1" "$(queries 3)" "queries to the dead server"
t0=$(date +%s%N)
expect_ok in_ctr "$WEB" dig +short +tries=1 +time=3 @10.89.0.1 second.example
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "192.0.2.1" "$T_LAST"
expect_eq "1" "$(queries 3)" "the dead server is not asked again"
(( ms < 250 )) || t_fail "second query took ${ms} ms: the dead server was waited for"
expect_ok in_ctr "$WEB" dig +tcp +short +tries=1 +time=3 @10.89.0.1 third.example
expect_eq "198.51.100.1" "$T_LAST" "TCP skips the dead server too"

t_case "a slow upstream (1.5 s, past its 1 s timeout) is still waited for, over UDP and TCP"
# Before, the query got SERVFAIL after 1 s and the late answer was dropped,
# so glibc's lookups of such names failed (aardvark-dns waits for them).
restart --upstream "127.0.0.1#$UP_A"
expect_ok in_ctr "$WEB" dig +tries=1 +time=5 @10.89.0.1 lazy.example
expect_match 'status: NOERROR' "$T_LAST"
expect_match 'lazy\.example\.[[:space:]]+60[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.1' "$T_LAST" "the late UDP answer"
expect_ok in_ctr "$WEB" dig +tcp +short +tries=1 +time=5 @10.89.0.1 lazy.example
expect_eq "198.51.100.1" "$T_LAST" "the late TCP answer"
t_case "... and taken from the first server though the second was asked meanwhile"
restart --upstream "127.0.0.1#$UP_A" --upstream "127.0.0.1#$UP_DEAD" --upstream-timeout-ms 300
expect_ok in_ctr "$WEB" dig +short +tries=1 +time=5 @10.89.0.1 lazy.again.example
expect_eq "192.0.2.1" "$T_LAST" "the first server's late answer"
expect_match 'udp lazy\.again\.example' "$(cat "$T_OUT/upstream-3.log")" "the second server was asked at the first's timeout"

t_case "a server whose port is closed (ICMP port unreachable) is given up at once, not at its timeout"
closed=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
restart --upstream "127.0.0.1#$closed" --upstream "127.0.0.1#$UP_A"
t0=$(date +%s%N)
expect_ok in_ctr "$WEB" dig +short +tries=1 +time=5 @10.89.0.1 refused.example
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "192.0.2.1" "$T_LAST" "the second server answered"
(( ms < 700 )) || t_fail "took ${ms} ms: the closed server's 1 s timeout was waited for"
restart --upstream "127.0.0.1#$closed"
t0=$(date +%s%N)
expect_ok in_ctr "$WEB" dig +tries=1 +time=5 @10.89.0.1 refused.example
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_match 'status: SERVFAIL' "$T_LAST" "the only server refused"
(( ms < 700 )) || t_fail "SERVFAIL took ${ms} ms"

t_case "a forwarded answer truncated for the client keeps an OPT record when the query had one (RFC 6891)"
restart --upstream "127.0.0.1#$UP_A"
expect_ok in_ctr "$WEB" dig +ignore +bufsize=1232 +tries=1 +time=3 @10.89.0.1 fat.example
expect_match 'flags: qr tc' "$T_LAST"
expect_match 'EDNS: version: 0' "$T_LAST" "OPT in the truncated answer"
expect_ok in_ctr "$WEB" dig +ignore +dnssec +bufsize=1232 +tries=1 +time=3 @10.89.0.1 fat.example
expect_match 'EDNS: version: 0, flags: do;' "$T_LAST" "the DO bit copied"
expect_ok in_ctr "$WEB" dig +ignore +noedns +tries=1 +time=3 @10.89.0.1 fat.example
expect_match 'flags: qr tc' "$T_LAST"
expect_nomatch 'EDNS' "$T_LAST" "no OPT for a query without one"
expect_ok in_ctr "$WEB" dig +bufsize=4096 +tries=1 +time=3 @10.89.0.1 fat.example
expect_match 'ANSWER: 100,' "$T_LAST" "the whole answer when it fits"

t_case "failover past SERVFAIL"
restart --upstream "127.0.0.1#$UP_FAIL" --upstream "127.0.0.1#$UP_B"
expect_ok in_ctr "$WEB" dig +short +tries=1 +time=3 @10.89.0.1 sf.example
expect_eq "192.0.2.2" "$T_LAST"
expect_match 'udp sf\.example' "$(cat "$T_OUT/upstream-4.log")" "the failing server was asked"

t_case "SERVFAIL when no upstream answers, over UDP and TCP"
restart --upstream "127.0.0.1#$UP_DEAD" --upstream-timeout-ms 200 --upstream-total-ms 600
expect_ok in_ctr "$WEB" dig +tries=1 +time=3 @10.89.0.1 nobody.example
expect_match 'status: SERVFAIL' "$T_LAST"
expect_ok in_ctr "$WEB" dig +tcp +tries=1 +time=3 @10.89.0.1 nobody.example
expect_match 'status: SERVFAIL' "$T_LAST"

t_case "the host's resolv.conf is followed when it changes (a new file renamed over it, or rewritten)"
# two servers on one port, at 127.0.0.1 and 127.0.0.2: resolv.conf names an address only
fake_upstream UP_E 5 || t_fail "fake upstream"
fake_upstream UP_F 6 answer 127.0.0.2 "$UP_E" || t_fail "fake upstream on 127.0.0.2"
RC=$T_OUT/host-resolv.conf
printf 'search example.com\nnameserver 127.0.0.1\n' >"$RC"
restart --resolv-conf "$RC" --resolv-port "$UP_E"
expect_ok in_ctr "$WEB" dig +short +tries=1 +time=2 @10.89.0.1 before.example
expect_eq "192.0.2.5" "$T_LAST" "the server resolv.conf names"
printf 'nameserver 127.0.0.2\n' >"$RC.new" && mv "$RC.new" "$RC"
answer_is() { [[ $(in_ctr "$WEB" dig +short +tries=1 +time=2 @10.89.0.1 "$1") == "$2" ]]; }
wait_for 4 answer_is moved.example 192.0.2.6
expect_ok in_ctr "$WEB" dig +short +tries=1 +time=2 @10.89.0.1 after.example
expect_eq "192.0.2.6" "$T_LAST" "after a new resolv.conf was renamed over the old one"
expect_match 'udp after\.example' "$(cat "$T_OUT/upstream-6.log")"
printf 'nameserver 127.0.0.1\n' >"$RC"
wait_for 4 answer_is back.example 192.0.2.5
expect_ok in_ctr "$WEB" dig +short +tries=1 +time=2 @10.89.0.1 again.example
expect_eq "192.0.2.5" "$T_LAST" "after resolv.conf was rewritten in place"
expect_match 'changed: 1 upstream servers' "$(cat "$DNS_LOG")" "the change is logged"
expect_ok in_ctr "$DB" dig +short +tries=1 +time=2 @10.89.0.1 own2.example
expect_eq "192.0.2.2" "$T_LAST" "a container's own --dns servers stay its own"

t_case "standalone (no namespace to join, as aardvark-dns runs): no socket factory, TCP still forwarded"
SA_DIR=$T_OUT/standalone; mkdir -p "$SA_DIR"
SA_PORT=$(t_free_port_base 1) || t_fail "no free port"
printf '127.0.0.1\neeee 127.0.0.5  solo\n' >"$SA_DIR/lonely"
podnet-dns --config "$SA_DIR" --port "$SA_PORT" --upstream "127.0.0.1#$UP_A" --pid-file "$SA_DIR/pid" \
  2>>"$T_OUT/standalone.log" </dev/null >/dev/null &
SA_PID=$!
t_on_exit "kill $SA_PID"
wait_for 5 dig +short +tries=1 +time=1 -p "$SA_PORT" @127.0.0.1 solo
expect_ok dig +short +tries=1 +time=2 -p "$SA_PORT" @127.0.0.1 solo
expect_eq "127.0.0.5" "$T_LAST" "a local name"
expect_ok dig +tcp +short +tries=1 +time=2 -p "$SA_PORT" @127.0.0.1 alone.example
expect_eq "198.51.100.1" "$T_LAST" "forwarded over TCP with a socket of its own"
expect_match 'tcp alone\.example' "$(cat "$T_OUT/upstream-1.log")"
expect_eq "" "$(ps -o pid= --ppid "$SA_PID")" "child processes of a standalone podnet-dns"
kill "$SA_PID"; wait "$SA_PID" 2>/dev/null

t_case "the responder exits when the last records file is removed"
rm "$DNS_DIR/red"
dns_reload
wait_for 3 bash -c "! kill -0 $DNS_PID 2>/dev/null"
if kill -0 "$DNS_PID" 2>/dev/null; then t_fail "podnet-dns still runs"; fi
expect_match 'no records files left' "$(cat "$DNS_LOG")"

t_done
