#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SIGKILL at many points of `run`, `network connect`, `start`, `pod start` and
# `pod stop` (strace's fault injection: the Nth rename(2) or openat(2) of the
# command kills it), then the next commands must recognise what was left and clean it up: no lease
# without a container, no interface the state does not know (which made the
# network impossible to connect again), connect and disconnect keep working.
# Network create, rm and disconnect killed half-way leave no network outside
# the firewall, no stale bridge or gateway, no free address a state names.
. "$(dirname "$0")/lib.sh"
t_on_exit "$PODNET system reset -f"
command -v strace >/dev/null || { echo "strace is missing (scripts/install-deps.sh)" >&2; exit 1; }

id_of() { $PODNET inspect "$1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])' 2>/dev/null; }
leases_of() { grep -rlx "$1" "$PODNET_RUNTIME_DIR/ipam" 2>/dev/null | wc -l; }
connected() { $PODNET inspect "$1" | python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)[0]["networks"])))'; }

t_case "setup: two networks, a running container"
expect_ok $PODNET network create k1
expect_ok $PODNET network create k2
expect_ok $PODNET run -d --name keep --network k1 -- sleep 300

t_case "run killed at its Nth rename: ps and rm -f leave no lease of it"
for n in 1 2 3 4 5 6 7; do
  timeout 20 strace -f -b execve -o /dev/null -e trace=rename -e inject=rename:signal=KILL:when=$n \
    $PODNET run -d --name victim --network k1 -- sleep 300 >/dev/null 2>&1
  vid=$(id_of victim)
  $PODNET ps -a >/dev/null 2>&1
  $PODNET rm -f victim >/dev/null 2>&1
  if [[ -n "$vid" ]]; then
    expect_eq 0 "$(leases_of "$vid")" "leases of a run killed at rename $n"
  fi
  expect_fail '!' $PODNET inspect victim
done

t_case "run --rm killed at its Nth rename (its exit record too): wait and ps clean up, nothing is left"
# the launcher records the exit code of a --rm container just before it
# removes the state: killed anywhere, the next command removes what is left
for n in $(seq 1 13); do
  timeout 20 strace -f -b execve -o /dev/null -e trace=rename -e inject=rename:signal=KILL:when=$n \
    $PODNET run --rm --name rmk --network k1 -- sh -c 'exit 5' >/dev/null 2>&1
  vid=$(id_of rmk)
  rc=0; timeout 10 $PODNET wait rmk >"$T_OUT/rmk" 2>&1 || rc=$?
  [[ $rc == 0 || $rc == 125 ]] || t_fail "wait after a run --rm killed at rename $n: exit $rc $(cat "$T_OUT/rmk")"
  [[ $rc == 0 ]] && expect_match '^(5|137)$' "$(cat "$T_OUT/rmk")" "wait's code after a run --rm killed at rename $n"
  expect_ok $PODNET ps -a
  expect_fail '!' $PODNET inspect rmk
  [[ -n "$vid" ]] && expect_eq 0 "$(leases_of "$vid")" "leases of a run --rm killed at rename $n"
  expect_eq "" "$(ls "$PODNET_RUNTIME_DIR/exits" 2>/dev/null | grep -v '^[0-9a-f]*$')" "temporaries of exit records after rename $n"
done

t_case "run killed when it opens holder.json (in the infra step): no lease left"
timeout 20 strace -f -b execve -o /dev/null -e trace=openat -e inject=openat:signal=KILL -P "$PODNET_RUNTIME_DIR/holder.json" \
  $PODNET run -d --name victim --network k1 -- sleep 300 >/dev/null 2>&1
vid=$(id_of victim)
expect_match '^[0-9a-f]{64}$' "$vid" "the killed run left its state"
expect_ok $PODNET ps -a
expect_ok $PODNET rm -f victim
expect_eq 0 "$(leases_of "$vid")" "leases of the killed run"

t_case "network connect killed at its Nth rename: connect and disconnect keep working"
kid=$(id_of keep)
for n in 1 2 3 4 5 6 7; do
  timeout 20 strace -f -b execve -o /dev/null -e trace=rename -e inject=rename:signal=KILL:when=$n \
    $PODNET network connect k2 keep >/dev/null 2>&1
  if [[ "$(connected keep)" == *k2* ]]; then
    expect_ok $PODNET network disconnect k2 keep
  fi
  expect_ok $PODNET network connect k2 keep
  expect_ok $PODNET exec keep -- ip -o -4 addr show eth1
  expect_match 'inet 10\.' "$T_LAST" "eth1 after a connect killed at rename $n"
  expect_ok $PODNET network disconnect k2 keep
  expect_eq "k1" "$(connected keep)"
done
# a connect killed between taking its address and saving the state leaks that
# address until the container goes: then everything of its id is freed

t_case "start killed at its Nth rename: the container stays and starts again, no lease leaked"
expect_ok $PODNET run -d --name again --network k1,k2 -- sleep 300
aid=$(id_of again)
for n in 1 2 3 4 5 6 7; do
  expect_ok $PODNET stop -t 0 again
  timeout 20 strace -f -b execve -o /dev/null -e trace=rename -e inject=rename:signal=KILL:when=$n \
    $PODNET start again >/dev/null 2>&1
  expect_ok $PODNET ps -a
  expect_eq "$aid" "$(id_of again)" "the container after a start killed at rename $n"
  expect_ok $PODNET stop -t 0 again
  expect_eq 0 "$(leases_of "$aid")" "leases of the stopped container after a start killed at rename $n"
  expect_ok $PODNET start again
  expect_eq "k1 k2" "$(connected again)" "networks after a start killed at rename $n"
  expect_eq 4 "$(leases_of "$aid")" "leases (two addresses, two MACs) after a start killed at rename $n"
done
expect_ok $PODNET rm -f again
expect_eq 0 "$(leases_of "$aid")" "leases of again after rm"

# pod start and pod stop do their work in the command itself: strace without
# -f, so the pause process and helpers they fork are not traced (strace would
# wait for them)
t_case "pod start and pod stop killed at their Nth rename: the pod stays, starts again, no lease leaked"
expect_ok $PODNET pod create --name kpod --network k1,k2
pid_=$(id_of kpod)
expect_ok $PODNET run -d --pod kpod --name kmem -- sleep 300
for n in 1 2 3 4 5 6 7 8 9; do
  expect_ok $PODNET pod stop -t 0 kpod
  timeout -s KILL 20 strace -o /dev/null -e trace=rename -e inject=rename:signal=KILL:when=$n \
    $PODNET pod start kpod >/dev/null 2>&1
  expect_ok $PODNET pod ls --format '{{.Name}}'
  expect_eq "$pid_" "$(id_of kpod)" "the pod after a pod start killed at rename $n"
  timeout -s KILL 20 strace -o /dev/null -e trace=rename -e inject=rename:signal=KILL:when=$n \
    $PODNET pod stop -t 0 kpod >/dev/null 2>&1
  expect_ok $PODNET pod stop -t 0 kpod
  expect_eq 0 "$(leases_of "$pid_")" "leases of the stopped pod after kills at rename $n"
  expect_ok $PODNET pod start kpod
  expect_eq "k1 k2" "$(connected kpod)" "the pod's networks after kills at rename $n"
  expect_eq 4 "$(leases_of "$pid_")" "leases (two addresses, two MACs) after kills at rename $n"
  expect_ok $PODNET exec kmem -- ip -o -4 addr show eth1
  expect_match 'inet 10\.' "$T_LAST" "the member on the pod's second network after kills at rename $n"
done
expect_ok $PODNET pod rm -f kpod
expect_eq 0 "$(leases_of "$pid_")" "leases of kpod after pod rm"

t_case "clean up: removing the container frees every lease of its id, and the killed writers' temporaries"
tmps() { find "$PODNET_RUNTIME_DIR" "$PODNET_DATA_DIR" -name '*.tmp.[0-9]*' | wc -l; }
# each kill at a rename left its NAME.tmp.PID; they stay while something runs
(($(tmps) > 0)) || t_fail "no temporary left by the killed commands: the kills missed their renames"
expect_ok $PODNET rm -f keep
expect_eq 0 "$(leases_of "$kid")" "leases of keep after rm"
expect_eq 0 "$(tmps)" "temporaries left once nothing runs"
expect_ok $PODNET network rm k1 k2
expect_ok $PODNET system check
wait_for 5 t_no_podnet_procs

# the infra namespace I, where the bridges and the firewall are
in_i() { nsenter -t "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$PODNET_RUNTIME_DIR/holder.json")" \
  -U -n --preserve-credentials -- "$@"; }
net_field() { $PODNET network inspect "$1" | python3 -c "import json,sys; d=json.load(sys.stdin)[0]; print($2)"; }

t_case "setup again: two networks, a running container"
expect_ok $PODNET network create k1
expect_ok $PODNET network create k2
expect_ok $PODNET run -d --name keep --network k1 -- sleep 300

t_case "network create killed on its way to the infra: the network is inside the firewall, or not made"
# It saved the definition before it made the firewall: killed in between, the
# first attach made its bridge but no rules came, and its containers reached
# the other networks' gateways and DNS listeners (and had no route out).
rc=0
timeout 20 strace -f -o /dev/null -e inject=all:signal=KILL -P "$PODNET_RUNTIME_DIR/holder.json" \
  $PODNET network create kn5 >/dev/null 2>&1 || rc=$?
expect_eq 137 "$rc" "network create killed when it opens holder.json"
$PODNET network exists kn5 || expect_ok $PODNET network create kn5
expect_ok $PODNET run -d --name k5c --network kn5 -- sleep 300
k5gw=$(net_field kn5 "d['subnets'][0]['gateway']")
k1gw=$(net_field k1 "d['subnets'][0]['gateway']")
wait_for 5 $PODNET exec k5c -- dig +time=1 +tries=1 +short "@$k5gw" k5c
expect_ok $PODNET exec k5c -- dig +time=1 +tries=1 +short "@$k5gw" k5c
expect_match '^10\.' "$T_LAST" "k5c resolves its own name on its own network"
expect_fail '!' $PODNET exec k5c -- dig +time=1 +tries=1 +short "@$k1gw" keep
expect_nomatch '^10\.' "$T_LAST" "k5c asks the DNS listener of network k1 for keep"
expect_ok $PODNET rm -f k5c
expect_ok $PODNET network rm kn5

t_case "network rm killed half-way: its bridge and gateway do not outlive the definition"
# It deleted the definition before the bridge: killed in between, the bridge
# kept its gateway, a network reusing the bridge name kept that address too,
# and one with the same subnet got a second route, the stale one winning.
expect_ok $PODNET network create kn2
kn2br=$(net_field kn2 "d['network_interface']")
kn2sub=$(net_field kn2 "d['subnets'][0]['subnet']")
rc=0
timeout 20 strace -f -o /dev/null -P "$PODNET_RUNTIME_DIR/ipam/kn2" -e inject=all:signal=KILL \
  $PODNET network rm kn2 >/dev/null 2>&1 || rc=$?
expect_eq 137 "$rc" "network rm killed when it removes the leases"
$PODNET network exists kn2 && expect_ok $PODNET network rm kn2
expect_ok $PODNET network create --subnet 10.77.0.0/24 kn3
kn3br=$(net_field kn3 "d['network_interface']")
expect_eq "10.77.0.1/24" "$(in_i ip -o -4 addr show dev "$kn3br" | awk '{print $4}' | tr '\n' ' ' | sed 's/ $//')" \
  "the addresses of kn3's bridge $kn3br (kn2's was $kn2br)"
expect_ok $PODNET network create --subnet "$kn2sub" kn4
kn4br=$(net_field kn4 "d['network_interface']")
expect_eq "dev $kn4br" "$(in_i ip -4 route show "$kn2sub" | grep -o "dev [^ ]*" | tr '\n' ' ' | sed 's/ $//')" \
  "the routes to $kn2sub, kn2's subnet again"
expect_ok $PODNET run -d --name k4c --network kn4 -- sleep 300
k4gw=$(net_field kn4 "d['subnets'][0]['gateway']")
wait_for 5 $PODNET exec k4c -- dig +time=1 +tries=1 +short "@$k4gw" k4c
expect_ok $PODNET exec k4c -- dig +time=1 +tries=1 +short "@$k4gw" k4c
expect_match '^10\.' "$T_LAST" "k4c resolves its name on kn4"
expect_ok $PODNET rm -f k4c
expect_ok $PODNET network rm kn3 kn4

t_case "system check reports a bridge or gateway in the infra that no network accounts for; the next change removes it"
k1br=$(net_field k1 "d['network_interface']")
expect_ok in_i ip link add podnet99 type bridge
expect_ok in_i ip addr add 10.123.0.1/24 dev "$k1br"
expect_fail 1 $PODNET system check
expect_match "bridge podnet99: no network owns it" "$T_LAST" "system check"
expect_match "bridge $k1br: address 10\.123\.0\.1/24 is no gateway of network k1" "$T_LAST" "system check"
expect_ok $PODNET network create kn6
expect_fail '!' in_i ip link show podnet99
expect_nomatch "10\.123\.0\.1" "$(in_i ip -o -4 addr show dev "$k1br")" "k1's bridge after network create"
expect_ok $PODNET network rm kn6
expect_fail 1 $PODNET system check
expect_nomatch "infra namespace" "$T_LAST" "system check once tidied"
# one with ports stays (its network's definition may only have failed to
# load: its containers would lose their network): reported, kept
expect_ok in_i ip link add podnet98 type bridge
expect_ok in_i ip link add pnport98 type veth peer name pnpeer98
expect_ok in_i ip link set pnport98 master podnet98
expect_fail 1 $PODNET system check
expect_match "bridge podnet98: no network owns it \(1 ports: kept\)" "$T_LAST" "system check"
expect_ok $PODNET network create kn7
expect_ok in_i ip link show podnet98
expect_ok $PODNET network rm kn7
expect_ok in_i ip link del pnport98
expect_ok in_i ip link del podnet98

t_case "network disconnect killed once it freed an address: the state never names a free address"
# It freed the leases before it saved the state without them: killed in
# between, the state named an address that another container could be given.
expect_ok $PODNET run -d --name dc --network k1,k2 -- sleep 300
dcid=$(id_of dc)
dcip2=$($PODNET inspect dc | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["networks"]["k2"]["ips"][0].split("/")[0])')
dcmac2=$($PODNET inspect dc | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["networks"]["k2"]["mac"])')
rc=0
# the address is free by then, its MAC not yet
timeout 20 strace -f -o /dev/null -P "$PODNET_RUNTIME_DIR/ipam/k2/mac-$dcmac2" -e trace=unlink -e inject=unlink:signal=KILL \
  $PODNET network disconnect k2 dc >/dev/null 2>&1 || rc=$?
expect_eq 137 "$rc" "network disconnect killed when it frees the MAC"
if [[ "$(connected dc)" == *k2* ]]; then
  grep -qx "$dcid" "$PODNET_RUNTIME_DIR/ipam/k2/$dcip2" 2>/dev/null ||
    t_fail "the state names $dcip2 on k2, whose lease is free"
  expect_ok $PODNET network disconnect k2 dc
fi
expect_eq "k1" "$(connected dc)"
expect_ok $PODNET network connect k2 dc
expect_eq "k1 k2" "$(connected dc)"
expect_ok $PODNET rm -f dc
expect_eq 0 "$(leases_of "$dcid")" "leases of dc after rm"

t_case "clean up after the network commands"
expect_ok $PODNET rm -f keep
expect_ok $PODNET network rm k1 k2
expect_ok $PODNET system check
wait_for 5 t_no_podnet_procs
t_done
