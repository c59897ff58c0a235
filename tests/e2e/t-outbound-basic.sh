#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Outbound connectivity through podnet-slirp, as an unprivileged user, before
# the CLI drives it: bench/outbound-lib.sh builds what netd would (holder of U
# and I, a bridge, one container netns C, the nftables rules of
# docs/internals.md), podnet-slirp-ctl calls slirp_ensure() like the CLI does.
# The outside world is the pn-outside namespace that root brings up first
# (bench/outbound-outside.sh up; scripts/test.sh does it).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../../bench/outbound-lib.sh"
: "${PODNET_RUNTIME_DIR:=$T_OUT/run}"
export PODNET_RUNTIME_DIR
t_on_exit ob_down
t_on_exit '"$OB_CTL" stop'
RUN=$PODNET_RUNTIME_DIR

t_case "the outside test namespace is reachable from the host"
expect_ok curl -s --max-time 5 "http://$OB_OUT4:8080/blob.sha256" || {
  echo "    (run 'bench/outbound-outside.sh up' as root first)" >&2; t_done; exit 1; }
BLOB_SHA=$T_LAST

t_case "podnet-slirp comes up: tap in I with address, MTU 65520, default route"
ob_up
expect_ok "$OB_CTL" ensure "$OB_HOLDER"
expect_ok ob_i ip -o addr show dev podnet-tap0
expect_match 'inet 10\.0\.2\.100/24' "$T_LAST" "tap address"
expect_ok ob_i ip -o link show dev podnet-tap0
expect_match 'mtu 65520' "$T_LAST" "tap mtu"
expect_match 'state UP|,UP' "$T_LAST" "tap up"
expect_ok ob_i ip route show default
expect_match '^default via 10\.0\.2\.2 dev podnet-tap0 ' "$T_LAST" "default route"
expect_ok ob_c ip -o link show dev eth0
expect_match 'mtu 1500' "$T_LAST" "container link keeps 1500"
expect_eq "10.0.2.2" "$(head -1 "$RUN/dns/host-gateway")" "host-gateway file"
SPID=$(ob_slirp_pid)
expect_match '^[0-9]+$' "$SPID" "pid file"

t_case "podnet-slirp lives in the host netns and holds no capabilities there"
expect_eq "$(readlink /proc/self/ns/net)" "$(readlink /proc/$SPID/ns/net)" "netns of podnet-slirp"
expect_eq "$(readlink /proc/self/ns/user)" "$(readlink /proc/$SPID/ns/user)" "userns of podnet-slirp"
expect_eq "0000000000000000" "$(awk '/^CapEff/ {print $2}' /proc/$SPID/status)" "CapEff"
expect_eq "0000000000000000" "$(awk '/^CapPrm/ {print $2}' /proc/$SPID/status)" "CapPrm"
expect_eq "1" "$(awk '/^NoNewPrivs/ {print $2}' /proc/$SPID/status)" "NoNewPrivs"

t_case "a second ensure keeps the running podnet-slirp"
expect_ok "$OB_CTL" ensure "$OB_HOLDER"
expect_eq "$SPID" "$(ob_slirp_pid)" "same pid"

t_case "TCP from the container to the outside"
expect_ok ob_c socat -t5 -T5 - "TCP:$OB_OUT4:7070,connect-timeout=5"
expect_eq "outside-tcp-ok" "$T_LAST"

t_case "UDP from the container to the outside"
word="pn-udp-$RANDOM$RANDOM"
T_LAST=$(echo "$word" | ob_c socat -T5 - "UDP:$OB_OUT4:7007" 2>"$T_OUT/err")
expect_eq "$word" "$T_LAST" "udp echo"

t_case "100 MB download with matching checksum"
got=$(ob_c curl -sf --max-time 120 "http://$OB_OUT4:8080/blob" | sha256sum | cut -d' ' -f1)
expect_eq "$BLOB_SHA" "$got" "sha256 of /blob"

t_case "outbound TCP takes the fast path (spliced host sockets), UDP libslirp"
sleep 5.5 # status is rewritten every 5 s
expect_ok "$OB_CTL" status
st=$T_LAST
expect_match '"tcp_fastpath":true' "$st"
fp_bytes=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["counters"]["tcp_fastpath_bytes_in"])' "$st")
(( fp_bytes >= 100 * 1024 * 1024 )) || t_fail "fast path carried only $fp_bytes bytes in"
rx=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["counters"]["rx_frames"])' "$st")
(( rx >= 1 )) || t_fail "libslirp saw no frames (UDP)"

t_case "a container that stops reading does not make the fast path spin"
# reads 10 MB of /blob and pauses (the server still sends: the pipe towards the
# container fills), reads on to 1.5 MB before the end and pauses again (the server
# has sent all and closed, the client had half-closed: the outer socket is shut
# both ways while the pipe still holds data), then reads the rest. podnet-slirp's
# CPU time during each 2 s pause must stay small (a spin takes a whole CPU).
expect_ok ob_c python3 - "$OB_OUT4" "$SPID" <<'PY'
import os, socket, sys, time
host, pid = sys.argv[1], sys.argv[2]
hz = os.sysconf("SC_CLK_TCK")
def ticks():
    f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)  # what it does not read backs up into the pipe
s.connect((host, 8080))
s.sendall(b"GET /blob HTTP/1.0\r\n\r\n")
s.shutdown(socket.SHUT_WR)
total, want, paused = 0, None, []
stops = [10 << 20, (100 << 20) - (3 << 19)]
while True:
    if stops and total >= stops[0]:
        stops.pop(0)
        t0 = ticks(); time.sleep(2); paused.append((ticks() - t0) / hz)
    d = s.recv(1 << 20)
    if not d:
        break
    total += len(d)
print("received %d bytes; podnet-slirp CPU during the pauses: %s s" % (total, " ".join("%.2f" % x for x in paused)))
sys.exit(0 if total >= 100 << 20 and len(paused) == 2 and max(paused) < 0.5 else 1)
PY

t_case "urgent data (MSG_OOB) through the fast path: no spin, both streams arrive whole"
# splice() stops in front of an urgent byte; poll() says readable once bytes
# follow it, and the fast path used to spin on that for the connection's life,
# then pass the FIN on as if the stream ended at the urgent byte. A server of
# ours in H, on the host's end of the pn-outside veth: the container sends
# "abc", "X" urgent, "def", pauses 2 s, half-closes; the server answers with
# what it got, then "uvw", "Y" urgent, "x", pauses 2 s, "yz" and closes.
# podnet-slirp's CPU time during each pause must stay small.
URG_HOST=198.51.100.1
URG_PORT=$(t_free_port_base 1) || t_fail "no free port"
timeout 60 python3 - "$URG_HOST" "$URG_PORT" >"$T_OUT/urgent-server.log" 2>&1 <<'PY' &
import socket, sys, time
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], int(sys.argv[2])))
l.listen(1)
l.settimeout(40)
c, _ = l.accept()
c.settimeout(20)
got = b""
while True:
    d = c.recv(65536)
    if not d:
        break
    got += d
c.sendall(b"got:" + got + b"\nuvw")
time.sleep(0.2)
c.send(b"Y", socket.MSG_OOB)
time.sleep(0.2)
c.sendall(b"x")
time.sleep(2)
c.sendall(b"yz")
c.close()
PY
urg_srv=$!
t_on_exit "kill $urg_srv"
wait_for 5 bash -c "ss -Htln | grep -q '$URG_HOST:$URG_PORT '"
expect_ok ob_c timeout 40 python3 - "$URG_HOST" "$URG_PORT" "$SPID" <<'PY'
import os, socket, sys, time
host, port, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
hz = os.sysconf("SC_CLK_TCK")
def ticks():
    f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])
s = socket.create_connection((host, port), timeout=10)
s.sendall(b"abc")
time.sleep(0.2)
s.send(b"X", socket.MSG_OOB)
time.sleep(0.2)
s.sendall(b"def")
t0 = ticks(); time.sleep(2); out_cpu = (ticks() - t0) / hz
s.shutdown(socket.SHUT_WR)
s.settimeout(20)
t0 = ticks()
got = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    got += d
in_cpu = (ticks() - t0) / hz
print("got %r; podnet-slirp CPU: %.2f s with an urgent byte towards the outside, %.2f s towards the container"
      % (got, out_cpu, in_cpu))
sys.exit(0 if got == b"got:abcdef\nuvwxyz" and out_cpu < 0.5 and in_cpu < 0.5 else 1)
PY
expect_match "^got b'got:abcdef\\\\nuvwxyz'" "$T_LAST" "what the container got"

t_case "connections held open through the fast path leave the user's other pipes their size"
# The kernel charges pipes to their user: past fs.pipe-user-pages-soft every new
# pipe of the user gets 8 KiB. 100 idle connections with 1 MiB pipes each way
# used to pass it; pipes now start small and grow only for bulk.
expect_ok ob_c python3 - "$OB_OUT4" <<'PY'
import fcntl, os, socket, sys
ss = [socket.create_connection((sys.argv[1], 7071), timeout=5) for _ in range(100)]
for s in ss:
    s.sendall(b"x")
    assert s.recv(1) == b"x"
r, w = os.pipe()
size = fcntl.fcntl(w, 1032)  # F_GETPIPE_SZ
print("a new pipe of the user, 100 connections open: %d bytes" % size)
sys.exit(0 if size >= 65536 else 1)
PY

t_case "the fast path's listener cannot be reached directly from the container"
expect_fail '!' ob_c socat -t2 -T2 - TCP:10.89.0.1:16001,connect-timeout=2

t_case "host loopback is not reachable from the container by default"
hport=$(t_free_port_base 1)
socat TCP-LISTEN:$hport,bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo host-loopback-ok' &
hl=$!
t_on_exit "kill $hl"
wait_for 5 socat -t1 -T1 - TCP:127.0.0.1:$hport
expect_fail '!' ob_c socat -t3 -T3 - TCP:10.0.2.2:$hport,connect-timeout=3

t_case "host loopback is reachable at 10.0.2.2 once the container is in host_allowed"
expect_ok ob_i nft add element inet podnet host_allowed4 "{ $OB_CTR_ADDR }"
expect_ok ob_c socat -t5 -T5 - TCP:10.0.2.2:$hport,connect-timeout=5
expect_eq "host-loopback-ok" "$T_LAST"

t_case "and unreachable again once removed"
expect_ok ob_i nft delete element inet podnet host_allowed4 "{ $OB_CTR_ADDR }"
expect_fail '!' ob_c socat -t3 -T3 - TCP:10.0.2.2:$hport,connect-timeout=3

t_case "a burst of 64 parallel connections and a UDP flood leave it working"
# -t30: each client half-closes at once (stdin is at EOF) and must wait for the
# answer; socat's default 0.5 s gave up under load and read as a lost reply
for i in $(seq 64); do ob_c socat -t30 -T30 - "TCP:$OB_OUT4:7070,connect-timeout=30" >"$T_OUT/burst.$i" 2>"$T_OUT/burst-err.$i" & done
head -c 20000000 /dev/zero | ob_c socat -u -b 1400 - "UDP:$OB_OUT4:7009" 2>/dev/null
wait_for 60 bash -c "[[ \$(cat $T_OUT/burst.* | grep -c outside-tcp-ok) -eq 64 ]]"
expect_eq 64 "$(cat "$T_OUT"/burst.* | grep -c outside-tcp-ok)" "burst connections answered (errors: $(cat "$T_OUT"/burst-err.* | sort | uniq -c | head -3))"
expect_ok ob_c socat -t5 -T5 - "TCP:$OB_OUT4:7070,connect-timeout=5"
expect_eq "outside-tcp-ok" "$T_LAST"
expect_eq "$SPID" "$(ob_slirp_pid)" "same podnet-slirp"

t_case "kill -9 of podnet-slirp: outbound fails, then slirp_ensure restarts it"
kill -9 "$SPID"
wait_for 5 bash -c "! kill -0 $SPID"
expect_fail '!' ob_c socat -t2 -T2 - "TCP:$OB_OUT4:7070,connect-timeout=2"
expect_ok "$OB_CTL" status
expect_match '"running":false' "$T_LAST"
expect_ok "$OB_CTL" ensure "$OB_HOLDER"
NPID=$(ob_slirp_pid)
[[ -n "$NPID" && "$NPID" != "$SPID" ]] || t_fail "no new podnet-slirp (pid $NPID)"
expect_ok ob_c socat -t5 -T5 - "TCP:$OB_OUT4:7070,connect-timeout=5"
expect_eq "outside-tcp-ok" "$T_LAST"

t_case "podnet-slirp exits when the holder exits"
kill "$hl"; wait "$hl" 2>/dev/null
ob_down
wait_for 5 bash -c "! kill -0 $NPID"
kill -0 "$NPID" 2>/dev/null && t_fail "podnet-slirp $NPID still running"
expect_ok "$OB_CTL" status
expect_match '"running":false' "$T_LAST"

t_done
