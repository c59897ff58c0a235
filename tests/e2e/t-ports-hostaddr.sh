#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Published ports seen from a non-loopback client. The "host" here is a
# network namespace of our own (never a real external address): it has
# 192.0.2.1, 192.0.2.3 and 2001:db8::1 on a veth whose other end, in a
# "LAN client" namespace, has 192.0.2.2 and 2001:db8::2. The container must
# see the client's own address; a port published on one host IP must not
# answer on another; UDP sent to a broadcast or multicast address is answered.
if [[ -z "${PORTS_FAKE_HOST:-}" ]]; then
  exec unshare --user --map-root-user --net env PORTS_FAKE_HOST=1 bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../../portfwd/tests/env.sh"

t_case "a host namespace with two addresses and a LAN client behind a veth"
ip link set lo up
unshare --net -- sleep 3600 </dev/null >/dev/null 2>&1 &
LAN=$!
t_on_exit "kill $LAN"
_wait_ns "$LAN" net || t_fail "LAN namespace did not start"
expect_ok ip link add ext0 type veth peer name lan0 netns "$LAN"
expect_ok sh -ec 'ip addr add 192.0.2.1/24 dev ext0; ip addr add 192.0.2.3/24 dev ext0
  ip -6 addr add 2001:db8::1/64 dev ext0 nodad; ip link set ext0 up'
expect_ok nsenter -t "$LAN" -n -- sh -ec 'ip link set lo up; ip addr add 192.0.2.2/24 dev lan0
  ip -6 addr add 2001:db8::2/64 dev lan0 nodad; ip link set lan0 up'
in_lan() { nsenter -t "$LAN" -n -- "$@"; }

t_case "namespaces for a container with a server"
ports_env_up || t_fail "could not build the namespaces"

t_case "publish on every address"
expect_ok pf_start web 18380:80 18381:80/udp
t_on_exit "$TESTCTL stop --owner web"
expect_ok "$TESTCTL" mode --owner web
expect_eq "transparent" "$T_LAST"

t_case "TCP from a LAN client: the container sees the client's address"
expect_ok in_lan $PEER who 192.0.2.1 18380
expect_match "^192\.0\.2\.2 [0-9]+$" "$T_LAST"

t_case "TCP over IPv6 from a LAN client: the container sees the client's address"
expect_ok in_lan $PEER who 2001:db8::1 18380
expect_match "^2001:db8::2 [0-9]+$" "$T_LAST"

t_case "TCP from a non-loopback address of the host itself"
expect_ok $PEER who 192.0.2.3 18380 --bind 192.0.2.3
expect_match "^192\.0\.2\.3 [0-9]+$" "$T_LAST"

t_case "UDP from a LAN client: its address is seen, the reply comes from the address it sent to"
expect_ok in_lan $PEER udp 192.0.2.3 18381
expect_match "^192\.0\.2\.2 [0-9]+ 192\.0\.2\.3$" "$T_LAST"
expect_ok in_lan $PEER udp 2001:db8::1 18381
expect_match "^2001:db8::2 [0-9]+ 2001:db8::1$" "$T_LAST"

t_case "UDP to the LAN's broadcast address and to IPv6 all-nodes: the replies arrive, and later ones too"
# A reply cannot come from the broadcast or multicast address the client sent
# to: it used to be sent from there, failed, and so did every later reply of
# that flow. Each client sends to the group first, then to a host address.
for group in 192.0.2.255 ff02::1; do
  expect_ok in_lan python3 - "$group" 18381 <<'PY'
import socket, sys
group, port = sys.argv[1], int(sys.argv[2])
if ":" in group:
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(("2001:db8::2", 0))
    dests = [(group, port, 0, socket.if_nametoindex("lan0")), ("2001:db8::1", port)]
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.bind(("192.0.2.2", 0))
    dests = [(group, port), ("192.0.2.3", port)]
s.settimeout(1)
bad = 0
for i, dest in enumerate(dests):
    payload = b"to-%d" % i
    for _ in range(3):  # UDP: retry a few times
        s.sendto(payload, dest)
        try:
            d, src = s.recvfrom(1000)
        except socket.timeout:
            continue
        print("sent to %s: reply %r from %s" % (dest[0], d, src[0]))
        # to a host address: the reply comes from there
        if not d.endswith(payload) or (i > 0 and src[0] != dest[0]):
            bad += 1
        break
    else:
        print("sent to %s: no reply" % dest[0])
        bad += 1
sys.exit(1 if bad else 0)
PY
done

t_case "checksummed transfer from the LAN client"
expect_ok in_lan $PEER sink 192.0.2.1 18380 20000000
expect_ok in_lan $PEER source 192.0.2.1 18380 20000000

t_case "a port published on one host IP answers only there"
expect_ok pf_start only 192.0.2.1:18382:80 "[2001:db8::1]:18383:80"
t_on_exit "$TESTCTL stop --owner only"
expect_ok in_lan $PEER who 192.0.2.1 18382
expect_match "^192\.0\.2\.2 " "$T_LAST"
expect_ok in_lan $PEER who 2001:db8::1 18383
for addr in 192.0.2.3 127.0.0.1; do
  expect_fail 1 python3 -c "import socket; socket.create_connection(('$addr', 18382), timeout=3)"
done
expect_fail 1 python3 -c "import socket; socket.create_connection(('::1', 18383), timeout=3)"
expect_fail 1 python3 -c "import socket; socket.create_connection(('192.0.2.1', 18383), timeout=3)"

t_case "a host IP that is not the host's is refused by name"
expect_fail 1 pf_start notmine 198.51.100.7:18384:80
expect_match "host IP 198\.51\.100\.7 is not an address of this host" "$T_ERR"

t_done
