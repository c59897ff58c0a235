# SPDX-License-Identifier: GPL-2.0-or-later
# DNS messages for podnet-dns's test clients (dnsclient.py, tcpcases.py).
import struct


def query(name, qid, qtype=1):
    """a query for NAME (class IN), recursion desired"""
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack("!HH", qtype, 1)


def recv_msg(s):
    """one length-prefixed message from a TCP socket, or None at EOF"""
    hdr = b""
    while len(hdr) < 2:
        d = s.recv(2 - len(hdr))
        if not d:
            return None
        hdr += d
    n = struct.unpack("!H", hdr)[0]
    body = b""
    while len(body) < n:
        d = s.recv(n - len(body))
        if not d:
            return None
        body += d
    return body
