#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Both ends of the published-port black-box tests (tests/e2e/t-ports-*.sh).

Server (runs in the container namespace), dual-stack on one port:
  serve PORT        TCP: the first line of a connection is a command
                      WHO          reply "ADDR PORT" of the peer, close
                      ECHO         echo until EOF, then close (half-close test)
                      SINK         read until EOF, reply "SHA256 BYTES", close
                      SOURCE N     reply "SHA256\n" then N bytes, close
                      RST          close with SO_LINGER 0 (a reset)
                      HOLD         reply "ok\n", then echo until EOF
                      LASTEND      how the last HOLD connection ended: eof or reset
                      URGENT       read until EOF, reply "got:DATA\n", then send
                                   "uvw", "Y" as urgent data (MSG_OOB), "xyz"; close
                    UDP: reply "ADDR PORT PAYLOAD" to each datagram
Clients (run on the host) exit 0 on success and print what they saw.
"""
import hashlib
import os
import socket
import struct
import sys
import threading
import time

TIMEOUT = 30
last_end = "none"


def norm(addr):
    return addr[7:] if addr.startswith("::ffff:") else addr


def recv_line(s):
    buf = b""
    while not buf.endswith(b"\n"):
        c = s.recv(1)
        if not c:
            break
        buf += c
    return buf.decode().strip()


def recv_all(s):
    parts = []
    while True:
        c = s.recv(1 << 20)
        if not c:
            return b"".join(parts)
        parts.append(c)


def send_urgent(s, before, urgent, after):
    """before, then the urgent byte (out of band: not part of the stream), then after"""
    s.sendall(before)
    time.sleep(0.2)
    s.send(urgent, socket.MSG_OOB)
    time.sleep(0.2)
    s.sendall(after)


def handle(c, peer):
    try:
        cmd = recv_line(c).split()
        if not cmd:
            return
        if cmd[0] == "WHO":
            c.sendall(f"{norm(peer[0])} {peer[1]}\n".encode())
        elif cmd[0] == "ECHO":
            while True:
                d = c.recv(1 << 16)
                if not d:
                    break
                c.sendall(d)
        elif cmd[0] == "SINK":
            h, n = hashlib.sha256(), 0
            while True:
                d = c.recv(1 << 20)
                if not d:
                    break
                h.update(d)
                n += len(d)
            c.sendall(f"{h.hexdigest()} {n}\n".encode())
        elif cmd[0] == "SOURCE":
            data = os.urandom(int(cmd[1]))
            c.sendall(hashlib.sha256(data).hexdigest().encode() + b"\n")
            c.sendall(data)
        elif cmd[0] == "RST":
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif cmd[0] == "HOLD":
            global last_end
            c.sendall(b"ok\n")
            try:
                while True:
                    d = c.recv(1 << 16)
                    if not d:
                        last_end = "eof"
                        break
                    c.sendall(d)
            except ConnectionResetError:
                last_end = "reset"
        elif cmd[0] == "LASTEND":
            c.sendall(f"{last_end}\n".encode())
        elif cmd[0] == "URGENT":
            send_urgent(c, b"got:" + recv_all(c) + b"\nuvw", b"Y", b"xyz")
    except OSError:
        pass
    finally:
        c.close()


def serve(port):
    t = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    t.bind(("::", port))
    t.listen(1024)
    u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    u.bind(("::", port))

    def udp_loop():
        while True:
            d, peer = u.recvfrom(65536)
            u.sendto(f"{norm(peer[0])} {peer[1]} ".encode() + d, peer)

    threading.Thread(target=udp_loop, daemon=True).start()
    while True:
        c, peer = t.accept()
        threading.Thread(target=handle, args=(c, peer), daemon=True).start()


def connect(host, port, bind=None):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    if bind:
        s.bind((bind, 0))
    s.connect((host, int(port)))
    return s


def main(argv):
    cmd = argv[0]
    bind = None
    if "--bind" in argv:
        i = argv.index("--bind")
        bind = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]
    if cmd == "serve":
        serve(int(argv[1]))
    host, port = argv[1], argv[2]
    if cmd == "who":
        s = connect(host, port, bind)
        s.sendall(b"WHO\n")
        print(recv_line(s))
    elif cmd == "sink":  # host -> container, checksum compared
        size = int(argv[3])
        data = os.urandom(size)
        s = connect(host, port, bind)
        s.sendall(b"SINK\n")
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        got = recv_line(s)
        want = f"{hashlib.sha256(data).hexdigest()} {size}"
        print(got)
        return 0 if got == want else 1
    elif cmd == "source":  # container -> host
        size = int(argv[3])
        s = connect(host, port, bind)
        s.sendall(b"SOURCE %d\n" % size)
        want = recv_line(s)
        data = recv_all(s)
        got = hashlib.sha256(data).hexdigest()
        print(got, len(data))
        return 0 if got == want and len(data) == size else 1
    elif cmd == "urgent":  # urgent data both ways: the streams arrive whole, without it
        s = connect(host, port, bind)
        s.sendall(b"URGENT\n")
        send_urgent(s, b"abc", b"X", b"def")
        s.shutdown(socket.SHUT_WR)
        s.settimeout(10)
        got = recv_all(s)
        print(repr(got))
        return 0 if got == b"got:abcdef\nuvwxyz" else 1
    elif cmd == "halfclose":
        s = connect(host, port, bind)
        s.sendall(b"ECHO\nhello half-close")
        s.shutdown(socket.SHUT_WR)
        got = recv_all(s)
        print(got.decode())
        return 0 if got == b"hello half-close" else 1
    elif cmd == "rst":
        s = connect(host, port, bind)
        s.sendall(b"RST\n")
        try:
            d = recv_all(s)
            print(f"no reset: got {len(d)} bytes and EOF")
            return 1
        except ConnectionResetError:
            print("reset")
            return 0
    elif cmd == "refused":  # expect the connection to fail or be reset at once
        try:
            s = connect(host, port, bind)
            s.sendall(b"WHO\n")
            d = recv_all(s)
            print(f"connected, got {d!r}")
            return 1 if d else 0
        except (ConnectionRefusedError, ConnectionResetError, socket.timeout) as e:
            print(type(e).__name__)
            return 0
    elif cmd == "concurrent":
        n = int(argv[3])
        socks = []
        for i in range(n):
            s = connect(host, port, bind)
            s.sendall(b"HOLD\n")
            socks.append(s)
        for s in socks:
            if recv_line(s) != "ok":
                print("a connection did not answer")
                return 1
        for i, s in enumerate(socks):
            s.sendall(b"conn %d\n" % i)
        bad = 0
        for i, s in enumerate(socks):
            if recv_line(s) != "conn %d" % i:
                bad += 1
            s.close()
        print(f"{n - bad}/{n} connections echoed their own data")
        return 1 if bad else 0
    elif cmd == "udp":
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.settimeout(1)
        if bind:
            s.bind((bind, 0))
        payload = b"ping %d" % os.getpid()
        for _ in range(5):  # UDP: retry a few times
            s.sendto(payload, (host, int(port)))
            try:
                d, src = s.recvfrom(65536)
            except socket.timeout:
                continue
            parts = d.split(b" ", 2)
            print(parts[0].decode(), parts[1].decode(), norm(src[0]))
            return 0 if parts[2] == payload else 1
        print("no reply")
        return 1
    else:
        print("unknown command", cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
