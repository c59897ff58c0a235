#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# A fake upstream DNS server for podnet-dns's black-box tests, on a loopback
# address (--addr, 127.0.0.1) and port (--port; 0: any free one). It answers every A query with 192.0.2.TAG over UDP and 198.51.100.TAG
# over TCP (so a test sees which server and which transport answered), sets TC
# over UDP for names starting with "tc.", and can be told to never answer
# (--mode blackhole) or to answer SERVFAIL (--mode servfail). Over TCP, names
# starting with "big." get 3000 A records (~48 KB) and names starting with
# "slow." are answered after 0.5 s. Names starting with "lazy." are answered
# after 1.5 s over UDP and TCP (a resolver with a cold cache), and over UDP,
# names starting with "fat." get 100 A records (1612 bytes). Every query it
# receives is appended to --log as "udp|tcp NAME ID". It writes its port to
# --port-file once it listens.
import argparse, os, socket, struct, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("--tag", type=int, required=True)
ap.add_argument("--mode", default="answer", choices=["answer", "blackhole", "servfail"])
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--addr", default="127.0.0.1")
ap.add_argument("--port", type=int, default=0)
args = ap.parse_args()
lock = threading.Lock()


def qname(pkt):
    off, labels = 12, []
    while pkt[off]:
        labels.append(pkt[off + 1:off + 1 + pkt[off]].decode("ascii", "replace"))
        off += pkt[off] + 1
    return ".".join(labels), off + 5


def answer(pkt, tcp):
    name, end = qname(pkt)
    with lock, open(args.log, "a") as f:
        f.write("%s %s %d\n" % ("tcp" if tcp else "udp", name.lower(), struct.unpack("!H", pkt[:2])[0]))
    if args.mode == "blackhole":
        return None
    qtype = struct.unpack("!H", pkt[end - 4:end - 2])[0]
    flags = 0x8180
    if args.mode == "servfail":
        return pkt[:2] + struct.pack("!HHHHH", flags | 2, 1, 0, 0, 0) + pkt[12:end]
    if not tcp and name.lower().startswith("tc."):
        return pkt[:2] + struct.pack("!HHHHH", flags | 0x200, 1, 0, 0, 0) + pkt[12:end]
    if qtype != 1:
        return pkt[:2] + struct.pack("!HHHHH", flags, 1, 0, 0, 0) + pkt[12:end]
    if not tcp and name.lower().startswith("fat."):
        rrs = b"".join(struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + bytes([10, 2, 0, i]) for i in range(100))
        return pkt[:2] + struct.pack("!HHHHH", flags, 1, 100, 0, 0) + pkt[12:end] + rrs
    if tcp and name.lower().startswith("big."):
        rrs = b"".join(struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + bytes([10, 1, i >> 8, i & 255])
                       for i in range(3000))
        return pkt[:2] + struct.pack("!HHHHH", flags, 1, 3000, 0, 0) + pkt[12:end] + rrs
    if tcp and name.lower().startswith("slow."):
        time.sleep(0.5)
    if tcp and name.lower().startswith("lazy."):
        time.sleep(1.5)
    ip = bytes([198, 51, 100, args.tag]) if tcp else bytes([192, 0, 2, args.tag])
    rr = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + ip
    return pkt[:2] + struct.pack("!HHHHH", flags, 1, 1, 0, 0) + pkt[12:end] + rr


def serve_tcp(conn):
    with conn:
        buf = b""
        while True:
            data = conn.recv(65535)
            if not data:
                return
            buf += data
            while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
                n = struct.unpack("!H", buf[:2])[0]
                msg, buf = buf[2:2 + n], buf[2 + n:]
                out = answer(msg, True)
                if out:
                    conn.sendall(struct.pack("!H", len(out)) + out)


# UDP and TCP on one port: with --port 0, a free UDP port may be taken for TCP
# (other tests on the machine): try another one
for attempt in range(50):
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((args.addr, args.port))
    port = udp.getsockname()[1]
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        tcp.bind((args.addr, port))
        break
    except OSError:
        udp.close()
        tcp.close()
        if args.port or attempt == 49:
            raise
tcp.listen(16)


def tcp_loop():
    while True:
        c, _ = tcp.accept()
        threading.Thread(target=serve_tcp, args=(c,), daemon=True).start()


threading.Thread(target=tcp_loop, daemon=True).start()
tmp = args.port_file + ".tmp"
with open(tmp, "w") as f:
    f.write("%d\n" % port)
os.rename(tmp, args.port_file)
while True:
    pkt, addr = udp.recvfrom(4096)
    try:
        out = answer(pkt, False)
    except Exception:
        continue
    if out and qname(pkt)[0].lower().startswith("lazy."):
        threading.Timer(1.5, udp.sendto, (out, addr)).start()
    elif out:
        udp.sendto(out, addr)
