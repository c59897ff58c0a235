#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Raw DNS client for podnet-dns's black-box tests, for what dig cannot do.
#   dnsclient.py pipeline SERVER N NAME...   N queries on one TCP connection, sent
#                                            back to back; prints one "ID RCODE IP" per answer
#   dnsclient.py garbage SERVER              malformed UDP packets; prints "RCODE" or
#                                            "none" for each, in order
#   dnsclient.py idle SERVER SECONDS         connect over TCP, send nothing; prints
#                                            "closed" when the server closes within SECONDS
#   dnsclient.py waitfor SERVER NAME IP SECS poll until NAME is IP; print the time (ns)
#   dnsclient.py hold SERVER N               open N TCP connections and keep them;
#                                            prints how many the server closed after 1 s
import os, socket, struct, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnswire import query, recv_msg  # noqa: E402


def parse(msg):
    qid, flags, qd, an = struct.unpack("!HHHH", msg[:8])
    off = 12
    while msg[off]:
        off += msg[off] + 1
    off += 5
    ip = "-"
    if an:
        rdlen = struct.unpack("!H", msg[off + 10:off + 12])[0]
        if rdlen == 4:
            ip = socket.inet_ntoa(msg[off + 12:off + 16])
    return qid, flags & 0xF, ip


cmd, server = sys.argv[1], sys.argv[2]
if cmd == "pipeline":
    names = sys.argv[4:]
    s = socket.create_connection((server, 53), timeout=5)
    data = b""
    for i in range(int(sys.argv[3])):
        q = query(names[i % len(names)], 100 + i)
        data += struct.pack("!H", len(q)) + q
    s.sendall(data)
    for i in range(int(sys.argv[3])):
        m = recv_msg(s)
        if m is None:
            print("closed")
            break
        print("%d %d %s" % parse(m))
elif cmd == "garbage":
    good = query("web", 7)
    cases = [
        b"\x00" * 5,                                   # runt: dropped
        good[:2] + b"\x81\x00" + good[4:],             # a response: dropped
        good[:12] + b"\xc0\x0c\x00\x01\x00\x01",       # compression pointer: FORMERR
        good[:2] + b"\x29\x00" + good[4:],             # opcode 5 (UPDATE): NOTIMP
        good[:5] + b"\x02" + good[6:],                 # QDCOUNT 2: FORMERR
        good[:-4],                                     # cut question: FORMERR
        good[:10] + b"\x00\x01" + good[12:] + b"\x00\x00\x29\x10\x00\x00\x01\x00\x00\x00\x00",  # EDNS version 1: BADVERS (0)
        query("web", 8, 252),                          # AXFR: REFUSED
        good,                                          # still alive: NOERROR
    ]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(0.3)
    for c in cases:
        u.sendto(c, (server, 53))
        try:
            print(u.recv(4096)[3] & 0xF)
        except socket.timeout:
            print("none")
elif cmd == "idle":
    s = socket.create_connection((server, 53), timeout=float(sys.argv[3]))
    try:
        print("closed" if s.recv(1) == b"" else "data")
    except socket.timeout:
        print("open")
elif cmd == "hold":
    conns = [socket.create_connection((server, 53), timeout=2) for _ in range(int(sys.argv[3]))]
    time.sleep(1)
    closed = 0
    for c in conns:
        c.setblocking(False)
        try:
            if c.recv(1) == b"":
                closed += 1
        except BlockingIOError:
            pass
        except ConnectionError:
            closed += 1
    print(closed)
elif cmd == "waitfor":
    # poll NAME every 2 ms until it resolves to IP; print the wall clock (ns) of that answer
    name, want, deadline = sys.argv[3], sys.argv[4], time.time() + float(sys.argv[5])
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(0.05)
    qid = 1
    while time.time() < deadline:
        qid = (qid + 1) & 0xFFFF
        u.sendto(query(name, qid), (server, 53))
        try:
            m = u.recv(4096)
            if parse(m)[2] == want:
                print(time.time_ns())
                sys.exit(0)
        except socket.timeout:
            pass
        time.sleep(0.002)
    print("timeout")
