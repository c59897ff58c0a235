#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Bad input: a clear one-line error, exit code 125, and no state lost or
# half-created.
. "$(dirname "$0")/lib.sh"
t_on_exit "$PODNET system reset -f"

fails_with() { # regex command...
  local re=$1; shift
  expect_fail 125 "$@" || return
  expect_match "^Error: .*($re)" "$T_ERR" "message of: $*"
  [[ $(wc -l <<<"$T_ERR") -eq 1 ]] || t_fail "more than one line of error for $*: $T_ERR"
}
snapshot() { (cd "$PODNET_DATA_DIR" && find . -type f | sort | xargs -r md5sum); ls "$PODNET_RUNTIME_DIR/ctr" 2>/dev/null; }

t_case "network create rejects bad input"
expect_ok $PODNET network create good
before=$(snapshot)
fails_with "invalid network name" $PODNET network create -- -bad
fails_with "invalid network name" $PODNET network create 'a/b'
fails_with "already exists" $PODNET network create good
fails_with "invalid subnet" $PODNET network create --subnet 10.1.2.3 x1
fails_with "invalid subnet" $PODNET network create --subnet 300.1.2.0/24 x1
fails_with "host bits" $PODNET network create --subnet 10.1.2.3/24 x1
for net in 224.0.0.0/24 127.0.0.0/8 0.0.0.0/8 ff00::/8 ::1/128 ::/128; do
  fails_with "invalid subnet \"$net\": it overlaps .*(multicast|loopback|unspecified|this network)" $PODNET network create --subnet $net x1
done
fails_with "overlaps network good" $PODNET network create --subnet 10.89.0.0/16 x1
fails_with "not in subnet" $PODNET network create --subnet 10.5.0.0/24 --gateway 10.6.0.1 x1
fails_with "needs a matching --subnet" $PODNET network create --gateway 10.6.0.1 x1
fails_with "not inside subnet" $PODNET network create --subnet 10.5.0.0/24 --ip-range 10.6.0.0/25 x1
fails_with "invalid mtu" $PODNET network create --opt mtu=abc x1
fails_with "unsupported option" $PODNET network create --opt foo=1 x1
fails_with "unsupported driver" $PODNET network create --driver macvlan x1
fails_with "unknown option" $PODNET network create --bogus x1
for mode in none host bridge; do
  fails_with "cannot create network with name \"$mode\" because it conflicts with a valid network mode" $PODNET network create $mode
done
expect_eq "$before" "$(snapshot)" "state after failed creates"

t_case "unknown things are named"
fails_with "network nope not found" $PODNET network inspect nope
fails_with "network nope not found" $PODNET network rm nope
fails_with "network nope not found" $PODNET run --network nope -- true
fails_with "no such container: nope" $PODNET stop nope
fails_with "no such container: nope" $PODNET rm nope
fails_with "no such container: nope" $PODNET network connect good nope
fails_with "unknown command" $PODNET frobnicate
fails_with "run: unknown option -z \(see 'podnet run --help'\)" $PODNET run --rm -zt -- true
fails_with "pod create: unknown option --bogus" $PODNET pod create --name p --bogus
expect_eq "$before" "$(snapshot)" "state after unknown names"

t_case "--help after a command or subcommand shows its synopsis, and does nothing"
for cmd in "network" "network create" "network ls" "network inspect" "network exists" "network rm" "network prune" "network connect" \
  "network disconnect" "pod" "pod create" "pod ls" "pod inspect" "pod exists" "pod rm" "run" "ps" "inspect" "exec" "logs" "port" "start" "stop" "restart" "kill" "wait" "rm" \
  "info" "system" "system check" "system reset"; do
  # shellcheck disable=SC2086 # the words of the command
  expect_ok $PODNET $cmd --help
  expect_match "^Usage: podnet $cmd" "$T_LAST" "podnet $cmd --help"
done
expect_ok $PODNET network create --subnet 10.77.0.0/24 --help helpnet
expect_fail 125 $PODNET network inspect helpnet
expect_ok $PODNET run --rm --network good -- sh -c 'echo "$1"' sh --help
expect_eq "--help" "$T_LAST" "a run's own command keeps its --help"
expect_eq "$before" "$(snapshot)" "state after --help"

t_case "run rejects bad input and creates nothing"
fails_with "invalid container name" $PODNET run --name 'bad name' -- true
fails_with "missing command" $PODNET run --name x
fails_with "invalid IP address|not in subnet|does not match" $PODNET run --network good --ip 999.1.1.1 -- true
fails_with "invalid MAC" $PODNET run --network good --mac-address zz:zz -- true
fails_with "invalid MAC" $PODNET run --network good --mac-address 01:00:5e:00:00:01 -- true
fails_with "invalid MAC address \"00:00:00:00:00:00\"" $PODNET run --network good --mac-address 00:00:00:00:00:00 -- true
fails_with "given twice" $PODNET run --network good,good -- true
fails_with "invalid --add-host" $PODNET run --add-host foo:notanip -- true
fails_with "conflicting options: dns and the network mode" $PODNET run --network none --dns 1.1.1.1 -- true
fails_with "conflicting options: ip and the network mode" $PODNET run --network none --ip 10.89.0.9 -- true
fails_with "conflicting options: network-alias and the network mode" $PODNET run --network none --network-alias a -- true
expect_eq "" "$(ls "$PODNET_RUNTIME_DIR/ctr" 2>/dev/null)" "containers after failed runs"
expect_eq 0 "$(find "$PODNET_RUNTIME_DIR/ipam/good" -name '10.*' 2>/dev/null | wc -l)" "leases after failed runs"

t_case "-p: a host port is mapped once; the same mapping twice is kept once (as podman)"
fails_with 'conflicting port mappings for host port 18600 \(protocol tcp\)' $PODNET run -p 18600:80 -p 18600:81 -- true
fails_with 'conflicting port mappings for host port 18601 \(protocol udp\)' $PODNET run -p 18600-18601:80-81/udp -p 18601:90/udp -- true
fails_with 'conflicting port mappings for host port 18600 \(protocol tcp\)' $PODNET pod create --name pp -p 18600:80 -p 18600:81
expect_eq "" "$(ls "$PODNET_RUNTIME_DIR/ctr" 2>/dev/null)" "sandboxes after refused -p"
expect_ok $PODNET run -d --name dupport --network good -p 18602:80 -p 18602:80 -- sleep 60
expect_ok $PODNET inspect dupport
expect_eq "18602:80/tcp" "$(python3 -c 'import json,sys; print(" ".join("%d:%d/%s" % (p["host_port"], p["container_port"], p["protocol"]) for p in json.load(sys.stdin)[0]["ports"]))' <<<"$T_LAST")" "ports of dupport"
expect_ok $PODNET rm -f dupport
expect_ok $PODNET system check

t_case "connect and disconnect errors"
expect_ok $PODNET run -d --name c1 --network good -- sleep 60
fails_with "already connected" $PODNET network connect good c1
expect_ok $PODNET network create other
fails_with "is not connected" $PODNET network disconnect other c1
fails_with "invalid IP address" $PODNET network connect --ip nope other c1
expect_ok $PODNET inspect c1
expect_nomatch '"other"' "$T_LAST" "no half attachment"
expect_ok $PODNET rm -f c1
expect_ok $PODNET network rm good other
expect_ok $PODNET system check

t_case "after -- every argument is a name; an unknown option is named as one, and changes nothing"
expect_ok $PODNET network create dd
expect_ok $PODNET network create ee
expect_ok $PODNET run -d --name ndash --network dd -- sleep 60
before=$(snapshot)
fails_with "network rm: unknown option --bogus" $PODNET network rm --bogus dd
fails_with "network rm: unknown option -t" $PODNET network rm -t 5 dd
fails_with "network rm: unknown option -t" $PODNET network rm -f dd -t 5
fails_with "network disconnect: unknown option --bogus" $PODNET network disconnect --bogus dd ndash
fails_with "network exists: unknown option --bogus" $PODNET network exists --bogus dd
fails_with "container exists: unknown option --bogus" $PODNET container exists --bogus ndash
fails_with "pod exists: unknown option --bogus" $PODNET pod exists --bogus p
fails_with "wait: unknown option --bogus" $PODNET wait --bogus ndash
fails_with "port: unknown option --bogus" $PODNET port --bogus ndash
fails_with "container prune: unknown option --bogus" $PODNET container prune --bogus
fails_with "pod prune: unknown option -x" $PODNET pod prune -x
fails_with "stop: unknown option --bogus" $PODNET stop --bogus ndash
fails_with "inspect: unknown option --bogus" $PODNET inspect --bogus ndash
expect_eq "$before" "$(snapshot)" "state after unknown options"
expect_ok $PODNET network exists -- dd
expect_fail 1 $PODNET network exists -- nosuch
expect_ok $PODNET container exists -- ndash
expect_ok $PODNET container exists ndash --
expect_ok $PODNET inspect -f '{{.Name}}' -- ndash
expect_eq "ndash" "$T_LAST" "inspect -- NAME"
fails_with "no such .*: -f" $PODNET inspect ndash -- -f
expect_ok $PODNET network inspect -f '{{.name}}' dd -- ee
expect_eq "dd
ee" "$T_LAST" "network inspect NAME -- NAME"
expect_ok $PODNET port -- ndash
expect_ok $PODNET logs -- ndash
expect_ok $PODNET logs ndash --
expect_ok $PODNET exec -- ndash -- true
expect_ok $PODNET network connect -- ee ndash
expect_ok $PODNET network disconnect -- ee ndash
expect_ok $PODNET network disconnect -f dd -- ndash
expect_ok $PODNET inspect -f '{{json .networks}}' ndash
expect_eq "{}" "$T_LAST" "networks of ndash after disconnect -- and -f --"
expect_ok $PODNET kill -- ndash
expect_ok $PODNET wait -- ndash
expect_eq "137" "$T_LAST" "wait -- NAME"
expect_ok $PODNET start -- ndash
expect_ok $PODNET restart -t 0 -- ndash
expect_ok $PODNET stop -t 0 ndash --
expect_ok $PODNET container prune --
expect_ok $PODNET pod prune --
expect_ok $PODNET network rm -- dd
expect_eq "dd" "$T_LAST" "network rm -- NAME removes NAME"
expect_ok $PODNET network rm -f -- ee
expect_eq "ee" "$T_LAST" "network rm -f -- NAME removes NAME"
expect_fail 1 $PODNET network exists ee
expect_ok $PODNET system check

t_case "rm -f, pod rm -f and network rm -f of a name that does not exist: no error, as Podman; -i too"
expect_ok $PODNET network create fnet
expect_ok $PODNET run --name fgone -- true
expect_ok $PODNET pod create --name fpod
expect_ok $PODNET rm -f nosuch
expect_eq "" "$T_LAST$(cat "$T_OUT/err")" "output of rm -f nosuch"
expect_ok $PODNET rm -f nosuch fgone nosuch2
expect_eq "fgone" "$T_LAST" "rm -f prints the ones it removed"
expect_fail 1 $PODNET container exists fgone
expect_ok $PODNET run --name fgone2 -- true
expect_ok $PODNET rm -i fgone2 nosuch
expect_eq "fgone2" "$T_LAST" "rm -i"
expect_ok $PODNET rm --ignore nosuch
expect_ok $PODNET stop -i nosuch
expect_ok $PODNET stop --ignore nosuch
expect_eq "" "$T_LAST$(cat "$T_OUT/err")" "output of stop --ignore nosuch"
expect_ok $PODNET pod rm -f nosuch fpod
expect_eq "fpod" "$T_LAST" "pod rm -f prints the ones it removed"
expect_fail 1 $PODNET pod exists fpod
expect_ok $PODNET pod rm -i nosuch
expect_ok $PODNET pod stop -i nosuch
# without -f network rm checks every name first: none is removed
fails_with "network nosuch not found" $PODNET network rm fnet nosuch
expect_ok $PODNET network exists fnet
expect_ok $PODNET network rm -f nosuch fnet nosuch2
expect_eq "fnet" "$T_LAST" "network rm -f prints the ones it removed"
expect_fail 1 $PODNET network exists fnet
# without -f or -i a missing name is still an error; the other names are acted on (podnet(1) EXIT STATUS)
fails_with "no such container: nosuch" $PODNET rm nosuch
expect_ok $PODNET run --name fgone3 -- true
fails_with "no such container: nosuch" $PODNET rm fgone3 nosuch
expect_eq "fgone3" "$T_LAST" "rm NAME nosuch: NAME is removed"
expect_fail 1 $PODNET container exists fgone3
fails_with "no such container: nosuch" $PODNET stop nosuch
fails_with "no such pod: nosuch" $PODNET pod rm nosuch
fails_with "network nosuch not found" $PODNET network rm nosuch
fails_with "kill: unknown option -i" $PODNET kill -i nosuch
expect_ok $PODNET system check

t_case "a -t value that is not a number of seconds is refused, and nothing is stopped"
expect_ok $PODNET run -d --name tbad -- sleep 60
expect_ok $PODNET pod create --name tbadpod
for v in "" x -1 5s 4294967296 2147483648 99999999999999999999; do
  fails_with "invalid timeout \"$v\"" $PODNET stop -t "$v" tbad
  fails_with "invalid timeout \"$v\"" $PODNET restart --time "$v" tbad
  fails_with "invalid timeout \"$v\"" $PODNET pod stop -t "$v" tbadpod
  fails_with "invalid timeout \"$v\"" $PODNET rm -f -t "$v" tbad
done
fails_with "stop: option -t needs a value" $PODNET stop tbad -t
expect_eq "running running" "$($PODNET inspect -f '{{.State.Status}}' tbad) $($PODNET pod inspect -f '{{.state}}' tbadpod)" "after the refused -t"
expect_ok $PODNET stop -t 2147483647 -i nosuch
fails_with "rm: -t/--time needs -f/--force" $PODNET rm -t 5 tbad
fails_with "pod rm: -t/--time needs -f/--force" $PODNET pod rm -t 5 tbadpod
expect_ok $PODNET rm -f -t 0 tbad
expect_ok $PODNET pod rm -f --time 0 tbadpod
expect_ok $PODNET system check

t_case "inspect of a found and a missing container: the found one is printed, then the error (as Podman)"
expect_ok $PODNET run -d --name insp1 --network none -- sleep 60
insp_id=$($PODNET inspect -f '{{.Id}}' insp1)
expect_fail 125 $PODNET inspect -f '{{.Name}} {{.Id}}' insp1 nosuchctr
expect_eq "insp1 $insp_id" "$T_LAST" "the found one"
expect_match "no such container: nosuchctr" "$T_ERR"
expect_fail 125 $PODNET inspect nosuchctr
expect_eq "" "$T_LAST" "nothing found: nothing printed"
expect_ok $PODNET rm -f insp1

t_case "state directories that others could change are refused"
# /tmp/podnet-UID (no XDG_RUNTIME_DIR) can be made by anyone first; a directory others
# may write to, or a link there, would put the state in someone else's hands
d=$(mktemp -d)
t_on_exit "rm -rf $d"
mkdir -m 0700 "$d/run" "$d/own"
expect_ok env PODNET_RUNTIME_DIR="$d/run" $PODNET network ls -q
chmod 0777 "$d/run"
fails_with "refusing the state directory: $d/run is writable by others \(mode 0777\)" \
  env PODNET_RUNTIME_DIR="$d/run" $PODNET network create late
chmod 0770 "$d/run" # its own group: fine (user private groups, umask 002)
expect_ok env PODNET_RUNTIME_DIR="$d/run" $PODNET network ls -q
fallback=/tmp/podnet-$(id -u)
if [[ ! -e $fallback && ! -L $fallback ]]; then
  ln -s "$d/own" "$fallback"
  fails_with "refusing the state directory: $fallback is a symbolic link" \
    env -u PODNET_RUNTIME_DIR -u XDG_RUNTIME_DIR $PODNET network ls
  rm -f "$fallback"
  expect_ok env -u PODNET_RUNTIME_DIR -u XDG_RUNTIME_DIR $PODNET network ls -q
  expect_eq 700 "$(stat -c %a "$fallback")" "mode of the fallback directory made by podnet"
  rm -rf "$fallback"
fi
expect_ok $PODNET network ls --format json
expect_nomatch '"late"' "$T_LAST" "nothing created through a refused directory"
t_done
