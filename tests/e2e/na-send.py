#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""na-send.py IFNAME TARGET: announce, as an unsolicited neighbour advertisement
with the override flag (to all nodes, three times), that the IPv6 address TARGET
is at IFNAME's MAC address. For the source guard's tests (t-net-extra)."""
import socket
import struct
import sys

ifname, target = sys.argv[1], sys.argv[2]
with open("/sys/class/net/%s/address" % ifname) as f:
    mac = bytes.fromhex(f.read().strip().replace(":", ""))
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
# type 136, code 0, checksum (the kernel's), flags: override; the target; option 2 (target link-layer address)
na = struct.pack("!BBHI", 136, 0, 0, 0x20000000) + socket.inet_pton(socket.AF_INET6, target) + struct.pack("!BB", 2, 1) + mac
for _ in range(3):
    s.sendto(na, ("ff02::1", 0, 0, socket.if_nametoindex(ifname)))
