#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Published ports through podnet-portfwd, from the host's loopback, as an
# unprivileged user: TCP and UDP from 127.0.0.1 and ::1, what source address
# the container sees, 100 MB each way with checksums, half-close, urgent data,
# reset propagation, 200 concurrent connections. The namespaces are built by hand
# (portfwd/tests/env.sh) and the forwarder is started through the client
# library (podnet-portfwd-testctl), so this runs without the CLI.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../../portfwd/tests/env.sh"

t_case "namespaces for a container with a server"
ports_env_up || t_fail "could not build the namespaces"

t_case "podnet-portfwd starts and publishes TCP and UDP ports"
expect_ok pf_start web 18080:80 18081:80/udp
t_on_exit "$TESTCTL stop --owner web"
expect_match "map tcp \* 18080 80 1" "$T_LAST"
expect_match "map udp \* 18081 80 1" "$T_LAST"
expect_ok "$TESTCTL" status --owner web
expect_match "^alive [0-9]+$" "$T_LAST"
expect_ok "$TESTCTL" mode --owner web
expect_eq "transparent" "$T_LAST" "source-address mode"

t_case "TCP from 127.0.0.1: the container sees the host gateway for a loopback client"
expect_ok $PEER who 127.0.0.1 18080
expect_match "^10\.0\.2\.2 [0-9]+$" "$T_LAST"

t_case "TCP from ::1 reaches the container over IPv6"
expect_ok $PEER who ::1 18080
expect_match "^fd00::2 [0-9]+$" "$T_LAST"

t_case "the container sees the client's port too"
expect_ok python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", 18080)); s.sendall(b"WHO\n")
seen = s.recv(100).decode().split()
sys.exit(0 if int(seen[1]) == s.getsockname()[1] else 1)'

t_case "UDP from 127.0.0.1: reply comes back from the address the client sent to"
expect_ok $PEER udp 127.0.0.1 18081
expect_match "^10\.0\.2\.2 [0-9]+ 127\.0\.0\.1$" "$T_LAST"

t_case "UDP from ::1"
expect_ok $PEER udp ::1 18081
expect_match "^fd00::2 [0-9]+ ::1$" "$T_LAST"

t_case "UDP: two clients get their own replies"
expect_ok bash -c "$PEER udp 127.0.0.1 18081 & a=\$!; $PEER udp 127.0.0.1 18081 & b=\$!; $PEER udp ::1 18081 & c=\$!; wait \$a && wait \$b && wait \$c"

t_case "UDP: two loopback clients with the same port each get their own replies"
# both appear as the host gateway; inner sockets bound to the same gateway:port
# and connected to the same target would share the container's replies
expect_ok python3 - 18081 <<'PY'
import socket, sys
port = int(sys.argv[1])
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.1", 0))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("127.0.0.2", a.getsockname()[1]))
got = {"A": [], "B": []}
for i in range(3):
    for tag, s in (("A", a), ("B", b)):
        s.sendto(b"%s%d" % (tag.encode(), i), ("127.0.0.1", port))
for tag, s in (("A", a), ("B", b)):
    s.settimeout(1.0)
    try:
        while len(got[tag]) < 6:
            got[tag].append(s.recv(100).decode().split()[-1])
    except socket.timeout:
        pass
print(got)
sys.exit(0 if sorted(got["A"]) == ["A0", "A1", "A2"] and sorted(got["B"]) == ["B0", "B1", "B2"] else 1)
PY

t_case "UDP: a full flow table never carries one client's datagram on another's flow"
# a forwarder with room for 3 flows (the descriptor limit sizes the table);
# six new clients land in one batch while it is stopped
FL_PORT=$(t_free_port_base 1) || t_fail "no free port"
expect_ok bash -c "ulimit -n 80; exec $TESTCTL start --owner flows --watch $CTR --holder $HOLDER --target4 $C4 --target6 $C6 $FL_PORT:80/udp"
t_on_exit "$TESTCTL stop --owner flows"
fl_pid=$("$TESTCTL" status --owner flows | awk '{print $2}')
expect_match "^[0-9]+$" "$fl_pid" "forwarder pid"
expect_ok python3 - "$fl_pid" "$FL_PORT" <<'PY'
import os, signal, socket, sys, time
pid, port = int(sys.argv[1]), int(sys.argv[2])
socks = []
for _ in range(6):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); s.setblocking(False)
    socks.append(s)
os.kill(pid, signal.SIGSTOP)
try:
    for i, s in enumerate(socks):
        s.sendto(b"c%d" % i, ("127.0.0.1", port))
    time.sleep(0.3)
finally:
    os.kill(pid, signal.SIGCONT)
time.sleep(1.0)
wrong = answered = 0
for i, s in enumerate(socks):
    while True:
        try:
            d = s.recv(100).decode().split()[-1]
        except BlockingIOError:
            break
        answered += 1
        if d != "c%d" % i:
            wrong += 1
            print("client %d got %s" % (i, d))
# the clients left out get a flow on their next datagram
for i, s in enumerate(socks):
    s.setblocking(True); s.settimeout(1.0)
    s.sendto(b"r%d" % i, ("127.0.0.1", port))
    d = s.recv(100).decode().split()[-1]
    if d != "r%d" % i:
        wrong += 1
        print("client %d got %s on its retry" % (i, d))
print("answered %d in the batch, %d wrong" % (answered, wrong))
sys.exit(0 if wrong == 0 and answered >= 1 else 1)
PY

t_case "100 MB host -> container, checksum matches"
expect_ok $PEER sink 127.0.0.1 18080 100000000

t_case "100 MB container -> host, checksum matches"
expect_ok $PEER source 127.0.0.1 18080 100000000

t_case "100 MB both ways over IPv6"
expect_ok $PEER sink ::1 18080 100000000
expect_ok $PEER source ::1 18080 100000000

t_case "half-close: the client shuts down writes and still gets the reply"
expect_ok $PEER halfclose 127.0.0.1 18080
expect_eq "hello half-close" "$T_LAST"

t_case "urgent data (MSG_OOB) both ways: the streams arrive whole and end after it"
# splice() stops in front of an urgent byte; the bytes after it used to stay
# behind and the peer's FIN went through as if the stream were complete
expect_ok $PEER urgent 127.0.0.1 18080
expect_eq "b'got:abcdef\\nuvwxyz'" "$T_LAST" "what the client got"
expect_ok $PEER urgent ::1 18080

t_case "a reset from the container reaches the client as a reset"
expect_ok $PEER rst 127.0.0.1 18080
expect_eq "reset" "$T_LAST"

t_case "a reset from the client reaches the container"
# the client resets a HOLD connection; the server must see a reset, not an EOF
expect_ok python3 -c '
import socket, struct
s = socket.create_connection(("127.0.0.1", 18080)); s.sendall(b"HOLD\n"); assert s.recv(3) == b"ok\n"
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); s.close()'
sleep 0.3
expect_ok bash -c "echo LASTEND | timeout 5 nc -N 127.0.0.1 18080"
expect_eq "reset" "$T_LAST" "how the container saw the connection end"

t_case "a FIN from the client reaches the container as an EOF"
expect_ok python3 -c '
import socket
s = socket.create_connection(("127.0.0.1", 18080)); s.sendall(b"HOLD\n"); assert s.recv(3) == b"ok\n"; s.close()'
sleep 0.3
expect_ok bash -c "echo LASTEND | timeout 5 nc -N 127.0.0.1 18080"
expect_eq "eof" "$T_LAST" "how the container saw the connection end"

t_case "200 concurrent connections each get their own data back"
expect_ok $PEER concurrent 127.0.0.1 18080 200
expect_eq "200/200 connections echoed their own data" "$T_LAST"

t_case "a connection to a container port with no server is reset"
expect_ok pf_start nosrv 18082:81
t_on_exit "$TESTCTL stop --owner nosrv"
expect_ok $PEER refused 127.0.0.1 18082
expect_match "ConnectionResetError|ConnectionRefusedError" "$T_LAST"

t_case "a stream cut off by the forwarder's stop ends with a reset, not a clean EOF"
CUT_PORT=$(t_free_port_base 1) || t_fail "no free port"
expect_ok pf_start cut "$CUT_PORT:80"
t_on_exit "$TESTCTL stop --owner cut"
# the client asks for 50 MB and reads nothing until the forwarder is gone:
# bytes wait in the forwarder's pipe towards it
expect_ok python3 - "$CUT_PORT" "$TESTCTL" <<'PY'
import socket, subprocess, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.sendall(b"SOURCE 50000000\n")
# the stream is flowing (a slow build may take a while to start it) ...
s.settimeout(20)
n = len(s.recv(1))
s.settimeout(None)
# ... and fills the client's buffer, then the forwarder's pipe
time.sleep(1.0)
subprocess.run([sys.argv[2], "stop", "--owner", "cut"], check=True)
try:
    while True:
        d = s.recv(1 << 20)
        if not d:
            print("clean EOF after %d bytes" % n); sys.exit(1)
        n += len(d)
except ConnectionResetError:
    print("reset after %d bytes" % n)
PY
expect_match "^reset after [0-9]+ bytes$" "$T_LAST"

t_case "the forwarder holds no capabilities in the host namespace"
pid=$("$TESTCTL" status --owner web | awk '{print $2}')
expect_match "^CapEff:[[:space:]]+0000000000001000$" "$(grep CapEff /proc/$pid/status)" "CapEff (CAP_NET_ADMIN over U only)"
expect_eq "$(readlink /proc/$HOLDER/ns/user)" "$(readlink /proc/$pid/ns/user)" "forwarder's user namespace"
expect_eq "$(readlink /proc/$HOLDER/ns/net)" "$(readlink /proc/$pid/ns/net)" "forwarder's network namespace"

t_case "connections held open leave the user's other pipes their size"
# The kernel charges pipes to their user: past fs.pipe-user-pages-soft every new
# pipe of the user gets 8 KiB. 200 idle connections with two 256 KiB pipes each
# used to pass it; pipes now start small and grow only for bulk.
expect_ok python3 - <<'PY'
import fcntl, os, socket, sys
ss = []
for _ in range(200):
    s = socket.create_connection(("127.0.0.1", 18080), timeout=5)
    s.sendall(b"HOLD\n")
    ss.append(s)
for s in ss:
    assert s.recv(3) == b"ok\n"
r, w = os.pipe()
size = fcntl.fcntl(w, 1032)  # F_GETPIPE_SZ
print("a new pipe of the user, 200 connections open: %d bytes" % size)
sys.exit(0 if size >= 65536 else 1)
PY

t_case "stop ends the forwarder and frees the ports"
expect_ok "$TESTCTL" stop --owner web
expect_ok "$TESTCTL" status --owner web
expect_eq "none" "$T_LAST"
expect_ok python3 -c 'import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 18080))'

t_done
