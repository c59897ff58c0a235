#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# TCP cases of podnet-dns for tests/e2e/t-dns-tcp.sh (run inside the test's
# network namespace; the server listens on 127.0.0.1:PORT):
#   tcpcases.py late-read PORT          a ~48 KB forwarded answer, read 2.5 s late (> upstream timeout)
#   tcpcases.py evict PORT              pool of 2: idle A, B waiting on a slow upstream, new C
#   tcpcases.py stale PORT PIDFILE      pool of 1: A resets while the server is stopped and B connects
# Prints one line of results; exits 1 when the server got it wrong.
import os, signal, socket, struct, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnswire import query, recv_msg  # noqa: E402


def tcp_query(name, qid):
    q = query(name, qid)
    return struct.pack("!H", len(q)) + q


def recv_answer(s):
    """one length-prefixed message, or None at EOF, reset or timeout"""
    try:
        return recv_msg(s)
    except (ConnectionResetError, socket.timeout):
        return None


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(3)
    return s


cmd, port = sys.argv[1], int(sys.argv[2])
if cmd == "late-read":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.settimeout(5)
    s.sendall(tcp_query("big.example", 77))
    time.sleep(2.5)
    m = recv_answer(s)
    ok = m is not None and struct.unpack("!H", m[6:8])[0] == 3000
    print("answer of %d bytes" % len(m) if m else "cut off")
    sys.exit(0 if ok else 1)
elif cmd == "evict":
    a = connect(port)
    time.sleep(0.2)
    b = connect(port)
    b.sendall(tcp_query("slow.example", 5))
    time.sleep(0.1)
    c = connect(port)
    time.sleep(0.1)
    b_ok = recv_answer(b) is not None
    c.sendall(tcp_query("me", 9))
    c_ok = recv_answer(c) is not None
    a.settimeout(0.5)
    try:
        a_open = a.recv(1) != b""
    except socket.timeout:
        a_open = True
    except ConnectionResetError:
        a_open = False
    print("busy B %s, new C %s, idle A %s" % ("answered" if b_ok else "closed", "answered" if c_ok else "closed",
                                              "open" if a_open else "closed"))
    sys.exit(0 if b_ok and c_ok and not a_open else 1)
elif cmd == "stale":
    pid = int(open(sys.argv[3]).read().split()[0])
    bad = 0
    for trial in range(3):
        a = connect(port)
        time.sleep(0.1)
        os.kill(pid, signal.SIGSTOP)
        try:
            time.sleep(0.05)
            b = connect(port)
            time.sleep(0.02)
            a.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            a.close()
            time.sleep(0.02)
        finally:
            os.kill(pid, signal.SIGCONT)
        time.sleep(0.1)
        try:
            b.sendall(tcp_query("me", 7))
            ok = recv_answer(b) is not None
        except OSError:
            ok = False
        bad += not ok
        b.close()
        time.sleep(0.1)
    print("%d of 3 new connections closed by a stale event" % bad)
    sys.exit(0 if bad == 0 else 1)
sys.exit(2)
