#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Many commands at once: 20 concurrent `podnet run` on one network get 20
# distinct addresses; concurrent network creation yields distinct subnets;
# a create/remove loop leaves nothing behind.
. "$(dirname "$0")/lib.sh"
t_on_exit "$PODNET system reset -f"

t_case "20 concurrent runs get 20 distinct addresses"
expect_ok $PODNET network create busy
pids=()
for i in $(seq 1 20); do
  $PODNET run -d --name "c$i" --network busy -- sleep 60 >"$T_OUT/run$i" 2>&1 &
  pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
expect_eq 0 "$fails" "failed runs"
expect_ok $PODNET ps --format json
addrs=$(python3 -c 'import json,sys; print("\n".join(sorted(c["networks"]["busy"]["ips"][0] for c in json.loads(sys.argv[1]))))' "$T_LAST")
expect_eq 20 "$(wc -l <<<"$addrs")" "containers listed"
expect_eq 20 "$(sort -u <<<"$addrs" | wc -l)" "distinct addresses"
# and they are real: the first reaches the last
last=$(tail -1 <<<"$addrs"); last=${last%/*}
expect_ok $PODNET exec c1 -- ping -c1 -W2 "$last"
leases() { find "$PODNET_RUNTIME_DIR/ipam/busy" -name '10.*' | wc -l; }
expect_eq 20 "$(leases)" "leases"

t_case "concurrent removal"
pids=()
for i in $(seq 1 20); do $PODNET rm -f "c$i" >/dev/null 2>&1 & pids+=($!); done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
expect_eq 0 "$fails" "failed removals"
expect_eq 0 "$(leases)" "leases left"

t_case "concurrent network create gives distinct subnets"
pids=()
for i in $(seq 1 8); do $PODNET network create "n$i" >/dev/null 2>&1 & pids+=($!); done
for p in "${pids[@]}"; do wait "$p"; done
expect_ok $PODNET network ls --format json
subnets=$(python3 -c 'import json,sys; print("\n".join(n["subnets"][0]["subnet"] for n in json.loads(sys.argv[1])))' "$T_LAST")
expect_eq 9 "$(sort -u <<<"$subnets" | wc -l)" "distinct subnets"

t_case "concurrent pod start and run --pod of a stopped pod: one pod up, each member once"
expect_ok $PODNET pod create --name cpod --network busy
cpid=$($PODNET pod inspect cpod | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
expect_ok $PODNET run -d --pod cpod --name cm1 -- sleep 60
expect_ok $PODNET run -d --pod cpod --name cm2 -- sleep 60
for round in 1 2 3; do
  expect_ok $PODNET pod stop -t 0 cpod
  pids=()
  for i in 1 2 3 4; do $PODNET pod start cpod >"$T_OUT/ps$i" 2>&1 & pids+=($!); done
  for i in 1 2; do $PODNET run --rm --pod cpod -- true >"$T_OUT/pr$i" 2>&1 & pids+=($!); done
  fails=0
  for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
  expect_eq 0 "$fails" "failed starts in round $round: $(cat "$T_OUT"/ps? "$T_OUT"/pr? | grep -i error)"
  expect_ok $PODNET ps --filter pod=cpod --format '{{.Names}}'
  expect_eq "cm1 cm2 " "$(sort <<<"$T_LAST" | tr '\n' ' ')" "members running in round $round"
  expect_eq 2 "$(grep -rlx "$cpid" "$PODNET_RUNTIME_DIR/ipam" | wc -l)" "the pod's leases (an address, a MAC) in round $round"
  # (zombies left out: on some machines PID 1 does not reap orphans)
  expect_eq 1 "$(t_count_procs podnet-pause)" "pause processes in round $round"
done
t_case "pod stop while pod start runs: the pod ends stopped or running, never half of each"
pauses() { t_count_procs podnet-pause; }
cleases() { grep -rlx "$cpid" "$PODNET_RUNTIME_DIR/ipam" | wc -l; }
# A member's start brings its pod up again: a stop that tore down that new run
# under its starter left the pod "running" without leases or infra (1 round in 10).
for round in 1 2 3 4 5 6 7 8; do
  expect_ok $PODNET pod stop -t 0 cpod
  $PODNET pod start cpod >/dev/null 2>&1 & a=$!
  sleep 0.0$(((round - 1) % 5 * 2 + 2))
  $PODNET pod stop -t 0 cpod >/dev/null 2>&1 & b=$!
  wait $a; wait $b || t_fail "pod stop failed in round $round"
  # its own state (Podman's .Status says Degraded when a member is down)
  st=$($PODNET pod ls --filter name=cpod --format '{{.state}}')
  case "$st" in
    exited) expect_eq "0 0" "$(pauses) $(cleases)" "pause processes and leases of the stopped pod in round $round";;
    running) expect_eq "1 2" "$(pauses) $(cleases)" "pause processes and leases of the running pod in round $round";;
    *) t_fail "pod state in round $round: $st";;
  esac
done
t_case "run -d --pod while pod stop runs: no member is left running in a stopped pod"
for round in 1 2 3 4 5 6; do
  expect_ok $PODNET pod start cpod
  $PODNET pod stop -t 0 cpod >/dev/null 2>&1 & b=$!
  sleep 0.0$((round + 2))
  $PODNET run -d --pod cpod --name "late$round" -- sleep 60 >/dev/null 2>&1
  wait $b || t_fail "pod stop failed in round $round"
  if [[ "$($PODNET pod ls --filter name=cpod --format '{{.state}}')" == exited ]]; then
    expect_eq "" "$($PODNET ps --filter pod=cpod --format '{{.Names}}')" "members running in the stopped pod in round $round"
    expect_eq "0 0" "$(pauses) $(cleases)" "pause processes and leases of the stopped pod in round $round"
  fi
done
expect_ok $PODNET pod rm -f cpod
expect_eq "0 0" "$(pauses) $(cleases)" "pause processes and leases after pod rm"

t_case "stop, kill, rm -f and rm while run -d starts the container: they wait for it, then act"
# Without the wait, stop and kill found nothing to signal yet (stop said it
# had stopped it) and the container then ran; rm -f removed the sandbox under
# `run`, which failed writing its state.
for round in 1 2 3 4; do
  for op in stop kill rmf rm; do
    n="settle-$op-$round"
    $PODNET run -d --name "$n" --network busy -- sleep 60 >"$T_OUT/settle-run" 2>&1 & a=$!
    sleep 0.0$((round * 2))
    case $op in
      stop) $PODNET stop -t 0 "$n" >"$T_OUT/settle-op" 2>&1;;
      kill) $PODNET kill "$n" >"$T_OUT/settle-op" 2>&1;;
      rmf) $PODNET rm -f "$n" >"$T_OUT/settle-op" 2>&1;;
      rm) $PODNET rm "$n" >"$T_OUT/settle-op" 2>&1;;
    esac
    orc=$?
    wait $a || t_fail "run -d failed beside $op in round $round: $(cat "$T_OUT/settle-run")"
    st=$($PODNET ps -a --filter name="^$n\$" --format '{{.State}}')
    case $op in
      stop|kill) expect_eq "0 exited" "$orc $st" "$op's exit code and the state after it, round $round";;
      rmf) expect_eq "0 " "$orc $st" "rm -f's exit code and the state after it, round $round";;
      # rm without -f: a container that runs is refused, whether it ran before or after rm looked
      rm) expect_eq "125 running" "$orc $st" "rm's exit code and the state after it, round $round";;
    esac
    $PODNET rm -f "$n" >/dev/null 2>&1
  done
done
expect_eq 0 "$(leases)" "leases left"

t_case "network rm -f while run -d starts a container on it: it waits, then disconnects it"
# Without the wait, rm -f failed with "is starting" whenever it met the
# container before it ran.
for round in 1 2 3 4; do
  net="rmf-$round" n="rmf-ctr-$round"
  expect_ok $PODNET network create "$net"
  $PODNET run -d --name "$n" --network "$net" -- sleep 60 >"$T_OUT/rmf-run" 2>&1 & a=$!
  sleep 0.0$((round * 2))
  $PODNET network rm -f "$net" >"$T_OUT/rmf-op" 2>&1 || t_fail "network rm -f failed in round $round: $(cat "$T_OUT/rmf-op")"
  if wait $a; then
    # it ran, and rm -f took it off the network: running, with no trace of it
    st=$($PODNET ps -a --filter name="^$n\$" --format '{{.State}}')
    expect_eq "running 0" "$st $($PODNET inspect "$n" | grep -c "$net")" "the container after network rm -f, round $round"
  else
    # rm -f removed the network before run looked it up
    grep -q "network $net not found" "$T_OUT/rmf-run" || t_fail "run failed otherwise in round $round: $(cat "$T_OUT/rmf-run")"
  fi
  $PODNET network exists "$net" && t_fail "network $net still exists in round $round"
  $PODNET rm -f "$n" >/dev/null 2>&1
done
expect_eq 0 "$(leases)" "leases left"

t_case "pod rm -f while run -d --pod starts a member: the member goes with the pod"
# The member's run either ran (and its container went with the pod) or met
# no pod; never an error from files removed under it.
for round in 1 2 3 4; do
  pod="rmp-$round" n="rmp-ctr-$round"
  expect_ok $PODNET pod create --name "$pod" --network busy
  $PODNET run -d --pod "$pod" --name "$n" -- sleep 60 >"$T_OUT/rmp-run" 2>&1 & a=$!
  sleep 0.0$((round * 2))
  $PODNET pod rm -f "$pod" >"$T_OUT/rmp-op" 2>&1 || t_fail "pod rm -f failed in round $round: $(cat "$T_OUT/rmp-op")"
  if ! wait $a; then
    # only if the pod was gone (or going) before run took the member's name
    grep -Eq "no such pod|pod $pod is not running|pod $pod stopped while" "$T_OUT/rmp-run" ||
      t_fail "run failed otherwise in round $round: $(cat "$T_OUT/rmp-run")"
  fi
  expect_eq "" "$($PODNET ps -a --filter name="^$n\$" --format '{{.Names}}')" "the member after pod rm -f, round $round"
  $PODNET pod exists "$pod" && t_fail "pod $pod still exists in round $round"
  $PODNET rm -f "$n" >/dev/null 2>&1
done
expect_eq 0 "$(leases)" "leases left"

t_case "a create/run/remove loop leaves nothing"
for i in $(seq 1 10); do
  $PODNET network create loopnet >/dev/null && $PODNET run --rm --network loopnet -- true &&
    $PODNET network rm loopnet >/dev/null || t_fail "iteration $i"
done
expect_ok $PODNET network rm n1 n2 n3 n4 n5 n6 n7 n8 busy
wait_for 5 t_no_podnet_procs
expect_eq "" "$(t_podnet_procs)" "processes left"
expect_ok $PODNET system check
t_done
