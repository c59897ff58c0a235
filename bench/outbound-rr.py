#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Request/response latency over one TCP connection: send 1 byte, wait for the
# echo, N times; print the mean round trip in microseconds. Used by
# bench/outbound.sh.
import socket, sys, time
host, port = sys.argv[1], int(sys.argv[2])
n = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
s = socket.create_connection((host, port), timeout=5)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for _ in range(50):
    s.sendall(b"x"); s.recv(1)
t = time.perf_counter()
for _ in range(n):
    s.sendall(b"x")
    if s.recv(1) != b"x":
        sys.exit("bad echo")
rr = (time.perf_counter() - t) / n * 1e6
s.close()
print("%.1f" % rr)
