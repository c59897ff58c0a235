#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The launcher as a user drives it: foreground runs return the command's
# status and pass signals, --rm removes, exec runs inside, private /etc files
# and hostname; kill -9 of a container, of its monitor and of a foreground
# launcher are recognised and cleaned by the next command; the holder and
# helpers go away when nothing runs.
. "$(dirname "$0")/lib.sh"
t_on_exit "$PODNET system reset -f"

state_of() { $PODNET inspect "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["state"])'; }
proc_of() { $PODNET inspect "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['$2']['pid'])"; }

t_case "foreground run returns the command's exit status"
expect_ok $PODNET run --rm -- true
expect_fail 3 $PODNET run --rm -- sh -c 'exit 3'
expect_fail 127 $PODNET run --rm -- /no/such/program
expect_ok $PODNET run --rm -- sh -c 'echo out; echo err >&2'
expect_eq "out" "$T_LAST"

t_case "the container sees its own hostname, /etc/hosts and resolv.conf"
expect_ok $PODNET run --rm --name lc1 --hostname box --add-host db.example:10.1.2.3 -- sh -c 'hostname; cat /etc/hosts; cat /etc/resolv.conf'
expect_match "^box" "$T_LAST" "hostname"
expect_match "10\.1\.2\.3[[:space:]]+db\.example" "$T_LAST" "--add-host entry"
expect_match "10\.89\.[0-9]+\.[0-9]+[[:space:]]+box lc1" "$T_LAST" "own name in /etc/hosts"
expect_match "nameserver 10\.89\.[0-9]+\.1" "$T_LAST" "resolver is the gateway"
expect_match "search dns\.podnet" "$T_LAST" "search domain"
# the host's files are untouched
expect_nomatch "db\.example" "$(cat /etc/hosts)" "host /etc/hosts"

t_case "signals reach the command of a foreground run"
# the command says when its trap is set (a signal before that would kill the shell: 143)
$PODNET run --name sig1 -- sh -c 'trap "exit 42" TERM; touch "$1"; while :; do sleep 0.1; done' sh "$T_OUT/sig1-ready" &
launcher=$!
wait_for 5 test -e "$T_OUT/sig1-ready"
kill -TERM $launcher
rc=0; wait $launcher || rc=$?
expect_eq 42 "$rc" "exit status after SIGTERM"
expect_ok $PODNET ps -a --format json
expect_match '"exit_code": 42' "$T_LAST" "recorded exit code"
expect_eq "['sig1'] exited True 42 True" "$(python3 -c 'import json,sys; d=[d for d in json.load(sys.stdin) if d["name"] == "sig1"][0]; print(d["Names"], d["State"], d["Exited"], d["ExitCode"], d["Id"] == d["id"])' <<<"$T_LAST")" "Podman's keys in ps --format json"
expect_ok $PODNET rm sig1

t_case "exec runs in the container's namespaces and returns its status"
expect_ok $PODNET run -d --name ex1 -- sleep 60
expect_ok $PODNET exec ex1 -- hostname
expect_eq "ex1" "$T_LAST"
expect_fail 5 $PODNET exec ex1 -- sh -c 'exit 5'
expect_ok $PODNET exec ex1 -- sh -c 'tr "\\0" " " </proc/1/cmdline'
expect_match "podnet" "$T_LAST" "PID 1 is podnet's init"
expect_fail 125 $PODNET exec nosuch -- true
expect_match "no such container: nosuch" "$T_ERR"
expect_ok $PODNET rm -f ex1

t_case "-e sets the command's environment (a bare name passes the caller's value); exec sees it too"
expect_ok env PN_FROM_CALLER=caller $PODNET run --rm -it -e A=1 --env 'B=x y=z' -e PN_FROM_CALLER -e PN_UNSET_HERE -- \
  sh -c 'echo "$A|$B|$PN_FROM_CALLER|${PN_UNSET_HERE-unset}"'
expect_eq "1|x y=z|caller|unset" "$T_LAST" "the environment of a foreground run"
expect_ok $PODNET run -d --name envd -e A=2 -- sleep 60
expect_ok $PODNET exec envd -- sh -c 'echo "$A"'
expect_eq "2" "$T_LAST" "exec gets the container's -e, as podman exec does"
expect_ok env PN_FROM_CALLER=c2 $PODNET exec -it -e A=3 --env B=4 -e PN_FROM_CALLER envd -- sh -c 'echo "$A$B$PN_FROM_CALLER"'
expect_eq "34c2" "$T_LAST" "exec -e: its own, over the container's"
expect_ok $PODNET rm -f envd

t_case "-w/--workdir: where run's command and exec start (default: where run was called)"
wd=$(mktemp -d)
t_on_exit "rm -rf $wd"
expect_ok $PODNET run --rm -w "$wd" -- pwd
expect_eq "$wd" "$T_LAST" "run -w"
expect_ok sh -c "cd '$wd' && $PODNET run --rm -- pwd"
expect_eq "$wd" "$T_LAST" "run without -w: the caller's directory"
expect_ok sh -c "cd '$wd' && $PODNET run -d --name wdc -- sleep 60"
expect_ok $PODNET exec wdc pwd
expect_eq "$wd" "$T_LAST" "exec starts in the container's directory"
expect_ok $PODNET exec --workdir /tmp wdc pwd
expect_eq "/tmp" "$T_LAST" "exec -w"
expect_ok $PODNET inspect -f '{{.workdir}}' wdc
expect_eq "$wd" "$T_LAST" "inspect: workdir"
for bad in "tmp:it must be an absolute path" "/nonexistent-$$:No such file or directory" "/etc/hostname:not a directory"; do
  expect_fail 125 $PODNET run --rm -w "${bad%%:*}" -- true
  expect_match "^Error: invalid --workdir \"${bad%%:*}\": ${bad#*:}\$" "$T_ERR"
  expect_fail 125 $PODNET exec -w "${bad%%:*}" wdc true
  expect_match "invalid --workdir" "$T_ERR"
done
# the directory going between run's check and the command's start (strace fails the chdir)
expect_fail 126 t_strace -f -qq -o /dev/null -e trace=chdir -e inject=chdir:error=ENOENT -P "$wd" \
  $PODNET run -d --name wdrace -w "$wd" -- true
expect_match "^Error: cannot change to the working directory $wd: No such file or directory\$" "$T_ERR" "run -d"
expect_eq "exited 126" "$($PODNET inspect -f '{{.State.Status}} {{.State.ExitCode}}' wdrace)" "the container that could not start"
expect_ok $PODNET rm wdrace
expect_ok $PODNET stop -t 0 wdc
rmdir "$wd"
expect_fail 125 $PODNET start wdc
expect_match "cannot start container wdc: its working directory $wd: No such file or directory" "$T_ERR"
expect_eq "exited" "$($PODNET inspect -f '{{.State.Status}}' wdc)" "wdc stays exited"
expect_ok $PODNET rm wdc

t_case "logs shows a detached container's output; -f follows it until the container stops"
expect_ok $PODNET run -d --name logd -- sh -c 'echo one; echo err >&2; sleep 1; echo two'
wait_for 5 bash -c "$PODNET logs logd | grep -q one"
expect_ok $PODNET logs -f logd
expect_eq "one
err
two" "$T_LAST" "the whole output, once the container stopped"
expect_ok $PODNET logs logd
expect_eq "one
err
two" "$T_LAST" "the output of an exited container"
expect_ok $PODNET logs --tail 2 logd
expect_eq "err
two" "$T_LAST" "logs --tail 2"
expect_ok $PODNET logs --tail=1 logd
expect_eq "two" "$T_LAST" "logs --tail=1"
expect_ok $PODNET logs --tail 0 logd
expect_eq "" "$T_LAST" "logs --tail 0"
expect_ok $PODNET logs --tail 10 logd
expect_eq "3" "$(wc -l <<<"$T_LAST")" "logs --tail past the start: all"
expect_ok $PODNET logs --tail -1 logd
expect_eq "3" "$(wc -l <<<"$T_LAST")" "logs --tail -1: all"
expect_fail 125 $PODNET logs --tail x logd
expect_match 'invalid --tail "x"' "$T_ERR"
expect_ok $PODNET rm logd
expect_ok $PODNET run -d --name logn -- printf 'a\nb\nc'
wait_for 5 bash -c "[[ \$($PODNET inspect -f '{{.State.Status}}' logn) == exited ]]"
expect_ok $PODNET logs --tail 2 logn
expect_eq "b
c" "$T_LAST" "a last line without its newline counts"
expect_ok $PODNET rm logn
expect_ok $PODNET run -d --name logs5k -- seq 5000
wait_for 5 bash -c "[[ \$($PODNET inspect -f '{{.State.Status}}' logs5k) == exited ]]"
expect_ok $PODNET logs --tail 3 logs5k
expect_eq "4998 4999 5000" "$(echo $T_LAST)" "--tail in a log of several read blocks"
expect_ok $PODNET logs --tail 4000 logs5k
expect_eq "4000 1001" "$(wc -l <<<"$T_LAST") $(head -1 <<<"$T_LAST")" "--tail across blocks"
expect_ok $PODNET rm logs5k
expect_fail 125 $PODNET logs logd
expect_match "no such container: logd" "$T_ERR"

t_case "run -d returns at once; stop and rm"
start=$SECONDS
expect_ok $PODNET run -d --name d1 -- sleep 60
expect_match '^[0-9a-f]{64}$' "$T_LAST" "id printed"
((SECONDS - start < 5)) || t_fail "run -d took $((SECONDS - start))s"
expect_eq running "$(state_of d1)"
expect_ok $PODNET stop -t 1 d1
expect_eq exited "$(state_of d1)"
expect_fail 125 $PODNET run -d --name d1 -- sleep 1
expect_match "already in use" "$T_ERR"
expect_ok $PODNET rm d1
expect_fail 125 $PODNET inspect d1

t_case "rm of an exited container that a start runs again meanwhile: refused without -f, stopped with it"
expect_ok $PODNET run -d --name rs -- sleep 60
rstmp=$(mktemp -d)
t_on_exit "rm -rf $rstmp"
for f in "" -f; do
  expect_ok $PODNET stop -t 0 rs
  # rm's second hold of the lock (after its look at rs) is held up; rs is started in between
  (t_strace -f -qq -o "$rstmp/trace" -e trace=flock -e inject=flock:delay_enter=2000000:when=2 \
    $PODNET rm $f rs >"$rstmp/out" 2>"$rstmp/err"; echo $? >"$rstmp/rc") &
  wait_for 5 grep -q "LOCK_EX.*= 0" "$rstmp/trace"
  expect_ok $PODNET start rs
  wait
  if [[ -z $f ]]; then
    expect_eq 125 "$(cat "$rstmp/rc")" "rm without -f"
    expect_match "container rs was started again meanwhile: stop it first or use rm -f" "$(cat "$rstmp/err")"
    expect_eq running "$(state_of rs)" "rs after the refusal"
  else
    expect_eq 0 "$(cat "$rstmp/rc")" "rm -f"
    expect_fail 125 $PODNET inspect rs
  fi
  rm -f "$rstmp"/*
done
wait_for 5 t_no_podnet_procs
expect_eq "" "$(t_podnet_procs)" "processes left (rs's command)"

t_case "run --replace removes the container holding the name first"
expect_ok $PODNET run -d --name rep -- sleep 60
first=$T_LAST
expect_fail 125 $PODNET run -d --name rep -- sleep 60
expect_ok $PODNET run -d --replace --name rep -- sleep 60
second=$T_LAST
[[ $first != "$second" ]] || t_fail "the same container after --replace"
expect_eq "$second" "$($PODNET inspect rep | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')" "rep is the new one"
expect_fail 125 $PODNET inspect "$first"
# a run that cannot start does not take the old one with it
rport=$(t_free_port_base 2)
expect_ok $PODNET network create --subnet 10.199.7.0/24 rnet
expect_ok $PODNET run -d --name rother --network rnet --ip 10.199.7.50 -p "$rport:80" -- sleep 60
for bad in "--network typo|network typo not found" "--pod nopod|no such pod: nopod" \
  "--network container:nobody|no such container: nobody" \
  "--network rnet --ip 10.199.7.50|address 10.199.7.50 is already in use on network rnet" \
  "-p $rport:81|port $rport/tcp is already published by container rother"; do
  # shellcheck disable=SC2086 # the option and its value
  expect_fail 125 $PODNET run -d --replace --name rep ${bad%%|*} -- sleep 60
  expect_match "${bad#*|}" "$T_ERR"
  expect_eq "$second running" "$($PODNET inspect -f '{{.Id}} {{.State.Status}}' rep)" "rep after --replace ${bad%%|*}"
done
# what the replaced container itself holds is free for its successor
expect_ok $PODNET run -d --replace --name rother --network rnet --ip 10.199.7.50 -p "$rport:80" -- sleep 60
expect_ok $PODNET rm -f rep rother
expect_ok $PODNET network rm rnet

t_case "stop -a and rm -a: every container; rm -a refuses running ones without -f"
expect_ok $PODNET run -d --name all1 -- sleep 60
expect_ok $PODNET run -d --name all2 -- sleep 60
expect_ok $PODNET run --name all3 -- true
expect_fail 125 $PODNET rm -a
expect_match "container all[12] is running" "$T_ERR"
expect_ok $PODNET ps -a --format json
expect_eq "all1 all2" "$(python3 -c 'import json,sys; print(" ".join(sorted(d["name"] for d in json.load(sys.stdin))))' <<<"$T_LAST")" "left by rm -a: the running ones"
expect_ok $PODNET stop -a -t 0
expect_eq exited "$(state_of all1)"
expect_eq exited "$(state_of all2)"
expect_ok $PODNET run -d --name all4 -- sleep 60
expect_ok $PODNET rm -af
expect_ok $PODNET ps -a -q
expect_eq "" "$T_LAST" "containers after rm -af"
expect_fail 125 $PODNET rm -a all4
expect_match "give at least one container, or --all" "$T_ERR"

t_case "run -d of a command that cannot run fails like podman, the container stays exited"
expect_fail 127 $PODNET run -d --name nx -- /no/such/program
expect_match "cannot run /no/such/program: No such file or directory" "$T_ERR"
expect_eq "" "$T_LAST" "no id printed"
wait_for 5 bash -c "[[ \$($PODNET inspect nx | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"state\"])') == exited ]]"
expect_ok $PODNET ps -a
expect_match "nx +exited \(127\)" "$T_LAST" "ps -a shows its status"
expect_fail 126 $PODNET run -d --name nx2 -- /etc/hostname
expect_match "cannot run /etc/hostname: Permission denied" "$T_ERR"
expect_fail 127 $PODNET run -d --rm --name nx3 -- /no/such/program
wait_for 5 bash -c "! $PODNET inspect nx3 >/dev/null 2>&1"
expect_ok $PODNET rm nx nx2

t_case "kill -9 of a container is cleaned by the next command"
expect_ok $PODNET run -d --name k1 -- sleep 60
ip=$($PODNET inspect k1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["networks"]["podnet"]["ips"][0].split("/")[0])')
kill -9 "$(proc_of k1 init)" "$(proc_of k1 monitor)"
expect_ok $PODNET ps -a
expect_match "k1 +exited" "$T_LAST" "ps after kill -9"
# its address is free again: a static run on it succeeds
expect_ok $PODNET run --rm --ip "$ip" -- true
expect_ok $PODNET rm k1

t_case "kill -9 of a foreground launcher"
$PODNET run --name k2 -- sleep 60 &
launcher=$!
wait_for 5 $PODNET exec k2 -- true
kill -9 $launcher; wait $launcher 2>/dev/null
# the container itself still runs, owned by nobody: podnet still knows it
expect_eq running "$(state_of k2)"
expect_ok $PODNET stop -t 0 k2
expect_ok $PODNET ps -a
expect_match "k2 +exited" "$T_LAST"
expect_ok $PODNET rm k2

t_case "kill -9 of the launcher while it sets up is recognised"
# a state file claiming a launcher that is gone: as if killed mid-setup
expect_ok $PODNET run -d --name k3 -- sleep 60
kill -9 "$(proc_of k3 monitor)" "$(proc_of k3 init)"
python3 - "$PODNET_RUNTIME_DIR" <<'PY'
import json, glob, sys
for f in glob.glob(sys.argv[1] + "/ctr/*/state.json"):
    d = json.load(open(f))
    if d["name"] == "k3":
        d["state"] = "created"; d.pop("init", None)
        json.dump(d, open(f, "w"))
PY
expect_fail 125 $PODNET run --rm --name k3 -- true
expect_match "already in use" "$T_ERR"
expect_ok $PODNET ps -a -q
expect_ok $PODNET run --rm --name k3b -- true
expect_ok $PODNET rm k3

t_case "a corrupt state file is reported and cleaned, not fatal"
expect_ok $PODNET run -d --name c1 -- sleep 60
f=$(grep -lE '"name": ?"c1"' "$PODNET_RUNTIME_DIR"/ctr/*/state.json)
init=$(proc_of c1 init)
echo '{ broken' >"$f"
expect_ok $PODNET ps -a
# its init was stopped and its address freed, from what survives beside the state
wait_for 5 bash -c "! kill -0 $init 2>/dev/null"
kill -0 "$init" 2>/dev/null && t_fail "the corrupt container's init still runs"
expect_ok $PODNET run --rm -- true

t_case "kill sends a signal to the command; wait prints the exit code"
expect_ok $PODNET run -d --name kw1 -- sh -c 'trap "exit 7" USR1; touch "$1"; while :; do sleep 0.1; done' sh "$T_OUT/kw1-ready"
wait_for 5 test -e "$T_OUT/kw1-ready"
$PODNET wait kw1 >"$T_OUT/kw1-wait" 2>&1 &
waiter=$!
sleep 0.3
kill -0 $waiter 2>/dev/null || t_fail "wait returned while the container runs: $(cat "$T_OUT/kw1-wait")"
expect_ok $PODNET kill -s USR1 kw1
expect_eq kw1 "$T_LAST"
rc=0; wait $waiter || rc=$?
expect_eq "0 7" "$rc $(cat "$T_OUT/kw1-wait")" "wait's status and output"
expect_ok $PODNET wait kw1
expect_eq 7 "$T_LAST" "wait on an exited container"
expect_fail 125 $PODNET kill kw1
expect_match "container kw1 is not running" "$T_ERR"
expect_ok $PODNET run -d --name kw2 -- sleep 60
expect_ok $PODNET kill kw2
expect_ok $PODNET wait kw2
expect_eq 137 "$T_LAST" "KILL by default"
expect_fail 125 $PODNET kill -s NOSUCH kw2
expect_match 'invalid signal "NOSUCH"' "$T_ERR"
expect_ok $PODNET run -d --rm --name kw3 -- sh -c 'sleep 0.3; exit 4'
expect_ok $PODNET wait kw3
expect_eq 4 "$T_LAST" "wait on a --rm container: its code, though it is removed"
expect_fail 125 $PODNET wait nosuch
# --all: every running container, and only those (an exited one is no error)
expect_ok $PODNET run -d --name kw4 -- sleep 60
expect_ok $PODNET run -d --name kw5 -- sleep 60
expect_ok $PODNET kill -s TERM --all
expect_eq "kw4 kw5 " "$(sort <<<"$T_LAST" | tr '\n' ' ')" "kill --all names the running ones"
expect_ok $PODNET wait kw4 kw5
expect_eq "143 143 " "$(tr '\n' ' ' <<<"$T_LAST")" "their exit codes after kill -s TERM --all"
expect_fail 125 $PODNET kill
expect_match "give at least one container, or --all" "$T_ERR"
expect_ok $PODNET rm kw1 kw2 kw4 kw5

t_case "run -d --rm, then wait: the exit code outlives the container, by id or name, 5 minutes"
# Podman keeps a removed container's exit code for wait; scripts run -d --rm and wait
expect_ok $PODNET run -d --rm --name w3 -- sh -c 'sleep 1; exit 3'
w3id=$T_LAST
expect_ok $PODNET wait w3
expect_eq 3 "$T_LAST" "wait started while it ran"
expect_fail 125 $PODNET inspect w3
expect_match "no such container: w3" "$T_ERR" "it was removed"
expect_ok $PODNET wait w3 "$w3id" "${w3id:0:12}"
expect_eq "3 3 3 " "$(tr '\n' ' ' <<<"$T_LAST")" "wait after the removal, by name, id and short id"
# a waiter in the background, as scripts do; the name taken again: the latest one's code
expect_ok $PODNET run -d --rm --name w3 -- sh -c 'sleep 0.5; exit 9'
$PODNET wait w3 >"$T_OUT/w3-wait" 2>&1 &
waiter=$!
rc=0; wait $waiter || rc=$?
expect_eq "0 9" "$rc $(cat "$T_OUT/w3-wait")" "a background wait on a --rm container"
expect_ok $PODNET wait w3 "$w3id"
expect_eq "9 3 " "$(tr '\n' ' ' <<<"$T_LAST")" "by name the latest container of that name, by id each one"
# a name in use again is that container's, not a removed one's
expect_fail 6 $PODNET run --name w3 -- sh -c 'exit 6'
expect_ok $PODNET wait w3
expect_eq 6 "$T_LAST" "wait names the container that exists"
expect_ok $PODNET rm w3
# killed with its monitor: the next command removes it, and the code is 137
expect_ok $PODNET run -d --rm --name w4 -- sleep 60
w4mon=$($PODNET inspect w4 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["monitor"]["pid"])')
w4init=$($PODNET inspect w4 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["init"]["pid"])')
kill -9 "$w4mon" "$w4init"
expect_ok $PODNET wait w4
expect_eq 137 "$T_LAST" "a --rm container killed with its monitor"
# kept 5 minutes: older records are pruned by the next wait (or rm)
ls "$PODNET_RUNTIME_DIR/exits/$w3id" >/dev/null 2>&1 || t_fail "no exit record of $w3id"
touch -d '6 minutes ago' "$PODNET_RUNTIME_DIR/exits/$w3id"
expect_fail 125 $PODNET wait "$w3id"
expect_match "no such container: $w3id" "$T_ERR" "an exit code older than 5 minutes"
[[ -e "$PODNET_RUNTIME_DIR/exits/$w3id" ]] && t_fail "the old exit record was not pruned"
expect_fail 125 $PODNET wait nosuchw
expect_match "no such container: nosuchw" "$T_ERR"

t_case "the exit code is the command's even when other commands look in between"
# ps collects dead containers; one whose init just exited belongs to its
# monitor, which records the code: a collection first used to record 137
for i in 1 2 3 4 5; do
  expect_ok $PODNET run -d --name race$i -- sh -c 'trap "exit 5" TERM; touch "$1"; while :; do sleep 0.05; done' sh "$T_OUT/race$i"
  wait_for 5 test -e "$T_OUT/race$i"
  ( for _ in $(seq 40); do $PODNET ps -a >/dev/null 2>&1; done ) &
  looker=$!
  expect_ok $PODNET kill -s TERM race$i
  expect_ok $PODNET wait race$i
  expect_eq 5 "$T_LAST" "exit code of race$i"
  wait $looker
  expect_ok $PODNET rm race$i
done

t_case "Go templates: ps, network ls, pod ls and the inspect commands, as scripts use them"
expect_ok $PODNET network create tplnet
expect_ok $PODNET run -d --name tpl1 --network tplnet -- sleep 60
id=$T_LAST
expect_fail 3 $PODNET run --name tpl2 --network tplnet -- sh -c 'exit 3'
expect_ok $PODNET pod create --name tplpod --network tplnet
expect_ok $PODNET ps -a --format '{{.Names}} {{.State}} {{.ExitCode}} {{.Networks}}'
expect_eq "tpl1 running 0 tplnet
tpl2 exited 3 tplnet" "$(sort <<<"$T_LAST")" "ps -a with a template"
expect_ok $PODNET ps --format 'table {{.ID}}\t{{.Names}}'
expect_eq "CONTAINER ID  NAMES
${id:0:12}  tpl1" "$T_LAST" "ps with a table template"
expect_ok $PODNET network ls --format '{{.Name}}:{{.Driver}}'
expect_match "(^|
)tplnet:bridge(
|$)" "$T_LAST" "network ls with a template"
expect_ok $PODNET pod ls --format '{{.Name}} {{.NumberOfContainers}} {{.Networks}}'
expect_eq "tplpod 0 tplnet" "$T_LAST" "pod ls with a template"
expect_ok $PODNET inspect -f '{{.Name}} {{.Id}} {{json .network_config}}' tpl1
expect_eq "tpl1 $id [{\"aliases\":[],\"network\":\"tplnet\"}]" "$T_LAST" "inspect -f"
expect_ok $PODNET network inspect --format '{{.Name}} {{.Internal}}' tplnet
expect_eq "tplnet false" "$T_LAST" "network inspect --format"
expect_ok $PODNET pod inspect --format='{{.Name}}' tplpod
expect_eq "tplpod" "$T_LAST" "pod inspect --format="
expect_ok $PODNET ps --filter name=tpl --format '{{.Names}}'
expect_eq "tpl1" "$T_LAST" "ps --filter name= (running only)"
expect_ok $PODNET ps -f status=exited --format '{{.Names}}'
expect_eq "tpl2" "$T_LAST" "ps -f status=exited looks at exited ones too"
expect_ok $PODNET ps -a -f name=tpl1 -f name=tpl2 -f exited=3 --format '{{.Names}}'
expect_eq "tpl2" "$T_LAST" "values of one key are alternatives, keys add up"
expect_ok $PODNET ps -a -f network=tplnet -f id="${id:0:6}" -q
expect_eq "${id:0:12}" "$T_LAST" "ps -f network= -f id="
expect_ok $PODNET ps -a -f 'name=^tpl[0-9]$' --format '{{.Names}}'
expect_eq "tpl1 tpl2 " "$(sort <<<"$T_LAST" | tr '\n' ' ')" "ps -f name= is a regular expression, as in Podman"
expect_ok $PODNET ps -a -f 'name=^pl' -q
expect_eq "" "$T_LAST" "an anchored name= does not match inside names"
expect_ok $PODNET pod ls -f 'name=^tplpod$' --format '{{.Name}}'
expect_eq "tplpod" "$T_LAST" "pod ls -f name= anchored"
expect_ok $PODNET network ls -f 'name=^tpl.et$' --format '{{.Name}}'
expect_eq "tplnet" "$T_LAST" "network ls -f name= anchored"
expect_fail 125 $PODNET ps -f 'name=tpl('
expect_match 'invalid name filter "tpl\("' "$T_ERR"
expect_fail 125 $PODNET network ls -f 'name=[tpl'
expect_match 'invalid name filter' "$T_ERR"
expect_fail 125 $PODNET ps -f colour=red
expect_match 'invalid filter "colour=red"' "$T_ERR"
expect_ok $PODNET ps --format '{{.Names}}:{{range .command}}<{{.}}>{{end}}'
expect_eq "tpl1:<sleep><60>" "$T_LAST" "ps with {{range}}"
# Podman's and Docker's inspect idioms: a non-default network's address is under Networks
ip1=$($PODNET inspect tpl1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["networks"]["tplnet"]["ips"][0].split("/")[0])')
expect_ok $PODNET inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}|{{.NetworkSettings.Networks.tplnet.IPAddress}}|{{.NetworkSettings.IPAddress}}|{{.State.Status}} {{.State.Running}} {{.HostConfig.NetworkMode}}' tpl1
expect_eq "$ip1|$ip1||running true bridge" "$T_LAST" "inspect -f with Podman's keys"
expect_ok $PODNET run -d --name tpl3 -- sleep 60
ip3=$($PODNET inspect tpl3 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["networks"]["podnet"]["ips"][0].split("/")[0])')
expect_ok $PODNET inspect -f '{{.NetworkSettings.IPAddress}} {{.NetworkSettings.IPPrefixLen}}' tpl3
expect_eq "$ip3 24" "$T_LAST" "only on the default network: .NetworkSettings.IPAddress, as Podman"
expect_ok $PODNET rm -f tpl3
expect_ok $PODNET inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}} {{.State.Pid}}' tpl2
expect_eq "exited 3 false 0" "$T_LAST" "inspect -f .State of an exited container"
expect_ok $PODNET inspect -f '{{if .State.Running}}up{{else}}down{{end}} {{(index .NetworkSettings.Networks "tplnet").IPAddress}}' tpl1 tpl2
expect_eq "up $ip1
down <no value>" "$T_LAST" "inspect -f with if/else and (index ...).Field, as Podman's documentation writes them"
expect_fail 125 $PODNET ps --format '{{.Names | upper}}'
expect_match "unsupported action" "$T_ERR"
expect_eq "" "$T_LAST" "nothing printed for a bad template"
expect_fail 125 $PODNET ps --format '{{range .Networks}}x'
expect_match "has no \{\{end\}\}" "$T_ERR"
expect_fail 125 $PODNET inspect -f '{{.Name' tpl1
expect_match "unclosed action" "$T_ERR"
expect_fail 125 $PODNET network ls --format yaml
expect_match 'invalid format "yaml"' "$T_ERR"
expect_ok $PODNET pod rm -f tplpod
expect_ok $PODNET rm -f tpl1 tpl2
expect_ok $PODNET network rm tplnet

t_case "{{.Networks}} is Podman's sorted, comma-joined column; --format json keeps a list"
expect_ok $PODNET network create st
expect_ok $PODNET network create app2
expect_ok $PODNET run -d --name nw1 --network st --network app2 -- sleep 60
expect_ok $PODNET ps --filter name=nw1 --format '{{.Networks}}|{{.Names}}|{{.Ports}}|{{.Command}}'
expect_eq "app2,st|nw1||sleep 60" "$T_LAST" "ps template columns are strings, as Podman's"
expect_ok $PODNET ps --filter name=nw1 --format json
expect_eq "['app2', 'st']" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Networks"])' <<<"$T_LAST")" "ps --format json: a list"
expect_ok $PODNET stop -t 0 nw1
expect_ok $PODNET ps -a --filter name=nw1 --format '{{.Networks}}'
expect_eq "app2,st" "$T_LAST" "exited: the networks it joins when started"
expect_ok $PODNET pod create --name nwp --network st --network app2
expect_ok $PODNET run -d --pod nwp --name nwm -- sleep 60
expect_ok $PODNET pod ls --filter name=nwp --format '{{.Name}} {{.Networks}}'
expect_eq "nwp app2,st" "$T_LAST" "pod ls template"
expect_ok $PODNET pod ls --filter name=nwp --format json
expect_eq "['app2', 'st']" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Networks"])' <<<"$T_LAST")" "pod ls --format json: a list"
expect_ok $PODNET ps --filter name=nwm --format '{{.Pod}} {{.PodName}}'
expect_eq "nwp nwp" "$T_LAST" "ps {{.PodName}}"
expect_ok $PODNET pod rm -f nwp
expect_ok $PODNET rm -f nw1
expect_ok $PODNET network rm st app2

t_case "--stop-signal: what stop (and pod stop) sends first, any signal init can pass on"
expect_ok $PODNET run -d --name sq --stop-signal QUIT -- sh -c 'trap "echo got-quit; exit 7" QUIT; trap "exit 8" TERM; while :; do sleep 0.1; done'
sleep 0.3
start=$SECONDS
expect_ok $PODNET stop -t 20 sq
((SECONDS - start < 10)) || t_fail "stop waited for its timeout: the stop signal was not delivered"
expect_eq "7 got-quit" "$($PODNET inspect -f '{{.State.ExitCode}}' sq) $($PODNET logs sq)" "the command's QUIT handler ran"
expect_ok $PODNET start sq
sleep 0.3
expect_ok $PODNET stop -t 20 sq
expect_eq "7" "$($PODNET inspect -f '{{.State.ExitCode}}' sq)" "kept by start"
expect_ok $PODNET rm sq
expect_ok $PODNET pod create --name sqpod
expect_ok $PODNET run -d --pod sqpod --name sqm --stop-signal 40 -- sh -c 'trap "exit 9" 40; while :; do sleep 0.1; done'
sleep 0.3
expect_ok $PODNET pod stop -t 20 sqpod
expect_eq "9" "$($PODNET inspect -f '{{.State.ExitCode}}' sqm)" "a realtime signal, through pod stop"
expect_ok $PODNET pod rm -f sqpod
expect_fail 125 $PODNET run --rm --stop-signal STOP -- true
expect_match 'invalid --stop-signal "STOP"' "$T_ERR"

t_case "labels: run -l and pod create -l; ps, pod ls filter by them; inspect shows them"
expect_ok $PODNET run -d --name lb1 -l app=web -l tier --label 'team=x y' -- sleep 60
expect_ok $PODNET run -d --name lb2 --label app=db -- sleep 60
expect_ok $PODNET pod create --name lbpod -l app=web
expect_ok $PODNET ps -f label=app=web --format '{{.Names}}'
expect_eq "lb1" "$T_LAST" "ps -f label=KEY=VALUE"
expect_ok $PODNET ps -f label=app --format '{{.Names}}'
expect_eq "lb1 lb2" "$(sort <<<"$T_LAST" | tr '\n' ' ' | sed 's/ $//')" "ps -f label=KEY"
expect_ok $PODNET ps -f label=tier -f label=app=db -q
expect_eq "" "$T_LAST" "every label= must match (Podman's exception to alternatives)"
expect_ok $PODNET ps -f label=tier -f label=app=web --format '{{.Names}}'
expect_eq "lb1" "$T_LAST" "both labels match"
expect_ok $PODNET pod ls -f label=app=web --format '{{.Name}}'
expect_eq "lbpod" "$T_LAST" "pod ls -f label="
expect_ok $PODNET inspect -f '{{index .Config.Labels "team"}}|{{.Labels.tier}}|{{json .labels}}' lb1
expect_eq 'x y||{"app":"web","team":"x y","tier":""}' "$T_LAST" "inspect: Config.Labels and labels"
expect_fail 125 $PODNET run --rm -l =x -- true
expect_match 'invalid --label "=x": want KEY=VALUE' "$T_ERR"
expect_ok $PODNET rm -f lb1 lb2
expect_ok $PODNET pod rm -f lbpod

t_case "the container group (Podman's and Docker's spelling): ls, run, inspect, exists, rm, prune"
expect_ok $PODNET container run -d --name g1 -- sleep 60
expect_ok $PODNET container run --name g2 -- true
expect_fail 3 $PODNET container run --name g3 -- sh -c 'exit 3'
expect_ok $PODNET container ls --format '{{.Names}}'
expect_eq "g1" "$T_LAST" "container ls: the running ones"
expect_ok $PODNET container list -a --format '{{.Names}}'
expect_eq "g1 g2 g3" "$(sort <<<"$T_LAST" | tr '\n' ' ' | sed 's/ $//')" "container list -a"
expect_ok $PODNET container inspect -f '{{.State.Status}} {{.State.ExitCode}}' g3
expect_eq "exited 3" "$T_LAST" "container inspect"
expect_ok $PODNET container exists g2
expect_fail 1 $PODNET container exists nope
g2id=$($PODNET inspect -f '{{.Id}}' g2); g3id=$($PODNET inspect -f '{{.Id}}' g3)
expect_ok $PODNET container prune
expect_eq "$(printf '%s\n' "$g2id" "$g3id" | sort)" "$(sort <<<"$T_LAST")" "container prune: the ids of the exited ones"
expect_ok $PODNET ps -a --format '{{.Names}}'
expect_eq "g1" "$T_LAST" "after prune"
# a container another command is starting (its launch held up by strace) is not prune's
t_strace -f -qq -o /dev/null -e trace=unshare -e inject=unshare:delay_enter=1500000 \
  $PODNET run -d --name gslow -- sleep 60 >/dev/null 2>&1 &
wait_for 5 bash -c "$PODNET ps -a --format '{{.Names}} {{.Status}}' | grep -qx 'gslow created'"
expect_ok $PODNET container prune
expect_eq "" "$T_LAST" "container prune while gslow starts"
wait_for 10 bash -c "[[ \$($PODNET inspect -f '{{.State.Status}}' gslow 2>/dev/null) == running ]]"
expect_ok $PODNET rm -f gslow
expect_ok $PODNET container ls --help
expect_match "^Usage: podnet ps" "$T_LAST" "container ls --help is ps's"
expect_fail 125 $PODNET container frob
expect_match 'container: unknown subcommand "frob"' "$T_ERR"
expect_ok $PODNET container rm -f g1
expect_eq "g1" "$T_LAST"

t_case "options after the names, as Podman and Docker take them; run and exec keep the command's"
expect_ok $PODNET network create oan --disable-dns --label k=v
expect_ok $PODNET network inspect oan --format '{{.dns_enabled}} {{.labels.k}}'
expect_eq "false v" "$T_LAST" "network create NAME --disable-dns --label k=v"
expect_ok $PODNET run -d --name oa --network oan -- sh -c 'echo one; echo two; sleep 60'
wait_for 5 bash -c "$PODNET logs oa | grep -q two"
expect_ok $PODNET logs oa --tail 1
expect_eq "two" "$T_LAST" "logs NAME --tail 1"
expect_ok $PODNET inspect oa -f '{{.Name}}'
expect_eq "oa" "$T_LAST" "inspect NAME -f"
expect_ok $PODNET exec oa ls -d /
expect_eq "/" "$T_LAST" "exec keeps the command's options"
expect_ok $PODNET run --rm --network oan -- echo -f
expect_eq "-f" "$T_LAST" "run keeps the command's options"
expect_ok $PODNET network connect podnet oa --alias oalias
expect_ok $PODNET inspect oa
expect_match '"oalias"' "$T_LAST" "network connect NET NAME --alias A"
expect_ok $PODNET stop oa -t 0
expect_eq exited "$(state_of oa)" "stop NAME -t 0"
expect_ok $PODNET run -d --name oa2 -- sleep 60
expect_ok $PODNET stop -t 0 oa2
expect_ok $PODNET start --all
expect_eq "$($PODNET inspect -f '{{.Id}}' oa oa2 | sort)" "$(sort <<<"$T_LAST")" "start --all prints the ids it started"
expect_eq "running running" "$(state_of oa) $(state_of oa2)" "start --all"
expect_fail 125 $PODNET start --all oa
expect_match "start: --all takes no names" "$T_ERR"
expect_ok $PODNET rm oa -f
expect_ok $PODNET rm -f oa2
expect_fail 125 $PODNET inspect oa
expect_ok $PODNET pod create --name oap
expect_ok $PODNET pod rm oap -f
expect_ok $PODNET network rm oan -f
expect_ok $PODNET ps -a -q
expect_eq "" "$T_LAST" "containers left"
# -f is an option, not a name "-f": with it a missing name is no error (as Podman), and nothing is printed
expect_ok $PODNET rm nosuch -f
expect_eq "" "$T_LAST$(cat "$T_OUT/err")" "rm nosuch -f"
expect_fail 125 $PODNET rm nosuch -t 0
expect_eq "Error: rm: -t/--time needs -f/--force (only -f stops what runs)" "$T_ERR" "-t is not taken for a name"

t_case "rm -f -t S: a running container gets S seconds to stop, as with stop -t S; plain rm -f kills it"
expect_ok $PODNET run -d --name rmt -- sh -c "trap 'echo term >$T_OUT/rmt; exit 0' TERM; touch $T_OUT/rmt-ready; while :; do sleep 0.1; done"
wait_for 5 test -e "$T_OUT/rmt-ready"
expect_ok $PODNET rm -f -t 5 rmt
expect_eq "rmt" "$T_LAST" "rm -f -t prints the name"
expect_eq "term" "$(cat "$T_OUT/rmt" 2>/dev/null)" "the command saw SIGTERM"
expect_fail 1 $PODNET container exists rmt
rm -f "$T_OUT"/rmt*
expect_ok $PODNET run -d --name rmt -- sh -c "trap 'echo term >$T_OUT/rmt; exit 0' TERM; touch $T_OUT/rmt-ready; while :; do sleep 0.1; done"
wait_for 5 test -e "$T_OUT/rmt-ready"
expect_ok $PODNET rm --time=0 --force rmt
expect_eq "" "$(cat "$T_OUT/rmt" 2>/dev/null)" "rm -f -t 0: no SIGTERM"
expect_fail 1 $PODNET container exists rmt

t_case "when nothing runs, no podnet process remains"
expect_ok $PODNET ps -a
wait_for 5 t_no_podnet_procs
expect_eq "" "$(t_podnet_procs)" "processes left"
expect_ok $PODNET system check
t_done
