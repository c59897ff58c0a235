#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The forwarder's lifetime: kill -9 is seen as "dead" and a new start
# (what podnet does on its next command) restores the ports; the forwarder
# goes when the container's init goes, and a stop ends open connections with
# a FIN, not a reset.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../../portfwd/tests/env.sh"

t_case "namespaces for a container with a server"
ports_env_up || t_fail "could not build the namespaces"

t_case "start, then a second start for the same container is refused"
expect_ok pf_start web 18280:80 18281:80/udp
t_on_exit "$TESTCTL stop --owner web"
expect_fail 1 pf_start web 18282:80
expect_match "already running" "$T_ERR"

t_case "kill -9 of the forwarder is detected"
read -r state pid < <("$TESTCTL" status --owner web)
expect_eq "alive" "$state"
kill -9 "$pid"
wait_for 5 bash -c "! kill -0 $pid"
expect_ok "$TESTCTL" status --owner web
expect_eq "dead $pid" "$T_LAST"
expect_ok $PEER refused 127.0.0.1 18280

t_case "a new start after kill -9 restores the same ports"
expect_ok pf_start web 18280:80 18281:80/udp
expect_ok $PEER who 127.0.0.1 18280
expect_ok $PEER udp 127.0.0.1 18281
expect_ok "$TESTCTL" status --owner web
expect_match "^alive [0-9]+$" "$T_LAST"

t_case "stop closes an open connection with a FIN"
exec {conn}<> /dev/tcp/127.0.0.1/18280
echo HOLD >&$conn
read -r -t 5 reply <&$conn
expect_eq "ok" "$reply"
expect_ok "$TESTCTL" stop --owner web
# after a FIN, read returns end-of-file (status 1 with nothing read), not an error
rc=0; read -r -t 5 more <&$conn || rc=$?
expect_eq "1:" "$rc:${more:-}" "read after stop (1 = EOF)"
exec {conn}>&-
expect_ok "$TESTCTL" status --owner web
expect_eq "none" "$T_LAST"

t_case "the forwarder exits when the container's init exits"
expect_ok pf_start web2 18283:80
read -r state pid < <("$TESTCTL" status --owner web2)
expect_eq "alive" "$state"
kill "$CTR"
wait_for 5 bash -c "! kill -0 $pid" || t_fail "forwarder $pid still running after the container exited"
expect_ok python3 -c 'import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 18283))'

t_case "start refuses a container whose init is gone (a reused PID does not count)"
expect_fail 1 "$TESTCTL" start --owner gone --watch "$HOLDER:1" --holder "$HOLDER" --target4 "$C4" 18284:80
expect_match "container process $HOLDER is not running" "$T_ERR"
expect_ok "$TESTCTL" status --owner gone
expect_eq "none" "$T_LAST"

t_done
