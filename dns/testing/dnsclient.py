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
#   dnsclient.py port0 SERVER NAME MARKER    three UDP queries for NAME: from a socket, from
#                                            source port 0 (a raw socket, as a container may
#                                            send), from another socket; creates MARKER once
#                                            sent; prints "answered N of 2" (the two sockets)
#   dnsclient.py rounds SERVER LOG SECS CASE...  ask every CASE (SRC,NAME,TYPE,WANT: WANT an
#                                            address, a PTR name or NXDOMAIN) over and over,
#                                            from before the server listens until LOG says
#                                            "records loaded" (one round more) or SECS pass;
#                                            prints "R right, W wrong" and every wrong answer
import os, socket, struct, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnswire import query, recv_msg  # noqa: E402


def read_name(msg, off):
    """a possibly compressed name at OFF, dotted"""
    labels = []
    while msg[off]:
        if msg[off] & 0xC0 == 0xC0:
            off = struct.unpack("!H", msg[off:off + 2])[0] & 0x3FFF
            continue
        labels.append(msg[off + 1:off + 1 + msg[off]].decode())
        off += msg[off] + 1
    return ".".join(labels)


def first_answer(msg):
    """NXDOMAIN, the first answer's address or name, or RCODE n / empty"""
    rcode, an = msg[3] & 0xF, struct.unpack("!H", msg[6:8])[0]
    if rcode == 3:
        return "NXDOMAIN"
    if rcode or not an:
        return "RCODE %d/%d answers" % (rcode, an)
    off = 12
    while msg[off]:
        off += msg[off] + 1
    off += 5
    off += 2 if msg[off] & 0xC0 == 0xC0 else len(read_name(msg, off)) + 2
    rtype, _, _, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
    rdata = msg[off + 10:off + 10 + rdlen]
    if rtype == 1:
        return socket.inet_ntoa(rdata)
    if rtype == 12:
        return read_name(msg, off + 10)
    return "type %d" % rtype


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
elif cmd == "rounds":
    log, deadline = sys.argv[3], time.monotonic() + float(sys.argv[4])
    cases = [c.split(",") for c in sys.argv[5:]]
    socks = {}
    for src, _, _, _ in cases:
        if src not in socks:
            # connected: a query before the server listens fails at once (ICMP), not after the timeout
            socks[src] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks[src].bind((src, 0))
            socks[src].connect((server, 53))
            socks[src].settimeout(0.05)
    right = wrong = 0
    qid = 1
    loaded_rounds = 0
    while time.monotonic() < deadline and loaded_rounds < 2:
        if loaded_rounds or ("records loaded" in open(log).read() if os.path.exists(log) else False):
            loaded_rounds += 1
        for src, name, qtype, want in cases:
            qid = qid % 65535 + 1
            u = socks[src]
            try:
                u.send(query(name, qid, int(qtype)))
                m = u.recv(4096)
            except socket.timeout:
                continue
            except ConnectionRefusedError:
                time.sleep(0.0005)
                continue
            if struct.unpack("!H", m[:2])[0] != qid:
                continue
            got = first_answer(m)
            if got == want:
                right += 1
            else:
                wrong += 1
                print("from %s, %s type %s: want %s, got %s" % (src, name, qtype, want, got))
    print("%d right, %d wrong" % (right, wrong))
    sys.exit(1 if wrong or not right else 0)
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
elif cmd == "port0":
    name, marker = sys.argv[3], sys.argv[4]
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
    q = query(name, 2)
    socks[0].sendto(query(name, 1), (server, 53))
    # UDP header: source port 0, destination 53, length, checksum 0 (none, allowed over IPv4)
    raw.sendto(struct.pack("!HHHH", 0, 53, 8 + len(q), 0) + q, (server, 0))
    socks[1].sendto(query(name, 3), (server, 53))
    open(marker, "w").close()
    answered = 0
    deadline = time.monotonic() + 3
    for u in socks:
        u.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            u.recv(4096)
            answered += 1
        except socket.timeout:
            pass
    print("answered %d of 2" % answered)
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
