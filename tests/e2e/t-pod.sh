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

t_case "killing the pause process is recognised, and stops the pod's members"
expect_ok $PODNET pod create --name p2
expect_ok $PODNET run -d --pod p2 --name m2 -- sleep 120
m2ip=$($PODNET exec m2 -- ip -o -4 addr show eth0 | awk '{print $4}' | cut -d/ -f1)
expect_match '^10\.' "$m2ip" "member's address"
pause=$($PODNET pod inspect p2 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["init"]["pid"])')
kill -9 "$pause"
expect_ok $PODNET pod ls
expect_nomatch "p2" "$T_LAST" "pod list after kill -9"
expect_ok $PODNET ps -a
expect_match "m2 +exited" "$T_LAST" "the member is stopped with its pod"
# its address is free for someone else, and nobody still uses it
expect_ok $PODNET run --rm --ip "$m2ip" -- ip -o -4 addr show eth0
expect_match "$m2ip/" "$T_LAST"
expect_ok $PODNET rm m2
expect_ok $PODNET pod create --name p2
expect_ok $PODNET pod rm p2

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
expect_fail 125 $PODNET pod ls --filter label=x
expect_match "invalid filter \"label=x\": want name=, id=, status=, network=, ctr-names= or ctr-number=" "$T_ERR"
expect_ok $PODNET pod rm -f fpa fpb
expect_ok $PODNET network rm fpnet

t_case "nothing left"
expect_ok $PODNET ps -a
wait_for 5 t_no_podnet_procs
expect_eq "" "$(t_podnet_procs)" "processes left"
expect_ok $PODNET system check
t_done
