#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# podnet-dns's TCP service under pressure, standalone in a private network
# namespace (small socket buffers, a fake upstream with a large and a slow
# answer): a large forwarded answer read late still arrives whole (the
# connection waits for its client under the idle limit, not the upstream
# timeout); a full pool closes an idle connection, not the one being served;
# an event of a connection closed in the same batch as its slot's reuse does
# not close the new connection.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../../dns/testing/e2e-env.sh"

in_ns() { nsenter -t "$NS" -U -n --preserve-credentials -- "$@"; }
# background processes are started with nsenter itself (it execs them), so $! is their pid
start_dns() { # ARGS...: (re)start podnet-dns in the namespace on 127.0.0.1:5399
  [[ -n "${TD_PID:-}" ]] && { kill "$TD_PID" 2>/dev/null; wait "$TD_PID" 2>/dev/null; }
  rm -f "$T_OUT/td.pid"
  nsenter -t "$NS" -U -n --preserve-credentials -- podnet-dns --config "$T_OUT/td" --port 5399 --upstream "127.0.0.1#$UP" --pid-file "$T_OUT/td.pid" "$@" \
    2>>"$T_OUT/td.log" </dev/null >/dev/null &
  TD_PID=$!
  t_on_exit "kill $TD_PID"
  wait_for 5 in_ns dig +short +tries=1 +time=1 -p 5399 @127.0.0.1 me
}

t_case "set up: a namespace with small TCP buffers, a fake upstream, podnet-dns"
unshare --user --map-root-user --net sleep infinity </dev/null >/dev/null 2>&1 &
NS=$!
t_on_exit "kill $NS"
_wait_netns_differs "$NS" || t_fail "no namespace"
expect_ok in_ns sh -ec 'ip link set lo up
  sysctl -qw net.ipv4.tcp_wmem="4096 4096 4096" net.ipv4.tcp_rmem="4096 4096 4096"'
nsenter -t "$NS" -U -n --preserve-credentials -- python3 "$DNS_TESTING/fake_upstream.py" --tag 1 --port-file "$T_OUT/up.port" --log "$T_OUT/up.log" \
  </dev/null >/dev/null 2>&1 &
t_on_exit "kill $!"
wait_for 5 test -s "$T_OUT/up.port"
UP=$(cat "$T_OUT/up.port")
mkdir -p "$T_OUT/td"
printf '127.0.0.1\naaaa 10.1.2.3  me\n' >"$T_OUT/td/net"
start_dns --tcp-max 2 || t_fail "podnet-dns did not start"
expect_ok in_ns dig +short +tries=1 +time=2 -p 5399 @127.0.0.1 me
expect_eq "10.1.2.3" "$T_LAST"

t_case "a large forwarded answer read after the upstream timeout arrives whole"
expect_ok in_ns python3 "$DNS_TESTING/tcpcases.py" late-read 5399
expect_match "^answer of [0-9]+ bytes$" "$T_LAST"

t_case "a full pool closes the idle connection, not the one waiting on its upstream"
expect_ok in_ns python3 "$DNS_TESTING/tcpcases.py" evict 5399
expect_eq "busy B answered, new C answered, idle A closed" "$T_LAST"

t_case "an event of a connection reset in the batch that reuses its slot is dropped"
start_dns --tcp-max 1 || t_fail "podnet-dns did not restart"
expect_ok in_ns python3 "$DNS_TESTING/tcpcases.py" stale 5399 "$T_OUT/td.pid"
expect_eq "0 of 3 new connections closed by a stale event" "$T_LAST"

t_done
