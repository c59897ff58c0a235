#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# start and restart, as Podman users expect them: an exited container runs
# its command again with the same id, name, networks (those it was connected
# to when it stopped), aliases, static address and published port; connect and
# disconnect of an exited container change what it joins when it starts; a
# network removed meanwhile is a clear error that loses nothing; restarts in
# a row do not trip over the interfaces of the namespace the kernel is still
# dismantling; leases are not leaked.
. "$(dirname "$0")/lib.sh"
t_on_exit "$PODNET system reset -f"

field() { $PODNET inspect "$1" | python3 -c "import json,sys; d=json.load(sys.stdin)[0]; print($2)"; }
leases() { find "$PODNET_RUNTIME_DIR/ipam/$1" -name '10.*' 2>/dev/null | wc -l; }
PORT=$(t_free_port_base 1)
# the container monitors that serve container $1: a monitor is a fork of the
# `podnet run` or `podnet start` that named the container, and keeps its
# command line (world-readable, unlike the environment of a monitor forked
# after the CLI joined the user namespace, which is not dumpable)
monitors() {
  local p n=0
  for p in $(pgrep -u "$(id -u)" -x podnet-monitor); do
    tr '\0' '\n' 2>/dev/null <"/proc/$p/cmdline" | grep -qxF -- "$1" && n=$((n + 1))
  done
  echo $n
}

t_case "start runs an exited container again: same id, networks, aliases, static address, published port"
expect_ok $PODNET network create --subnet 10.97.1.0/24 rsa
expect_ok $PODNET network create --subnet 10.97.2.0/24 rsb
expect_ok $PODNET network create --subnet 10.97.3.0/24 rsc
expect_ok $PODNET run -d --name peer-a --network rsa -- sleep 300
expect_ok $PODNET run -d --name peer-b --network rsb -- sleep 300
expect_ok $PODNET run -d --name srv --network rsa --ip 10.97.1.50 --network-alias web -p "$PORT:8080" -- \
  sh -c 'echo started; while :; do hostname | nc -l -p 8080 -q1; done'
id=$T_LAST
expect_ok $PODNET network connect --alias api rsb srv
expect_ok $PODNET stop -t 1 srv
expect_eq exited "$(field srv 'd["state"]')"
expect_ok $PODNET ps -a
expect_match "srv +exited \([0-9]+\) +rsa,rsb " "$T_LAST" "ps -a names the networks it will join"
expect_eq "1 1" "$(leases rsa) $(leases rsb)" "leases while stopped (the peers' only)"
expect_ok $PODNET start srv
expect_eq srv "$T_LAST" "start prints the name"
expect_eq "$id running 1" "$(field srv '" ".join(str(x) for x in (d["id"], d["state"], d["restart_count"]))')"
expect_eq "10.97.1.50/24" "$(field srv 'd["networks"]["rsa"]["ips"][0]')" "static address again"
expect_match "^10\.97\.2\.[0-9]+/24$" "$(field srv 'd["networks"]["rsb"]["ips"][0]')" "address on rsb"
expect_ok $PODNET exec peer-a -- getent hosts web
expect_match "^10\.97\.1\.50 " "$T_LAST" "web from rsa"
expect_ok $PODNET exec peer-b -- getent hosts api
expect_match "^10\.97\.2\.[0-9]+ " "$T_LAST" "api (the alias of the connect) from rsb"
expect_fail '!' $PODNET exec peer-b -- getent hosts web
# the server listens again only after its previous client: retry, and keep
# what the last try got
for _ in $(seq 50); do
  got=$(echo | timeout 5 nc -q2 127.0.0.1 "$PORT")
  [[ $got == srv ]] && break
  sleep 0.1
done
expect_eq srv "$got" "published port after start"
expect_ok $PODNET logs srv
expect_eq "started started" "$(echo $T_LAST)" "the log holds both runs"

t_case "start of a running container does nothing; errors are clear"
init=$(field srv 'd["init"]["pid"]')
expect_ok $PODNET start srv
expect_eq srv "$T_LAST"
expect_eq "$init" "$(field srv 'd["init"]["pid"]')" "the same init"
expect_fail 125 $PODNET start nosuch
expect_match "no such container: nosuch" "$T_ERR"
expect_fail 125 $PODNET start
expect_fail 125 $PODNET start --bogus srv
expect_match "unknown option --bogus" "$T_ERR"
expect_ok $PODNET run -d --rm --name once -- sleep 300
expect_fail 125 $PODNET restart once
expect_match "run with --rm" "$T_ERR"
expect_eq running "$(field once 'd["state"]')" "a refused restart leaves it running"
expect_ok $PODNET rm -f once

t_case "two starts at once: both succeed, one container runs"
expect_ok $PODNET run -d --name twice --network rsa -- sleep 300
expect_ok $PODNET stop -t 0 twice
$PODNET start twice >"$T_OUT/twice1" 2>&1 & s1=$!
$PODNET start twice >"$T_OUT/twice2" 2>&1 & s2=$!
rc1=0; wait $s1 || rc1=$?
rc2=0; wait $s2 || rc2=$?
expect_eq "0 0" "$rc1 $rc2" "exit codes ($(cat "$T_OUT/twice1" "$T_OUT/twice2" | tr '\n' ' '))"
expect_eq "twice twice" "$(cat "$T_OUT/twice1" "$T_OUT/twice2" | tr '\n' ' ' | sed 's/ $//')" "what they print"
expect_eq running "$(field twice 'd["state"]')"
expect_eq 1 "$(monitors twice)" "monitors of the container"
expect_ok $PODNET rm -f twice

t_case "restart: a new init each time, even several in a row (the old interfaces may still exist)"
for i in 1 2 3 4; do
  old=$(field srv 'd["init"]["pid"]')
  expect_ok $PODNET restart -t 1 srv
  expect_eq srv "$T_LAST"
  new=$(field srv 'd["init"]["pid"]')
  [[ $new != "$old" ]] || t_fail "restart $i: the same init $new"
done
expect_eq "5 running" "$(field srv '" ".join(str(x) for x in (d["restart_count"], d["state"]))')"
expect_eq "2 2" "$(leases rsa) $(leases rsb)" "leases after restarts (no leak)"
expect_ok $PODNET exec peer-a -- getent hosts web
expect_match "^10\.97\.1\.50 " "$T_LAST" "web from rsa after restarts"

t_case "connect and disconnect of an exited container change what it joins on start"
expect_ok $PODNET stop -t 1 srv
expect_ok $PODNET network disconnect rsb srv
expect_ok $PODNET network connect --alias late --ip 10.97.3.9 rsc srv
expect_fail 125 $PODNET network connect rsc srv
expect_match "already connected to network rsc" "$T_ERR"
expect_fail 125 $PODNET network connect --ip 10.97.9.9 rsb srv
expect_match "address 10.97.9.9 is not in subnet [0-9./]* of network rsb" "$T_ERR"
expect_fail 125 $PODNET network disconnect rsb srv
expect_match "not connected to network rsb" "$T_ERR"
expect_eq "rsa rsc" "$(field srv '" ".join(e["network"] for e in d["network_config"])')" "what it will join"
expect_ok $PODNET start srv
expect_eq "rsa rsc" "$(field srv '" ".join(d["networks"])')" "what it joined"
expect_eq "eth0 eth1" "$(field srv '" ".join(d["networks"][n]["interface"] for n in ("rsa", "rsc"))')"
expect_ok $PODNET exec srv -- ip -4 -o addr show eth1
expect_match "10\.97\.3\.9/24" "$T_LAST" "the static address given to connect"
expect_fail '!' $PODNET exec peer-b -- getent hosts api

t_case "a network removed while the container is stopped: start fails clearly and loses nothing"
expect_ok $PODNET stop -t 1 srv
expect_ok $PODNET network rm rsc
expect_fail 125 $PODNET start srv
expect_match "network rsc not found" "$T_ERR"
expect_eq "exited rsa rsc" "$(field srv '" ".join([d["state"]] + [e["network"] for e in d["network_config"]])')"
expect_eq 1 "$(leases rsa)" "leases after the failed start (peer-a's only)"
expect_ok $PODNET network disconnect rsc srv
expect_ok $PODNET start srv
expect_eq "rsa" "$(field srv '" ".join(d["networks"])')"

t_case "network prune keeps a network an exited container joins when it starts"
expect_ok $PODNET network create rsd
expect_ok $PODNET stop -t 1 srv
expect_ok $PODNET network connect rsd srv
expect_ok $PODNET network prune
expect_ok $PODNET network exists rsd
expect_ok $PODNET network disconnect rsd srv
expect_ok $PODNET network prune
expect_match "(^|
)rsd(
|$)" "$T_LAST" "pruned once no container wants it"
expect_fail 1 $PODNET network exists rsd
expect_ok $PODNET start srv

t_case "a container from before network_config is refused by start, not started without networks"
expect_ok $PODNET run -d --name old --network rsa -- sleep 300
oid=$(field old 'd["id"]')
expect_ok $PODNET stop -t 0 old
python3 - "$PODNET_RUNTIME_DIR/ctr/$oid/state.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
del d["network_config"]
json.dump(d, open(sys.argv[1], "w"))
PY
expect_fail 125 $PODNET start old
expect_match "does not record its networks" "$T_ERR"
expect_eq exited "$(field old 'd["state"]')"
expect_ok $PODNET rm old

t_case "a pod member starts again in its pod"
expect_ok $PODNET pod create --name rpod --network rsa
expect_ok $PODNET run -d --pod rpod --name member -- sleep 300
podip=$($PODNET pod inspect rpod | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["networks"]["rsa"]["ips"][0].split("/")[0])')
expect_ok $PODNET restart -t 1 member
expect_ok $PODNET exec member -- ip -4 -o addr show eth0
expect_match "$podip/24" "$T_LAST" "the pod's address"
expect_ok $PODNET pod inspect rpod
expect_match '"member"' "$T_LAST" "a member again"

t_case "--restart: the monitor starts the command again as the policy says; stop is final"
expect_ok $PODNET run -d --name onfail --network rsa --restart on-failure:2 -- sh -c 'echo ran; exit 3'
wait_for 10 bash -c "[[ \$($PODNET inspect onfail | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; print(d[\"state\"], d.get(\"restart_count\"))') == 'exited 2' ]]"
sleep 0.5
expect_eq "exited 2 3" "$(field onfail '" ".join(str(x) for x in (d["state"], d["restart_count"], d["exit_code"]))')" "on-failure:2: two restarts, then it stays exited"
expect_ok $PODNET logs onfail
expect_eq "ran ran ran" "$(echo $T_LAST)" "three runs"
expect_ok $PODNET run -d --name fine --network rsa --restart on-failure -- true
sleep 1
expect_eq "exited 0" "$(field fine '" ".join(str(x) for x in (d["state"], d.get("restart_count", 0)))')" "on-failure: a success is not restarted"
expect_ok $PODNET run -d --name always --network rsa --restart always -p "$((PORT + 1)):8080" -- \
  sh -c 'hostname | nc -l -p 8080 -q1'
for i in 1 2; do
  wait_for 10 bash -c "echo | nc -q2 127.0.0.1 $((PORT + 1)) | grep -qx always"
done
expect_match '^[1-9]' "$(field always 'd["restart_count"]')" "always: restarted after each exit"
expect_ok $PODNET stop -t 1 always
sleep 1
expect_eq exited "$(field always 'd["state"]')" "stop is not undone by the policy"
expect_ok $PODNET start always
expect_eq running "$(field always 'd["state"]')" "start after stop"
expect_ok $PODNET rm -f onfail fine always

t_case "--restart: a monitor waiting to restart goes at once on stop or rm -f"
ms() { echo $(($(date +%s%N) / 1000000)); }
expect_ok $PODNET run -d --name crashy --network rsa --restart always -- sh -c 'exit 1'
sleep 3.5   # restarted at 0.1, 0.3, 0.7, 1.5 and 3.1 s: the monitor now waits 3.2 s
mon=$(field crashy 'd["monitor"]["pid"]')
t0=$(ms)
expect_ok $PODNET stop crashy
took=$(($(ms) - t0))
((took < 1500)) || t_fail "stop waited ${took} ms for the monitor's back-off"
wait_for 2 t_gone "$mon" || t_fail "the waiting monitor $mon is still there after stop"
n=$(field crashy 'd["restart_count"]')
sleep 1.5
expect_eq "exited $n" "$(field crashy '" ".join(str(x) for x in (d["state"], d["restart_count"]))')" "no restart after the stop"
expect_ok $PODNET start crashy
sleep 3.5
mon=$(field crashy 'd["monitor"]["pid"]')
expect_ok $PODNET rm -f crashy
sleep 0.5
t_gone "$mon" || t_fail "the waiting monitor $mon is still there 0.5 s after rm -f"
expect_eq 0 "$(monitors crashy)" "monitors after rm -f"
expect_fail 125 $PODNET run -d --rm --restart always -- true
expect_match "conflicts with --restart" "$T_ERR"

t_case "start -a: the new run's output and its exit code; INT and TERM go to the command"
expect_ok $PODNET run -d --name att -- sh -c 'echo "run $(cat /proc/self/stat | cut -d" " -f1)"; exit 3'
expect_ok $PODNET wait att
expect_eq 3 "$T_LAST" "first run's code"
expect_fail 3 $PODNET start -a att
expect_match "^run [0-9]+$" "$T_LAST" "only the second run's output"
expect_ok $PODNET logs att
expect_eq 2 "$(grep -c '^run' <<<"$T_LAST")" "both runs in the log"
expect_ok $PODNET run -d --name att2 --network rsa -- sh -c 'trap "echo got-int; exit 9" INT; trap "echo got-term; exit 10" TERM; echo ready; while :; do sleep 0.1; done'
expect_ok $PODNET stop -t 1 att2
out=$(mktemp)
# attached SIG CODE WORD: start -a att2, send it SIG once the command runs; the command's trap answers
attached() {
  local sa rc
  $PODNET start -a att2 >"$out" 2>&1 & sa=$!
  wait_for 5 grep -q ready "$out"
  kill "-$1" "$sa"
  wait_for 5 sh -c "! kill -0 $sa 2>/dev/null"
  kill -KILL "$sa" 2>/dev/null
  wait "$sa"; rc=$?
  expect_eq "$2" "$rc" "start -a after SIG$1: the command's code"
  expect_match "$3" "$(cat "$out")" "the command got SIG$1"
}
attached INT 9 got-int
attached TERM 10 got-term
rm -f "$out"
expect_fail 125 $PODNET start -a att att2
expect_match "cannot start and attach multiple containers" "$T_ERR"
expect_ok $PODNET rm -f att att2

t_case "everything removed: no interfaces, leases or processes left"
expect_ok $PODNET pod rm -f rpod
expect_ok $PODNET rm -af
for n in rsa rsb; do expect_ok $PODNET network rm "$n"; done
expect_eq "0 0" "$(leases rsa) $(leases rsb)" "leases"
wait_for 10 t_no_podnet_procs || t_fail "left running: $(t_podnet_procs)"
t_done
