#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# podnet-dns, answers: two networks in an infra namespace, containers with dig.
# Names, aliases, case, NAME.dns.podnet and the search domain, AAAA, PTR,
# host.containers.internal, isolation between networks, TCP (also several
# queries on one connection), malformed input, live updates by SIGHUP (in
# under 100 ms, without dropping queries), networks appearing and going, and
# the exit with the holder. Upstream forwarding is t-dns-upstream.sh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../../dns/testing/e2e-env.sh"

t_case "set up: infra namespace, networks red and blue, three containers"
dns_infra_up || t_fail "dns_infra_up failed"
dns_network red pnred 10.89.0.1 fd89::1 || t_fail "dns_network failed"
dns_network blue pnblue 10.89.1.1 || t_fail "dns_network failed"
dns_record red "aaaa 10.89.0.2 fd89::2 web,www,web-alias" "bbbb 10.89.0.3  db"
dns_record blue "cccc 10.89.1.2  secret"
printf '10.0.2.2\n' >"$DNS_DIR/host-gateway"
dns_container WEB pnred 10.89.0.2 fd89::2 || t_fail "dns_container failed"
dns_container DB pnred 10.89.0.3 || t_fail "dns_container failed"
dns_container SECRET pnblue 10.89.1.2 || t_fail "dns_container failed"
dns_start --upstream 127.0.0.1#9 --upstream-total-ms 1000 || t_fail "dns_start failed"

t_case "a container resolves another by name, alias and case-insensitively"
expect_ok in_ctr "$WEB" dig +short +tries=1 +time=2 @10.89.0.1 db
expect_eq "10.89.0.3" "$T_LAST" "db"
expect_ok in_ctr "$DB" dig +short +tries=1 +time=2 @10.89.0.1 WEB-Alias
expect_eq "10.89.0.2" "$T_LAST" "alias"
expect_ok in_ctr "$DB" dig +short +tries=1 +time=2 @10.89.0.1 wWw.DNS.podnet
expect_eq "10.89.0.2" "$T_LAST" "NAME.dns.podnet, mixed case"
expect_ok in_ctr "$DB" dig +short +tries=1 +time=2 @10.89.0.1 web AAAA
expect_eq "fd89::2" "$T_LAST" "AAAA"
expect_ok in_ctr "$WEB" dig +short +tries=1 +time=2 @10.89.0.1 web
expect_eq "10.89.0.2" "$T_LAST" "its own name"

t_case "the search domain dns.podnet completes short names; the answer is authoritative"
expect_ok in_ctr "$WEB" dig +search +domain=dns.podnet +tries=1 +time=2 @10.89.0.1 db
expect_match 'db\.dns\.podnet\.[[:space:]]+0[[:space:]]+IN[[:space:]]+A[[:space:]]+10\.89\.0\.3' "$T_LAST" "search"
expect_match 'flags: qr aa rd ra' "$T_LAST" "flags"

t_case "PTR for container addresses, IPv4 and IPv6"
expect_ok in_ctr "$DB" dig +short +tries=1 +time=2 @10.89.0.1 -x 10.89.0.2
expect_eq "web.dns.podnet." "$T_LAST" "PTR v4"
expect_ok in_ctr "$DB" dig +short +tries=1 +time=2 @10.89.0.1 -x fd89::2
expect_eq "web.dns.podnet." "$T_LAST" "PTR v6"

t_case "host.containers.internal and host.podnet.internal"
expect_ok in_ctr "$SECRET" dig +short +tries=1 +time=2 @10.89.1.1 host.containers.internal
expect_eq "10.0.2.2" "$T_LAST"
expect_ok in_ctr "$WEB" dig +short +tries=1 +time=2 @10.89.0.1 host.podnet.internal
expect_eq "10.0.2.2" "$T_LAST"

t_case "isolation: a name of blue is NXDOMAIN on red's listener and its address never shows"
expect_ok in_ctr "$WEB" dig +tries=1 +time=2 @10.89.0.1 secret
expect_match 'status: NXDOMAIN' "$T_LAST"
expect_nomatch '10\.89\.1\.2' "$T_LAST" "blue's address"
expect_ok in_ctr "$WEB" dig +tries=1 +time=2 @10.89.0.1 -x 10.89.1.2
expect_match 'status: NXDOMAIN' "$T_LAST" "PTR across networks"
expect_ok in_ctr "$SECRET" dig +tries=1 +time=2 @10.89.1.1 web
expect_match 'status: NXDOMAIN' "$T_LAST"
expect_ok in_ctr "$SECRET" dig +short +tries=1 +time=2 @10.89.1.1 secret
expect_eq "10.89.1.2" "$T_LAST"
expect_ok in_ctr "$WEB" dig +tries=1 +time=2 @10.89.0.1 nobody.dns.podnet
expect_match 'status: NXDOMAIN' "$T_LAST" "unknown name in our domain"

t_case "TCP, and several queries on one TCP connection, answered in order"
expect_ok in_ctr "$WEB" dig +tcp +short +tries=1 +time=2 @10.89.0.1 db
expect_eq "10.89.0.3" "$T_LAST" "dig +tcp"
expect_ok in_ctr "$WEB" python3 "$DNS_TESTING/dnsclient.py" pipeline 10.89.0.1 5 db web secret
expect_eq "100 0 10.89.0.3
101 0 10.89.0.2
102 3 -
103 0 10.89.0.3
104 0 10.89.0.2" "$T_LAST" "pipelined answers"

t_case "malformed queries get their fixed outcome and the responder keeps serving"
expect_ok in_ctr "$WEB" python3 "$DNS_TESTING/dnsclient.py" garbage 10.89.0.1
expect_eq "none none 1 4 1 1 0 5 0" "$(echo $T_LAST)" "outcomes: drop drop FORMERR NOTIMP FORMERR FORMERR BADVERS REFUSED NOERROR"

t_case "TCP limits: an idle connection is closed, a full pool closes the stalest"
dns_stop_pid=$DNS_PID
kill "$DNS_PID"; wait "$DNS_PID" 2>/dev/null
dns_start --upstream 127.0.0.1#9 --upstream-total-ms 1000 --tcp-idle-ms 300 --tcp-max 4 || t_fail "dns_start failed"
expect_ok in_ctr "$WEB" python3 "$DNS_TESTING/dnsclient.py" idle 10.89.0.1 2
expect_eq "closed" "$T_LAST" "idle connection"
expect_ok in_ctr "$WEB" python3 "$DNS_TESTING/dnsclient.py" hold 10.89.0.1 6
expect_match '^[2-6]$' "$T_LAST" "connections closed when 6 were opened with a limit of 4"
expect_ok in_ctr "$WEB" dig +tcp +short +tries=1 +time=2 @10.89.0.1 db
expect_eq "10.89.0.3" "$T_LAST" "TCP still serves"

t_case "live update: a new container resolves within 100 ms of SIGHUP, while queries keep flowing"
# a steady stream of queries for an existing name during the reload
in_ctr "$DB" bash -c 'fails=0; for i in $(seq 40); do [[ "$(dig +short +tries=1 +time=1 @10.89.0.1 web)" == 10.89.0.2 ]] || fails=$((fails+1)); done; echo $fails' >"$T_OUT/stream" &
stream=$!
in_ctr "$WEB" python3 "$DNS_TESTING/dnsclient.py" waitfor 10.89.0.1 newbie 10.89.0.4 3 >"$T_OUT/seen" &
poller=$!
sleep 0.3 # the poller is asking (and getting NXDOMAIN) before the change
dns_record red "dddd 10.89.0.4  newbie"
start=$(date +%s%N)
dns_reload
wait "$poller"
seen=$(cat "$T_OUT/seen")
expect_match '^[0-9]+$' "$seen" "new record seen"
if [[ "$seen" =~ ^[0-9]+$ ]]; then
  elapsed_ms=$(( (seen - start) / 1000000 ))
  echo "    new record answered ${elapsed_ms} ms after SIGHUP"
  (( elapsed_ms <= 100 )) || t_fail "new record visible after ${elapsed_ms} ms"
fi
wait "$stream"
expect_eq "0" "$(cat "$T_OUT/stream")" "queries failed during the reload"

t_case "records removed on disconnect/rm disappear"
dns_set_records red "aaaa 10.89.0.2 fd89::2 web,www,web-alias"
dns_reload
sleep 0.1
expect_ok in_ctr "$WEB" dig +tries=1 +time=2 @10.89.0.1 db
expect_match 'status: NXDOMAIN|ANSWER: 0' "$T_LAST" "db after removal"
expect_nomatch '10\.89\.0\.3' "$T_LAST"

t_case "a network appears (listener opened) and goes (listener closed)"
dns_network green pngreen 10.89.2.1 || t_fail "dns_network failed"
dns_record green "eeee 10.89.2.2  leaf"
dns_reload
sleep 0.1
expect_ok in_infra dig +short +tries=1 +time=2 @10.89.2.1 leaf
expect_eq "10.89.2.2" "$T_LAST" "new network"
rm "$DNS_DIR/green"
dns_reload
sleep 0.1
expect_fail '!' in_infra dig +tries=1 +time=1 @10.89.2.1 leaf
expect_match 'connection refused|timed out|no servers' "$T_LAST" "listener of a removed network"
expect_ok in_ctr "$WEB" dig +short +tries=1 +time=2 @10.89.0.1 web
expect_eq "10.89.0.2" "$T_LAST" "red still served"

t_case "with no records file: exits without --stay; waits with --stay, and serves what appears"
D2=$T_OUT/dns2; mkdir -p "$D2"
start2() { # LOG ARGS...: a second podnet-dns on port 5353 for $D2; its ready byte in $T_OUT/ready2
  local log=$1; shift
  : >"$T_OUT/ready2"
  podnet-dns --config "$D2" --port 5353 --userns-fd 3 --netns-fd 4 --ready-fd 5 \
    --holder "$DNS_HOLDER:$DNS_HOLDER_START" --upstream 127.0.0.1#9 "$@" \
    3<"/proc/$DNS_HOLDER/ns/user" 4<"/proc/$DNS_HOLDER/ns/net" 5>"$T_OUT/ready2" 2>>"$log" </dev/null >/dev/null &
  P2=$!
  t_on_exit "kill $P2 2>/dev/null"
  wait_for 5 test -s "$T_OUT/ready2"
}
start2 "$T_OUT/dns-nostay.log"
expect_eq N "$(cat "$T_OUT/ready2")" "ready byte without --stay"
wait_for 3 t_gone "$P2" || t_fail "podnet-dns without --stay still runs with nothing to serve"
start2 "$T_OUT/dns-stay.log" --stay
expect_eq R "$(cat "$T_OUT/ready2")" "ready byte with --stay"
sleep 0.2
kill -0 "$P2" 2>/dev/null || t_fail "podnet-dns --stay exited with nothing to serve"
printf '10.89.0.1\naaaa 10.89.0.2  web\n' >"$D2/.red.new" && mv "$D2/.red.new" "$D2/red"
kill -HUP "$P2"
sleep 0.1
expect_ok in_ctr "$DB" dig +short +tries=1 +time=2 -p 5353 @10.89.0.1 web
expect_eq "10.89.0.2" "$T_LAST" "a network whose records came after the start"
rm "$D2/red"
kill -HUP "$P2"
sleep 0.1
kill -0 "$P2" 2>/dev/null || t_fail "podnet-dns --stay exited when its last records file went"
expect_fail '!' in_ctr "$DB" dig +tries=1 +time=1 -p 5353 @10.89.0.1 web
expect_match 'waiting for some' "$(cat "$T_OUT/dns-stay.log")" "log"
kill "$P2"

t_case "no capabilities after start; exits when the holder exits"
expect_match 'CapEff:[[:space:]]+0+$' "$(grep CapEff /proc/$DNS_PID/status)" "CapEff"
expect_match 'CapPrm:[[:space:]]+0+$' "$(grep CapPrm /proc/$DNS_PID/status)" "CapPrm"
kill "$DNS_HOLDER"
wait_for 3 bash -c "! kill -0 $DNS_PID 2>/dev/null"
if kill -0 "$DNS_PID" 2>/dev/null; then t_fail "podnet-dns still runs after the holder exited"; fi
expect_match 'holder process exited' "$(cat "$DNS_LOG")" "log"
[[ -e "$DNS_DIR/podnet-dns.pid" ]] && t_fail "pid file left behind"

t_done
