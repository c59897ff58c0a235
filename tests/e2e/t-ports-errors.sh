#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Published ports that cannot be published, and the ones chosen for the user:
# a port in use (TCP and UDP) fails with the port named and nothing left
# behind, a port below net.ipv4.ip_unprivileged_port_start names the sysctl,
# bad -p specs are refused with the defect named, host port 0 is replaced by
# the port actually bound, ranges map one to one (also past the usual soft
# descriptor limit), a full connection table is not logged per connection.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../../portfwd/tests/env.sh"

t_case "namespaces for a container with a server"
ports_env_up || t_fail "could not build the namespaces"

t_case "a TCP port in use: clear error, no forwarder left"
python3 -c 'import socket, time; s = socket.socket(); s.bind(("0.0.0.0", 18180)); s.listen(); time.sleep(60)' </dev/null >/dev/null 2>&1 &
busy=$!
t_on_exit "kill $busy"
wait_for 5 python3 -c 'import socket; socket.create_connection(("127.0.0.1", 18180))'
expect_fail 1 pf_start busy 18180:80
expect_match "port 18180/tcp on 0\.0\.0\.0 is already in use" "$T_ERR"
expect_ok "$TESTCTL" status --owner busy
expect_eq "none" "$T_LAST" "forwarder state after the failure"
expect_eq "" "$(pgrep -u "$(id -u)" -f -- '--owner=busy' || true)" "forwarder processes left"

t_case "a conflict on a later mapping releases the earlier ones"
expect_fail 1 pf_start busy2 18181:80 18180:80
expect_match "18180/tcp" "$T_ERR"
expect_ok python3 -c 'import socket; s = socket.socket(); s.bind(("0.0.0.0", 18181))'

t_case "a UDP port in use"
python3 -c 'import socket, time; s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::", 18182)); time.sleep(60)' </dev/null >/dev/null 2>&1 &
t_on_exit "kill $!"
sleep 0.3
expect_fail 1 pf_start busyu 18182:80/udp
# that program bound :: dual-stack, so 0.0.0.0 (bound first) is the one in use
expect_match "port 18182/udp on 0\.0\.0\.0 is already in use" "$T_ERR"

t_case "a privileged port names the sysctl to change"
start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
if ((start > 80)); then
  expect_fail 1 pf_start low 80:80
  expect_match "port 80/tcp on 0\.0\.0\.0 is below net\.ipv4\.ip_unprivileged_port_start \($start\)" "$T_ERR"
  expect_match "sysctl net\.ipv4\.ip_unprivileged_port_start=80" "$T_ERR"
else
  echo "    (ip_unprivileged_port_start is $start here: nothing to refuse)"
fi

t_case "bad specs are refused with the defect named"
expect_fail 1 "$TESTCTL" parse 8080:80/sctp
expect_match "sctp is not supported" "$T_ERR"
expect_fail 1 "$TESTCTL" parse ::1:8080:80
expect_match "write an IPv6 host IP as \[ADDR\]" "$T_ERR"
expect_fail 1 "$TESTCTL" parse 8080-8081:80
expect_match "host range has 2 ports, container range has 1" "$T_ERR"

t_case "host port 0 becomes a free port, the same for tcp and udp"
expect_ok pf_start auto 80/tcp,udp
t_on_exit "$TESTCTL stop --owner auto"
tcp_port=$(awk '$1 == "map" && $2 == "tcp" {print $4}' <<<"$T_LAST")
udp_port=$(awk '$1 == "map" && $2 == "udp" {print $4}' <<<"$T_LAST")
expect_match "^[1-9][0-9]+$" "$tcp_port" "chosen tcp port"
expect_eq "$tcp_port" "$udp_port" "udp port chosen with tcp"
expect_ok $PEER who 127.0.0.1 "$tcp_port"
expect_ok $PEER udp ::1 "$udp_port"

t_case "a range maps one to one"
ports_server_start 81
ports_server_start 82
expect_ok pf_start range 18190-18192:80-82
t_on_exit "$TESTCTL stop --owner range"
for i in 0 1 2; do
  expect_ok $PEER who 127.0.0.1 $((18190 + i))
done
# each host port reaches its own container port: stop the server on 82 and only 18192 breaks
kill "$SERVER"
sleep 0.3
expect_ok $PEER who 127.0.0.1 18190
expect_ok $PEER refused 127.0.0.1 18192
expect_ok $PEER who 127.0.0.1 18191

t_case "an automatic range is contiguous"
expect_ok pf_start autorange 80-82
t_on_exit "$TESTCTL stop --owner autorange"
expect_match "map tcp \* [0-9]+ 80 3 [0-9]+-[0-9]+:80-82/tcp" "$T_LAST"

t_case "a range of 600 ports publishes under a soft descriptor limit of 1024"
# 600 TCP ports on 0.0.0.0 and :: are 1200 listeners. The forwarder raises its
# soft limit to the hard one before it binds (it did after: "Too many open files").
hard=$(ulimit -Hn)
if [[ $hard != unlimited ]] && ((hard < 1400)); then
  echo "    (hard descriptor limit $hard here: too low for this case)"
else
  BIG=$(t_free_port_base 600) || t_fail "no 600 free ports"
  expect_ok bash -c "ulimit -Sn 1024 && exec $TESTCTL start --owner big --watch $CTR --holder $HOLDER --target4 $C4 --target6 $C6 $BIG-$((BIG + 599)):80-679"
  t_on_exit "$TESTCTL stop --owner big"
  expect_ok $PEER who 127.0.0.1 "$BIG"
  expect_match "^10\.0\.2\.2 [0-9]+$" "$T_LAST"
  expect_eq 1200 "$(ss -Htln | awk -v lo="$BIG" -v hi=$((BIG + 599)) '{n = split($4, a, ":"); if (a[n] >= lo && a[n] <= hi) c++} END {print c + 0}')" "listeners of the range"
  expect_ok "$TESTCTL" stop --owner big
fi

t_case "a full connection table resets new connections and says so once, not once each"
FULL_PORT=$(t_free_port_base 1) || t_fail "no free port"
# 80 descriptors: the table has room for one connection (the limit sizes it)
expect_ok bash -c "ulimit -n 80 && exec $TESTCTL start --owner full --watch $CTR --holder $HOLDER --target4 $C4 --target6 $C6 $FULL_PORT:80"
t_on_exit "$TESTCTL stop --owner full"
expect_ok python3 - "$FULL_PORT" <<'PY'
import socket, sys
port = int(sys.argv[1])
held = socket.create_connection(("127.0.0.1", port), timeout=5)
held.sendall(b"HOLD\n")
assert held.recv(3) == b"ok\n"
reset = 0
for _ in range(300):
    try:  # the reset may come before connect() has returned
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"WHO\n")
            s.recv(100)
    except ConnectionError:  # reset (or a broken pipe)
        reset += 1
print("%d of 300 connections reset" % reset)
sys.exit(0 if reset == 300 else 1)
PY
full_log=$(find "$PODNET_RUNTIME_DIR" -path "*/full/portfwd.log" | head -1)
expect_eq 1 "$(grep -c 'connection table full' "$full_log")" "log lines about the full table in ${full_log:-(no log)}"
expect_ok "$TESTCTL" stop --owner full

t_case "without the transparent setup in I the forwarder falls back and says why"
expect_ok pf_start plainfwd --no-tproxy-setup 18195:80
t_on_exit "$TESTCTL stop --owner plainfwd"
expect_ok "$TESTCTL" mode --owner plainfwd
expect_eq "fallback transparent sources are not set up in I" "$T_LAST" "source-address mode"
expect_ok $PEER who 127.0.0.1 18195
expect_match "^10\.77\.0\.1 [0-9]+$" "$T_LAST" "a fallback forwarder connects from its own address in I"

t_case "an address family whose setup fails is named; a forwarder that does not need it stays transparent"
# IPv6 disabled on lo in I: the IPv6 local route of the setup cannot be made, IPv4 can
expect_ok in_infra sysctl -qw net.ipv6.conf.lo.disable_ipv6=1
t_on_exit "nsenter -t $HOLDER -U -n --preserve-credentials -- sysctl -qw net.ipv6.conf.lo.disable_ipv6=0"
expect_ok pf_start dualfwd 18196:80
t_on_exit "$TESTCTL stop --owner dualfwd"
expect_ok "$TESTCTL" mode --owner dualfwd
expect_match "^fallback IPv6 policy routing in I: " "$T_LAST" "source-address mode with IPv6 needed"
expect_ok "$TESTCTL" start --owner v4fwd --watch "$CTR" --holder "$HOLDER" --target4 "$C4" 18197:80
t_on_exit "$TESTCTL stop --owner v4fwd"
expect_ok "$TESTCTL" mode --owner v4fwd
expect_eq "transparent" "$T_LAST" "source-address mode of an IPv4-only container"
expect_ok $PEER who 127.0.0.1 18197
expect_match "^10\.0\.2\.2 [0-9]+$" "$T_LAST"
expect_ok in_infra sysctl -qw net.ipv6.conf.lo.disable_ipv6=0

t_case "out of descriptors, the forwarder waits instead of spinning, then serves the connection"
# The soft descriptor limit is lowered to what the forwarder holds: accept4 fails
# with EMFILE and the connection stays in the backlog. The forwarder must not spin
# on its ever-readable listener meanwhile, and must serve the client once the
# limit is back.
expect_ok pf_start fdlim 18198:80
t_on_exit "$TESTCTL stop --owner fdlim"
expect_ok "$TESTCTL" status --owner fdlim
fpid=${T_LAST#alive }
expect_ok python3 - "$fpid" <<'PY'
import os, socket, subprocess, sys, time
pid = sys.argv[1]
hz = os.sysconf("SC_CLK_TCK")
def ticks():
    f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])
soft = [l.split()[3] for l in open("/proc/%s/limits" % pid) if l.startswith("Max open files")][0]
fds = {int(x) for x in os.listdir("/proc/%s/fd" % pid)}
lowest_free = min(set(range(len(fds) + 1)) - fds)
subprocess.run(["prlimit", "--pid", pid, "--nofile=%d:" % lowest_free], check=True)
s = socket.create_connection(("127.0.0.1", 18198), timeout=10)
s.sendall(b"WHO\n")
t0 = ticks(); time.sleep(1.5); cpu = (ticks() - t0) / hz
subprocess.run(["prlimit", "--pid", pid, "--nofile=%s:" % soft], check=True)
reply = s.recv(100).decode().strip()
print("forwarder CPU while out of descriptors: %.2f s; then: %s" % (cpu, reply))
sys.exit(0 if cpu < 0.3 and reply.startswith("10.0.2.2 ") else 1)
PY

t_done
