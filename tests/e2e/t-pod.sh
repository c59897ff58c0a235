#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Pods: members share one network namespace and reach each other on
# localhost; a port can be bound by only one member; the pod's networks and
# name belong to all of them; pod rm cleans everything.
. "$(dirname "$0")/lib.sh"
t_on_exit "$PODNET system reset -f"

t_case "pod create and members sharing localhost"
expect_ok $PODNET pod create --name mypod
expect_match '^[0-9a-f]{64}$' "$T_LAST" "pod id"
expect_ok $PODNET run -d --pod mypod --name mydb -- socat -T5 TCP-LISTEN:5432,bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo db-here'
expect_ok $PODNET run -d --pod mypod --name myapi -- sleep 60
wait_for 5 bash -c "$PODNET exec myapi -- socat -t2 -T2 - TCP:127.0.0.1:5432 </dev/null | grep -q db-here"
expect_ok $PODNET exec myapi -- socat -t2 -T2 - TCP:127.0.0.1:5432
expect_eq "db-here" "$T_LAST" "myapi -> localhost:5432"

t_case "pods and containers share one namespace of names"
nctr=$(ls "$PODNET_RUNTIME_DIR/ctr" | wc -l)
expect_fail 125 $PODNET pod create --name mydb
expect_eq 'Error: name "mydb" is in use: container already exists' "$T_ERR"
expect_fail 125 $PODNET run --name mypod -- true
expect_eq 'Error: name "mypod" is in use: pod already exists' "$T_ERR"
expect_fail 125 $PODNET run -d --pod mypod --name mypod -- true
expect_match 'name "mypod" is in use: pod already exists' "$T_ERR"
expect_eq "$nctr" "$(ls "$PODNET_RUNTIME_DIR/ctr" | wc -l)" "sandboxes after the refused creates"
expect_ok $PODNET pod inspect mypod
expect_ok $PODNET inspect mydb
expect_eq 1 "$(grep -cE '[ ,]mydb(,|$)' "$PODNET_RUNTIME_DIR/dns/podnet")" "records naming mydb"

t_case "members see one set of interfaces and one address"
a=$($PODNET exec mydb -- ip -o -4 addr show eth0)
b=$($PODNET exec myapi -- ip -o -4 addr show eth0)
expect_match "inet 10\.89\." "$a"
expect_eq "$a" "$b" "eth0 of both members"
expect_ok $PODNET exec mypod -- ip -o -4 addr show eth0
expect_eq "$a" "$T_LAST" "eth0 seen by exec into the pod itself"
expect_ok $PODNET exec mypod -- hostname
expect_eq "mypod" "$T_LAST" "the pod's hostname"

t_case "a port is bound by only one member"
expect_fail 1 $PODNET exec myapi -- socat -T1 TCP-LISTEN:5432,bind=127.0.0.1 -
expect_match "Address already in use|EADDRINUSE" "$T_ERR"

t_case "the pod name and its members' names are in the pod's records"
f="$PODNET_RUNTIME_DIR/dns/podnet"
expect_match "mypod.*mydb" "$(cat "$f")" "records"
expect_match "myapi" "$(cat "$f")" "records"

t_case "a member cannot take its own networks"
expect_fail 125 $PODNET run --pod mypod --network podnet -- true
expect_match "belong to the pod" "$T_ERR"
expect_fail 125 $PODNET run --pod nopod -- true
expect_match "no such pod: nopod" "$T_ERR"

t_case "pod rm refuses with running members; -f stops them gracefully and removes every member"
# one member exits on SIGTERM, one ignores it (SIGKILL after its 2 s), one has exited already
expect_ok $PODNET run -d --pod mypod --name myterm -- sh -c "trap 'echo term >$T_OUT/term; exit 0' TERM; while :; do sleep 0.1; done"
expect_ok $PODNET run -d --pod mypod --name mystubborn --stop-timeout 2 -- sh -c "trap '' TERM; while :; do sleep 0.1; done"
expect_ok $PODNET run --pod mypod --name myonce -- true
expect_fail 125 $PODNET pod rm mypod
expect_match "has running containers" "$T_ERR"
expect_ok $PODNET ps -a
expect_match "myonce" "$T_LAST" "a refused pod rm keeps the members"
start=$(date +%s%N)
expect_ok $PODNET pod rm -f mypod
took=$((($(date +%s%N) - start) / 1000000))
expect_eq "term" "$(cat "$T_OUT/term" 2>/dev/null)" "the member got SIGTERM"
((took >= 1900 && took < 8000)) || t_fail "pod rm -f took ${took} ms: want the 2 s stop timeout, then SIGKILL"
expect_fail 125 $PODNET pod inspect mypod
expect_ok $PODNET ps -a -q
expect_eq "" "$T_LAST" "containers after pod rm -f"
expect_fail 125 $PODNET inspect mydb
expect_match "no such container: mydb" "$T_ERR"
expect_ok $PODNET system check

t_case "pod rm removes a pod's stopped containers with it"
expect_ok $PODNET pod create --name p3
expect_ok $PODNET run --pod p3 --name p3once -- true
expect_ok $PODNET pod rm p3
expect_ok $PODNET ps -a -q
expect_eq "" "$T_LAST" "containers after pod rm"
expect_ok $PODNET run --name p3once -- true
expect_ok $PODNET rm p3once
expect_ok $PODNET system check

t_case "killing the pause process is recognised: its members stop, the pod stays as exited"
expect_ok $PODNET pod create --name p2
expect_ok $PODNET run -d --pod p2 --name m2 -- sleep 120
m2ip=$($PODNET exec m2 -- ip -o -4 addr show eth0 | awk '{print $4}' | cut -d/ -f1)
expect_match '^10\.' "$m2ip" "member's address"
pause=$($PODNET pod inspect p2 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["init"]["pid"])')
kill -9 "$pause"
expect_ok $PODNET pod ls --filter name=p2 --format '{{.Name}} {{.Status}} {{.NumberOfContainers}}'
expect_eq "p2 Exited 1" "$T_LAST" "pod list after kill -9 (capitalised, as Podman)"
expect_ok $PODNET pod ls --filter name=p2 --format json
expect_eq "p2 Exited m2 exited True" "$(python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; c=d["Containers"][0]; print(d["Name"], d["Status"], c["Names"], c["Status"], d["Id"] == d["id"])' <<<"$T_LAST")" "Podman's keys in pod ls --format json"
expect_ok $PODNET ps -a
expect_match "m2 +exited" "$T_LAST" "the member is stopped with its pod"
# its address is free for someone else, and nobody still uses it
expect_ok $PODNET run --rm --ip "$m2ip" -- ip -o -4 addr show eth0
expect_match "$m2ip/" "$T_LAST"
# as podman starts a pod's infra first: starting a member brings its pod back
expect_ok $PODNET start m2
expect_ok $PODNET pod ls --filter name=p2 --format '{{.Name}} {{.Status}} {{.NumberOfContainers}}'
expect_eq "p2 Running 1" "$T_LAST" "pod list after start of its member"
expect_ok $PODNET exec m2 -- ip -o -4 addr show eth0
expect_match "inet 10\." "$T_LAST" "the member is on the pod's network again"
# started by m2's monitor, which lives on: a second kill -9 is recognised all the same
pause=$($PODNET pod inspect p2 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["init"]["pid"])')
kill -9 "$pause"
expect_ok $PODNET pod ls --filter name=p2 --format '{{.Name}} {{.Status}}'
expect_eq "p2 Exited" "$T_LAST" "pod list after the second kill -9"
expect_ok $PODNET ps -a --filter name=m2 --format '{{.Names}} {{.Status}}'
expect_match "^m2 exited" "$T_LAST" "the member after the second kill -9"
expect_ok $PODNET pod rm -f p2
expect_ok $PODNET system check

t_case "the first ps after the pause process is killed already lists its members as exited"
# Before, that ps stopped the members but listed them running (their
# monitors record the exit only once the command lets the lock go).
expect_ok $PODNET pod create --name p3
expect_ok $PODNET run -d --pod p3 --name m3a -- sleep 120
expect_ok $PODNET run -d --pod p3 --name m3b --rm -- sleep 120
pause=$($PODNET pod inspect p3 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["init"]["pid"])')
kill -9 "$pause"
expect_ok $PODNET ps -a --filter pod=p3 --format '{{.Names}} {{.State}} {{.ExitCode}}'
expect_eq "m3a exited 137" "$T_LAST" "members in the same ps (m3b, --rm, is gone)"
expect_ok $PODNET pod inspect p3 --format '{{json .members}}'
expect_eq '[]' "$T_LAST" "no running member left (the pod's teardown from an older copy put them back)"
expect_ok $PODNET wait m3b
expect_eq "137" "$T_LAST" "the --rm member's code"
expect_ok $PODNET ps -a --filter pod=p3 --format '{{.Names}} {{.State}} {{.ExitCode}}'
expect_eq "m3a exited 137" "$T_LAST" "unchanged once the monitors ran"
expect_ok $PODNET pod rm -f p3
expect_ok $PODNET system check

t_case "pod stop, start, restart: the pod keeps its containers, networks, ports and address"
LC_PORT=$(t_free_port_base 1) || t_fail "no free port"
lcans() { socat -T2 - TCP:127.0.0.1:$LC_PORT </dev/null 2>/dev/null; }
expect_ok $PODNET network create --subnet 10.91.9.0/24 lcnet
expect_ok $PODNET network create --subnet 10.91.10.0/24 lcnet2
expect_ok $PODNET pod create --name lc --network lcnet --ip 10.91.9.40 -p $LC_PORT:8080
lcid=$T_LAST
lchostif() { $PODNET pod inspect lc | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["networks"]["lcnet"]["host_interface"])'; }
lcif1=$(lchostif)
expect_ok $PODNET run -d --pod lc --name lcweb -- socat TCP-LISTEN:8080,reuseaddr,fork SYSTEM:'echo lc-here'
expect_ok $PODNET run -d --pod lc --name lcstubborn --stop-timeout 1 -- sh -c "trap '' TERM; while :; do sleep 0.1; done"
expect_ok $PODNET run -d --pod lc --name lcalways --restart always -- sleep 120
wait_for 5 bash -c "[[ \$(socat -T2 - TCP:127.0.0.1:$LC_PORT </dev/null 2>/dev/null) == lc-here ]]"
expect_eq "lc-here" "$(lcans)" "the pod's port before stop"
expect_ok $PODNET pod stop lc
expect_eq "$lcid" "$T_LAST" "pod stop prints the pod's id"
expect_ok $PODNET pod ls --filter name=lc --format '{{.Name}} {{.Status}} {{.NumberOfContainers}}'
expect_eq "lc Exited 3" "$T_LAST" "pod list after pod stop"
expect_ok $PODNET ps -a --filter pod=lc --format '{{.Names}} {{.Status}}'
expect_eq "lcalways exited (143)
lcstubborn exited (137)
lcweb exited (143)" "$(sort <<<"$T_LAST")" "its containers after pod stop (SIGKILL after the stop timeout)"
expect_eq "" "$(lcans)" "the pod's port after stop"
expect_eq "0 1" "$($PODNET pod inspect lc | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; print(len(d["networks"]), len(d["network_config"]))')" \
  "attachments and wanted networks while stopped"
# a stopped pod can join another network, and the networks it wants stay
expect_ok $PODNET network connect lcnet2 lc
expect_ok $PODNET network prune -f
expect_eq "" "$T_LAST" "network prune with a stopped pod wanting both"
expect_ok $PODNET network exists lcnet
expect_ok $PODNET network exists lcnet2
sleep 1.5 # a restart policy must not bring a member (or its pod) back after pod stop
expect_ok $PODNET pod ls --filter name=lc --format '{{.Status}}'
expect_eq "Exited" "$T_LAST" "pod after a member's restart delay"
expect_ok $PODNET pod stop lc
expect_eq "$lcid" "$T_LAST" "stopping a stopped pod is no error"
expect_ok $PODNET pod start lc
expect_eq "$lcid" "$T_LAST" "pod start prints the pod's id"
# the last run's veth may still be dismantled by the kernel: a new name, as a restarted container's
[[ "$(lchostif)" != "$lcif1" ]] || t_fail "pod start reused the host interface name $lcif1"
expect_ok $PODNET ps --filter pod=lc --format '{{.Names}}'
expect_eq "lcalways lcstubborn lcweb " "$(sort <<<"$T_LAST" | tr '\n' ' ')" "running after pod start"
wait_for 5 bash -c "[[ \$(socat -T2 - TCP:127.0.0.1:$LC_PORT </dev/null 2>/dev/null) == lc-here ]]"
expect_eq "lc-here" "$(lcans)" "the pod's port after pod start"
expect_ok $PODNET exec lcweb -- sh -c 'ip -o -4 addr show | grep -v " lo " | sort'
expect_match "eth0 +inet 10\.91\.9\.40/24" "$T_LAST" "the pod's static address again"
expect_match "eth1 +inet 10\.91\.10\." "$T_LAST" "the network it joined while stopped"
expect_ok $PODNET pod restart -t 1 lc
expect_eq "$lcid" "$T_LAST" "pod restart prints the pod's id"
wait_for 5 bash -c "[[ \$(socat -T2 - TCP:127.0.0.1:$LC_PORT </dev/null 2>/dev/null) == lc-here ]]"
expect_eq "lc-here" "$(lcans)" "the pod's port after pod restart"
expect_ok $PODNET pod stop --all
expect_match "$lcid" "$T_LAST" "pod stop --all"
# a container run in a stopped pod starts the pod first
expect_ok $PODNET run --rm --pod lc -- sh -c 'ip -o -4 addr show eth0'
expect_match "inet 10\.91\.9\.40/24" "$T_LAST" "run --pod of a stopped pod"
expect_ok $PODNET pod ls --filter name=lc --format '{{.Status}}'
expect_eq "Degraded" "$T_LAST" "the pod after run --pod: its other members have exited, as Podman says"
expect_fail 125 $PODNET pod stop nosuchpod
expect_match "no such pod" "$T_ERR"
expect_fail 125 $PODNET pod stop -t x lc
expect_eq 'Error: invalid timeout "x": want a number of seconds from 0 to 2147483647' "$T_ERR"
expect_fail 125 $PODNET pod start --bogus lc
expect_fail 125 $PODNET pod stop
expect_match "give at least one pod, or --all" "$T_ERR"
expect_ok $PODNET pod rm -f lc
expect_ok $PODNET network rm lcnet lcnet2
expect_ok $PODNET system check

t_case "a pod's connect and disconnect reach its members' /etc/resolv.conf and /etc/hosts"
expect_ok $PODNET network create --subnet 10.91.11.0/24 pcn1
expect_ok $PODNET network create --subnet 10.91.12.0/24 pcn2
expect_ok $PODNET pod create --name pc --network pcn1
expect_ok $PODNET run -d --pod pc --name pcm -- sleep 120
expect_ok $PODNET exec pcm -- grep nameserver /etc/resolv.conf
expect_eq "nameserver 10.91.11.1" "$T_LAST" "a member's resolver before the connect"
expect_ok $PODNET network connect pcn2 pc
expect_ok $PODNET exec pcm -- grep nameserver /etc/resolv.conf
expect_eq "nameserver 10.91.11.1
nameserver 10.91.12.1" "$T_LAST" "after the pod's connect"
expect_ok $PODNET network disconnect pcn1 pc
expect_ok $PODNET exec pcm -- grep nameserver /etc/resolv.conf
expect_eq "nameserver 10.91.12.1" "$T_LAST" "after the pod's disconnect"
expect_ok $PODNET exec pcm -- cat /etc/hosts
expect_match "10\.91\.12\.[0-9]+[[:space:]]+pc pcm" "$T_LAST" "the member's /etc/hosts names the new address"
[[ "$T_LAST" != *10.91.11.* ]] || t_fail "the member's /etc/hosts keeps the released address: $T_LAST"
expect_ok $PODNET exec pcm -- dig +short +timeout=2 +tries=1 pcm
expect_match "^10\.91\.12\.[0-9]+$" "$T_LAST" "the member resolves names through the remaining network"
expect_ok $PODNET pod rm -f pc
expect_ok $PODNET network rm pcn1 pcn2

t_case "two members started at once: the pod's records name both, whichever finishes last"
expect_ok $PODNET pod create --name pr
# racea's launch is held up (strace delays its unshare) until raceb has started and published
t_strace -f -qq -o /dev/null -e trace=unshare -e inject=unshare:delay_enter=1500000 \
  $PODNET run -d --pod pr --name racea -- sleep 60 >/dev/null 2>&1 &
wait_for 5 bash -c "$PODNET ps -a --format '{{.Names}}' | grep -qx racea"
expect_ok $PODNET run -d --pod pr --name raceb -- sleep 60
wait_for 10 bash -c "[[ \$($PODNET inspect -f '{{.State.Status}}' racea 2>/dev/null) == running ]]"
sleep 0.3 # podnet-dns reloads 2 ms after a change
for n in racea raceb; do
  expect_ok $PODNET exec raceb -- dig +short +timeout=2 +tries=1 $n
  expect_match "^10\.[0-9.]+$" "$T_LAST" "$n resolves after both started"
done
expect_ok $PODNET pod rm -f pr

t_case "a member waiting to restart by its policy does not bring a stopped pod back"
expect_ok $PODNET pod create --name pf
expect_ok $PODNET run -d --pod pf --name pfflap --restart always -- false
# it restarts after 0.1, 0.3, 0.7, 1.5, 3.1 s...: at 2 s it waits for the next
sleep 2
pfmon=$($PODNET inspect pfflap | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["monitor"]["pid"])')
expect_ok $PODNET pod stop pf
wait_for 5 bash -c "! kill -0 $pfmon 2>/dev/null"
expect_fail 1 kill -0 "$pfmon"
sleep 1.5
expect_ok $PODNET pod ls --filter name=pf --format '{{.Status}}'
expect_eq "Exited" "$T_LAST" "the pod after its member's restart time"
expect_ok $PODNET pod rm pf
expect_ok $PODNET system check

t_case "pod states as Podman prints them: pod ls {{.Status}} and JSON, pod inspect {{.State}}"
expect_ok $PODNET pod create --name pst
expect_ok $PODNET pod ls --filter name=pst --format '{{.Status}}'
expect_eq "Running" "$T_LAST" "a new pod: its pause process runs"
expect_ok $PODNET run -d --pod pst --name pst1 -- sleep 120
expect_ok $PODNET pod ls --filter name=pst --format '{{.Status}}'
expect_eq "Running" "$T_LAST" "every member runs"
expect_ok $PODNET run --pod pst --name pst2 -- true
expect_ok $PODNET pod ls --filter name=pst --format '{{.Status}} {{.state}}'
expect_eq "Degraded running" "$T_LAST" "a member exited: Podman's Degraded (the pod's own state is .state)"
expect_ok $PODNET pod ls --filter name=pst
expect_match "pst +Degraded +2" "$T_LAST" "the table"
expect_ok $PODNET pod ls --filter name=pst --format json
expect_eq "Degraded running" "$(python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; print(d["Status"], d["state"])' <<<"$T_LAST")" "pod ls --format json"
expect_ok $PODNET pod inspect -f '{{.State}} {{.Name}} {{.state}}' pst
expect_eq "Degraded pst running" "$T_LAST" "pod inspect -f {{.State}}"
expect_ok $PODNET inspect -f '{{.State}}' pst
expect_eq "Degraded" "$T_LAST" "inspect of a pod"
expect_ok $PODNET pod ls --filter status=degraded --format '{{.Name}}'
expect_eq "pst" "$T_LAST" "status=degraded"
expect_ok $PODNET rm pst2
expect_ok $PODNET pod inspect -f '{{.State}}' pst
expect_eq "Running" "$T_LAST" "the exited member removed"
expect_ok $PODNET pod stop -t 0 pst
expect_ok $PODNET pod ls --filter name=pst --format '{{.Status}}'
expect_eq "Exited" "$T_LAST" "a stopped pod"
expect_ok $PODNET pod inspect -f '{{.State}}' pst
expect_eq "Exited" "$T_LAST" "pod inspect of a stopped pod"
expect_ok $PODNET ps -a --filter name=pst1 --format '{{.State}}'
expect_eq "exited" "$T_LAST" "a container's state stays lower-case, as podman ps {{.State}}"
expect_ok $PODNET pod rm pst

t_case "pod kill signals every member; KILL ends the pod, kept as exited; pod prune removes it"
expect_ok $PODNET pod create --name pk
pkid=$T_LAST
expect_ok $PODNET run -d --pod pk --name pkhup -- sh -c "trap 'echo hup >>$T_OUT/pkhup' HUP; while :; do sleep 0.1; done"
expect_ok $PODNET pod create --name pkeep
expect_ok $PODNET run -d --pod pkeep --name pkeepm -- sleep 120
sleep 0.3
expect_ok $PODNET pod kill -s HUP pk
expect_eq "$pkid" "$T_LAST" "pod kill prints the pod's id"
wait_for 5 test -s "$T_OUT/pkhup"
expect_eq "hup" "$(cat "$T_OUT/pkhup" 2>/dev/null)" "the member got SIGHUP"
expect_ok $PODNET pod ls --filter name=pk --format '{{.Name}} {{.Status}}'
expect_eq "pk Running
pkeep Running" "$(sort <<<"$T_LAST")" "pods after SIGHUP"
expect_fail 125 $PODNET pod kill -s NOSUCH pk
expect_match 'invalid signal "NOSUCH"' "$T_ERR"
expect_ok $PODNET pod kill pk
expect_ok $PODNET pod ls --filter name=pk --format '{{.Name}} {{.Status}}'
expect_eq "pk Exited
pkeep Running" "$(sort <<<"$T_LAST")" "pods after SIGKILL"
expect_ok $PODNET ps -a --filter pod=pk --format '{{.Names}} {{.Status}}'
expect_eq "pkhup exited (137)" "$T_LAST" "its member after SIGKILL"
expect_fail 125 $PODNET pod kill pk
expect_eq "Error: pod pk is not running" "$T_ERR"
expect_ok $PODNET pod prune -f
expect_eq "$pkid" "$T_LAST" "pod prune prints what it removed"
expect_fail 1 $PODNET pod exists pk
expect_ok $PODNET ps -a --format '{{.Names}}'
expect_eq "pkeepm" "$T_LAST" "containers after pod prune: the running pod's"
# --all: pod kill the running pods, pod start and pod rm every pod
expect_ok $PODNET pod create --name pk2
expect_ok $PODNET pod kill --all
expect_eq "pk2 pkeep " "$($PODNET pod ls --filter status=exited --format '{{.Name}}' | sort | tr '\n' ' ')" "exited after pod kill --all"
expect_ok $PODNET pod start --all
expect_eq "pk2 pkeep " "$($PODNET pod ls --filter status=running --format '{{.Name}}' | sort | tr '\n' ' ')" "running after pod start --all"
expect_eq "pkeepm" "$($PODNET ps --format '{{.Names}}')" "the member started with its pod"
expect_fail 125 $PODNET pod rm --all
expect_match "pod pkeep has running containers" "$T_ERR"
expect_ok $PODNET pod exists pkeep
expect_fail 1 $PODNET pod exists pk2
expect_ok $PODNET pod rm -f --all
expect_eq "" "$($PODNET pod ls -q)" "pods after pod rm -f --all"
expect_eq "" "$($PODNET ps -a -q)" "containers after pod rm -f --all"
expect_fail 125 $PODNET pod start --force pk2
expect_match "pod start: unknown option --force" "$T_ERR"
expect_ok $PODNET system check

t_case "a pod's --ip, --mac-address, --add-host and --dns are its members'"
expect_ok $PODNET network create --subnet 10.91.7.0/24 podopts
nsb=$(ls "$PODNET_RUNTIME_DIR/ctr" | wc -l)
expect_fail 125 $PODNET pod create --name badpod --network podopts --ip 10.91.8.9
expect_eq "Error: address 10.91.8.9 is not in subnet 10.91.7.0/24 of network podopts" "$T_ERR"
expect_fail 125 $PODNET pod create --name badpod --network podopts --add-host a:not-an-ip
expect_match 'invalid --add-host "a:not-an-ip"' "$T_ERR"
expect_eq "$nsb" "$(ls "$PODNET_RUNTIME_DIR/ctr" | wc -l)" "sandboxes after the refused creates"
expect_ok $PODNET pod create --name optpod --network podopts --ip 10.91.7.50 --mac-address 02:00:00:00:07:50 \
  --add-host db.example:10.1.2.3 --dns 192.0.2.53
expect_ok $PODNET run --rm --pod optpod --name optm -- sh -c 'ip -o -4 addr show eth0; ip -o link show eth0; cat /etc/hosts'
expect_match "inet 10\.91\.7\.50/24" "$T_LAST" "the pod's --ip"
expect_match "link/ether 02:00:00:00:07:50 " "$T_LAST" "the pod's --mac-address"
expect_match "10\.1\.2\.3[[:space:]]+db\.example" "$T_LAST" "the pod's --add-host in a member's /etc/hosts"
expect_match "^10\.91\.7\.50[[:space:]]+optpod optm$" "$(grep '^10\.91' <<<"$T_LAST")" "the member's own line names each name once"
# the pod's own upstream, in the records line that answers for its address
expect_match " 10\.91\.7\.50 .* optpod.* 192\.0\.2\.53$" "$(cat "$PODNET_RUNTIME_DIR/dns/podopts")" "the pod's --dns"
expect_fail 125 $PODNET run --rm --pod optpod --add-host x:1.2.3.4 -- true
expect_eq "Error: --add-host belongs to the pod: give it to 'podnet pod create'" "$T_ERR"
expect_fail 125 $PODNET run --rm --pod optpod --dns 1.1.1.1 -- true
expect_match "^Error: --dns belongs to the pod" "$T_ERR"
expect_eq "$((nsb + 1))" "$(ls "$PODNET_RUNTIME_DIR/ctr" | wc -l)" "sandboxes: the pod alone"
expect_ok $PODNET pod rm -f optpod
expect_ok $PODNET network rm podopts

t_case "a pod on --network none has loopback only; one on --network host the host's links"
expect_ok $PODNET pod create --name nonepod --network none
expect_ok $PODNET run --rm --pod nonepod -- sh -c 'ls /sys/class/net; hostname'
expect_eq "lo
nonepod" "$T_LAST" "a member of the pod without a network"
expect_ok $PODNET pod create --name hostpod --network host
want=$(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' ')
links="ip -o link show | awk -F': ' '{print \$2}' | sed 's/@.*//' | sort | tr '\n' ' '"
expect_ok $PODNET run --rm --pod hostpod -- sh -c "$links"
expect_eq "$want" "$T_LAST" "a member of the pod on the host's network"
expect_ok $PODNET exec hostpod -- sh -c "$links; hostname"
expect_eq "${want}hostpod" "$T_LAST" "exec into the pod on the host's network"
expect_ok $PODNET pod exists nonepod
expect_ok $PODNET pod rm -f nonepod hostpod
expect_fail 1 $PODNET pod exists nonepod

t_case "pod ls --filter (name, id, status, network, ctr-names, ctr-number), with -q and templates"
expect_ok $PODNET network create fpnet
expect_ok $PODNET pod create --name fpa --network fpnet
expect_ok $PODNET pod create --name fpb
fpb_id=$($PODNET pod inspect fpb | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
expect_ok $PODNET run -d --pod fpa --name fpa-m1 -- sleep 60
expect_ok $PODNET run -d --pod fpa --name fpa-m2 -- sleep 60
fl() { $PODNET pod ls --format '{{.Name}}' "$@" | grep '^fp' | sort | tr '\n' ' '; }
expect_eq "fpa fpb " "$(fl --filter name=fp)" "name= (a part)"
expect_eq "fpa " "$(fl --filter network=fpnet)" "network="
expect_eq "fpa " "$(fl -f ctr-names=fpa-m2)" "ctr-names= (-f)"
expect_eq "fpb " "$(fl --filter ctr-number=0)" "ctr-number=0"
expect_eq "fpa " "$(fl --filter ctr-number=2 --filter name=fp)" "two keys, both match"
expect_eq "" "$(fl --filter ctr-number=2 --filter name=fpb)" "two keys, one fails"
expect_eq "fpa fpb " "$(fl --filter name=fpa --filter name=fpb)" "values of one key: either"
expect_eq "fpa fpb " "$(fl --filter status=running)" "status="
expect_ok $PODNET pod ls -q --filter id="${fpb_id:0:10}"
expect_eq "${fpb_id:0:12}" "$T_LAST" "-q with id= (a prefix)"
expect_fail 125 $PODNET pod ls --filter colour=red
expect_match "invalid filter \"colour=red\": want name=, id=, status=, network=, ctr-names=, ctr-number= or label=" "$T_ERR"
expect_ok $PODNET pod rm -f fpa fpb
expect_ok $PODNET network rm fpnet

t_case "pod create NAME, as Podman 4: the name as its one argument, or --name (not both)"
expect_ok $PODNET pod create --network none posp
expect_match '^[0-9a-f]{64}$' "$T_LAST" "pod id"
expect_ok $PODNET pod exists posp
expect_ok $PODNET pod create -- posp2
expect_ok $PODNET pod exists -- posp2
expect_fail 125 $PODNET pod create --name posq posr
expect_match "pod create: cannot give both --name and a name \(posr\)" "$T_ERR"
expect_fail 125 $PODNET pod create posq posr
expect_match "pod create: unexpected argument posr" "$T_ERR"
expect_fail 125 $PODNET pod create
expect_match "pod create: a name is required" "$T_ERR"
expect_fail 1 $PODNET pod exists posq
expect_fail 1 $PODNET pod exists posr
expect_ok $PODNET pod rm -- posp posp2
expect_eq "posp
posp2" "$T_LAST" "pod rm -- NAME NAME"

t_case "pod stop -i and pod rm -i: a pod that does not exist is no error"
expect_ok $PODNET pod create prt
expect_ok $PODNET run -d --pod prt --name prtm -- sh -c "trap 'echo term >$T_OUT/prtm; exit 0' TERM; touch $T_OUT/prtm-ready; while :; do sleep 0.1; done"
wait_for 5 test -e "$T_OUT/prtm-ready"
expect_ok $PODNET pod stop -i nosuch prt
expect_eq "$($PODNET pod inspect -f '{{.id}}' prt)" "$T_LAST" "pod stop -i: the id of the one it stopped"
expect_eq "term" "$(cat "$T_OUT/prtm" 2>/dev/null)" "pod stop -i: the member saw SIGTERM"
expect_ok $PODNET pod rm -i prt nosuch
expect_eq "prt" "$T_LAST" "pod rm -i"
expect_fail 1 $PODNET container exists prtm

t_case "nothing left"
expect_ok $PODNET ps -a
wait_for 5 t_no_podnet_procs
expect_eq "" "$(t_podnet_procs)" "processes left"
expect_ok $PODNET system check
t_done
