#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Killing the helpers with SIGKILL: the namespace holder, podnet-dns and
# podnet-slirp. The next command recognises it and repairs: running
# containers are reconnected with their addresses, names resolve again.
. "$(dirname "$0")/lib.sh"
t_on_exit "$PODNET system reset -f"

holder() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$PODNET_RUNTIME_DIR/holder.json"; }
ip_of() { $PODNET inspect "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['networks']['$2']['ips'][0].split('/')[0])"; }
tcp() { $PODNET exec "$1" -- socat -t2 -T2 - TCP:"$2":7000,connect-timeout=2 </dev/null 2>/dev/null; }

t_case "setup: two networks, r1 on both, r2 on the first, r4 on the second"
expect_ok $PODNET network create rec
expect_ok $PODNET network create rec2
expect_ok $PODNET run -d --name r1 --network rec,rec2 -- socat -T5 TCP-LISTEN:7000,reuseaddr,fork SYSTEM:'echo r1-here'
expect_ok $PODNET run -d --name r2 --network rec -- sleep 120
expect_ok $PODNET run -d --name r4 --network rec2 -- sleep 120
ip1=$(ip_of r1 rec)
ip1b=$(ip_of r1 rec2)
wait_for 5 tcp r2 "$ip1"
expect_eq "r1-here" "$(tcp r2 "$ip1")"
expect_eq "r1-here" "$(tcp r4 "$ip1b")"

t_case "kill -9 of the namespace holder is repaired by the next command"
mapped() { $PODNET info | python3 -c 'import json,sys; print(json.load(sys.stdin)["infra"].get("subuid_range_mapped"))'; }
mapped_before=$(mapped)
old=$(holder)
kill -9 "$old"
wait_for 5 bash -c "! kill -0 $old 2>/dev/null"
expect_ok $PODNET ps
expect_match "r1 +running" "$T_LAST"
expect_nomatch "could not reconnect" "$(cat "$T_OUT/err")" "warnings of the repair"
new=$(holder)
[[ "$new" != "$old" ]] || t_fail "holder not replaced"
# the new holder lives in the same user namespace, with the same id mapping
expect_eq "$mapped_before" "$(mapped)" "podnet info: subuid_range_mapped after the holder was replaced"
expect_eq "$ip1" "$(ip_of r1 rec)" "address kept"
wait_for 5 tcp r2 "$ip1"
expect_eq "r1-here" "$(tcp r2 "$ip1")" "r2 -> r1 after repair"
expect_eq "$ip1b" "$(ip_of r1 rec2)" "second network's address kept"
wait_for 5 tcp r4 "$ip1b"
expect_eq "r1-here" "$(tcp r4 "$ip1b")" "r4 -> r1 on the second network after repair"
expect_ok $PODNET run --rm --network rec -- socat -t2 -T2 - TCP:"$ip1":7000,connect-timeout=2
expect_eq "r1-here" "$T_LAST" "a new container reaches an old one"

t_case "names resolve again after the repair"
wait_for 5 $PODNET exec r2 -- getent hosts r1
expect_ok $PODNET exec r2 -- getent hosts r1
expect_match "^$ip1 " "$T_LAST"

t_case "network connect as the first command after the holder died: attached once"
# The repair re-attaches every running sandbox as its state says; connect
# used to save its new attachment first, so the repair made the interface
# and connect then failed: "interface eth1 already exists".
expect_ok $PODNET pod create --name rpod --network rec
expect_ok $PODNET run -d --pod rpod --name rmem -- sleep 120
for who in r2 rpod; do
  old=$(holder); kill -9 "$old"; wait_for 5 bash -c "! kill -0 $old 2>/dev/null"
  expect_ok $PODNET network connect rec2 "$who"
  ctr=$who; [[ $who == rpod ]] && ctr=rmem
  expect_ok $PODNET exec "$ctr" -- ip -o -4 addr show eth1
  expect_match "inet $(ip_of "$who" rec2)/" "$T_LAST" "$who's address on rec2 after the repair"
done
wait_for 5 tcp r2 "$ip1b"
expect_eq "r1-here" "$(tcp r2 "$ip1b")" "r2 -> r1 on the network it joined during the repair"

t_case "network disconnect as the first command after the holder died removes the interface"
# It used to skip the interface when the infra was gone: the container kept
# it (on the dead infra's bridge), and the next connect found eth1 taken.
for who in r2 rpod; do
  ctr=$who; [[ $who == rpod ]] && ctr=rmem
  old=$(holder); kill -9 "$old"; wait_for 5 bash -c "! kill -0 $old 2>/dev/null"
  expect_ok $PODNET network disconnect rec2 "$who"
  expect_fail 1 $PODNET exec "$ctr" -- ip link show eth1
  expect_ok $PODNET network connect rec2 "$who"
  expect_ok $PODNET exec "$ctr" -- ip -o -4 addr show eth1
  expect_match "inet $(ip_of "$who" rec2)/" "$T_LAST" "$who on rec2 again"
done
expect_ok $PODNET pod rm -f rpod

t_case "kill -9 of podnet-dns is repaired by the next command that needs it"
dnspid=$(cut -d' ' -f1 "$PODNET_RUNTIME_DIR/dns/podnet-dns.pid")
kill -9 "$dnspid"
expect_ok $PODNET run --rm --network rec -- true
wait_for 5 $PODNET exec r2 -- getent hosts r1
expect_ok $PODNET exec r2 -- getent hosts r1

t_case "kill -9 of podnet-dns and podnet-slirp: podnet ps restarts them"
dnspid=$(cut -d' ' -f1 "$PODNET_RUNTIME_DIR/dns/podnet-dns.pid")
slirppid=$(cut -d' ' -f1 "$PODNET_RUNTIME_DIR/slirp/podnet-slirp.pid")
kill -9 "$dnspid" "$slirppid"
wait_for 5 t_gone "$dnspid" "$slirppid"
expect_ok $PODNET ps
expect_match "r1 +running" "$T_LAST"
newdns=$(cut -d' ' -f1 "$PODNET_RUNTIME_DIR/dns/podnet-dns.pid")
newslirp=$(cut -d' ' -f1 "$PODNET_RUNTIME_DIR/slirp/podnet-slirp.pid")
[[ $newdns != "$dnspid" ]] && ! t_gone "$newdns" || t_fail "podnet ps did not restart podnet-dns"
[[ $newslirp != "$slirppid" ]] && ! t_gone "$newslirp" || t_fail "podnet ps did not restart podnet-slirp"
expect_ok $PODNET exec r2 -- getent hosts r1
expect_match "^$ip1 " "$T_LAST" "names resolve with no other command than ps"
expect_ok $PODNET info
expect_eq "True $newslirp" "$(python3 -c 'import json,sys; d=json.load(sys.stdin)["helpers"]["slirp"]; print(d["running"], d["pid"])' <<<"$T_LAST")" "podnet info: podnet-slirp"
expect_eq "True $newdns" "$(python3 -c 'import json,sys; d=json.load(sys.stdin)["helpers"]["dns"]; print(d["running"], d["pid"])' <<<"$T_LAST")" "podnet info: podnet-dns"

t_case "clean up"
expect_ok $PODNET rm -f r1 r2 r4
expect_ok $PODNET network rm rec rec2
wait_for 5 t_no_podnet_procs
expect_eq "" "$(t_podnet_procs)" "processes left"
expect_ok $PODNET system check
t_done
